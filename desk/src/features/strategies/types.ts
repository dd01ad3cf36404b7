/**
 * Strategy-run shapes. TEMPORARY: written from the session's contract until the server's routes land; replaced by
 * the generated OpenAPI types (`npm run gen:api`).
 */

/** Live statistics of a run. */
export interface RunStats {
  trades: number;
  open: number;
  wins: number;
  losses: number;
  rejections: number;
  netPnl: string;
  netR: number;
  expectancyR: number | null;
  winRate: number | null;
}

/** A strategy run. */
export interface Run {
  id: number;
  strategy: string;
  params: Record<string, number | boolean | string>;
  symbol: string;
  timeframe: string;
  connectionId: number | null;
  host: 'server' | 'client';
  status: 'running' | 'stopped' | 'failed';
  error: { code: string; message: string } | null;
  startEquity: string;
  cursorTime: string | null;
  firstBarTime: string | null;
  startedAt: string;
  stoppedAt: string | null;
  stats: RunStats;
}

/** One thing a run did. */
export interface RunEvent {
  id: number;
  kind: 'signal' | 'decision' | 'order' | 'fill' | 'status';
  barTime: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** Body of `POST /api/v1/strategy-runs`. */
export interface StartBody {
  strategy: string;
  symbol: string;
  timeframe: string;
  params?: Record<string, number | boolean | string>;
  connectionId?: number;
  host?: 'server' | 'client';
}
