/**
 * Reading trades files from disk: gunzips `*.gz` and parses the freqtrade trades format with the pure parser.
 */
import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { constants, gunzip, gunzipSync } from 'node:zlib';
import { isFreqtradeTrades, parseFreqtradeTrades, TradeFormatError, type Trade } from '../core/marketdata/trades.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Reads a file as UTF-8 text, gunzipping it when it is gzip (by its magic bytes, whatever its name).
 * @throws the fs error, or a zlib error for corrupt gzip.
 */
async function readMaybeGzip(path: string): Promise<string> {
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

/** Bytes read from the start of a file to tell its format ({@link isFreqtradeTrades} looks at 400 characters). */
const HEAD_BYTES = 64 * 1024;

/**
 * True when the file (gzipped or not) looks like a freqtrade trades file. Reads only the start of the file (and
 * gunzips only that much), so telling a large candle file's format costs no second full read.
 * @throws the fs error, or a zlib error when the start of gzip data is corrupt.
 */
export async function isTradesFile(path: string): Promise<boolean> {
  const fh = await open(path);
  let head: Buffer;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  // a truncated gzip stream: decompress what is there instead of failing on the missing end
  if (head[0] === 0x1f && head[1] === 0x8b) head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  return isFreqtradeTrades(head.toString('utf8'));
}
