import { describe, expect, it } from 'vitest';
import { breakdown, rDistribution, utcHour, utcWeekday, type AnalyticsTrade } from './analytics.ts';

const U = 10n ** 12n; // atoms per quote unit
// 2024-01-01 was a Monday.
const MON = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const t = (o: Partial<AnalyticsTrade> & { r: number; pnl: number; at: number }): AnalyticsTrade => ({
  r: o.r,
  netPnl: BigInt(o.pnl) * U,
  closedAt: o.at,
  symbol: o.symbol ?? 'BTC-USD',
  side: o.side ?? 'buy',
  setup: o.setup ?? null,
  tags: o.tags ?? [],
});

// Hand-made journal: four trades.
const TRADES = [
  t({ r: 2, pnl: 200, at: MON + 9 * HOUR, setup: 'breakout', tags: ['a', 'b'] }), // Mon 09
  t({ r: -1, pnl: -100, at: MON + 9 * HOUR + 30 * 60_000, setup: 'breakout', tags: ['a'], side: 'sell' }), // Mon 09
  t({ r: 0, pnl: 0, at: MON + DAY + 23 * HOUR, setup: 'pullback', symbol: 'ETH-USD' }), // Tue 23
  t({ r: -0.5, pnl: -50, at: MON + 6 * DAY + 1 * HOUR, tags: ['b'] }), // Sun 01
];

describe('utcWeekday and utcHour', () => {
  it('read the UTC weekday (0 = Sunday) and hour of the exit time, before 1970 too', () => {
    expect(utcWeekday(MON)).toBe(1);
    expect(utcWeekday(0)).toBe(4); // 1970-01-01 was a Thursday
    expect(utcWeekday(-1)).toBe(3);
    expect(utcHour(MON + 23 * HOUR + 59 * 60_000)).toBe(23);
    expect(utcHour(-1)).toBe(23);
  });
});

describe('breakdown', () => {
  it('by weekday lists Monday to Sunday with empty days zero-filled', () => {
    const g = breakdown(TRADES, 'weekday');
    expect(g.map((x) => x.key)).toEqual(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);
    expect(g[0]).toEqual({
      key: 'monday',
      trades: 2,
      wins: 1,
      losses: 1,
      winRate: 0.5,
      totalR: 1,
      expectancyR: 0.5,
      netPnl: 100n * U,
    });
    expect(g[1]).toMatchObject({ trades: 1, wins: 0, losses: 0, winRate: 0, totalR: 0, netPnl: 0n });
    expect(g[2]).toMatchObject({ trades: 0, winRate: 0, expectancyR: 0, netPnl: 0n });
    expect(g[6]).toMatchObject({ trades: 1, losses: 1, totalR: -0.5, expectancyR: -0.5, netPnl: -50n * U });
  });

  it('by hour lists 00 to 23 by exit hour', () => {
    const g = breakdown(TRADES, 'hour');
    expect(g).toHaveLength(24);
    expect(g.filter((x) => x.trades > 0).map((x) => [x.key, x.trades])).toEqual([
      ['01', 1],
      ['09', 2],
      ['23', 1],
    ]);
  });

  it('by tag counts a trade in each of its tags, untagged trades under null', () => {
    const g = breakdown(TRADES, 'tag');
    expect(g.map((x) => [x.key, x.trades, x.totalR, x.netPnl])).toEqual([
      ['a', 2, 1, 100n * U],
      ['b', 2, 1.5, 150n * U],
      [null, 1, 0, 0n],
    ]);
  });

  it('by setup orders by trade count, then name, null last; by side buy first; by symbol', () => {
    expect(breakdown(TRADES, 'setup').map((x) => [x.key, x.trades, x.expectancyR])).toEqual([
      ['breakout', 2, 0.5],
      ['pullback', 1, 0],
      [null, 1, -0.5],
    ]);
    expect(breakdown(TRADES, 'side').map((x) => [x.key, x.trades, x.winRate])).toEqual([
      ['buy', 3, 1 / 3],
      ['sell', 1, 0],
    ]);
    expect(breakdown(TRADES, 'symbol').map((x) => [x.key, x.trades])).toEqual([
      ['BTC-USD', 3],
      ['ETH-USD', 1],
    ]);
    expect(breakdown([], 'symbol')).toEqual([]);
  });
});

describe('rDistribution', () => {
  it('counts R in half-R buckets [k/2, (k+1)/2) from the lowest to the highest, empty ones included', () => {
    const d = rDistribution([2, -1, 0, -0.5, 0.49, 2.25]);
    expect(d.width).toBe(0.5);
    expect(d.rs).toEqual([2, -1, 0, -0.5, 0.49, 2.25]);
    expect(d.buckets).toEqual([
      { from: -1, to: -0.5, count: 1 },
      { from: -0.5, to: 0, count: 1 },
      { from: 0, to: 0.5, count: 2 },
      { from: 0.5, to: 1, count: 0 },
      { from: 1, to: 1.5, count: 0 },
      { from: 1.5, to: 2, count: 0 },
      { from: 2, to: 2.5, count: 2 },
    ]);
  });

  it('rounds edges of a decimal width and gathers outliers in open end buckets', () => {
    expect(rDistribution([0.3], 0.1).buckets).toEqual([{ from: 0.3, to: 0.4, count: 1 }]);
    const d = rDistribution([-1000, 1000], 1);
    expect(d.buckets).toHaveLength(200);
    expect(d.buckets[0]).toEqual({ from: null, to: -99, count: 1 });
    expect(d.buckets[199]).toEqual({ from: 99, to: null, count: 1 });
  });

  it('is empty without trades and refuses a bad width or R', () => {
    expect(rDistribution([])).toEqual({ width: 0.5, buckets: [], rs: [] });
    expect(() => rDistribution([1], 0)).toThrow(RangeError);
    expect(() => rDistribution([Number.NaN])).toThrow(RangeError);
  });
});
