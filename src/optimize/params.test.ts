import { describe, expect, it } from 'vitest';
import type { StrategyDefinition } from '../core/backtest/types.ts';
import { checkParams, checkValue, paramOfField } from './params.ts';
import { describeOptimizeError } from '../cli/optimize.ts';
import { OptimizeError, parseAxis, prepareGrid } from './index.ts';

const withFlag = {
  name: 'flagged',
  description: 'test',
  params: {
    n: { type: 'int', default: 3, min: 1, max: 10, description: '' },
    on: { type: 'boolean', default: false, description: '' },
    x: { type: 'number', default: 0.5, description: '' },
  },
  init: () => () => {},
} as unknown as StrategyDefinition<Record<string, never>>;

describe('parameter checks', () => {
  it('name the refused value with a stable code', () => {
    expect(checkValue({ type: 'int', default: 1, description: '' }, 'abc', 'params.n')).toEqual({
      field: 'params.n',
      code: 'invalid-type',
      message: '"abc" is not a whole number',
    });
    expect(checkParams(withFlag, { n: [2.5, 0, 11], on: ['maybe', true], x: 'y' })).toEqual([
      { field: 'params.n.0', code: 'not-an-integer', message: '2.5 is not a whole number' },
      { field: 'params.n.1', code: 'too-small', message: '0 is below the minimum 1' },
      { field: 'params.n.2', code: 'too-big', message: '11 is above the maximum 10' },
      { field: 'params.on.0', code: 'invalid-type', message: '"maybe" is not a boolean' },
      { field: 'params.x', code: 'invalid-type', message: '"y" is not a number' },
    ]);
  });

  it('map a field to its parameter', () => {
    expect([paramOfField('params.fast'), paramOfField('grid.fast.2'), paramOfField('maximize')]).toEqual([
      'fast',
      'fast',
      null,
    ]);
  });

  it('read as `--param name: …` on the command line, booleans too', () => {
    const line = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (describeOptimizeError(e) as Error).message;
      }
      return 'no error';
    };
    expect(line(() => prepareGrid({ strategy: 'sma-cross', axes: [parseAxis('fast=abc')], options: {} }))).toBe(
      '--param fast: "abc" is not a whole number',
    );
    const issue = checkParams(withFlag, { on: [parseAxis('on=maybe').values[0]!] })[0]!;
    expect(
      line(() => {
        throw new OptimizeError('bad-param-range', issue.message, issue.field);
      }),
    ).toBe('--param on: "maybe" is not a boolean');
    // a malformed range names its parameter too
    expect(line(() => parseAxis('fast=9:1:1'))).toBe('--param fast: stop 1 is below start 9');
  });
});
