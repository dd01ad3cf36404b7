/**
 * The columnar fast path (CsvColumnParser + barsFromColumns) against the general path (parseCandles +
 * barsFromCandles): wherever the fast path answers, its series is the same bit for bit; wherever the general path
 * refuses the data, the fast path gives up (so the caller's fallback reports the general path's error).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { barsFromCandles, barsFromColumns } from '../backtest/series.ts';
import type { BarSeries } from '../backtest/types.ts';
import { CsvColumnParser, type CandleColumns } from './importers-fast.ts';
import { parseCandles, type ParsedCandles } from './importers.ts';

const dataDir = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const hasData = existsSync(dataDir);
if (!hasData) console.warn(`[importers-fast.test] skipping real-data tests: ${dataDir} is absent`);

/** The fast path over `bytes` fed in pieces of `piece` bytes (the unconsumed rest carried over, as bars-file does). */
function fast(bytes: Uint8Array, piece = bytes.length): { cols: CandleColumns; p: CsvColumnParser } | undefined {
  const p = new CsvColumnParser({ expectedRows: 4 });
  let carry = new Uint8Array(0);
  for (let at = 0; ; at += piece) {
    const next = bytes.subarray(at, Math.min(bytes.length, at + piece));
    const buf = new Uint8Array(carry.length + next.length);
    buf.set(carry);
    buf.set(next, carry.length);
    const last = at + piece >= bytes.length;
    const used = p.push(buf, 0, buf.length, last);
    carry = buf.slice(used);
    if (last || !p.ok) break;
  }
  const cols = p.finish();
  return cols && { cols, p };
}

/** The general path, or the error it throws. */
function general(text: string, tickSize?: string): { parsed: ParsedCandles; bars: BarSeries } | { error: unknown } {
  try {
    const parsed = parseCandles(text);
    return { parsed, bars: barsFromCandles(parsed.candles, tickSize === undefined ? {} : { tickSize }) };
  } catch (error) {
    return { error };
  }
}

/** Every column of two series as plain arrays (so toEqual compares each float bit for bit, -0 and NaN included). */
function plain(b: BarSeries): Record<string, unknown> {
  return {
    length: b.length,
    tickSize: b.tickSize,
    time: Array.from(b.time),
    open: Array.from(b.open),
    high: Array.from(b.high),
    low: Array.from(b.low),
    close: Array.from(b.close),
    volume: Array.from(b.volume),
    ticks: {
      open: Array.from(b.ticks.open),
      high: Array.from(b.ticks.high),
      low: Array.from(b.ticks.low),
      close: Array.from(b.ticks.close),
    },
  };
}

/** Asserts the fast path agrees with the general one on `text`, for each piece size; returns whether it answered. */
function agree(text: string, pieces: number[] = [1, 2, 3, 7, 64, 1 << 20], tickSize?: string): boolean {
  const bytes = new TextEncoder().encode(text);
  const g = general(text, tickSize);
  let answered: boolean | undefined;
  for (const piece of pieces) {
    const f = fast(bytes, piece);
    const bars = f && barsFromColumns(f.cols, 0, f.cols.length, tickSize === undefined ? {} : { tickSize });
    if ('error' in g) {
      expect(bars, `piece ${piece}: the general path refuses (${String(g.error)}), the fast path must give up`).toBe(
        undefined,
      );
    } else if (bars) {
      expect(plain(bars)).toEqual(plain(g.bars));
      expect(f.p.outOfOrder).toEqual(g.parsed.outOfOrder);
    }
    answered ??= bars !== undefined;
    expect(bars !== undefined, `piece ${piece} answers like the others`).toBe(answered);
  }
  return answered!;
}

const HEAD = 'time,Open,High,Low,Close,Volume\n';

describe('the columnar fast path reads what the general importer reads, bit for bit', () => {
  it('reads epoch-ms CSV with CRLF, a BOM, blank lines and no final newline, in any pieces', () => {
    const text =
      '\uFEFF' +
      HEAD.replace('\n', '\r\n') +
      '1498906800000,2505.56,2513.38,2495.12,2509.17,114.6\r\n\r\n' +
      '1498910400000,2509.17,2512.87,2484.99,2488.43,157.36\r\n' +
      '1498914000000,2488.4,2500.00,2488.4,2499,0.000000012345678901234';
    expect(agree(text)).toBe(true);
  });

  it('reads a newest-first file, reversed, and dates, ISO times and epoch seconds', () => {
    expect(
      agree(
        ',Open,High,Low,Close,Volume\n2004-08-20,101.01,109.08,100.5,108.31,1\n2004-08-19,100,104.06,95.96,100.34,2\n',
      ),
    ).toBe(true);
    expect(agree('Date,Open,High,Low,Close\n2020-01-01 10:00:00+02:00,1,2,1,2\n2020-01-01T09:00Z,2,3,1,1\n')).toBe(
      true,
    );
    expect(agree('timestamp,open,high,low,close,volume\n1600000000,1,1,1,1,0\n1600000060,1,1,1,1,0\n')).toBe(true);
    expect(agree('date,open,high,low,close\n20200101,1,1,1,1\n20200102,1.5,1.5,1.5,1.5\n')).toBe(true);
  });

  it('reports rows out of order as the importer does (count, first line) and sorts them into place', () => {
    const text = `${HEAD}\n1000,1,1,1,1,1\n2000,2,2,2,2,2\n\n1500,3,3,3,3,3\n3000,4,4,4,4,4\n2500,5,5,5,5,5\n`;
    expect(agree(text)).toBe(true);
    const f = fast(new TextEncoder().encode(text))!;
    expect(f.p.outOfOrder).toEqual({ rows: 2, firstLine: 6 });
    expect(Array.from(f.cols.time)).toEqual([1000, 1500, 2000, 2500, 3000].map((s) => s * 1000)); // epoch seconds
  });

  it('reads a CryptoDataDownload file with its banner, a symbol column and trailing zeros', () => {
    const text =
      'Timestamps are UTC timezone,https://www.CryptoDataDownload.com\r\n' +
      'date,symbol,open,high,low,close,volume_btc,volume\r\n' +
      '2019-10-17 09-AM,BTCUSD,8051,8056.83,8021.23,8035.88,61.25,492394.56\r\n' +
      '2019-10-17 08-AM,BTCUSD,7975.89,8070,7975.89,8051.00,370.45,2971610.86\r\n';
    expect(agree(text)).toBe(true);
  });

  it('infers the tick from the most significant places, and honours a given tick size', () => {
    const text = `${HEAD}1000,1.50,1.75,1.25,1.5,1\n2000,1.5,1.5,1.5,1.5,1\n`;
    expect(agree(text)).toBe(true);
    expect(agree(text, [5, 1 << 20], '0.25')).toBe(true);
    expect(agree(text, [5, 1 << 20], '0.5')).toBe(false); // 1.75 is off that grid: barsFromCandles refuses
    expect(agree(text, [5, 1 << 20], '0.001')).toBe(true);
    expect(agree(text, [5, 1 << 20], '0.0001')).toBe(true);
  });

  it.each([
    ['high below low', `${HEAD}1000,2,1,3,2,1\n`],
    ['high below open', `${HEAD}1000,3,2,1,2,1\n`],
    ['low above close', `${HEAD}1000,2,3,2,1.5,1\n`],
    ['a zero price', `${HEAD}1000,0,1,0.0,1,1\n`],
    ['a negative price', `${HEAD}1000,-1,1,1,1,1\n`],
    ['a duplicate time', `${HEAD}1000,1,1,1,1,1\n2000,1,1,1,1,1\n1000,1,1,1,1,1\n`],
    ['a duplicate time next to it', `${HEAD}1000,1,1,1,1,1\n1000,1,1,1,1,1\n`],
    ['a bad time', `${HEAD}soon,1,1,1,1,1\n`],
    ['a bad calendar date', `date,open,high,low,close\n2021-02-29,1,1,1,1\n`],
    ['a field too many', `${HEAD}1000,1,1,1,1,1,7\n`],
    ['a field too few', `${HEAD}1000,1,1,1,1\n`],
    ['a negative volume', `${HEAD}1000,1,1,1,1,-3\n`],
    ['a number with a letter', `${HEAD}1000,1x,1,1,1,1\n`],
    ['an empty file', ''],
    ['a header without rows', HEAD],
    ['a missing column', 'time,open,high,close\n1000,1,1,1\n'],
    ['JSON', '[[1000,"1","1","1","1","1"]]'],
  ])('gives up where the general path refuses: %s', (_what, text) => {
    expect(agree(text)).toBe(false);
  });

  it.each([
    ['an exponent', `${HEAD}1000,1e2,100,100,100,1\n`],
    ['a quoted field', `${HEAD}1000,"1",1,1,1,1\n`],
    ['spaces around a number', `${HEAD}1000, 1,1,1,1,1\n`],
    ['16 significant digits', `${HEAD}1000,1.000000000000001,1.000000000000001,1,1,1\n`],
    ['a leading dot', `${HEAD}1000,.5,1,0.5,1,1\n`],
  ])('gives up (the general path decides) on what it does not read exactly: %s', (_what, text) => {
    const f = fast(new TextEncoder().encode(text));
    expect(f).toBe(undefined);
    agree(text);
  });

  it('agrees with the general path on random files, valid and broken', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const price = (): string => {
      const r = rnd();
      if (r < 0.02) return '0';
      if (r < 0.04) return '1.2e3';
      const whole = String(Math.floor(rnd() * 10_000));
      const places = Math.floor(rnd() * 5);
      return places === 0 ? whole : `${whole}.${String(Math.floor(rnd() * 10 ** places)).padStart(places, '0')}`;
    };
    let answered = 0;
    for (let k = 0; k < 300; k++) {
      const rows: string[] = [HEAD.trimEnd()];
      let t = 1_600_000_000_000;
      const n = 1 + Math.floor(rnd() * 8);
      for (let i = 0; i < n; i++) {
        t += rnd() < 0.05 ? 0 : rnd() < 0.05 ? -3_600_000 : 3_600_000;
        const ps = [price(), price(), price(), price()];
        // mostly consistent bars: high the largest, low the smallest
        if (rnd() < 0.9) {
          const sorted = [...ps].sort((a, b) => Number(a) - Number(b));
          ps[1] = sorted[3]!;
          ps[2] = sorted[0]!;
        }
        rows.push(`${t},${ps.join(',')},${price()}`);
      }
      if (agree(rows.join(rnd() < 0.3 ? '\r\n' : '\n') + '\n', [1, 5, 1 << 20])) answered++;
    }
    expect(answered).toBeGreaterThan(50);
  });
});

describe.skipIf(!hasData)('the fast path on the reference data files', () => {
  it.each([
    'GOOG.csv',
    'EURUSD.csv',
    'BTCUSD.csv',
    'orcl-1995-2014.csv',
    'backtrader-2006-day-001.csv',
    'coinbase-btcusd-1h.csv',
    'coinbase-btcusd-1d.csv',
  ])('%s: the same series and out-of-order report as the general path', (name) => {
    const text = readFileSync(`${dataDir}${name}`, 'utf8');
    expect(agree(text, [4096, 1 << 24])).toBe(true);
  });

  it('a range of rows equals barsFromCandles over the same candles (the tick inferred from that range)', () => {
    const text = readFileSync(`${dataDir}coinbase-btcusd-1h.csv`, 'utf8');
    const f = fast(new TextEncoder().encode(text))!;
    const { candles } = parseCandles(text);
    expect(plain(barsFromColumns(f.cols, 100, 5000)!)).toEqual(plain(barsFromCandles(candles.slice(100, 5000))));
    expect(barsFromColumns(f.cols, 10, 10)).toBe(undefined);
  });
});
