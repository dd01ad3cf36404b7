import { describe, expect, it } from 'vitest';
import type { Candle } from '../marketdata/candle.ts';
import { resolveParams } from './params.ts';
import { barsFromCandles, describeGaps, findBarGaps, nthSmallest, repeatSeries } from './series.ts';
import { smaCross } from './strategies/sma-cross.ts';
import { BacktestError } from './types.ts';

const c = (time: number, o: string, h: string, l: string, cl: string): Candle => ({
  time,
  open: o,
  high: h,
  low: l,
  close: cl,
  volume: '1',
});

function codeOf(f: () => unknown): [string, string] {
  try {
    f();
  } catch (e) {
    if (e instanceof BacktestError) return [e.code, e.message];
    throw e;
  }
  return ['none', ''];
}

describe('barsFromCandles', () => {
  it('infers the tick size from the most decimal places and stores prices as whole ticks', () => {
    const b = barsFromCandles([c(0, '100.5', '101', '99.25', '100'), c(60_000, '100', '100.75', '99', '100.5')]);
    expect(b.tickSize).toBe('0.01');
    expect(Array.from(b.ticks.low)).toEqual([9925, 9900]);
    expect(Array.from(b.close)).toEqual([100, 100.5]);
  });

  it('rejects unsorted, duplicated and invalid bars, naming the bar', () => {
    const ok = c(0, '1', '2', '1', '2');
    expect(codeOf(() => barsFromCandles([ok, c(-1, '1', '2', '1', '2')]))).toEqual([
      'bad-bars',
      'bar 1 (1969-12-31T23:59:59.999Z): is earlier than bar 0 (1970-01-01T00:00:00.000Z): bars are unsorted',
    ]);
    expect(codeOf(() => barsFromCandles([ok, c(0, '1', '2', '1', '2')]))[1]).toContain(
      'bar 1 (1970-01-01T00:00:00.000Z): duplicates the time of bar 0',
    );
    expect(codeOf(() => barsFromCandles([ok, c(1, '0', '2', '0', '2')]))[1]).toContain('bar 1');
    expect(codeOf(() => barsFromCandles([ok, c(1, '1', '1', '2', '1')]))[1]).toContain('high 1 is below low 2');
    expect(codeOf(() => barsFromCandles([c(0, '1.005', '2', '1', '2')], { tickSize: '0.01' }))[1]).toContain(
      'not on the tick grid',
    );
    expect(codeOf(() => barsFromCandles([]))[0]).toBe('bad-bars');
  });

  it('repeats a series with shifted times that stay ascending', () => {
    const b = barsFromCandles([c(0, '1', '2', '1', '2'), c(10, '2', '3', '2', '3')]);
    const r = repeatSeries(b, 3);
    expect(Array.from(r.time)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(Array.from(r.ticks.close)).toEqual([2, 3, 2, 3, 2, 3]);
  });
});

describe('findBarGaps', () => {
  const day = 86_400_000;
  const mon = 1_704_067_200_000; // 2024-01-01, a Monday
  const series = (times: number[]) => barsFromCandles(times.map((t) => c(t, '1', '2', '1', '2')));

  it('reports missing bars relative to the usual spacing, never weekends of a weekday-only series', () => {
    // Mon..Fri, Mon, Tue, (Wed missing), Thu, Fri
    const days = [0, 1, 2, 3, 4, 7, 8, 10, 11].map((d) => mon + d * day);
    const gaps = findBarGaps(series(days));
    expect(gaps).toEqual([{ afterBar: 6, from: mon + 8 * day, to: mon + 10 * day, missingBars: 1 }]);
    expect(describeGaps(gaps)).toBe(
      '1 gap(s) in the bars, 1 bar(s) missing (not filled): 1 after bar 6 (2024-01-09T00:00:00.000Z, next bar 2024-01-11T00:00:00.000Z)',
    );
  });

  it('counts every missing hour of a 24/7 series', () => {
    const h = 3_600_000;
    const gaps = findBarGaps(series([0, 1, 2, 5, 6].map((k) => mon + k * h)));
    expect(gaps.map((g) => [g.afterBar, g.missingBars])).toEqual([[2, 2]]);
    expect(findBarGaps(series([0, 1, 2, 3].map((k) => mon + k * h)))).toEqual([]);
  });
});

describe('resolveParams', () => {
  it('fills defaults and converts text values', () => {
    expect(resolveParams(smaCross, {})).toEqual({ fast: 10, slow: 20, stopAtr: 0, rr: 0 });
    expect(resolveParams(smaCross, { fast: '5', slow: 50 })).toEqual({ fast: 5, slow: 50, stopAtr: 0, rr: 0 });
  });

  it('names the parameter that is unknown, of the wrong type or out of range', () => {
    expect(codeOf(() => resolveParams(smaCross, { fats: 3 }))).toEqual([
      'unknown-param',
      'parameter fats: strategy sma-cross has no such parameter (it has: fast, slow, stopAtr, rr)',
    ]);
    expect(codeOf(() => resolveParams(smaCross, { fast: 'abc' }))).toEqual([
      'bad-param',
      'parameter fast: "abc" is not a number',
    ]);
    expect(codeOf(() => resolveParams(smaCross, { fast: 2.5 }))[1]).toBe('parameter fast: 2.5 is not a whole number');
    expect(codeOf(() => resolveParams(smaCross, { slow: 0 }))[1]).toBe('parameter slow: 0 is below the minimum 1');
    expect(codeOf(() => resolveParams(smaCross, { fast: '0x10' }))[1]).toBe('parameter fast: "0x10" is not a number');
  });
});

describe('nthSmallest', () => {
  it('equals the sorted array at every index, with runs of equal values and on random data', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 40);
      const values = Array.from({ length: n }, () => (rnd() < 0.6 ? 3_600_000 : Math.floor(rnd() * 10) * 60_000));
      const sorted = [...values].sort((a, b) => a - b);
      for (let k = 0; k < n; k++) expect(nthSmallest(Float64Array.from(values), k)).toBe(sorted[k]);
    }
  });
});
