import { describe, expect, it } from 'vitest';
import { closedCloses, orderForTrend, sma, trendSignal } from './momentum.ts';

describe('momentum trader', () => {
  it('averages the last n values', () => {
    expect(sma([1, 2, 3, 4], 2)).toBe(3.5);
    expect(sma([1, 2, 3, 4], 4)).toBe(2.5);
    expect(sma([1, 2], 3)).toBeUndefined();
  });

  it('reads an up-trend when the fast average is above the slow one, a down-trend below, nothing when flat', () => {
    const rising = Array.from({ length: 20 }, (_, i) => 100 + i);
    expect(trendSignal(rising, 3, 10)).toEqual({ trend: 'up', fast: 118, slow: 114.5 });
    expect(trendSignal([...rising].reverse(), 3, 10)?.trend).toBe('down');
    expect(trendSignal(Array(20).fill(100), 3, 10)).toBeUndefined();
    expect(trendSignal(rising.slice(0, 9), 3, 10)).toBeUndefined(); // too few bars
  });

  it('keeps only bars that have closed, and fills intervals without trades with the previous close', () => {
    const rows = [
      [0, 1, 1, 1, 10, 1],
      [60_000, 1, 1, 1, 11, 1],
      [120_000, 1, 1, 1, 12, 1], // still open at 150 s
    ];
    expect(closedCloses(rows, 60_000, 150_000)).toEqual([10, 11]);
    expect(closedCloses(rows, 60_000, 180_000)).toEqual([10, 11, 12]);
    // no trade in minutes 2 and 3: the price stayed at 11; minute 5 is not over at 330 s
    const sparse = [
      [0, 1, 1, 1, 10, 1],
      [60_000, 1, 1, 1, 11, 1],
      [240_000, 1, 1, 1, 13, 1],
    ];
    expect(closedCloses(sparse, 60_000, 330_000)).toEqual([10, 11, 11, 11, 13]);
    expect(closedCloses([], 60_000, 330_000)).toEqual([]);
  });

  it('orders the difference to the wanted position and never passes the limit', () => {
    expect(orderForTrend('up', 0, 5, false)).toEqual({ side: 'buy', amount: 5, target: 5 });
    expect(orderForTrend('up', 5, 5, false)).toBeUndefined();
    expect(orderForTrend('down', 5, 5, false)).toEqual({ side: 'sell', amount: 10, target: -5 });
    expect(orderForTrend('down', 5, 5, true)).toEqual({ side: 'sell', amount: 5, target: 0 });
    expect(orderForTrend('down', 0, 5, true)).toBeUndefined();
    expect(orderForTrend('up', -5, 5, false)).toEqual({ side: 'buy', amount: 10, target: 5 });
  });
});
