/**
 * Candles (decimal text) → a validated columnar {@link BarSeries} (integer ticks for the broker, numbers for
 * strategies).
 *
 * Invariants checked here, each failure a `BacktestError('bad-bars')` naming the bar (index and UTC time):
 * strictly ascending times (no duplicates), positive prices, `low ≤ min(open, close)`, `high ≥ max(open, close)`,
 * and every price on the tick grid (the tick size is inferred from the most decimal places in the data unless
 * given).
 */
import type { Candle } from '../marketdata/candle.ts';
import { formatTimeUtc } from '../marketdata/importers.ts';
import { POW10, type CandleColumns } from '../marketdata/importers-fast.ts';
import { decimalPlaces, fromScaled, isDecimalText, toScaled } from '../money/decimal.ts';
import { BacktestError, type BarSeries } from './types.ts';

/** ISO 8601 text of a bar time, for error messages. */
export function isoTime(ms: number): string {
  return Number.isSafeInteger(ms) ? formatTimeUtc(ms) : String(ms);
}

function badBar(i: number, time: number, what: string): BacktestError {
  return new BacktestError('bad-bars', `bar ${i} (${isoTime(time)}): ${what}`, { bar: i, time });
}

/** Largest price magnitude in ticks that stays exact in a float64 (2^53). */
const MAX_TICKS = 2 ** 53;

/**
 * Builds a {@link BarSeries} from candles sorted ascending.
 *
 * @param candles candles with decimal-text prices (at least one).
 * @param opts.tickSize tick size as decimal text; default `10^-d` where d is the most decimal places of any price.
 * @throws BacktestError `bad-bars` for an empty series, unsorted or duplicated times, a non-positive price, high
 *   below low (or below open/close), low above open/close, or a price off the given tick grid.
 */
export function barsFromCandles(candles: readonly Candle[], opts: { tickSize?: string } = {}): BarSeries {
  const n = candles.length;
  if (n === 0) throw new BacktestError('bad-bars', 'no bars: the data is empty');
  let dp = 0;
  if (opts.tickSize === undefined) {
    for (const c of candles) {
      dp = Math.max(dp, decimalPlaces(c.open), decimalPlaces(c.high), decimalPlaces(c.low), decimalPlaces(c.close));
    }
  } else {
    dp = decimalPlaces(opts.tickSize);
  }
  const tickUnits = opts.tickSize === undefined ? 1n : toScaled(opts.tickSize, dp);
  if (tickUnits <= 0n) throw new BacktestError('bad-option', `tick size ${opts.tickSize} must be positive`);
  const tickSize = fromScaled(tickUnits, dp);
  const time = new Float64Array(n);
  const t = {
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
  };
  const f = {
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
  };
  const volume = new Float64Array(n);
  const toTicks = (i: number, c: Candle, name: 'open' | 'high' | 'low' | 'close'): number => {
    const text = c[name];
    let scaled: bigint;
    try {
      if (decimalPlaces(text) > dp) throw new Error('off grid');
      scaled = toScaled(text, dp);
    } catch {
      throw badBar(i, c.time, `${name} ${text} is not on the tick grid of ${tickSize}`);
    }
    if (scaled <= 0n) throw badBar(i, c.time, `${name} ${text} is not a positive price`);
    if (scaled % tickUnits !== 0n) throw badBar(i, c.time, `${name} ${text} is not a multiple of the tick ${tickSize}`);
    const ticks = scaled / tickUnits;
    if (ticks > BigInt(MAX_TICKS)) throw badBar(i, c.time, `${name} ${text} has too many ticks of ${tickSize}`);
    return Number(ticks);
  };
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    if (!Number.isFinite(c.time)) throw badBar(i, 0, 'time is not a number');
    if (i > 0) {
      const prev = time[i - 1]!;
      if (c.time === prev) throw badBar(i, c.time, `duplicates the time of bar ${i - 1}`);
      if (c.time < prev) throw badBar(i, c.time, `is earlier than bar ${i - 1} (${isoTime(prev)}): bars are unsorted`);
    }
    time[i] = c.time;
    const o = toTicks(i, c, 'open');
    const h = toTicks(i, c, 'high');
    const l = toTicks(i, c, 'low');
    const cl = toTicks(i, c, 'close');
    if (h < l) throw badBar(i, c.time, `high ${c.high} is below low ${c.low}`);
    if (h < Math.max(o, cl)) throw badBar(i, c.time, `high ${c.high} is below open/close`);
    if (l > Math.min(o, cl)) throw badBar(i, c.time, `low ${c.low} is above open/close`);
    t.open[i] = o;
    t.high[i] = h;
    t.low[i] = l;
    t.close[i] = cl;
    f.open[i] = Number(c.open);
    f.high[i] = Number(c.high);
    f.low[i] = Number(c.low);
    f.close[i] = Number(c.close);
    const v = Number(c.volume);
    volume[i] = Number.isFinite(v) ? v : 0;
  }
  return { length: n, time, ...f, volume, ticks: t, tickSize };
}

/**
 * The {@link BarSeries} of rows `[from, to)` of columns read by the columnar importer (`importers-fast.ts`), equal
 * bit for bit to `barsFromCandles` on the same rows' candles: the same tick size (given, or `10^-d` with d the most
 * significant decimal places in the range), the same integer ticks, and floats `mantissa / 10^places`, which are
 * `Number(text)`. All arithmetic is on whole numbers below 2^53, so exact.
 *
 * @param cols columns ascending by time (the importer has checked prices positive, high ≥ low, open/close within).
 * @param from first row; @param to row after the last.
 * @param opts.tickSize tick size as decimal text; default inferred as `barsFromCandles` does.
 * @param opts.reuse the columns are the caller's to overwrite: the ticks are written over the mantissas (the series
 *   then shares their memory), and when the answer is undefined the columns are left unusable.
 * @returns the series, or undefined when `barsFromCandles` would refuse the rows (no rows, a price off the tick
 *   grid or with too many ticks, a bad tick size) or the exact integer path does not apply: the caller then builds
 *   the series with `barsFromCandles`, which reports the problem. Never throws.
 */
export function barsFromColumns(
  cols: CandleColumns,
  from: number,
  to: number,
  opts: { tickSize?: string; reuse?: boolean } = {},
): BarSeries | undefined {
  const n = to - from;
  if (n <= 0) return undefined;
  const prices = [cols.open, cols.high, cols.low, cols.close].map((c) => ({
    mant: c.mant.subarray(from, to),
    places: c.places.subarray(from, to),
  }));
  let dp = 0;
  let tickUnits = 1;
  if (opts.tickSize === undefined) {
    for (const c of prices) for (let i = 0; i < n; i++) if (c.places[i]! > dp) dp = c.places[i]!;
  } else {
    if (!isDecimalText(opts.tickSize)) return undefined;
    dp = decimalPlaces(opts.tickSize);
    const units = toScaled(opts.tickSize, dp);
    if (units <= 0n || units > BigInt(MAX_TICKS)) return undefined;
    tickUnits = Number(units);
  }
  if (dp >= POW10.length) return undefined;
  const tickSize = fromScaled(BigInt(tickUnits), dp);
  const ticks: Float64Array[] = [];
  const floats: Float64Array[] = [];
  // with `reuse`, each tick is written over the mantissa it came from (read just before): 32 MB less a million bars
  for (const c of prices) {
    const f = new Float64Array(n);
    const t = opts.reuse ? c.mant : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = c.mant[i]!;
      const d = c.places[i]!;
      if (d > dp) return undefined; // off the grid
      const scaled = m * POW10[dp - d]!;
      if (scaled > MAX_TICKS) return undefined; // not exact, or too many ticks
      let k = scaled;
      if (tickUnits !== 1) {
        if (scaled % tickUnits !== 0) return undefined; // not a multiple of the tick
        k = scaled / tickUnits;
      }
      t[i] = k;
      f[i] = m / POW10[d]!;
    }
    ticks.push(t);
    floats.push(f);
  }
  return {
    length: n,
    time: cols.time.subarray(from, to),
    open: floats[0]!,
    high: floats[1]!,
    low: floats[2]!,
    close: floats[3]!,
    volume: cols.volume.subarray(from, to),
    ticks: { open: ticks[0]!, high: ticks[1]!, low: ticks[2]!, close: ticks[3]! },
    tickSize,
  };
}

/**
 * The series repeated `times` times back to back, each copy's times shifted so the result stays ascending with the
 * original spacing (used by the benchmark to build a million bars from a real series).
 */
export function repeatSeries(bars: BarSeries, times: number): BarSeries {
  const n = bars.length * times;
  const span = bars.length > 1 ? bars.time[bars.length - 1]! - bars.time[0]! + (bars.time[1]! - bars.time[0]!) : 60_000;
  const rep = (src: Float64Array, shift: number): Float64Array => {
    const out = new Float64Array(n);
    for (let k = 0; k < times; k++) {
      for (let i = 0; i < bars.length; i++) out[k * bars.length + i] = src[i]! + shift * k;
    }
    return out;
  };
  return {
    length: n,
    time: rep(bars.time, span),
    open: rep(bars.open, 0),
    high: rep(bars.high, 0),
    low: rep(bars.low, 0),
    close: rep(bars.close, 0),
    volume: rep(bars.volume, 0),
    ticks: {
      open: rep(bars.ticks.open, 0),
      high: rep(bars.ticks.high, 0),
      low: rep(bars.ticks.low, 0),
      close: rep(bars.ticks.close, 0),
    },
    tickSize: bars.tickSize,
  };
}

/** A hole in a bar series: `missingBars` bars of the usual spacing are missing after bar `afterBar`. */
export interface BarGap {
  afterBar: number;
  /** Open time of the bar before the gap and of the bar after it, ms UTC. */
  from: number;
  to: number;
  missingBars: number;
}

const DAY_MS = 86_400_000;
const isWeekend = (ms: number): boolean => (Math.floor(ms / DAY_MS) + 3) % 7 >= 5; // 1970-01-01 was a Thursday

/**
 * Finds the gaps of a bar series relative to its own usual spacing (the median step): a step that leaves room for
 * one or more whole bars is a gap. A series with no bar on any Saturday or Sunday (a stock or futures market) is
 * measured in weekdays, so weekends are not gaps but a weekday holiday is. Monthly-style series (steps of 28–31
 * days) have no gaps unless a month is missing. Gaps are reported, never filled.
 */
export function findBarGaps(bars: BarSeries): BarGap[] {
  const n = bars.length;
  if (n < 3) return [];
  const steps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) steps[i - 1] = bars.time[i]! - bars.time[i - 1]!;
  const spacing = nthSmallest(steps, steps.length >> 1); // the median step (the upper one for an even count)
  let weekendBars = 0;
  for (let i = 0; i < n; i++) if (isWeekend(bars.time[i]!)) weekendBars++;
  const skipWeekends = weekendBars === 0 && spacing <= DAY_MS;
  const out: BarGap[] = [];
  for (let i = 1; i < n; i++) {
    const from = bars.time[i - 1]!;
    const to = bars.time[i]!;
    if (to - from < 1.5 * spacing) continue;
    let missing: number;
    if (skipWeekends) {
      missing = 0;
      for (let t = from + spacing; t < to; t += spacing) if (!isWeekend(t)) missing++;
    } else {
      missing = Math.round((to - from) / spacing) - 1;
    }
    if (missing >= 1) out.push({ afterBar: i - 1, from, to, missingBars: missing });
  }
  return out;
}

/**
 * The k-th smallest value (0-based) of `a`, i.e. `sorted(a)[k]`, in linear expected time: quickselect with a
 * three-way partition, so runs of equal values (a bar series' steps are mostly one value) cost one pass. Reorders
 * `a`. Values must not be NaN.
 */
export function nthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    // a[lo, lt) < pivot, a[lt, i) == pivot, a(gt, hi] > pivot
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i] = a[lt]!;
        a[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt] = v;
        gt--;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k]!;
}

/** One line describing the gaps for a warning, naming the first few bars; null when there are none. */
export function describeGaps(gaps: readonly BarGap[], shown = 3): string | null {
  if (gaps.length === 0) return null;
  const total = gaps.reduce((s, g) => s + g.missingBars, 0);
  const first = gaps
    .slice(0, shown)
    .map((g) => `${g.missingBars} after bar ${g.afterBar} (${isoTime(g.from)}, next bar ${isoTime(g.to)})`)
    .join('; ');
  return `${gaps.length} gap(s) in the bars, ${total} bar(s) missing (not filled): ${first}${gaps.length > shown ? '; …' : ''}`;
}
