/**
 * Chart data: bars as `GET /candles` serves them (epoch-second open times, decimal-string OHLCV), the live `candle`
 * events folded into the chart's last bar (the feed emits bars of its own timeframe; a higher chart timeframe
 * aggregates them into the current bucket: first open, max high, min low, last close, summed volume, exactly as
 * the server's rollups), and the numeric form lightweight-charts draws (display only).
 */
import type { Bar } from '@/api/types';
import { add, cmp, formatDec, parseDec } from '@/lib/decimal';

/** Bar lengths in seconds, by timeframe (the server's TIMEFRAMES). */
export const TIMEFRAME_SECONDS: Record<string, number> = {
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '4h': 14_400,
  '1d': 86_400,
  '1w': 604_800,
};

/** One bar: open time in epoch seconds UTC and decimal-string prices and volume. */
export type { Bar };

/** A `candle` event's data: a bar of the feed's timeframe for one symbol. */
export interface CandleEvent extends Bar {
  symbol: string;
  timeframe: string;
}

/** Monday 1970-01-05 00:00 UTC, where weekly buckets start (epoch seconds). */
const FIRST_MONDAY = 4 * 86_400;

/** Open time of the `timeframe` bucket holding `time` (UTC buckets; weeks from Monday), epoch seconds. */
export function bucketStart(time: number, timeframe: string): number {
  const len = TIMEFRAME_SECONDS[timeframe];
  if (!len) throw new RangeError(`unknown timeframe ${timeframe}`);
  const origin = timeframe === '1w' ? FIRST_MONDAY : 0;
  return Math.floor((time - origin) / len) * len + origin;
}

/** What to do with a live bar: draw `bar` (as an update of the last bar or a new one), refetch, or ignore it. */
export type CandleAction = { kind: 'update' | 'append'; bar: Bar } | { kind: 'refetch' } | { kind: 'ignore' };

const max = (a: string, b: string) => (cmp(parseDec(a), parseDec(b)) >= 0 ? a : b);
const min = (a: string, b: string) => (cmp(parseDec(a), parseDec(b)) <= 0 ? a : b);

/**
 * Folds a `candle` event into a chart of `symbol` at `timeframe` whose last bar is `last`:
 * - another symbol: ignore;
 * - the event's timeframe finer than the chart's: aggregate into the bucket (update the last bar when it is the
 *   same bucket, append a new bar when later);
 * - the same timeframe: replace the last bar when the time is equal, append when later;
 * - an event older than the last bar (a replay seek), or a chart finer than the feed: refetch.
 */
export function foldCandle(last: Bar | undefined, e: CandleEvent, symbol: string, timeframe: string): CandleAction {
  if (e.symbol !== symbol) return { kind: 'ignore' };
  const chartLen = TIMEFRAME_SECONDS[timeframe];
  const evLen = TIMEFRAME_SECONDS[e.timeframe];
  if (!chartLen || !evLen || evLen > chartLen) return { kind: 'refetch' };
  const bar: Bar = { time: e.time, open: e.open, high: e.high, low: e.low, close: e.close, volume: e.volume };
  const time = bucketStart(e.time, timeframe);
  if (!last || time > last.time) return { kind: 'append', bar: { ...bar, time } };
  if (time < last.time) return { kind: 'refetch' };
  if (evLen === chartLen) return { kind: 'update', bar };
  return {
    kind: 'update',
    bar: {
      time,
      open: last.open,
      high: max(last.high, e.high),
      low: min(last.low, e.low),
      close: e.close,
      volume: formatDec(add(parseDec(last.volume), parseDec(e.volume))),
    },
  };
}

/** A bar as lightweight-charts draws it (numbers: display only). */
export interface ChartCandle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** The candlestick and volume points of a bar; the volume is coloured by the bar's direction. */
export function toChart(
  b: Bar,
  up: string,
  down: string,
): { candle: ChartCandle; volume: { time: number; value: number; color: string } } {
  const open = Number(b.open);
  const close = Number(b.close);
  return {
    candle: { time: b.time, open, high: Number(b.high), low: Number(b.low), close },
    volume: { time: b.time, value: Number(b.volume), color: close >= open ? up : down },
  };
}

/** The replay state fields {@link replayAfterBar} moves. */
export interface ReplayClock {
  symbol: string;
  index: number;
  time: string | null;
  lastPrice: string | null;
}

/**
 * The replay's state after it emitted the bar `e`: its clock (the bar's close time), the index of the next bar
 * and the last price. `prev` itself when the bar is of another symbol or not newer than the clock (the state of a
 * control's answer already counts it), so the answer of `POST /replay/step` and the bar's event may arrive in
 * either order. The index advances by the number of bars between the two clocks.
 */
export function replayAfterBar<T extends ReplayClock>(
  prev: T | null | undefined,
  e: CandleEvent,
): T | null | undefined {
  const len = TIMEFRAME_SECONDS[e.timeframe];
  if (!prev || !len || e.symbol !== prev.symbol) return prev;
  const closeMs = (e.time + len) * 1000;
  const prevMs = prev.time === null ? Number.NEGATIVE_INFINITY : Date.parse(prev.time);
  if (!(closeMs > prevMs)) return prev;
  const bars = Number.isFinite(prevMs) ? Math.max(1, Math.round((closeMs - prevMs) / (len * 1000))) : 1;
  return { ...prev, index: prev.index + bars, time: new Date(closeMs).toISOString(), lastPrice: e.close };
}
