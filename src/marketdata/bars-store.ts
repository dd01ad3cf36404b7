/**
 * Stored candles straight to a {@link BarSeries}, for `testudo backtest --symbol`: the candle store sends each page
 * of rows as ONE text value (`string_agg` of `time,open,high,low,close,volume` lines, prices as the stored numeric's
 * exact text), which the columnar importer (`CsvColumnParser`) reads into typed arrays — no row object or string per
 * field on the client. Equal bit for bit to `barsFromCandles` over `PgDataSource`'s candles (complete rows only) of
 * the same range; when the fast path does not apply (a stored value it does not read exactly, or data
 * `barsFromCandles` refuses) it answers undefined and the caller takes the general path, which reports the problem.
 */
import { barsFromColumns } from '../core/backtest/series.ts';
import type { BarSeries } from '../core/backtest/types.ts';
import { CsvColumnParser } from '../core/marketdata/importers-fast.ts';
import { rangeWhere, type StoredRange } from '../db/candles.ts';
import type { Sql } from '../db/sql.ts';

/** Rows per query: a page is one text value of about 50 bytes a row. */
const PAGE_ROWS = 200_000;

const HEADER = new TextEncoder().encode('time,open,high,low,close,volume\n');

/** Which stored candles: one series, `[from, to)` in ms UTC (open ends allowed) — the candle store's range. */
export type StoreRange = StoredRange;

/**
 * The complete stored candles of `range` as a series, or undefined when the fast path does not apply (nothing
 * stored in the range included: the general path then says so).
 * @param opts.tickSize tick size as decimal text (default: inferred as `barsFromCandles` does).
 * @param opts.pageRows rows per query (default 200,000).
 * @throws the database error.
 */
export async function readStoredBars(
  sql: Sql,
  range: StoreRange,
  opts: { tickSize?: string; pageRows?: number } = {},
): Promise<BarSeries | undefined> {
  const pageRows = opts.pageRows ?? PAGE_ROWS;
  const parser = new CsvColumnParser({ format: 'csv', expectedRows: pageRows, msTimes: true });
  let headed = false;
  let after: number | undefined;
  for (;;) {
    const params: unknown[] = [range.symbol, range.timeframe, pageRows];
    const where = rangeWhere(range, after, params);
    // Incomplete rows (a resampled timeframe's last bucket) are left out, as PgDataSource's completeOnly does;
    // the page's last open time (complete or not) is where the next page starts.
    const [row] = await sql.query<{ text: string | null; n: unknown; last: unknown }>(
      `SELECT string_agg(CASE WHEN complete THEN concat_ws(',', t, open::text, high::text, low::text, close::text,
                volume::text) || E'\\n' END, '' ORDER BY t) AS text,
              count(*) AS n, max(t) AS last
         FROM (SELECT (extract(epoch FROM open_time) * 1000)::int8 AS t, open, high, low, close, volume, complete
                 FROM candles
                WHERE symbol = $1 AND timeframe = $2${where}
                ORDER BY open_time LIMIT $3) page`,
      params,
    );
    const n = Number(row?.n ?? 0);
    if (row?.text) {
      let bytes = Buffer.from(row.text, 'latin1');
      if (!headed) bytes = Buffer.concat([HEADER, bytes]); // the parser reads the layout from its first lines
      headed = true;
      if (parser.push(bytes, 0, bytes.length) !== bytes.length || !parser.ok) return undefined;
    }
    if (n < pageRows) break;
    after = Number(row!.last);
  }
  parser.push(new Uint8Array(0), 0, 0, true);
  const cols = parser.finish();
  if (!cols || parser.outOfOrder) return undefined;
  return barsFromColumns(cols, 0, cols.length, {
    reuse: true,
    ...(opts.tickSize !== undefined ? { tickSize: opts.tickSize } : {}),
  });
}
