/**
 * Backtest statistics, named and defined as backtesting.py 0.6.6 defines them (kernc/backtesting.py,
 * `backtesting/_stats.py`, `compute_stats`), so results compare line by line; `src/core/backtest/published.test.ts`
 * reproduces that library's own `test_compute_stats` values.
 *
 * Definitions (equity = cash + open P&L at each bar's close; times UTC):
 * - `Exposure Time [%]`: share of bars with a position open, each closed trade counting its entry bar to its exit
 *   bar inclusive.
 * - `Return [%]` = (final − first equity) ÷ first equity; `Buy & Hold Return [%]` from the close of
 *   `first_trading_bar` (the first bar where every indicator has a value, the bar before the first `next` call) to
 *   the last close.
 * - Daily returns: equity at each calendar day's last bar (each week's, month's or year's when the median spacing of
 *   the last 100 bars is 7, 31 or 365 days), empty periods dropped, then `pct_change().dropna()`: the undefined first
 *   change (and any 0 ÷ 0) is dropped. g = geometric mean of those returns. N = 252, or 365 when more than
 *   60% × 2/7 of bars fall on a Saturday or Sunday; 52, 12 or 1 for weekly, monthly, yearly spacing.
 * - `Return (Ann.) [%]` = (1+g)^N − 1; `Volatility (Ann.) [%]` = √((var + (1+g)²)^N − (1+g)^(2N)) with var the
 *   sample variance (ddof 1) of the daily returns; `CAGR [%]` = (final ÷ first equity)^(1/years) − 1 with years =
 *   (whole days + seconds ÷ 86400) ÷ 365.25 of `Duration`.
 * - `Sharpe Ratio` = annual return ÷ annual volatility; `Sortino Ratio` = annual return ÷ (√mean(min(r,0)²) × √N);
 *   `Calmar Ratio` = annual return ÷ max drawdown; `Beta` = cov(equity log returns, close log returns) ÷
 *   var(close log returns) per bar over all bars; `Alpha [%]` = Return − Beta × Buy & Hold Return.
 * - Drawdown = 1 − equity ÷ running peak; `Max. Drawdown [%]` and `Avg. Drawdown [%]` (mean of each episode's
 *   deepest point) are reported negative, as backtesting.py does. An episode runs from the last bar at a peak to
 *   the next bar back at a peak, or to the last bar; durations are rounded up to the resolution of the bar spacing
 *   (a day for daily data, an hour for hourly, a minute for minute bars).
 * - Trades: `Win Rate [%]` (P&L > 0), best/worst/`Expectancy [%]` (arithmetic mean) of trade returns,
 *   `Avg. Trade [%]` (geometric mean of trade returns), durations exit − entry time, `Profit Factor` = Σ positive
 *   returns ÷ |Σ negative returns|, `SQN` = √n × mean(P&L) ÷ sample stdev(P&L), `Kelly Criterion` =
 *   W − (1 − W) ÷ (mean winning P&L ÷ mean losing |P&L|); `Commissions [$]` = Σ both commissions of closed trades
 *   (backtesting.py leaves the key out when that is 0; here it is 0).
 * Undefined values (NaN in backtesting.py, and ±∞, which JSON cannot carry) are null. Where backtesting.py has no
 * drawdown episode but the last bar is below the peak, it puts that drawdown fraction in the duration fields; here
 * they are null.
 */
import { journalStats } from '../journal/stats.ts';
import { formatTimeUtc } from '../marketdata/importers.ts';
import { STAT_KEYS, type BacktestStats, type RStats } from './types.ts';

const DAY = 86_400_000;

/** What {@link computeStats} needs of a closed trade (floats are fine: statistics). */
export interface TradeForStats {
  entryBar: number;
  exitBar: number;
  entryTime: number;
  exitTime: number;
  /** Net P&L, quote currency. */
  pnl: number;
  /** Trade return as a fraction. */
  returnPct: number;
  /** Both commissions, quote currency. */
  commission: number;
}

/** Inputs of {@link computeStats}: bar times (ms UTC), closes, equity per bar, closed trades. */
export interface StatsInput {
  time: ArrayLike<number>;
  close: ArrayLike<number>;
  equity: ArrayLike<number>;
  trades: readonly TradeForStats[];
  /**
   * backtesting.py's `first_trading_bar`: the first bar where every indicator has a value, the bar before the first
   * `next` call (Buy & Hold starts at its close).
   */
  firstTradingBar: number;
  /** The drawdown series when the caller already has it (see {@link drawdownSeries}). */
  drawdown?: ArrayLike<number>;
}

/** A finite number or null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * pandas' `Timedelta.__str__` of a whole number of milliseconds: `"584 days 00:00:00"`, with `.mmm000` when there
 * are milliseconds.
 */
export function formatDuration(ms: number): string {
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms));
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = rest - s * 1000;
  const p2 = (x: number): string => String(x).padStart(2, '0');
  const base = `${neg ? '-' : ''}${days} days ${p2(h)}:${p2(m)}:${p2(s)}`;
  return frac ? `${base}.${String(frac * 1000).padStart(6, '0')}` : base;
}

/** Median of numbers (mean of the middle two for an even count); NaN when empty. */
function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** backtesting.py's `_data_period`: median spacing of the last 100 bar times, ms. */
export function dataPeriod(time: ArrayLike<number>): number {
  const from = Math.max(0, time.length - 100);
  const d: number[] = [];
  for (let i = from + 1; i < time.length; i++) d.push(time[i]! - time[i - 1]!);
  return median(d);
}

/** The resolution of a spacing as pandas' `Timedelta.resolution_string` gives it, in ms (day, hour, minute, s, ms). */
export function resolutionMs(periodMs: number): number {
  if (!Number.isFinite(periodMs) || periodMs <= 0) return 1;
  if (periodMs % 1000 !== 0) return 1;
  if (periodMs % 60_000 !== 0) return 1000;
  if (periodMs % 3_600_000 !== 0) return 60_000;
  if (periodMs % DAY !== 0) return 3_600_000;
  return DAY;
}

/** backtesting.py's `geometric_mean`: NaN counts as 0 (and in the count); 0 when any 1+r ≤ 0; NaN for no returns. */
export function geometricMean(returns: readonly number[]): number {
  if (returns.length === 0) return NaN;
  let sumLog = 0;
  for (const r0 of returns) {
    const r = Number.isNaN(r0) ? 0 : r0;
    if (1 + r <= 0) return 0;
    sumLog += Math.log(1 + r);
  }
  return Math.exp(sumLog / returns.length) - 1;
}

function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  return xs.length ? m : NaN;
}

function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! < m) m = xs[i]!;
  return xs.length ? m : NaN;
}

function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample variance (ddof 1); NaN with fewer than two values. */
function sampleVar(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (xs.length - 1);
}

/** UTC calendar-period key of a time for resampling: day, week ending Sunday, month or year. */
function periodKey(ms: number, freqDays: number): number {
  const day = Math.floor(ms / DAY);
  if (freqDays === 7) {
    // 1970-01-01 was a Thursday (weekday 3 with Monday = 0): weeks end on Sunday.
    const weekday = (day + 3) % 7;
    return day + (6 - weekday);
  }
  if (freqDays === 31 || freqDays === 365) {
    const iso = formatTimeUtc(day * DAY);
    const year = Number(iso.slice(0, 4));
    return freqDays === 31 ? year * 12 + Number(iso.slice(5, 7)) : year;
  }
  return day;
}

/**
 * The periodic (normally daily) returns of equity and the annualisation factor N, as backtesting.py computes them:
 * `equity.resample(freq).last().dropna().pct_change().dropna()` — the undefined first change is not in `returns`,
 * nor is any other NaN (a 0 ÷ 0 after the equity reached 0).
 */
export function periodReturns(time: ArrayLike<number>, equity: ArrayLike<number>): { returns: number[]; N: number } {
  const n = time.length;
  const freqDays = Math.floor(dataPeriod(time) / DAY);
  let weekend = 0;
  for (let i = 0; i < n; i++) {
    const wd = (Math.floor(time[i]! / DAY) + 3) % 7; // Monday = 0
    if (wd >= 5) weekend++;
  }
  const haveWeekends = weekend / n > (2 / 7) * 0.6;
  const N = freqDays === 7 ? 52 : freqDays === 31 ? 12 : freqDays === 365 ? 1 : haveWeekends ? 365 : 252;
  const sampled: number[] = [];
  let lastKey = NaN;
  for (let i = 0; i < n; i++) {
    const k = periodKey(time[i]!, freqDays);
    if (k === lastKey) sampled[sampled.length - 1] = equity[i]!;
    else {
      sampled.push(equity[i]!);
      lastKey = k;
    }
  }
  const returns: number[] = [];
  for (let i = 1; i < sampled.length; i++) {
    const r = sampled[i]! / sampled[i - 1]! - 1;
    if (!Number.isNaN(r)) returns.push(r);
  }
  return { returns, N };
}

/** Drawdown per bar: 1 − equity ÷ running peak. */
export function drawdownSeries(equity: ArrayLike<number>): Float64Array {
  const dd = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) peak = e;
    dd[i] = 1 - e / peak;
  }
  return dd;
}

/** Drawdown episodes as backtesting.py's `compute_drawdown_duration_peaks` finds them. */
export function drawdownEpisodes(
  time: ArrayLike<number>,
  dd: ArrayLike<number>,
): { durations: number[]; peaks: number[]; lastOnlyPeak: number | null } {
  const n = dd.length;
  const at: number[] = [];
  for (let i = 0; i < n; i++) if (dd[i] === 0) at.push(i);
  if (at[at.length - 1] !== n - 1) at.push(n - 1);
  const durations: number[] = [];
  const peaks: number[] = [];
  for (let k = 1; k < at.length; k++) {
    const prev = at[k - 1]!;
    const cur = at[k]!;
    if (cur > prev + 1) {
      durations.push(time[cur]! - time[prev]!);
      let p = 0;
      for (let i = prev; i <= cur; i++) if (dd[i]! > p) p = dd[i]!;
      peaks.push(p);
    }
  }
  // With no episode, backtesting.py averages the non-zero drawdowns themselves (at most the last bar's).
  const lastOnlyPeak = durations.length === 0 && n > 0 && dd[n - 1]! > 0 ? dd[n - 1]! : null;
  return { durations, peaks, lastOnlyPeak };
}

/**
 * Computes every statistic of {@link STAT_KEYS}.
 * @param input bars, equity (one value per bar, > 0 at the first bar) and closed trades.
 * @returns the statistics keyed by their backtesting.py names, in order.
 */
export function computeStats(input: StatsInput): BacktestStats {
  const { time, close, equity, trades } = input;
  const n = time.length;
  const s = {} as Record<string, number | string | null>;
  const eq0 = equity[0]!;
  const eqN = equity[n - 1]!;
  s['Start'] = formatTimeUtc(time[0]!);
  s['End'] = formatTimeUtc(time[n - 1]!);
  const durationMs = time[n - 1]! - time[0]!;
  s['Duration'] = formatDuration(durationMs);

  const have = new Uint8Array(n);
  for (const t of trades) have.fill(1, t.entryBar, t.exitBar + 1);
  let exposed = 0;
  for (let i = 0; i < n; i++) exposed += have[i]!;
  s['Exposure Time [%]'] = (exposed / n) * 100;
  s['Equity Final [$]'] = eqN;
  s['Equity Peak [$]'] = maxOf(equity);
  let commissions = 0;
  for (const t of trades) commissions += t.commission;
  s['Commissions [$]'] = commissions;
  const ret = ((eqN - eq0) / eq0) * 100;
  s['Return [%]'] = num(ret);
  const ftb = Math.min(Math.max(0, input.firstTradingBar), n - 1);
  const bh = ((close[n - 1]! - close[ftb]!) / close[ftb]!) * 100;
  s['Buy & Hold Return [%]'] = num(bh);

  const { returns, N } = periodReturns(time, equity);
  const g = geometricMean(returns);
  const real = returns;
  const annual = (1 + g) ** N - 1;
  s['Return (Ann.) [%]'] = num(annual * 100);
  const variance = sampleVar(real);
  const vol = Math.sqrt((variance + (1 + g) ** 2) ** N - (1 + g) ** (2 * N)) * 100;
  s['Volatility (Ann.) [%]'] = num(vol);
  // pandas: (Duration.days + Duration.seconds / 86400) / 365.25 — whole seconds.
  const wholeDays = Math.floor(durationMs / DAY);
  const years = (wholeDays + Math.floor((durationMs - wholeDays * DAY) / 1000) / 86_400) / 365.25;
  s['CAGR [%]'] = years ? num(((eqN / eq0) ** (1 / years) - 1) * 100) : null;
  s['Sharpe Ratio'] = vol ? num((annual * 100) / vol) : null;
  let down = 0;
  for (const r of real) if (r < 0) down += r * r;
  const downside = real.length ? Math.sqrt(down / real.length) : NaN;
  s['Sortino Ratio'] = num(annual / (downside * Math.sqrt(N)));
  const dd = input.drawdown ?? drawdownSeries(equity);
  const maxDd = Math.max(0, maxOf(dd));
  s['Calmar Ratio'] = maxDd ? num(annual / maxDd) : null;

  let beta = NaN;
  if (n > 2) {
    // cov(x, y) ÷ var(y) over per-bar log returns (the sample-size factors cancel).
    const m = n - 1;
    const x = new Float64Array(m);
    const y = new Float64Array(m);
    let sx = 0;
    let sy = 0;
    for (let i = 1; i < n; i++) {
      x[i - 1] = Math.log(equity[i]! / equity[i - 1]!);
      y[i - 1] = Math.log(close[i]! / close[i - 1]!);
      sx += x[i - 1]!;
      sy += y[i - 1]!;
    }
    const mx = sx / m;
    const my = sy / m;
    let sxy = 0;
    let syy = 0;
    for (let i = 0; i < m; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      syy += (y[i]! - my) * (y[i]! - my);
    }
    beta = sxy / syy;
  }
  s['Alpha [%]'] = num(ret - beta * bh);
  s['Beta'] = num(beta);
  s['Max. Drawdown [%]'] = -maxDd * 100;
  const ep = drawdownEpisodes(time, dd);
  const peaks = ep.lastOnlyPeak !== null ? [ep.lastOnlyPeak] : ep.peaks;
  s['Avg. Drawdown [%]'] = num(-mean(peaks) * 100);
  const res = resolutionMs(dataPeriod(time));
  const roundUp = (ms: number): string | null =>
    Number.isFinite(ms) ? formatDuration(Math.ceil(ms / res) * res) : null;
  s['Max. Drawdown Duration'] = ep.durations.length ? roundUp(maxOf(ep.durations)) : null;
  s['Avg. Drawdown Duration'] = ep.durations.length ? roundUp(mean(ep.durations)) : null;

  const nt = trades.length;
  s['# Trades'] = nt;
  const pl = trades.map((t) => t.pnl);
  const rs = trades.map((t) => t.returnPct);
  const winRate = nt ? pl.filter((p) => p > 0).length / nt : NaN;
  s['Win Rate [%]'] = num(winRate * 100);
  s['Best Trade [%]'] = nt ? num(maxOf(rs) * 100) : null;
  s['Worst Trade [%]'] = nt ? num(minOf(rs) * 100) : null;
  s['Avg. Trade [%]'] = num(geometricMean(rs) * 100);
  const durs = trades.map((t) => t.exitTime - t.entryTime);
  s['Max. Trade Duration'] = nt ? roundUp(maxOf(durs)) : null;
  s['Avg. Trade Duration'] = nt ? roundUp(mean(durs)) : null;
  let pos = 0;
  let negSum = 0;
  for (const r of rs) {
    if (r > 0) pos += r;
    else if (r < 0) negSum += r;
  }
  s['Profit Factor'] = negSum ? num(pos / Math.abs(negSum)) : null;
  s['Expectancy [%]'] = num(mean(rs) * 100);
  const sd = Math.sqrt(sampleVar(pl));
  s['SQN'] = sd ? num((Math.sqrt(nt) * mean(pl)) / sd) : null;
  const avgWin = mean(pl.filter((p) => p > 0));
  const avgLoss = -mean(pl.filter((p) => p < 0));
  s['Kelly Criterion'] = num(winRate - (1 - winRate) / (avgWin / avgLoss));

  const out = {} as BacktestStats;
  for (const k of STAT_KEYS) out[k] = s[k] ?? null;
  return out;
}

/**
 * R-multiple statistics (Van Tharp): expectancy = mean R; SQN = √min(n, 100) × mean R ÷ sample stdev R, computed
 * by the journal's {@link journalStats}. Null when no trade had a stop at entry.
 */
export function computeRStats(rMultiples: readonly (number | null)[]): RStats | null {
  const rs = rMultiples.filter((r): r is number => r !== null && Number.isFinite(r));
  if (rs.length === 0) return null;
  // Only R matters here; P&L and times are placeholders the journal's R statistics do not read.
  const j = journalStats(rs.map((r) => ({ r, netPnl: 0n, closedAt: 0 })));
  return { trades: j.trades, expectancyR: num(j.expectancyR), sqnR: j.sqn };
}
