import { describe, expect, it } from 'vitest';
import { computeQuotes, fairValue, planRequote, type QuoteInput } from './market-maker.ts';

const base: QuoteInput = {
  fair: 10_000, // 100.00 at a 0.01 tick
  position: 0,
  halfSpread: 50,
  step: 25,
  levels: 3,
  size: 2,
  maxPosition: 12,
  skew: 100,
  sellable: Infinity,
  cash: Infinity,
};

describe('market maker quotes', () => {
  it('quotes a symmetric ladder around the fair value when flat', () => {
    expect(computeQuotes(base)).toEqual([
      { side: 'buy', price: 9950, amount: 2 },
      { side: 'buy', price: 9925, amount: 2 },
      { side: 'buy', price: 9900, amount: 2 },
      { side: 'sell', price: 10050, amount: 2 },
      { side: 'sell', price: 10075, amount: 2 },
      { side: 'sell', price: 10100, amount: 2 },
    ]);
  });

  it('moves every quote down when long and up when short, in proportion to the position (inventory skew)', () => {
    const at = (position: number) => computeQuotes({ ...base, position });
    const bestBid = (position: number) => at(position).find((q) => q.side === 'buy')?.price;
    const bestAsk = (position: number) => at(position).find((q) => q.side === 'sell')?.price;
    // half the limit long: centre 100 × 6/12 = 50 ticks lower
    expect(bestBid(6)).toBe(9900);
    expect(bestAsk(6)).toBe(10000);
    // half the limit short: 50 ticks higher
    expect(bestBid(-6)).toBe(10000);
    expect(bestAsk(-6)).toBe(10100);
    // the skew stops growing past the limit
    expect(bestAsk(40)).toBe(bestAsk(12));
    // the bid never meets the ask, whatever the position
    for (const p of [-20, -12, -3, 0, 3, 12, 20]) {
      const b = bestBid(p);
      const a = bestAsk(p);
      if (b !== undefined && a !== undefined) expect(b).toBeLessThan(a);
    }
  });

  it('bids no more than the room left below the position limit, and asks no more than above minus the limit', () => {
    const long = computeQuotes({ ...base, position: 9 }); // room to buy: 3
    expect(long.filter((q) => q.side === 'buy').map((q) => q.amount)).toEqual([2, 1]);
    expect(long.filter((q) => q.side === 'sell').map((q) => q.amount)).toEqual([2, 2, 2]);
    const full = computeQuotes({ ...base, position: 12 });
    expect(full.filter((q) => q.side === 'buy')).toEqual([]);
    const short = computeQuotes({ ...base, position: -11 }); // room to sell: 1
    expect(short.filter((q) => q.side === 'sell').map((q) => q.amount)).toEqual([1]);
  });

  it('asks only what it holds (spot) and bids only what its cash pays for', () => {
    const q = computeQuotes({ ...base, sellable: 3, cash: 9950 * 2 + 9925 });
    expect(q.filter((x) => x.side === 'sell').map((x) => x.amount)).toEqual([2, 1]);
    expect(q.filter((x) => x.side === 'buy').map((x) => x.amount)).toEqual([2, 1]);
    expect(computeQuotes({ ...base, sellable: 0, cash: 0 })).toEqual([]);
  });

  it('leaves out quotes at or below zero', () => {
    const q = computeQuotes({ ...base, fair: 60, halfSpread: 10, step: 25 });
    expect(q.filter((x) => x.side === 'buy').map((x) => x.price)).toEqual([50, 25]);
  });
});

describe('market maker requote plan', () => {
  it('keeps orders already at a wanted price and size, cancels the rest and places what is missing', () => {
    const plan = planRequote(
      [
        { id: 'a', side: 'buy', price: 99, amount: 2 },
        { id: 'b', side: 'buy', price: 98, amount: 1 }, // partly filled: size differs
        { id: 'c', side: 'sell', price: 101, amount: 2 },
        { id: 'd', side: 'sell', price: 101, amount: 2 }, // duplicate: only one is wanted
      ],
      [
        { side: 'buy', price: 99, amount: 2 },
        { side: 'buy', price: 98, amount: 2 },
        { side: 'sell', price: 101, amount: 2 },
        { side: 'sell', price: 102, amount: 2 },
      ],
    );
    expect(plan.cancel.map((o) => o.id)).toEqual(['b', 'd']);
    expect(plan.place).toEqual([
      { side: 'buy', price: 98, amount: 2 },
      { side: 'sell', price: 102, amount: 2 },
    ]);
  });

  it('changes nothing when the book already holds exactly the wanted quotes', () => {
    const wanted = computeQuotes(base);
    const plan = planRequote(
      wanted.map((q, i) => ({ ...q, id: String(i) })),
      wanted,
    );
    expect(plan).toEqual({ cancel: [], place: [] });
  });
});

describe('market maker fair value', () => {
  it('takes the mid of the book without its own quotes', () => {
    const own = [
      { side: 'buy' as const, price: 99, amount: 2 },
      { side: 'sell' as const, price: 103, amount: 2 },
    ];
    // others: bid 98 (and 1 lot beside ours at 99), ask 105
    expect(
      fairValue(
        [
          [99, 2],
          [98, 5],
        ],
        [
          [103, 2],
          [105, 1],
        ],
        own,
      ),
    ).toEqual({ fair: 101, source: 'book' });
    expect(fairValue([[99, 3]], [[103, 2]], own)?.fair).toBeUndefined(); // only our ask on that side
    expect(fairValue([[99, 3]], [[103, 2]], own, 100)).toEqual({ fair: 100, source: 'last trade' });
  });

  it('falls back to the last trade, then to --fair, and has none on an empty market', () => {
    expect(fairValue([], [], [], 250, 100)).toEqual({ fair: 250, source: 'last trade' });
    expect(fairValue([], [], [], undefined, 100)).toEqual({ fair: 100, source: '--fair' });
    expect(fairValue([], [], [])).toBeUndefined();
  });
});
