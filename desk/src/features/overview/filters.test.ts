import { describe, expect, it } from 'vitest';
import { activeFilterCount, describeFilter, isDay, nextDay, parseFilter, toApiQuery, writeFilter } from './filters';

describe('journal filters in the URL', () => {
  it('reads days, symbol, setup and tag, and ignores malformed or unknown values', () => {
    const p = new URLSearchParams('from=2024-01-01&to=2024-02-30&symbol=BTC-USD&setup=%20&tag=a&status=open&x=1');
    expect(parseFilter(p)).toEqual({ from: '2024-01-01', symbol: 'BTC-USD', tag: 'a' });
  });

  it('keeps a known status only where the page has one', () => {
    expect(parseFilter(new URLSearchParams('status=closed'), true)).toEqual({ status: 'closed' });
    expect(parseFilter(new URLSearchParams('status=weird'), true)).toEqual({});
  });

  it('writes the filter in a stable key order, dropping empty fields and keeping other keys', () => {
    const p = writeFilter(new URLSearchParams('page=2&tag=old'), { tag: 'new', from: '2024-01-01', symbol: '' });
    expect(p.toString()).toBe('page=2&from=2024-01-01&tag=new');
  });

  it('round-trips through the URL', () => {
    const f = { from: '2024-01-01', to: '2024-01-31', symbol: 'BTC-USD', setup: 'breakout', tag: 'demo' };
    expect(parseFilter(writeFilter(new URLSearchParams(), f))).toEqual(f);
  });

  it('sends the inclusive last day as the exclusive next day', () => {
    expect(toApiQuery({ from: '2024-02-01', to: '2024-02-29' })).toMatchObject({
      from: '2024-02-01',
      to: '2024-03-01',
    });
    expect(toApiQuery({}).to).toBeUndefined();
  });

  it('knows real calendar days and the day after across month and year ends', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2023-02-29')).toBe(false);
    expect(isDay('2024-1-01')).toBe(false);
    expect(nextDay('2023-12-31')).toBe('2024-01-01');
    expect(() => nextDay('nope')).toThrow(RangeError);
  });

  it('counts and describes the active fields', () => {
    expect(activeFilterCount({})).toBe(0);
    expect(describeFilter({})).toBe('all trades');
    expect(activeFilterCount({ from: '2024-01-01', tag: 'x' })).toBe(2);
    expect(describeFilter({ from: '2024-01-01', symbol: 'BTC-USD', tag: 'x' })).toBe(
      '2024-01-01 → … · BTC-USD · tag x',
    );
  });
});
