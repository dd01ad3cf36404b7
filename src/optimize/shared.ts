/**
 * Bars in shared memory for worker threads: each column of a {@link BarSeries} is copied once into a
 * SharedArrayBuffer, so every worker reads the same memory without a per-worker copy.
 */
import type { BarSeries } from '../core/backtest/types.ts';

type Column = 'time' | 'open' | 'high' | 'low' | 'close' | 'volume';
type TickColumn = 'open' | 'high' | 'low' | 'close';

/** A {@link BarSeries} whose columns live in SharedArrayBuffers (postMessage shares them instead of copying). */
export interface SharedBars {
  length: number;
  tickSize: string;
  columns: Record<Column, SharedArrayBuffer>;
  ticks: Record<TickColumn, SharedArrayBuffer>;
}

function share(a: Float64Array): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(a.length * Float64Array.BYTES_PER_ELEMENT);
  new Float64Array(buf).set(a);
  return buf;
}

/** Copies `bars` into shared memory (once per optimisation). */
export function shareBars(bars: BarSeries): SharedBars {
  return {
    length: bars.length,
    tickSize: bars.tickSize,
    columns: {
      time: share(bars.time),
      open: share(bars.open),
      high: share(bars.high),
      low: share(bars.low),
      close: share(bars.close),
      volume: share(bars.volume),
    },
    ticks: {
      open: share(bars.ticks.open),
      high: share(bars.ticks.high),
      low: share(bars.ticks.low),
      close: share(bars.ticks.close),
    },
  };
}

/** A {@link BarSeries} view over shared columns (no copy). */
export function barsFromShared(s: SharedBars): BarSeries {
  const f = (b: SharedArrayBuffer): Float64Array => new Float64Array(b);
  return {
    length: s.length,
    tickSize: s.tickSize,
    time: f(s.columns.time),
    open: f(s.columns.open),
    high: f(s.columns.high),
    low: f(s.columns.low),
    close: f(s.columns.close),
    volume: f(s.columns.volume),
    ticks: { open: f(s.ticks.open), high: f(s.ticks.high), low: f(s.ticks.low), close: f(s.ticks.close) },
  };
}
