import { describe, expect, it } from 'vitest';
import {
  OptimizeError,
  expandGrid,
  parseAxis,
  parseConstraint,
  rangeValues,
  rankResults,
  resolveStat,
  type GridResult,
} from './grid.ts';
import type { BacktestStats } from '../core/backtest/types.ts';

const result = (index: number, sqn: number | null, error = false): GridResult => ({
  index,
  params: { i: index },
  stats: error ? null : ({ SQN: sqn } as unknown as BacktestStats),
  rStats: null,
  error: error ? { code: 'bad-param', message: 'x' } : null,
});

describe('grid axes', () => {
  it('reads inclusive ranges, lists and single values', () => {
    expect(parseAxis('fast=5:30:5')).toEqual({ name: 'fast', values: [5, 10, 15, 20, 25, 30] });
    expect(parseAxis('slow=20:45:10').values).toEqual([20, 30, 40]);
    expect(parseAxis('mode=a,b').values).toEqual(['a', 'b']);
    expect(parseAxis('on=true').values).toEqual([true]);
    expect(parseAxis('x=0.1:0.3:0.1').values).toEqual([0.1, 0.2, 0.3]);
    // exponent forms keep the mantissa's decimals (1.5e-7 has 8) and whole numbers past 1e21 stay whole
    expect(rangeValues(1.5e-7, 4.5e-7, 1.5e-7)).toEqual([1.5e-7, 3e-7, 4.5e-7]);
    expect(rangeValues(1e21, 3e21, 1e21)).toEqual([1e21, 2e21, 3e21]);
  });

  it('refuses malformed axes with a stable code and the field', () => {
    const err = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e instanceof OptimizeError ? [e.code, e.field] : e;
      }
      return null;
    };
    expect(err(() => parseAxis('fast=5:1:1'))).toEqual(['bad-param-range', 'params.fast']);
    expect(err(() => parseAxis('fast=5:10:0'))).toEqual(['bad-param-range', 'params.fast']);
    expect(err(() => parseAxis('fast=5:10'))).toEqual(['bad-param-range', 'params.fast']);
    expect(err(() => parseAxis('=5'))).toEqual(['bad-param-range', 'params']);
    expect(err(() => rangeValues(0, 1e9, 1, 'grid.x', 1000))).toEqual(['grid-too-large', 'grid.x']);
    // a denormal start or step would need toFixed(324): refused, not a RangeError
    expect(err(() => rangeValues(5e-324, 1, 0.5, 'grid.x'))).toEqual(['bad-param-range', 'grid.x']);
    expect(err(() => rangeValues(1, 1, 1.5e-25, 'grid.x'))).toEqual(['bad-param-range', 'grid.x']);
    expect(err(() => resolveStat('Start'))).toEqual(['unknown-stat', 'maximize']);
  });

  it('expands the product with the first axis varying slowest', () => {
    const g = expandGrid([parseAxis('a=1,2'), parseAxis('b=x,y')], { c: 0 });
    expect(g).toEqual([
      { c: 0, a: 1, b: 'x' },
      { c: 0, a: 1, b: 'y' },
      { c: 0, a: 2, b: 'x' },
      { c: 0, a: 2, b: 'y' },
    ]);
  });

  it('filters by a constraint and refuses unknown names', () => {
    const c = parseConstraint('fast<slow && slow <= 40', ['fast', 'slow']);
    expect([c.test({ fast: 5, slow: 20 }), c.test({ fast: 20, slow: 20 }), c.test({ fast: 5, slow: 50 })]).toEqual([
      true,
      false,
      false,
    ]);
    expect(() => parseConstraint('fast<medium', ['fast', 'slow'])).toThrow(/not a parameter/);
    expect(() => parseConstraint('fast slow', ['fast', 'slow'])).toThrow(OptimizeError);
  });

  it('resolves statistic names case-insensitively', () => {
    expect(resolveStat('sqn')).toBe('SQN');
    expect(resolveStat('Return [%]')).toBe('Return [%]');
  });
});

describe('ranking', () => {
  it('puts the highest first, missing values and errors last, ties in grid order', () => {
    const ranked = rankResults(
      [result(0, 1), result(1, null), result(2, 3), result(3, 1), result(4, 0, true), result(5, NaN), result(6, 3)],
      'SQN',
    );
    expect(ranked.map((r) => r.index)).toEqual([2, 6, 0, 3, 1, 4, 5]);
  });
});
