/**
 * A growing bar history for the live driver: candles (decimal text) appended one at a time, read as a
 * {@link BarSeries} over everything appended so far, without rebuilding the columns on every bar.
 *
 * Invariants: open times strictly ascending (a candle at or before the last one is refused, not inserted); the
 * float columns hold `Number(text)` of each price, as `barsFromCandles` does, so a strategy reads the same numbers
 * here as in a backtest over the same candles; the tick columns hold each price rounded to the given tick. Pure (no
 * I/O); a series returned by {@link BarHistory.series} is a read-only view that later appends do not change.
 */
import type { Candle } from '../marketdata/candle.ts';
import type { BarSeries } from '../backtest/types.ts';

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume', 'tOpen', 'tHigh', 'tLow', 'tClose'] as const;
type Column = (typeof COLUMNS)[number];

/** A bar history that grows by appending closed candles. */
export class BarHistory {
  private cols: Record<Column, Float64Array>;
  private n = 0;
  private readonly tick: number;

  /**
   * @param tickSize the instrument's tick size as decimal text (the tick columns are prices rounded to it).
   * @param candles initial candles, oldest first (each must be after the previous one).
   * @throws RangeError when the candles are not strictly ascending or a price is not a positive number.
   */
  constructor(
    readonly tickSize: string,
    candles: readonly Candle[] = [],
  ) {
    this.tick = Number(tickSize);
    const cap = Math.max(64, candles.length * 2);
    this.cols = Object.fromEntries(COLUMNS.map((c) => [c, new Float64Array(cap)])) as Record<Column, Float64Array>;
    for (const c of candles) this.append(c);
  }

  /** Number of bars. */
  get length(): number {
    return this.n;
  }

  /** Open time of the last bar (ms UTC), or null when empty. */
  get lastTime(): number | null {
    return this.n === 0 ? null : this.cols.time[this.n - 1]!;
  }

  /** Open time of the first bar (ms UTC), or null when empty. */
  get firstTime(): number | null {
    return this.n === 0 ? null : this.cols.time[0]!;
  }

  /** Index of the bar opening at `time`, or -1. */
  indexOf(time: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cols.time[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.n && this.cols.time[lo] === time ? lo : -1;
  }

  /**
   * Appends a closed candle. Returns false (and changes nothing) when it is not after the last bar.
   * @throws RangeError when a price is not a positive finite number.
   */
  append(c: Candle): boolean {
    if (this.n > 0 && c.time <= this.cols.time[this.n - 1]!) return false;
    const o = Number(c.open);
    const h = Number(c.high);
    const l = Number(c.low);
    const cl = Number(c.close);
    for (const [name, v] of [
      ['open', o],
      ['high', h],
      ['low', l],
      ['close', cl],
    ] as const)
      if (!(v > 0) || !Number.isFinite(v))
        throw new RangeError(`bar at ${c.time}: ${name} ${String(v)} is not a positive price`);
    if (this.n === this.cols.time.length) {
      const grown = {} as Record<Column, Float64Array>;
      for (const k of COLUMNS) {
        grown[k] = new Float64Array(this.n * 2);
        grown[k].set(this.cols[k]);
      }
      this.cols = grown;
    }
    const k = this.n++;
    const v = Number(c.volume);
    this.cols.time[k] = c.time;
    this.cols.open[k] = o;
    this.cols.high[k] = h;
    this.cols.low[k] = l;
    this.cols.close[k] = cl;
    this.cols.volume[k] = Number.isFinite(v) ? v : 0;
    this.cols.tOpen[k] = Math.round(o / this.tick);
    this.cols.tHigh[k] = Math.round(h / this.tick);
    this.cols.tLow[k] = Math.round(l / this.tick);
    this.cols.tClose[k] = Math.round(cl / this.tick);
    return true;
  }

  /** The history so far as a {@link BarSeries} (views of the columns: later appends do not show in it). */
  series(): BarSeries {
    const n = this.n;
    const v = (k: Column): Float64Array => this.cols[k].subarray(0, n);
    return {
      length: n,
      time: v('time'),
      open: v('open'),
      high: v('high'),
      low: v('low'),
      close: v('close'),
      volume: v('volume'),
      ticks: { open: v('tOpen'), high: v('tHigh'), low: v('tLow'), close: v('tClose') },
      tickSize: this.tickSize,
    };
  }
}
