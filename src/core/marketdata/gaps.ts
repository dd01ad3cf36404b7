/**
 * Gaps in a candle series: stretches where bars of the timeframe are missing between two stored bars. Gaps are
 * reported, never filled. Pure.
 */
import { TIMEFRAMES, type Timeframe } from './candle.ts';

/** One gap: the bars opening at `from`, `from + len`, …, up to but excluding `to` are missing. */
export interface Gap {
  /** Open time of the first missing bar, ms UTC (the bar before it + the timeframe's length). */
  from: number;
  /** Open time of the next bar present, ms UTC (exclusive end of the gap). */
  to: number;
  /** How many whole bars fit in `[from, to)`, at least 1. */
  missingBars: number;
}

/**
 * Finds the gaps in a series of bar open times.
 *
 * @param times open times in ms UTC, strictly ascending.
 * @param timeframe the bars' timeframe; a step longer than its length between two consecutive times is a gap. A
 *   weekly series counts weeks, so a market closed at weekends shows a gap every weekend on `1h` data — that is
 *   reported as it is.
 * @returns the gaps in time order (empty for fewer than two times or a series without holes). When the times are not
 *   aligned to the timeframe, `missingBars` counts the whole bars that fit (a step of 2.5 bars is 1 missing bar).
 * @throws RangeError when the times are not strictly ascending (naming the index).
 */
export function findGaps(times: readonly number[], timeframe: Timeframe): Gap[] {
  const len = TIMEFRAMES[timeframe];
  const out: Gap[] = [];
  for (let i = 1; i < times.length; i++) {
    const prev = times[i - 1]!;
    const t = times[i]!;
    if (!(t > prev)) {
      throw new RangeError(`time ${i} (${t}) is not after time ${i - 1} (${prev}): times must be strictly ascending`);
    }
    const step = t - prev;
    const missing = Math.floor((step - len) / len);
    if (missing >= 1) out.push({ from: prev + len, to: t, missingBars: missing });
  }
  return out;
}

/**
 * Median step between consecutive open times (ms): the bar spacing of a series, robust to gaps.
 * @param times open times in ms UTC, ascending.
 * @returns the median step, or null with fewer than two times.
 */
export function medianSpacing(times: readonly number[]): number | null {
  if (times.length < 2) return null;
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) d.push(times[i]! - times[i - 1]!);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}
