/**
 * Strategy runs as the API serves them: {@link RunView} (a run with its live statistics) and {@link EventView} (one
 * thing a run did), read from `strategy_runs`, `strategy_events`, `strategy_orders` and the journal's trades.
 * Money is decimal text, times ISO 8601 UTC, R and ratios numbers.
 */
import type { Row, Sql } from '../../db/sql.ts';
import { toInt, toMsOrNull } from '../../db/sql.ts';
import { dec, dec0 } from '../views.ts';

/** Live statistics of a run, from the journal's trades it placed (`strategy_orders.trade_id`). */
export interface RunStats {
  /** Closed trades. */
  trades: number;
  /** Trades still pending or open. */
  open: number;
  /** Closed trades with net P&L > 0 and < 0. */
  wins: number;
  losses: number;
  /** Entries refused (by a rule, or before the rules: `stop-required`, an invalid price…). */
  rejections: number;
  /** Σ net P&L of the closed trades, decimal text (quote currency). */
  netPnl: string;
  /** Σ R of the closed trades. */
  netR: number;
  /** netR ÷ trades (null without a closed trade). */
  expectancyR: number | null;
  /** wins ÷ trades, a fraction (null without a closed trade). */
  winRate: number | null;
}

/** Where a run's strategy code runs. */
export type RunHost = 'server' | 'client';
/** Lifecycle of a run. */
export type RunStatus = 'running' | 'stopped' | 'failed';

/** A strategy run as `GET /api/v1/strategy-runs/:id` serves it. */
export interface RunView {
  id: number;
  strategy: string;
  params: Record<string, number | boolean | string>;
  symbol: string;
  timeframe: string;
  connectionId: number | null;
  host: RunHost;
  status: RunStatus;
  /** Why the run failed (`{code, message}`), else null. */
  error: { code: string; message: string } | null;
  /** The account's equity when the run started, decimal text. */
  startEquity: string;
  /** Open time of the last bar the run finished, or null. */
  cursorTime: string | null;
  /** Open time of the first bar the strategy acted on, or null. */
  firstBarTime: string | null;
  /** Open time of the oldest bar of the history the strategy is evaluated on, or null (client runs). */
  historyFrom: string | null;
  startedAt: string;
  stoppedAt: string | null;
  stats: RunStats;
}

/** Kinds of run events. */
export type EventKind = 'signal' | 'decision' | 'order' | 'fill' | 'status';

/** One thing a run did, as `GET /api/v1/strategy-runs/:id/events` serves it. */
export interface EventView {
  id: number;
  kind: EventKind;
  /** Open time of the bar it belongs to, or null (a status change, a fill between bars). */
  barTime: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

const iso = (v: unknown): string | null => {
  const ms = toMsOrNull(v);
  return ms === null ? null : new Date(ms).toISOString();
};

/** A `strategy_events` row → {@link EventView}. */
export function eventView(r: Row): EventView {
  return {
    id: toInt(r.id),
    kind: r.kind as EventKind,
    barTime: iso(r.bar_time),
    data: (r.data ?? {}) as Record<string, unknown>,
    createdAt: iso(r.created_at)!,
  };
}

/** The statistics of run `runId` (see {@link RunStats}). */
export async function runStats(q: Sql, runId: number): Promise<RunStats> {
  const [s] = await q.query(
    `SELECT count(*) FILTER (WHERE t.status = 'closed')::int AS trades,
            count(*) FILTER (WHERE t.status IN ('pending', 'open'))::int AS open,
            count(*) FILTER (WHERE t.status = 'closed' AND t.net_pnl > 0)::int AS wins,
            count(*) FILTER (WHERE t.status = 'closed' AND t.net_pnl < 0)::int AS losses,
            COALESCE(sum(t.net_pnl) FILTER (WHERE t.status = 'closed'), 0)::text AS net_pnl,
            COALESCE(sum(t.r_multiple) FILTER (WHERE t.status = 'closed'), 0)::float8 AS net_r
       FROM strategy_orders so JOIN trades t ON t.id = so.trade_id
      WHERE so.run_id = $1`,
    [runId],
  );
  const [rej] = await q.query(
    `SELECT count(*)::int AS n FROM strategy_orders WHERE run_id = $1 AND kind = 'entry' AND NOT approved`,
    [runId],
  );
  const trades = toInt(s?.trades ?? 0);
  const wins = toInt(s?.wins ?? 0);
  const netR = Number(s?.net_r ?? 0);
  return {
    trades,
    open: toInt(s?.open ?? 0),
    wins,
    losses: toInt(s?.losses ?? 0),
    rejections: toInt(rej?.n ?? 0),
    netPnl: dec0(s?.net_pnl),
    netR,
    expectancyR: trades > 0 ? netR / trades : null,
    winRate: trades > 0 ? wins / trades : null,
  };
}

/** A `strategy_runs` row and its statistics → {@link RunView}. */
export function runView(r: Row, stats: RunStats): RunView {
  return {
    id: toInt(r.id),
    strategy: String(r.strategy),
    params: (r.params ?? {}) as RunView['params'],
    symbol: String(r.symbol),
    timeframe: String(r.timeframe),
    connectionId: r.connection_id === null || r.connection_id === undefined ? null : toInt(r.connection_id),
    host: r.host as RunHost,
    status: r.status as RunStatus,
    error: (r.error ?? null) as RunView['error'],
    startEquity: dec(r.start_equity) ?? '0',
    cursorTime: iso(r.cursor_time),
    firstBarTime: iso(r.first_bar_time),
    historyFrom: iso(r.history_from),
    startedAt: iso(r.started_at)!,
    stoppedAt: iso(r.stopped_at),
    stats,
  };
}
