/**
 * OHLCV candles as they cross the boundary: exact decimal text, never floats.
 *
 * Invariants: `time` is the bar's open time in milliseconds since the Unix epoch (UTC); prices are positive decimal
 * text; `low <= min(open, close)` and `high >= max(open, close)`; a series is sorted by `time` ascending without
 * duplicates.
 */

/** One OHLCV bar. Prices and volume are decimal text exactly as the source gave them (quote currency, base units). */
export interface Candle {
  /** Open time of the bar, ms since epoch, UTC. */
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  /** Traded volume in base units (decimal text; "0" when the source has none). */
  volume: string;
}

/** Candle timeframes understood by the platform, with their length in milliseconds. */
export const TIMEFRAMES = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
  '1w': 604_800_000,
} as const;

/** A timeframe code such as `"1h"`. */
export type Timeframe = keyof typeof TIMEFRAMES;

/** True when `s` names a supported timeframe. */
export function isTimeframe(s: string): s is Timeframe {
  return Object.hasOwn(TIMEFRAMES, s);
}

/** The timeframe whose length is exactly `ms`, or undefined when none is (`timeframeOfLength(3_600_000)` = `'1h'`). */
export function timeframeOfLength(ms: number | null): Timeframe | undefined {
  return (Object.keys(TIMEFRAMES) as Timeframe[]).find((k) => TIMEFRAMES[k] === ms);
}
