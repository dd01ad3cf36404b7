/**
 * Reply types shared by several pages, taken from the generated OpenAPI types (`schema.d.ts`) so they follow the
 * server's response schemas.
 */
import type { paths } from './schema';

/** One bar of `GET /candles`: open time in epoch seconds UTC, decimal-text OHLCV, and whether it is complete. */
export type CandleBar =
  paths['/api/v1/candles']['get']['responses'][200]['content']['application/json']['bars'][number];

/** A bar's time and OHLCV, without the completeness flag (bars folded from `candle` events, chart inputs). */
export type Bar = Omit<CandleBar, 'complete'>;
