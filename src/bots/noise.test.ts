import { describe, expect, it } from 'vitest';
import { seededRandom } from './common.ts';
import { drawNoiseOrder, fitToBalance, marketablePrice } from './noise.ts';

describe('noise trader', () => {
  const p = { minLots: 1, maxLots: 5, meanIntervalMs: 1000, marketShare: 0.5 };

  it('draws both sides, every size in range, both kinds, and waits averaging the mean interval', () => {
    const random = seededRandom(7);
    const orders = Array.from({ length: 4000 }, () => drawNoiseOrder(random, p));
    const buys = orders.filter((o) => o.side === 'buy').length;
    expect(buys / orders.length).toBeGreaterThan(0.46);
    expect(buys / orders.length).toBeLessThan(0.54);
    expect(new Set(orders.map((o) => o.amount))).toEqual(new Set([1, 2, 3, 4, 5]));
    const markets = orders.filter((o) => o.kind === 'market').length / orders.length;
    expect(markets).toBeGreaterThan(0.46);
    expect(markets).toBeLessThan(0.54);
    const mean = orders.reduce((s, o) => s + o.waitMs, 0) / orders.length;
    // exponential with mean 1000 capped at 5000: E = 1000 × (1 − e^−5) ≈ 993
    expect(mean).toBeGreaterThan(930);
    expect(mean).toBeLessThan(1060);
    expect(Math.max(...orders.map((o) => o.waitMs))).toBeLessThanOrEqual(5000);
  });

  it('repeats the same orders for the same seed', () => {
    const a = seededRandom(99);
    const b = seededRandom(99);
    for (let i = 0; i < 50; i++) expect(drawNoiseOrder(a, p)).toEqual(drawNoiseOrder(b, p));
  });

  it('prices a marketable limit past the best opposite price, rounded away from the book', () => {
    expect(marketablePrice('buy', 10_000, 0.01)).toBe(10_100);
    expect(marketablePrice('buy', 333, 0.01)).toBe(337); // 336.33 up
    expect(marketablePrice('sell', 333, 0.01)).toBe(329); // 329.67 down
    expect(marketablePrice('sell', 1, 0.5)).toBe(1);
  });

  it('shrinks an order to the balance, else turns it to the other side, else skips it', () => {
    expect(fitToBalance('buy', 4, { buyLots: 10, sellLots: 0 })).toEqual({ side: 'buy', amount: 4 });
    expect(fitToBalance('buy', 4, { buyLots: 2, sellLots: 9 })).toEqual({ side: 'buy', amount: 2 });
    expect(fitToBalance('buy', 4, { buyLots: 0, sellLots: 9 })).toEqual({ side: 'sell', amount: 4 });
    expect(fitToBalance('sell', 4, { buyLots: 3, sellLots: 0 })).toEqual({ side: 'buy', amount: 3 });
    expect(fitToBalance('sell', 4, { buyLots: 0, sellLots: 0 })).toBeUndefined();
  });
});
