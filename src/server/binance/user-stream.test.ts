/**
 * The Binance user-data stream over a real listening server: listenKey REST endpoints, the WebSocket API
 * `userDataStream.subscribe.signature`, and the `executionReport` / `outboundAccountPosition` events of real orders,
 * on PGlite by default or PostgreSQL with `TESTUDO_TEST_DB=postgres`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { apiKeysOf } from './keys.ts';
import { gatewayOf } from './plugin.ts';
import { hmacHex } from './signing.ts';
import { executionReport, userStreamTiming } from './user-stream.ts';
import {
  cashUser,
  connectWs,
  settle,
  startGatewayWorld,
  type GatewayWorld,
  type Msg,
  type WsConn,
} from './test-world.ts';

interface User {
  id: number;
  account: number;
  keyId: number;
  apiKey: string;
  secret: string;
}

let w: GatewayWorld;
let ctx: AppContext;
let app: FastifyInstance;
let base: string;
let admin: User;
let alice: User;
let bob: User;
let marketId: number;
let symbol: string;

async function user(email: string, isAdmin = false, cash = '1000'): Promise<User> {
  const { id, account } = await cashUser(ctx, email, isAdmin, cash);
  const k = await apiKeysOf(ctx).create(id, account, { permission: 'trade' });
  return { id, account, keyId: k.id, apiKey: k.apiKey, secret: k.secret };
}

const connect = (path: string): Promise<WsConn> => connectWs(base, path);

/** Signed params of the WebSocket API: sorted `key=value&…`, HMAC-SHA256 hex. */
function signed(who: User, params: Record<string, string | number> = {}): Record<string, string | number> {
  const p: Record<string, string | number> = { apiKey: who.apiKey, timestamp: Date.now(), ...params };
  const payload = Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join('&');
  return { ...p, signature: hmacHex(who.secret, payload) };
}

async function rest(method: 'POST' | 'PUT' | 'DELETE', apiKey: string | null, listenKey?: string): Promise<Msg> {
  const r = await app.inject({
    method,
    url: '/binance/api/v3/userDataStream',
    headers: {
      ...(apiKey === null ? {} : { 'x-mbx-apikey': apiKey }),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: listenKey === undefined ? '' : `listenKey=${listenKey}`,
  });
  return { status: r.statusCode, body: r.json() };
}

beforeAll(async () => {
  w = await startGatewayWorld();
  ({ ctx, app } = w);
  base = w.host;
  admin = await user('admin@bus.test', true, '0');
  alice = await user('alice@bus.test');
  bob = await user('bob@bus.test');
  const m = await ctx.exchange.createMarket(admin.id, {
    name: 'bus one',
    kind: 'bounded',
    tickSize: '0.01',
    lotSize: '1',
    maxPrice: '1',
  });
  marketId = m.id as number;
  symbol = typeof m.symbol === 'string' ? m.symbol : 'BUSONE';
});

afterAll(async () => {
  await w?.close();
});

describe('listenKey REST endpoints', () => {
  it('creates one listenKey per API key, keeps it alive and closes it', async () => {
    const a = await rest('POST', alice.apiKey);
    expect(a.status).toBe(200);
    expect(a.body.listenKey).toMatch(/^[A-Za-z0-9_-]{60}$/);
    expect((await rest('POST', alice.apiKey)).body).toEqual(a.body);
    expect(await rest('PUT', alice.apiKey, a.body.listenKey)).toEqual({ status: 200, body: {} });
    expect(await rest('PUT', bob.apiKey, a.body.listenKey)).toEqual({
      status: 400,
      body: { code: -1125, msg: 'This listenKey does not exist.' },
    });
    expect(await rest('DELETE', alice.apiKey, a.body.listenKey)).toEqual({ status: 200, body: {} });
    expect((await rest('PUT', alice.apiKey, a.body.listenKey)).body.code).toBe(-1125);
    expect((await rest('POST', alice.apiKey)).body.listenKey).not.toBe(a.body.listenKey);
  });

  it("refuses a missing, malformed or unknown API key with Binance's codes", async () => {
    expect(await rest('POST', null)).toEqual({ status: 401, body: { code: -2014, msg: 'API-key format invalid.' } });
    expect((await rest('POST', 'x'.repeat(64))).body).toEqual({
      code: -2015,
      msg: 'Invalid API-key, IP, or permissions for action.',
    });
    expect((await rest('PUT', alice.apiKey)).body.code).toBe(-1102);
  });

  it("counts every call against the IP's request weight, with Binance's 429 over the limit", async () => {
    const gw = gatewayOf(ctx);
    const saved = gw.limiter.limits;
    try {
      const first = await app.inject({ method: 'POST', url: '/binance/api/v3/userDataStream' });
      const used = Number(first.headers['x-mbx-used-weight-1m']);
      expect(used).toBeGreaterThanOrEqual(2);
      gw.limiter.limits = { ...saved, weightPerMinute: used + 2 };
      expect((await rest('POST', alice.apiKey)).status).toBe(200);
      const over = await rest('POST', alice.apiKey);
      expect(over.status).toBe(429);
      expect(over.body.code).toBe(-1003);
    } finally {
      gw.limiter.limits = saved;
    }
  });

  it('ends the legacy stream with listenKeyExpired when the key is closed', async () => {
    const { listenKey } = (await rest('POST', bob.apiKey)).body as { listenKey: string };
    const s = await connect(`/binance/ws/${listenKey}`);
    try {
      await rest('DELETE', bob.apiKey, listenKey);
      expect(await s.waitFor('expired', (m) => m.e === 'listenKeyExpired')).toMatchObject({ listenKey });
      await settle(100);
      expect(s.closed()).toBe(1000);
    } finally {
      s.close();
    }
  });
});

describe('WebSocket API user data subscription', () => {
  it('subscribes with a signature and refuses bad signatures, stale timestamps and unknown keys', async () => {
    const s = await connect('/binance/ws-api/v3');
    try {
      s.send({
        id: 'bad-sig',
        method: 'userDataStream.subscribe.signature',
        params: { ...signed(alice), signature: 'ab'.repeat(32) },
      });
      expect(await s.waitFor('bad signature', (m) => m.id === 'bad-sig')).toEqual({
        id: 'bad-sig',
        status: 400,
        error: { code: -1022, msg: 'Signature for this request is not valid.' },
      });
      s.send({
        id: 2,
        method: 'userDataStream.subscribe.signature',
        params: signed(alice, { timestamp: Date.now() - 70_000 }),
      });
      expect((await s.waitFor('stale', (m) => m.id === 2)).error.code).toBe(-1021);
      s.send({
        id: 3,
        method: 'userDataStream.subscribe.signature',
        params: { ...signed(alice), apiKey: 'y'.repeat(64) },
      });
      expect((await s.waitFor('unknown key', (m) => m.id === 3)).error.code).toBe(-2015);
      s.send({ method: 'ping' });
      expect((await s.waitFor('no id', (m) => m.error?.code === -1102)).id).toBeNull();
      s.send({ id: 4, method: 'order.cancelReplace', params: {} });
      expect((await s.waitFor('unknown method', (m) => m.id === 4)).error.code).toBe(-1020);
      s.send({ id: 5, method: 'userDataStream.subscribe.signature', params: signed(alice) });
      expect(await s.waitFor('subscribed', (m) => m.id === 5)).toEqual({
        id: 5,
        status: 200,
        result: { subscriptionId: 0 },
      });
      s.send({ id: 6, method: 'session.subscriptions' });
      expect((await s.waitFor('list', (m) => m.id === 6)).result).toEqual([{ subscriptionId: 0 }]);
      s.send({ id: 7, method: 'userDataStream.unsubscribe', params: { subscriptionId: 0 } });
      expect(await s.waitFor('unsubscribed', (m) => m.id === 7)).toEqual({ id: 7, status: 200, result: {} });
      expect(await s.waitFor('terminated', (m) => m.event?.e === 'eventStreamTerminated')).toMatchObject({
        subscriptionId: 0,
      });
    } finally {
      s.close();
    }
  });

  it('shapes an executionReport with every documented field letter', () => {
    const ev = executionReport(
      {
        id: 7,
        marketId: 1,
        accountId: 2,
        side: 'buy',
        type: 'limit',
        price: '0.45',
        stopPrice: null,
        size: '5',
        remaining: '3',
        filled: '2',
        tif: 'GTC',
        postOnly: false,
        status: 'open',
        clientOrderId: 'my-1',
        lastFill: { price: '0.4', size: '2', tradeId: 11, maker: false },
      },
      'BUSONE',
      1_000,
    );
    expect(ev).toMatchObject({
      e: 'executionReport',
      E: 1_000,
      s: 'BUSONE',
      c: 'my-1',
      S: 'BUY',
      o: 'LIMIT',
      f: 'GTC',
      q: '5',
      p: '0.45',
      P: '0',
      g: -1,
      x: 'TRADE',
      X: 'PARTIALLY_FILLED',
      r: 'NONE',
      i: 7,
      l: '2',
      z: '2',
      L: '0.4',
      t: 11,
      w: true,
      m: false,
      Y: '0.8',
    });
    for (const f of ['n', 'N', 'T', 'I', 'M', 'O', 'Z', 'Q', 'W', 'V', 'F', 'C']) expect(ev).toHaveProperty(f);
  });
});

describe('account events of real orders', () => {
  it("delivers the key's account's executionReports and balances, and nothing of other accounts", async () => {
    const s = await connect('/binance/ws-api/v3');
    const other = await connect('/binance/ws-api/v3');
    try {
      s.send({ id: 1, method: 'userDataStream.subscribe.signature', params: signed(alice) });
      await s.waitFor('subscribed', (m) => m.id === 1);
      other.send({ id: 1, method: 'userDataStream.subscribe.signature', params: signed(bob) });
      await other.waitFor('subscribed', (m) => m.id === 1);
      const placed = await ctx.exchange.placeOrder(alice.id, {
        accountId: alice.account,
        marketId,
        side: 'sell',
        type: 'limit',
        size: '3',
        price: '0.60',
        tif: 'GTC',
      });
      const aliceId = (placed.order as Msg | undefined)?.id ?? placed.id;
      await ctx.exchange.placeOrder(bob.id, {
        accountId: bob.account,
        marketId,
        side: 'buy',
        type: 'limit',
        size: '2',
        price: '0.60',
        tif: 'GTC',
      });
      const fresh = await s.waitFor('new', (m) => m.event?.e === 'executionReport' && m.event.x === 'NEW');
      expect(fresh.event).toMatchObject({ s: symbol, S: 'SELL', o: 'LIMIT', q: '3', p: '0.6', X: 'NEW', i: aliceId });
      const fill = await s.waitFor('trade', (m) => m.event?.e === 'executionReport' && m.event.x === 'TRADE');
      expect(fill.event).toMatchObject({ i: aliceId, X: 'PARTIALLY_FILLED', l: '2', z: '2', L: '0.6', m: true });
      await s.waitFor('balance', (m) => m.event?.e === 'outboundAccountPosition');
      const bobs = other.messages.filter((m) => m.event?.e === 'executionReport');
      expect(bobs.length).toBeGreaterThan(0);
      expect(bobs.every((m) => m.event.i !== aliceId)).toBe(true);
      expect(s.messages.filter((m) => m.event?.e === 'executionReport').every((m) => m.event.i === aliceId)).toBe(true);
    } finally {
      s.close();
      other.close();
    }
  });

  it("keeps a co-owner's key on its own account: events of a shared account stay off it", async () => {
    const shared = (await ctx.exchange.createAltAccount(alice.id, 'shared desk')).id as number;
    await ctx.exchange.transfer({ id: alice.id, isAdmin: true }, null, shared, '100');
    await ctx.exchange.shareAccount(alice.id, shared, 'bob@bus.test');
    const sharedKey = await apiKeysOf(ctx).create(bob.id, shared, { permission: 'trade' });
    const bobs = await connect('/binance/ws-api/v3');
    const sharedStream = await connect('/binance/ws-api/v3');
    try {
      bobs.send({ id: 1, method: 'userDataStream.subscribe.signature', params: signed(bob) });
      await bobs.waitFor('subscribed', (m) => m.id === 1);
      const k = { ...bob, account: shared, apiKey: sharedKey.apiKey, secret: sharedKey.secret };
      sharedStream.send({ id: 1, method: 'userDataStream.subscribe.signature', params: signed(k) });
      await sharedStream.waitFor('subscribed', (m) => m.id === 1);
      const placed = await ctx.exchange.placeOrder(alice.id, {
        accountId: shared,
        marketId,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.05',
        tif: 'GTC',
      });
      const id = (placed.order as Msg).id as number;
      expect((await sharedStream.waitFor('shared order', (m) => m.event?.i === id)).event).toMatchObject({ x: 'NEW' });
      await settle(300);
      expect(bobs.messages.filter((m) => m.event?.e === 'executionReport')).toEqual([]);
      expect(bobs.messages.filter((m) => m.event?.e === 'outboundAccountPosition')).toEqual([]);
    } finally {
      bobs.close();
      sharedStream.close();
    }
  });

  it('serves the same events raw on the legacy /ws/<listenKey> stream', async () => {
    const { listenKey } = (await rest('POST', alice.apiKey)).body as { listenKey: string };
    const s = await connect(`/binance/ws/${listenKey}`);
    try {
      await settle(50);
      await ctx.exchange.placeOrder(alice.id, {
        accountId: alice.account,
        marketId,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.10',
        tif: 'GTC',
        clientOrderId: 'legacy-1',
      });
      const ev = await s.waitFor('executionReport', (m) => m.e === 'executionReport');
      expect(ev).toMatchObject({ s: symbol, c: 'legacy-1', S: 'BUY', x: 'NEW', X: 'NEW', p: '0.1', w: true });
      const pos = await s.waitFor('balances', (m) => m.e === 'outboundAccountPosition');
      expect(pos.B).toEqual(expect.arrayContaining([expect.objectContaining({ a: expect.any(String) })]));
    } finally {
      s.close();
    }
  });

  it("a listenKey of a revoked key delivers nothing to a socket that connects afterwards, not even before the key's recheck", async () => {
    const dave = await user('dave@bus.test');
    const listenKey = String((await rest('POST', dave.apiKey)).body.listenKey);
    await apiKeysOf(ctx).revoke(dave.id, dave.account, dave.keyId);
    const s = await connect(`/binance/ws/${listenKey}`); // recheck every 10 s: the order below comes well before it
    try {
      await settle(100);
      await ctx.exchange.placeOrder(dave.id, {
        accountId: dave.account,
        marketId,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.10',
        tif: 'GTC',
      });
      await settle(300);
      expect(s.messages.filter((m) => m.e === 'executionReport' || m.e === 'outboundAccountPosition')).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('ends the stream when its API key is revoked', async () => {
    userStreamTiming.keyRecheckMs = 100;
    const carol = await user('carol@bus.test');
    const s = await connect('/binance/ws-api/v3');
    try {
      s.send({ id: 1, method: 'userDataStream.subscribe.signature', params: signed(carol) });
      await s.waitFor('subscribed', (m) => m.id === 1);
      await apiKeysOf(ctx).revoke(carol.id, carol.account, carol.keyId);
      expect(await s.waitFor('terminated', (m) => m.event?.e === 'eventStreamTerminated')).toMatchObject({
        subscriptionId: 0,
      });
      await ctx.exchange.placeOrder(carol.id, {
        accountId: carol.account,
        marketId,
        side: 'buy',
        type: 'limit',
        size: '1',
        price: '0.10',
        tif: 'GTC',
      });
      await settle(300);
      expect(s.messages.filter((m) => m.event?.e === 'executionReport')).toEqual([]);
    } finally {
      userStreamTiming.keyRecheckMs = 10_000;
      s.close();
    }
  });
});
