/**
 * Reads a candle file from disk (gunzipping `*.gz` transparently) and parses it with the pure importers.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  CandleFormatError,
  parseCandles,
  type CandleFormat,
  type ParsedCandles,
} from '../core/marketdata/importers.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Loads and parses a candle file.
 *
 * @param path file path; a name ending in `.gz` (any case) is gunzipped before decoding as UTF-8.
 * @param format the file format; detected from the content when omitted.
 * @returns `{ format, candles }` with candles sorted ascending by open time (ms UTC), prices/volume as decimal text.
 * @throws the `fs` error (e.g. ENOENT) when the file cannot be read, a zlib error when a `.gz` file is not valid gzip,
 *   and {@link CandleFormatError} (same `code`/`line`, message prefixed with `path`) when the content is rejected.
 */
export async function loadCandleFile(path: string, format?: CandleFormat): Promise<ParsedCandles> {
  let bytes = await readFile(path);
  if (path.toLowerCase().endsWith('.gz')) bytes = await gunzipAsync(bytes);
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
