/**
 * The Overview's server state: journal statistics, the equity curve, breakdowns, the R histogram, excursions and
 * daily results, all under the same {@link JournalFilter}. Replies are narrowed here to the documented shapes
 * (`src/app/journal.ts`, `src/app/journal-analytics.ts`) until the routes declare response schemas; they are
 * refetched when a trade closes (`trade-closed` on `/ws`).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLiveEvent } from '@/api/live';
import type { JournalFilter } from './filters';
import { toApiQuery } from './filters';
import { getJson } from './http';

/** `GET /journal/stats`: statistics in R over the filtered closed trades. Money is decimal text. */
export interface JournalStats {
  trades: number;
  wins: number;
  losses: number;
  breakeven: number;
  /** wins ÷ trades, a fraction (0 when there are no trades: show `–` then). */
  winRate: number;
  avgWinR: number;
  avgLossR: number;
  expectancyR: number;
  /** Van Tharp's SQN; null with fewer than two trades or no spread. */
  sqn: number | null;
  /** gross profit ÷ |gross loss|; null without losses. */
  profitFactor: number | null;
  totalR: number;
  grossProfit: string;
  grossLoss: string;
  netPnl: string;
  maxDrawdown: string;
  /** Percent of the peak equity (already ×100). */
  maxDrawdownPct: number | null;
  maxDrawdownR?: number | null;
  longestLosingStreak: number;
  longestWinningStreak?: number;
}

/** One point of the equity curve (`GET /equity`): ISO time, equity and drawdown below the peak, decimal text. */
export interface EquityPoint {
  time: string;
  equity: string;
  drawdown: string;
  peak?: string;
  /** Percent below the running peak (the server's underwater curve), ≤ 0 or null. */
  drawdownPct?: number | null;
}

/** `GET /equity`. */
export interface EquityReply {
  startEquity: string;
  balance: string;
  curve: EquityPoint[];
  daily: DailyResult[];
}

/** Results of one UTC day of exits. */
export interface DailyResult {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  trades: number;
  wins: number;
  losses: number;
  netPnl: string;
  r: number;
}

/** The dimensions of `GET /journal/breakdown?by=`. */
export type BreakdownBy = 'weekday' | 'hour' | 'setup' | 'tag' | 'side' | 'symbol';

/** One group of a breakdown. */
export interface BreakdownGroup {
  /** `monday`…, `00`…`23`, `buy`/`sell`, or the setup/tag/symbol; null for "no setup"/"no tags". */
  key: string | null;
  trades: number;
  wins: number;
  losses: number;
  /** A fraction. */
  winRate: number;
  totalR: number;
  expectancyR: number;
  netPnl: string;
}

/** `GET /journal/breakdown`. */
export interface BreakdownReply {
  by: BreakdownBy;
  groups: BreakdownGroup[];
}

/** One bucket `from ≤ R < to` of the R histogram; an open end bucket has a null edge. */
export interface RBucket {
  from: number | null;
  to: number | null;
  count: number;
}

/** `GET /journal/r-distribution`. */
export interface RDistributionReply {
  trades: number;
  width: number;
  buckets: RBucket[];
  rs: number[];
}

/** One closed trade of `GET /journal/excursions` (close order). */
export interface Excursion {
  id: number;
  r: number;
  /** ≤ 0. */
  maeR: number | null;
  /** ≥ 0. */
  mfeR: number | null;
  holdingSeconds: number | null;
  side: 'buy' | 'sell';
  symbol: string;
  setup: string | null;
  closedAt: string;
}

/** `GET /journal/excursions`. */
export interface ExcursionsReply {
  trades: Excursion[];
}

/** `GET /journal/daily`. */
export interface DailyReply {
  days: DailyResult[];
}

/** Query keys: every journal read starts with `journal` so one invalidation refreshes them all. */
export const journalKeys = {
  all: ['journal'] as const,
  stats: (f: JournalFilter) => ['journal', 'stats', f] as const,
  equity: (f: JournalFilter) => ['journal', 'equity', f] as const,
  breakdown: (by: BreakdownBy, f: JournalFilter) => ['journal', 'breakdown', by, f] as const,
  rDistribution: (f: JournalFilter) => ['journal', 'r-distribution', f] as const,
  excursions: (f: JournalFilter) => ['journal', 'excursions', f] as const,
  daily: (f: JournalFilter) => ['journal', 'daily', f] as const,
};

const statsQuery = (f: JournalFilter) => {
  const { status: _status, ...q } = toApiQuery(f);
  return q;
};

/** Statistics over the filter. */
export function useStats(f: JournalFilter) {
  return useQuery({
    queryKey: journalKeys.stats(f),
    queryFn: () => getJson<JournalStats>('/api/v1/journal/stats', statsQuery(f)),
  });
}

/** The account's equity curve and daily results (all trades: equity is the account's, not a filter's). */
export function useEquity() {
  return useQuery({ queryKey: journalKeys.equity({}), queryFn: () => getJson<EquityReply>('/api/v1/equity') });
}

/** A breakdown of the filtered closed trades by `by`. */
export function useBreakdown(by: BreakdownBy, f: JournalFilter) {
  return useQuery({
    queryKey: journalKeys.breakdown(by, f),
    queryFn: () => getJson<BreakdownReply>('/api/v1/journal/breakdown', { by, ...statsQuery(f) }),
  });
}

/** The R histogram of the filtered closed trades. */
export function useRDistribution(f: JournalFilter) {
  return useQuery({
    queryKey: journalKeys.rDistribution(f),
    queryFn: () => getJson<RDistributionReply>('/api/v1/journal/r-distribution', statsQuery(f)),
  });
}

/** Per-trade R, MAE/MFE and holding time of the filtered closed trades. */
export function useExcursions(f: JournalFilter) {
  return useQuery({
    queryKey: journalKeys.excursions(f),
    queryFn: () => getJson<ExcursionsReply>('/api/v1/journal/excursions', statsQuery(f)),
  });
}

/** Daily net P&L and R of the filtered closed trades. */
export function useDaily(f: JournalFilter) {
  return useQuery({
    queryKey: journalKeys.daily(f),
    queryFn: () => getJson<DailyReply>('/api/v1/journal/daily', statsQuery(f)),
  });
}

/** Refetches every journal read when a trade closes (edits of a trade's journal fields invalidate them too). */
export function useJournalLiveRefresh(): void {
  const qc = useQueryClient();
  useLiveEvent('trade-closed', () => {
    void qc.invalidateQueries({ queryKey: journalKeys.all });
  });
}
