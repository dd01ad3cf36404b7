/**
 * The columnar fast path of the CSV candle importers: the bytes of a CSV-like candle file (`csv`, `yahoo`,
 * `cryptodatadownload`; see importers.ts) in, columns of numbers out, without a {@link Candle} object or a string per
 * field. Used by `testudo backtest --data` on large files.
 *
 * It accepts only what it can read exactly and identically to {@link parseCandles} followed by `barsFromCandles`:
 * prices and volumes as plain decimal digits (`\d+(\.\d+)?`, at most 15 significant digits), times the importer's
 * `parseTimeText` reads, rows strictly ascending or strictly descending in time, no quoted fields, ASCII only. Each
 * price is kept exactly as an integer mantissa and its significant decimal places (`"2505.50"` → 25055 and 1), so
 * tick math stays integer and the float is `mantissa / 10^places`, which is the correctly rounded value of the text,
 * i.e. `Number(text)` bit for bit.
 *
 * Anything else — a malformed or out-of-range value, a row out of order, a duplicate time, high below low, a quoted
 * field, JSON — makes the parser give up (`ok` false) without an error: the caller then parses the file with the
 * general importer, which reports the problem with its code and line number. Pure: no I/O.
 */
import { csvLayout, parseTimeText, type CandleFormat, type CsvLayout } from './importers.ts';

/** One price column: the exact value of row i is `mant[i] / 10^places[i]` (mant a whole number below 2^53). */
export interface PriceColumn {
  mant: Float64Array;
  places: Uint8Array;
}

/** What {@link CsvColumnParser} produced: `length` rows ascending by time (a newest-first file is reversed). */
export interface CandleColumns {
  length: number;
  /** Open times, ms UTC, strictly ascending. */
  time: Float64Array;
  open: PriceColumn;
  high: PriceColumn;
  low: PriceColumn;
  close: PriceColumn;
  /** Volume as `Number(text)` (0 when the file has none). */
  volume: Float64Array;
}

/** First index of ascending `time` whose value is ≥ `t` (binary search; `time.length` when none). */
export function timeLowerBound(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** 10^k for k = 0..22, each exact in a float64. */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A mantissa at most this takes one more digit and stays below 10^15: at most 15 significant digits, so every
 * mantissa is exact in a float64 and two different decimals never become the same float (nor swap order).
 */
const MANT_LIMIT = 99_999_999_999_999;

const NL = 10;
const CR = 13;
const COMMA = 44;
const DOT = 46;
const QUOTE = 34;
const ZERO = 48;
const NINE = 57;

const priceColumn = (n: number): PriceColumn => ({ mant: new Float64Array(n), places: new Uint8Array(n) });

function growPrice(c: PriceColumn, n: number): PriceColumn {
  const g = priceColumn(n);
  g.mant.set(c.mant);
  g.places.set(c.places);
  return g;
}

function growFloat(a: Float64Array, n: number): Float64Array {
  const g = new Float64Array(n);
  g.set(a);
  return g;
}

/** What a field of a row holds, by column index. */
const SKIP = 0;
const TIME = 1;
const OPEN = 2;
const HIGH = 3;
const LOW = 4;
const CLOSE = 5;
const VOLUME = 6;

/** Result of reading one line: the next line's offset, or one of these. */
const GIVE_UP = -1;
const INCOMPLETE = -2;

/**
 * Parses a CSV-like candle file fed in pieces of bytes into {@link CandleColumns}, in one pass over the bytes.
 * Feed with {@link push} (each call returns how many bytes it consumed: the complete lines; pass the rest again at
 * the front of the next piece), then {@link finish}. Once `ok` is false the parser has given up and ignores input.
 */
export class CsvColumnParser {
  /** False once the parser has met something it does not read exactly like the general importer. */
  ok = true;
  /**
   * Rows that broke the file's time order (they are sorted into place by {@link finish}), as the general importer
   * reports them: count and 1-based line of the first; null when the file is in order.
   */
  outOfOrder: { rows: number; firstLine: number } | null = null;
  private layout: CsvLayout | undefined;
  private kinds = new Uint8Array(0);
  /** Physical lines consumed so far. */
  private lineNo = 0;
  private rows = 0;
  private cap: number;
  private time: Float64Array;
  private open: PriceColumn;
  private high: PriceColumn;
  private low: PriceColumn;
  private close: PriceColumn;
  private volume: Float64Array;
  /** 1 ascending, -1 descending, 0 not known yet (the first two rows decide, as in the general importer). */
  private direction = 0;
  // the last number read (no allocation per field)
  private mant = 0;
  private places = 0;
  private num = 0;
  /** The last number read had more than 15 significant digits (`mant`/`places` unusable, `num` NaN). */
  private big = false;

  /**
   * @param opts.format the file's format when known (else detected from the first two non-blank lines).
   * @param opts.expectedRows a guess of the row count, to size the columns (they grow when it is exceeded).
   * @param opts.msTimes every time is whole milliseconds since the epoch, whatever its digit count (text the
   *   candle store wrote, not a file: a file's 10-digit epoch is seconds).
   */
  constructor(private readonly opts: { format?: CandleFormat; expectedRows?: number; msTimes?: boolean } = {}) {
    this.cap = Math.max(16, Math.ceil(opts.expectedRows ?? 1024));
    this.time = new Float64Array(this.cap);
    this.open = priceColumn(this.cap);
    this.high = priceColumn(this.cap);
    this.low = priceColumn(this.cap);
    this.close = priceColumn(this.cap);
    this.volume = new Float64Array(this.cap);
  }

  /**
   * Parses the complete lines of `buf[start, end)` (all of it when `last`: the end of the file).
   * @returns the offset after the last line consumed; bytes from there on are an incomplete line to feed again.
   */
  push(buf: Uint8Array, start: number, end: number, last = false): number {
    if (!this.ok) return end;
    let pos = start;
    if (this.layout === undefined) {
      pos = this.header(buf, start, end, last);
      if (this.layout === undefined) return this.ok ? start : end;
    }
    while (pos < end) {
      const next = this.line(buf, pos, end, last);
      if (next === INCOMPLETE) return pos;
      if (next === GIVE_UP) return this.giveUp(end);
      this.lineNo++;
      pos = next;
    }
    return end;
  }

  /**
   * End of the file: the columns ascending by time (a newest-first file reversed, rows out of order sorted into
   * place), or undefined when the parser gave up, two rows share a time, or the file has no data row (the general
   * importer then tells why).
   */
  finish(): CandleColumns | undefined {
    if (!this.ok || this.layout === undefined || this.rows === 0) return undefined;
    const n = this.rows;
    const cut = (c: PriceColumn): PriceColumn => ({ mant: c.mant.subarray(0, n), places: c.places.subarray(0, n) });
    const cols: CandleColumns = {
      length: n,
      time: this.time.subarray(0, n),
      open: cut(this.open),
      high: cut(this.high),
      low: cut(this.low),
      close: cut(this.close),
      volume: this.volume.subarray(0, n),
    };
    const prices = [cols.open, cols.high, cols.low, cols.close];
    if (this.outOfOrder) {
      const time = cols.time;
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => time[a]! - time[b]!);
      for (let i = 1; i < n; i++) if (time[order[i]!] === time[order[i - 1]!]) return undefined; // a duplicate
      const permute = <T extends Float64Array | Uint8Array>(a: T): void => {
        const copy = a.slice();
        for (let i = 0; i < n; i++) a[i] = copy[order[i]!]!;
      };
      permute(cols.time);
      permute(cols.volume);
      for (const c of prices) {
        permute(c.mant);
        permute(c.places);
      }
    } else if (this.direction < 0) {
      cols.time.reverse();
      cols.volume.reverse();
      for (const c of prices) {
        c.mant.reverse();
        c.places.reverse();
      }
    }
    return cols;
  }

  /** Reads the first two non-blank lines for the layout; returns where the data rows start. */
  private header(buf: Uint8Array, start: number, end: number, last: boolean): number {
    const lines: { text: string; next: number; no: number }[] = [];
    let pos = start;
    let no = 0;
    if (pos === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3; // BOM
    while (lines.length < 2 && pos < end) {
      let nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= end) {
        if (!last) return start; // wait for more bytes
        nl = end;
      }
      no++;
      let e = nl;
      if (e > pos && buf[e - 1] === CR) e--;
      const text = ascii(buf, pos, e);
      if (text === undefined) return this.giveUp(end);
      if (text.trim() !== '') lines.push({ text, next: nl + 1, no });
      pos = nl + 1;
    }
    if (lines.length < 2 && !last) return start; // wait for more bytes
    if (lines.length === 0) return this.giveUp(end);
    const layout = csvLayout(lines[0]!.text, lines[1]?.text, this.opts.format);
    if (!layout) return this.giveUp(end);
    this.layout = layout;
    const kinds = new Uint8Array(layout.fields);
    kinds[layout.time] = TIME;
    kinds[layout.open] = OPEN;
    kinds[layout.high] = HIGH;
    kinds[layout.low] = LOW;
    kinds[layout.close] = CLOSE;
    if (layout.volume >= 0) kinds[layout.volume] = VOLUME;
    this.kinds = kinds;
    const header = lines[layout.headerLine]!;
    this.lineNo = header.no;
    return header.next;
  }

  private giveUp(end: number): number {
    this.ok = false;
    return end;
  }

  private grow(): void {
    const cap = Math.ceil(this.cap * 1.5) + 16;
    this.time = growFloat(this.time, cap);
    this.volume = growFloat(this.volume, cap);
    this.open = growPrice(this.open, cap);
    this.high = growPrice(this.high, cap);
    this.low = growPrice(this.low, cap);
    this.close = growPrice(this.close, cap);
    this.cap = cap;
  }

  /**
   * Reads the line starting at `pos` (a data row, or a blank line, which is skipped).
   * @returns the offset of the next line, GIVE_UP when the row is not read exactly here, or INCOMPLETE when the
   *   line runs past `end` and more bytes are to come.
   */
  private line(buf: Uint8Array, pos: number, end: number, last: boolean): number {
    const first = buf[pos];
    if (first === NL) return pos + 1; // blank line
    if (first === CR) {
      if (pos + 1 === end) return last ? end : INCOMPLETE; // a blank line, or more to come
      if (buf[pos + 1] === NL) return pos + 2;
    }
    const r = this.rows;
    if (r === this.cap) this.grow();
    const kinds = this.kinds;
    const nf = kinds.length;
    let i = pos;
    let field = 0;
    let time = NaN;
    let vol = 0;
    // the row's prices as floats, for the importer's checks (see value() for why floats compare exactly here)
    let o = 0;
    let h = 0;
    let l = 0;
    let c = 0;
    let next: number;
    for (;;) {
      if (field >= nf) return GIVE_UP;
      const k = kinds[field]!;
      if (k === SKIP) {
        for (; i < end; i++) {
          const ch = buf[i]!;
          if (ch === COMMA || ch === NL || ch === CR) break;
          if (ch === QUOTE) return GIVE_UP;
        }
      } else if (k === TIME) {
        const a = i;
        let v = 0;
        let ch = 0;
        for (; i < end && (ch = buf[i]!) >= ZERO && ch <= NINE; i++) v = v * 10 + (ch - ZERO);
        const digits = i - a;
        const ms = this.opts.msTimes === true;
        if (
          digits > 0 &&
          digits <= 15 &&
          (digits !== 8 || ms) &&
          (i === end || ch === COMMA || ch === NL || ch === CR)
        ) {
          time = digits <= 10 && !ms ? v * 1000 : v; // epoch seconds or ms, as parseTimeText reads them
        } else {
          // dates and the rest (8 digits may be YYYYMMDD): the importer's own parser decides
          for (; i < end; i++) {
            const c = buf[i]!;
            if (c === COMMA || c === NL || c === CR) break;
          }
          if (i === end && !last) return INCOMPLETE;
          if (this.opts.msTimes) return GIVE_UP;
          const text = i - a <= 64 ? ascii(buf, a, i) : undefined;
          const t = text === undefined ? undefined : parseTimeText(text);
          if (t === undefined) return GIVE_UP;
          time = t;
        }
      } else {
        i = this.readNumber(buf, i, end);
        if (i === INCOMPLETE) return last ? GIVE_UP : INCOMPLETE;
        if (i < 0) return GIVE_UP;
        if (k === VOLUME) {
          // a long volume (not money: a float) is read as the importer's Number(text) reads it
          vol = this.big ? Number(ascii(buf, pos, i)?.split(',')[field]) : this.num;
          if (!Number.isFinite(vol)) vol = 0; // as barsFromCandles does
        } else {
          if (this.big || this.mant === 0) return GIVE_UP; // too long, or a zero price the importer refuses
          let col: PriceColumn;
          if (k === OPEN) {
            col = this.open;
            o = this.num;
          } else if (k === HIGH) {
            col = this.high;
            h = this.num;
          } else if (k === LOW) {
            col = this.low;
            l = this.num;
          } else {
            col = this.close;
            c = this.num;
          }
          col.mant[r] = this.mant;
          col.places[r] = this.places;
        }
      }
      if (i >= end) {
        if (!last) return INCOMPLETE;
        next = end;
        break;
      }
      const ch = buf[i]!;
      if (ch === COMMA) {
        i++;
        field++;
        continue;
      }
      if (ch === NL) {
        next = i + 1;
        break;
      }
      if (ch === CR) {
        if (i + 1 < end && buf[i + 1] === NL) next = i + 2;
        else if (i + 1 === end && !last) return INCOMPLETE;
        else if (i + 1 === end) next = end;
        else return GIVE_UP; // a CR inside a line
        break;
      }
      return GIVE_UP;
    }
    if (field + 1 !== nf) return GIVE_UP;
    // the importer's checks, on the exact values
    if (h < l || h < o || h < c || l > o || l > c) return GIVE_UP;
    if (r > 0) {
      const prev = this.time[r - 1]!;
      if (time === prev) return GIVE_UP; // a duplicate: the importer names both lines
      const dir = time > prev ? 1 : -1;
      if (this.direction === 0) this.direction = dir;
      else if (dir !== this.direction) {
        this.outOfOrder ??= { rows: 0, firstLine: this.lineNo + 1 };
        this.outOfOrder.rows++;
      }
    }
    this.time[r] = time;
    this.volume[r] = vol;
    this.rows = r + 1;
    return next;
  }

  /**
   * Reads plain decimal digits `\d+(\.\d+)?` at i into `mant`/`places` (significant places: trailing zeros dropped)
   * and `num` (the float `mant / 10^places`: correctly rounded, and as rounding is monotonic and two different
   * decimals of at most 15 significant digits never round to the same float, floats compare as the decimals do);
   * returns the offset after them, or GIVE_UP when there are none or a dot has no digit after
   * it, INCOMPLETE when that happens at `b` (the bytes may go on in the next piece).
   * More than 15 significant digits (or 22 places) set `big`.
   */
  private readNumber(buf: Uint8Array, i: number, b: number): number {
    let m = 0;
    let c = 0;
    let big = false;
    const start = i;
    while (i < b && (c = buf[i]!) >= ZERO && c <= NINE) {
      if (m > MANT_LIMIT) big = true;
      m = m * 10 + (c - ZERO);
      i++;
    }
    if (i === start) return i === b ? INCOMPLETE : GIVE_UP;
    let places = 0;
    if (i < b && c === DOT) {
      i++;
      const fs = i;
      let zeros = 0; // trailing zeros not yet appended
      while (i < b && (c = buf[i]!) >= ZERO && c <= NINE) {
        if (c === ZERO) zeros++;
        else {
          for (; zeros > 0; zeros--) {
            if (m > MANT_LIMIT) big = true;
            m *= 10;
            places++;
          }
          if (m > MANT_LIMIT) big = true;
          m = m * 10 + (c - ZERO);
          places++;
        }
        i++;
      }
      if (i === fs) return i === b ? INCOMPLETE : GIVE_UP;
    }
    this.big = big || places > 22;
    this.mant = m;
    this.places = places;
    this.num = this.big ? NaN : m / POW10[places]!;
    return i;
  }
}

/** `buf[a, b)` as text when it is all ASCII; undefined otherwise. */
function ascii(buf: Uint8Array, a: number, b: number): string | undefined {
  let s = '';
  for (let i = a; i < b; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}
