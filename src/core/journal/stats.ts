/**
 * Journal statistics over closed trades: win rate, R-multiple expectancy, Van Tharp's SQN, profit factor,
 * drawdowns, streaks, an equity curve and per-UTC-day totals.
 *
 * Invariants:
 * - Money is exact: P&L sums, gross profit/loss, equity and drawdowns are bigint atoms (10^-12 quote units, see
 *   `../money/decimal.ts`). Only dimensionless statistics (rates, R-multiples, ratios) are floats.
 * - A trade is a win when `netPnl > 0n`, a loss when `netPnl < 0n` and breakeven when `netPnl === 0n`; the R-multiple
 *   (`r = netPnl ÷ initial risk`) is averaged per class but never used to classify.
 * - Trades are given in close order (`closedAt` non-decreasing); order matters for streaks, drawdowns and the curve.
 * - Pure: no clock, no I/O; UTC days are computed with Howard Hinnant's `civil_from_days`, not `Date`.
 */

/** One closed trade as the statistics need it. */
export interface ClosedTradeForStats {
  /** R-multiple: net P&L ÷ initial risk (dimensionless float, finite). */
  r: number;
  /** Net P&L after fees, quote-currency atoms (10^-12 units). */
  netPnl: bigint;
  /** Close time, ms since the Unix epoch, UTC (finite). */
  closedAt: number;
}

/** Aggregate statistics of a sequence of closed trades (see {@link journalStats}). */
export interface JournalStats {
  /** Number of trades. */
  trades: number;
  /** Trades with `netPnl > 0n`. */
  wins: number;
  /** Trades with `netPnl < 0n`. */
  losses: number;
  /** Trades with `netPnl === 0n`. */
  breakeven: number;
  /** `wins ÷ trades`, a fraction in [0, 1]; 0 when there are no trades. */
  winRate: number;
  /** Mean R of the winning trades; 0 when there are none. */
  avgWinR: number;
  /** Mean R of the losing trades (negative for consistent input); 0 when there are none. */
  avgLossR: number;
  /** Expectancy in R: mean R over all trades (breakeven included); 0 when there are no trades. */
  expectancyR: number;
  /** Sum of R over all trades; 0 when there are no trades. */
  totalR: number;
  /**
   * Van Tharp's System Quality Number: `√min(N, 100) × mean(R) ÷ stdev(R)` with the sample standard deviation
   * (divisor N − 1). `null` when N < 2, when every R is equal (stdev 0), or when the result is not finite.
   */
  sqn: number | null;
  /** `grossProfit ÷ |grossLoss|` as a float; `null` when there is no losing trade (the ratio would be ∞ or 0/0). */
  profitFactor: number | null;
  /** Sum of `netPnl` over winning trades, atoms (≥ 0). */
  grossProfit: bigint;
  /** Sum of `netPnl` over losing trades, atoms (≤ 0, i.e. negative or zero). */
  grossLoss: bigint;
  /** Sum of all `netPnl`, atoms (`grossProfit + grossLoss`). */
  netPnl: bigint;
  /** Largest peak-to-trough fall of cumulative net P&L, atoms (≥ 0); the running peak starts at 0 (start equity). */
  maxDrawdown: bigint;
  /**
   * `maxDrawdown ÷ peak equity` at that drawdown's peak (`startEquity + cumulative P&L at the peak`) as a fraction
   * (may exceed 1 if equity goes negative). When several falls tie for the largest, the first one counts (its peak
   * is the lowest, so its fraction the largest). This is the fraction of the largest fall in atoms, not necessarily
   * the largest fractional fall. 0 when `maxDrawdown` is 0; `null` when no `startEquity` was given.
   */
  maxDrawdownPct: number | null;
  /** Largest peak-to-trough fall of cumulative R (≥ 0); the running peak starts at 0 R. */
  maxDrawdownR: number;
  /** Longest run of consecutive losing trades (`netPnl < 0n`); a breakeven trade ends a run. */
  longestLosingStreak: number;
  /** Longest run of consecutive winning trades (`netPnl > 0n`); a breakeven trade ends a run. */
  longestWinningStreak: number;
}

/** Options of {@link journalStats}. */
export interface JournalStatsOptions {
  /** Account equity before the first trade, atoms (> 0); enables `maxDrawdownPct`. */
  startEquity?: bigint;
}

/** One point of an equity curve (see {@link equityCurve}). */
export interface EquityPoint {
  /** ms since the Unix epoch, UTC. */
  time: number;
  /** Equity after this point, atoms. */
  equity: bigint;
  /** Atoms below the running peak equity (≥ 0; 0 at a new high). */
  drawdown: bigint;
  /** The running peak equity (the start equity or the highest equity since), atoms. */
  peak: bigint;
}

/** Totals of the trades closed on one UTC day (see {@link dailyStats}). */
export interface DailyStats {
  /** UTC calendar day, ISO `YYYY-MM-DD`. */
  day: string;
  /** Number of trades closed that day. */
  trades: number;
  /** Sum of the day's net P&L, atoms. */
  netPnl: bigint;
  /** Sum of the day's R-multiples. */
  r: number;
  /** Trades with `netPnl > 0n`. */
  wins: number;
  /** Trades with `netPnl < 0n`. */
  losses: number;
  /** Equity at the end of the day (`startEquity` + all net P&L up to and including this day), atoms. */
  endEquity: bigint;
  /** `netPnl ÷ equity at the start of the day` as a fraction; `null` when that equity is ≤ 0. */
  returnPct: number | null;
}

/** Milliseconds in one UTC day (no leap seconds in Unix time). */
const MS_PER_DAY = 86_400_000;

/** Float ratio of two bigints (`a ÷ b`, `b ≠ 0n`), each rounded to a double first: relative error ≈ 2^-52. */
function bigRatio(a: bigint, b: bigint): number {
  return Number(a) / Number(b);
}

/**
 * Checks the input contract shared by every function here.
 * @throws RangeError when an `r` or `closedAt` is not finite or `closedAt` decreases.
 */
function validate(trades: readonly ClosedTradeForStats[]): void {
  let prev = -Infinity;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i]!;
    if (!Number.isFinite(t.r)) throw new RangeError(`trade ${i}: r must be finite, got ${t.r}`);
    if (!Number.isFinite(t.closedAt)) throw new RangeError(`trade ${i}: closedAt must be finite, got ${t.closedAt}`);
    if (t.closedAt < prev) throw new RangeError(`trade ${i}: trades must be in close order (closedAt decreased)`);
    prev = t.closedAt;
  }
}

/**
 * Sample standard deviation (divisor n − 1, two-pass around the mean) of `xs`; needs `xs.length >= 2`.
 * Source: the usual unbiased-variance estimator, s² = Σ(x − x̄)² ÷ (n − 1).
 */
function sampleStdev(xs: readonly number[], mean: number): number {
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * Van Tharp's System Quality Number of R-multiples `rs` with mean `mean`:
 * `SQN = √min(N, 100) × mean(R) ÷ stdev(R)`, stdev the sample standard deviation (n − 1).
 * Source: Van K. Tharp, "The Definitive Guide to Position Sizing" (2008), which defines SQN and caps N at 100.
 * @returns null when N < 2, all R are equal, the stdev is 0 (underflow) or the result is not finite.
 */
function systemQualityNumber(rs: readonly number[], mean: number): number | null {
  if (rs.length < 2) return null;
  const first = rs[0]!;
  if (rs.every((x) => x === first)) return null;
  const sd = sampleStdev(rs, mean);
  if (!(sd > 0) || !Number.isFinite(sd)) return null;
  const sqn = (Math.sqrt(Math.min(rs.length, 100)) * mean) / sd;
  return Number.isFinite(sqn) ? sqn : null;
}

/**
 * Computes the journal statistics of closed trades given in close order.
 *
 * Formulas: win rate = wins ÷ N; expectancy = ΣR ÷ N (Van Tharp's expectancy in R); SQN = √min(N,100) × mean(R) ÷
 * sample-stdev(R) (Van Tharp, see {@link JournalStats.sqn}); profit factor = gross profit ÷ |gross loss| from exact
 * bigint sums of `netPnl`, converted to a float only at the final division; drawdowns are the largest
 * running-peak-minus-current of cumulative net P&L (atoms, exact) and of cumulative R, both peaks starting at 0.
 *
 * @param trades closed trades, `closedAt` non-decreasing.
 * @param opts.startEquity equity before the first trade in atoms (must be > 0); only used for `maxDrawdownPct`.
 * @returns {@link JournalStats}; with no trades every count and float is 0, every bigint 0n, `sqn` and
 *   `profitFactor` null and `maxDrawdownPct` 0 (or null without `startEquity`).
 * @throws RangeError when an `r` or `closedAt` is not finite, `closedAt` decreases, or `startEquity <= 0n`.
 */
export function journalStats(trades: readonly ClosedTradeForStats[], opts: JournalStatsOptions = {}): JournalStats {
  validate(trades);
  const { startEquity } = opts;
  if (startEquity !== undefined && startEquity <= 0n)
    throw new RangeError(`startEquity must be positive, got ${startEquity}`);

  let wins = 0;
  let losses = 0;
  let winRSum = 0;
  let lossRSum = 0;
  let totalR = 0;
  let grossProfit = 0n;
  let grossLoss = 0n;

  let cum = 0n;
  let peak = 0n;
  let maxDrawdown = 0n;
  let maxDrawdownPct = 0;

  let cumR = 0;
  let peakR = 0;
  let maxDrawdownR = 0;

  let winRun = 0;
  let lossRun = 0;
  let longestWinningStreak = 0;
  let longestLosingStreak = 0;

  const rs: number[] = [];
  for (const t of trades) {
    rs.push(t.r);
    totalR += t.r;
    if (t.netPnl > 0n) {
      wins++;
      winRSum += t.r;
      grossProfit += t.netPnl;
      winRun++;
      lossRun = 0;
    } else if (t.netPnl < 0n) {
      losses++;
      lossRSum += t.r;
      grossLoss += t.netPnl;
      lossRun++;
      winRun = 0;
    } else {
      winRun = 0;
      lossRun = 0;
    }
    if (winRun > longestWinningStreak) longestWinningStreak = winRun;
    if (lossRun > longestLosingStreak) longestLosingStreak = lossRun;

    cum += t.netPnl;
    if (cum > peak) peak = cum;
    const dd = peak - cum;
    if (dd > maxDrawdown) {
      maxDrawdown = dd;
      if (startEquity !== undefined) maxDrawdownPct = bigRatio(dd, startEquity + peak);
    }

    cumR += t.r;
    if (cumR > peakR) peakR = cumR;
    if (peakR - cumR > maxDrawdownR) maxDrawdownR = peakR - cumR;
  }

  const n = trades.length;
  const expectancyR = n === 0 ? 0 : totalR / n;
  return {
    trades: n,
    wins,
    losses,
    breakeven: n - wins - losses,
    winRate: n === 0 ? 0 : wins / n,
    avgWinR: wins === 0 ? 0 : winRSum / wins,
    avgLossR: losses === 0 ? 0 : lossRSum / losses,
    expectancyR,
    totalR,
    sqn: systemQualityNumber(rs, expectancyR),
    profitFactor: grossLoss === 0n ? null : bigRatio(grossProfit, -grossLoss),
    grossProfit,
    grossLoss,
    netPnl: grossProfit + grossLoss,
    maxDrawdown,
    maxDrawdownPct: startEquity === undefined ? null : maxDrawdownPct,
    maxDrawdownR,
    longestLosingStreak,
    longestWinningStreak,
  };
}

/**
 * The equity curve of closed trades: one point per trade at its `closedAt` with the equity after it
 * (`startEquity + Σ netPnl so far`, atoms) and its drawdown below the running peak (the peak starts at `startEquity`).
 *
 * @param startEquity equity before the first trade, atoms (any sign).
 * @param trades closed trades, `closedAt` non-decreasing.
 * @param startTime when given, the curve starts with `{ time: startTime, equity: startEquity, drawdown: 0n }`
 *   (so it has `trades.length + 1` points); when omitted there is no initial point (`trades.length` points).
 * @throws RangeError when an `r` or `closedAt` is not finite, `closedAt` decreases, `startTime` is not finite, or
 *   `startTime` is after the first trade's `closedAt`.
 */
export function equityCurve(
  startEquity: bigint,
  trades: readonly ClosedTradeForStats[],
  startTime?: number,
): EquityPoint[] {
  validate(trades);
  const points: EquityPoint[] = [];
  if (startTime !== undefined) {
    if (!Number.isFinite(startTime)) throw new RangeError(`startTime must be finite, got ${startTime}`);
    const first = trades[0];
    if (first !== undefined && startTime > first.closedAt)
      throw new RangeError('startTime must not be after the first trade closed');
    points.push({ time: startTime, equity: startEquity, drawdown: 0n, peak: startEquity });
  }
  let equity = startEquity;
  let peak = startEquity;
  for (const t of trades) {
    equity += t.netPnl;
    if (equity > peak) peak = equity;
    points.push({ time: t.closedAt, equity, drawdown: peak - equity, peak });
  }
  return points;
}

/**
 * Days since 1970-01-01 → proleptic Gregorian `{ y, m, d }` (month 1–12, day 1–31).
 * Source: Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", `civil_from_days`
 * (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
 */
function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097; // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365], March-based
  const mp = Math.floor((5 * doy + 2) / 153); // [0, 11], 0 = March
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return { y, m, d };
}

/**
 * The UTC calendar day of a Unix time as ISO text: `utcDay(0) === "1970-01-01"`. The day index is
 * `Math.floor(ms ÷ 86_400_000)`, converted with Hinnant's `civil_from_days` (see source above). Years outside
 * 0000–9999 use the ISO 8601 expanded form `±YYYYYY`, like `Date.prototype.toISOString`.
 * @throws RangeError when `ms` is not finite.
 */
export function utcDay(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`time must be finite, got ${ms}`);
  const { y, m, d } = civilFromDays(Math.floor(ms / MS_PER_DAY));
  const year =
    y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  return `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Per-UTC-day totals of closed trades, one entry per day that has at least one trade, in ascending day order
 * (days without trades are omitted). A trade's day is `utcDay(closedAt)`, i.e. `Math.floor(closedAt ÷ 86_400_000)`.
 *
 * `endEquity = startEquity + Σ netPnl` through the end of that day (atoms, exact); `returnPct` is the day's
 * `netPnl ÷` the equity at the start of the day (the previous entry's `endEquity`, or `startEquity`), a float.
 *
 * @param trades closed trades, `closedAt` non-decreasing.
 * @param startEquity equity before the first trade, atoms.
 * @throws RangeError when an `r` or `closedAt` is not finite or `closedAt` decreases.
 */
export function dailyStats(trades: readonly ClosedTradeForStats[], startEquity: bigint): DailyStats[] {
  validate(trades);
  const out: DailyStats[] = [];
  let equity = startEquity;
  let current: DailyStats | undefined;
  let dayStartEquity = startEquity;
  let currentIndex = Number.NaN;
  const close = (): void => {
    if (current === undefined) return;
    current.endEquity = equity;
    current.returnPct = dayStartEquity > 0n ? bigRatio(current.netPnl, dayStartEquity) : null;
    out.push(current);
  };
  for (const t of trades) {
    const index = Math.floor(t.closedAt / MS_PER_DAY);
    if (current === undefined || index !== currentIndex) {
      close();
      dayStartEquity = equity;
      currentIndex = index;
      current = {
        day: utcDay(t.closedAt),
        trades: 0,
        netPnl: 0n,
        r: 0,
        wins: 0,
        losses: 0,
        endEquity: equity,
        returnPct: null,
      };
    }
    current.trades++;
    current.netPnl += t.netPnl;
    current.r += t.r;
    if (t.netPnl > 0n) current.wins++;
    else if (t.netPnl < 0n) current.losses++;
    equity += t.netPnl;
  }
  close();
  return out;
}
