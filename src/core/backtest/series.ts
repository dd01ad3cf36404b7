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
import { decimalPlaces, fromScaled, toScaled } from '../money/decimal.ts';
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
