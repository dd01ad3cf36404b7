/**
 * Vectorised indicators for strategies: whole series in, a Float64Array of the same length out, NaN where the
 * indicator has no value yet. Moving averages, RSI and ATR come from the `trading-signals` library (checked against
 * backtrader's published SMA(30)/RSI(14) values in the tests); the rolling extremes are plain windows.
 */
import { ATR, EMA, RSI, SMA } from 'trading-signals';

type Streaming = { update(x: number, replace: boolean): number | null };

function stream(values: ArrayLike<number>, ind: Streaming): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = ind.update(values[i]!, false);
    out[i] = v === null ? NaN : v;
  }
  return out;
}

/** Simple moving average of the last `period` values (first value at index period − 1). */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  return stream(values, new SMA(period));
}

/** Exponential moving average (α = 2 ÷ (period + 1)), as `trading-signals` seeds it. */
export function ema(values: ArrayLike<number>, period: number): Float64Array {
  return stream(values, new EMA(period));
}

/** Wilder's RSI (0–100), seeded with the simple mean of the first `period` up/down moves. */
export function rsi(values: ArrayLike<number>, period: number): Float64Array {
  return stream(values, new RSI(period));
}

/** Average true range with Wilder's smoothing, quote currency. */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
): Float64Array {
  const ind = new ATR(period);
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) {
    const v = ind.update({ high: high[i]!, low: low[i]!, close: close[i]! }, false);
    out[i] = v === null ? NaN : v;
  }
  return out;
}

/**
 * Whether series `a` crossed above series `b` at index `i`: `a[i−1] < b[i−1] && a[i] > b[i]`, strict on both bars,
 * as backtesting.py 0.6.6's `lib.crossover` (`series1[-2] < series2[-2] and series1[-1] > series2[-1]`). So an exact
 * tie on either bar is no crossover (a series that touches and then leaves never crosses), one ulp either side is
 * (the values are compared as they are, never rounded), NaN on either bar is none, and `i` ≤ 0 or beyond either
 * series is false.
 */
export function crossover(a: ArrayLike<number>, b: ArrayLike<number>, i: number): boolean {
  if (i < 1 || i >= a.length || i >= b.length) return false;
  return a[i - 1]! < b[i - 1]! && a[i]! > b[i]!;
}

/**
 * Highest value of the `period` values before each index (excluding it): out[i] = max(values[i−period..i−1]);
 * NaN for i < period. O(n) with a monotonic deque.
 */
export function priorHighest(values: ArrayLike<number>, period: number): Float64Array {
  return priorExtreme(values, period, (a, b) => a >= b);
}

/** Lowest value of the `period` values before each index (excluding it); NaN for i < period. */
export function priorLowest(values: ArrayLike<number>, period: number): Float64Array {
  return priorExtreme(values, period, (a, b) => a <= b);
}

function priorExtreme(
  values: ArrayLike<number>,
  period: number,
  keeps: (a: number, b: number) => boolean,
): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (i >= period) {
      while (dq[head]! < i - period) head++;
      out[i] = values[dq[head]!]!;
    }
    while (tail > head && keeps(values[i]!, values[dq[tail - 1]!]!)) tail--;
    dq[tail++] = i;
  }
  return out;
}
