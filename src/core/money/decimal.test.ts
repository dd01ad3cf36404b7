import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FRACTION_SCALE,
  MONEY_SCALE,
  absBig,
  divCeil,
  divFloor,
  divRound,
  formatAtoms,
  formatAtomsFixed,
  fractionToPercent,
  fromScaled,
  isDecimalText,
  percentToFraction,
  ratio,
  toAtoms,
  toScaled,
  tryScaled,
} from './decimal.ts';

describe('scales', () => {
  it('defines one money atom as 10^-12 and one fraction unit as 10^-8', () => {
    expect(MONEY_SCALE).toBe(1_000_000_000_000n);
    expect(FRACTION_SCALE).toBe(100_000_000n);
  });
});

describe('toScaled / fromScaled', () => {
  it.each([
    // text, dp, scaled value (hand-shifted by dp places)
    ['1.25', 2, 125n],
    ['1.2', 2, 120n],
    ['100', 2, 10_000n],
    ['0', 2, 0n],
    ['-0.5', 2, -50n],
    ['+3.07', 2, 307n],
    ['007.5', 1, 75n],
    ['8267.88', 2, 826_788n],
    ['1.2300', 2, 123n], // trailing zeros beyond dp are accepted
    ['5.000', 0, 5n],
    ['  42.1 ', 1, 421n], // surrounding whitespace is trimmed
    ['0.000000000001', 12, 1n],
    ['-12345678901234567890.123456789012', 12, -12345678901234567890123456789012n],
  ])('parses %j at %i decimals as %s', (text, dp, value) => {
    expect(toScaled(text, dp)).toBe(value);
  });

  it.each([
    [125n, 2, '1.25'],
    [120n, 2, '1.2'], // trailing zeros trimmed
    [100n, 2, '1'],
    [5n, 2, '0.05'],
    [-5n, 2, '-0.05'],
    [0n, 2, '0'],
    [-1500n, 3, '-1.5'],
    [7n, 0, '7'],
    [1n, 12, '0.000000000001'],
  ])('formats %s at %i decimals as %j', (value, dp, text) => {
    expect(fromScaled(value, dp)).toBe(text);
  });

  it('round-trips canonical text through toScaled and fromScaled', () => {
    for (const [text, dp] of [
      ['1.25', 2],
      ['-0.05', 2],
      ['8267.88', 4],
      ['0', 6],
      ['123456789.123456789012', 12],
    ] as const) {
      expect(fromScaled(toScaled(text, dp), dp)).toBe(text);
    }
  });

  it.each(['', 'abc', '1.2.3', '1e5', '.5', '5.', '1,000', '--1', '+-1', 'NaN', 'Infinity', '0x10', '1 000'])(
    'rejects %j as not a decimal number',
    (text) => {
      expect(() => toScaled(text, 4)).toThrow(RangeError);
      expect(() => toScaled(text, 4)).toThrow(/not a decimal number/);
      expect(tryScaled(text, 4)).toBeUndefined();
    },
  );

  it('rejects text with more significant decimals than the scale allows', () => {
    expect(() => toScaled('1.234', 2)).toThrow(RangeError);
    expect(() => toScaled('1.234', 2)).toThrow(/more than 2 decimal places/);
    expect(() => toScaled('0.5', 0)).toThrow(/more than 0 decimal places/);
    // 13 decimals is one more than a money atom
    expect(() => toAtoms('0.0000000000001')).toThrow(RangeError);
    expect(tryScaled('1.234', 2)).toBeUndefined();
    expect(tryScaled('1.23', 2)).toBe(123n);
  });

  it('recognises only plain decimal text', () => {
    expect(isDecimalText('100')).toBe(true);
    expect(isDecimalText('-0.5')).toBe(true);
    expect(isDecimalText('8267.88')).toBe(true);
    expect(isDecimalText('1e3')).toBe(false);
    expect(isDecimalText('1,5')).toBe(false);
    expect(isDecimalText(' 1')).toBe(false);
  });

  it('property: fromScaled then toScaled returns the same integer at any scale', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (v, dp) => {
        const text = fromScaled(v, dp);
        expect(isDecimalText(text)).toBe(true);
        expect(toScaled(text, dp)).toBe(v);
      }),
    );
  });

  it('property: toAtoms then formatAtoms returns the canonical form of the text', () => {
    const textArb = fc
      .tuple(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), maxLength: 12 }),
      )
      .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`);
    fc.assert(
      fc.property(textArb, (text) => {
        const atoms = toAtoms(text);
        const formatted = formatAtoms(atoms);
        // canonical: same value, no trailing fractional zeros, no "-0"
        expect(toAtoms(formatted)).toBe(atoms);
        expect(formatted).not.toMatch(/\.\d*0$/);
        expect(formatted).not.toBe('-0');
      }),
    );
  });
});

describe('atoms and percent helpers', () => {
  it('converts quote text to atoms and back', () => {
    // 1.5 quote = 1.5 × 10^12 atoms
    expect(toAtoms('1.5')).toBe(1_500_000_000_000n);
    expect(formatAtoms(1_500_000_000_000n)).toBe('1.5');
    expect(formatAtoms(-1n)).toBe('-0.000000000001');
  });

  it('converts percent text to fraction units and back', () => {
    // 1% = 0.01 = 10^6 × 10^-8
    expect(percentToFraction('1')).toBe(1_000_000n);
    expect(percentToFraction('0.5')).toBe(500_000n);
    expect(percentToFraction('0.000001')).toBe(1n);
    expect(() => percentToFraction('0.0000001')).toThrow(RangeError);
    expect(fractionToPercent(1_000_000n)).toBe('1');
    expect(fractionToPercent(2_500_000n)).toBe('2.5');
  });

  it('takes absolute values and float ratios', () => {
    expect(absBig(-7n)).toBe(7n);
    expect(absBig(7n)).toBe(7n);
    expect(ratio(1n, 3n)).toBeCloseTo(1 / 3, 9);
    expect(ratio(-3n, 2n)).toBe(-1.5);
    expect(ratio(0n, 0n)).toBe(0);
    expect(ratio(5n, 0n)).toBe(Infinity);
    expect(ratio(-5n, 0n)).toBe(-Infinity);
  });
});

describe('integer division', () => {
  it.each([
    // a, b, floor, ceil, round-half-away-from-zero (exact quotient in the comment)
    [7n, 2n, 3n, 4n, 4n], // 3.5
    [-7n, 2n, -4n, -3n, -4n], // -3.5
    [7n, -2n, -4n, -3n, -4n], // -3.5
    [-7n, -2n, 3n, 4n, 4n], // 3.5
    [6n, 2n, 3n, 3n, 3n], // 3 exactly
    [-6n, 2n, -3n, -3n, -3n], // -3 exactly
    [7n, 3n, 2n, 3n, 2n], // 2.33
    [8n, 3n, 2n, 3n, 3n], // 2.67
    [-7n, 3n, -3n, -2n, -2n], // -2.33
    [-8n, 3n, -3n, -2n, -3n], // -2.67
    [1n, 4n, 0n, 1n, 0n], // 0.25
    [-1n, 4n, -1n, 0n, 0n], // -0.25
    [0n, 5n, 0n, 0n, 0n],
    [0n, -5n, 0n, 0n, 0n],
  ])('%s / %s: floor %s, ceil %s, round %s', (a, b, floor, ceil, round) => {
    expect(divFloor(a, b)).toBe(floor);
    expect(divCeil(a, b)).toBe(ceil);
    expect(divRound(a, b)).toBe(round);
  });

  it('property: divFloor, divCeil and divRound agree with exact float arithmetic on small integers', () => {
    const nonZero = fc.integer({ min: -1000, max: 1000 }).filter((n) => n !== 0);
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), nonZero, (a, b) => {
        const q = a / b;
        expect(divFloor(BigInt(a), BigInt(b))).toBe(BigInt(Math.floor(q)));
        expect(divCeil(BigInt(a), BigInt(b))).toBe(BigInt(Math.ceil(q)));
        // half away from zero: round |q| half up, then restore the sign (x.5 is exact in binary; any other
        // quotient is at least 1/(2|b|) away from a half, far above float error)
        const expected = Math.sign(q) * Math.floor(Math.abs(q) + 0.5);
        expect(divRound(BigInt(a), BigInt(b))).toBe(BigInt(expected));
      }),
    );
  });
});

describe('formatAtomsFixed', () => {
  const Q = MONEY_SCALE;
  it.each([
    [1_234_567_890_000n, 2, '1.23'], // 1.23456789 → 1.23
    [1_235_000_000_000n, 2, '1.24'], // 1.235 → half away from zero → 1.24
    [-1_235_000_000_000n, 2, '-1.24'], // -1.235 → -1.24
    [1_234_999_999_999n, 2, '1.23'], // just under the half
    [Q, 2, '1.00'], // padded to exactly 2 decimals
    [0n, 2, '0.00'],
    [999_000_000_000n, 2, '1.00'], // 0.999 rounds up into the integer part
    [-4_000_000_000n, 2, '0.00'], // -0.004 rounds to zero, never "-0.00"
    [-5_000_000_000n, 2, '-0.01'], // -0.005 → -0.01
    [15n * (Q / 10n), 0, '2'], // 1.5 → 2, no decimal point
    [25n * (Q / 10n), 0, '3'], // 2.5 → 3
    [-25n * (Q / 10n), 0, '-3'], // -2.5 → -3
    [101n * (Q / 10n), 4, '10.1000'],
    [1n, 12, '0.000000000001'],
  ])('formats %s atoms at %i decimals as %j', (atoms, dp, text) => {
    expect(formatAtomsFixed(atoms, dp)).toBe(text);
  });
});
