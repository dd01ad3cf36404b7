/**
 * CCXT pro's own `binance` class (`ccxt.pro.binance`, only its `urls` changed) against the gateway's WebSocket
 * streams: watchTrades, watchOrderBook (diff stream + REST snapshot sync), watchOHLCV, and the user data of
 * watchOrders / watchBalance (WebSocket API `userDataStream.subscribe.signature`). PGlite by default, PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`.
 */
import { Agent } from 'node:http';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../app/context.ts';
import { apiKeysOf } from './keys.ts';
import { limitOrder, spotMarket, startGatewayWorld, type GatewayWorld } from './test-world.ts';

interface User {
  id: number;
  account: number;
  apiKey: string;
  secret: string;
}

let w: GatewayWorld;
let ctx: AppContext;
let host: string;
let adminId: number;
let alice: User;
let bob: User;
let marketId: number;
let ordersMarketId: number;
const SYMBOL = 'WSTUDOUSD';
const PAIR = 'WSTUDO/USD';
/** A market only the watchOrders test trades on. */
const PAIR2 = 'WSORD/USD';
const open: { close(): Promise<unknown> }[] = [];

async function user(email: string): Promise<User> {
  const u = await ctx.auth.register(email, 'password1');
  const account = (await ctx.exchange.createAltAccount(u.id, `${email} bot`)).id as number;
  await ctx.exchange.transfer({ id: adminId, isAdmin: true }, null, account, '10000');
  await ctx.exchange.depositAsset(marketId, account, '100');
  await ctx.exchange.depositAsset(ordersMarketId, account, '100');
  const k = await apiKeysOf(ctx).create(u.id, account, { permission: 'trade' });
  return { id: u.id, account, apiKey: k.apiKey, secret: k.secret };
}

/** CCXT pro's binance with its REST and WebSocket urls pointed at the test server (and an agent for ws://). */
function pro(u?: User): InstanceType<typeof ccxt.pro.binance> {
  // a plain ws:// url needs an http agent (CCXT refuses otherwise: "use loadHttpProxyAgent()")
  const ex = new ccxt.pro.binance({ httpAgent: new Agent(), ...(u ? { apiKey: u.apiKey, secret: u.secret } : {}) });
  const api = ex.urls.api as Record<string, unknown>;
  for (const [k, v] of Object.entries(api))
    if (typeof v === 'string') api[k] = v.replace(/^https:\/\/[^/]+/, `http://${host}/binance`);
  const ws = api.ws as Record<string, unknown>;
  ws.spot = `ws://${host}/binance/ws`;
  (ws['ws-api'] as Record<string, string>).spot = `ws://${host}/binance/ws-api/v3`;
  open.push(ex);
  return ex;
}

const order = (who: User, side: 'buy' | 'sell', price: string, size: string): Promise<Record<string, unknown>> =>
  limitOrder(ctx, who, marketId, side, price, size);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  w = await startGatewayWorld();
  ({ ctx } = w);
  host = w.host;
  adminId = (await ctx.auth.register('admin@ccxtpro.test', 'password1')).id;
  await ctx.auth.setAdmin('admin@ccxtpro.test', true);
  marketId = await spotMarket(ctx, adminId, { name: 'WS Tudo', symbol: SYMBOL, baseAsset: 'WSTUDO' });
  ordersMarketId = await spotMarket(ctx, adminId, { name: 'WS Orders', symbol: 'WSORDUSD', baseAsset: 'WSORD' });
  alice = await user('alice@ccxtpro.test');
  bob = await user('bob@ccxtpro.test');
}, 60_000);

afterAll(async () => {
  for (const ex of open) await ex.close().catch(() => undefined);
  await w?.close();
});

describe('CCXT pro binance against the gateway streams', () => {
  it('watchTrades receives the market trades', async () => {
    const ex = pro();
    await ex.loadMarkets();
    const first = ex.watchTrades(PAIR);
    await sleep(300);
    await order(alice, 'sell', '10.50', '2');
    await order(bob, 'buy', '10.50', '1.5');
    const trades = await first;
    expect(trades.length).toBeGreaterThan(0);
    expect(trades[0]).toMatchObject({ symbol: PAIR, price: 10.5, amount: 1.5, side: 'buy' });
    expect(typeof trades[0]!.id).toBe('string');
  });

  it('watchOrderBook syncs the diff stream with the REST snapshot and follows changes', async () => {
    await order(alice, 'sell', '11.00', '1');
    await order(alice, 'buy', '9.00', '2');
    const ex = pro();
    await ex.loadMarkets();
    let book = await ex.watchOrderBook(PAIR);
    const truth = async (): Promise<{ bids: number[][]; asks: number[][] }> => {
      const d = (await ctx.exchange.market(null, marketId, 100)).book as {
        bids: { price: string; size: string }[];
        asks: { price: string; size: string }[];
      };
      const f = (ls: { price: string; size: string }[]): number[][] => ls.map((l) => [Number(l.price), Number(l.size)]);
      return { bids: f(d.bids), asks: f(d.asks) };
    };
    for (let i = 0; i < 12; i++) {
      await order(i % 2 ? alice : bob, i % 2 ? 'sell' : 'buy', (i % 2 ? 11 + i / 10 : 9 - i / 10).toFixed(2), '0.3');
      if (i === 6) await order(bob, 'buy', '11.00', '0.5'); // takes part of the best ask
    }
    const want = await truth();
    for (let tries = 0; tries < 50; tries++) {
      book = await ex.watchOrderBook(PAIR);
      if (
        JSON.stringify(book.bids) === JSON.stringify(want.bids) &&
        JSON.stringify(book.asks) === JSON.stringify(want.asks)
      )
        break;
    }
    expect(book.bids).toEqual(want.bids);
    expect(book.asks).toEqual(want.asks);
    expect(book.nonce).toEqual(expect.any(Number));
  });

  it('watchOHLCV receives the current 1m candle built from the trades', async () => {
    const ex = pro();
    await ex.loadMarkets();
    const p = ex.watchOHLCV(PAIR, '1m');
    await sleep(300);
    const from = Math.floor(Date.now() / 60_000) * 60_000;
    await order(alice, 'sell', '10.40', '1');
    await order(bob, 'buy', '10.40', '1');
    // The candle of the minute the trade fell in (a minute may end meanwhile: then a newer, empty candle follows it).
    const ours = (cs: number[][]): number[] | undefined => cs.find((c) => c[0]! >= from && c[4] === 10.4 && c[5]! >= 1);
    let candles = (await p) as number[][];
    for (let i = 0; i < 5 && !ours(candles); i++) candles = (await ex.watchOHLCV(PAIR, '1m')) as number[][];
    const c = ours(candles);
    expect(c).toBeDefined();
    expect(c![0]! % 60_000).toBe(0);
    expect(c![4]).toBe(10.4);
    expect(c![5]).toBeGreaterThanOrEqual(1);
  });

  it('watchTicker receives the 24 h statistics of the market trades', async () => {
    await order(alice, 'sell', '10.70', '0.5');
    await order(bob, 'buy', '10.70', '0.5');
    const ex = pro();
    await ex.loadMarkets();
    let t = await ex.watchTicker(PAIR);
    for (let i = 0; i < 5 && t.last !== 10.7; i++) t = await ex.watchTicker(PAIR);
    // CCXT 4.5 watches <symbol>@miniTicker (no bid/ask); watchBidsAsks reads @bookTicker
    expect(t).toMatchObject({ symbol: PAIR, last: 10.7 });
    expect(t.baseVolume).toBeGreaterThanOrEqual(0.5);
    const d = (await ctx.exchange.market(null, marketId, 1)).book as { bids: { price: string }[] };
    const ba = await ex.watchBidsAsks([PAIR]);
    expect(ba[PAIR]).toMatchObject({ symbol: PAIR, bid: Number(d.bids[0]!.price) });
  });

  it("watchOrders and watchBalance receive the key's account's order changes and balances (WebSocket API)", async () => {
    const ex = pro(alice);
    await ex.loadMarkets();
    const firstOrders = ex.watchOrders(PAIR2);
    const firstBalance = ex.watchBalance();
    await sleep(500);
    const placed = await ex.createOrder(PAIR2, 'limit', 'sell', 1, 12.5);
    let orders = await firstOrders;
    expect(orders.at(-1)).toMatchObject({
      id: placed.id,
      symbol: PAIR2,
      type: 'limit',
      side: 'sell',
      price: 12.5,
      amount: 1,
      filled: 0,
      status: 'open',
    });
    let balance = await firstBalance;
    for (let i = 0; i < 5 && balance.WSORD?.used !== 1; i++) balance = await ex.watchBalance();
    expect(balance.WSORD).toMatchObject({ used: 1 });
    await ctx.exchange.placeOrder(bob.id, {
      accountId: bob.account,
      marketId: ordersMarketId,
      side: 'buy',
      type: 'limit',
      size: '1',
      price: '12.50',
      tif: 'GTC',
    });
    for (let i = 0; i < 5 && orders.at(-1)?.status !== 'closed'; i++) orders = await ex.watchOrders(PAIR2);
    expect(orders.at(-1)).toMatchObject({ id: placed.id, status: 'closed', filled: 1, remaining: 0, cost: 12.5 });
    expect(orders.every((o) => o.id === placed.id)).toBe(true);
  });
});
