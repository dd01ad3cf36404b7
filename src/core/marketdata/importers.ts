/**
 * Candle file importers: the text of an OHLCV file in, validated {@link Candle}s out.
 *
 * Pure: no I/O, no clock, no floating point on prices or volumes. Numbers are carried as the exact decimal text of
 * the file (an exponent such as `1e-07` is expanded to `0.0000001` by string arithmetic, never through a float).
 * Times are parsed by hand as UTC (days-from-civil arithmetic), so no `Date` is involved.
 *
 * Supported formats ({@link CandleFormat}):
 * - `csv`: generic OHLCV CSV with a header row. The time column is named `time`, `timestamp`, `date`, `datetime`,
 *   `open_time` (any case) or has an empty header (`,Open,High,Low,Close,Volume`, the pandas index). Columns
 *   `open`/`high`/`low`/`close` are required, `volume` is optional ("0" when absent), other columns are ignored.
 * - `yahoo`: `Date,Open,High,Low,Close,Adj Close,Volume`; the raw OHLC are used, `Adj Close` is ignored.
 * - `cryptodatadownload`: an optional banner line (`...CryptoDataDownload.com`), then
 *   `date,symbol,open,high,low,close,volume_btc,volume`, rows usually newest first, dates like `2019-10-17 09-AM`
 *   or `2019-10-17` (UTC). A `unix` column, when present, is preferred for the time. Volume is the first
 *   `volume_*` / `Volume XXX` column (base units).
 * - `json`: a JSON array of `[open_time_ms, open, high, low, close, volume?, ...]` rows; the values may be JSON
 *   numbers or strings; elements beyond the sixth are ignored (Binance kline shape).
 */
import type { Candle } from './candle.ts';

/** The candle file formats {@link parseCandles} understands. */
export type CandleFormat = 'csv' | 'yahoo' | 'cryptodatadownload' | 'json';

/** Every {@link CandleFormat}, in detection order of preference. */
export const CANDLE_FORMATS: readonly CandleFormat[] = ['cryptodatadownload', 'yahoo', 'csv', 'json'];

/**
 * Stable machine-readable reasons a candle file is rejected:
 * - `empty-file`: no text, or a header but no data rows;
 * - `unknown-format`: the format could not be detected;
 * - `bad-json`: the JSON is malformed or an element is not an array;
 * - `missing-column`: the header lacks the time column or one of open/high/low/close;
 * - `wrong-column-count`: a CSV row's field count differs from the header's, or a JSON row has fewer than 5 values;
 * - `bad-number`: a price or volume is not a decimal number;
 * - `bad-time`: a time is not a recognised date/time/epoch or not a valid calendar date;
 * - `non-positive-price`: a price is zero or negative;
 * - `negative-volume`: the volume is negative;
 * - `high-below-low`: high < low;
 * - `high-below-open-close`: high < max(open, close);
 * - `low-above-open-close`: low > min(open, close);
 * - `duplicate-time`: two rows share the same time.
 *
 * Rows out of the file's time order (files run oldest first, or newest first as CryptoDataDownload's do) are not an
 * error — real files have them — but they are never sorted silently: {@link ParsedCandles.outOfOrder} reports them.
 */
export type CandleFormatErrorCode =
  | 'empty-file'
  | 'unknown-format'
  | 'bad-json'
  | 'missing-column'
  | 'wrong-column-count'
  | 'bad-number'
  | 'bad-time'
  | 'non-positive-price'
  | 'negative-volume'
  | 'high-below-low'
  | 'high-below-open-close'
  | 'low-above-open-close'
  | 'duplicate-time';

/**
 * A candle file was rejected. `line` is the 1-based physical line of the offending row for CSV formats; for JSON it
 * is the 1-based index of the offending element of the top-level array (`unit === 'element'`), or 1 for errors
 * about the file as a whole. `detail` is the description without the location; `message` is
 * `"[file: ]line 17: high 99 is below low 100"` (`"element 17: ..."` for JSON).
 */
export class CandleFormatError extends Error {
  override readonly name = 'CandleFormatError';
  /** Stable kebab-case reason, see {@link CandleFormatErrorCode}. */
  readonly code: CandleFormatErrorCode;
  /** 1-based line (CSV) or element index (JSON) of the problem. */
  readonly line: number;
  /** What `line` counts: physical lines of the file, or elements of a JSON array. */
  readonly unit: 'line' | 'element';
  /** What is wrong, without the location prefix. */
  readonly detail: string;
  /** File name or path the text came from, when the caller knows it. */
  readonly file: string | undefined;

  /**
   * @param code stable reason code.
   * @param line 1-based line (or JSON element index).
   * @param detail description without location, e.g. `high 99 is below low 100`.
   * @param opts `unit` (default `'line'`) and an optional `file` name for the message prefix.
   */
  constructor(
    code: CandleFormatErrorCode,
    line: number,
    detail: string,
    opts: { unit?: 'line' | 'element'; file?: string } = {},
  ) {
    const unit = opts.unit ?? 'line';
    super(`${opts.file !== undefined ? `${opts.file}: ` : ''}${unit} ${line}: ${detail}`);
    this.code = code;
    this.line = line;
    this.unit = unit;
    this.detail = detail;
    this.file = opts.file;
  }
}

/** Result of {@link parseCandles}: the format used and the candles sorted ascending by time. */
export interface ParsedCandles {
  format: CandleFormat;
  candles: Candle[];
  /**
   * Rows that broke the file's time order (oldest first, or newest first), which were sorted into place: their
   * count and the line (JSON: element) of the first; null when the file was in order.
   */
  outOfOrder: { rows: number; firstLine: number } | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Time

const MS_PER_DAY = 86_400_000;

/**
 * Days since 1970-01-01 of the proleptic Gregorian date y-m-d (Howard Hinnant's days_from_civil). Exact for any
 * year; `m` is 1..12, `d` 1..31 (not range-checked here).
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Inverse of {@link daysFromCivil}: the civil date of a day number (Hinnant's civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function civilToMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const CDD_HOUR_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2})-(AM|PM)$/i;
const YYYYMMDD_RE = /^(\d{4})(\d{2})(\d{2})$/;

/**
 * Parses a time as UTC milliseconds since the epoch. Accepts:
 * - epoch integers: up to 10 digits are seconds, 11 or more digits are milliseconds (an exponent form such as
 *   `1.5098e12` or a `.0` fraction is accepted when the value is whole);
 * - `YYYYMMDD` (8 digits, years 1900–2099 with a valid month/day; otherwise read as epoch seconds);
 * - `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]`, the same with `T`, and an optional `Z` or `±HH[:MM]` offset
 *   (no offset = UTC);
 * - CryptoDataDownload hours `YYYY-MM-DD HH-AM|PM` (12-AM = 00:00, 12-PM = 12:00).
 * @returns ms since epoch (UTC), or `undefined` when the text is not a valid time (bad calendar date included).
 */
export function parseTimeText(text: string): number | undefined {
  let t = text.trim();
  if (/^\d+(?:\.\d+)?[eE][+-]?\d+$/.test(t) || /^\d+\.0+$/.test(t)) {
    // e.g. a JSON number 1.5098e12: expand exactly; only whole numbers are accepted as epochs
    const plain = toPlainDecimal(t);
    if (plain === undefined || !/^\d+$/.test(plain.replace(/\.0+$/, ''))) return undefined;
    t = plain.replace(/\.0+$/, '');
  }
  if (/^\d+$/.test(t)) {
    const ymd = YYYYMMDD_RE.exec(t);
    if (ymd) {
      const y = Number(ymd[1]);
      const v = y >= 1900 && y <= 2099 ? civilToMs(y, Number(ymd[2]), Number(ymd[3]), 0, 0, 0, 0) : undefined;
      if (v !== undefined) return v;
    }
    const n = t.length <= 10 ? Number(t) * 1000 : Number(t);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const iso = ISO_RE.exec(t);
  if (iso) {
    const frac = iso[7] ?? '';
    if (/[1-9]/.test(frac.slice(3))) return undefined; // finer than a millisecond
    const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
    const base = civilToMs(
      Number(iso[1]),
      Number(iso[2]),
      Number(iso[3]),
      Number(iso[4] ?? 0),
      Number(iso[5] ?? 0),
      Number(iso[6] ?? 0),
      ms,
    );
    if (base === undefined) return undefined;
    const off = iso[8];
    if (off === undefined || off.toUpperCase() === 'Z') return base;
    const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(off);
    if (!m) return undefined;
    const oh = Number(m[2]);
    const om = Number(m[3] ?? 0);
    if (oh > 23 || om > 59) return undefined;
    const offMs = (oh * 60 + om) * 60_000;
    return m[1] === '+' ? base - offMs : base + offMs;
  }
  const cdd = CDD_HOUR_RE.exec(t);
  if (cdd) {
    const h12 = Number(cdd[4]);
    if (h12 < 1 || h12 > 12) return undefined;
    const pm = cdd[5]?.toUpperCase() === 'PM';
    const h = (h12 % 12) + (pm ? 12 : 0);
    return civilToMs(Number(cdd[1]), Number(cdd[2]), Number(cdd[3]), h, 0, 0, 0);
  }
  return undefined;
}

/**
 * Formats UTC milliseconds since the epoch as ISO-8601 text, `YYYY-MM-DDTHH:MM:SS.sssZ` (like
 * `Date.prototype.toISOString` for years 0000–9999), without using `Date`.
 * @throws RangeError when `ms` is not a safe integer.
 */
export function formatTimeUtc(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not an integer time: ${ms}`);
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const [y, m, d] = civilFromDays(days);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}.${p(milli, 3)}Z`;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

const PLAIN_RE = /^-?\d+(?:\.\d+)?$/;
const NUMBER_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Normalises number text to plain decimal text without exponent. Plain decimal text (`-?\d+(\.\d+)?`) is returned
 * unchanged; `+5`, `.5`, `5.` and exponent forms are rewritten exactly by string arithmetic. Undefined when not a
 * number.
 */
function toPlainDecimal(raw: string): string | undefined {
  const s = raw.trim();
  if (PLAIN_RE.test(s)) return s;
  const m = NUMBER_RE.exec(s);
  if (!m) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return undefined;
  const digits = int + frac;
  const point = int.length + exp;
  let intPart: string;
  let fracPart: string;
  if (point <= 0) {
    intPart = '0';
    fracPart = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    intPart = digits + '0'.repeat(point - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, point);
    fracPart = digits.slice(point);
  }
  intPart = intPart.replace(/^0+(?=\d)/, '');
  if (m[4] !== undefined) fracPart = fracPart.replace(/0+$/, '');
  return (m[1] === '-' ? '-' : '') + intPart + (fracPart ? '.' + fracPart : '');
}

/**
 * Compares two non-negative plain decimal texts exactly, like `a - b`: negative, zero or positive. `"1.50"` and
 * `"1.5"` compare equal. No floats are involved.
 */
export function compareDecimalText(a: string, b: string): number {
  // allocation-free: this runs five times per candle on every ingest (validateCandles)
  let da = a.indexOf('.');
  if (da < 0) da = a.length;
  let db = b.indexOf('.');
  if (db < 0) db = b.length;
  let ia = 0;
  while (ia < da - 1 && a.charCodeAt(ia) === 48) ia++;
  let ib = 0;
  while (ib < db - 1 && b.charCodeAt(ib) === 48) ib++;
  const la = da - ia;
  const lb = db - ib;
  if (la !== lb) return la - lb;
  for (let k = 0; k < la; k++) {
    const d = a.charCodeAt(ia + k) - b.charCodeAt(ib + k);
    if (d !== 0) return d;
  }
  const fa = da < a.length ? a.length - da - 1 : 0;
  const fb = db < b.length ? b.length - db - 1 : 0;
  const n = fa > fb ? fa : fb;
  for (let k = 0; k < n; k++) {
    const ca = k < fa ? a.charCodeAt(da + 1 + k) : 48;
    const cb = k < fb ? b.charCodeAt(db + 1 + k) : 48;
    if (ca !== cb) return ca - cb;
  }
  return 0;
}

function isZeroDecimal(s: string): boolean {
  return !/[1-9]/.test(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Row validation shared by all formats

interface RawRow {
  /** 1-based line or element index. */
  line: number;
  time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  /** Undefined when the file has no volume. */
  volume: string | undefined;
}

class RowBuilder {
  candles: Candle[] = [];
  /** Rows accepted so far (all of them, also those already taken). */
  rows = 0;
  /** Time of the previous row (file order), and the earliest and latest time seen; NaN before the first row. */
  private lastTime = NaN;
  minTime = NaN;
  maxTime = NaN;
  private readonly seen = new Map<number, number>();
  /** Time order of the rows so far: 1 oldest first, -1 newest first, 0 not known yet. */
  private direction = 0;
  /** Rows that broke that order, and the first one's line. */
  outOfOrder: { rows: number; firstLine: number } | null = null;

  constructor(private readonly unit: 'line' | 'element') {}

  fail(code: CandleFormatErrorCode, line: number, detail: string): never {
    throw new CandleFormatError(code, line, detail, { unit: this.unit });
  }

  add(row: RawRow): void {
    const { line } = row;
    const time = parseTimeText(row.time);
    if (time === undefined) this.fail('bad-time', line, `time ${JSON.stringify(row.time.trim())} is not a valid time`);
    const prices = { open: '', high: '', low: '', close: '' };
    for (const key of ['open', 'high', 'low', 'close'] as const) {
      const v = toPlainDecimal(row[key]);
      if (v === undefined) this.fail('bad-number', line, `${key} ${JSON.stringify(row[key])} is not a number`);
      if (v.startsWith('-') || isZeroDecimal(v)) this.fail('non-positive-price', line, `${key} ${v} is not positive`);
      prices[key] = v;
    }
    let volume = '0';
    if (row.volume !== undefined) {
      const v = toPlainDecimal(row.volume);
      if (v === undefined) this.fail('bad-number', line, `volume ${JSON.stringify(row.volume)} is not a number`);
      if (v.startsWith('-') && !isZeroDecimal(v)) this.fail('negative-volume', line, `volume ${v} is negative`);
      volume = v.startsWith('-') ? v.slice(1) : v;
    }
    const { open, high, low, close } = prices;
    if (compareDecimalText(high, low) < 0) this.fail('high-below-low', line, `high ${high} is below low ${low}`);
    for (const [name, v] of [
      ['open', open],
      ['close', close],
    ] as const) {
      if (compareDecimalText(high, v) < 0)
        this.fail('high-below-open-close', line, `high ${high} is below ${name} ${v}`);
      if (compareDecimalText(low, v) > 0) this.fail('low-above-open-close', line, `low ${low} is above ${name} ${v}`);
    }
    const prev = this.seen.get(time);
    if (prev !== undefined) {
      this.fail('duplicate-time', line, `duplicate time ${formatTimeUtc(time)} (also on ${this.unit} ${prev})`);
    }
    this.seen.set(time, line);
    if (!Number.isNaN(this.lastTime)) {
      const dir = time > this.lastTime ? 1 : -1;
      if (this.direction === 0) this.direction = dir;
      else if (dir !== this.direction) {
        this.outOfOrder ??= { rows: 0, firstLine: line };
        this.outOfOrder.rows++;
      }
    }
    this.candles.push({ time, open, high, low, close, volume });
    this.lastTime = time;
    if (!(time >= this.minTime)) this.minTime = time;
    if (!(time <= this.maxTime)) this.maxTime = time;
    this.rows++;
  }

  /** The candles added since the last call, in file order (and forgets them; duplicate detection remembers). */
  take(): Candle[] {
    const out = this.candles;
    this.candles = [];
    return out;
  }

  /** Candles ascending: a newest-first file is reversed; rows out of order are sorted (and reported). */
  sorted(): Candle[] {
    if (this.outOfOrder) return this.candles.sort((a, b) => a.time - b.time);
    return this.direction < 0 ? this.candles.reverse() : this.candles;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

interface Line {
  /** 1-based physical line number. */
  no: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  const raw = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < raw.length; i++) {
    const t = (raw[i] as string).replace(/\r$/, '');
    if (t.trim() !== '') out.push({ no: i + 1, text: t });
  }
  return out;
}

/** Splits one CSV line; supports double-quoted fields (with `""` escapes) on a single line. */
function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function headerNames(line: string): string[] {
  return splitCsv(line).map((h) => h.trim().toLowerCase());
}

function hasOhlc(names: string[]): boolean {
  return ['open', 'high', 'low', 'close'].every((n) => names.includes(n));
}

const TIME_COLUMNS = ['time', 'timestamp', 'date', 'datetime', 'open_time'];
const ADJ_CLOSE = ['adj close', 'adj_close', 'adjclose'];
const CDD_BANNER_RE = /cryptodatadownload/i;

function isBaseVolumeName(n: string): boolean {
  return /^volume[ _]./.test(n);
}

function looksLikeCddHeader(names: string[]): boolean {
  return hasOhlc(names) && names.includes('symbol') && names.some(isBaseVolumeName);
}

/**
 * The CSV formats line by line: the header (after CryptoDataDownload's banner), then one row per line. Feed it the
 * non-blank physical lines with their 1-based numbers, then call {@link CsvLines.finish}.
 */
class CsvLines {
  private banner: Line | undefined;
  private header: Line | undefined;
  private names: string[] = [];
  private idx = { time: -1, open: -1, high: -1, low: -1, close: -1, volume: -1 };
  private dataRows = 0;

  constructor(
    private readonly format: Exclude<CandleFormat, 'json'>,
    private readonly b: RowBuilder,
  ) {}

  line(no: number, text: string): void {
    if (this.header === undefined) {
      if (this.format === 'cryptodatadownload' && this.banner === undefined && !hasOhlc(headerNames(text))) {
        this.banner = { no, text };
        return;
      }
      this.setHeader({ no, text });
      return;
    }
    const f = splitCsv(text);
    const names = this.names;
    if (f.length !== names.length) {
      this.b.fail('wrong-column-count', no, `${f.length} fields, expected ${names.length} as in the header`);
    }
    const { time, open, high, low, close, volume } = this.idx;
    this.dataRows++;
    this.b.add({
      line: no,
      time: f[time] as string,
      open: f[open] as string,
      high: f[high] as string,
      low: f[low] as string,
      close: f[close] as string,
      volume: volume < 0 ? undefined : (f[volume] as string),
    });
  }

  private setHeader(header: Line): void {
    this.header = header;
    const names = (this.names = headerNames(header.text));
    const b = this.b;
    const find = (...candidates: string[]): number => names.findIndex((n) => candidates.includes(n));
    const need = (label: string, idx: number): number => {
      if (idx < 0) b.fail('missing-column', header.no, `the header has no ${label} column`);
      return idx;
    };
    let timeIdx: number;
    let volIdx: number;
    if (this.format === 'cryptodatadownload') {
      timeIdx = need('unix or date', names.includes('unix') ? find('unix') : find('date'));
      volIdx = names.findIndex(isBaseVolumeName);
      if (volIdx < 0) volIdx = find('volume');
    } else if (this.format === 'yahoo') {
      timeIdx = need('date', find('date'));
      volIdx = find('volume');
    } else {
      timeIdx = find(...TIME_COLUMNS);
      if (timeIdx < 0 && names[0] === '') timeIdx = 0;
      need(`time (${TIME_COLUMNS.join('/')} or an empty first header)`, timeIdx);
      volIdx = find('volume');
    }
    this.idx = {
      time: timeIdx,
      open: need('open', find('open')),
      high: need('high', find('high')),
      low: need('low', find('low')),
      close: need('close', find('close')),
      volume: volIdx,
    };
  }

  /** The header's field count and column indices once the header line has been read; undefined before. */
  layout(): Omit<CsvLayout, 'format' | 'headerLine'> | undefined {
    return this.header === undefined ? undefined : { fields: this.names.length, ...this.idx };
  }

  /** End of the text: a lone banner is read as the header; a file without data rows is `empty-file`. */
  finish(): void {
    if (this.header === undefined && this.banner !== undefined) this.setHeader(this.banner);
    if (this.header === undefined) this.b.fail('empty-file', 1, 'the file is empty');
    if (this.dataRows === 0) this.b.fail('empty-file', this.header.no, 'the file has a header but no data rows');
  }
}

function parseCsvLike(text: string, format: Exclude<CandleFormat, 'json'>): Omit<ParsedCandles, 'format'> {
  const b: RowBuilder = new RowBuilder('line');
  const csv = new CsvLines(format, b);
  for (const { no, text: t } of splitLines(text)) csv.line(no, t);
  csv.finish();
  return { candles: b.sorted(), outOfOrder: b.outOfOrder };
}

/**
 * Where the columns of a CSV-like candle file are, read from its first two non-blank lines exactly as
 * {@link parseCandles} reads them (for the columnar fast path in `importers-fast.ts`). Column indices are 0-based;
 * `volume` is -1 when the file has none.
 */
export interface CsvLayout {
  format: Exclude<CandleFormat, 'json'>;
  /** Which of the two lines given is the header: 0, or 1 after a CryptoDataDownload banner. */
  headerLine: 0 | 1;
  /** Fields per row (the header's). */
  fields: number;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * The {@link CsvLayout} of a file whose first two non-blank lines (BOM and CR removed) are `first` and `second`.
 * @param format the format; detected with {@link detectFormat} when omitted.
 * @returns undefined for JSON, or when the lines are rejected (unknown format, a missing column, no header): the
 *   caller then parses the file with {@link parseCandles}, which reports the problem. Never throws.
 */
export function csvLayout(first: string, second: string | undefined, format?: CandleFormat): CsvLayout | undefined {
  try {
    const fmt = format ?? detectFormat(second === undefined ? first : `${first}\n${second}`);
    if (fmt === 'json') return undefined;
    const csv = new CsvLines(fmt, new RowBuilder('line'));
    csv.line(1, first);
    let layout = csv.layout();
    if (layout) return { format: fmt, headerLine: 0, ...layout };
    if (second === undefined) return undefined;
    csv.line(2, second);
    layout = csv.layout();
    return layout ? { format: fmt, headerLine: 1, ...layout } : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON (scanned by hand so numbers keep their exact text)

type JsonScalar = { kind: 'number' | 'string' | 'literal'; text: string };

class JsonRows {
  private i = 0;
  private element = 0;

  constructor(private readonly s: string) {}

  private fail(code: CandleFormatErrorCode, detail: string, element = this.element || 1): never {
    throw new CandleFormatError(code, element, detail, { unit: 'element' });
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) this.i++;
      else break;
    }
  }

  private where(): string {
    const ch = this.s[this.i];
    return ch === undefined ? 'at the end of the text' : `at ${JSON.stringify(ch)} (offset ${this.i})`;
  }

  private scalar(): JsonScalar {
    const s = this.s;
    const ch = s[this.i];
    if (ch === '"') {
      let j = this.i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) this.fail('bad-json', 'unterminated string');
      const raw = s.slice(this.i, j + 1);
      this.i = j + 1;
      try {
        return { kind: 'string', text: JSON.parse(raw) as string };
      } catch {
        return this.fail('bad-json', `bad string ${raw}`);
      }
    }
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(s.slice(this.i, this.i + 64));
    if (!m) this.fail('bad-json', `unexpected ${this.where()}`);
    this.i += m[0].length;
    return { kind: /^[tfn]/.test(m[0]) ? 'literal' : 'number', text: m[0] };
  }

  private expect(ch: string): void {
    this.ws();
    if (this.s[this.i] !== ch) this.fail('bad-json', `expected ${JSON.stringify(ch)} ${this.where()}`);
    this.i++;
  }

  /** Calls `onRow(values, elementIndex1Based)` for each element of the top-level array. */
  parse(onRow: (values: JsonScalar[], element: number) => void): void {
    this.expect('[');
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
    } else {
      for (;;) {
        this.element++;
        this.ws();
        if (this.s[this.i] !== '[') this.fail('bad-json', `element ${this.element} is not an array`);
        this.i++;
        const values: JsonScalar[] = [];
        this.ws();
        if (this.s[this.i] === ']') this.i++;
        else {
          for (;;) {
            this.ws();
            if (this.s[this.i] === '[' || this.s[this.i] === '{') {
              this.fail('bad-json', `nested ${this.s[this.i] === '[' ? 'array' : 'object'} in a row`);
            }
            values.push(this.scalar());
            this.ws();
            const c = this.s[this.i];
            this.i++;
            if (c === ']') break;
            if (c !== ',') {
              this.i--;
              this.fail('bad-json', `expected "," or "]" ${this.where()}`);
            }
          }
        }
        onRow(values, this.element);
        this.ws();
        const c = this.s[this.i];
        this.i++;
        if (c === ']') break;
        if (c !== ',') {
          this.i--;
          this.fail('bad-json', `expected "," or "]" ${this.where()}`);
        }
      }
    }
    this.ws();
    if (this.i < this.s.length) this.fail('bad-json', `unexpected text after the array ${this.where()}`);
  }
}

function parseJson(text: string): Omit<ParsedCandles, 'format'> {
  const b: RowBuilder = new RowBuilder('element');
  let rows = 0;
  new JsonRows(text).parse((values, element) => {
    rows++;
    if (values.length < 5) {
      b.fail('wrong-column-count', element, `${values.length} values, expected [time, open, high, low, close, volume]`);
    }
    const get = (k: number, name: string): string => {
      const v = values[k] as JsonScalar;
      if (v.kind === 'literal') b.fail(name === 'time' ? 'bad-time' : 'bad-number', element, `${name} is ${v.text}`);
      return v.text;
    };
    b.add({
      line: element,
      time: get(0, 'time'),
      open: get(1, 'open'),
      high: get(2, 'high'),
      low: get(3, 'low'),
      close: get(4, 'close'),
      volume: values.length > 5 ? get(5, 'volume') : undefined,
    });
  });
  if (rows === 0) b.fail('empty-file', 1, 'the JSON array is empty');
  return { candles: b.sorted(), outOfOrder: b.outOfOrder };
}

// ---------------------------------------------------------------------------------------------------------------
// Detection and entry point

/**
 * Detects the format of a candle file from its first lines: `json` when the first non-blank character is `[`;
 * `cryptodatadownload` when the first line mentions CryptoDataDownload, or the header has `symbol` and a
 * `volume_xxx` column; `yahoo` when the header has `Adj Close`; `csv` when it has open/high/low/close.
 * @throws CandleFormatError `empty-file` for blank text, `unknown-format` (line 1 or 2) otherwise.
 */
export function detectFormat(text: string): CandleFormat {
  const lines = splitLines(text);
  const first = lines[0];
  if (first === undefined) throw new CandleFormatError('empty-file', 1, 'the file is empty');
  if (first.text.trimStart().startsWith('[')) return 'json';
  const names = headerNames(first.text);
  if (CDD_BANNER_RE.test(first.text)) return 'cryptodatadownload';
  if (looksLikeCddHeader(names)) return 'cryptodatadownload';
  if (hasOhlc(names)) return names.some((n) => ADJ_CLOSE.includes(n)) ? 'yahoo' : 'csv';
  const second = lines[1];
  if (second !== undefined && looksLikeCddHeader(headerNames(second.text))) return 'cryptodatadownload';
  throw new CandleFormatError(
    'unknown-format',
    first.no,
    'unknown candle format: expected a CSV header with open/high/low/close, a CryptoDataDownload banner or a JSON array',
  );
}

/**
 * Parses the text of a candle file into validated candles sorted ascending by time.
 *
 * @param text the whole file as text (UTF-8 decoded; a BOM, CRLF line ends and blank lines are accepted).
 * @param opts.format the format to use; detected with {@link detectFormat} when omitted.
 * @returns `{ format, candles }`; candle times are open times in ms UTC, prices/volume exact decimal text
 *   (volume "0" when the file has none).
 * @throws CandleFormatError for the first problem found, in file order (see {@link CandleFormatErrorCode}); its
 *   `line` is the 1-based file line, or the 1-based element index for JSON.
 */
export function parseCandles(text: string, opts: { format?: CandleFormat } = {}): ParsedCandles {
  const format = opts.format ?? detectFormat(text);
  return { format, ...(format === 'json' ? parseJson(text) : parseCsvLike(text, format)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming

/**
 * Parses a candle file given in pieces (as read from disk), so a large file is never held whole: {@link push} each
 * piece of text and take the candles of its complete lines, then {@link end}. Validation, line numbers, duplicate
 * and out-of-order detection are those of {@link parseCandles}. The candles come in FILE order (CryptoDataDownload
 * files run newest first): sort each batch before storing it. JSON arrays are not streamed: their text is collected
 * and parsed by {@link end}.
 *
 * Memory: the text of one piece plus the times seen (for duplicate detection), not the file.
 */
export class CandleStreamParser {
  private readonly b = new RowBuilder('line');
  private jsonBuilder: RowBuilder | undefined;
  private fmt: CandleFormat | undefined;
  private csv: CsvLines | undefined;
  /** Text after the last newline (an incomplete line). */
  private rest = '';
  /** Physical lines completed so far. */
  private lineNo = 0;
  /** Non-blank lines kept until the format is known (it needs the first two). */
  private early: Line[] = [];
  private json: string[] | undefined;
  private started = false;

  /** @param opts.format the format; detected from the first two non-blank lines when omitted. */
  constructor(private readonly opts: { format?: CandleFormat } = {}) {
    this.fmt = opts.format;
  }

  /** The format, once known (after the first lines, or given). */
  get format(): CandleFormat | undefined {
    return this.fmt;
  }

  /** Rows accepted so far. */
  get rows(): number {
    return (this.jsonBuilder ?? this.b).rows;
  }

  /** Earliest and latest time (ms UTC) of the rows so far; undefined before the first row. */
  get range(): { first: number; last: number } | undefined {
    const b = this.jsonBuilder ?? this.b;
    return b.rows === 0 ? undefined : { first: b.minTime, last: b.maxTime };
  }

  /** Rows out of the file's time order so far (see {@link ParsedCandles.outOfOrder}). */
  get outOfOrder(): { rows: number; firstLine: number } | null {
    return (this.jsonBuilder ?? this.b).outOfOrder;
  }

  /**
   * Feeds the next piece of the text.
   * @returns the candles of the lines completed by it, in file order (empty for JSON, which {@link end} parses).
   * @throws CandleFormatError for the first problem, as {@link parseCandles} would.
   */
  push(text: string): Candle[] {
    if (!this.started) {
      this.started = true;
      text = text.replace(/^\uFEFF/, '');
    }
    if (this.json) {
      this.json.push(text);
      return [];
    }
    const all = this.rest + text;
    let start = 0;
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', start)) {
      this.line(all.slice(start, nl));
      start = nl + 1;
      if (this.collecting()) {
        this.json!.push(all.slice(start));
        this.rest = '';
        return [];
      }
    }
    this.rest = all.slice(start);
    return this.b.take();
  }

  /**
   * End of the text: parses the last line (or the collected JSON).
   * @returns the remaining candles, in file order (for JSON: all of them, ascending).
   * @throws CandleFormatError for an empty file, a header without rows, or any problem in the rest.
   */
  end(): Candle[] {
    if (this.json) return this.endJson();
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
    if (!this.csv && !this.collecting()) this.decide();
    if (this.collecting()) return this.endJson();
    this.csv!.finish();
    return this.b.take();
  }

  /** Whether the format turned out to be JSON (whose text is collected, not streamed). */
  private collecting(): boolean {
    return this.json !== undefined;
  }

  private endJson(): Candle[] {
    const parsed = parseJson(this.json!.join(''));
    this.json = [];
    this.jsonBuilder = new RowBuilder('element');
    this.jsonBuilder.rows = parsed.candles.length;
    this.jsonBuilder.outOfOrder = parsed.outOfOrder;
    if (parsed.candles.length > 0) {
      this.jsonBuilder.minTime = parsed.candles[0]!.time;
      this.jsonBuilder.maxTime = parsed.candles[parsed.candles.length - 1]!.time;
    }
    return parsed.candles;
  }

  private line(raw: string): void {
    this.lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    if (this.csv) {
      this.csv.line(this.lineNo, text);
      return;
    }
    this.early.push({ no: this.lineNo, text });
    if (
      this.early.length >= 2 ||
      (this.fmt !== undefined && this.fmt !== 'cryptodatadownload') ||
      (this.fmt === undefined && text.trimStart().startsWith('['))
    )
      this.decide();
  }

  /** Settles the format from the lines kept so far, then replays them. */
  private decide(): void {
    const early = this.early;
    this.early = [];
    if (this.fmt === undefined) {
      if (early.length === 0) throw new CandleFormatError('empty-file', 1, 'the file is empty');
      try {
        this.fmt = detectFormat(early.map((l) => l.text).join('\n'));
      } catch (e) {
        if (e instanceof CandleFormatError) throw new CandleFormatError(e.code, early[0]!.no, e.detail);
        throw e;
      }
    }
    if (this.fmt === 'json') {
      // the lines seen so far are the start of the JSON text: collect from there
      this.json = [early.map((l) => l.text).join('\n') + '\n'];
      return;
    }
    this.csv = new CsvLines(this.fmt, this.b);
    for (const l of early) this.csv.line(l.no, l.text);
  }
}
