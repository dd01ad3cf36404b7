/**
 * The candle store: OHLCV rows keyed by (symbol, timeframe, open time UTC).
 */
import type { Candle } from '../core/marketdata/candle.ts';
import type { Sql } from './sql.ts';

/**
 * Inserts candles in batches of 1,000 inside one transaction; rows already stored are skipped, so importing the
 * same file twice leaves one copy. Returns how many rows were new.
 */
export async function importCandles(
  sql: Sql,
  symbol: string,
  timeframe: string,
  candles: readonly Candle[],
): Promise<number> {
  const BATCH = 1000;
  let inserted = 0;
  await sql.tx(async (q) => {
    for (let i = 0; i < candles.length; i += BATCH) {
      const chunk = candles.slice(i, i + BATCH);
      const params: unknown[] = [symbol, timeframe];
      const values = chunk.map((c) => {
        params.push(new Date(c.time), c.open, c.high, c.low, c.close, c.volume);
        const n = params.length;
        return `($1, $2, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
      });
      const rows = await q.query(
        `INSERT INTO candles (symbol, timeframe, open_time, open, high, low, close, volume) VALUES ${values.join(',')}
         ON CONFLICT (symbol, timeframe, open_time) DO NOTHING RETURNING 1`,
        params,
      );
      inserted += rows.length;
    }
  });
  return inserted;
}
