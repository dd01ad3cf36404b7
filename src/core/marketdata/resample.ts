/**
 * Resampling candles to a higher timeframe (1m → 5m → 15m → 1h → 4h → 1d → 1w), and the validation of a candle
 * series. Pure: exact decimal text in and out, no floats on prices or volumes, no clock.
 *
 * Buckets are aligned to UTC: a bucket of timeframe T opens at a multiple of T's length since the Unix epoch, except
 * weeks, which open on Monday 00:00 UTC. A resampled bar takes the first open, the highest high, the lowest low, the
 * last close and the exact sum of the volumes of the source bars in its bucket (the sum keeps the largest number of
 * decimals of its terms, like PostgreSQL's `numeric`). The last bucket is `complete: false` when the source data
 * ends before the bucket does (its last source bar ends before the bucket's end, or is itself incomplete); earlier
 * buckets are complete even when bars are missing inside them (that is a gap, see `gaps.ts`), as is a first bucket
 * whose data starts late.
 */
import { TIMEFRAMES, type Candle, type Timeframe } from './candle.ts';
import { compareDecimalText, formatTimeUtc } from './importers.ts';

/** A candle with its completeness: false only for a resampled last bucket that is still filling. */
export interface ResampledCandle extends Candle {
  complete: boolean;
}

/** Timeframes in ascending order; each is a whole multiple of the previous one. */
export const TIMEFRAME_CHAIN: readonly Timeframe[] = ['1m', '5m', '15m', '1h', '4h', '1d', '1w'];

/** Monday 1970-01-05 00:00 UTC in ms: the origin of weekly buckets. */
const WEEK_ORIGIN = 4 * 86_400_000;

/** The timeframes above `tf` in the chain, ascending (`higherTimeframes('1h')` = `['4h', '1d', '1w']`). */
export function higherTimeframes(tf: Timeframe): Timeframe[] {
  return TIMEFRAME_CHAIN.slice(TIMEFRAME_CHAIN.indexOf(tf) + 1);
}

/**
 * Open time (ms UTC) of the `tf` bucket containing `time` (ms UTC): a multiple of the timeframe's length since the
 * epoch, or for `1w` the Monday 00:00 UTC on or before `time`.
 */
export function bucketStart(time: number, tf: Timeframe): number {
  const len = TIMEFRAMES[tf];
  const origin = tf === '1w' ? WEEK_ORIGIN : 0;
  return Math.floor((time - origin) / len) * len + origin;
}

// ---------------------------------------------------------------------------------------------------------------
// Exact decimal text helpers (non-negative plain decimals such as "8051", "0.00141342")

/** 0 when `s` is not non-negative plain decimal text, 1 when it is zero, 2 when positive. Allocation-free. */
function decimalKind(s: unknown): 0 | 1 | 2 {
  if (typeof s !== 'string') return 0;
  const n = s.length;
  let i = 0;
  let nonZero = false;
  let digits = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (c !== 48) nonZero = true;
    digits++;
    i++;
  }
  if (digits === 0) return 0;
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return 0;
    i++;
    if (i === n) return 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return 0;
      if (c !== 48) nonZero = true;
    }
  }
  return nonZero ? 2 : 1;
}

/** Exact running sum of non-negative decimal texts, as a bigint at the largest scale seen. */
export class DecimalSum {
  private units = 0n;
  private scale = 0;
  private terms = 0;

  /** Adds one non-negative plain decimal text. */
  add(s: string): void {
    const dot = s.indexOf('.');
    const frac = dot < 0 ? '' : s.slice(dot + 1);
    const int = dot < 0 ? s : s.slice(0, dot);
    if (frac.length > this.scale) {
      this.units *= 10n ** BigInt(frac.length - this.scale);
      this.scale = frac.length;
    }
    this.units += BigInt(int + frac.padEnd(this.scale, '0'));
    this.terms++;
  }

  /** How many terms were added. */
  get count(): number {
    return this.terms;
  }

  /** The sum as plain decimal text with exactly the largest number of decimals of its terms ("1.5" + "2" = "3.5"). */
  toString(): string {
    if (this.scale === 0) return this.units.toString();
    const s = this.units.toString().padStart(this.scale + 1, '0');
    return `${s.slice(0, s.length - this.scale)}.${s.slice(s.length - this.scale)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/**
 * Stable reasons a candle series is rejected by {@link validateCandles}: `unsorted`, `duplicate-time`, `bad-time`
 * (not a safe integer), `bad-number` (not non-negative plain decimal text), `non-positive-price`, `high-below-low`,
 * `high-below-open-close`, `low-above-open-close`.
 */
export type CandleSeriesErrorCode =
  | 'unsorted'
  | 'duplicate-time'
  | 'bad-time'
  | 'bad-number'
  | 'non-positive-price'
  | 'high-below-low'
  | 'high-below-open-close'
  | 'low-above-open-close';

/**
 * A candle series broke an invariant. `index` is the 0-based position of the offending bar, `time` its open time
 * (ms UTC, NaN when unreadable); the message reads `bar 17 (2019-10-11T00:00:00.000Z): high 99 is below low 100`.
 */
export class CandleSeriesError extends Error {
  override readonly name = 'CandleSeriesError';
  /**
   * @param code stable reason, see {@link CandleSeriesErrorCode}.
   * @param index 0-based bar index.
   * @param time the bar's open time, ms UTC.
   * @param detail what is wrong, without the location.
   */
  constructor(
    readonly code: CandleSeriesErrorCode,
    readonly index: number,
    readonly time: number,
    readonly detail: string,
  ) {
    super(`bar ${index} (${Number.isSafeInteger(time) ? formatTimeUtc(time) : String(time)}): ${detail}`);
  }
}

/**
 * Checks a candle series before it is stored or resampled: strictly ascending safe-integer times, prices positive
 * plain decimal text, volume non-negative plain decimal text, `low ≤ min(open, close)` and `high ≥ max(open, close)`.
 * `start`/`end` (default: everything) check just the bars `[start, end)` (and the order against bar `start - 1`),
 * for checking a long series piecewise; indices in errors stay those of the whole array.
 * @throws CandleSeriesError naming the first offending bar.
 */
export function validateCandles(candles: readonly Candle[], start = 0, end = candles.length): void {
  let prev = start > 0 ? candles[start - 1]!.time : -Infinity;
  for (let i = start; i < end; i++) {
    const c = candles[i]!;
    const t = c.time;
    if (t <= prev || !Number.isSafeInteger(t)) {
      if (!Number.isSafeInteger(t)) badBar(c, i, 'bad-time', `time ${String(t)} is not a whole number of ms`);
      if (t === prev) badBar(c, i, 'duplicate-time', `duplicates the time of bar ${i - 1}`);
      badBar(c, i, 'unsorted', `is earlier than bar ${i - 1} (${formatTimeUtc(prev)}): bars are unsorted`);
    }
    prev = t;
    const { open, high, low, close, volume } = c;
    if (decimalKind(open) !== 2 || decimalKind(high) !== 2 || decimalKind(low) !== 2 || decimalKind(close) !== 2) {
      for (const k of ['open', 'high', 'low', 'close'] as const) {
        const v = c[k];
        const kind = decimalKind(v);
        if (kind === 1 || (typeof v === 'string' && /^-\d/.test(v)))
          badBar(c, i, 'non-positive-price', `${k} ${v} is not positive`);
        if (kind === 0) badBar(c, i, 'bad-number', `${k} ${JSON.stringify(v)} is not plain decimal text`);
      }
    }
    if (decimalKind(volume) === 0) {
      badBar(c, i, 'bad-number', `volume ${JSON.stringify(volume)} is not non-negative plain decimal text`);
    }
    if (
      compareDecimalText(high, low) < 0 ||
      compareDecimalText(high, open) < 0 ||
      compareDecimalText(high, close) < 0 ||
      compareDecimalText(low, open) > 0 ||
      compareDecimalText(low, close) > 0
    ) {
      if (compareDecimalText(high, low) < 0) badBar(c, i, 'high-below-low', `high ${high} is below low ${low}`);
      for (const [name, v] of [
        ['open', open],
        ['close', close],
      ] as const) {
        if (compareDecimalText(high, v) < 0)
          badBar(c, i, 'high-below-open-close', `high ${high} is below ${name} ${v}`);
        if (compareDecimalText(low, v) > 0) badBar(c, i, 'low-above-open-close', `low ${low} is above ${name} ${v}`);
      }
    }
  }
}

function badBar(c: Candle, i: number, code: CandleSeriesErrorCode, detail: string): never {
  throw new CandleSeriesError(code, i, c.time, detail);
}

// ---------------------------------------------------------------------------------------------------------------
// Resampling

/**
 * Resamples a series of `from` candles into `to` buckets.
 *
 * @param candles source candles of timeframe `from`, strictly ascending by time; a candle may carry
 *   `complete: false` (only the last one can, as produced by an earlier resampling).
 * @param from the source timeframe; `to` must be a higher timeframe in {@link TIMEFRAME_CHAIN} (every higher one is a
 *   whole multiple of a lower one, so `1m` → `1w` directly equals going through every step).
 * @returns one candle per non-empty bucket, ascending, with `complete` as described in the module comment. Prices
 *   keep the exact text of the source candle they came from; volume is the exact decimal sum.
 * @throws RangeError when `to` is not higher than `from`; CandleSeriesError `unsorted`/`duplicate-time` for a bad
 *   order.
 */
export function resampleCandles(
  candles: readonly (Candle & { complete?: boolean })[],
  from: Timeframe,
  to: Timeframe,
): ResampledCandle[] {
  const srcLen = TIMEFRAMES[from];
  const len = TIMEFRAMES[to];
  if (TIMEFRAME_CHAIN.indexOf(to) <= TIMEFRAME_CHAIN.indexOf(from)) {
    throw new RangeError(`cannot resample ${from} to ${to}: the target must be a higher timeframe`);
  }
  const out: ResampledCandle[] = [];
  let cur: ResampledCandle | undefined;
  let vol = new DecimalSum();
  let lastEnd = 0;
  let lastComplete = true;
  let prev = -Infinity;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (c.time <= prev) {
      throw new CandleSeriesError(
        c.time === prev ? 'duplicate-time' : 'unsorted',
        i,
        c.time,
        c.time === prev ? `duplicates the time of bar ${i - 1}` : `is earlier than bar ${i - 1}: bars are unsorted`,
      );
    }
    prev = c.time;
    const b = bucketStart(c.time, to);
    if (cur === undefined || cur.time !== b) {
      if (cur !== undefined) {
        cur.volume = vol.toString();
        out.push(cur);
      }
      cur = { time: b, open: c.open, high: c.high, low: c.low, close: c.close, volume: '0', complete: true };
      vol = new DecimalSum();
    } else {
      if (compareDecimalText(c.high, cur.high) > 0) cur.high = c.high;
      if (compareDecimalText(c.low, cur.low) < 0) cur.low = c.low;
      cur.close = c.close;
    }
    vol.add(c.volume);
    lastEnd = c.time + srcLen;
    lastComplete = c.complete !== false;
  }
  if (cur !== undefined) {
    cur.volume = vol.toString();
    cur.complete = lastComplete && lastEnd >= cur.time + len;
    out.push(cur);
  }
  return out;
}
