/**
 * Public trades → candles. Parses the freqtrade trades format — a JSON array of
 * `[timestamp_ms, id, order_id, side, price, amount, cost]` rows (freqtrade stores it gzipped as
 * `PAIR-trades.json.gz`; gunzip before calling) — keeping every number as the exact text of the file, and aggregates
 * trades into candles with exact decimal arithmetic: first price, highest, lowest, last price, and the exact sum of
 * the amounts (base units) as volume. Pure: no I/O, no floats on prices or amounts, no clock.
 */
import { TIMEFRAMES, type Candle, type Timeframe } from './candle.ts';
import { compareDecimalText } from './importers.ts';
import { bucketStart, DecimalSum } from './resample.ts';

/** One public trade. Times in ms UTC; price (quote per base) and amount (base units) are plain decimal text. */
export interface Trade {
  time: number;
  /** Exchange trade id, as text (null when the file has none). */
  id: string | null;
  side: 'buy' | 'sell' | null;
  price: string;
  amount: string;
}

/**
 * Stable reasons a trades file is rejected: `bad-json` (malformed JSON or a row that is not an array), `empty-file`,
 * `wrong-column-count` (fewer than 6 values), `bad-time` (not a whole number of ms), `bad-number`,
 * `non-positive-price`, `negative-amount`, `bad-side`, `unsorted` (a timestamp earlier than the previous row's).
 */
export type TradeFormatErrorCode =
  | 'bad-json'
  | 'empty-file'
  | 'wrong-column-count'
  | 'bad-time'
  | 'bad-number'
  | 'non-positive-price'
  | 'negative-amount'
  | 'bad-side'
  | 'unsorted';

/** A trades file was rejected; `element` is the 1-based index of the offending row of the top-level array. */
export class TradeFormatError extends Error {
  override readonly name = 'TradeFormatError';
  /**
   * @param code stable reason, see {@link TradeFormatErrorCode}.
   * @param element 1-based row index (1 for problems with the file as a whole).
   * @param detail what is wrong, without the location; the message is `[file: ]trade 17: ...`.
   * @param file the file name, when the caller knows it.
   */
  constructor(
    readonly code: TradeFormatErrorCode,
    readonly element: number,
    readonly detail: string,
    readonly file?: string,
  ) {
    super(`${file !== undefined ? `${file}: ` : ''}trade ${element}: ${detail}`);
  }
}

type Scalar = { kind: 'number' | 'string' | 'null' | 'bool'; text: string };

const NUM_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Exact plain decimal text of a JSON number text (exponent expanded by string arithmetic); sign kept. */
function plainNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const [, sign, int = '', frac = '', expText] = m;
  if (expText === undefined) return text;
  const exp = Number(expText);
  const digits = int + frac;
  const point = int.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.includes('.') ? out.replace(/0+$/, '').replace(/\.$/, '') : out;
  out = out.replace(/^0+(?=\d)/, '');
  return sign + out;
}

/**
 * True when `text` looks like a freqtrade trades file: a JSON array whose first row has at least 6 values and a
 * `"buy"`/`"sell"` (or null) side in the fourth place. Looks at the start of the text only.
 */
export function isFreqtradeTrades(text: string): boolean {
  const head = text.slice(0, 400).replace(/\s+/g, '');
  return /^\[\[-?[\d.eE+-]+,("[^"]*"|-?[\d.]+|null),("[^"]*"|-?[\d.]+|null),("buy"|"sell"|null),/.test(head);
}

/**
 * Parses a freqtrade trades file (the JSON text, already gunzipped).
 *
 * @returns trades in file order, which must be ascending by time (equal times keep their order).
 * @throws TradeFormatError for the first problem, naming the 1-based row.
 */
export function parseFreqtradeTrades(text: string): Trade[] {
  const s = text;
  let i = 0;
  let row = 0;
  const fail = (code: TradeFormatErrorCode, detail: string, at = row || 1): never => {
    throw new TradeFormatError(code, at, detail);
  };
  const ws = (): void => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) i++;
      else break;
    }
  };
  const where = (): string => (i < s.length ? `at ${JSON.stringify(s[i])} (offset ${i})` : 'at the end of the text');
  const expect = (ch: string): void => {
    ws();
    if (s[i] !== ch) fail('bad-json', `expected ${JSON.stringify(ch)} ${where()}`);
    i++;
  };
  const scalar = (): Scalar => {
    ws();
    const ch = s[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) fail('bad-json', 'unterminated string');
      const raw = s.slice(i, j + 1);
      i = j + 1;
      try {
        return { kind: 'string', text: JSON.parse(raw) as string };
      } catch {
        return fail('bad-json', `bad string ${raw}`);
      }
    }
    if (s.startsWith('null', i)) {
      i += 4;
      return { kind: 'null', text: 'null' };
    }
    if (s.startsWith('true', i) || s.startsWith('false', i)) {
      const t = s.startsWith('true', i) ? 'true' : 'false';
      i += t.length;
      return { kind: 'bool', text: t };
    }
    NUM_RE.lastIndex = i;
    const m = NUM_RE.exec(s);
    if (!m) return fail('bad-json', `unexpected ${where()}`);
    i += m[0].length;
    return { kind: 'number', text: m[0] };
  };

  const trades: Trade[] = [];
  let prevTime = -Infinity;
  expect('[');
  ws();
  if (s[i] === ']') fail('empty-file', 'the JSON array is empty');
  for (;;) {
    row++;
    expect('[');
    const v: Scalar[] = [];
    ws();
    if (s[i] !== ']') {
      for (;;) {
        v.push(scalar());
        ws();
        const c = s[i++];
        if (c === ']') break;
        if (c !== ',') {
          i--;
          fail('bad-json', `expected "," or "]" ${where()}`);
        }
      }
    } else i++;
    if (v.length < 6)
      fail('wrong-column-count', `${v.length} values, expected [time, id, order_id, side, price, amount, cost]`);
    const [tv, idv, , sidev, pv, av] = v as [Scalar, Scalar, Scalar, Scalar, Scalar, Scalar];
    const timeText = tv.kind === 'number' ? plainNumber(tv.text).replace(/\.0+$/, '') : tv.text;
    if (tv.kind !== 'number' || !/^\d+$/.test(timeText) || !Number.isSafeInteger(Number(timeText))) {
      fail('bad-time', `time ${tv.text} is not a whole number of milliseconds`);
    }
    const time = Number(timeText);
    if (time < prevTime) fail('unsorted', `time ${time} is earlier than the previous trade's ${prevTime}`);
    prevTime = time;
    const num = (x: Scalar, name: string): string => {
      const t = x.kind === 'number' ? x.text : x.kind === 'string' ? x.text.trim() : '';
      if (!/^-?(?:\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(t)) fail('bad-number', `${name} ${x.text} is not a number`);
      return plainNumber(t);
    };
    const price = num(pv, 'price');
    if (price.startsWith('-') || !/[1-9]/.test(price)) fail('non-positive-price', `price ${price} is not positive`);
    let amount = num(av, 'amount');
    if (amount.startsWith('-')) {
      if (/[1-9]/.test(amount)) fail('negative-amount', `amount ${amount} is negative`);
      amount = amount.slice(1);
    }
    let side: Trade['side'] = null;
    if (sidev.kind === 'string') {
      if (sidev.text !== 'buy' && sidev.text !== 'sell')
        fail('bad-side', `side ${JSON.stringify(sidev.text)} is not buy or sell`);
      side = sidev.text as 'buy' | 'sell';
    } else if (sidev.kind !== 'null') fail('bad-side', `side ${sidev.text} is not buy or sell`);
    trades.push({ time, id: idv.kind === 'null' ? null : idv.text, side, price, amount });
    ws();
    const c = s[i++];
    if (c === ']') break;
    if (c !== ',') {
      i--;
      fail('bad-json', `expected "," or "]" ${where()}`);
    }
  }
  ws();
  if (i < s.length) fail('bad-json', `unexpected text after the array ${where()}`);
  return trades;
}

/**
 * Aggregates trades into candles of `timeframe` (default `1m`), one per bucket that has trades (minutes without
 * trades are gaps, not filled): open = first trade's price, high/low = exact max/min price, close = last trade's
 * price, volume = exact sum of the amounts (keeping the most decimals of any amount, e.g. "23.0" + "54.0" = "77.0").
 *
 * @param trades ascending by time (as {@link parseFreqtradeTrades} returns them).
 * @returns candles ascending by open time (bucket start, UTC-aligned like `resample.ts`).
 * @throws RangeError when the trades are not ascending by time.
 */
export function candlesFromTrades(trades: readonly Trade[], timeframe: Timeframe = '1m'): Candle[] {
  if (!Object.hasOwn(TIMEFRAMES, timeframe)) throw new RangeError(`unknown timeframe ${timeframe}`);
  const out: Candle[] = [];
  let cur: Candle | undefined;
  let vol = new DecimalSum();
  let prev = -Infinity;
  for (let k = 0; k < trades.length; k++) {
    const t = trades[k]!;
    if (t.time < prev) throw new RangeError(`trade ${k + 1} is earlier than the one before it: trades must be sorted`);
    prev = t.time;
    const b = bucketStart(t.time, timeframe);
    if (!cur || cur.time !== b) {
      if (cur) {
        cur.volume = vol.toString();
        out.push(cur);
      }
      cur = { time: b, open: t.price, high: t.price, low: t.price, close: t.price, volume: '0' };
      vol = new DecimalSum();
    } else {
      if (compareDecimalText(t.price, cur.high) > 0) cur.high = t.price;
      if (compareDecimalText(t.price, cur.low) < 0) cur.low = t.price;
      cur.close = t.price;
    }
    vol.add(t.amount);
  }
  if (cur) {
    cur.volume = vol.toString();
    out.push(cur);
  }
  return out;
}
