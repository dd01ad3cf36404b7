import { describe, expect, it } from 'vitest';
import { bucketEnd, bucketStart, quoteText } from './market-data.ts';

describe('kline buckets', () => {
  const t = Date.UTC(2026, 11, 2, 14, 7, 31, 250); // Wednesday 2 December 2026
  it('minutes and hours from the epoch', () => {
    expect(bucketStart('1m', t)).toBe(Date.UTC(2026, 11, 2, 14, 7));
    expect(bucketStart('4h', t)).toBe(Date.UTC(2026, 11, 2, 12));
    expect(bucketEnd('1m', bucketStart('1m', t))).toBe(Date.UTC(2026, 11, 2, 14, 8) - 1);
  });
  it('weeks start on Monday, months on the 1st', () => {
    expect(bucketStart('1w', t)).toBe(Date.UTC(2026, 10, 30));
    expect(bucketStart('1M', t)).toBe(Date.UTC(2026, 11, 1));
    expect(bucketEnd('1M', Date.UTC(2026, 1, 1))).toBe(Date.UTC(2026, 2, 1) - 1);
  });
});

describe('quote quantities', () => {
  it('price × quantity exactly from ticks × lots', () => {
    // tick 0.01, lot 0.1: 1050 ticks × 5 lots = 10.50 × 0.5 = 5.25
    expect(quoteText({ id: 1, tickSize: '0.01', lotSize: '0.1' }, 1050n * 5n)).toBe('5.25');
  });
});
