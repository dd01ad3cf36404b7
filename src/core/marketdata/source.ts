/**
 * Where candles come from: one interface over files on disk and the PostgreSQL candle store, so a backtest reads
 * the same bars from either (see `src/marketdata/sources.ts` for the implementations).
 *
 * Invariants: a source yields candles of one (symbol, timeframe) in strictly ascending open time, each within
 * `[from, to)`; a consumer that receives anything else rejects it (see `BarDataError` in `src/core/backtest`).
 */
import type { Candle, Timeframe } from './candle.ts';

/** Which candles to read. Times are ms since the epoch, UTC; `from` inclusive, `to` exclusive; open ends allowed. */
export interface CandleRange {
  symbol: string;
  timeframe: Timeframe;
  from?: number;
  to?: number;
}

/**
 * A stream of stored candles. `stream` yields batches (non-empty arrays) in ascending time order; the batch size is
 * the source's choice. An unknown symbol/timeframe yields nothing (not an error).
 */
export interface DataSource {
  /** Human-readable description for logs and reports, e.g. `file:../data/x.csv` or `postgres:candles`. */
  readonly name: string;
  stream(range: CandleRange): AsyncIterable<readonly Candle[]>;
}

/** Collects every candle of `range` from `source` into one array (ascending). */
export async function readAll(source: DataSource, range: CandleRange): Promise<Candle[]> {
  const out: Candle[] = [];
  for await (const batch of source.stream(range)) for (const c of batch) out.push(c);
  return out;
}
