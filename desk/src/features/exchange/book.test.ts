import { describe, expect, it } from 'vitest';
import { buildLadder } from './book';

const book = {
  bids: [
    { price: '0.4', size: '5', orders: 2 },
    { price: '0.37', size: '2', orders: 1 },
    { price: '0.31', size: '3', orders: 1 },
  ],
  asks: [
    { price: '0.45', size: '1', orders: 1 },
    { price: '0.5', size: '4', orders: 3 },
  ],
};

describe('buildLadder', () => {
  it('puts the asks above the bids, best prices next to the spread, with running totals and depth', () => {
    const l = buildLadder(book);
    expect(l.asks.map((r) => [r.price, r.size, r.total])).toEqual([
      ['0.5', '4', '5'],
      ['0.45', '1', '1'],
    ]);
    expect(l.bids.map((r) => [r.price, r.size, r.total])).toEqual([
      ['0.4', '5', '5'],
      ['0.37', '2', '7'],
      ['0.31', '3', '10'],
    ]);
    expect(l.spread).toBe('0.05');
    expect(l.bids.at(-1)!.depth).toBe(1);
    expect(l.asks[0]!.depth).toBe(0.5);
  });

  it('groups into buckets of a coarser step: bids round down, asks round up, sizes and orders summed exactly', () => {
    const l = buildLadder(
      { bids: [...book.bids, { price: '0.3', size: '0.25', orders: 1 }], asks: book.asks },
      { step: '0.1' },
    );
    expect(l.bids.map((r) => [r.price, r.size, r.orders, r.total])).toEqual([
      ['0.4', '5', 2, '5'],
      ['0.3', '5.25', 3, '10.25'],
    ]);
    expect(l.asks.map((r) => [r.price, r.size, r.orders])).toEqual([['0.5', '5', 4]]);
  });

  it('has no spread and no depth when a side is empty, and keeps at most `rows` levels per side', () => {
    const l = buildLadder({ bids: book.bids, asks: [] }, { rows: 2 });
    expect(l.spread).toBeNull();
    expect(l.asks).toEqual([]);
    expect(l.bids.map((r) => r.price)).toEqual(['0.4', '0.37']);
    expect(buildLadder({ bids: [], asks: [] })).toEqual({ asks: [], bids: [], spread: null });
  });
});
