import { describe, expect, it } from 'vitest';
import { OrderBook } from './engine.ts';
import type { MatchEvent, NewOrder, Side, TradeEvent } from './types.ts';

/** A limit order (GTC unless `extra` says otherwise). */
const lim = (id: number, account: number, side: Side, price: number, size: number, extra: Partial<NewOrder> = {}) =>
  ({ id, account, side, type: 'limit', price, size, ...extra }) satisfies NewOrder;

const mkt = (id: number, account: number, side: Side, size: number, extra: Partial<NewOrder> = {}) =>
  ({ id, account, side, type: 'market', size, ...extra }) satisfies NewOrder;

const stopMkt = (id: number, account: number, side: Side, stopPrice: number, size: number) =>
  ({ id, account, side, type: 'stop-market', stopPrice, size }) satisfies NewOrder;

const stopLim = (id: number, account: number, side: Side, stopPrice: number, price: number, size: number) =>
  ({ id, account, side, type: 'stop-limit', stopPrice, price, size }) satisfies NewOrder;

/** A fresh book with `orders` submitted in turn. */
function bookWith(...orders: NewOrder[]): OrderBook {
  const book = new OrderBook();
  for (const o of orders) book.submit(o);
  return book;
}

const trades = (evs: MatchEvent[]): TradeEvent[] => evs.filter((e): e is TradeEvent => e.type === 'trade');
/** Trades as `[maker, taker, price, size]` tuples. */
const fills = (evs: MatchEvent[]): [number, number, number, number][] =>
  trades(evs).map((t) => [t.makerOrderId, t.takerOrderId, t.price, t.size]);
const triggeredIds = (evs: MatchEvent[]): number[] => evs.flatMap((e) => (e.type === 'triggered' ? [e.orderId] : []));
/** The whole observable state of a book, to show a command changed nothing. */
const snapshot = (book: OrderBook) => ({
  depth: book.depth(100),
  orders: book.allOrders(),
  last: book.lastPrice(),
  size: book.size(),
});

describe('OrderBook: limit orders', () => {
  it('accepts a non-crossing GTC limit order and rests it', () => {
    const book = new OrderBook();
    const evs = book.submit(lim(1, 7, 'buy', 100, 5));
    expect(evs).toEqual([
      {
        type: 'accepted',
        orderId: 1,
        account: 7,
        side: 'buy',
        orderType: 'limit',
        price: 100,
        size: 5,
        pending: false,
      },
    ]);
    expect(book.bestBid()).toBe(100);
    expect(book.bestAsk()).toBeNull();
    expect(book.getOrder(1)).toEqual({
      id: 1,
      account: 7,
      side: 'buy',
      type: 'limit',
      price: 100,
      stopPrice: null,
      size: 5,
      remaining: 5,
      filled: 0,
      state: 'resting',
    });
  });

  it('trades at the maker price when the taker crosses deeper (price improvement)', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5));
    const evs = book.submit(lim(2, 2, 'buy', 105, 5));
    expect(evs).toEqual([
      expect.objectContaining({ type: 'accepted', orderId: 2 }),
      {
        type: 'trade',
        makerOrderId: 1,
        takerOrderId: 2,
        makerAccount: 1,
        takerAccount: 2,
        price: 100,
        size: 5,
        takerSide: 'buy',
      },
      { type: 'done', orderId: 1, account: 1, filled: 5, reason: 'filled' },
      { type: 'done', orderId: 2, account: 2, filled: 5, reason: 'filled' },
    ]);
    expect(book.lastPrice()).toBe(100);
    expect(book.size()).toBe(0);
    expect(book.depth()).toEqual({ bids: [], asks: [] });
  });

  it('fills partially across several levels, best first, and rests the remainder at its limit', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 1, 'sell', 101, 3), lim(3, 1, 'sell', 102, 5));
    const evs = book.submit(lim(4, 2, 'buy', 101, 7));
    expect(fills(evs)).toEqual([
      [1, 4, 100, 2],
      [2, 4, 101, 3],
    ]);
    expect(evs.filter((e) => e.type === 'done').map((e) => e.orderId)).toEqual([1, 2]);
    expect(book.depth()).toEqual({
      bids: [{ price: 101, size: 2, orders: 1 }],
      asks: [{ price: 102, size: 5, orders: 1 }],
    });
    expect(book.getOrder(4)).toMatchObject({ remaining: 2, filled: 5, size: 7, state: 'resting' });
    expect(book.lastPrice()).toBe(101);
  });

  it('leaves a partially filled maker resting with its remainder and keeps its place', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5), lim(2, 1, 'sell', 100, 5));
    expect(fills(book.submit(lim(3, 2, 'buy', 100, 3)))).toEqual([[1, 3, 100, 3]]);
    expect(book.getOrder(1)).toMatchObject({ remaining: 2, filled: 3, size: 5 });
    expect(book.depth().asks).toEqual([{ price: 100, size: 7, orders: 2 }]);
    expect(fills(book.submit(lim(4, 2, 'buy', 100, 4)))).toEqual([
      [1, 4, 100, 2],
      [2, 4, 100, 2],
    ]);
  });

  it('fills orders at one price level in arrival order', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 2), lim(2, 2, 'buy', 100, 2), lim(3, 3, 'buy', 100, 2));
    expect(fills(book.submit(lim(4, 4, 'sell', 100, 5)))).toEqual([
      [1, 4, 100, 2],
      [2, 4, 100, 2],
      [3, 4, 100, 1],
    ]);
  });

  it('fills a better price before an earlier worse one (sell taker hits the highest bid first)', () => {
    const book = bookWith(lim(1, 1, 'buy', 99, 2), lim(2, 1, 'buy', 101, 2), lim(3, 1, 'buy', 100, 2));
    const evs = book.submit(lim(4, 2, 'sell', 99, 6));
    expect(fills(evs)).toEqual([
      [2, 4, 101, 2],
      [3, 4, 100, 2],
      [1, 4, 99, 2],
    ]);
    expect(trades(evs).every((t) => t.takerSide === 'sell')).toBe(true);
  });

  it('does not trade a limit order beyond its price', () => {
    const book = bookWith(lim(1, 1, 'sell', 101, 5));
    expect(fills(book.submit(lim(2, 2, 'buy', 100, 5)))).toEqual([]);
    expect(book.bestBid()).toBe(100);
    expect(book.bestAsk()).toBe(101);
  });
});

describe('OrderBook: IOC', () => {
  it('cancels the unfilled remainder with reason ioc and never rests', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3), lim(2, 1, 'sell', 102, 3));
    const evs = book.submit(lim(3, 2, 'buy', 101, 5, { tif: 'IOC' }));
    expect(fills(evs)).toEqual([[1, 3, 100, 3]]);
    expect(evs.slice(-2)).toEqual([
      { type: 'cancelled', orderId: 3, account: 2, remaining: 2, reason: 'ioc' },
      { type: 'done', orderId: 3, account: 2, filled: 3, reason: 'cancelled' },
    ]);
    expect(book.getOrder(3)).toBeUndefined();
    expect(book.bestBid()).toBeNull();
  });

  it('cancels an IOC order that cannot trade at all', () => {
    const book = new OrderBook();
    expect(book.submit(lim(1, 1, 'sell', 100, 4, { tif: 'IOC' })).slice(1)).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 4, reason: 'ioc' },
      { type: 'done', orderId: 1, account: 1, filled: 0, reason: 'cancelled' },
    ]);
    expect(book.size()).toBe(0);
  });

  it('reports a fully filled IOC order as filled', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3));
    const evs = book.submit(lim(2, 2, 'buy', 100, 3, { tif: 'IOC' }));
    expect(evs.at(-1)).toEqual({ type: 'done', orderId: 2, account: 2, filled: 3, reason: 'filled' });
    expect(evs.some((e) => e.type === 'cancelled')).toBe(false);
  });
});

describe('OrderBook: FOK', () => {
  it('cancels a FOK order that cannot fill completely, with no trades and no side effects', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3), lim(2, 1, 'sell', 101, 3), lim(9, 3, 'buy', 90, 1));
    const before = snapshot(book);
    const evs = book.submit(lim(3, 2, 'buy', 101, 7, { tif: 'FOK' }));
    expect(evs).toEqual([
      expect.objectContaining({ type: 'accepted', orderId: 3 }),
      { type: 'cancelled', orderId: 3, account: 2, remaining: 7, reason: 'fok-not-fillable' },
      { type: 'done', orderId: 3, account: 2, filled: 0, reason: 'cancelled' },
    ]);
    expect(snapshot(book)).toEqual(before);
  });

  it('counts only the volume within its limit price', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3), lim(2, 1, 'sell', 102, 10));
    const before = snapshot(book);
    const evs = book.submit(lim(3, 2, 'buy', 101, 4, { tif: 'FOK' }));
    expect(trades(evs)).toEqual([]);
    expect(evs).toContainEqual(expect.objectContaining({ type: 'cancelled', reason: 'fok-not-fillable' }));
    expect(snapshot(book)).toEqual(before);
  });

  it('fills a FOK order that can fill completely across levels', () => {
    const book = bookWith(lim(1, 1, 'buy', 101, 3), lim(2, 1, 'buy', 100, 3));
    const evs = book.submit(lim(3, 2, 'sell', 100, 5, { tif: 'FOK' }));
    expect(fills(evs)).toEqual([
      [1, 3, 101, 3],
      [2, 3, 100, 2],
    ]);
    expect(evs.at(-1)).toEqual({ type: 'done', orderId: 3, account: 2, filled: 5, reason: 'filled' });
    expect(book.getOrder(2)).toMatchObject({ remaining: 1 });
  });

  it('is not fillable when its own order would stop it (cancel-incoming), and leaves that order alone', () => {
    const book = bookWith(lim(1, 2, 'sell', 100, 3), lim(2, 1, 'sell', 100, 3));
    const before = snapshot(book);
    const evs = book.submit(lim(3, 2, 'buy', 100, 3, { tif: 'FOK', stp: 'cancel-incoming' }));
    expect(trades(evs)).toEqual([]);
    expect(evs).toContainEqual(expect.objectContaining({ type: 'cancelled', orderId: 3, reason: 'fok-not-fillable' }));
    expect(snapshot(book)).toEqual(before);
  });

  it('skips its own orders with cancel-resting: fillable from the others, cancelling its own', () => {
    const book = bookWith(lim(1, 2, 'sell', 100, 3), lim(2, 1, 'sell', 100, 3));
    const evs = book.submit(lim(3, 2, 'buy', 100, 3, { tif: 'FOK', stp: 'cancel-resting' }));
    expect(evs).toContainEqual({
      type: 'cancelled',
      orderId: 1,
      account: 2,
      remaining: 3,
      reason: 'self-trade-prevention',
    });
    expect(fills(evs)).toEqual([[2, 3, 100, 3]]);
    expect(book.size()).toBe(0);
  });
});

describe('OrderBook: post-only', () => {
  it('rejects a post-only order that would take liquidity, changing nothing', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3));
    const before = snapshot(book);
    expect(book.submit(lim(2, 2, 'buy', 100, 1, { postOnly: true }))).toEqual([
      { type: 'rejected', orderId: 2, reason: 'post-only-would-take' },
    ]);
    expect(snapshot(book)).toEqual(before);
    // the id was never taken: it can be used again
    expect(book.submit(lim(2, 2, 'buy', 99, 1, { postOnly: true }))[0]).toMatchObject({ type: 'accepted' });
  });

  it('rejects a post-only sell at or below the best bid', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 3));
    expect(book.submit(lim(2, 2, 'sell', 99, 1, { postOnly: true }))).toEqual([
      { type: 'rejected', orderId: 2, reason: 'post-only-would-take' },
    ]);
  });

  it('accepts and rests a post-only order that does not cross', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3));
    const evs = book.submit(lim(2, 2, 'buy', 99, 4, { postOnly: true, tif: 'GTC' }));
    expect(evs).toEqual([expect.objectContaining({ type: 'accepted', orderId: 2, price: 99, size: 4 })]);
    expect(book.bestBid()).toBe(99);
    // and it is a maker when someone crosses it
    expect(fills(book.submit(lim(3, 3, 'sell', 99, 4)))).toEqual([[2, 3, 99, 4]]);
  });

  it('accepts a post-only order on an empty book', () => {
    const book = new OrderBook();
    expect(book.submit(lim(1, 1, 'sell', 100, 1, { postOnly: true }))[0]).toMatchObject({ type: 'accepted' });
  });

  it('rejects an amend that would make a post-only order take, leaving it unchanged', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 3), lim(2, 2, 'buy', 98, 2, { postOnly: true }));
    const before = snapshot(book);
    expect(book.amend(2, { price: 100 })).toEqual([{ type: 'rejected', orderId: 2, reason: 'post-only-would-take' }]);
    expect(snapshot(book)).toEqual(before);
    expect(book.amend(2, { price: 99 })).toEqual([
      { type: 'amended', orderId: 2, price: 99, remaining: 2, priorityKept: false },
    ]);
  });
});

describe('OrderBook: market orders', () => {
  it('sweeps levels within the default band and reports price null', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 1, 'sell', 150, 2));
    const evs = book.submit(mkt(3, 2, 'buy', 4));
    expect(evs[0]).toEqual({
      type: 'accepted',
      orderId: 3,
      account: 2,
      side: 'buy',
      orderType: 'market',
      price: null,
      size: 4,
      pending: false,
    });
    expect(fills(evs)).toEqual([
      [1, 3, 100, 2],
      [2, 3, 150, 2],
    ]);
    expect(evs.at(-1)).toEqual({ type: 'done', orderId: 3, account: 2, filled: 4, reason: 'filled' });
  });

  it('stops at the price band and cancels the remainder with market-band', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 1, 'sell', 102, 2), lim(3, 1, 'sell', 103, 2));
    const evs = book.submit(mkt(4, 2, 'buy', 10, { bandTicks: 2 }));
    expect(fills(evs)).toEqual([
      [1, 4, 100, 2],
      [2, 4, 102, 2],
    ]);
    expect(evs.slice(-2)).toEqual([
      { type: 'cancelled', orderId: 4, account: 2, remaining: 6, reason: 'market-band' },
      { type: 'done', orderId: 4, account: 2, filled: 4, reason: 'cancelled' },
    ]);
    expect(book.depth().asks).toEqual([{ price: 103, size: 2, orders: 1 }]);
  });

  it('measures the band of a sell from the best bid downwards', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 2), lim(2, 1, 'buy', 99, 2), lim(3, 1, 'buy', 98, 2));
    const evs = book.submit(mkt(4, 2, 'sell', 6, { bandTicks: 1 }));
    expect(fills(evs)).toEqual([
      [1, 4, 100, 2],
      [2, 4, 99, 2],
    ]);
    expect(evs).toContainEqual(expect.objectContaining({ type: 'cancelled', remaining: 2, reason: 'market-band' }));
    expect(book.bestBid()).toBe(98);
  });

  it('takes only the best level with a zero band', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 1, 'sell', 101, 2));
    expect(fills(book.submit(mkt(3, 2, 'buy', 3, { bandTicks: 0 })))).toEqual([[1, 3, 100, 2]]);
  });

  it('uses the engine-wide band when the order has none', () => {
    const book = new OrderBook({ marketBandTicks: 5 });
    book.submit(lim(1, 1, 'sell', 100, 1));
    book.submit(lim(2, 1, 'sell', 105, 1));
    book.submit(lim(3, 1, 'sell', 106, 1));
    const evs = book.submit(mkt(4, 2, 'buy', 3));
    expect(fills(evs).map((f) => f[2])).toEqual([100, 105]);
    expect(evs).toContainEqual(expect.objectContaining({ type: 'cancelled', reason: 'market-band' }));
  });

  it('is cancelled with no-liquidity on an empty opposite side', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 5));
    expect(book.submit(mkt(2, 2, 'buy', 3))).toEqual([
      expect.objectContaining({ type: 'accepted', orderId: 2 }),
      { type: 'cancelled', orderId: 2, account: 2, remaining: 3, reason: 'no-liquidity' },
      { type: 'done', orderId: 2, account: 2, filled: 0, reason: 'cancelled' },
    ]);
    expect(book.depth().bids).toEqual([{ price: 100, size: 5, orders: 1 }]);
  });

  it('is cancelled with no-liquidity when it empties the opposite side within its band', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2));
    const evs = book.submit(mkt(2, 2, 'buy', 5));
    expect(fills(evs)).toEqual([[1, 2, 100, 2]]);
    expect(evs).toContainEqual({ type: 'cancelled', orderId: 2, account: 2, remaining: 3, reason: 'no-liquidity' });
  });

  it('never rests, whatever time in force it is given', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 1));
    const evs = book.submit(mkt(2, 2, 'buy', 5, { tif: 'GTC' }));
    expect(evs).toContainEqual(expect.objectContaining({ type: 'done', orderId: 2, reason: 'cancelled' }));
    expect(book.bestBid()).toBeNull();
    expect(book.size()).toBe(0);
  });
});

describe('OrderBook: stop orders', () => {
  /** A book whose last trade was at `last`, with one ask at 110 and one bid at 90 left over. */
  function tradedAt(last: number): OrderBook {
    const book = bookWith(lim(900, 90, 'sell', 110, 100), lim(901, 90, 'buy', 90, 100));
    book.submit(lim(902, 91, 'sell', last, 1));
    book.submit(lim(903, 92, 'buy', last, 1));
    expect(book.lastPrice()).toBe(last);
    return book;
  }

  it('waits before any trade, as a pending order outside the book', () => {
    const book = new OrderBook();
    const evs = book.submit(stopMkt(1, 1, 'buy', 100, 5));
    expect(evs).toEqual([
      {
        type: 'accepted',
        orderId: 1,
        account: 1,
        side: 'buy',
        orderType: 'stop-market',
        price: null,
        size: 5,
        pending: true,
      },
    ]);
    expect(book.getOrder(1)).toMatchObject({ state: 'pending', stopPrice: 100, price: null, type: 'stop-market' });
    expect(book.depth()).toEqual({ bids: [], asks: [] });
    expect(book.size()).toBe(1);
  });

  it('triggers a buy stop-market when the last trade reaches its stop, then executes it as a market order', () => {
    const book = tradedAt(100);
    book.submit(stopMkt(1, 1, 'buy', 102, 3));
    book.submit(lim(2, 2, 'sell', 101, 1));
    book.submit(lim(3, 2, 'sell', 102, 1));
    book.submit(lim(4, 2, 'sell', 103, 5));
    // last 101 < 102: still pending
    book.submit(lim(5, 3, 'buy', 101, 1));
    expect(book.getOrder(1)).toMatchObject({ state: 'pending' });
    // last 102 ≥ 102: triggers
    const evs = book.submit(lim(6, 3, 'buy', 102, 1));
    const at = evs.findIndex((e) => e.type === 'triggered');
    expect(evs[at]).toEqual({ type: 'triggered', orderId: 1, lastPrice: 102 });
    expect(fills(evs.slice(0, at))).toEqual([[3, 6, 102, 1]]);
    expect(fills(evs.slice(at))).toEqual([[4, 1, 103, 3]]);
    expect(book.getOrder(1)).toBeUndefined();
  });

  it('triggers a sell stop when the last trade falls to its stop (last ≤ stop)', () => {
    const book = tradedAt(100);
    book.submit(stopMkt(1, 1, 'sell', 98, 2));
    book.submit(lim(2, 2, 'buy', 99, 1));
    expect(triggeredIds(book.submit(lim(3, 3, 'sell', 99, 1)))).toEqual([]);
    book.submit(lim(4, 2, 'buy', 97, 1));
    const evs = book.submit(lim(5, 3, 'sell', 97, 1));
    expect(triggeredIds(evs)).toEqual([1]);
    // the stop sells into the remaining bids: the bid at 90 (the one at 97 was just taken)
    expect(fills(evs).at(-1)).toEqual([901, 1, 90, 2]);
  });

  it('triggers a stop-limit into a limit order that rests what it cannot fill', () => {
    const book = tradedAt(100);
    book.submit(stopLim(1, 1, 'buy', 101, 102, 5));
    book.submit(lim(2, 2, 'sell', 101, 1));
    book.submit(lim(3, 2, 'sell', 102, 2));
    book.submit(lim(4, 2, 'sell', 103, 2));
    expect(book.getOrder(1)).toMatchObject({ state: 'pending', type: 'stop-limit', price: 102, stopPrice: 101 });
    const evs = book.submit(lim(5, 3, 'buy', 101, 1));
    expect(triggeredIds(evs)).toEqual([1]);
    expect(fills(evs)).toEqual([
      [2, 5, 101, 1],
      [3, 1, 102, 2],
    ]);
    expect(book.getOrder(1)).toEqual({
      id: 1,
      account: 1,
      side: 'buy',
      type: 'limit',
      price: 102,
      stopPrice: null,
      size: 5,
      remaining: 3,
      filled: 2,
      state: 'resting',
    });
    expect(book.bestBid()).toBe(102);
  });

  it('applies the time in force of a triggered stop-limit', () => {
    const book = tradedAt(100);
    book.submit({ ...stopLim(1, 1, 'sell', 99, 95, 5), tif: 'IOC' });
    book.submit(lim(2, 2, 'sell', 99, 1));
    const evs = book.submit(lim(3, 3, 'buy', 99, 1));
    expect(triggeredIds(evs)).toEqual([1]);
    // the only bid left is at 90, below its limit of 95: nothing fills and IOC cancels it all
    expect(evs).toContainEqual({ type: 'cancelled', orderId: 1, account: 1, remaining: 5, reason: 'ioc' });
  });

  it('triggers at once when its trigger is already reached at submission', () => {
    const book = tradedAt(100);
    const buy = book.submit(stopMkt(1, 1, 'buy', 100, 2)); // last 100 ≥ 100
    expect(buy.map((e) => e.type)).toEqual(['accepted', 'triggered', 'trade', 'done']);
    expect(buy[0]).toMatchObject({ pending: true });
    expect(fills(buy)).toEqual([[900, 1, 110, 2]]);
    const book2 = tradedAt(100);
    const sell = book2.submit(stopLim(2, 1, 'sell', 101, 95, 2)); // last 100 ≤ 101
    expect(triggeredIds(sell)).toEqual([2]);
    expect(book2.getOrder(2)).toMatchObject({ type: 'limit', state: 'resting', price: 95 });
  });

  it('does not trigger a stop whose trigger is on the other side of the last price', () => {
    const book = tradedAt(100);
    expect(triggeredIds(book.submit(stopMkt(1, 1, 'buy', 101, 2)))).toEqual([]);
    expect(triggeredIds(book.submit(stopMkt(2, 1, 'sell', 99, 2)))).toEqual([]);
    expect(book.allOrders().filter((o) => o.state === 'pending')).toHaveLength(2);
  });

  it('cascades: a triggered stop that trades can trigger further stops', () => {
    const book = tradedAt(100);
    book.submit(lim(1, 2, 'sell', 101, 1));
    book.submit(lim(2, 2, 'sell', 102, 1));
    book.submit(lim(3, 2, 'sell', 103, 1));
    book.submit(stopMkt(10, 1, 'buy', 101, 1)); // buys 102 → triggers 11
    book.submit(stopMkt(11, 1, 'buy', 102, 1)); // buys 103 → triggers 12
    book.submit(stopMkt(12, 1, 'buy', 103, 1)); // buys 110
    const evs = book.submit(lim(4, 3, 'buy', 101, 1));
    expect(triggeredIds(evs)).toEqual([10, 11, 12]);
    expect(fills(evs)).toEqual([
      [1, 4, 101, 1],
      [2, 10, 102, 1],
      [3, 11, 103, 1],
      [900, 12, 110, 1],
    ]);
    expect(book.lastPrice()).toBe(110);
  });

  it('triggers stops by trigger price, then by arrival', () => {
    const book = tradedAt(100);
    book.submit(stopLim(1, 1, 'buy', 105, 50, 1));
    book.submit(stopLim(2, 1, 'buy', 103, 50, 1));
    book.submit(stopLim(3, 1, 'buy', 104, 50, 1));
    book.submit(stopLim(4, 1, 'buy', 103, 50, 1));
    book.submit(stopLim(5, 1, 'buy', 106, 50, 1)); // not reached
    book.submit(lim(6, 2, 'sell', 105, 1));
    const evs = book.submit(lim(7, 3, 'buy', 105, 1));
    expect(triggeredIds(evs)).toEqual([2, 4, 3, 1]);
    expect(book.getOrder(5)).toMatchObject({ state: 'pending' });
  });

  it('triggers sell stops from the highest trigger price down', () => {
    const book = tradedAt(100);
    book.submit(stopLim(1, 1, 'sell', 96, 200, 1));
    book.submit(stopLim(2, 1, 'sell', 98, 200, 1));
    book.submit(stopLim(3, 1, 'sell', 97, 200, 1));
    book.submit(stopLim(4, 1, 'sell', 98, 200, 1));
    book.submit(lim(5, 2, 'buy', 96, 1));
    expect(triggeredIds(book.submit(lim(6, 3, 'sell', 96, 1)))).toEqual([2, 4, 3, 1]);
  });

  it('triggers a stop on a price a sweep passed through, even if the sweep ended beyond it', () => {
    const book = tradedAt(103);
    book.submit(stopMkt(1, 1, 'sell', 102, 1)); // last 103 > 102: pending
    book.submit(lim(2, 2, 'sell', 100, 1));
    book.submit(lim(3, 2, 'sell', 104, 1));
    // trades at 100 (≤ 102: the sell stop is due), then at 104
    const evs = book.submit(lim(4, 3, 'buy', 104, 2));
    expect(fills(evs).slice(0, 2)).toEqual([
      [2, 4, 100, 1],
      [3, 4, 104, 1],
    ]);
    expect(triggeredIds(evs)).toEqual([1]);
    expect(book.getOrder(1)).toBeUndefined();
  });

  it('triggers stops on trades made before a self-trade cancels the incoming order', () => {
    const book = tradedAt(99);
    book.submit(stopMkt(1, 1, 'buy', 100, 1));
    book.submit(lim(2, 2, 'sell', 100, 1));
    book.submit(lim(3, 3, 'sell', 100, 1));
    const evs = book.submit(lim(4, 3, 'buy', 100, 2, { stp: 'cancel-incoming' }));
    expect(fills(evs)[0]).toEqual([2, 4, 100, 1]);
    expect(evs).toContainEqual(expect.objectContaining({ orderId: 4, reason: 'self-trade-prevention' }));
    expect(book.lastPrice()).toBe(100);
    expect(triggeredIds(evs)).toEqual([1]);
    expect(book.getOrder(1)).toBeUndefined();
  });

  it('cancels a pending stop, which then never triggers', () => {
    const book = tradedAt(100);
    book.submit(stopMkt(1, 1, 'buy', 101, 2));
    expect(book.cancel(1)).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 2, reason: 'user' },
      { type: 'done', orderId: 1, account: 1, filled: 0, reason: 'cancelled' },
    ]);
    expect(book.getOrder(1)).toBeUndefined();
    expect(book.allOrders().map((o) => o.id)).not.toContain(1);
    book.submit(lim(2, 2, 'sell', 101, 1));
    expect(triggeredIds(book.submit(lim(3, 3, 'buy', 101, 1)))).toEqual([]);
    expect(book.cancel(1)).toEqual([{ type: 'rejected', orderId: 1, reason: 'unknown-order' }]);
  });

  it('lets a cancelled stop id be reused by a new stop that triggers normally', () => {
    const book = tradedAt(100);
    book.submit(stopMkt(1, 1, 'buy', 101, 2));
    book.cancel(1);
    book.submit(stopMkt(1, 1, 'buy', 101, 3));
    book.submit(lim(2, 2, 'sell', 101, 1));
    const evs = book.submit(lim(3, 3, 'buy', 101, 1));
    expect(triggeredIds(evs)).toEqual([1]);
    expect(fills(evs).at(-1)).toEqual([900, 1, 110, 3]);
  });

  it('rejects amending a pending stop (only resting orders can be amended)', () => {
    const book = new OrderBook();
    book.submit(stopLim(1, 1, 'buy', 101, 102, 2));
    expect(book.amend(1, { size: 1 })).toEqual([{ type: 'rejected', orderId: 1, reason: 'unknown-order' }]);
    expect(book.getOrder(1)).toMatchObject({ remaining: 2, state: 'pending' });
  });
});

describe('OrderBook: cancel', () => {
  it('cancels a resting order and removes its empty level', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 5), lim(2, 1, 'buy', 99, 5));
    expect(book.cancel(1)).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 5, reason: 'user' },
      { type: 'done', orderId: 1, account: 1, filled: 0, reason: 'cancelled' },
    ]);
    expect(book.bestBid()).toBe(99);
    expect(book.depth().bids).toEqual([{ price: 99, size: 5, orders: 1 }]);
    expect(book.getOrder(1)).toBeUndefined();
  });

  it('reports the remainder and the filled size of a partially filled order', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5), lim(2, 2, 'buy', 100, 2));
    expect(book.cancel(1)).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 3, reason: 'user' },
      { type: 'done', orderId: 1, account: 1, filled: 2, reason: 'cancelled' },
    ]);
  });

  it('keeps the others in a level in order when one in the middle is cancelled', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 1), lim(2, 1, 'sell', 100, 1), lim(3, 1, 'sell', 100, 1));
    book.cancel(2);
    expect(book.depth().asks).toEqual([{ price: 100, size: 2, orders: 2 }]);
    expect(fills(book.submit(lim(4, 2, 'buy', 100, 2)))).toEqual([
      [1, 4, 100, 1],
      [3, 4, 100, 1],
    ]);
  });

  it('rejects an unknown, already filled or already cancelled id with unknown-order', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 1), lim(2, 2, 'buy', 100, 1), lim(3, 1, 'buy', 90, 1));
    book.cancel(3);
    for (const id of [42, 1, 2, 3]) {
      expect(book.cancel(id)).toEqual([{ type: 'rejected', orderId: id, reason: 'unknown-order' }]);
    }
  });

  it('allows an id to be reused once its order is done', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 1));
    book.cancel(1);
    expect(book.submit(lim(1, 1, 'buy', 95, 2))[0]).toMatchObject({ type: 'accepted', side: 'buy' });
    expect(book.getOrder(1)).toMatchObject({ side: 'buy', price: 95, remaining: 2 });
  });
});

describe('OrderBook: amend', () => {
  it('keeps queue priority when only reducing the size: the order behind still fills after it', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5), lim(2, 1, 'sell', 100, 5));
    expect(book.amend(1, { size: 2 })).toEqual([
      { type: 'amended', orderId: 1, price: 100, remaining: 2, priorityKept: true },
    ]);
    expect(book.getOrder(1)).toMatchObject({ size: 2, remaining: 2 });
    expect(book.depth().asks).toEqual([{ price: 100, size: 7, orders: 2 }]);
    expect(fills(book.submit(lim(3, 2, 'buy', 100, 3)))).toEqual([
      [1, 3, 100, 2],
      [2, 3, 100, 1],
    ]);
  });

  it('reduces the remainder of a partially filled order, keeping filled in its size', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 10), lim(2, 2, 'sell', 100, 4));
    book.amend(1, { size: 1, price: 100 });
    expect(book.getOrder(1)).toMatchObject({ size: 5, remaining: 1, filled: 4 });
  });

  it('loses priority when the size increases', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5), lim(2, 1, 'sell', 100, 5));
    expect(book.amend(1, { size: 6 })).toEqual([
      { type: 'amended', orderId: 1, price: 100, remaining: 6, priorityKept: false },
    ]);
    expect(book.getOrder(1)).toMatchObject({ size: 6, remaining: 6 });
    expect(book.depth().asks).toEqual([{ price: 100, size: 11, orders: 2 }]);
    expect(fills(book.submit(lim(3, 2, 'buy', 100, 6)))).toEqual([
      [2, 3, 100, 5],
      [1, 3, 100, 1],
    ]);
  });

  it('loses priority when the price changes, even back to the same price', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 1), lim(2, 1, 'buy', 100, 1));
    expect(book.amend(1, { price: 99 })[0]).toMatchObject({ priorityKept: false, price: 99 });
    expect(book.depth().bids).toEqual([
      { price: 100, size: 1, orders: 1 },
      { price: 99, size: 1, orders: 1 },
    ]);
    book.amend(1, { price: 100 });
    expect(fills(book.submit(lim(3, 2, 'sell', 100, 2)))).toEqual([
      [2, 3, 100, 1],
      [1, 3, 100, 1],
    ]);
  });

  it('trades at once, as a taker at the maker price, when amended to a crossing price', () => {
    const book = bookWith(lim(1, 1, 'sell', 101, 2), lim(2, 2, 'buy', 99, 5));
    const evs = book.amend(2, { price: 102 });
    expect(evs).toEqual([
      { type: 'amended', orderId: 2, price: 102, remaining: 5, priorityKept: false },
      {
        type: 'trade',
        makerOrderId: 1,
        takerOrderId: 2,
        makerAccount: 1,
        takerAccount: 2,
        price: 101,
        size: 2,
        takerSide: 'buy',
      },
      { type: 'done', orderId: 1, account: 1, filled: 2, reason: 'filled' },
    ]);
    expect(book.getOrder(2)).toMatchObject({ price: 102, remaining: 3, filled: 2, state: 'resting' });
    expect(book.bestBid()).toBe(102);
    expect(book.bestAsk()).toBeNull();
  });

  it('is a priority-keeping no-op when nothing changes', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5), lim(2, 1, 'sell', 100, 5));
    expect(book.amend(1, {})).toEqual([{ type: 'amended', orderId: 1, price: 100, remaining: 5, priorityKept: true }]);
    expect(fills(book.submit(lim(3, 2, 'buy', 100, 1)))).toEqual([[1, 3, 100, 1]]);
  });

  it('rejects invalid amendments and unknown ids, changing nothing', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 5));
    const before = snapshot(book);
    for (const size of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      expect(book.amend(1, { size })).toEqual([{ type: 'rejected', orderId: 1, reason: 'invalid-size' }]);
    }
    for (const price of [0, -5, 100.5, Number.POSITIVE_INFINITY]) {
      expect(book.amend(1, { price })).toEqual([{ type: 'rejected', orderId: 1, reason: 'invalid-price' }]);
    }
    expect(book.amend(2, { size: 1 })).toEqual([{ type: 'rejected', orderId: 2, reason: 'unknown-order' }]);
    expect(snapshot(book)).toEqual(before);
  });
});

describe('OrderBook: self-trade prevention', () => {
  it('cancel-resting (the default) cancels the own resting order and keeps matching with the next', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 2, 'sell', 100, 2), lim(3, 2, 'sell', 101, 2));
    const evs = book.submit(lim(4, 1, 'buy', 101, 5));
    expect(evs.slice(1, 3)).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 2, reason: 'self-trade-prevention' },
      { type: 'done', orderId: 1, account: 1, filled: 0, reason: 'cancelled' },
    ]);
    expect(fills(evs)).toEqual([
      [2, 4, 100, 2],
      [3, 4, 101, 2],
    ]);
    expect(book.getOrder(4)).toMatchObject({ remaining: 1, state: 'resting', price: 101 });
  });

  it('cancel-resting cancels every own order it meets, across levels', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 2), lim(2, 1, 'buy', 99, 2), lim(3, 2, 'buy', 99, 2));
    const evs = book.submit(lim(4, 1, 'sell', 99, 2, { stp: 'cancel-resting' }));
    expect(evs.filter((e) => e.type === 'cancelled').map((e) => e.orderId)).toEqual([1, 2]);
    expect(fills(evs)).toEqual([[3, 4, 99, 2]]);
    expect(book.size()).toBe(0);
  });

  it('cancel-incoming cancels the incoming remainder and leaves the own order resting', () => {
    const book = bookWith(lim(1, 2, 'sell', 100, 1), lim(2, 1, 'sell', 100, 2), lim(3, 2, 'sell', 100, 2));
    const evs = book.submit(lim(4, 1, 'buy', 100, 4, { stp: 'cancel-incoming' }));
    expect(fills(evs)).toEqual([[1, 4, 100, 1]]);
    expect(evs.slice(-2)).toEqual([
      { type: 'cancelled', orderId: 4, account: 1, remaining: 3, reason: 'self-trade-prevention' },
      { type: 'done', orderId: 4, account: 1, filled: 1, reason: 'cancelled' },
    ]);
    expect(book.getOrder(2)).toMatchObject({ remaining: 2, state: 'resting' });
    expect(book.getOrder(3)).toMatchObject({ remaining: 2 });
  });

  it('cancel-both cancels the own resting order and the incoming order', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 2, 'sell', 100, 2));
    const evs = book.submit(lim(3, 1, 'buy', 100, 4, { stp: 'cancel-both' }));
    expect(trades(evs)).toEqual([]);
    expect(evs.filter((e) => e.type === 'cancelled')).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 2, reason: 'self-trade-prevention' },
      { type: 'cancelled', orderId: 3, account: 1, remaining: 4, reason: 'self-trade-prevention' },
    ]);
    expect(book.allOrders().map((o) => o.id)).toEqual([2]);
  });

  it('cancel-both removes a level it emptied', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2), lim(2, 2, 'sell', 101, 2));
    book.submit(mkt(3, 1, 'buy', 4, { stp: 'cancel-both' }));
    expect(book.bestAsk()).toBe(101);
    expect(book.depth().asks).toEqual([{ price: 101, size: 2, orders: 1 }]);
  });

  it('applies to market orders too', () => {
    const book = bookWith(lim(1, 1, 'sell', 100, 2));
    const evs = book.submit(mkt(2, 1, 'buy', 2));
    expect(trades(evs)).toEqual([]);
    expect(evs).toContainEqual(expect.objectContaining({ orderId: 1, reason: 'self-trade-prevention' }));
    expect(evs).toContainEqual(expect.objectContaining({ orderId: 2, reason: 'no-liquidity' }));
  });
});

describe('OrderBook: validation', () => {
  const base = lim(1, 1, 'buy', 100, 1);
  const cases: [string, Partial<NewOrder> | Record<string, unknown>, string][] = [
    ['id 0', { id: 0 }, 'invalid-id'],
    ['negative id', { id: -1 }, 'invalid-id'],
    ['fractional id', { id: 1.5 }, 'invalid-id'],
    ['unsafe id', { id: 2 ** 53 }, 'invalid-id'],
    ['string id', { id: '1' }, 'invalid-id'],
    ['size 0', { size: 0 }, 'invalid-size'],
    ['negative size', { size: -3 }, 'invalid-size'],
    ['fractional size', { size: 0.5 }, 'invalid-size'],
    ['unsafe size', { size: Number.MAX_SAFE_INTEGER + 1 }, 'invalid-size'],
    ['NaN size', { size: Number.NaN }, 'invalid-size'],
    ['infinite size', { size: Number.POSITIVE_INFINITY }, 'invalid-size'],
    ['limit without price', { price: undefined }, 'invalid-price'],
    ['price 0', { price: 0 }, 'invalid-price'],
    ['negative price', { price: -100 }, 'invalid-price'],
    ['fractional price', { price: 100.25 }, 'invalid-price'],
    ['unsafe price', { price: 2 ** 60 }, 'invalid-price'],
    ['stop-limit without price', { type: 'stop-limit', price: undefined, stopPrice: 100 }, 'invalid-price'],
    ['negative market band', { type: 'market', bandTicks: -1 }, 'invalid-price'],
    ['fractional market band', { type: 'market', bandTicks: 1.5 }, 'invalid-price'],
    ['stop-market without stop', { type: 'stop-market' }, 'invalid-stop-price'],
    ['stop-market stop 0', { type: 'stop-market', stopPrice: 0 }, 'invalid-stop-price'],
    ['stop-limit fractional stop', { type: 'stop-limit', stopPrice: 99.5 }, 'invalid-stop-price'],
    ['unknown type', { type: 'iceberg' }, 'invalid-type'],
    ['unknown side', { side: 'hold' }, 'invalid-type'],
    ['unknown tif', { tif: 'GTD' }, 'invalid-time-in-force'],
    ['post-only IOC', { postOnly: true, tif: 'IOC' }, 'invalid-time-in-force'],
    ['post-only FOK', { postOnly: true, tif: 'FOK' }, 'invalid-time-in-force'],
    ['post-only market', { type: 'market', postOnly: true }, 'invalid-time-in-force'],
    ['post-only stop-limit', { type: 'stop-limit', stopPrice: 100, postOnly: true }, 'invalid-time-in-force'],
  ];

  it.each(cases)('rejects %s and changes nothing', (_name, patch, reason) => {
    const book = bookWith(lim(50, 9, 'sell', 105, 3));
    const before = snapshot(book);
    const order = { ...base, ...patch } as NewOrder;
    expect(book.submit(order)).toEqual([{ type: 'rejected', orderId: order.id, reason }]);
    expect(snapshot(book)).toEqual(before);
  });

  it('rejects a duplicate of a live resting or pending order with duplicate-id', () => {
    const book = bookWith(lim(1, 1, 'buy', 100, 1), stopMkt(2, 1, 'sell', 90, 1));
    const before = snapshot(book);
    expect(book.submit(lim(1, 2, 'sell', 120, 1))).toEqual([{ type: 'rejected', orderId: 1, reason: 'duplicate-id' }]);
    expect(book.submit(lim(2, 2, 'sell', 120, 1))).toEqual([{ type: 'rejected', orderId: 2, reason: 'duplicate-id' }]);
    expect(snapshot(book)).toEqual(before);
  });
});

describe('OrderBook: views', () => {
  it('has no best prices, depth or orders when empty', () => {
    const book = new OrderBook();
    expect(book.bestBid()).toBeNull();
    expect(book.bestAsk()).toBeNull();
    expect(book.lastPrice()).toBeNull();
    expect(book.depth()).toEqual({ bids: [], asks: [] });
    expect(book.allOrders()).toEqual([]);
    expect(book.getOrder(1)).toBeUndefined();
    expect(book.size()).toBe(0);
  });

  it('aggregates depth per level, best first on each side, limited to the requested levels', () => {
    const book = bookWith(
      lim(1, 1, 'buy', 98, 1),
      lim(2, 1, 'buy', 100, 2),
      lim(3, 2, 'buy', 100, 3),
      lim(4, 1, 'buy', 99, 4),
      lim(5, 1, 'sell', 103, 5),
      lim(6, 1, 'sell', 101, 6),
      lim(7, 2, 'sell', 102, 7),
      lim(8, 2, 'sell', 101, 8),
    );
    expect(book.bestBid()).toBe(100);
    expect(book.bestAsk()).toBe(101);
    expect(book.depth()).toEqual({
      bids: [
        { price: 100, size: 5, orders: 2 },
        { price: 99, size: 4, orders: 1 },
        { price: 98, size: 1, orders: 1 },
      ],
      asks: [
        { price: 101, size: 14, orders: 2 },
        { price: 102, size: 7, orders: 1 },
        { price: 103, size: 5, orders: 1 },
      ],
    });
    expect(book.depth(2).bids.map((l) => l.price)).toEqual([100, 99]);
    expect(book.depth(1).asks.map((l) => l.price)).toEqual([101]);
    expect(book.depth(0)).toEqual({ bids: [], asks: [] });
  });

  it('lists bids then asks, best price and earliest first, then pending stops by id', () => {
    const book = bookWith(
      stopMkt(9, 1, 'buy', 200, 1),
      lim(5, 1, 'sell', 102, 1),
      lim(3, 1, 'buy', 99, 1),
      stopLim(7, 2, 'sell', 50, 40, 1),
      lim(4, 1, 'sell', 101, 1),
      lim(2, 1, 'buy', 100, 1),
      lim(1, 1, 'buy', 100, 1),
      lim(6, 1, 'sell', 101, 1),
    );
    expect(book.allOrders().map((o) => [o.id, o.state])).toEqual([
      [2, 'resting'],
      [1, 'resting'],
      [3, 'resting'],
      [4, 'resting'],
      [6, 'resting'],
      [5, 'resting'],
      [7, 'pending'],
      [9, 'pending'],
    ]);
    expect(book.size()).toBe(8);
    for (const o of book.allOrders()) expect(book.getOrder(o.id)).toEqual(o);
  });

  it('shows a pending stop-limit with its limit and stop prices', () => {
    const book = bookWith(stopLim(1, 3, 'sell', 95, 94, 7));
    expect(book.getOrder(1)).toEqual({
      id: 1,
      account: 3,
      side: 'sell',
      type: 'stop-limit',
      price: 94,
      stopPrice: 95,
      size: 7,
      remaining: 7,
      filled: 0,
      state: 'pending',
    });
  });

  it('collects events into a caller-supplied array', () => {
    const book = new OrderBook();
    const out: MatchEvent[] = [];
    book.submit(lim(1, 1, 'sell', 100, 1), out);
    book.amend(1, { size: 1 }, out);
    book.submit(lim(2, 2, 'buy', 100, 1), out);
    book.cancel(3, out);
    expect(out.map((e) => e.type)).toEqual(['accepted', 'amended', 'accepted', 'trade', 'done', 'done', 'rejected']);
  });

  it('is deterministic: the same commands on a fresh book give the same events', () => {
    const run = (): MatchEvent[] => {
      const book = new OrderBook();
      const out: MatchEvent[] = [];
      book.submit(lim(1, 1, 'sell', 101, 3), out);
      book.submit(stopMkt(2, 2, 'buy', 101, 2), out);
      book.submit(lim(3, 3, 'sell', 102, 3), out);
      book.submit(lim(4, 2, 'buy', 101, 1), out);
      book.amend(3, { price: 101 }, out);
      book.submit(mkt(5, 1, 'buy', 4), out);
      book.cancel(3, out);
      return out;
    };
    const a = run();
    expect(a.length).toBeGreaterThan(10);
    expect(run()).toEqual(a);
  });
});

const tp = (id: number, account: number, side: Side, stopPrice: number, size: number) =>
  ({ id, account, side, type: 'take-profit', stopPrice, size }) satisfies NewOrder;

const tpLim = (id: number, account: number, side: Side, stopPrice: number, price: number, size: number) =>
  ({ id, account, side, type: 'take-profit-limit', stopPrice, price, size }) satisfies NewOrder;

/** A book whose last trade was at `last`, with one ask at 110 and one bid at 90 left over (accounts 90–92). */
function tradedAt(last: number): OrderBook {
  const book = bookWith(lim(900, 90, 'sell', 110, 100), lim(901, 90, 'buy', 90, 100));
  book.submit(lim(902, 91, 'sell', last, 1));
  book.submit(lim(903, 92, 'buy', last, 1));
  expect(book.lastPrice()).toBe(last);
  return book;
}

/** The `cancelled` + `done` pair of an order cancelled with reason `oco`. */
const ocoCancel = (id: number, account: number, remaining: number, filled = 0): MatchEvent[] => [
  { type: 'cancelled', orderId: id, account, remaining, reason: 'oco' },
  { type: 'done', orderId: id, account, filled, reason: 'cancelled' },
];

describe('OrderBook: take-profit orders', () => {
  it('waits as a pending order, shown with its trigger price', () => {
    const book = tradedAt(100);
    const evs = book.submit(tp(1, 1, 'sell', 105, 3));
    expect(evs).toEqual([
      {
        type: 'accepted',
        orderId: 1,
        account: 1,
        side: 'sell',
        orderType: 'take-profit',
        price: null,
        size: 3,
        pending: true,
      },
    ]);
    expect(book.getOrder(1)).toMatchObject({ state: 'pending', type: 'take-profit', price: null, stopPrice: 105 });
    book.submit(tpLim(2, 1, 'buy', 95, 94, 2));
    expect(book.getOrder(2)).toMatchObject({ state: 'pending', type: 'take-profit-limit', price: 94, stopPrice: 95 });
  });

  it('triggers a sell take-profit when the last trade rises to its stop (last ≥ stop) and sells at market', () => {
    const book = tradedAt(100);
    book.submit(tp(1, 1, 'sell', 104, 3));
    book.submit(lim(2, 2, 'buy', 103, 5)); // the take-profit will sell into this bid
    expect(triggeredIds(book.submit(lim(3, 3, 'sell', 103, 1)))).toEqual([]); // 103 < 104: still waiting
    book.submit(lim(4, 3, 'sell', 104, 1));
    const evs = book.submit(lim(5, 4, 'buy', 104, 1));
    expect(fills(evs)).toEqual([
      [4, 5, 104, 1],
      [2, 1, 103, 3],
    ]);
    expect(evs).toContainEqual({ type: 'triggered', orderId: 1, lastPrice: 104 });
    expect(book.getOrder(1)).toBeUndefined();
  });

  it('triggers a buy take-profit when the last trade falls to its stop (last ≤ stop), not when it rises', () => {
    const book = tradedAt(100);
    book.submit(tp(1, 1, 'buy', 97, 2));
    book.submit(lim(2, 2, 'sell', 101, 1));
    expect(triggeredIds(book.submit(lim(3, 3, 'buy', 101, 1)))).toEqual([]);
    book.submit(lim(4, 2, 'sell', 99, 5));
    book.submit(lim(5, 2, 'buy', 97, 1));
    const evs = book.submit(lim(6, 3, 'sell', 97, 1));
    expect(triggeredIds(evs)).toEqual([1]);
    // as a market buy it takes the lowest ask
    expect(fills(evs)).toEqual([
      [5, 6, 97, 1],
      [4, 1, 99, 2],
    ]);
  });

  it('triggers a take-profit-limit into a limit order that rests what it cannot fill', () => {
    const book = tradedAt(100);
    book.submit(tpLim(1, 1, 'sell', 102, 105, 4));
    book.submit(lim(2, 2, 'sell', 102, 1));
    const evs = book.submit(lim(3, 3, 'buy', 102, 1));
    expect(triggeredIds(evs)).toEqual([1]);
    expect(book.getOrder(1)).toMatchObject({
      state: 'resting',
      type: 'limit',
      price: 105,
      stopPrice: null,
      remaining: 4,
    });
    expect(book.bestAsk()).toBe(105);
  });

  it('triggers at once, after the command, when its trigger is already met at submission', () => {
    const book = tradedAt(100);
    expect(book.wouldTriggerImmediately(tp(1, 1, 'sell', 100, 1))).toBe(true);
    const evs = book.submit(tp(1, 1, 'sell', 100, 1));
    expect(evs.map((e) => e.type)).toEqual(['accepted', 'triggered', 'trade', 'done']);
    expect(fills(evs)).toEqual([[901, 1, 90, 1]]);
  });

  it('queues due up-triggers (buy stops, sell take-profits) by price, then down-triggers, ties by arrival', () => {
    // a book with no trade yet, so that the first trade makes both directions due at once
    const fresh = bookWith(
      tp(1, 1, 'sell', 101, 1), // up
      stopMkt(2, 1, 'buy', 100, 1), // up, lower trigger: first
      stopMkt(3, 2, 'sell', 102, 1), // down, highest trigger: first of the down ones
      tp(4, 2, 'buy', 101, 1), // down
      tp(5, 3, 'sell', 100, 1), // up, same trigger as 2, later
    );
    fresh.submit(lim(10, 8, 'sell', 101, 1));
    const evs = fresh.submit(lim(11, 9, 'buy', 101, 1)); // last 101: up ≤ 101 due, down ≥ 101 due
    expect(triggeredIds(evs)).toEqual([2, 5, 1, 3, 4]);
  });
});

describe('OrderBook: wouldTriggerImmediately', () => {
  it('is false before any trade and for non-conditional orders', () => {
    expect(new OrderBook().wouldTriggerImmediately(stopMkt(1, 1, 'buy', 1, 1))).toBe(false);
    const book = tradedAt(100);
    expect(book.wouldTriggerImmediately(lim(1, 1, 'buy', 100, 1))).toBe(false);
    expect(book.wouldTriggerImmediately(mkt(1, 1, 'buy', 1))).toBe(false);
    expect(book.wouldTriggerImmediately({ ...stopMkt(1, 1, 'buy', 100, 1), stopPrice: 0 })).toBe(false);
  });

  it('compares the trigger with the last price in each type’s direction, inclusive', () => {
    const book = tradedAt(100);
    const cases: [NewOrder, boolean][] = [
      [stopMkt(1, 1, 'buy', 100, 1), true],
      [stopMkt(1, 1, 'buy', 101, 1), false],
      [stopLim(1, 1, 'sell', 100, 99, 1), true],
      [stopLim(1, 1, 'sell', 99, 99, 1), false],
      [tp(1, 1, 'buy', 100, 1), true],
      [tp(1, 1, 'buy', 99, 1), false],
      [tpLim(1, 1, 'sell', 100, 101, 1), true],
      [tpLim(1, 1, 'sell', 101, 101, 1), false],
    ];
    for (const [o, want] of cases) expect(book.wouldTriggerImmediately(o), JSON.stringify(o)).toBe(want);
    // and it is pure
    expect(book.size()).toBe(2);
  });
});

describe('OrderBook: OCO', () => {
  /** A sell OCO on a book last traded at 100: a limit sell at 105 (id 1) and a sell stop at 95 (id 2). */
  function sellOco(book = tradedAt(100)): OrderBook {
    const evs = book.submitOco(lim(1, 1, 'sell', 105, 4), stopMkt(2, 1, 'sell', 95, 4));
    expect(evs).toEqual([
      {
        type: 'accepted',
        orderId: 1,
        account: 1,
        side: 'sell',
        orderType: 'limit',
        price: 105,
        size: 4,
        pending: false,
        linkedId: 2,
      },
      {
        type: 'accepted',
        orderId: 2,
        account: 1,
        side: 'sell',
        orderType: 'stop-market',
        price: null,
        size: 4,
        pending: true,
        linkedId: 1,
      },
    ]);
    return book;
  }

  it('accepts both legs linked: the limit rests, the stop waits, both show linkedId', () => {
    const book = sellOco();
    expect(book.getOrder(1)).toMatchObject({ state: 'resting', linkedId: 2 });
    expect(book.getOrder(2)).toMatchObject({ state: 'pending', linkedId: 1 });
    expect(book.bestAsk()).toBe(105);
    expect(book.getOrder(900)).not.toHaveProperty('linkedId');
  });

  it('cancels the stop leg when the limit leg trades, even partially, right after the trade', () => {
    const book = sellOco();
    const evs = book.submit(lim(3, 3, 'buy', 105, 1));
    expect(evs.slice(1)).toEqual([
      {
        type: 'trade',
        makerOrderId: 1,
        takerOrderId: 3,
        makerAccount: 1,
        takerAccount: 3,
        price: 105,
        size: 1,
        takerSide: 'buy',
      },
      ...ocoCancel(2, 1, 4),
      { type: 'done', orderId: 3, account: 3, filled: 1, reason: 'filled' },
    ]);
    expect(book.getOrder(1)).toEqual(expect.objectContaining({ remaining: 3, filled: 1 }));
    expect(book.getOrder(1)).not.toHaveProperty('linkedId');
    expect(book.getOrder(2)).toBeUndefined();
    // the stop never triggers now
    book.submit(lim(4, 3, 'buy', 95, 1));
    expect(triggeredIds(book.submit(lim(5, 4, 'sell', 95, 1)))).toEqual([]);
  });

  it('cancels the limit leg when the stop leg triggers, before the stop trades', () => {
    const book = sellOco();
    book.submit(lim(3, 3, 'buy', 95, 1));
    const evs = book.submit(lim(4, 4, 'sell', 95, 1));
    const i = evs.findIndex((e) => e.type === 'triggered');
    expect(evs.slice(i, i + 3)).toEqual([{ type: 'triggered', orderId: 2, lastPrice: 95 }, ...ocoCancel(1, 1, 4)]);
    expect(fills(evs.slice(i))).toEqual([[901, 2, 90, 4]]);
    expect(book.bestAsk()).toBe(110);
  });

  it('a user cancel of either leg cancels both', () => {
    for (const id of [1, 2]) {
      const book = sellOco();
      const other = id === 1 ? 2 : 1;
      expect(book.cancel(id)).toEqual([
        { type: 'cancelled', orderId: id, account: 1, remaining: 4, reason: 'user' },
        { type: 'done', orderId: id, account: 1, filled: 0, reason: 'cancelled' },
        ...ocoCancel(other, 1, 4),
      ]);
      expect(book.size()).toBe(2);
      expect(book.bestAsk()).toBe(110);
    }
  });

  it('a self-trade-prevention cancel of the resting leg takes the other leg too, even the next order in its level', () => {
    const book = tradedAt(100);
    book.submitOco(lim(1, 1, 'sell', 105, 2), lim(2, 1, 'sell', 105, 3));
    book.submit(lim(3, 2, 'sell', 105, 1));
    const evs = book.submit(lim(4, 1, 'buy', 105, 1)); // account 1 meets its own leg first
    expect(evs.filter((e) => e.type === 'cancelled')).toEqual([
      { type: 'cancelled', orderId: 1, account: 1, remaining: 2, reason: 'self-trade-prevention' },
      { type: 'cancelled', orderId: 2, account: 1, remaining: 3, reason: 'oco' },
    ]);
    expect(fills(evs)).toEqual([[3, 4, 105, 1]]);
    expect(book.bestAsk()).toBe(110);
  });

  it('a maker leg that fills its partner’s neighbour: the sweep skips the cancelled partner and goes on', () => {
    const book = tradedAt(100);
    book.submitOco(lim(1, 1, 'sell', 105, 2), lim(2, 1, 'sell', 105, 3));
    book.submit(lim(3, 2, 'sell', 105, 4));
    const evs = book.submit(lim(4, 3, 'buy', 105, 5));
    expect(fills(evs)).toEqual([
      [1, 4, 105, 2],
      [3, 4, 105, 3],
    ]);
    expect(evs.filter((e) => e.type === 'cancelled')).toEqual([ocoCancel(2, 1, 3)[0]]);
    expect(book.depth().asks).toEqual([
      { price: 105, size: 1, orders: 1 },
      { price: 110, size: 100, orders: 1 },
    ]);
  });

  it('a limit leg that crosses on arrival trades and cancels the other leg before it is placed', () => {
    const book = tradedAt(100);
    const evs = book.submitOco(lim(1, 1, 'buy', 110, 2), tp(2, 1, 'buy', 95, 2));
    expect(evs.map((e) => e.type)).toEqual(['accepted', 'accepted', 'trade', 'cancelled', 'done', 'done']);
    expect(evs[3]).toMatchObject({ orderId: 2, reason: 'oco' });
    expect(book.getOrder(2)).toBeUndefined();
    expect(book.size()).toBe(2);
  });

  it('a leg whose trigger is already met triggers in the same command, after the other leg is placed', () => {
    const book = tradedAt(100);
    const evs = book.submitOco(lim(1, 1, 'sell', 105, 1), stopMkt(2, 1, 'sell', 100, 1));
    expect(evs.map((e) => e.type)).toEqual(['accepted', 'accepted', 'triggered', 'cancelled', 'done', 'trade', 'done']);
    expect(evs[3]).toMatchObject({ orderId: 1, reason: 'oco' });
    expect(book.bestAsk()).toBe(110);
  });

  it('never fills both legs when both are conditional and due on the same trade', () => {
    const book = bookWith(lim(900, 90, 'sell', 110, 100), lim(901, 90, 'buy', 90, 100));
    book.submitOco(stopMkt(1, 1, 'buy', 100, 1), tp(2, 1, 'buy', 100, 1));
    book.submit(lim(3, 2, 'sell', 100, 1));
    const evs = book.submit(lim(4, 3, 'buy', 100, 1)); // first trade ever: both triggers are met
    expect(triggeredIds(evs)).toEqual([1]);
    expect(evs).toContainEqual(ocoCancel(2, 1, 1)[0]);
    expect(fills(evs)).toEqual([
      [3, 4, 100, 1],
      [900, 1, 110, 1],
    ]);
  });

  it('rejects both legs atomically, changing nothing, each with its own reason', () => {
    const cases: [NewOrder, NewOrder, string, string][] = [
      [lim(1, 1, 'sell', 105, 0), stopMkt(2, 1, 'sell', 95, 1), 'invalid-size', 'oco-leg-rejected'],
      [lim(1, 1, 'sell', 105, 1), stopMkt(2, 1, 'sell', 0, 1), 'oco-leg-rejected', 'invalid-stop-price'],
      [lim(1, 1, 'sell', 105, 1), lim(1, 1, 'sell', 106, 1), 'oco-leg-rejected', 'duplicate-id'],
      [lim(900, 1, 'sell', 105, 1), lim(2, 1, 'sell', 106, 1), 'duplicate-id', 'oco-leg-rejected'],
      [lim(1, 1, 'sell', 105, 1), stopMkt(2, 2, 'sell', 95, 1), 'invalid-oco', 'invalid-oco'],
      [lim(1, 1, 'sell', 105, 1), stopMkt(2, 1, 'buy', 95, 1), 'invalid-oco', 'invalid-oco'],
      [mkt(1, 1, 'sell', 1), stopMkt(2, 1, 'sell', 95, 1), 'invalid-oco', 'oco-leg-rejected'],
      [lim(1, 1, 'sell', 105, 1, { tif: 'IOC' }), tp(2, 1, 'sell', 106, 1), 'invalid-oco', 'oco-leg-rejected'],
      [
        lim(1, 1, 'sell', 90, 1, { postOnly: true }),
        tp(2, 1, 'sell', 106, 1),
        'post-only-would-take',
        'oco-leg-rejected',
      ],
    ];
    for (const [a, b, ra, rb] of cases) {
      const book = tradedAt(100);
      const before = snapshot(book);
      expect(book.submitOco(a, b), JSON.stringify([a, b])).toEqual([
        { type: 'rejected', orderId: a.id, reason: ra },
        { type: 'rejected', orderId: b.id, reason: rb },
      ]);
      expect(snapshot(book)).toEqual(before);
    }
  });

  it('keeps the link through an amend; a crossing amend trades and cancels the other leg', () => {
    const book = sellOco();
    expect(book.amend(1, { size: 2 })).toEqual([
      { type: 'amended', orderId: 1, price: 105, remaining: 2, priorityKept: true },
    ]);
    book.amend(1, { price: 106 });
    expect(book.getOrder(1)).toMatchObject({ price: 106, linkedId: 2 });
    const evs = book.amend(1, { price: 90 });
    expect(fills(evs)).toEqual([[901, 1, 90, 2]]);
    expect(evs).toContainEqual(ocoCancel(2, 1, 4)[0]);
    expect(book.getOrder(2)).toBeUndefined();
  });

  it('restores the link when two live legs are submitted again with submitOco, or linked after submit', () => {
    const book = sellOco();
    const views = book.allOrders();
    const rebuild = (how: 'oco' | 'link') => {
      const fresh = new OrderBook({ lastPrice: book.lastPrice() });
      const legs: NewOrder[] = [];
      for (const v of views) {
        const o: NewOrder = { id: v.id, account: v.account, side: v.side, type: v.type, size: v.remaining };
        if (v.price !== null) o.price = v.price;
        if (v.stopPrice !== null) o.stopPrice = v.stopPrice;
        if (v.linkedId !== undefined) legs.push(o);
        else expect(fresh.submit(o).map((e) => e.type)).toEqual(['accepted']);
      }
      if (how === 'oco') {
        expect(fresh.submitOco(legs[0]!, legs[1]!).map((e) => e.type)).toEqual(['accepted', 'accepted']);
      } else {
        for (const o of legs) fresh.submit(o);
        expect(fresh.link(legs[0]!.id, legs[1]!.id)).toBe(true);
        expect(fresh.link(legs[0]!.id, legs[1]!.id)).toBe(false); // already linked
      }
      expect(fresh.allOrders()).toEqual(views);
      // and the link works: cancelling one leg takes both
      expect(
        fresh
          .cancel(2)
          .filter((e) => e.type === 'cancelled')
          .map((e) => e.orderId),
      ).toEqual([2, 1]);
    };
    rebuild('oco');
    rebuild('link');
  });

  it('link refuses unknown ids, one id twice, or orders of different accounts or sides', () => {
    const book = bookWith(lim(1, 1, 'sell', 105, 1), lim(2, 2, 'sell', 106, 1), lim(3, 1, 'buy', 95, 1));
    expect(book.link(1, 99)).toBe(false);
    expect(book.link(1, 1)).toBe(false);
    expect(book.link(1, 2)).toBe(false);
    expect(book.link(1, 3)).toBe(false);
    expect(book.allOrders().some((v) => v.linkedId !== undefined)).toBe(false);
  });
});

describe('OrderBook: cancelled conditional orders', () => {
  /** White-box: how many entries the pending-order arrays hold, cancelled ones included. */
  const stopEntries = (book: OrderBook): number => {
    const b = book as unknown as { upStops: unknown[]; downStops: unknown[] };
    return b.upStops.length + b.downStops.length;
  };

  it('do not pile up when their trigger is never reached (the stop legs of OCOs that ended in a fill)', () => {
    const book = tradedAt(100);
    book.submit(stopMkt(1, 1, 'sell', 95, 1)); // live throughout
    book.submit(tp(2, 1, 'sell', 140, 1)); // live throughout
    for (let i = 0; i < 1000; i++) {
      const evs = book.submitOco(
        lim(10_000 + 2 * i, 1, 'sell', 105, 1),
        stopMkt(10_001 + 2 * i, 1, 'sell', 50 + (i % 7), 1),
      );
      expect(evs.map((e) => e.type)).toEqual(['accepted', 'accepted']);
      book.submit(lim(20_000 + i, 2, 'buy', 105, 1)); // fills the limit leg: the stop leg is cancelled
    }
    expect(stopEntries(book)).toBeLessThan(100);
    expect(
      book
        .allOrders()
        .filter((v) => v.state === 'pending')
        .map((v) => v.id),
    ).toEqual([1, 2]);
    // the live ones still trigger
    const evs = book.submit(lim(9001, 4, 'sell', 90, 1));
    expect(triggeredIds(evs)).toEqual([1]);
  });

  it('compacting keeps the trigger order of the live ones', () => {
    const book = tradedAt(100);
    const live = [95, 97, 93, 97, 99];
    live.forEach((p, i) => book.submit(stopMkt(1 + i, 1, 'sell', p, 1)));
    for (let i = 0; i < 200; i++) book.submit(stopMkt(100 + i, 1, 'sell', 90 + (i % 10), 1));
    for (let i = 0; i < 200; i++) book.cancel(100 + i);
    expect(stopEntries(book)).toBeLessThan(100);
    book.submit(lim(900_000, 3, 'buy', 93, 5));
    const evs = book.submit(lim(900_001, 4, 'sell', 93, 1)); // last 93: all five are due
    expect(triggeredIds(evs)).toEqual([5, 2, 4, 1, 3]);
  });
});

describe('OrderBook: OCO legs and FOK', () => {
  it('a FOK taker counts only one leg of a linked pair, since the other leaves at the first trade', () => {
    const book = bookWith(lim(3, 3, 'buy', 97, 2));
    book.submitOco(lim(1, 1, 'buy', 97, 6), lim(2, 1, 'buy', 97, 1));
    const before = snapshot(book);
    expect(book.submit(lim(4, 2, 'sell', 97, 9, { tif: 'FOK' })).map((e) => e.type)).toEqual([
      'accepted',
      'cancelled',
      'done',
    ]);
    expect(snapshot(book)).toEqual(before);
    const evs = book.submit(lim(5, 2, 'sell', 97, 8, { tif: 'FOK' }));
    expect(fills(evs)).toEqual([
      [3, 5, 97, 2],
      [1, 5, 97, 6],
    ]);
    expect(evs).toContainEqual(ocoCancel(2, 1, 1)[0]);
  });
});
