import { describe, expect, it } from 'vitest';
import { defaultValues, fieldOfCode, formErrors, readParams, strategyChoices, type ParamField } from './params';

const FIELDS: ParamField[] = [
  { name: 'fast', type: 'int', default: 10, min: 1, description: 'fast SMA' },
  { name: 'stopAtr', type: 'number', default: 0, min: 0, max: 10, description: 'stop in ATRs' },
  { name: 'shorts', type: 'boolean', default: false, description: 'also short' },
  { name: 'label', type: 'string', default: 'a', description: 'text' },
];

describe('strategy parameters in the start form', () => {
  it('starts at the defaults and sends every value converted to its type', () => {
    const v = defaultValues(FIELDS);
    expect(v).toEqual({ fast: '10', stopAtr: '0', shorts: 'false', label: 'a' });
    expect(readParams(FIELDS, { ...v, fast: ' 12 ', stopAtr: '1.5', shorts: 'true' })).toEqual({
      ok: true,
      params: { fast: 12, stopAtr: 1.5, shorts: true, label: 'a' },
    });
  });

  it('names each wrong field: not a number, not whole, out of bounds', () => {
    expect(readParams(FIELDS, { fast: '2.5', stopAtr: 'x', shorts: 'false', label: '' })).toEqual({
      ok: false,
      errors: { fast: 'Enter a whole number.', stopAtr: 'x is not a number.' },
    });
    expect(readParams(FIELDS, { fast: '0', stopAtr: '11', shorts: 'false', label: '' })).toEqual({
      ok: false,
      errors: { fast: 'At least 1.', stopAtr: 'At most 10.' },
    });
    expect(readParams(FIELDS, { fast: '', stopAtr: '0x10' })).toMatchObject({
      ok: false,
      errors: { fast: 'Enter a number.', stopAtr: '0x10 is not a number.' },
    });
  });

  it('maps the API field errors to form fields, the rest to the general error', () => {
    expect(
      formErrors([
        { field: 'symbol', message: 'unknown symbol' },
        { field: 'params.fast', message: 'below the minimum' },
        { field: 'params.fast', message: 'second' },
        { field: 'body.timeframe', message: 'not fed' },
        { field: 'warmupBars', message: 'too many' },
      ]),
    ).toEqual({ symbol: 'unknown symbol', 'params.fast': 'below the minimum', timeframe: 'not fed', '': 'too many' });
    expect(fieldOfCode('timeframe-not-fed')).toBe('timeframe');
    expect(fieldOfCode('symbol-not-fed')).toBe('symbol');
    expect(fieldOfCode('rule-rejected')).toBeNull();
  });

  it('turns the listed built-in strategies into form choices, parameters in declaration order', () => {
    const choices = strategyChoices([
      {
        name: 'sma-cross',
        description: 'crossover',
        params: {
          fast: { type: 'int', default: 10, min: 1, description: 'fast SMA' },
          slow: { type: 'int', default: 30, min: 2, description: 'slow SMA' },
          stopAtr: { type: 'number', default: 0, min: 0, max: 10, description: 'stop in ATRs' },
        },
      },
      { name: 'breakout', description: 'channel', params: {} },
    ]);
    expect(choices.map((s) => s.name)).toEqual(['sma-cross', 'breakout']);
    expect(choices[0]!.params.map((p) => p.name)).toEqual(['fast', 'slow', 'stopAtr']);
    expect(choices[0]!.params[2]).toEqual({
      name: 'stopAtr',
      type: 'number',
      default: 0,
      min: 0,
      max: 10,
      description: 'stop in ATRs',
    });
    expect(choices[1]!.params).toEqual([]);
  });
});
