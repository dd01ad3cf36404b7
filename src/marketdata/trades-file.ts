/**
 * Reading trades files from disk: gunzips `*.gz` and parses the freqtrade trades format with the pure parser.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { isFreqtradeTrades, parseFreqtradeTrades, TradeFormatError, type Trade } from '../core/marketdata/trades.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Reads a file as UTF-8 text, gunzipping it when it is gzip (by its magic bytes, whatever its name).
 * @throws the fs error, or a zlib error for corrupt gzip.
 */
export async function readMaybeGzip(path: string): Promise<string> {
  let bytes = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzipAsync(bytes);
  return bytes.toString('utf8');
}

/**
 * Loads a freqtrade trades file (`[[timestamp_ms, id, order_id, side, price, amount, cost], ...]`, gzipped or not).
 * @returns the trades in file order (ascending by time).
 * @throws the fs/zlib error, or TradeFormatError (message prefixed with the path) when the content is rejected.
 */
export async function loadTradesFile(path: string): Promise<Trade[]> {
  const text = await readMaybeGzip(path);
  try {
    return parseFreqtradeTrades(text);
  } catch (e) {
    if (e instanceof TradeFormatError) throw new TradeFormatError(e.code, e.element, e.detail, path);
    throw e;
  }
}

/** True when the file (gzipped or not) looks like a freqtrade trades file. @throws the fs/zlib error. */
export async function isTradesFile(path: string): Promise<boolean> {
  return isFreqtradeTrades(await readMaybeGzip(path));
}
