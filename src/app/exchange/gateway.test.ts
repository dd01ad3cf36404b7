/**
 * The exchange service's API for the Binance gateway, over a real database (PGlite, or PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`): market symbols and assets, client order ids, order and trade history of an account,
 * cancelling all of an account's orders in a market.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { TradingEvent } from '../events.ts';
import type { ExchangeService } from './service.ts';

let sql: Sql;
let ctx: AppContext;
let ex: ExchangeService;
let admin: { id: number; isAdmin: boolean };
let alice: { id: number; isAdmin: boolean };
let bob: { id: number; isAdmin: boolean };

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  ex = ctx.exchange;
  const mk = async (email: string, isAdmin = false): Promise<{ id: number; isAdmin: boolean }> => {
    const u = await ctx.auth.register(email, 'password1');
    if (isAdmin) await ctx.auth.setAdmin(email, true);
    return { id: u.id, isAdmin };
  };
  admin = await mk('admin@gw.test', true);
  alice = await mk('alice@gw.test');
  bob = await mk('bob@gw.test');
});

afterAll(async () => {
  await ctx?.close();
  await sql?.close();
});

let seq = 0;
async function account(user: { id: number }, cash: string): Promise<number> {
  const a = await ex.createAltAccount(user.id, `acct ${++seq}`);
  await ex.transfer(admin, null, a.id as number, cash);
  return a.id as number;
}
async function bounded(): Promise<number> {
  const m = await ex.createMarket(admin.id, {
    name: `event ${++seq}`,
    kind: 'bounded',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0',
    maxPrice: '1',
  });
  return m.id as number;
}

describe('market symbols', () => {
  it('derives symbol, base and quote assets from the name, and finds the market by symbol', async () => {
    const m = await ex.createMarket(admin.id, { name: 'Tudo/usd', kind: 'spot', tickSize: '0.01', lotSize: '1' });
    expect(m).toMatchObject({ symbol: 'TUDOUSD', baseAsset: 'TUDO', quoteAsset: 'USD' });
    expect(ex.marketBySymbol('TUDOUSD')).toMatchObject({ id: m.id, name: 'Tudo/usd' });
    expect(ex.marketBySymbol('NOPE')).toBeNull();
  });

  it('de-duplicates a derived symbol, and refuses a symbol that is taken', async () => {
    const a = await ex.createMarket(admin.id, { name: 'Rain tomorrow', kind: 'spot', tickSize: '0.01', lotSize: '1' });
    const b = await ex.createMarket(admin.id, { name: 'rain-tomorrow', kind: 'spot', tickSize: '0.01', lotSize: '1' });
    expect(a.symbol).toBe('RAINTOMORROW');
    expect(b.symbol).toBe('RAINTOMORROW2');
    await expect(
      ex.createMarket(admin.id, { name: 'other', symbol: 'RAINTOMORROW', kind: 'spot', tickSize: '1', lotSize: '1' }),
    ).rejects.toMatchObject({ code: 'market-symbol-taken' });
    await expect(
      ex.createMarket(admin.id, { name: 'other', symbol: 'bad-symbol', kind: 'spot', tickSize: '1', lotSize: '1' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps explicit symbol and assets', async () => {
    const m = await ex.createMarket(admin.id, {
      name: 'Gold',
      symbol: 'XAUEUR',
      baseAsset: 'XAU',
      quoteAsset: 'EUR',
      kind: 'spot',
      tickSize: '0.1',
      lotSize: '0.001',
    });
    expect(m).toMatchObject({ symbol: 'XAUEUR', baseAsset: 'XAU', quoteAsset: 'EUR' });
  });
});

describe('client order ids and account history', () => {
  it('stores a client order id, refuses it twice among live orders, and accepts it again once the first is gone', async () => {
    const mid = await bounded();
    const acct = await account(alice, '100');
    const first = (await ex.placeOrder(alice.id, {
      accountId: acct,
      marketId: mid,
      side: 'buy',
      type: 'limit',
      size: '1',
      price: '0.4',
      clientOrderId: 'my-1',
    })) as { order: { id: number; clientOrderId: string } };
    expect(first.order.clientOrderId).toBe('my-1');
    await expect(
      ex.placeOrder(alice.id, {
        accountId: acct,
        marketId: mid,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.3',
        clientOrderId: 'my-1',
      }),
    ).rejects.toMatchObject({ code: 'duplicate-client-order-id' });
    await expect(
      ex.placeOrder(alice.id, {
        accountId: acct,
        marketId: mid,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.3',
        clientOrderId: 'bad id',
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await ex.cancelOrder(alice.id, first.order.id);
    const again = (await ex.placeOrder(alice.id, {
      accountId: acct,
      marketId: mid,
      side: 'buy',
      type: 'limit',
      size: '2',
      price: '0.3',
      clientOrderId: 'my-1',
    })) as { order: { id: number } };
    expect(await ex.accountOrder(alice.id, acct, { clientOrderId: 'my-1' })).toMatchObject({
      id: again.order.id,
      status: 'open',
      size: '2',
    });
    expect(await ex.accountOrder(alice.id, acct, { orderId: first.order.id })).toMatchObject({ status: 'cancelled' });
    await expect(ex.accountOrder(bob.id, acct, { orderId: first.order.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(ex.accountOrder(alice.id, acct, { clientOrderId: 'never' })).rejects.toMatchObject({
      code: 'order-not-found',
    });
  });

  it('pages an account’s orders from an id, oldest first, and filters live ones', async () => {
    const mid = await bounded();
    const acct = await account(alice, '100');
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const r = (await ex.placeOrder(alice.id, {
        accountId: acct,
        marketId: mid,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: `0.0${i}`,
      })) as { order: { id: number } };
      ids.push(r.order.id);
    }
    await ex.cancelOrder(alice.id, ids[1]!);
    const page = await ex.accountOrders(alice.id, acct, { marketId: mid, fromId: ids[2]!, limit: 2 });
    expect(page.map((o) => o.id)).toEqual([ids[2], ids[3]]);
    const latest = await ex.accountOrders(alice.id, acct, { limit: 2 });
    expect(latest.map((o) => o.id)).toEqual([ids[3], ids[4]]);
    const live = await ex.accountOrders(alice.id, acct, { marketId: mid, live: true, limit: 100 });
    expect(live.map((o) => o.id)).toEqual([ids[0], ids[2], ids[3], ids[4]]);
    expect(
      await ex.accountOrders(alice.id, acct, { marketId: mid, startTime: Date.now() + 60_000, limit: 10 }),
    ).toEqual([]);
  });

  it('lists my trades with side, maker flag and quote quantity', async () => {
    const mid = await bounded();
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const maker = (await ex.placeOrder(alice.id, {
      accountId: a,
      marketId: mid,
      side: 'sell',
      type: 'limit',
      size: '3',
      price: '0.25',
    })) as { order: { id: number } };
    const taker = (await ex.placeOrder(bob.id, {
      accountId: b,
      marketId: mid,
      side: 'buy',
      type: 'limit',
      size: '2',
      price: '0.3',
    })) as { order: { id: number } };
    const mine = await ex.accountTrades(alice.id, a, { marketId: mid, limit: 10 });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      orderId: maker.order.id,
      side: 'sell',
      maker: true,
      price: '0.25',
      size: '2',
      quoteQty: '0.5',
    });
    const theirs = await ex.accountTrades(bob.id, b, { marketId: mid, fromId: mine[0]!.id as number, limit: 10 });
    expect(theirs).toEqual([expect.objectContaining({ orderId: taker.order.id, side: 'buy', maker: false })]);
    expect(typeof theirs[0]!.time).toBe('number');
    await expect(ex.accountTrades(alice.id, b, { marketId: mid, limit: 10 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('cancels every live order of an account in one market, and only those', async () => {
    const m1 = await bounded();
    const m2 = await bounded();
    const a = await account(alice, '100');
    const other = await account(alice, '100');
    const place = async (acct: number, mid: number, price: string): Promise<number> =>
      (
        (await ex.placeOrder(alice.id, {
          accountId: acct,
          marketId: mid,
          side: 'buy',
          type: 'limit',
          size: '1',
          price,
        })) as {
          order: { id: number };
        }
      ).order.id;
    const x = await place(a, m1, '0.1');
    const y = await place(a, m1, '0.2');
    const keep1 = await place(a, m2, '0.1');
    const keep2 = await place(other, m1, '0.1');
    const cancelled = await ex.cancelAllOrders(alice.id, a, m1);
    expect(cancelled.map((o) => [o.id, o.status])).toEqual([
      [x, 'cancelled'],
      [y, 'cancelled'],
    ]);
    expect(await ex.cancelAllOrders(alice.id, a, m1)).toEqual([]);
    const live = await ex.accountOrders(alice.id, a, { live: true, limit: 10 });
    expect(live.map((o) => o.id)).toEqual([keep1]);
    expect((await ex.accountOrder(alice.id, other, { orderId: keep2 })).status).toBe('open');
    await expect(ex.cancelAllOrders(bob.id, a, m1)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('OCO order lists', () => {
  it('margins only the worse leg, cancels the other leg when one fills, and finishes the list', async () => {
    const mid = await bounded();
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const r = (await ex.placeOco(alice.id, {
      accountId: a,
      marketId: mid,
      side: 'sell',
      size: '10',
      above: { type: 'limit', price: '0.8', clientOrderId: 'tp' },
      below: { type: 'stop-limit', stopPrice: '0.3', price: '0.29', clientOrderId: 'sl' },
      listClientOrderId: 'bracket-1',
    })) as { list: { id: number; status: string; orderIds: number[] }; orders: { id: number; listId: number }[] };
    expect(r.list).toMatchObject({ status: 'executing', clientListId: 'bracket-1' });
    expect(r.orders.map((o) => o.listId)).toEqual([r.list.id, r.list.id]);
    // worst case of the stop leg alone: short 10 at 1 for 2.9 → −7.1 (the limit leg alone would be −2)
    expect((await ex.portfolio(alice.id, a)).available).toBe('92.9');
    await ex.placeOrder(bob.id, { accountId: b, marketId: mid, side: 'buy', type: 'limit', size: '10', price: '0.8' });
    const after = (await ex.orderList(alice.id, r.list.id)) as {
      list: { status: string };
      orders: { status: string; clientOrderId: string }[];
    };
    expect(after.list.status).toBe('all-done');
    expect(after.orders.map((o) => [o.clientOrderId, o.status])).toEqual([
      ['tp', 'filled'],
      ['sl', 'cancelled'],
    ]);
    // 100 + 8 from the sale; short 10 worth at most 10: 98 available
    expect(await ex.portfolio(alice.id, a)).toMatchObject({ cash: '108', available: '98' });
    const [h] = await sql.query(`SELECT reason FROM ex_order_history WHERE order_id = $1 AND event = 'cancel'`, [
      r.orders[1]!.id,
    ]);
    expect(h!.reason).toBe('oco');
    expect((await ex.orderLists(alice.id, a, { limit: 10 })).length).toBe(1);
  });

  it('cancels both legs of a list, and refuses a list whose legs cannot pair', async () => {
    const mid = await bounded();
    const a = await account(alice, '100');
    const r = (await ex.placeOco(alice.id, {
      accountId: a,
      marketId: mid,
      side: 'buy',
      size: '1',
      above: { type: 'stop-market', stopPrice: '0.7' },
      below: { type: 'limit', price: '0.2' },
    })) as { list: { id: number } };
    const c = (await ex.cancelOrderList(alice.id, r.list.id)) as { orders: { status: string }[] };
    expect(c.orders.map((o) => o.status)).toEqual(['cancelled', 'cancelled']);
    await expect(ex.cancelOrderList(alice.id, r.list.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(ex.cancelOrderList(bob.id, r.list.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      ex.placeOco(alice.id, {
        accountId: a,
        marketId: mid,
        side: 'buy',
        size: '1',
        above: { type: 'limit', price: '0.5', tif: 'IOC' },
        below: { type: 'limit', price: '0.2' },
      }),
    ).rejects.toMatchObject({ code: 'invalid-oco' });
    expect((await ex.portfolio(alice.id, a)).available).toBe('100');
  });
});

describe('events and ownership', () => {
  it('tells the owners of both sides of a fill (ex-order with the last fill, ex-account with balances), after commit', async () => {
    const mid = await bounded();
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const seen: TradingEvent[] = [];
    const off = ctx.events.subscribe(alice.id, (e) => seen.push(e));
    await ex.placeOrder(alice.id, {
      accountId: a,
      marketId: mid,
      side: 'buy',
      type: 'limit',
      size: '2',
      price: '0.4',
      clientOrderId: 'ev-1',
    });
    await ex.placeOrder(bob.id, { accountId: b, marketId: mid, side: 'sell', type: 'limit', size: '2', price: '0.4' });
    off();
    const mine = seen.filter((e) => e.userId === alice.id);
    const orders = mine.filter((e) => e.type === 'ex-order').map((e) => e.data);
    expect(orders.map((o) => [o.event, o.status, o.clientOrderId])).toEqual([
      ['accepted', 'open', 'ev-1'],
      ['fill', 'filled', 'ev-1'],
    ]);
    expect(orders[1]).toMatchObject({
      accountId: a,
      ownerIds: [alice.id],
      filled: '2',
      remaining: '0',
      lastFill: { price: '0.4', size: '2', quoteQty: '0.8', maker: true },
    });
    const acct = mine.filter((e) => e.type === 'ex-account').map((e) => e.data);
    expect(acct.at(-1)).toMatchObject({ accountId: a, cash: '99.2', balances: [{ asset: 'USD', free: '99.2' }] });
    // nothing of Bob's account reached Alice
    expect(mine.some((e) => e.data.accountId === b)).toBe(false);
  });

  it('removes a co-owner (never the last one, nor a personal account’s user) and tells every owner', async () => {
    const a = await account(alice, '1');
    const seenBob: TradingEvent[] = [];
    const off = ctx.events.subscribe(bob.id, (e) => {
      if (e.type === 'ownership') seenBob.push(e);
    });
    await ex.shareAccount(alice.id, a, 'bob@gw.test');
    expect(await ex.removeOwner(bob.id, a, alice.id)).toMatchObject({ removed: alice.id, owners: [bob.id] });
    await expect(ex.removeOwner(bob.id, a, bob.id)).rejects.toMatchObject({ code: 'last-owner' });
    await expect(ex.removeOwner(alice.id, a, bob.id)).rejects.toMatchObject({ code: 'account-not-found' });
    off();
    expect(seenBob.map((e) => [e.data.change, e.data.userId])).toEqual([
      ['added', bob.id],
      ['removed', alice.id],
    ]);
    const personal = await ex.personalAccount(alice.id);
    await ex.shareAccount(alice.id, personal, 'bob@gw.test');
    await expect(ex.removeOwner(bob.id, personal, alice.id)).rejects.toMatchObject({ code: 'personal-account-owner' });
    expect(await ex.removeOwner(alice.id, personal, bob.id)).toMatchObject({ owners: [alice.id] });
  });

  it('pages the whole trade history of a market by cursor', async () => {
    const mid = await bounded();
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    for (let i = 0; i < 5; i++) {
      await ex.placeOrder(alice.id, {
        accountId: a,
        marketId: mid,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.5',
      });
      await ex.placeOrder(bob.id, {
        accountId: b,
        marketId: mid,
        side: 'sell',
        type: 'limit',
        size: '1',
        price: '0.5',
      });
    }
    const all = await ex.trades(null, mid, 100);
    expect(all).toHaveLength(5);
    const page1 = await ex.trades(null, mid, 2);
    const page2 = await ex.trades(null, mid, 2, { beforeId: page1.at(-1)!.id as number });
    const page3 = await ex.trades(null, mid, 2, { beforeId: page2.at(-1)!.id as number });
    expect([...page1, ...page2, ...page3].map((t) => t.id)).toEqual(all.map((t) => t.id));
    expect((await ex.trades(null, mid, 2, { afterId: all[4]!.id as number })).map((t) => t.id)).toEqual([
      all[2]!.id,
      all[3]!.id,
    ]);
    const fills = await ex.fills(alice.id, null, 3);
    const older = await ex.fills(alice.id, null, 3, fills.at(-1)!.tradeId as number);
    expect(fills).toHaveLength(3);
    // the next page starts right below the first one
    expect(Math.max(...older.map((f) => f.tradeId as number))).toBeLessThan(fills.at(-1)!.tradeId as number);
  });
});
