/**
 * Reads a candle file from disk (gunzipping `*.gz` transparently) and parses it with the pure importers: whole
 * ({@link loadCandleFile}) or in batches as it is read ({@link streamCandleFile}, for large imports).
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import type { Candle } from '../core/marketdata/candle.ts';
import {
  CandleFormatError,
  CandleStreamParser,
  parseCandles,
  type CandleFormat,
  type ParsedCandles,
} from '../core/marketdata/importers.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Loads and parses a candle file.
 *
 * @param path file path; a name ending in `.gz` (any case) or content starting with gzip's magic bytes is gunzipped
 *   before decoding as UTF-8.
 * @param format the file format; detected from the content when omitted.
 * @returns `{ format, candles }` with candles sorted ascending by open time (ms UTC), prices/volume as decimal text.
 * @throws the `fs` error (e.g. ENOENT) when the file cannot be read, a zlib error when a `.gz` file is not valid gzip,
 *   and {@link CandleFormatError} (same `code`/`line`, message prefixed with `path`) when the content is rejected.
 */
export async function loadCandleFile(path: string, format?: CandleFormat): Promise<ParsedCandles> {
  let bytes = await readFile(path);
  if (path.toLowerCase().endsWith('.gz') || (bytes[0] === 0x1f && bytes[1] === 0x8b)) bytes = await gunzipAsync(bytes);
  const text = bytes.toString('utf8');
  try {
    return parseCandles(text, format ? { format } : {});
  } catch (e) {
    if (e instanceof CandleFormatError) {
      throw new CandleFormatError(e.code, e.line, e.detail, { unit: e.unit, file: path });
    }
    throw e;
  }
}

/** One batch of {@link streamCandleFile}: candles ascending by time, and how far into the file the reading is. */
export interface CandleBatch {
  /** Strictly ascending by open time (a batch of a newest-first file is reversed). */
  candles: Candle[];
  /** Bytes of the file read so far (compressed bytes for `.gz`). */
  bytesRead: number;
  /** Size of the file in bytes. */
  totalBytes: number;
}

/** Options of {@link streamCandleFile}. */
export interface StreamOptions {
  /** Rows per batch (at least; a batch ends at a read chunk's end). Default 8,192. */
  batchRows?: number;
  /** Bytes per read. Default 256 KiB. */
  chunkBytes?: number;
}

/** Whether the file starts with gzip's magic bytes 1f 8b (a spooled upload has no `.gz` name to tell). */
async function startsWithGzipMagic(path: string): Promise<boolean> {
  const fh = await open(path);
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Reads and parses a candle file in chunks, yielding batches of candles as they are parsed: the file is never held
 * whole (a JSON array is the exception: its text is collected, see {@link CandleStreamParser}).
 *
 * @param path file path; gunzipped as it is read when it ends in `.gz` (any case) or starts with gzip's magic bytes.
 * @param parser the parser to feed (its `format`, `rows`, `range` and `outOfOrder` describe the file afterwards).
 * @yields batches in FILE order of batches, each sorted ascending; a newest-first file yields its newest batch
 *   first. Batches of a file in time order do not overlap in time.
 * @throws the `fs` error (ENOENT, ...) when the file cannot be read, a zlib error for bad gzip, and
 *   {@link CandleFormatError} (message prefixed with `path`) when the content is rejected.
 */
export async function* streamCandleFile(
  path: string,
  parser: CandleStreamParser,
  opts: StreamOptions = {},
): AsyncGenerator<CandleBatch> {
  const batchRows = opts.batchRows ?? 8192;
  const totalBytes = (await stat(path)).size;
  const gzipped = path.toLowerCase().endsWith('.gz') || (await startsWithGzipMagic(path));
  const file = createReadStream(path, { highWaterMark: opts.chunkBytes ?? 256 * 1024 });
  const source = gzipped ? file.pipe(createGunzip()) : file;
  file.on('error', (e) => source.destroy(e)); // an unreadable file fails the gunzip stream too
  const decoder = new TextDecoder('utf-8');
  let pending: Candle[] = [];
  const batch = (): CandleBatch => {
    const candles = pending;
    pending = [];
    // file order → ascending: newest-first files reverse, rows out of order get sorted
    candles.sort((a, b) => a.time - b.time);
    return { candles, bytesRead: file.bytesRead, totalBytes };
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const rows = parser.push(decoder.decode(chunk, { stream: true }));
      for (const c of rows) pending.push(c);
      if (pending.length >= batchRows) yield batch();
    }
    for (const c of parser.push(decoder.decode())) pending.push(c);
    for (const c of parser.end()) pending.push(c);
    if (pending.length > 0) yield batch();
  } catch (e) {
    if (e instanceof CandleFormatError) {
      throw new CandleFormatError(e.code, e.line, e.detail, { unit: e.unit, file: path });
    }
    throw e;
  } finally {
    file.destroy();
  }
}
