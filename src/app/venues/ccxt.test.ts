/**
 * The CCXT venue against the simulated exchange's Binance gateway over real HTTP and WebSocket, with CCXT pro's real
 * `binance` class (kind `sim`, and kind `ccxt` pointed at the gateway with `baseUrl`). PGlite by default, PostgreSQL
 * with `TESTUDO_TEST_DB=postgres`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import {
  cashUser,
  limitOrder,
  restUser,
  spotMarket,
  startGatewayWorld,
  type CashUser,
  type GatewayWorld,
  type RestUser,
} from '../../server/binance/test-world.ts';
import { CcxtVenue, divDecimal, mulDecimal } from './ccxt.ts';
import { createVenue } from './registry.ts';
import { VenueError, type Venue, type VenueConfig, type VenueFill, type VenueOrder } from './types.ts';

let w: GatewayWorld;
let ctx: AppContext;
let admin: CashUser;
let maker: CashUser;
let alice: RestUser;
let marketId: number;
let otherMarketId: number;
const PAIR = 'VTUDO/USD';
const PAIR2 = 'VWAT/USD';
const open: Venue[] = [];

/** A sim venue for `u` (or an explicit config), closed after the suite. */
function venue(u: { apiKey: string; secret: string } = alice, over: Partial<VenueConfig> = {}): CcxtVenue {
  const v = new CcxtVenue({
    kind: 'sim',
    exchange: 'testudo',
    marketType: 'spot',
    sandbox: false,
    baseUrl: `http://${w.host}/binance`,
    credentials: { apiKey: u.apiKey, secret: u.secret },
    ...over,
  });
  open.push(v);
  return v;
}

/** The VenueError `p` rejects with. */
async function venueError(p: Promise<unknown>): Promise<VenueError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VenueError);
    return e as VenueError;
  }
  throw new Error('expected a VenueError');
}

/** Polls `get` every 20 ms (running `between` each time) until it gives a truthy value, failing after 10 s. */
async function until<T>(what: string, get: () => T, between?: () => Promise<unknown>): Promise<NonNullable<T>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
    await between?.();
  }
}

let seq = 0;
/** A fresh client order id. */
const cid = (p = 'tdo'): string => `${p}${Date.now().toString(36)}${(seq++).toString(36)}`;

beforeAll(async () => {
  w = await startGatewayWorld();
  ({ ctx } = w);
  admin = await cashUser(ctx, 'admin@venue.test', true, '0');
  marketId = await spotMarket(ctx, admin.id, { name: 'Venue Tudo', symbol: 'VTUDOUSD', baseAsset: 'VTUDO' });
  otherMarketId = await spotMarket(ctx, admin.id, { name: 'Venue Wat', symbol: 'VWATUSD', baseAsset: 'VWAT' });
  maker = await cashUser(ctx, 'maker@venue.test', false, '100000');
  await ctx.exchange.depositAsset(marketId, maker.account, '1000');
  await ctx.exchange.depositAsset(otherMarketId, maker.account, '1000');
  alice = await restUser(w, admin.id, 'alice@venue.test', [marketId, otherMarketId]);
  // a last price of 10 on both markets
  for (const m of [marketId, otherMarketId]) {
    await limitOrder(ctx, maker, m, 'sell', '10.00', '0.1');
    await limitOrder(ctx, maker, m, 'buy', '10.00', '0.1');
  }
}, 60_000);

afterAll(async () => {
  for (const v of open) await v.close();
  await w?.close();
});

describe('CcxtVenue (sim) against the Binance gateway', () => {
  it('markets: the gateway spot markets with tick and lot as decimal text, no fees', async () => {
    const v = venue();
    const ms = await v.markets();
    const m = ms.find((x) => x.symbol === PAIR);
    expect(m).toEqual({
      symbol: PAIR,
      id: 'VTUDOUSD',
      type: 'spot',
      active: true,
      instrument: {
        symbol: PAIR,
        base: 'VTUDO',
        quote: 'USD',
        tickSize: '0.01',
        lotSize: '0.1',
        minQty: '0.1',
        minNotional: '0',
        makerFee: '0',
        takerFee: '0',
      },
    });
    expect((await v.market(PAIR2)).id).toBe('VWATUSD');
    expect((await venueError(v.market('NOPE/USD'))).code).toBe('unknown-symbol');
    expect(v.capabilities).toMatchObject({ oco: true, reduceOnly: false, stopMarket: true, watch: true });
  });

  it('test(): balances with the right key; invalid-credentials with a wrong secret, without the secret', async () => {
    const { balances } = await venue().test();
    expect(balances.find((b) => b.asset === 'USD')).toMatchObject({ total: expect.stringMatching(/^\d/) });
    const bad = 'x'.repeat(64);
    const e = await venueError(venue({ apiKey: alice.apiKey, secret: bad }).test());
    expect(e.code).toBe('invalid-credentials');
    expect(e.refused).toBe(true);
    expect(e.message).not.toContain(bad);
    expect(e.message).not.toContain(alice.apiKey);
    const unknownKey = await venueError(venue({ apiKey: 'nokey' + 'y'.repeat(59), secret: bad }).test());
    expect(unknownKey.code).toBe('invalid-credentials');
  });

  it('a limit order carries its client id, is found by it, and a second one with the same id is a duplicate', async () => {
    const v = venue();
    const id = cid();
    const o = await v.placeOrder({
      clientOrderId: id,
      symbol: PAIR,
      side: 'buy',
      type: 'limit',
      qty: '1',
      price: '9.50',
    });
    expect(o).toMatchObject({
      clientOrderId: id,
      symbol: PAIR,
      side: 'buy',
      type: 'limit',
      status: 'open',
      qty: '1',
      filled: '0',
      price: '9.5',
      listId: null,
      reduceOnly: false,
    });
    const byCid = await v.fetchOrder(PAIR, { clientOrderId: id });
    expect(byCid).toMatchObject({ id: o.id, clientOrderId: id, status: 'open' });
    expect(await v.fetchOrder(PAIR, { id: o.id })).toMatchObject({ clientOrderId: id });
    const dup = await venueError(
      v.placeOrder({ clientOrderId: id, symbol: PAIR, side: 'buy', type: 'limit', qty: '1', price: '9.40' }),
    );
    expect(dup.code).toBe('duplicate-order');
    expect(dup.venueCode).toBe(-2010);
    expect((await v.openOrders(PAIR)).filter((x) => x.clientOrderId === id)).toHaveLength(1);
    expect(await v.fetchOrder(PAIR, { clientOrderId: cid('none') })).toBeNull();
    const cancelled = await v.cancelOrder(PAIR, o.id);
    expect(cancelled).toMatchObject({ id: o.id, status: 'canceled' });
    expect(await v.cancelOrder(PAIR, o.id)).toBeNull();
  });

  it('a stop-market on spot is a STOP_LOSS with its trigger price', async () => {
    const v = venue();
    const id = cid();
    const o = await v.placeOrder({
      clientOrderId: id,
      symbol: PAIR,
      side: 'sell',
      type: 'stop-market',
      qty: '1',
      stopPrice: '8.00',
    });
    expect(o).toMatchObject({ clientOrderId: id, type: 'stop-market', stopPrice: '8', status: 'open', price: null });
    const again = await v.fetchOrder(PAIR, { clientOrderId: id });
    expect(again).toMatchObject({ type: 'stop-market', stopPrice: '8', qty: '1' });
    await v.cancelOrder(PAIR, o.id);
  });

  it('an OCO exit: listed in open orders with its list id, then cancelled as one', async () => {
    const v = venue();
    const list = cid('tdoo');
    const stopId = cid('tdos');
    const targetId = cid('tdot');
    const r = await v.placeOco({
      listClientId: list,
      symbol: PAIR,
      side: 'sell',
      qty: '2',
      targetPrice: '12.00',
      stopPrice: '8.50',
      stopClientOrderId: stopId,
      targetClientOrderId: targetId,
    });
    expect(r.listId).toMatch(/^\d+$/);
    expect(r.stop).toMatchObject({ clientOrderId: stopId, type: 'stop-market', stopPrice: '8.5', listId: r.listId });
    expect(r.target).toMatchObject({ clientOrderId: targetId, type: 'limit', price: '12', listId: r.listId });
    const legs = (await v.openOrders(PAIR)).filter((o) => o.listId === r.listId);
    expect(legs.map((o) => o.clientOrderId).sort()).toEqual([stopId, targetId].sort());
    expect(await v.cancelOco(PAIR, r.listId)).toBe(true);
    expect((await v.openOrders(PAIR)).filter((o) => o.listId === r.listId)).toEqual([]);
    expect(await v.cancelOco(PAIR, r.listId)).toBe(false);
  });

  it('refusals map to their codes: insufficient balance, off the lot grid, below the minimum', async () => {
    const v = venue();
    const poor = await venueError(
      v.placeOrder({ clientOrderId: cid(), symbol: PAIR, side: 'buy', type: 'limit', qty: '100000', price: '9.00' }),
    );
    expect(poor.code).toBe('insufficient-balance');
    expect(poor.message).toMatch(/insufficient balance/i);
    const offLot = await venueError(
      v.placeOrder({ clientOrderId: cid(), symbol: PAIR, side: 'buy', type: 'limit', qty: '0.15', price: '9.00' }),
    );
    expect(offLot.code).toBe('precision');
    // CCXT would round 9.005 to the tick silently: the venue refuses it before sending
    const offTick = await venueError(
      v.placeOrder({ clientOrderId: cid(), symbol: PAIR, side: 'buy', type: 'limit', qty: '1', price: '9.005' }),
    );
    expect(offTick.code).toBe('precision');
    expect(await v.openOrders(PAIR)).toEqual([]);
  });

  it('fills(since): the fills of a crossing trade, with order ids and client ids', async () => {
    const v = venue();
    const since = Date.now() - 1000;
    await limitOrder(ctx, maker, otherMarketId, 'sell', '10.20', '1.5');
    const id = cid();
    const o = await v.placeOrder({
      clientOrderId: id,
      symbol: PAIR2,
      side: 'buy',
      type: 'limit',
      qty: '1.5',
      price: '10.20',
    });
    const fs = await v.fills(PAIR2, since);
    const mine = fs.filter((f) => f.orderId === o.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      symbol: PAIR2,
      side: 'buy',
      price: '10.2',
      qty: '1.5',
      fee: '0',
      clientOrderId: id,
    });
    expect(await v.fills(PAIR2, Date.now() + 60_000)).toEqual([]);
    // three days back: Binance answers a start time with one day only, so the venue walks the days, then by id
    const week = await v.fills(PAIR2, Date.now() - 3 * 86_400_000);
    expect(week.filter((f) => f.orderId === o.id)).toHaveLength(1);
    // a market order fills at once against the book, with its average price
    await limitOrder(ctx, maker, otherMarketId, 'sell', '10.30', '0.5');
    const mid = cid();
    const m = await v.placeOrder({ clientOrderId: mid, symbol: PAIR2, side: 'buy', type: 'market', qty: '0.5' });
    expect(m).toMatchObject({
      clientOrderId: mid,
      type: 'market',
      status: 'closed',
      filled: '0.5',
      average: '10.3',
      price: null,
    });
    expect((await v.fills(PAIR2, since)).filter((f) => f.orderId === m.id)).toMatchObject([
      { clientOrderId: mid, qty: '0.5' },
    ]);
    // open orders of every market at once (no symbol)
    const rest = await v.placeOrder({
      clientOrderId: cid(),
      symbol: PAIR,
      side: 'buy',
      type: 'limit',
      qty: '0.2',
      price: '5.00',
    });
    expect((await v.openOrders()).map((x) => [x.id, x.symbol])).toContainEqual([rest.id, PAIR]);
    await v.cancelOrder(PAIR, rest.id);
    const t = await v.ticker(PAIR2);
    expect(t.last).toBe('10.3');
    const candles = await v.ohlcv(PAIR2, '1m', since - 60_000);
    expect(candles.at(-1)).toMatchObject({ close: '10.3' });
  });

  it('watch(): an order update and its fill arrive over the WebSocket stream', async () => {
    const v = venue();
    await v.markets();
    const orders: VenueOrder[] = [];
    const fills: VenueFill[] = [];
    const errors: VenueError[] = [];
    // a poll interval far longer than the test: whatever arrives came over the stream
    const stop = v.watch(
      { onOrder: (o) => orders.push(o), onFill: (f) => fills.push(f), onError: (e) => errors.push(e) },
      { symbols: [PAIR], pollMs: 600_000 },
    );
    try {
      // the user-data subscription is asynchronous: place orders until the stream reports one
      const id = cid();
      const placed = await v.placeOrder({
        clientOrderId: id,
        symbol: PAIR,
        side: 'sell',
        type: 'limit',
        qty: '1',
        price: '10.60',
      });
      let extra = 0;
      await until(
        'the order over the stream',
        () => orders.some((o) => o.clientOrderId?.startsWith('tdo')),
        async () => {
          if (extra++ % 25 === 24)
            await v.placeOrder({
              clientOrderId: cid(),
              symbol: PAIR,
              side: 'sell',
              type: 'limit',
              qty: '0.1',
              price: '11.90',
            });
        },
      );
      await limitOrder(ctx, maker, marketId, 'buy', '10.60', '1');
      const f = await until('the fill over the stream', () => fills.find((x) => x.orderId === placed.id));
      expect(f).toMatchObject({ symbol: PAIR, side: 'sell', price: '10.6', qty: '1', clientOrderId: id });
      const closed = await until('the filled order', () =>
        orders.find((o) => o.id === placed.id && o.status === 'closed'),
      );
      expect(closed).toMatchObject({ filled: '1', clientOrderId: id });
      // a restart with more symbols: the new watcher starts before the old one stops, and the stream stays up
      const later: VenueOrder[] = [];
      const stop2 = v.watch(
        { onOrder: (x) => later.push(x), onFill: () => undefined, onError: (e) => errors.push(e) },
        { symbols: [PAIR, PAIR2], pollMs: 600_000 },
      );
      await stop();
      try {
        const next = await v.placeOrder({
          clientOrderId: cid(),
          symbol: PAIR2,
          side: 'sell',
          type: 'limit',
          qty: '0.1',
          price: '13.00',
        });
        await until('the order on the kept stream', () => later.find((x) => x.id === next.id));
        expect(orders.find((x) => x.id === next.id)).toBeUndefined(); // the stopped watcher hears nothing
        expect(errors).toEqual([]);
        await v.cancelOrder(PAIR2, next.id);
      } finally {
        await stop2();
      }
    } finally {
      await stop();
    }
  });

  it('watch(): with the stream unreachable it reports the error and polls REST, still delivering the fill', async () => {
    const v = venue();
    await v.markets();
    // a stream url nobody listens on (the port of a server that was closed)
    const ws = (v.client.urls.api as Record<string, Record<string, unknown>>).ws!;
    ws.spot = 'ws://127.0.0.1:9/binance/ws';
    (ws['ws-api'] as Record<string, string>).spot = 'ws://127.0.0.1:9/binance/ws-api/v3';
    const orders: VenueOrder[] = [];
    const fills: VenueFill[] = [];
    const errors: VenueError[] = [];
    const stop = v.watch(
      { onOrder: (o) => orders.push(o), onFill: (f) => fills.push(f), onError: (e) => errors.push(e) },
      { symbols: [PAIR2], pollMs: 100 },
    );
    try {
      await until('the stream error', () => errors[0]);
      expect(errors[0]!.code).toBe('unavailable');
      const id = cid();
      const placed = await v.placeOrder({
        clientOrderId: id,
        symbol: PAIR2,
        side: 'buy',
        type: 'limit',
        qty: '0.5',
        price: '9.10',
      });
      await until('the open order by polling', () => orders.find((o) => o.id === placed.id && o.status === 'open'));
      await limitOrder(ctx, maker, otherMarketId, 'sell', '9.10', '0.5');
      const f = await until('the fill by polling', () => fills.find((x) => x.orderId === placed.id));
      expect(f).toMatchObject({ symbol: PAIR2, side: 'buy', price: '9.1', qty: '0.5', clientOrderId: id });
      await until('the filled order by polling', () => orders.find((o) => o.id === placed.id && o.status === 'closed'));
    } finally {
      await stop();
    }
    const after = fills.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fills.length).toBe(after); // stopped: no more polling
  });

  it('fills(since) walks every page: by trade id, and by day windows when history starts before since', async () => {
    const market = await spotMarket(ctx, admin.id, { name: 'Venue Pages', symbol: 'VPAGEUSD', baseAsset: 'VPAGE' });
    const bob = await restUser(w, admin.id, 'bob@venue.test', [market]);
    await ctx.exchange.depositAsset(market, maker.account, '10');
    const v = new CcxtVenue(
      {
        kind: 'sim',
        exchange: 'testudo',
        marketType: 'spot',
        sandbox: false,
        baseUrl: `http://${w.host}/binance`,
        credentials: { apiKey: bob.apiKey, secret: bob.secret },
      },
      { fillsPage: 2 },
    );
    open.push(v);
    const start = Date.now() - 1000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      await limitOrder(ctx, maker, market, 'sell', '20.00', '0.1');
      ids.push(
        (await v.placeOrder({ clientOrderId: cid(), symbol: 'VPAGE/USD', side: 'buy', type: 'market', qty: '0.1' })).id,
      );
    }
    const all = await v.fills('VPAGE/USD', start);
    expect(all.map((f) => f.orderId)).toEqual(ids);
    // from the fourth fill on: the first page starts before `since`, so the days from `since` are walked
    const cut = all[3]!.time;
    const later = await v.fills('VPAGE/USD', cut);
    expect(later.map((f) => f.id)).toEqual(all.filter((f) => f.time >= cut).map((f) => f.id));
    expect(later.length).toBeGreaterThanOrEqual(4);
  });

  it('watch(): the stream comes back after an outage and polling stops', async () => {
    const v = venue();
    const other = venue();
    await v.markets();
    const ws = (v.client.urls.api as Record<string, Record<string, unknown>>).ws!;
    const wsApi = ws['ws-api'] as Record<string, string>;
    const live = { spot: ws.spot as string, api: wsApi.spot! };
    ws.spot = 'ws://127.0.0.1:9/binance/ws';
    wsApi.spot = 'ws://127.0.0.1:9/binance/ws-api/v3';
    const orders: VenueOrder[] = [];
    const errors: VenueError[] = [];
    const stop = v.watch(
      { onOrder: (o) => orders.push(o), onFill: () => undefined, onError: (e) => errors.push(e) },
      { symbols: [PAIR], pollMs: 200 },
    );
    try {
      await until('the stream error', () => errors[0]);
      // the stream url works again; REST of this venue goes away, so only the stream can deliver from now on
      ws.spot = live.spot;
      wsApi.spot = live.api;
      const api = v.client.urls.api as Record<string, unknown>;
      for (const k of Object.keys(api)) if (typeof api[k] === 'string') api[k] = 'http://127.0.0.1:9/binance';
      const placed: string[] = [];
      let tick = 0;
      await until(
        'an order over the recovered stream',
        () => orders.some((o) => placed.includes(o.id)),
        async () => {
          // an order every 200 ms until the stream reports one (it reconnects within its retry interval)
          if (placed.length < 20 && tick++ % 10 === 0) {
            const o = await other.placeOrder({
              clientOrderId: cid(),
              symbol: PAIR,
              side: 'buy',
              type: 'limit',
              qty: '0.1',
              price: '4.00',
            });
            placed.push(o.id);
          }
        },
      );
      // up again: no more polling, so no more poll errors (after a poll that may have been under way)
      await new Promise((r) => setTimeout(r, 300));
      const seen = errors.length;
      await new Promise((r) => setTimeout(r, 800));
      expect(errors.length).toBe(seen);
      for (const id of placed) await other.cancelOrder(PAIR, id);
    } finally {
      await stop();
    }
  });

  it('the ccxt kind with baseUrl reaches the gateway like sim', async () => {
    const v = createVenue({
      kind: 'ccxt',
      exchange: 'binance',
      marketType: 'spot',
      sandbox: false,
      baseUrl: `http://${w.host}/binance`,
      credentials: { apiKey: alice.apiKey, secret: alice.secret },
    });
    open.push(v);
    expect(v.exchange).toBe('binance');
    expect((await v.market(PAIR)).instrument.tickSize).toBe('0.01');
    expect((await v.balances()).some((b) => b.asset === 'VTUDO')).toBe(true);
  });
});

describe('createVenue', () => {
  const cfg = (over: Partial<VenueConfig>): VenueConfig => ({
    kind: 'ccxt',
    exchange: 'binance',
    marketType: 'spot',
    sandbox: false,
    credentials: { apiKey: 'k', secret: 's' },
    ...over,
  });

  it('opens binance, bybit and okx (spot and swap, sandbox) with their capabilities, without a request', async () => {
    const cases = [
      [cfg({}), { oco: true, reduceOnly: false, positions: false, watch: true }],
      [cfg({ marketType: 'swap', sandbox: true }), { oco: false, reduceOnly: true, positions: true }],
      [cfg({ exchange: 'bybit', sandbox: true }), { oco: false, reduceOnly: false }],
      [
        cfg({ exchange: 'okx', marketType: 'swap', credentials: { apiKey: 'k', secret: 's', password: 'p' } }),
        { oco: false, reduceOnly: true },
      ],
    ] as const;
    for (const [c, caps] of cases) {
      const v = createVenue(c);
      expect(v).toMatchObject({ kind: 'ccxt', exchange: c.exchange, marketType: c.marketType });
      expect(v.capabilities).toMatchObject(caps);
      expect(await v.positions().catch(() => 'called')).toEqual(c.marketType === 'spot' ? [] : 'called');
      await v.close();
    }
    const sandboxed = new CcxtVenue(cfg({ sandbox: true }));
    expect(JSON.stringify(sandboxed.client.urls.api)).toContain('testnet');
  });

  it('contract markets are sized in base units: an OKX swap of 0.01 BTC contracts has a 0.01 lot', async () => {
    const v = new CcxtVenue(cfg({ exchange: 'okx', marketType: 'swap' }));
    open.push(v);
    // the market as CCXT's okx parses it from /api/v5/public/instruments (lotSz 1, minSz 1, ctVal 0.01)
    v.client.setMarkets([
      {
        id: 'BTC-USDT-SWAP',
        symbol: 'BTC/USDT:USDT',
        base: 'BTC',
        quote: 'USDT',
        settle: 'USDT',
        baseId: 'BTC',
        quoteId: 'USDT',
        settleId: 'USDT',
        type: 'swap',
        spot: false,
        margin: false,
        swap: true,
        future: false,
        option: false,
        active: true,
        contract: true,
        linear: true,
        inverse: false,
        contractSize: 0.01,
        maker: 0.0002,
        taker: 0.0005,
        precision: { amount: 1, price: 0.1 },
        limits: { amount: { min: 1 }, cost: {}, price: {}, leverage: {} },
        info: {},
      } as never,
    ]);
    expect(await v.markets()).toEqual([
      {
        symbol: 'BTC/USDT:USDT',
        id: 'BTC-USDT-SWAP',
        type: 'swap',
        active: true,
        instrument: {
          symbol: 'BTC/USDT:USDT',
          base: 'BTC',
          quote: 'USDT',
          tickSize: '0.1',
          lotSize: '0.01',
          minQty: '0.01',
          minNotional: '0',
          makerFee: '0.0002',
          takerFee: '0.0005',
        },
      },
    ]);
    expect(mulDecimal('3', '0.01')).toBe('0.03');
    expect(divDecimal('0.37', '0.01')).toBe('37');
    expect(divDecimal('5', '10')).toBe('0.5');
    expect(() => divDecimal('1', '3')).toThrow(VenueError);
  });

  it('refuses other exchanges and a sim without its gateway url', () => {
    expect(() => createVenue(cfg({ exchange: 'kraken' }))).toThrow(ValidationError);
    expect(() => createVenue(cfg({ exchange: 'kraken' }))).toThrow(/kraken is not supported/);
    expect(() => createVenue(cfg({ kind: 'sim', exchange: 'testudo' }))).toThrow(ValidationError);
  });
});
