/**
 * Stored candles straight to a {@link BarSeries}, for `testudo backtest --symbol`, through the candle store's column
 * cache (`candle_blocks`, migration 018): the series' complete candles in fixed spans of 8,192 bars, each span one
 * compact value (src/core/marketdata/candle-blocks.ts). A read fetches the blocks covering the range, builds the
 * missing ones from the rows (once: a block stays until a write to its span deletes it) and decodes them into
 * columns — a million stored bars come as ~120 values instead of a million rows.
 *
 * Rows are read (to build blocks, or when the cache cannot be used) as each page of rows in ONE text value
 * (`string_agg` of `time,open,high,low,close,volume` lines, prices as the stored numeric's exact text), which the
 * columnar importer (`CsvColumnParser`) reads into typed arrays.
 *
 * Invariants: equal bit for bit to `barsFromCandles` over `PgDataSource`'s candles (complete rows only) of the same
 * range; a block is built under the symbol's candle lock (`lockCandleSymbol`), the lock every write takes before it
 * deletes the blocks it overlaps, so a block never holds rows older than the committed ones. Blocks are built at most
 * 16 to a transaction, so an embedded database serving a server is never held for long. When the fast path does
 * not apply (a stored value it does not read exactly, or data `barsFromCandles` refuses) it answers undefined and the
 * caller takes the general path, which reports the problem.
 */
import { barsFromColumns } from '../core/backtest/series.ts';
import type { BarSeries } from '../core/backtest/types.ts';
import {
  blockOf,
  blockSpanMs,
  candleBlockRows,
  decodeCandleBlock,
  emptyCandleColumns,
  encodeCandleBlock,
} from '../core/marketdata/candle-blocks.ts';
import { CsvColumnParser, timeLowerBound, type CandleColumns } from '../core/marketdata/importers-fast.ts';
import pg from 'pg';
import { lockCandleSymbol, rangeWhere, type StoredRange } from '../db/candles.ts';
import { int8Field, parseBinaryCopy } from '../db/copy-binary.ts';
import { copyFrom, copyTo, type Sql } from '../db/sql.ts';

/** Rows per query: a page is one text value of about 50 bytes a row. */
const PAGE_ROWS = 200_000;

const HEADER = new TextEncoder().encode('time,open,high,low,close,volume\n');

/** Which stored candles: one series, `[from, to)` in ms UTC (open ends allowed) — the candle store's range. */
export type StoreRange = StoredRange;

/** Options of {@link readStoredBars}. */
export interface ReadStoredBarsOptions {
  /** Tick size as decimal text (default: inferred as `barsFromCandles` does). */
  tickSize?: string;
  /** Rows per query when rows are read (default 200,000). */
  pageRows?: number;
  /** Use and fill the column cache (default true); false reads the rows every time. */
  cache?: boolean;
}

/**
 * The complete stored candles of `range` as a series, or undefined when the fast path does not apply (nothing
 * stored in the range included: the general path then says so). Builds the column-cache blocks it misses, unless
 * the database refuses the write (a read-only role): then it reads the rows.
 * @throws the database error; CandleBlockError for a damaged cached block.
 */
export async function readStoredBars(
  sql: Sql,
  range: StoreRange,
  opts: ReadStoredBarsOptions = {},
): Promise<BarSeries | undefined> {
  const cols = opts.cache === false ? await readRows(sql, range, opts.pageRows) : await readBlocks(sql, range, opts);
  if (!cols) return undefined;
  // blocks hold whole spans: keep [from, to)
  const lo = range.from === undefined ? 0 : timeLowerBound(cols.time, range.from);
  const hi = range.to === undefined ? cols.length : timeLowerBound(cols.time, range.to);
  return barsFromColumns(cols, lo, hi, {
    reuse: true,
    ...(opts.tickSize !== undefined ? { tickSize: opts.tickSize } : {}),
  });
}

/** A series' stored extent: first and last open time (ms UTC), or null when nothing is stored. */
type Extent = { lo: number; hi: number } | null;

/** The block keys `[k0, k1]` of `range` within the series' extent, or undefined when none. */
function blockKeys(extent: Extent, range: StoreRange, span: number): [number, number] | undefined {
  if (!extent) return undefined;
  const k0 = blockOf(Math.max(extent.lo, range.from ?? extent.lo), span);
  const k1 = blockOf(Math.min(extent.hi, range.to === undefined ? extent.hi : range.to - 1), span);
  return k0 <= k1 ? [k0, k1] : undefined;
}

/** Blocks built per transaction at most: PGlite serves nothing else during one (16 blocks ≈ 0.3 s of work). */
const BLOCKS_PER_TX = 16;

/** The range's columns from the column cache, building what is missing; undefined when the fast path gives up. */
async function readBlocks(
  sql: Sql,
  range: StoreRange,
  opts: ReadStoredBarsOptions,
): Promise<CandleColumns | undefined> {
  const span = blockSpanMs(range.timeframe);
  try {
    const extent = (await readExtent(sql, range)) ?? (await sql.tx((q) => makeExtent(q, range)));
    const keys = blockKeys(extent, range, span);
    if (!keys) return emptyCandleColumns(0);
    const blocks = await readBlockValues(sql, range, keys);
    const missing: number[] = [];
    for (let k = keys[0]; k <= keys[1]; k++) if (!blocks.has(k)) missing.push(k);
    // built a few at a time, each batch in its own short transaction under the lock
    for (let i = 0; i < missing.length; i += BLOCKS_PER_TX) {
      const batch = missing.slice(i, i + BLOCKS_PER_TX);
      const built = await sql.tx((q) => buildBlocks(q, range, span, batch, opts.pageRows));
      if (built === undefined) return undefined;
      if (built === 'rows') return readRows(sql, range, opts.pageRows);
      for (const [k, bytes] of built) blocks.set(k, bytes);
    }
    return assemble(blocks, keys);
  } catch (e) {
    if (!isWriteRefused(e)) throw e;
    return readRows(sql, range, opts.pageRows); // a read-only role: no cache
  }
}

/** The series' cached extent; undefined when not cached (a write since the last build). */
async function readExtent(q: Sql, range: StoreRange): Promise<Extent | undefined> {
  const [e] = await q.query<{ lo: unknown; hi: unknown }>(
    `SELECT (extract(epoch FROM first_time) * 1000)::int8 AS lo, (extract(epoch FROM last_time) * 1000)::int8 AS hi
       FROM candle_block_extents WHERE symbol = $1 AND timeframe = $2`,
    [range.symbol, range.timeframe],
  );
  if (!e) return undefined;
  return e.lo == null || e.hi == null ? null : { lo: Number(e.lo), hi: Number(e.hi) };
}

/** Inside a transaction, under the symbol's candle lock: the series' extent, computed and stored when missing. */
async function makeExtent(q: Sql, range: StoreRange): Promise<Extent> {
  await lockCandleSymbol(q, range.symbol);
  const cached = await readExtent(q, range);
  if (cached !== undefined) return cached;
  const [m] = await q.query<{ lo: unknown; hi: unknown }>(
    `SELECT (extract(epoch FROM min(open_time)) * 1000)::int8 AS lo,
            (extract(epoch FROM max(open_time)) * 1000)::int8 AS hi
       FROM candles WHERE symbol = $1 AND timeframe = $2`,
    [range.symbol, range.timeframe],
  );
  const extent = m?.lo == null || m.hi == null ? null : { lo: Number(m.lo), hi: Number(m.hi) };
  await q.query(`INSERT INTO candle_block_extents (symbol, timeframe, first_time, last_time) VALUES ($1, $2, $3, $4)`, [
    range.symbol,
    range.timeframe,
    extent && new Date(extent.lo),
    extent && new Date(extent.hi),
  ]);
  return extent;
}

/** The stored blocks `keys[0]..keys[1]` of the series by key, in one binary COPY (no text conversion of the values). */
async function readBlockValues(
  q: Sql,
  range: StoreRange,
  [k0, k1]: [number, number],
): Promise<Map<number, Uint8Array>> {
  const bytes = await copyTo(
    q,
    `COPY (SELECT block, data FROM candle_blocks WHERE symbol = ${pg.escapeLiteral(range.symbol)}
             AND timeframe = ${pg.escapeLiteral(range.timeframe)} AND block >= ${k0} AND block <= ${k1})
     TO STDOUT WITH (FORMAT binary)`,
  );
  const out = new Map<number, Uint8Array>();
  for (const [block, data] of parseBinaryCopy(bytes)) out.set(int8Field(block!), data!);
  return out;
}

/** Decodes blocks `keys[0]..keys[1]` (all present) in order: whole spans, maybe beyond the range. */
function assemble(blocks: Map<number, Uint8Array>, [k0, k1]: [number, number]): CandleColumns {
  let total = 0;
  for (let k = k0; k <= k1; k++) total += candleBlockRows(blocks.get(k)!);
  const cols = emptyCandleColumns(total);
  let at = 0;
  for (let k = k0; k <= k1; k++) at += decodeCandleBlock(blocks.get(k)!, cols, at);
  return cols;
}

/**
 * Inside a transaction: takes the symbol's candle lock (writes of the symbol wait; they delete what they overlap
 * when they go on), builds the blocks `keys` (ascending) from the rows where they are still missing, and stores
 * them. Blocks found stored under the lock are current (every write deletes what it overlaps under the same lock).
 * @returns every block of `keys` by key; undefined when the rows cannot be read exactly (the general path reports
 *   it); 'rows' when a block cannot be encoded (the caller reads the rows without the cache).
 */
async function buildBlocks(
  q: Sql,
  range: StoreRange,
  span: number,
  keys: number[],
  pageRows?: number,
): Promise<Map<number, Uint8Array> | undefined | 'rows'> {
  await lockCandleSymbol(q, range.symbol);
  const blocks = await readBlockValues(q, range, [keys[0]!, keys[keys.length - 1]!]);
  const missing = keys.filter((k) => !blocks.has(k));
  const made: { k: number; rows: number; bytes: Uint8Array }[] = [];
  // each run of consecutive missing keys is read as rows in one go
  for (let i = 0; i < missing.length;) {
    let j = i + 1;
    while (j < missing.length && missing[j] === missing[j - 1]! + 1) j++;
    const first = missing[i]!;
    const last = missing[j - 1]!;
    const cols = await readRows(q, { ...range, from: first * span, to: (last + 1) * span }, pageRows);
    if (cols === undefined) return undefined;
    let row = 0;
    for (let k = first; k <= last; k++) {
      let end = row;
      while (end < cols.length && cols.time[end]! < (k + 1) * span) end++;
      const bytes = encodeCandleBlock(cols, row, end);
      if (!bytes) return 'rows';
      blocks.set(k, bytes);
      made.push({ k, rows: end - row, bytes });
      row = end;
    }
    i = j;
  }
  // one COPY (text format, bytea as hex): binding each value as a parameter costs PGlite seconds a million bars
  if (made.length > 0) {
    const series = `${copyText(range.symbol)}\t${copyText(range.timeframe)}`;
    await copyFrom(
      q,
      'COPY candle_blocks (symbol, timeframe, block, span_start, span_end, rows, data) FROM STDIN',
      (function* () {
        for (const { k, rows, bytes } of made) {
          const start = new Date(k * span).toISOString();
          const end = new Date((k + 1) * span).toISOString();
          const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          yield `${series}\t${k}\t${start}\t${end}\t${rows}\t\\\\x${hex.toString('hex')}\n`;
        }
      })(),
    );
  }
  return blocks;
}

/** `s` as a field of COPY's text format (backslash, tab, newline and carriage return escaped). */
function copyText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** PostgreSQL's refusals of a write by a reader: insufficient_privilege, read_only_sql_transaction. */
function isWriteRefused(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === '42501' || code === '25006';
}

/** The range's complete rows as columns, read in pages of one text value each; undefined when it gives up. */
async function readRows(sql: Sql, range: StoreRange, pageRows = PAGE_ROWS): Promise<CandleColumns | undefined> {
  const parser = new CsvColumnParser({ format: 'csv', expectedRows: Math.min(pageRows, 1 << 16), msTimes: true });
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
  if (!headed) return emptyCandleColumns(0);
  parser.push(new Uint8Array(0), 0, 0, true);
  const cols = parser.finish();
  if (!cols || parser.outOfOrder) return undefined;
  return cols;
}
