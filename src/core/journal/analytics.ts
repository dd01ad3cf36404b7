/**
 * Journal analytics over closed trades: breakdowns by weekday, hour, setup, tag, side or symbol, and the
 * R-multiple histogram.
 *
 * Invariants:
 * - Weekday and hour are those of the trade's exit (`closedAt`) in UTC: weekday = (⌊closedAt ÷ 86 400 000⌋ + 4) mod 7
 *   with 0 = Sunday (1970-01-01 was a Thursday), hour = ⌊closedAt ÷ 3 600 000⌋ mod 24.
 * - Win / loss / breakeven are classified by `netPnl` sign as in `./stats.ts`; money is exact (bigint atoms).
 * - Pure: no clock, no I/O.
 */

/** One closed trade as the analytics need it. */
export interface AnalyticsTrade {
  /** R-multiple (finite float). */
  r: number;
  /** Net P&L after fees, atoms (10^-12 quote units). */
  netPnl: bigint;
  /** Exit time, ms since the Unix epoch (UTC). */
  closedAt: number;
  symbol: string;
  side: 'buy' | 'sell';
  /** Setup name, or null when the trade has none. */
  setup: string | null;
  tags: readonly string[];
}

/** The dimensions of {@link breakdown}. */
export const BREAKDOWN_DIMENSIONS = ['weekday', 'hour', 'setup', 'tag', 'side', 'symbol'] as const;
/** A dimension of {@link breakdown}. */
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** One group of a breakdown. */
export interface BreakdownGroup {
  /**
   * The group's key: weekday `monday`…`sunday`, hour `00`…`23`, side `buy`/`sell`, or the setup, tag or symbol;
   * null for trades without a setup (by setup) or without tags (by tag).
   */
  key: string | null;
  trades: number;
  wins: number;
  losses: number;
  /** wins ÷ trades (0 when there are none). */
  winRate: number;
  /** ΣR. */
  totalR: number;
  /** ΣR ÷ trades: Van Tharp's expectancy in R (0 when there are none). */
  expectancyR: number;
  /** Σ net P&L, atoms. */
  netPnl: bigint;
}

/** Weekday names, index 0 = Sunday (as {@link utcWeekday} returns). */
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;
const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** UTC weekday of a Unix time in ms, 0 = Sunday … 6 = Saturday. */
export function utcWeekday(ms: number): number {
  return mod(Math.floor(ms / MS_PER_DAY) + 4, 7);
}

/** UTC hour of a Unix time in ms, 0–23. */
export function utcHour(ms: number): number {
  return mod(Math.floor(ms / MS_PER_HOUR), 24);
}

function keysOf(t: AnalyticsTrade, by: BreakdownDimension): (string | null)[] {
  switch (by) {
    case 'weekday':
      return [WEEKDAYS[utcWeekday(t.closedAt)]!];
    case 'hour':
      return [String(utcHour(t.closedAt)).padStart(2, '0')];
    case 'setup':
      return [t.setup];
    case 'tag':
      return t.tags.length ? [...new Set(t.tags)] : [null];
    case 'side':
      return [t.side];
    case 'symbol':
      return [t.symbol];
  }
}

/**
 * Groups closed trades by `by` and totals each group. A trade with several tags counts once in each of its tags'
 * groups (so tag groups may sum to more than the trades). Order: weekday Monday → Sunday and hour 00 → 23, every
 * one listed (empty groups zero-filled, for charts); side buy, sell (present ones); setup, tag and symbol by
 * descending trade count, then key (null last).
 */
export function breakdown(trades: readonly AnalyticsTrade[], by: BreakdownDimension): BreakdownGroup[] {
  const groups = new Map<string | null, BreakdownGroup>();
  const group = (key: string | null): BreakdownGroup => {
    let g = groups.get(key);
    if (!g) {
      g = { key, trades: 0, wins: 0, losses: 0, winRate: 0, totalR: 0, expectancyR: 0, netPnl: 0n };
      groups.set(key, g);
    }
    return g;
  };
  if (by === 'weekday') for (const d of [1, 2, 3, 4, 5, 6, 0]) group(WEEKDAYS[d]!);
  if (by === 'hour') for (let h = 0; h < 24; h++) group(String(h).padStart(2, '0'));
  for (const t of trades)
    for (const k of keysOf(t, by)) {
      const g = group(k);
      g.trades++;
      if (t.netPnl > 0n) g.wins++;
      else if (t.netPnl < 0n) g.losses++;
      g.totalR += t.r;
      g.netPnl += t.netPnl;
    }
  const out = [...groups.values()];
  for (const g of out) {
    g.winRate = g.trades === 0 ? 0 : g.wins / g.trades;
    g.expectancyR = g.trades === 0 ? 0 : g.totalR / g.trades;
  }
  if (by === 'side') return out.sort((a, b) => (a.key === b.key ? 0 : a.key === 'buy' ? -1 : 1));
  if (by === 'setup' || by === 'tag' || by === 'symbol')
    out.sort((a, b) => {
      if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1;
      return b.trades - a.trades || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    });
  return out;
}

/** One bucket of {@link rDistribution}: `from ≤ R < to`; an end bucket that gathers outliers is open (null edge). */
export interface RBucket {
  from: number | null;
  to: number | null;
  count: number;
}

/** The R-multiple histogram of {@link rDistribution}. */
export interface RDistribution {
  /** Bucket width in R. */
  width: number;
  /** Contiguous buckets from the lowest to the highest R (empty ones included); none when there are no trades. */
  buckets: RBucket[];
  /** Every R, in the trades' order. */
  rs: number[];
}

/** At most this many buckets each side of 0 R; R beyond them falls in an open end bucket. */
export const MAX_BUCKETS_PER_SIDE = 100;

/**
 * Histogram of R-multiples in buckets of `width` R aligned on multiples of it: R falls in bucket
 * k = ⌊R ÷ width + 10⁻⁹⌋ (the 10⁻⁹ puts 0.3 with width 0.1 in [0.3, 0.4) despite binary floats),
 * `[k × width, (k + 1) × width)` (so a −1 R stop-out with width 0.5 is in [−1, −0.5)). Buckets run
 * contiguously from the lowest to the highest k, clamped to k ∈ [−{@link MAX_BUCKETS_PER_SIDE},
 * {@link MAX_BUCKETS_PER_SIDE} − 1]; a clamped end bucket is open (its outer edge null). Edges are rounded to 10
 * decimals to hide binary noise (0.1 × 3 = 0.3).
 * @throws RangeError when `width` is not a positive finite number or an R is not finite.
 */
export function rDistribution(rs: readonly number[], width = 0.5): RDistribution {
  if (!(width > 0) || !Number.isFinite(width)) throw new RangeError(`width must be positive, got ${width}`);
  const ks: number[] = [];
  for (const r of rs) {
    if (!Number.isFinite(r)) throw new RangeError(`R must be finite, got ${r}`);
    ks.push(Math.min(MAX_BUCKETS_PER_SIDE - 1, Math.max(-MAX_BUCKETS_PER_SIDE, Math.floor(r / width + 1e-9))));
  }
  if (ks.length === 0) return { width, buckets: [], rs: [] };
  let lo = ks[0]!;
  let hi = lo;
  for (const k of ks) {
    if (k < lo) lo = k;
    if (k > hi) hi = k;
  }
  const edge = (k: number): number => Math.round(k * width * 1e10) / 1e10;
  const buckets: RBucket[] = [];
  for (let k = lo; k <= hi; k++)
    buckets.push({
      from: k === -MAX_BUCKETS_PER_SIDE ? null : edge(k),
      to: k === MAX_BUCKETS_PER_SIDE - 1 ? null : edge(k + 1),
      count: 0,
    });
  for (const k of ks) buckets[k - lo]!.count++;
  return { width, buckets, rs: [...rs] };
}
