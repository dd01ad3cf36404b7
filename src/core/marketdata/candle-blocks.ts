/**
 * Candle blocks: a compact binary encoding of a run of candles as columns, for the candle store's column cache
 * (`candle_blocks`, see src/db/candle-blocks.ts). A block holds the complete candles of one series whose open time
 * falls in one fixed span of {@link BLOCK_BARS} bars of its timeframe; a backtest over a million stored bars then
 * reads about 120 small values instead of a million rows.
 *
 * Invariants:
 * - Lossless: decoding gives back the {@link CandleColumns} values bit for bit (times, price mantissas and decimal
 *   places, volume floats). What cannot be encoded exactly makes {@link encodeCandleBlock} answer undefined, and the
 *   caller reads the rows instead.
 * - Pure: no I/O; whole numbers only up to 2^53 (no BigInt in the loop).
 *
 * Layout (version 1), every integer a LEB128 varint, signed ones zigzag-coded:
 * `version n P`, then the decimal places of the four price columns (4·n bytes: open, high, low, close), then the
 * open times as a first value and delta-of-deltas, then each price column as deltas of `mantissa·10^(P − places)`
 * (P the block's most decimal places), then each volume as `k m` (the float is `m / 10^k`, k ≤ 15) or `255` and the
 * eight bytes of the float64.
 */
import { TIMEFRAMES, type Timeframe } from './candle.ts';
import { POW10, type CandleColumns, type PriceColumn } from './importers-fast.ts';

/** Bars of its timeframe that one block spans (the last block of a series may hold fewer, gaps fewer too). */
export const BLOCK_BARS = 8192;

/** The encoding's version byte. */
const VERSION = 1;
/** Volume marker: the float64's eight bytes follow. */
const RAW_FLOAT = 255;
/** Largest |delta| coded: its zigzag code stays a safe integer. */
const MAX_DELTA = 2 ** 52;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Length of one block's time span in ms for `timeframe`: {@link BLOCK_BARS} bars. */
export function blockSpanMs(timeframe: Timeframe): number {
  return BLOCK_BARS * TIMEFRAMES[timeframe];
}

/** The block key of an open time (ms UTC): block k spans `[k·span, (k+1)·span)`. */
export function blockOf(timeMs: number, spanMs: number): number {
  return Math.floor(timeMs / spanMs);
}

/** A growable byte buffer with LEB128 writers. */
class Writer {
  buf: Uint8Array;
  at = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(16, size));
  }
  private room(k: number): void {
    if (this.at + k <= this.buf.length) return;
    const g = new Uint8Array(Math.max(this.buf.length * 2, this.at + k));
    g.set(this.buf.subarray(0, this.at));
    this.buf = g;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }
  /** A whole number 0 ≤ v ≤ 2^53. */
  uint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.at++] = v;
  }
  /** A whole number |v| ≤ 2^52, zigzag-coded. */
  int(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
}

/** A reader over an encoded block. */
class Reader {
  at = 0;
  constructor(readonly buf: Uint8Array) {}
  uint(): number {
    const b = this.buf;
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = b[this.at++];
      if (x === undefined) throw new CandleBlockError('the block ends inside a number');
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new CandleBlockError('a number in the block is too long');
    }
  }
}

/** A stored block that is not a valid encoding (a damaged or foreign value). */
export class CandleBlockError extends Error {
  override readonly name = 'CandleBlockError';
  readonly code = 'bad-candle-block';
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** `k` with `m / 10^k === v` for a whole `m ≤ 2^53` (the fewest decimals), or -1. */
function decimalOf(v: number): { k: number; m: number } | undefined {
  if (!(v >= 0) || !Number.isFinite(v) || Object.is(v, -0)) return undefined; // -0 goes as raw bytes
  for (let k = 0; k <= 15; k++) {
    const m = Math.round(v * POW10[k]!);
    if (m > MAX_SAFE) return undefined;
    if (m / POW10[k]! === v) return { k, m };
  }
  return undefined;
}

/**
 * Encodes rows `[from, to)` of `cols` (ascending open times) as one block.
 * @returns the bytes, or undefined when a value cannot be coded exactly (a scaled price above 2^53, a step between
 *   neighbours above 2^52): such a block is not cached.
 */
export function encodeCandleBlock(cols: CandleColumns, from: number, to: number): Uint8Array | undefined {
  const n = to - from;
  const prices = [cols.open, cols.high, cols.low, cols.close];
  let P = 0;
  for (const c of prices) for (let i = from; i < to; i++) if (c.places[i]! > P) P = c.places[i]!;
  if (P >= POW10.length) return undefined;
  const w = new Writer(n * 20 + 16);
  w.byte(VERSION);
  w.uint(n);
  w.uint(P);
  for (const c of prices) w.bytes(c.places.subarray(from, to));
  // the first time as it is, then each step's change from the step before (0 for a regular series)
  let prevT = 0;
  let prevD = 0;
  for (let i = from; i < to; i++) {
    const t = cols.time[i]!;
    const d = i === from ? 0 : t - prevT;
    const v = i === from ? t : d - prevD;
    if (!Number.isSafeInteger(t) || Math.abs(v) > MAX_DELTA) return undefined;
    w.int(v);
    prevT = t;
    prevD = d;
  }
  for (const c of prices) {
    let prev = 0;
    for (let i = from; i < to; i++) {
      const s = c.mant[i]! * POW10[P - c.places[i]!]!;
      if (!(s <= MAX_SAFE) || Math.abs(s - prev) > MAX_DELTA) return undefined;
      w.int(s - prev);
      prev = s;
    }
  }
  for (let i = from; i < to; i++) {
    const v = cols.volume[i]!;
    const dec = decimalOf(v);
    if (dec) {
      w.byte(dec.k);
      w.uint(dec.m);
    } else {
      w.byte(RAW_FLOAT);
      f64[0] = v;
      w.bytes(f64Bytes);
    }
  }
  return w.buf.slice(0, w.at);
}

/**
 * Rows in an encoded block.
 * @throws CandleBlockError when `bytes` is not a version-1 block.
 */
export function candleBlockRows(bytes: Uint8Array): number {
  if (bytes[0] !== VERSION) throw new CandleBlockError(`unknown candle block version ${bytes[0]}`);
  const r = new Reader(bytes);
  r.at = 1;
  return r.uint();
}

/** Empty columns for `n` rows, to decode blocks into. */
export function emptyCandleColumns(n: number): CandleColumns {
  const price = (): PriceColumn => ({ mant: new Float64Array(n), places: new Uint8Array(n) });
  return {
    length: n,
    time: new Float64Array(n),
    open: price(),
    high: price(),
    low: price(),
    close: price(),
    volume: new Float64Array(n),
  };
}

/**
 * Decodes a block into `out` from row `at` on (out must have room).
 * @returns the rows decoded.
 * @throws CandleBlockError when `bytes` is not a valid version-1 block or `out` has no room for it.
 */
export function decodeCandleBlock(bytes: Uint8Array, out: CandleColumns, at: number): number {
  if (bytes[0] !== VERSION) throw new CandleBlockError(`unknown candle block version ${bytes[0]}`);
  const r = new Reader(bytes);
  r.at = 1;
  const n = r.uint();
  const P = r.uint();
  if (at + n > out.length) throw new CandleBlockError('the block has more rows than its room');
  if (P >= POW10.length || r.at + 4 * n > bytes.length) throw new CandleBlockError('bad candle block header');
  const prices = [out.open, out.high, out.low, out.close];
  let p = r.at;
  for (const c of prices) {
    c.places.set(bytes.subarray(p, p + n), at);
    p += n;
  }
  const end = at + n;
  // times: the first, then changes of the step
  const time = out.time;
  p = readZigzags(bytes, p, n, time, at);
  for (let i = at + 1, t = time[at]!, d = 0; i < end; i++) {
    d += time[i]!;
    t += d;
    time[i] = t;
  }
  // prices: running sums of the scaled mantissas, scaled back to each value's places
  for (const c of prices) {
    const mant = c.mant;
    const places = c.places;
    p = readZigzags(bytes, p, n, mant, at);
    for (let i = at, s = 0; i < end; i++) {
      s += mant[i]!;
      const k = P - places[i]!;
      if (k < 0) throw new CandleBlockError('bad decimal places in a candle block');
      mant[i] = k === 0 ? s : s / POW10[k]!;
    }
  }
  if (p > bytes.length) throw new CandleBlockError('the block ends inside a number');
  r.at = p;
  const volume = out.volume;
  for (let i = at; i < end; i++) {
    const k = bytes[r.at++];
    if (k === RAW_FLOAT) {
      if (r.at + 8 > bytes.length) throw new CandleBlockError('the block ends inside a volume');
      f64Bytes.set(bytes.subarray(r.at, r.at + 8));
      r.at += 8;
      volume[i] = f64[0]!;
    } else if (k !== undefined && k <= 15) volume[i] = r.uint() / POW10[k]!;
    else throw new CandleBlockError('bad volume in a candle block');
  }
  if (r.at !== bytes.length) throw new CandleBlockError('trailing bytes after a candle block');
  return n;
}

/**
 * Decodes `n` zigzag varints from `bytes[p…]` into `dst[at, at + n)`; returns the position after them, or
 * `bytes.length + 1` when the bytes run out or a number is longer than 8 bytes. One tight loop per column: most
 * values are one byte.
 */
function readZigzags(bytes: Uint8Array, p: number, n: number, dst: Float64Array, at: number): number {
  const len = bytes.length;
  for (let i = at, e = at + n; i < e; i++) {
    if (p >= len) return len + 1;
    let x = bytes[p++]!;
    if (x < 0x80) {
      dst[i] = (x >>> 1) ^ -(x & 1); // one byte: the common case
      continue;
    }
    let z = x & 0x7f;
    let mul = 0x80;
    do {
      if (p >= len || mul > 2 ** 49) return len + 1;
      x = bytes[p++]!;
      z += (x & 0x7f) * mul;
      mul *= 0x80;
    } while (x >= 0x80);
    dst[i] = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  return p;
}
