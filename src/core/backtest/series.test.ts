import { describe, expect, it } from 'vitest';
import type { Candle } from '../marketdata/candle.ts';
import { resolveParams } from './params.ts';
import { barsFromCandles, repeatSeries } from './series.ts';
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

describe('resolveParams', () => {
  it('fills defaults and converts text values', () => {
    expect(resolveParams(smaCross, {})).toEqual({ fast: 10, slow: 20 });
    expect(resolveParams(smaCross, { fast: '5', slow: 50 })).toEqual({ fast: 5, slow: 50 });
  });

  it('names the parameter that is unknown, of the wrong type or out of range', () => {
    expect(codeOf(() => resolveParams(smaCross, { fats: 3 }))).toEqual([
      'unknown-param',
      'parameter fats: strategy sma-cross has no such parameter (it has: fast, slow)',
    ]);
    expect(codeOf(() => resolveParams(smaCross, { fast: 'abc' }))).toEqual([
      'bad-param',
      'parameter fast: "abc" is not a number',
    ]);
    expect(codeOf(() => resolveParams(smaCross, { fast: 2.5 }))[1]).toBe('parameter fast: 2.5 is not a whole number');
    expect(codeOf(() => resolveParams(smaCross, { slow: 0 }))[1]).toBe('parameter slow: 0 is below the minimum 1');
  });
});
