/**
 * The Binance-compatible gateway over real HTTP on a real database (PGlite, or PostgreSQL with
 * TESTUDO_TEST_DB=postgres), driven by CCXT's own `binance` class with only its `urls` changed, and by a plain signed
 * `fetch` using the signature examples of Binance's documentation.
 *
 * Market TUDO/USD: tick 0.01, lot 0.1. Alice and Bob each get 10,000 USD and 100 TUDO.
 */
process.env.TESTUDO_SECRET_KEY ??= '11'.repeat(32);

import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../app/context.ts';
import type { Sql } from '../../db/sql.ts';
import { apiKeysOf } from './keys.ts';
import { gatewayOf } from './plugin.ts';
import { hmacHex } from './signing.ts';
import {
  countRows as countRowsIn,
  restUser,
  signedFetch,
  spotMarket,
  startGatewayWorld,
  type GatewayWorld,
  type Json,
  type RestUser,
} from './test-world.ts';

type User = RestUser;

let w: GatewayWorld;
let sql: Sql;
let ctx: AppContext;
let base: string;
let adminId: number;
let alice: User;
let bob: User;
let tudo: number;

const user = (email: string): Promise<User> => restUser(w, adminId, email, [tudo]);

/** CCXT's binance class with every API url pointed at the test server (nothing else changed). */
function exchange(u?: User): InstanceType<typeof ccxt.binance> {
  const ex = new ccxt.binance(u ? { apiKey: u.apiKey, secret: u.secret } : {});
  const api = ex.urls.api as Record<string, string>;
  for (const k of Object.keys(api)) api[k] = api[k]!.replace(/^https:\/\/[^/]+/, base);
  return ex;
}

beforeAll(async () => {
  w = await startGatewayWorld();
  ({ sql, ctx } = w);
  base = `http://${w.host}/binance`;
  adminId = (await ctx.auth.register('admin@gw.test', 'password1')).id;
  await ctx.auth.setAdmin('admin@gw.test', true);
  tudo = await spotMarket(ctx, adminId, { name: 'Tudo', symbol: 'TUDOUSD', baseAsset: 'TUDO' });
  alice = await user('alice@gw.test');
  bob = await user('bob@gw.test');
}, 60_000);

afterAll(async () => {
  await w?.close();
});

/** A signed request as a plain client sends it (query string, form body). */
const signed = (
  u: Pick<User, 'apiKey' | 'secret'>,
  method: string,
  path: string,
  params: Record<string, string>,
  o: Parameters<typeof signedFetch>[5] = {},
): ReturnType<typeof signedFetch> => signedFetch(w, u, method, path, params, o);

const countRows = (table: string): Promise<number> => countRowsIn(sql, table);

describe('CCXT binance against the gateway', () => {
  it('loads markets: TUDOUSD is TUDO/USD with precision and limits from the tick and lot', async () => {
    const ex = exchange(alice);
    const markets = await ex.loadMarkets();
    const m = markets['TUDO/USD']!;
    expect(m).toMatchObject({ id: 'TUDOUSD', base: 'TUDO', quote: 'USD', spot: true, active: true, type: 'spot' });
    expect(m.precision).toMatchObject({ price: 0.01, amount: 0.1 });
    expect(m.limits.amount?.min).toBe(0.1);
    // fetchCurrencies (sapi capital config, signed) gave the account's assets
    expect(Object.keys(ex.currencies)).toEqual(expect.arrayContaining(['USD', 'TUDO']));
    expect(await ex.fetchTime()).toBeGreaterThan(0);
  });

  it('public data without keys: order book with lastUpdateId, trades, OHLCV from the market trades, tickers', async () => {
    const a = exchange(alice);
    const b = exchange(bob);
    const pub = exchange();
    await a.createOrder('TUDO/USD', 'limit', 'sell', 2, 10.5);
    await a.createOrder('TUDO/USD', 'limit', 'buy', 1.5, 9.5);
    const book = await pub.fetchOrderBook('TUDO/USD');
    expect(book.asks[0]).toEqual([10.5, 2]);
    expect(book.bids[0]).toEqual([9.5, 1.5]);
    expect(book.nonce).toBeGreaterThan(0);
    // Bob buys 0.5 at 10.50 then sells 0.5 into 9.50: two trades this minute
    await b.createOrder('TUDO/USD', 'market', 'buy', 0.5);
    await b.createOrder('TUDO/USD', 'limit', 'sell', 0.5, 9.5, { timeInForce: 'IOC' });
    const candles = await pub.fetchOHLCV('TUDO/USD', '1m');
    expect(candles.at(-1)!.slice(1)).toEqual([10.5, 10.5, 9.5, 9.5, 1]);
    const month = await pub.fetchOHLCV('TUDO/USD', '1M');
    const d = new Date();
    expect(month.at(-1)![0]).toBe(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    const trades = await pub.fetchTrades('TUDO/USD');
    expect(trades.slice(-2).map((t) => [t.price, t.amount, t.side])).toEqual([
      [10.5, 0.5, 'buy'],
      [9.5, 0.5, 'sell'],
    ]);
    const t = await pub.fetchTicker('TUDO/USD');
    expect(t).toMatchObject({ last: 9.5, open: 10.5, high: 10.5, low: 9.5, baseVolume: 1, quoteVolume: 10 });
    expect(t.bid).toBe(9.5);
    expect(t.ask).toBe(10.5);
  });

  it('balances: cash free and locked by open orders, the base asset free and locked by open sells', async () => {
    const b = exchange(bob);
    const bal = await b.fetchBalance();
    // Bob bought 0.5 at 10.50 (−5.25) and sold 0.5 at 9.50 (+4.75): 9,999.50 USD, 100 TUDO, nothing open
    expect(bal.USD).toMatchObject({ free: 9999.5, used: 0, total: 9999.5 });
    expect(bal.TUDO).toMatchObject({ free: 100, used: 0, total: 100 });
    await b.createOrder('TUDO/USD', 'limit', 'sell', 3, 20);
    const after = await b.fetchBalance();
    expect(after.TUDO).toMatchObject({ free: 97, used: 3, total: 100 });
    await b.cancelAllOrders('TUDO/USD');
  });

  it('creates every order type, fetches, lists and cancels them', async () => {
    const a = exchange(alice);
    // last price is 9.50: stops to buy above, take-profits to buy below
    const limit = await a.createOrder('TUDO/USD', 'limit', 'buy', 1, 8, { clientOrderId: 'my-limit-1' });
    expect(limit).toMatchObject({ status: 'open', type: 'limit', clientOrderId: 'my-limit-1', price: 8, amount: 1 });
    const maker = await a.createOrder('TUDO/USD', 'limit', 'buy', 1, 8.1, { postOnly: true });
    expect(maker).toMatchObject({ status: 'open', postOnly: true });
    const sl = await a.createOrder('TUDO/USD', 'market', 'buy', 1, undefined, { stopLossPrice: 12 });
    const sll = await a.createOrder('TUDO/USD', 'limit', 'buy', 1, 12.5, { stopLossPrice: 12 });
    const tp = await a.createOrder('TUDO/USD', 'market', 'buy', 1, undefined, { takeProfitPrice: 7 });
    const tpl = await a.createOrder('TUDO/USD', 'limit', 'buy', 1, 7, { takeProfitPrice: 7 });
    for (const [o, type] of [
      [sl, 'STOP_LOSS'],
      [sll, 'STOP_LOSS_LIMIT'],
      [tp, 'TAKE_PROFIT'],
      [tpl, 'TAKE_PROFIT_LIMIT'],
    ] as const) {
      const f = await a.fetchOrder(String(o.id), 'TUDO/USD');
      expect(f.info.type).toBe(type);
      expect(f.status).toBe('open');
    }
    expect((await a.fetchOrder(String(sll.id), 'TUDO/USD')).triggerPrice).toBe(12);
    const open = await a.fetchOpenOrders('TUDO/USD');
    expect(open.map((o) => o.id)).toEqual(expect.arrayContaining([limit.id, maker.id, sl.id, sll.id, tp.id, tpl.id]));
    const cancelled = await a.cancelOrder(String(limit.id), 'TUDO/USD');
    expect(cancelled.status).toBe('canceled');
    const all = await a.cancelAllOrders('TUDO/USD');
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(await a.fetchOpenOrders('TUDO/USD')).toEqual([]);
    const history = await a.fetchOrders('TUDO/USD');
    expect(history.find((o) => o.id === limit.id)).toMatchObject({ status: 'canceled', clientOrderId: 'my-limit-1' });
  });

  it('market orders by quantity and by cost (quoteOrderQty), with fills and my trades', async () => {
    const a = exchange(alice);
    const b = exchange(bob);
    await b.createOrder('TUDO/USD', 'limit', 'sell', 1, 11);
    await b.createOrder('TUDO/USD', 'limit', 'sell', 1, 12);
    // Alice spends 17.00: 1 at 11.00 (11.00) and 0.5 at 12.00 (6.00)
    const bought = await a.createOrder('TUDO/USD', 'market', 'buy', 1.5, 11.3333);
    expect(bought.info.origQuoteOrderQty).toBe('16.99');
    expect(bought).toMatchObject({ status: 'closed', filled: 1.4, cost: 15.8 });
    expect(bought.trades.map((t) => [t.price, t.amount])).toEqual([
      [11, 1],
      [12, 0.4],
    ]);
    // the filled quote of a queried order (cummulativeQuoteQty) is the same 15.80
    expect(await a.fetchOrder(String(bought.id), 'TUDO/USD')).toMatchObject({ status: 'closed', cost: 15.8 });
    const mine = await a.fetchMyTrades('TUDO/USD');
    expect(mine.filter((t) => t.order === bought.id).map((t) => [t.price, t.amount, t.side, t.takerOrMaker])).toEqual([
      [11, 1, 'buy', 'taker'],
      [12, 0.4, 'buy', 'taker'],
    ]);
    // with `since`, Binance answers the oldest rows from that time on (CCXT pages forward with it)
    const allMine = await a.fetchMyTrades('TUDO/USD');
    const firstMine = await a.fetchMyTrades('TUDO/USD', allMine[0]!.timestamp, 1);
    expect(firstMine.map((t) => t.id)).toEqual([allMine[0]!.id]);
    const allOrders = await a.fetchOrders('TUDO/USD');
    const firstOrder = await a.fetchOrders('TUDO/USD', allOrders[0]!.timestamp, 1);
    expect(firstOrder.map((o) => o.id)).toEqual([allOrders[0]!.id]);
    const sold = await a.createOrder('TUDO/USD', 'market', 'sell', 0.2);
    expect(sold.status === 'closed' || sold.status === 'expired').toBe(true);
    await b.cancelAllOrders('TUDO/USD').catch(() => undefined);
  });

  it('refuses what Binance refuses, with its codes: CCXT raises the matching errors', async () => {
    const a = exchange(alice);
    await a.loadMarkets();
    // CCXT rounds amounts to the lot itself; its implicit API sends what it is given
    const offLot = { symbol: 'TUDOUSD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.15', price: '9' };
    await expect(a.privatePostOrder(offLot)).rejects.toThrow(ccxt.InvalidOrder);
    await expect(a.createOrder('TUDO/USD', 'limit', 'buy', 1000000, 9)).rejects.toThrow(ccxt.InsufficientFunds);
    await expect(a.fetchOrder('999999', 'TUDO/USD')).rejects.toThrow(ccxt.OrderNotFound);
    await expect(a.cancelOrder('999999', 'TUDO/USD')).rejects.toThrow(ccxt.OrderNotFound);
    // a LIMIT_MAKER that would take is refused, as Binance does
    await a.createOrder('TUDO/USD', 'limit', 'sell', 1, 30);
    await expect(a.createOrder('TUDO/USD', 'limit', 'buy', 1, 30, { postOnly: true })).rejects.toThrow(
      /immediately match and take/,
    );
    await a.cancelAllOrders('TUDO/USD');
    // last is 12.00 now: a stop to sell above it would trigger at once
    await expect(a.createOrder('TUDO/USD', 'market', 'sell', 1, undefined, { stopLossPrice: 13 })).rejects.toThrow(
      /immediately trigger/,
    );
  });
});

describe('endpoints in Binance shapes (plain fetch)', () => {
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${base}${path}`);
    return { status: r.status, body: await r.json() };
  };

  it('exchangeInfo: status, assets, filters from the grid, order types; filtered by symbol(s)', async () => {
    const info = (await get('/api/v3/exchangeInfo?symbol=TUDOUSD')).body as { symbols: Json[]; rateLimits: Json[] };
    expect(info.symbols).toHaveLength(1);
    expect(info.symbols[0]).toMatchObject({
      symbol: 'TUDOUSD',
      status: 'TRADING',
      baseAsset: 'TUDO',
      quoteAsset: 'USD',
      permissionSets: [['SPOT']],
      orderTypes: expect.arrayContaining(['LIMIT', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'LIMIT_MAKER']),
    });
    expect(info.symbols[0]!.filters).toEqual(
      expect.arrayContaining([
        { filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '0', tickSize: '0.01' },
        { filterType: 'LOT_SIZE', minQty: '0.1', maxQty: '9000000000', stepSize: '0.1' },
        expect.objectContaining({ filterType: 'MARKET_LOT_SIZE', stepSize: '0.1' }),
        expect.objectContaining({ filterType: 'NOTIONAL' }),
      ]),
    );
    expect(info.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', limit: 6000 });
    const two = (await get(`/api/v3/exchangeInfo?symbols=${encodeURIComponent('["TUDOUSD"]')}`)).body as {
      symbols: Json[];
    };
    expect(two.symbols.map((x) => x.symbol)).toEqual(['TUDOUSD']);
    expect((await get('/api/v3/exchangeInfo?symbol=NOPE')).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    expect((await get('/fapi/v1/exchangeInfo')).body).toMatchObject({ symbols: [] });
    expect((await get('/dapi/v1/exchangeInfo')).body).toMatchObject({ symbols: [] });
    expect((await get('/sapi/v1/system/status')).body).toEqual({ status: 0, msg: 'normal' });
  });

  it('ticker/price, bookTicker, aggTrades, historicalTrades, avgPrice, klines errors', async () => {
    const price = (await get('/api/v3/ticker/price?symbol=TUDOUSD')).body as Json;
    expect(price.symbol).toBe('TUDOUSD');
    const all = (await get('/api/v3/ticker/price')).body as Json[];
    expect(all.map((x) => x.symbol)).toContain('TUDOUSD');
    expect((await get('/api/v3/ticker/bookTicker?symbol=TUDOUSD')).body).toMatchObject({ symbol: 'TUDOUSD' });
    const agg = (await get('/api/v3/aggTrades?symbol=TUDOUSD&limit=2')).body as Json[];
    expect(agg).toHaveLength(2);
    expect(agg[0]).toEqual({
      a: expect.any(Number),
      p: expect.any(String),
      q: expect.any(String),
      f: agg[0]!.a,
      l: agg[0]!.a,
      T: expect.any(Number),
      m: expect.any(Boolean),
      M: true,
    });
    const first = agg[0]!.a as number;
    const hist = (await get(`/api/v3/historicalTrades?symbol=TUDOUSD&fromId=${first}&limit=1`)).body as Json[];
    expect(hist.map((t) => t.id)).toEqual([first]);
    expect((await get('/api/v3/avgPrice?symbol=TUDOUSD')).body).toMatchObject({ mins: 5, price: expect.any(String) });
    expect((await get('/api/v3/klines?symbol=TUDOUSD&interval=7m')).body).toEqual({
      code: -1120,
      msg: 'Invalid interval.',
    });
    expect((await get('/api/v3/klines?symbol=TUDOUSD')).body).toMatchObject({ code: -1102 });
    expect((await get('/api/v3/depth?symbol=TUDOUSD&limit=6000')).body).toMatchObject({ code: -1100 });
    const nowhere = await get('/api/v3/nowhere');
    expect([nowhere.status, (nowhere.body as Json).code]).toEqual([404, -1020]);
  });

  it('order/test checks without placing; ACK and RESULT responses; order rate headers; zero fees', async () => {
    const before = await countRows('ex_orders');
    const order = { symbol: 'TUDOUSD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '5' };
    const t = await signed(alice, 'POST', '/api/v3/order/test', order, { inBody: true });
    expect([t.status, t.body]).toEqual([200, {}]);
    const charset = await signed(alice, 'POST', '/api/v3/order/test', order, {
      inBody: true,
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
    });
    expect([charset.status, charset.body]).toEqual([200, {}]);
    const bad = await signed(alice, 'POST', '/api/v3/order/test', { ...order, quantity: '0.05' }, { inBody: true });
    expect(bad.body).toEqual({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
    expect(await countRows('ex_orders')).toBe(before);
    const ack = await signed(alice, 'POST', '/api/v3/order', { ...order, newOrderRespType: 'ACK' }, { inBody: true });
    expect(Object.keys(ack.body).sort(), JSON.stringify(ack.body)).toEqual(
      ['clientOrderId', 'orderId', 'orderListId', 'symbol', 'transactTime'].sort(),
    );
    expect(ack.body.clientOrderId).toBe(`testudo-${String(ack.body.orderId)}`);
    expect(ack.headers.get('x-mbx-order-count-10s')).toMatch(/^\d+$/);
    const res = await signed(alice, 'POST', '/api/v3/order', { ...order, newOrderRespType: 'RESULT' });
    expect(res.body).toMatchObject({ status: 'NEW', type: 'LIMIT', side: 'BUY', executedQty: '0' });
    expect(res.body.fills).toBeUndefined();
    const dup = await signed(alice, 'POST', '/api/v3/order', { ...order, newClientOrderId: 'same-id' });
    expect(dup.status).toBe(200);
    const dup2 = await signed(alice, 'POST', '/api/v3/order', { ...order, newClientOrderId: 'same-id' });
    expect([dup2.status, dup2.body.code]).toEqual([400, -2010]);
    const byClient = await signed(alice, 'GET', '/api/v3/order', { symbol: 'TUDOUSD', origClientOrderId: 'same-id' });
    expect(byClient.body).toMatchObject({ clientOrderId: 'same-id', status: 'NEW' });
    const limits = await signed(alice, 'GET', '/api/v3/rateLimit/order', {});
    expect((limits.body as unknown as Json[])[0]).toMatchObject({ rateLimitType: 'ORDERS', intervalNum: 10 });
    const fees = await signed(alice, 'GET', '/sapi/v1/asset/tradeFee', { symbol: 'TUDOUSD' });
    expect(fees.body).toEqual([{ symbol: 'TUDOUSD', makerCommission: '0', takerCommission: '0' }]);
    const gone = await signed(alice, 'DELETE', '/api/v3/openOrders', { symbol: 'TUDOUSD' });
    expect((gone.body as unknown as Json[]).length).toBeGreaterThanOrEqual(3);
  });
});

describe('a bounded (prediction) market through the gateway', () => {
  it('lists its bounds as PRICE_FILTER, refuses prices outside them, and shows a short as a negative balance', async () => {
    await ctx.exchange.createMarket(adminId, {
      name: 'Rain tomorrow',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      maxPrice: '1',
      symbol: 'RAIN',
    } as Parameters<typeof ctx.exchange.createMarket>[1]);
    const a = exchange(alice);
    const b = exchange(bob);
    const markets = await a.loadMarkets(true);
    expect(markets['RAIN/USD']).toMatchObject({ id: 'RAIN', base: 'RAIN', quote: 'USD' });
    const info = (await (await fetch(`${base}/api/v3/exchangeInfo?symbol=RAIN`)).json()) as { symbols: Json[] };
    expect((info.symbols[0]!.filters as Json[])[0]).toEqual({
      filterType: 'PRICE_FILTER',
      minPrice: '0.01',
      maxPrice: '1',
      tickSize: '0.01',
    });
    const over = { symbol: 'RAIN', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '1.5' };
    await expect(a.privatePostOrder(over)).rejects.toThrow(ccxt.InvalidOrder);
    // Alice sells 10 she does not hold (a short in a bounded market), Bob buys them
    await a.createOrder('RAIN/USD', 'limit', 'sell', 10, 0.4);
    await b.createOrder('RAIN/USD', 'limit', 'buy', 10, 0.4);
    expect((await a.fetchBalance()).RAIN).toMatchObject({ free: -10, used: 0 });
    expect((await b.fetchBalance()).RAIN).toMatchObject({ free: 10, used: 0 });
  });
});

describe('OCO order lists', () => {
  it('a sell bracket through CCXT: take-profit fills, the stop is cancelled; lists by id, client id, open and all', async () => {
    const m = (
      await ctx.exchange.createMarket(adminId, {
        name: 'Oco',
        kind: 'spot',
        tickSize: '0.1',
        lotSize: '1',
        symbol: 'OCOUSD',
        baseAsset: 'OCO',
      } as Parameters<typeof ctx.exchange.createMarket>[1])
    ).id as number;
    await ctx.exchange.depositAsset(m, alice.account, '10');
    const a = exchange(alice);
    const b = exchange(bob);
    await a.loadMarkets();
    await b.loadMarkets();
    // a first trade sets the last price at 10.0
    await a.createOrder('OCO/USD', 'limit', 'sell', 1, 10);
    await b.createOrder('OCO/USD', 'market', 'buy', 1);
    const list = (await a.privatePostOrderListOco({
      symbol: 'OCOUSD',
      side: 'SELL',
      quantity: '2',
      listClientOrderId: 'bracket-1',
      aboveType: 'LIMIT_MAKER',
      abovePrice: '12',
      belowType: 'STOP_LOSS_LIMIT',
      belowStopPrice: '9',
      belowPrice: '8.9',
      belowTimeInForce: 'GTC',
    })) as Json & { orders: Json[]; orderReports: Json[] };
    expect(list).toMatchObject({
      contingencyType: 'OCO',
      listStatusType: 'EXEC_STARTED',
      listOrderStatus: 'EXECUTING',
      listClientOrderId: 'bracket-1',
      symbol: 'OCOUSD',
    });
    expect(list.orderReports.map((r) => [r.type, r.status, r.orderListId])).toEqual([
      ['LIMIT_MAKER', 'NEW', list.orderListId],
      ['STOP_LOSS_LIMIT', 'NEW', list.orderListId],
    ]);
    const byId = (await a.privateGetOrderList({ orderListId: list.orderListId })) as Json;
    expect(byId.listClientOrderId).toBe('bracket-1');
    const byClient = (await a.privateGetOrderList({ origClientOrderId: 'bracket-1' })) as Json;
    expect(byClient.orderListId).toBe(list.orderListId);
    expect(((await a.privateGetOpenOrderList()) as Json[]).map((l) => l.orderListId)).toContain(list.orderListId);
    // Bob lifts the take-profit: the stop leg is cancelled with it
    await b.createOrder('OCO/USD', 'limit', 'buy', 2, 12);
    const [tpId, slId] = list.orders.map((o) => String(o.orderId));
    expect((await a.fetchOrder(tpId!, 'OCO/USD')).status).toBe('closed');
    expect((await a.fetchOrder(slId!, 'OCO/USD')).status).toBe('canceled');
    expect(((await a.privateGetOpenOrderList()) as Json[]).map((l) => l.orderListId)).not.toContain(list.orderListId);
    const all = (await a.privateGetAllOrderList()) as Json[];
    expect(all.find((l) => l.orderListId === list.orderListId)).toMatchObject({ listOrderStatus: 'ALL_DONE' });
  });

  it('legacy order/oco (a buy) and DELETE orderList; wrong price order or types refused', async () => {
    const a = exchange(alice);
    await a.loadMarkets();
    // last 12.0: buy below with a limit maker at 11, stop above at 13
    const list = (await a.privatePostOrderOco({
      symbol: 'OCOUSD',
      side: 'BUY',
      quantity: '1',
      price: '11',
      stopPrice: '13',
      stopLimitPrice: '13.5',
      stopLimitTimeInForce: 'GTC',
    })) as Json & { orderReports: Json[] };
    expect(list.orderReports.map((r) => r.type)).toEqual(['STOP_LOSS_LIMIT', 'LIMIT_MAKER']);
    const gone = (await a.privateDeleteOrderList({ symbol: 'OCOUSD', orderListId: list.orderListId })) as Json & {
      orderReports: Json[];
    };
    expect(gone.listOrderStatus).toBe('ALL_DONE');
    expect(gone.orderReports.map((r) => r.status)).toEqual(['CANCELED', 'CANCELED']);
    const before = await countRows('ex_orders');
    const bad = await signed(alice, 'POST', '/api/v3/orderList/oco', {
      symbol: 'OCOUSD',
      side: 'SELL',
      quantity: '1',
      aboveType: 'LIMIT_MAKER',
      abovePrice: '11',
      belowType: 'STOP_LOSS',
      belowStopPrice: '13',
    });
    expect([bad.status, bad.body.code]).toEqual([400, -2010]);
    const types = await signed(alice, 'POST', '/api/v3/orderList/oco', {
      symbol: 'OCOUSD',
      side: 'SELL',
      quantity: '1',
      aboveType: 'STOP_LOSS',
      aboveStopPrice: '13',
      belowType: 'LIMIT_MAKER',
      belowPrice: '11',
    });
    expect([types.status, types.body.code]).toEqual([400, -1014]);
    const unknown = await signed(alice, 'DELETE', '/api/v3/orderList', { symbol: 'OCOUSD', orderListId: '99999' });
    expect([unknown.status, unknown.body.code]).toEqual([400, -2011]);
    expect(await countRows('ex_orders')).toBe(before);
  });
});

describe('signed requests with plain fetch', () => {
  // Binance's documentation example (SIGNED endpoint examples for POST /api/v3/order, HMAC keys)
  const doc = {
    apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
    secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
  };
  const query =
    'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';

  it("reproduces the documentation's signatures", () => {
    expect(hmacHex(doc.secret, query)).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
    expect(
      hmacHex(
        doc.secret,
        'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC' +
          'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
      ),
    ).toBe('0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77');
  });

  it('accepts the documented requests (query, body, mixed) at their time; a replay is refused', async () => {
    const ltc = (
      await ctx.exchange.createMarket(adminId, {
        name: 'LTCBTC',
        kind: 'spot',
        tickSize: '0.1',
        lotSize: '1',
        symbol: 'LTCBTC',
        baseAsset: 'LTC',
        quoteAsset: 'BTC',
      } as Parameters<typeof ctx.exchange.createMarket>[1])
    ).id as number;
    const acct = (await ctx.exchange.createAltAccount(alice.id, 'doc')).id as number;
    await ctx.exchange.transfer({ id: adminId, isAdmin: true }, null, acct, '10');
    await apiKeysOf(ctx).create(alice.id, acct, { permission: 'trade' }, doc);
    const post = (url: string, body?: string): Promise<Response> =>
      fetch(`${base}/api/v3/order${url}`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': doc.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
        ...(body === undefined ? {} : { body }),
      });
    const sig1 = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
    // At today's clock the example is stale: the signature checks, the timestamp does not
    const stale = await post(`?${query}&signature=${sig1}`);
    expect([stale.status, ((await stale.json()) as { code: number }).code]).toEqual([400, -1021]);
    const gw = gatewayOf(ctx);
    const realNow = gw.now;
    gw.now = () => 1499827319559 + 100;
    try {
      const before = await countRows('ex_orders');
      const q = await post(`?${query}&signature=${sig1}`);
      expect(q.status).toBe(200);
      expect(await q.json()).toMatchObject({ symbol: 'LTCBTC', status: 'NEW', price: '0.1', origQty: '1' });
      // the same signed request again (here in the body) is a replay
      const again = await post('', `${query}&signature=${sig1}`);
      expect([again.status, ((await again.json()) as { code: number }).code]).toEqual([400, -1021]);
      const mixed = await post(
        '?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
        'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77',
      );
      expect(mixed.status).toBe(200);
      expect(await countRows('ex_orders')).toBe(before + 2);
      const orders = await ctx.exchange.accountOrders(alice.id, acct, { marketId: ltc, limit: 10 });
      expect(orders).toHaveLength(2);
    } finally {
      gw.now = realNow;
    }
  });

  it('answers bad requests in Binance shape and changes nothing', async () => {
    const before = [await countRows('ex_orders'), await countRows('ex_trades')];
    const order = { symbol: 'TUDOUSD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '5' };
    const cases: [Promise<{ status: number; body: Json }>, number, number][] = [
      [signed(alice, 'POST', '/api/v3/order', order, { signature: '0'.repeat(64) }), 400, -1022],
      [signed({ ...alice, apiKey: 'x'.repeat(64) }, 'POST', '/api/v3/order', order), 401, -2015],
      [signed({ ...alice, apiKey: 'short' }, 'POST', '/api/v3/order', order), 401, -2014],
      [signed(alice, 'POST', '/api/v3/order', { ...order, recvWindow: '70000' }), 400, -1131],
      [signed(alice, 'POST', '/api/v3/order', order, { timestamp: Date.now() + 5000 }), 400, -1021],
      [signed(alice, 'POST', '/api/v3/order', { ...order, symbol: 'NOPE' }), 400, -1121],
      [signed(alice, 'POST', '/api/v3/order', { ...order, side: 'UP' }), 400, -1117],
      [signed(alice, 'POST', '/api/v3/order', { ...order, type: 'ICEBERG' }), 400, -1116],
      [signed(alice, 'POST', '/api/v3/order', { ...order, timeInForce: 'DAY' }), 400, -1115],
      [signed(alice, 'POST', '/api/v3/order', { ...order, price: '5.001' }), 400, -1013],
      [signed(alice, 'POST', '/api/v3/order', { ...order, quantity: '' }), 400, -1102],
      [signed(alice, 'POST', '/api/v3/order', { ...order, stopPrice: '4' }), 400, -1106],
      [signed(alice, 'GET', '/api/v3/order', { symbol: 'TUDOUSD' }), 400, -1102],
      [signed(alice, 'GET', '/api/v3/order', { symbol: 'TUDOUSD', orderId: '987654' }), 400, -2013],
      [signed(alice, 'DELETE', '/api/v3/order', { symbol: 'TUDOUSD', orderId: '987654' }), 400, -2011],
    ];
    for (const [p, status, code] of cases) {
      const r = await p;
      expect([r.status, r.body.code], JSON.stringify(r.body)).toEqual([status, code]);
      expect(typeof r.body.msg).toBe('string');
    }
    const unsigned = await fetch(`${base}/api/v3/account?timestamp=${Date.now()}`, {
      headers: { 'X-MBX-APIKEY': alice.apiKey },
    });
    expect([unsigned.status, ((await unsigned.json()) as { code: number }).code]).toEqual([400, -1102]);
    const nokey = await fetch(`${base}/api/v3/account?timestamp=${Date.now()}&signature=${'a'.repeat(64)}`);
    expect([nokey.status, ((await nokey.json()) as { code: number }).code]).toEqual([401, -2014]);
    const depth = await fetch(`${base}/api/v3/depth?symbol=NOPE`);
    expect([depth.status, await depth.json()]).toEqual([400, { code: -1121, msg: 'Invalid symbol.' }]);
    expect([await countRows('ex_orders'), await countRows('ex_trades')]).toEqual(before);
  });

  it('a key reads only unless trade is asked for; a read-only key cannot trade; a revoked key stops at once', async () => {
    const r = await fetch(`${base.replace('/binance', '')}/api/v1/exchange/accounts/${alice.account}/api-keys`, {
      method: 'POST',
      headers: { ...alice.h, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'no permission named' }),
    });
    const ro = (await r.json()) as { id: number; apiKey: string; secret: string; permission: string };
    expect([r.status, ro.permission]).toEqual([201, 'read']); // least privilege by default, as on Binance
    expect((await signed(ro, 'GET', '/api/v3/account', {})).status).toBe(200);
    const placed = await signed(ro, 'POST', '/api/v3/order', {
      symbol: 'TUDOUSD',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '1',
      price: '5',
    });
    expect([placed.status, placed.body.code]).toEqual([401, -2015]);
    const keysBase = `${base.replace('/binance', '')}/api/v1/exchange/accounts/${alice.account}/api-keys`;
    expect((await fetch(keysBase)).status).toBe(401);
    const badPerm = await fetch(keysBase, {
      method: 'POST',
      headers: { ...alice.h, 'content-type': 'application/json' },
      body: JSON.stringify({ permission: 'withdraw' }),
    });
    expect(badPerm.status).toBe(400);
    // Bob is no owner: he can neither list nor revoke Alice's keys
    const keysUrl = `${base.replace('/binance', '')}/api/v1/exchange/accounts/${alice.account}/api-keys`;
    expect((await fetch(keysUrl, { headers: bob.h })).status).toBe(404);
    expect((await fetch(`${keysUrl}/${ro.id}`, { method: 'DELETE', headers: bob.h })).status).toBe(404);
    const list = (await (await fetch(keysUrl, { headers: alice.h })).json()) as { keys: Record<string, unknown>[] };
    expect(list.keys.map((k) => k.id)).toContain(ro.id);
    expect(JSON.stringify(list)).not.toContain(ro.secret);
    expect((await fetch(`${keysUrl}/${ro.id}`, { method: 'DELETE', headers: alice.h })).status).toBe(200);
    const after = await signed(ro, 'GET', '/api/v3/account', {});
    expect([after.status, after.body.code]).toEqual([401, -2015]);
  });

  it('reports weight, answers 429 over the limit and bans (418) a client that keeps going', async () => {
    const gw = gatewayOf(ctx);
    const saved = { ...gw.limiter.limits };
    const realNow = gw.now;
    let t = Math.ceil(Date.now() / 60_000) * 60_000 + 1000; // the start of a fresh minute
    gw.now = () => t;
    try {
      gw.limiter.limits = { ...saved, weightPerMinute: 30, violationsBeforeBan: 2 };
      const hit = (): Promise<Response> => fetch(`${base}/api/v3/depth?symbol=TUDOUSD`); // weight 5
      const weights: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await hit();
        expect(r.status).toBe(200);
        weights.push(r.headers.get('x-mbx-used-weight-1m')!);
      }
      expect(weights).toEqual(['5', '10', '15', '20', '25', '30']);
      const limited = await hit();
      expect([limited.status, ((await limited.json()) as { code: number }).code]).toEqual([429, -1003]);
      expect(Number(limited.headers.get('retry-after'))).toBe(59);
      // bad requests count too
      const bad = await fetch(`${base}/api/v3/depth?symbol=NOPE`);
      expect(bad.status).toBe(429);
      const banned = await hit();
      expect([banned.status, ((await banned.json()) as { code: number }).code]).toEqual([418, -1003]);
      expect(Number(banned.headers.get('retry-after'))).toBe(120);
      t += 60_000; // a new minute does not lift the ban
      expect((await hit()).status).toBe(418);
      t += 61_000;
      expect((await hit()).status).toBe(200);
    } finally {
      gw.limiter.limits = saved;
      gw.now = realNow;
    }
  });
});
