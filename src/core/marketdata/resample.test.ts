import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Candle } from './candle.ts';
import { compareDecimalText, parseCandles } from './importers.ts';
import {
  bucketStart,
  CandleSeriesError,
  DecimalSum,
  higherTimeframes,
  resampleCandles,
  validateCandles,
} from './resample.ts';

const DATA = new URL('../../../../shared/data/', import.meta.url);
const REAL_1M = new URL('freqtrade-unittest-btc-1m.json', DATA);
const haveData = existsSync(REAL_1M);
if (!haveData) console.warn(`skipping real-data resample tests: ${REAL_1M.pathname} is absent`);

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1); // a Monday
const bar = (time: number, open: string, high: string, low: string, close: string, volume = '1'): Candle => ({
  time,
  open,
  high,
  low,
  close,
  volume,
});

describe('bucketStart', () => {
  it('aligns to UTC multiples of the timeframe', () => {
    expect(bucketStart(Date.UTC(2024, 0, 1, 10, 7, 30), '5m')).toBe(Date.UTC(2024, 0, 1, 10, 5));
    expect(bucketStart(Date.UTC(2024, 0, 1, 10, 59), '1h')).toBe(Date.UTC(2024, 0, 1, 10));
    expect(bucketStart(Date.UTC(2024, 0, 1, 23, 59), '4h')).toBe(Date.UTC(2024, 0, 1, 20));
    expect(bucketStart(Date.UTC(2024, 0, 1, 23, 59), '1d')).toBe(Date.UTC(2024, 0, 1));
  });

  it('starts weeks on Monday 00:00 UTC', () => {
    // 2019-10-13 is a Sunday, 2019-10-07 the Monday before; 2019-10-14 a Monday
    expect(bucketStart(Date.UTC(2019, 9, 13, 23, 59), '1w')).toBe(Date.UTC(2019, 9, 7));
    expect(bucketStart(Date.UTC(2019, 9, 14), '1w')).toBe(Date.UTC(2019, 9, 14));
    expect(bucketStart(Date.UTC(1970, 0, 1), '1w')).toBe(Date.UTC(1969, 11, 29));
  });

  it('lists the higher timeframes of the chain', () => {
    expect(higherTimeframes('1h')).toEqual(['4h', '1d', '1w']);
    expect(higherTimeframes('1w')).toEqual([]);
  });
});

describe('exact decimal text', () => {
  it('compares by value, not by text or float', () => {
    expect(compareDecimalText('1.50', '1.5')).toBe(0);
    expect(compareDecimalText('10', '9.999')).toBeGreaterThan(0);
    expect(compareDecimalText('0.1', '0.10000000000000000001')).toBeLessThan(0);
    expect(compareDecimalText('007', '7')).toBe(0);
    // equal as floats, different as decimals
    expect(compareDecimalText('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
  });

  it('sums exactly, keeping the largest scale', () => {
    const s = new DecimalSum();
    for (const v of ['0.1', '0.2', '23.0', '1']) s.add(v);
    expect(s.toString()).toBe('24.3');
    const t = new DecimalSum();
    t.add('1.50');
    t.add('2');
    expect(t.toString()).toBe('3.50');
  });
});

describe('validateCandles', () => {
  const ok = bar(T0, '100', '101', '99', '100.5');
  it('accepts a valid series', () => {
    expect(() => validateCandles([ok, { ...ok, time: T0 + MIN }])).not.toThrow();
  });
  it.each([
    [[ok, { ...ok, time: T0 - MIN }], 'unsorted', 1],
    [[ok, ok], 'duplicate-time', 1],
    [[ok, { ...ok, time: T0 + MIN, low: '0' }], 'non-positive-price', 1],
    [[ok, { ...ok, time: T0 + MIN, open: '-1' }], 'non-positive-price', 1],
    [[{ ...ok, high: '98' }], 'high-below-low', 0],
    [[{ ...ok, high: '100.4' }], 'high-below-open-close', 0],
    [[{ ...ok, low: '100.1' }], 'low-above-open-close', 0],
    [[{ ...ok, volume: '1e3' }], 'bad-number', 0],
    [[{ ...ok, time: 1.5 }], 'bad-time', 0],
  ] as const)('rejects %# with its code and bar index', (candles, code, index) => {
    let err: unknown;
    try {
      validateCandles(candles as unknown as Candle[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CandleSeriesError);
    expect(err).toMatchObject({ code, index });
    expect((err as Error).message).toMatch(new RegExp(`^bar ${index} \\(`));
  });
});

describe('resampleCandles', () => {
  it('takes first open, max high, min low, last close and the exact volume sum per UTC bucket', () => {
    const src = [
      bar(T0, '100', '105', '99.5', '104', '0.1'),
      bar(T0 + MIN, '104', '110.25', '103', '109', '0.2'),
      bar(T0 + 4 * MIN, '109', '109.5', '98', '99', '0.7'),
      bar(T0 + 5 * MIN, '99', '100', '97', '98', '3'),
    ];
    expect(resampleCandles(src, '1m', '5m')).toEqual([
      { time: T0, open: '100', high: '110.25', low: '98', close: '99', volume: '1.0', complete: true },
      { time: T0 + 5 * MIN, open: '99', high: '100', low: '97', close: '98', volume: '3', complete: false },
    ]);
  });

  it('compares prices as decimals: 9.99 < 10.5 and 1e-8-sized prices', () => {
    const src = [
      bar(T0, '9.99', '9.99', '9.99', '9.99'),
      bar(T0 + MIN, '10.5', '10.5', '10.5', '10.5'),
      bar(T0 + 2 * MIN, '0.00000001', '10.5', '0.00000001', '0.00000002'),
    ];
    const [b] = resampleCandles(src, '1m', '1h');
    expect(b).toMatchObject({ high: '10.5', low: '0.00000001', close: '0.00000002', volume: '3' });
  });

  it('flags only an unfinished last bucket as incomplete', () => {
    const full = Array.from({ length: 5 }, (_, i) => bar(T0 + i * MIN, '1', '1', '1', '1'));
    expect(resampleCandles(full, '1m', '5m').map((c) => c.complete)).toEqual([true]);
    // a gap inside the bucket followed by more data: complete (gaps are not incompleteness)
    const gappy = [full[0]!, full[4]!, bar(T0 + 5 * MIN, '1', '1', '1', '1')];
    expect(resampleCandles(gappy, '1m', '5m').map((c) => c.complete)).toEqual([true, false]);
    // an incomplete source bar makes its bucket incomplete
    const inc = [{ ...bar(T0, '1', '1', '1', '1'), complete: false }];
    expect(resampleCandles(inc, '1d', '1w')[0]!.complete).toBe(false);
  });

  it('refuses a lower or equal target and unsorted input', () => {
    expect(() => resampleCandles([], '1h', '1h')).toThrow(RangeError);
    expect(() => resampleCandles([], '1h', '5m')).toThrow(RangeError);
    expect(() => resampleCandles([bar(T0 + MIN, '1', '1', '1', '1'), bar(T0, '1', '1', '1', '1')], '1m', '5m')).toThrow(
      CandleSeriesError,
    );
  });

  it.skipIf(!haveData)('gives the same result directly and step by step on real 1m data (13,681 bars)', () => {
    const { candles } = parseCandles(readFileSync(REAL_1M, 'utf8'));
    expect(candles).toHaveLength(13_681);
    let chained: ReturnType<typeof resampleCandles> = candles.map((c) => ({ ...c, complete: true }));
    let from = '1m' as const as Parameters<typeof resampleCandles>[1];
    for (const to of higherTimeframes('1m')) {
      chained = resampleCandles(chained, from, to);
      const direct = resampleCandles(candles, '1m', to);
      expect(chained).toEqual(direct);
      from = to;
    }
    const daily = resampleCandles(candles, '1m', '1d');
    // 2017-11-04 23:02 → 2017-11-14 22:59: 11 UTC days, the last one ends at 22:59 → incomplete
    expect(daily).toHaveLength(11);
    expect(daily.at(-1)!.complete).toBe(false);
    expect(daily.slice(0, -1).every((c) => c.complete)).toBe(true);
    // volume is the exact sum of the minute volumes
    const day0 = candles.filter((c) => c.time < daily[1]!.time);
    const sum = new DecimalSum();
    for (const c of day0) sum.add(c.volume);
    expect(daily[0]!.volume).toBe(sum.toString());
    const weekly = resampleCandles(candles, '1m', '1w');
    expect(weekly.map((c) => new Date(c.time).getUTCDay())).toEqual(weekly.map(() => 1));
  });
});
