/**
 * The candle store: OHLCV rows keyed by (symbol, timeframe, open time UTC) in the `candles` table, range-partitioned
 * by open time into yearly partitions (`candles_y2019`, created on demand) plus `candles_default`.
 *
 * Ingest is bulk: the candles are validated, then sent with `COPY ... FROM STDIN (FORMAT binary)` — straight into
 * `candles` when the (symbol, timeframe) has no stored row in the time range of the batch, otherwise into a temporary
 * staging table that is merged into `candles` (new rows inserted, changed rows updated, identical rows left alone).
 * Everything of one ingest — the rows and the higher timeframes rolled up from them — is one transaction, so a
 * failure writes nothing. Ingests of the same symbol are serialised by an advisory lock.
 *
 * Invariant: every write to `candles` goes through this module, holds the symbol's lock ({@link lockCandleSymbol})
 * and deletes the column-cache blocks (`candle_blocks`) its time range overlaps, in the same transaction.
 *
 * Rollups: after an ingest of timeframe T the higher timeframes (see `TIMEFRAME_CHAIN`) are recomputed for just the
 * buckets the ingest touched, each from the next lower timeframe (T → next → ...), like a continuous aggregate; see
 * `src/core/marketdata/resample.ts` for the rules (first open, max high, min low, last close, exact volume sum,
 * `complete = false` for a last bucket whose source data ends early). In SQL (`date_bin`, `array_agg ... ORDER BY`,
 * numeric `max`/`min`/`sum`, upsert of changed buckets only); after a direct COPY the buckets strictly inside the new
 * range hold only the new candles, so those are resampled in TS with the same pure function and bulk-stored, and
 * SQL recomputes only the first and last bucket of each level (which may also hold rows stored earlier).
 */
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import { bucketStart, higherTimeframes, resampleCandles, validateCandles } from '../core/marketdata/resample.ts';
import { copyFrom, toInt, type Sql } from './sql.ts';

/** Years that get a partition of their own; other times land in `candles_default`. */
const MIN_PARTITION_YEAR = 1900;
const MAX_PARTITION_YEAR = 2199;
/** Advisory lock key (hashed to an int4 by `hashtext`) serialising partition DDL. */
const LOCK_PARTITIONS = 'testudo:candles:partitions';

/**
 * Takes the transaction-scoped advisory lock that serialises writes of `symbol`'s candles (ingests, rollups) and the
 * filling of its column cache (`candle_blocks`, see src/marketdata/bars-store.ts). Call inside a transaction.
 * @throws the database error.
 */
export async function lockCandleSymbol(q: Sql, symbol: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`testudo:candles:${symbol}`]);
}

/**
 * Deletes the column-cache blocks of (symbol, timeframe) whose span overlaps `[fromMs, toMs)` and the series'
 * cached extent: every write to `candles` calls it in its transaction, under the symbol's lock, so no block or extent
 * outlives the rows it was made from.
 */
async function dropCandleBlocks(q: Sql, symbol: string, timeframe: Timeframe, fromMs: number, toMs: number) {
  await q.query(
    `WITH extent AS (DELETE FROM candle_block_extents WHERE symbol = $1 AND timeframe = $2)
     DELETE FROM candle_blocks WHERE symbol = $1 AND timeframe = $2 AND span_end > $3 AND span_start < $4`,
    [symbol, timeframe, new Date(fromMs), new Date(toMs)],
  );
}

/** Names of the partitions attached to `candles` now. */
async function partitionNames(q: Sql): Promise<Set<string>> {
  const rows = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'candles'::regclass`,
  );
  return new Set(rows.map((r) => r.name));
}

function utcYear(ms: number): number {
  return new Date(ms).getUTCFullYear();
}

function yearStart(y: number): Date {
  return new Date(Date.UTC(y, 0, 1));
}

/**
 * Makes sure `candles` has a yearly partition for every UTC year from `fromMs` to `toMs` (inclusive, ms UTC) within
 * 1900–2199. Idempotent and safe under concurrency: creation is serialised by an advisory lock and re-checked under
 * it. A partition is created empty, filled with the rows of its year that sat in `candles_default`, then attached —
 * so it works even when the default partition already holds rows of that year; when the default partition holds none
 * of the range, all missing years are created in one statement batch. One short transaction (call it before, not
 * inside, a long ingest transaction).
 * @returns the names of the partitions created now.
 */
export async function ensureCandlePartitions(sql: Sql, fromMs: number, toMs: number): Promise<string[]> {
  const lo = Math.max(utcYear(fromMs), MIN_PARTITION_YEAR);
  const hi = Math.min(utcYear(toMs), MAX_PARTITION_YEAR);
  if (lo > hi) return [];
  const existing = await partitionNames(sql);
  const missing: number[] = [];
  for (let y = lo; y <= hi; y++) if (!existing.has(`candles_y${y}`)) missing.push(y);
  if (missing.length === 0) return [];
  return sql.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK_PARTITIONS]);
    const present = await partitionNames(q);
    const todo = missing.filter((y) => !present.has(`candles_y${y}`));
    if (todo.length === 0) return [];
    const bounds = (y: number): [string, string] => [yearStart(y).toISOString(), yearStart(y + 1).toISOString()];
    const [stray] = await q.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM candles_default WHERE open_time >= $1 AND open_time < $2',
      [yearStart(todo[0]!).toISOString(), yearStart(todo[todo.length - 1]! + 1).toISOString()],
    );
    if (Number(stray?.n ?? 0) === 0) {
      // Nothing to move out of the default partition: every partition in one round trip.
      await q.exec(
        todo
          .map((y) => {
            const [from, to] = bounds(y);
            return `CREATE TABLE candles_y${y} PARTITION OF candles FOR VALUES FROM ('${from}') TO ('${to}');`;
          })
          .join('\n'),
      );
    } else {
      for (const y of todo) {
        const name = `candles_y${y}`;
        const [from, to] = bounds(y);
        await q.exec(`CREATE TABLE ${name} (LIKE candles INCLUDING DEFAULTS)`);
        await q.query(
          `WITH moved AS (DELETE FROM candles_default WHERE open_time >= $1 AND open_time < $2 RETURNING *)
           INSERT INTO ${name} SELECT * FROM moved`,
          [from, to],
        );
        await q.exec(`ALTER TABLE candles ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
      }
    }
    return todo.map((y) => `candles_y${y}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// COPY encoders

/** Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC). */
const PG_EPOCH_MS = 946_684_800_000;
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const CHUNK_BYTES = 1 << 20;
const VALIDATE_BLOCK = 4096;

/** Base-10000 digits of one numeric, reused between calls. */
const digitScratch = new Int16Array(64);

/**
 * Writes the PostgreSQL binary `numeric` of non-negative plain decimal text `s` (length word included) at `off`.
 * @returns the offset after it.
 */
function writeNumeric(buf: Buffer, off: number, s: string): number {
  const dot = s.indexOf('.');
  const intEnd = dot < 0 ? s.length : dot;
  let i0 = 0;
  while (i0 < intEnd && s.charCodeAt(i0) === 48) i0++;
  const intLen = intEnd - i0;
  const fracLen = dot < 0 ? 0 : s.length - dot - 1;
  const intGroups = (intLen + 3) >> 2;
  const fracGroups = (fracLen + 3) >> 2;
  let n = 0;
  // integer groups, aligned on the decimal point
  let pos = i0;
  const first = intLen - (intGroups - 1) * 4; // digits in the leading group
  for (let g = 0; g < intGroups; g++) {
    const w = g === 0 ? first : 4;
    let v = 0;
    for (let k = 0; k < w; k++) v = v * 10 + (s.charCodeAt(pos++) - 48);
    digitScratch[n++] = v;
  }
  pos = dot + 1;
  for (let g = 0; g < fracGroups; g++) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const p = pos + g * 4 + k;
      v = v * 10 + (p < s.length ? s.charCodeAt(p) - 48 : 0);
    }
    digitScratch[n++] = v;
  }
  let weight = intGroups - 1;
  let start = 0;
  while (start < n && digitScratch[start] === 0) {
    start++;
    weight--;
  }
  let end = n;
  while (end > start && digitScratch[end - 1] === 0) end--;
  const nd = end - start;
  if (nd === 0) weight = 0;
  // big-endian by hand: Buffer#writeInt16BE's argument checks cost more than the encoding itself
  const len = 8 + 2 * nd;
  buf[off] = 0;
  buf[off + 1] = 0;
  buf[off + 2] = len >> 8;
  buf[off + 3] = len & 255;
  buf[off + 4] = nd >> 8;
  buf[off + 5] = nd & 255;
  buf[off + 6] = (weight >> 8) & 255;
  buf[off + 7] = weight & 255;
  buf[off + 8] = 0;
  buf[off + 9] = 0;
  buf[off + 10] = fracLen >> 8;
  buf[off + 11] = fracLen & 255;
  off += 12;
  for (let k = start; k < end; k++) {
    const d = digitScratch[k]!;
    buf[off++] = d >> 8;
    buf[off++] = d & 255;
  }
  return off;
}

/**
 * Encodes candles as a PostgreSQL binary COPY stream in chunks of about 1 MiB: columns
 * `(symbol, timeframe, open_time, open, high, low, close, volume)` when `key` is given, else
 * `(open_time, open, high, low, close, volume)`. Calls `onRows(n)` after each chunk with the rows it holds.
 */
function* binaryCopy(
  candles: readonly Candle[],
  start: number,
  end: number,
  key: { symbol: string; timeframe: string } | undefined,
  onRows?: (n: number) => void,
): Generator<Buffer> {
  // the two key fields are the same on every row: encoded once
  let keyBuf: Buffer | undefined;
  if (key) {
    const sym = Buffer.from(key.symbol, 'utf8');
    const tf = Buffer.from(key.timeframe, 'utf8');
    keyBuf = Buffer.alloc(8 + sym.length + tf.length);
    keyBuf.writeInt32BE(sym.length, 0);
    sym.copy(keyBuf, 4);
    keyBuf.writeInt32BE(tf.length, 4 + sym.length);
    tf.copy(keyBuf, 8 + sym.length);
  }
  const keyBytes = keyBuf ? keyBuf.length : 0;
  const fields = key ? 8 : 6;
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  COPY_SIGNATURE.copy(buf, 0);
  buf.writeInt32BE(0, 11);
  buf.writeInt32BE(0, 15);
  let off = 19;
  let rows = 0;
  for (let i = start; i < end; i++) {
    // validated in blocks as they are encoded, so validation overlaps the server's work on earlier chunks
    if ((i - start) % VALIDATE_BLOCK === 0) validateCandles(candles, i, Math.min(end, i + VALIDATE_BLOCK));
    const c = candles[i]!;
    const need =
      2 +
      keyBytes +
      12 +
      5 * 20 +
      2 * (c.open.length + c.high.length + c.low.length + c.close.length + c.volume.length);
    if (off + need > buf.length) {
      yield buf.subarray(0, off);
      onRows?.(rows);
      rows = 0;
      buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need + 2));
      off = 0;
    }
    buf[off] = 0;
    buf[off + 1] = fields;
    off += 2;
    if (keyBuf) off += keyBuf.copy(buf, off);
    const us = (c.time - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / 4294967296);
    buf.writeInt32BE(8, off);
    buf.writeInt32BE(hi, off + 4);
    buf.writeUInt32BE(us - hi * 4294967296, off + 8);
    off += 12;
    off = writeNumeric(buf, off, c.open);
    off = writeNumeric(buf, off, c.high);
    off = writeNumeric(buf, off, c.low);
    off = writeNumeric(buf, off, c.close);
    off = writeNumeric(buf, off, c.volume);
    rows++;
  }
  if (off + 2 > buf.length) {
    yield buf.subarray(0, off);
    buf = Buffer.allocUnsafe(2);
    off = 0;
  }
  buf.writeInt16BE(-1, off);
  off += 2;
  yield buf.subarray(0, off);
  onRows?.(rows);
}

/** Escapes a value for COPY's text format. */
function copyText(s: string): string {
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]!)
    : s;
}

/** Like {@link binaryCopy} in COPY's text format (ISO-8601 UTC times), in chunks of 8,192 rows. */
function* textCopy(
  candles: readonly Candle[],
  start: number,
  end: number,
  key: { symbol: string; timeframe: string } | undefined,
  onRows?: (n: number) => void,
): Generator<string> {
  const prefix = key ? `${copyText(key.symbol)}\t${copyText(key.timeframe)}\t` : '';
  for (let i = start; i < end; i += VALIDATE_BLOCK) {
    const stop = Math.min(end, i + VALIDATE_BLOCK);
    validateCandles(candles, i, stop);
    let s = '';
    for (let j = i; j < stop; j++) {
      const c = candles[j]!;
      s += `${prefix}${new Date(c.time).toISOString()}\t${c.open}\t${c.high}\t${c.low}\t${c.close}\t${c.volume}\n`;
    }
    yield s;
    onRows?.(stop - i);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ingest

/**
 * Splits ascending candles into runs of one UTC year: `[start, end, table]` with the year's partition as the table,
 * or `candles` (routed to the default partition) outside the years that get partitions.
 */
function partitionSegments(candles: readonly Candle[]): [number, number, string][] {
  const out: [number, number, string][] = [];
  let i = 0;
  while (i < candles.length) {
    const y = utcYear(candles[i]!.time);
    const next = yearStart(y + 1).getTime();
    let j = i + 1;
    while (j < candles.length && candles[j]!.time < next) j++;
    out.push([i, j, y >= MIN_PARTITION_YEAR && y <= MAX_PARTITION_YEAR ? `candles_y${y}` : 'candles']);
    i = j;
  }
  return out;
}

/** Options of {@link ingestCandles}. */
export interface IngestOptions {
  /** Update the higher timeframes for the touched buckets (default true). */
  rollup?: boolean;
  /** COPY format: `binary` (default, fastest) or `text`. */
  copyFormat?: 'binary' | 'text';
  /** Called as rows are sent: rows so far and the total (the rollup phase is not counted). */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link ingestCandles} did. */
export interface IngestResult {
  /** Candles given. */
  candles: number;
  /** Rows that were not stored before. */
  inserted: number;
  /** Stored rows whose values changed to the new ones. */
  updated: number;
  /** Stored rows already identical (numerically equal) to the new ones. */
  unchanged: number;
  /**
   * `direct` = COPY straight into `candles` (nothing stored in the range before), `merge` = staged and merged,
   * `empty` = no candles were given (nothing written).
   */
  path: 'direct' | 'merge' | 'empty';
  /** Buckets written (inserted or changed) per higher timeframe by the rollup, e.g. `{ '4h': 12 }`. */
  rolledUp: Partial<Record<Timeframe, number>>;
}

/**
 * Writes ascending, non-empty `candles` of one (symbol, timeframe) inside the caller's transaction: a direct COPY into
 * the yearly partitions when nothing is stored in their time range, else COPY into a temporary staging table and a
 * merge (changed rows updated, new rows inserted). The caller holds the symbol's ingest lock and made the partitions.
 */
async function storeRows(
  q: Sql,
  symbol: string,
  timeframe: Timeframe,
  candles: readonly Candle[],
  binary: boolean,
  onRows?: (n: number) => void,
): Promise<{ inserted: number; updated: number; path: 'direct' | 'merge' }> {
  const first = candles[0]!.time;
  const last = candles[candles.length - 1]!.time;
  const fmt = binary ? ' WITH (FORMAT binary)' : '';
  const encode = binary ? binaryCopy : textCopy;
  const out = { inserted: 0, updated: 0, path: 'direct' as 'direct' | 'merge' };
  const range = [symbol, timeframe, new Date(first), new Date(last)];
  await dropCandleBlocks(q, symbol, timeframe, first, last + 1);
  const stored = await q.query(
    `SELECT 1 FROM candles WHERE symbol = $1 AND timeframe = $2 AND open_time >= $3 AND open_time <= $4 LIMIT 1`,
    range,
  );
  if (stored.length === 0) {
    // Nothing stored in the range: COPY straight in, into each year's partition (no per-row routing).
    out.path = 'direct';
    for (const [start, end, table] of partitionSegments(candles)) {
      out.inserted += await copyFrom(
        q,
        `COPY ${table} (symbol, timeframe, open_time, open, high, low, close, volume) FROM STDIN${fmt}`,
        encode(candles, start, end, { symbol, timeframe }, onRows),
      );
    }
  } else {
    out.path = 'merge';
    await q.exec(
      `DROP TABLE IF EXISTS candles_stage;
       CREATE TEMP TABLE candles_stage (open_time timestamptz NOT NULL, open numeric NOT NULL,
         high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL, volume numeric NOT NULL)
         ON COMMIT DROP`,
    );
    await copyFrom(
      q,
      `COPY candles_stage (open_time, open, high, low, close, volume) FROM STDIN${fmt}`,
      encode(candles, 0, candles.length, undefined, onRows),
    );
    const [u] = await q.query<{ n: unknown }>(
      `WITH up AS (
         UPDATE candles c SET open = s.open, high = s.high, low = s.low, close = s.close, volume = s.volume,
                complete = true
           FROM candles_stage s
          WHERE c.symbol = $1 AND c.timeframe = $2 AND c.open_time >= $3 AND c.open_time <= $4
            AND c.open_time = s.open_time
            AND (c.open, c.high, c.low, c.close, c.volume, c.complete)
                IS DISTINCT FROM (s.open, s.high, s.low, s.close, s.volume, true)
         RETURNING 1)
       SELECT count(*) AS n FROM up`,
      range,
    );
    const [ins] = await q.query<{ n: unknown }>(
      `WITH ins AS (
         INSERT INTO candles (symbol, timeframe, open_time, open, high, low, close, volume)
         SELECT $1, $2, open_time, open, high, low, close, volume FROM candles_stage
         ON CONFLICT (symbol, timeframe, open_time) DO NOTHING RETURNING 1)
       SELECT count(*) AS n FROM ins`,
      [symbol, timeframe],
    );
    out.inserted = toInt(ins?.n);
    out.updated = toInt(u?.n);
  }
  return out;
}

/**
 * Stores candles of one symbol and timeframe, idempotently: a candle already stored with the same values is left
 * alone, one stored with other values is updated to the new ones, a new one is inserted; so importing a file twice
 * leaves one copy, and overlapping imports merge. Then (unless `opts.rollup === false`) the higher timeframes are
 * recomputed for the touched buckets. One transaction: on any error nothing is written. (For input that arrives in
 * pieces, e.g. a large file being read, see {@link ingestCandleBatches}.)
 *
 * @param symbol e.g. `BTC-USD` (any text).
 * @param timeframe one of `TIMEFRAMES`; rollups go to the timeframes above it.
 * @param candles strictly ascending, prices positive decimal text, `low ≤ open/close ≤ high` (see
 *   `validateCandles`).
 * @throws CandleSeriesError naming the first bad bar (times are checked before the transaction starts, prices while
 *   encoding; either way the transaction is rolled back and no candle is written — at most the empty yearly
 *   partitions of the range were created); RangeError for an unknown timeframe; the database error otherwise
 *   (rolled back).
 */
export async function ingestCandles(
  sql: Sql,
  symbol: string,
  timeframe: Timeframe,
  candles: readonly Candle[],
  opts: IngestOptions = {},
): Promise<IngestResult> {
  if (!Object.hasOwn(TIMEFRAMES, timeframe)) throw new RangeError(`unknown timeframe ${timeframe}`);
  // The order of the times is checked up front (cheap); prices are checked block by block while encoding, which
  // aborts the transaction on the first bad bar.
  checkTimes(candles);
  if (candles.length === 0) return { candles: 0, inserted: 0, updated: 0, unchanged: 0, path: 'empty', rolledUp: {} };
  // partitions for the candles and for the buckets they roll up into (a week may start in the previous year), in a
  // short transaction of their own before the long one
  const first = candles[0]!.time;
  const hiTfs = opts.rollup !== false ? higherTimeframes(timeframe) : [];
  await ensureCandlePartitions(
    sql,
    hiTfs.length > 0 ? bucketStart(first, '1w') : first,
    candles[candles.length - 1]!.time,
  );
  const onBatch = opts.onProgress ? (sent: number) => opts.onProgress!(sent, candles.length) : undefined;
  return ingestCandleBatches(sql, symbol, timeframe, [candles], { ...opts, onRows: onBatch });
}

/** Throws CandleSeriesError naming the first candle that is not strictly after the previous one (or not a time). */
function checkTimes(candles: readonly Candle[]): void {
  for (let i = 0, prev = -Infinity; i < candles.length; i++) {
    const t = candles[i]!.time;
    if (!(t > prev) || !Number.isSafeInteger(t)) validateCandles(candles, i, i + 1);
    prev = t;
  }
}

/** Options of {@link ingestCandleBatches}. */
export interface BatchIngestOptions {
  /** Update the higher timeframes for the touched buckets (default true). */
  rollup?: boolean;
  /** COPY format: `binary` (default, fastest) or `text`. */
  copyFormat?: 'binary' | 'text';
  /** Called as rows are sent, with the rows sent so far (the rollup phase is not counted). */
  onRows?: (sent: number) => void;
  /** Called after each batch is stored, with the rows stored so far. */
  onBatch?: (stored: number) => void;
}

/**
 * Stores candles of one symbol and timeframe that arrive in batches (e.g. as a file is read, see
 * `streamCandleFile`), with the semantics of {@link ingestCandles}: idempotent (identical rows left alone, changed
 * rows updated, new rows inserted), the higher timeframes rolled up, and everything in ONE transaction — an error in
 * any batch (a bad bar, a parse error thrown by the iterator) writes nothing. Memory: one batch at a time.
 *
 * Each batch goes straight into the yearly partitions by COPY when nothing is stored in its time range (batches of a
 * file in time order never overlap), else through the staging merge. Rollups: the buckets strictly inside a batch
 * copied straight in hold only its candles, so they are resampled in TS and stored in bulk as the batch is; the
 * buckets at the batch's two ends (which may share rows with a neighbouring batch or with rows stored before) and the
 * whole span of a merged batch are recomputed in SQL once, after the last batch. Batches may come in any time order
 * (a newest-first file's do).
 *
 * @param batches strictly ascending candles per batch (empty batches are skipped).
 * @throws CandleSeriesError naming the first bad bar of a batch (index within the batch), RangeError for an unknown
 *   timeframe, whatever the iterator throws, or the database error — the transaction is then rolled back (yearly
 *   partitions created on the way are DDL in the same transaction and are rolled back too).
 */
export async function ingestCandleBatches(
  sql: Sql,
  symbol: string,
  timeframe: Timeframe,
  batches: Iterable<readonly Candle[]> | AsyncIterable<readonly Candle[]>,
  opts: BatchIngestOptions = {},
): Promise<IngestResult> {
  if (!Object.hasOwn(TIMEFRAMES, timeframe)) throw new RangeError(`unknown timeframe ${timeframe}`);
  const result: IngestResult = {
    candles: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    path: 'empty',
    rolledUp: {},
  };
  const rollup = opts.rollup !== false;
  const hiTfs = rollup ? higherTimeframes(timeframe) : [];
  const binary = opts.copyFormat !== 'text';
  let sent = 0;
  const onRows = opts.onRows
    ? (n: number) => {
        sent += n;
        opts.onRows!(sent);
      }
    : undefined;
  const interior: Partial<Record<Timeframe, number>> = {};
  const edges: Span[] = [];
  await sql.tx(async (q) => {
    await lockCandleSymbol(q, symbol);
    for await (const candles of batches) {
      if (candles.length === 0) continue;
      checkTimes(candles);
      const first = candles[0]!.time;
      const last = candles[candles.length - 1]!.time;
      await ensureCandlePartitions(q, hiTfs.length > 0 ? bucketStart(first, '1w') : first, last);
      const w = await storeRows(q, symbol, timeframe, candles, binary, onRows);
      result.candles += candles.length;
      result.inserted += w.inserted;
      result.updated += w.updated;
      result.path = result.path === 'empty' || result.path === w.path ? w.path : 'merge';
      if (rollup) {
        if (w.path === 'direct') {
          for (const [tf, n] of Object.entries(await storeInteriorBuckets(q, symbol, timeframe, candles)))
            interior[tf as Timeframe] = (interior[tf as Timeframe] ?? 0) + n;
          edges.push([first, first + 1], [last, last + 1]);
        } else edges.push([first, last + 1]);
      }
      opts.onBatch?.(result.candles);
    }
    result.unchanged = result.candles - result.inserted - result.updated;
    if (rollup && edges.length > 0) {
      const sqlRows = await rollupFrom(q, symbol, timeframe, edges);
      for (const tf of hiTfs) result.rolledUp[tf] = (interior[tf] ?? 0) + (sqlRows[tf] ?? 0);
    }
  });
  return result;
}

/**
 * Resamples `fresh` candles (just copied into a range where nothing was stored) to every higher timeframe in TS and
 * stores each level's buckets strictly between its first and last one — those hold only these candles. The two end
 * buckets of each level are left to the SQL rollup.
 * @returns rows written per higher timeframe.
 */
async function storeInteriorBuckets(
  q: Sql,
  symbol: string,
  tf: Timeframe,
  fresh: readonly Candle[],
): Promise<Partial<Record<Timeframe, number>>> {
  const written: Partial<Record<Timeframe, number>> = {};
  let src = tf;
  let lower: readonly (Candle & { complete?: boolean })[] = fresh;
  for (const dst of higherTimeframes(tf)) {
    const level = resampleCandles(lower, src, dst);
    const inside = level.slice(1, -1);
    written[dst] = 0;
    if (inside.length > 0) {
      const w = await storeRows(q, symbol, dst, inside, true);
      written[dst] = w.inserted + w.updated;
    }
    lower = level;
    src = dst;
  }
  return written;
}

/**
 * Stores candles (see {@link ingestCandles}, higher timeframes included) and returns how many rows were new.
 * @param timeframe a `TIMEFRAMES` code.
 * @throws like {@link ingestCandles}.
 */
export async function importCandles(
  sql: Sql,
  symbol: string,
  timeframe: string,
  candles: readonly Candle[],
): Promise<number> {
  return (await ingestCandles(sql, symbol, timeframe as Timeframe, candles)).inserted;
}

// ---------------------------------------------------------------------------------------------------------------
// Rollups

/** A half-open time range [from, to) in ms UTC. */
type Span = [number, number];

function mergeSpans(spans: Span[]): Span[] {
  const s = [...spans].sort((a, b) => a[0] - b[0]);
  const out: Span[] = [];
  for (const sp of s) {
    const prev = out[out.length - 1];
    if (prev && sp[0] <= prev[1]) prev[1] = Math.max(prev[1], sp[1]);
    else out.push([sp[0], sp[1]]);
  }
  return out;
}

/**
 * Recomputes the `$2` buckets (length `$6`) of `$1` whose `$3` source rows (length `$7`) open in [`$4`, `$5`),
 * upserting only changed rows. A bucket is complete when it is not the last one of the range, when source rows follow
 * the range, or when its own rows are all complete and reach its end.
 */
const ROLLUP_SQL = `
WITH agg AS (
  SELECT date_bin($6::interval, open_time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS b,
         (array_agg(open ORDER BY open_time))[1] AS open, max(high) AS high, min(low) AS low,
         (array_agg(close ORDER BY open_time DESC))[1] AS close, sum(volume) AS volume,
         max(open_time) AS last_time, bool_and(complete) AS all_complete
    FROM candles
   WHERE symbol = $1 AND timeframe = $3 AND open_time >= $4 AND open_time < $5
   GROUP BY 1
), up AS (
  INSERT INTO candles (symbol, timeframe, open_time, open, high, low, close, volume, complete)
  SELECT $1, $2, b, open, high, low, close, volume,
         b < max(b) OVER ()
         OR EXISTS (SELECT 1 FROM candles WHERE symbol = $1 AND timeframe = $3 AND open_time >= $5)
         OR (all_complete AND last_time + $7::interval >= b + $6::interval)
    FROM agg
  ON CONFLICT (symbol, timeframe, open_time) DO UPDATE
     SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
         volume = EXCLUDED.volume, complete = EXCLUDED.complete
   WHERE (candles.open, candles.high, candles.low, candles.close, candles.volume, candles.complete)
         IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume,
                           EXCLUDED.complete)
  RETURNING 1
)
SELECT count(*) AS n FROM up`;

/**
 * Recomputes the `dst` buckets covering source-time `spans` of timeframe `src` (plus the last stored `dst` bucket
 * before them when it is incomplete, since new data after it completes it).
 * @returns the `dst` spans recomputed and how many `dst` rows were written.
 */
async function rollupLevel(
  q: Sql,
  symbol: string,
  src: Timeframe,
  dst: Timeframe,
  spans: Span[],
): Promise<{ spans: Span[]; rows: number }> {
  const len = TIMEFRAMES[dst];
  let out: Span[] = spans.map(([a, b]) => [bucketStart(a, dst), bucketStart(b - 1, dst) + len]);
  const extra: Span[] = [];
  for (const [a] of mergeSpans(out)) {
    const [prev] = await q.query<{ open_time: Date; complete: boolean }>(
      `SELECT open_time, complete FROM candles WHERE symbol = $1 AND timeframe = $2 AND open_time < $3
        ORDER BY open_time DESC LIMIT 1`,
      [symbol, dst, new Date(a)],
    );
    if (prev && !prev.complete) {
      const t = new Date(prev.open_time).getTime();
      extra.push([t, t + len]);
    }
  }
  out = mergeSpans([...out, ...extra]);
  let rows = 0;
  for (const [a, b] of out) {
    await dropCandleBlocks(q, symbol, dst, a, b);
    const [r] = await q.query<{ n: unknown }>(ROLLUP_SQL, [
      symbol,
      dst,
      src,
      new Date(a),
      new Date(b),
      `${len} milliseconds`,
      `${TIMEFRAMES[src]} milliseconds`,
    ]);
    rows += toInt(r?.n);
  }
  return { spans: out, rows };
}

/**
 * Cascades a change of `tf` rows in `spans` (ms UTC, half-open) up every higher timeframe, in SQL: the buckets of
 * each level covering the spans are recomputed from the level below.
 * @param onLevel called after each timeframe with the rows written.
 * @returns rows written per higher timeframe.
 */
async function rollupFrom(
  q: Sql,
  symbol: string,
  tf: Timeframe,
  spans: Span[],
  onLevel?: (tf: Timeframe, rows: number) => void,
): Promise<Partial<Record<Timeframe, number>>> {
  const written: Partial<Record<Timeframe, number>> = {};
  let src = tf;
  let cur = mergeSpans(spans);
  for (const dst of higherTimeframes(tf)) {
    const r = await rollupLevel(q, symbol, src, dst, cur);
    written[dst] = r.rows;
    onLevel?.(dst, r.rows);
    cur = r.spans;
    src = dst;
  }
  return written;
}

/**
 * (Re)builds every timeframe above `from` for `symbol` from its stored `from` candles (the whole stored range), in
 * one transaction. Buckets of higher timeframes outside that range are left as they are.
 * @param onLevel called after each timeframe with the rows written.
 * @returns rows written (inserted or changed) per higher timeframe; empty when no `from` candles are stored.
 */
export async function resampleStored(
  sql: Sql,
  symbol: string,
  from: Timeframe,
  onLevel?: (tf: Timeframe, rows: number) => void,
): Promise<Partial<Record<Timeframe, number>>> {
  const [r] = await sql.query<{ lo: unknown; hi: unknown }>(
    'SELECT min(open_time) AS lo, max(open_time) AS hi FROM candles WHERE symbol = $1 AND timeframe = $2',
    [symbol, from],
  );
  if (r?.lo === null || r?.lo === undefined) return {};
  const lo = new Date(r.lo as string | Date).getTime();
  const hi = new Date(r.hi as string | Date).getTime();
  await ensureCandlePartitions(sql, bucketStart(lo, '1w'), hi);
  return sql.tx(async (q) => {
    await lockCandleSymbol(q, symbol);
    return rollupFrom(q, symbol, from, [[lo, hi + 1]], onLevel);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** A stored candle with its completeness flag. */
export interface StoredCandle extends Candle {
  complete: boolean;
}

/** Which stored candles to read: ms UTC, `from` inclusive, `to` exclusive, open ends allowed. */
export interface StoredRange {
  symbol: string;
  timeframe: Timeframe;
  from?: number;
  to?: number;
}

/**
 * The conditions (` AND open_time ...`) selecting `range`'s times after `after` (exclusive; ms UTC), their values
 * (Dates) appended to `params`; the caller's `$1`/`$2` are the symbol and the timeframe. Returns '' for an open
 * range. Throws nothing.
 */
export function rangeWhere(range: StoredRange, after: number | undefined, params: unknown[]): string {
  let where = '';
  const lower = after === undefined ? range.from : Math.max(after + 1, range.from ?? after + 1);
  if (lower !== undefined) {
    params.push(new Date(lower));
    where += ` AND open_time >= $${params.length}`;
  }
  if (range.to !== undefined) {
    params.push(new Date(range.to));
    where += ` AND open_time < $${params.length}`;
  }
  return where;
}

/**
 * Reads up to `limit` stored candles of `range` with open time after `after` (exclusive; ms UTC), ascending — one
 * page of a keyset scan. Prices and volume come back as the exact decimal text stored.
 */
export async function readCandlePage(
  sql: Sql,
  range: StoredRange,
  after: number | undefined,
  limit: number,
): Promise<StoredCandle[]> {
  const params: unknown[] = [range.symbol, range.timeframe, limit];
  const where = rangeWhere(range, after, params);
  const rows = await sql.query<Record<string, unknown>>(
    `SELECT (extract(epoch FROM open_time) * 1000)::int8 AS t, open::text AS open, high::text AS high,
            low::text AS low, close::text AS close, volume::text AS volume, complete
       FROM candles
      WHERE symbol = $1 AND timeframe = $2${where}
      ORDER BY open_time LIMIT $3`,
    params,
  );
  return rows.map((r) => ({
    time: toInt(r.t),
    open: r.open as string,
    high: r.high as string,
    low: r.low as string,
    close: r.close as string,
    volume: r.volume as string,
    complete: r.complete as boolean,
  }));
}

/**
 * Streams the stored candles of `range` in ascending pages of `batchSize` (default 10,000).
 * @yields non-empty arrays of {@link StoredCandle}.
 */
export async function* streamStoredCandles(
  sql: Sql,
  range: StoredRange,
  batchSize = 10_000,
): AsyncGenerator<StoredCandle[]> {
  let after: number | undefined;
  for (;;) {
    const page = await readCandlePage(sql, range, after, batchSize);
    if (page.length === 0) return;
    yield page;
    if (page.length < batchSize) return;
    after = page[page.length - 1]!.time;
  }
}

/** Open times (ms UTC, ascending) of the stored candles of `range`, read in keyset pages of 50,000 times. */
export async function storedTimes(sql: Sql, range: StoredRange): Promise<number[]> {
  const limit = 50_000;
  const out: number[] = [];
  for (;;) {
    const params: unknown[] = [range.symbol, range.timeframe, limit];
    const where = rangeWhere(range, out.length > 0 ? out[out.length - 1] : undefined, params);
    const rows = await sql.query<{ t: unknown }>(
      `SELECT (extract(epoch FROM open_time) * 1000)::int8 AS t FROM candles
        WHERE symbol = $1 AND timeframe = $2${where} ORDER BY open_time LIMIT $3`,
      params,
    );
    for (const r of rows) out.push(toInt(r.t));
    if (rows.length < limit) return out;
  }
}

/** How many candles of `range` are stored. */
export async function countStoredCandles(sql: Sql, range: StoredRange): Promise<number> {
  const params: unknown[] = [range.symbol, range.timeframe];
  const [r] = await sql.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM candles WHERE symbol = $1 AND timeframe = $2${rangeWhere(range, undefined, params)}`,
    params,
  );
  return toInt(r?.n ?? 0);
}
