import { describe, expect, it } from 'vitest';
import {
  add,
  ceilToStep,
  decimalsOf,
  divTrunc,
  floorToStep,
  formatDec,
  fromNumber,
  isDecimal,
  mul,
  onStep,
  parseDec,
  snapToStep,
  sub,
  trimZeros,
  UNSIGNED_DECIMAL,
} from './decimal';

describe('exact decimals', () => {
  it('parses and writes decimal strings without floats', () => {
    expect(parseDec('2410.0371')).toEqual({ units: 24100371n, scale: 4 });
    expect(formatDec(parseDec('-0.005'))).toBe('-0.005');
    expect(formatDec(add(parseDec('0.1'), parseDec('0.2')))).toBe('0.3');
    expect(formatDec(sub(parseDec('2410'), parseDec('36.15')))).toBe('2373.85');
    expect(formatDec(mul(parseDec('2410'), parseDec('1.5')))).toBe('3615.0');
    expect(isDecimal('1e5')).toBe(false);
    expect(() => parseDec('12,5')).toThrow(RangeError);
  });

  it('snaps a dragged price to the nearest tick: "2410.0371" on 0.01 is "2410.04"', () => {
    expect(snapToStep('2410.0371', '0.01')).toBe('2410.04');
    expect(snapToStep('2410.0349', '0.01')).toBe('2410.03');
    expect(snapToStep('2410.035', '0.01')).toBe('2410.04'); // half away from zero
    expect(snapToStep('100.26', '0.5')).toBe('100.5');
    expect(snapToStep('100.24', '0.5')).toBe('100.0');
    expect(snapToStep('7', '0.25')).toBe('7.00');
    expect(snapToStep('1234.5678', '1')).toBe('1235');
  });

  it('floors and ceils onto a grid, negatives included', () => {
    expect(floorToStep('0.123456', '0.0001')).toBe('0.1234');
    expect(ceilToStep('0.123401', '0.0001')).toBe('0.1235');
    expect(ceilToStep('0.1234', '0.0001')).toBe('0.1234');
    expect(floorToStep('-1.25', '0.5')).toBe('-1.5');
    expect(ceilToStep('-1.25', '0.5')).toBe('-1.0');
  });

  it('tells whether a quantity is on the lot grid', () => {
    expect(onStep('0.003', '0.001')).toBe(true);
    expect(onStep('0.0031', '0.001')).toBe(false);
    expect(onStep('1.5', '0.5')).toBe(true);
  });

  it('truncates ratios so 1.998 reads 1.99, never 2.00', () => {
    expect(divTrunc(parseDec('9.99'), parseDec('5'), 2)).toBe('1.99');
    expect(divTrunc(parseDec('72.3'), parseDec('36.15'), 2)).toBe('2.00');
    expect(() => divTrunc(parseDec('1'), parseDec('0'), 2)).toThrow(RangeError);
  });

  it('writes a float pointer price with a fixed number of decimals', () => {
    expect(fromNumber(2410.03712345, 6)).toBe('2410.037123');
    expect(() => fromNumber(Number.NaN, 2)).toThrow(RangeError);
  });
});

describe('decimal text helpers shared by the pages', () => {
  it('drops trailing zeros without touching the value', () => {
    expect(['12.50', '3.000', '-0.0', '100', '-0.050'].map(trimZeros)).toEqual(['12.5', '3', '0', '100', '-0.05']);
  });
  it('counts written decimals without throwing, and tells unsigned decimals apart', () => {
    expect(['0.01', '5', '', '1.'].map(decimalsOf)).toEqual([2, 0, 0, 0]);
    expect(['0.5', '12', '-1', '1e3', '1,5'].map((s) => UNSIGNED_DECIMAL.test(s))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
