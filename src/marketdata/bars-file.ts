/**
 * A candle file straight to a {@link BarSeries}: read in chunks and parsed into columns by the columnar importer
 * (`CsvColumnParser`), with no candle objects or strings per field, for `testudo backtest --data`. Equal bit for bit
 * to `barsFromCandles` over `FileDataSource`'s candles of the same range; when the fast path does not apply (JSON, a
 * value it does not read exactly, rows out of order, bad data) it answers undefined and the caller takes the
 * general path, which reports any problem with its code and line.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { barsFromColumns } from '../core/backtest/series.ts';
import type { BarSeries } from '../core/backtest/types.ts';
import { CsvColumnParser, timeLowerBound, type CandleColumns } from '../core/marketdata/importers-fast.ts';

/** Bytes per read. */
const CHUNK = 1 << 22;

/**
 * Reads `path` into columns (ascending), with the rows that were out of the file's time order (as the general
 * importer reports them), or undefined when the fast path gives up. `opts.chunkBytes`: bytes per read (default
 * 4 MiB; the buffer grows when one line is longer).
 * @throws the `fs` error (ENOENT, EISDIR, ...) when the file cannot be read; a zlib error for bad gzip.
 */
export function readCandleColumns(
  path: string,
  opts: { chunkBytes?: number } = {},
): { columns: CandleColumns; outOfOrder: CsvColumnParser['outOfOrder'] } | undefined {
  const chunk = opts.chunkBytes ?? CHUNK;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunk, size + 1)));
    let have = readSync(fd, buf, 0, buf.length, null);
    const gz = path.toLowerCase().endsWith('.gz') || (have >= 2 && buf[0] === 0x1f && buf[1] === 0x8b);
    if (gz) {
      // compressed files are small next to what they hold: inflate whole
      const parts = [buf.subarray(0, have)];
      for (let k = have; k > 0;) {
        const more = Buffer.allocUnsafe(chunk);
        k = readSync(fd, more, 0, chunk, null);
        if (k > 0) parts.push(more.subarray(0, k));
      }
      const bytes = gunzipSync(Buffer.concat(parts));
      const p = new CsvColumnParser({ expectedRows: estimateRows(bytes, bytes.length) });
      p.push(bytes, 0, bytes.length, true);
      return result(p);
    }
    const parser = new CsvColumnParser({ expectedRows: estimateRows(buf.subarray(0, have), size) });
    for (;;) {
      const atEnd = have < buf.length && readMore() === 0;
      const used = parser.push(buf, 0, have, atEnd);
      if (!parser.ok || atEnd) break;
      // keep the incomplete line at the front; grow the buffer when one line fills it
      const rest = have - used;
      if (rest === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      } else buf.copy(buf, 0, used, have);
      have = rest;
      readMore();
    }
    return result(parser);

    /** Fills the buffer from `have` on; returns the bytes read (0 at the end of the file). */
    function readMore(): number {
      let total = 0;
      while (have < buf.length) {
        const k = readSync(fd, buf, have, buf.length - have, null);
        if (k === 0) break;
        have += k;
        total += k;
      }
      return total;
    }
  } finally {
    closeSync(fd);
  }
}

function result(p: CsvColumnParser): ReturnType<typeof readCandleColumns> {
  const columns = p.finish();
  return columns && { columns, outOfOrder: p.outOfOrder };
}

/** Rows a file of `size` bytes likely holds, from the lines in its first bytes (slightly over, to avoid growing). */
function estimateRows(head: Uint8Array, size: number): number {
  let lines = 0;
  for (let i = head.indexOf(10); i >= 0; i = head.indexOf(10, i + 1)) lines++;
  if (lines === 0) return 1024;
  return Math.ceil((size / head.length) * lines * 1.02) + 64;
}

/**
 * The bars of `path` within `[from, to)` (ms UTC; open ends allowed) and the file's rows out of time order (sorted
 * into place; null when none), or undefined when the fast path does not apply (see the module comment) or the
 * range is empty.
 * @param opts.tickSize tick size as decimal text (default: inferred as `barsFromCandles` does).
 * @throws the `fs` error when the file cannot be read; a zlib error for bad gzip.
 */
export function readBarsFile(
  path: string,
  range: { from?: number; to?: number } = {},
  opts: { tickSize?: string } = {},
): { bars: BarSeries; outOfOrder: CsvColumnParser['outOfOrder'] } | undefined {
  const read = readCandleColumns(path);
  if (!read) return undefined;
  const cols = read.columns;
  const start = range.from === undefined ? 0 : timeLowerBound(cols.time, range.from);
  const end = range.to === undefined ? cols.length : timeLowerBound(cols.time, range.to);
  const bars = barsFromColumns(cols, start, end, { ...opts, reuse: true });
  return bars && { bars, outOfOrder: read.outOfOrder };
}
