/**
 * The exchange WebSocket `/ws/exchange` over a real listening server and the `ws` client, on PGlite by default or
 * PostgreSQL with `TESTUDO_TEST_DB=postgres`. Markets are bounded 0..1 with tick 0.01 and lot 1, so a buy of n lots
 * at p reserves n × p and a sell reserves n × (1 − p).
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';
import { LIMITS, RateLimiter } from './ratelimit.ts';

// `ws` has no type declarations installed here, so describe the little this test uses.
interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = Record<string, any>;

interface User {
  id: number;
  token: string;
  account: number;
}

let sql: Sql;
let ctx: AppContext;
let app: FastifyInstance;
let base: string;
let clock = 1_000_000;
const limiter = new RateLimiter(() => clock);
let admin: User;
let alice: User;
let bob: User;
let carol: User;
let seq = 0;

async function rest(who: User | null, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Msg> {
  const r = await app.inject({
    method,
    url: `/api/v1/exchange${url}`,
    headers: who ? { authorization: `Bearer ${who.token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: r.statusCode, body: r.json() };
}

async function user(email: string, isAdmin = false, cash = '100'): Promise<User> {
  const u = await ctx.auth.register(email, 'password1');
  if (isAdmin) await ctx.auth.setAdmin(email, true);
  const token = await ctx.auth.createApiToken(u.id, 'ws');
  const accounts = await ctx.exchange.accounts(u.id);
  const me = { id: u.id, token, account: accounts[0]!.id as number };
  if (cash !== '0') await ctx.exchange.transfer({ id: u.id, isAdmin: true }, null, me.account, cash);
  return me;
}

async function market(o: Record<string, unknown> = {}): Promise<number> {
  const body = { name: `ws${++seq}`, kind: 'bounded', tickSize: '0.01', lotSize: '1', maxPrice: '1', ...o };
  const r = await rest(admin, 'POST', '/markets', body);
  expect(r.status).toBe(201);
  return r.body.id as number;
}

/** A socket that records every message; `req` sends a request and resolves with the response of its request_id. */
interface Conn {
  messages: Msg[];
  req(op: string, fields?: Record<string, unknown>): Promise<Msg>;
  raw(text: string): void;
  waitFor(what: string, ok: (m: Msg) => boolean): Promise<Msg>;
  updates(channel: string): unknown[];
  closed(): boolean;
  close(): void;
}

async function connect(who: User | null): Promise<Conn> {
  const ws = new WebSocket(`ws://${base}/ws/exchange${who ? `?token=${who.token}` : ''}`);
  const messages: Msg[] = [];
  let isClosed = false;
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Msg));
  ws.on('close', () => {
    isClosed = true;
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve) => ws.on('open', resolve));
  let n = 0;
  const waitFor = async (what: string, ok: (m: Msg) => boolean): Promise<Msg> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const m = messages.find(ok);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    messages,
    req: (op, fields = {}) => {
      const id = `r${++n}`;
      ws.send(JSON.stringify({ request_id: id, op, ...fields }));
      return waitFor(`response ${id}`, (m) => m.request_id === id);
    },
    raw: (text) => ws.send(text),
    waitFor,
    updates: (channel) => messages.filter((m) => m.channel === channel && 'update' in m).map((m) => m.update),
    closed: () => isClosed,
    close: () => ws.close(),
  };
}

/** Lets in-flight pushes arrive (for asserting that something did not). */
const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  app = await buildServer(ctx, { rateLimiter: limiter });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  admin = await user('admin@ws.test', true, '0');
  alice = await user('alice@ws.test');
  bob = await user('bob@ws.test');
  carol = await user('carol@ws.test');
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await sql?.close();
});

describe('requests and errors', () => {
  it('echoes request_id on every response, string or number', async () => {
    const s = await connect(alice);
    try {
      const r = await s.req('ping');
      expect(r).toMatchObject({ request_id: 'r1', ok: true, pong: expect.any(Number) });
      s.raw(JSON.stringify({ request_id: 42, op: 'ping' }));
      expect(await s.waitFor('numeric id', (m) => m.request_id === 42)).toMatchObject({ ok: true });
      s.raw(JSON.stringify({ op: 'ping' }));
      expect(await s.waitFor('null id', (m) => m.request_id === null)).toMatchObject({ ok: true });
    } finally {
      s.close();
    }
  });

  it('answers malformed JSON, non-objects, unknown ops, unknown channels and bad fields with stable codes, keeping the socket open', async () => {
    const s = await connect(alice);
    try {
      s.raw('{not json');
      const bad = await s.waitFor('malformed', (m) => m.ok === false);
      expect(bad).toMatchObject({ request_id: null, error: { code: 'malformed-message', status: 400 } });
      s.raw('[1,2]');
      await s.waitFor('array', (m) => m.ok === false && m !== bad);
      expect(s.messages.filter((m) => m.error?.code === 'malformed-message')).toHaveLength(2);

      expect((await s.req('launch_rocket')).error).toMatchObject({ code: 'unknown-op' });
      expect((await s.req('subscribe', { channel: 'book:abc' })).error).toMatchObject({ code: 'unknown-channel' });
      expect((await s.req('subscribe', { channel: 'gossip' })).error).toMatchObject({ code: 'unknown-channel' });
      expect((await s.req('unsubscribe', { channel: 'markets' })).error).toMatchObject({ code: 'not-subscribed' });

      const v = await s.req('place_order', { marketId: 1, size: '1', price: '0.5', colour: 'red' });
      expect(v).toMatchObject({ request_id: 'r5', ok: false, error: { code: 'validation-failed', status: 400 } });
      expect((v.error.fields as { field: string; code: string }[]).map((f) => `${f.field}:${f.code}`).sort()).toEqual([
        'colour:unknown-field',
        'side:required',
      ]);
      const g = await s.req('place_order', { marketId: await market(), side: 'buy', size: '1', price: '0.505' });
      expect(g.error).toMatchObject({
        code: 'validation-failed',
        fields: [expect.objectContaining({ field: 'price' })],
      });

      expect((await s.req('ping')).ok).toBe(true);
      expect(s.closed()).toBe(false);
    } finally {
      s.close();
    }
  });

  it('lets an anonymous socket read public channels of unrestricted markets only, and nothing private', async () => {
    const open = await market();
    const hidden = await market({ visibleTo: [alice.account] });
    const s = await connect(null);
    try {
      expect(await s.req('subscribe', { channel: `book:${open}` })).toMatchObject({
        ok: true,
        channel: `book:${open}`,
        snapshot: { id: open, book: { bids: [], asks: [] } },
      });
      expect((await s.req('subscribe', { channel: `trades:${hidden}` })).error).toMatchObject({
        code: 'market-not-found',
        status: 404,
      });
      const ms = await s.req('subscribe', { channel: 'markets' });
      const ids = (ms.snapshot as { id: number }[]).map((m) => m.id);
      expect(ids).toContain(open);
      expect(ids).not.toContain(hidden);
      for (const channel of ['orders', 'fills', 'transfers', `portfolio:${alice.account}`])
        expect((await s.req('subscribe', { channel })).error).toMatchObject({ code: 'unauthenticated', status: 401 });
      expect((await s.req('place_order', { marketId: open, side: 'buy', size: '1', price: '0.5' })).error).toEqual(
        expect.objectContaining({ code: 'unauthenticated' }),
      );
      // alice, who has access, sees the restricted market
      const a = await connect(alice);
      try {
        expect((await a.req('subscribe', { channel: `book:${hidden}` })).ok).toBe(true);
      } finally {
        a.close();
      }
    } finally {
      s.close();
    }
  });
});

describe('public streams', () => {
  it('sends a book and trades snapshot, then updates when other users place orders', async () => {
    const m = await market();
    await ctx.exchange.placeOrder(carol.id, {
      accountId: carol.account,
      marketId: m,
      side: 'buy',
      type: 'limit',
      size: '2',
      price: '0.4',
    });
    const watcher = await connect(null);
    const a = await connect(alice);
    try {
      const book = await watcher.req('subscribe', { channel: `book:${m}`, levels: 5 });
      expect(book.snapshot.book).toEqual({ bids: [{ price: '0.4', size: '2', orders: 1 }], asks: [] });
      const trades = await watcher.req('subscribe', { channel: `trades:${m}` });
      expect(trades.snapshot).toEqual([]);
      const markets = await watcher.req('subscribe', { channel: 'markets' });
      expect(markets.ok).toBe(true);

      // alice rests an ask: the book updates with it
      const placed = await a.req('place_order', { marketId: m, side: 'sell', size: '3', price: '0.6' });
      expect(placed).toMatchObject({ ok: true, order: { status: 'open', remaining: '3' } });
      const u1 = await watcher.waitFor('book update with the ask', (x) => x.channel === `book:${m}` && x.update);
      expect(u1.update.book).toEqual({
        bids: [{ price: '0.4', size: '2', orders: 1 }],
        asks: [{ price: '0.6', size: '3', orders: 1 }],
      });

      // bob lifts 1 lot of the ask over REST: a trade at the maker's price, then a book with 2 left
      const r = await rest(bob, 'POST', '/orders', { marketId: m, side: 'buy', size: '1', price: '0.6' });
      expect(r.status).toBe(201);
      const t = await watcher.waitFor('trade update', (x) => x.channel === `trades:${m}` && x.update);
      expect(t.update).toMatchObject({ marketId: m, price: '0.6', size: '1', takerSide: 'buy' });
      expect(t.update).not.toHaveProperty('accounts');
      await watcher.waitFor(
        'book with 2 lots asked',
        (x) => x.channel === `book:${m}` && x.update?.book.asks[0]?.size === '2',
      );
      // the snapshot came before every update of its channel
      const idx = (p: (x: Msg) => boolean): number => watcher.messages.findIndex(p);
      expect(idx((x) => x.request_id === book.request_id)).toBeLessThan(
        idx((x) => x.channel === `book:${m}` && x.update),
      );

      // a new market is pushed on `markets`
      const m2 = await market();
      const mu = await watcher.waitFor('market update', (x) => x.channel === 'markets' && x.update?.id === m2);
      expect(mu.update).toMatchObject({ status: 'open', kind: 'bounded' });

      // after unsubscribing, no more book updates
      expect(await watcher.req('unsubscribe', { channel: `book:${m}` })).toMatchObject({ ok: true });
      const before = watcher.updates(`book:${m}`).length;
      await a.req('place_order', { marketId: m, side: 'sell', size: '1', price: '0.7' });
      await settle();
      expect(watcher.updates(`book:${m}`)).toHaveLength(before);
    } finally {
      watcher.close();
      a.close();
    }
  });
});

describe('private streams', () => {
  it('streams orders, fills and portfolio to the owner only', async () => {
    const m = await market();
    const a = await connect(alice);
    const b = await connect(bob);
    try {
      expect((await a.req('subscribe', { channel: 'orders' })).snapshot).toEqual(expect.any(Array));
      expect((await a.req('subscribe', { channel: 'fills' })).snapshot).toEqual(expect.any(Array));
      const p0 = await a.req('subscribe', { channel: `portfolio:${alice.account}` });
      expect(p0.snapshot).toMatchObject({ accountId: alice.account, cash: expect.any(String) });
      const cash0 = Number(p0.snapshot.cash);
      // bob may not watch alice's account
      expect((await b.req('subscribe', { channel: `portfolio:${alice.account}` })).error).toMatchObject({
        code: 'account-not-found',
      });
      await b.req('subscribe', { channel: 'orders' });
      await b.req('subscribe', { channel: 'fills' });
      await b.req('subscribe', { channel: `portfolio:${bob.account}` });
      const bobSeen = b.messages.length;

      // alice rests a bid of 2 at 0.3
      const placed = await a.req('place_order', { marketId: m, side: 'buy', size: '2', price: '0.3' });
      const orderId = placed.order.id as number;
      const o1 = await a.waitFor('order update', (x) => x.channel === 'orders' && x.update?.id === orderId);
      expect(o1.update).toMatchObject({ status: 'open', remaining: '2', filled: '0' });
      // the response came before the update it caused
      expect(a.messages.indexOf(placed)).toBeLessThan(a.messages.indexOf(o1));

      // carol (no socket) sells 1 into it: alice gets the fill, the order's new state and a new portfolio
      await ctx.exchange.placeOrder(carol.id, {
        accountId: carol.account,
        marketId: m,
        side: 'sell',
        type: 'limit',
        size: '1',
        price: '0.3',
      });
      const fill = await a.waitFor('fill', (x) => x.channel === 'fills' && x.update?.orderId === orderId);
      expect(fill.update).toMatchObject({
        marketId: m,
        accountId: alice.account,
        side: 'buy',
        liquidity: 'maker',
        price: '0.3',
        size: '1',
      });
      await a.waitFor(
        'partly filled order',
        (x) => x.channel === 'orders' && x.update?.id === orderId && x.update.filled === '1',
      );
      // alice paid 0.3 for 1 lot (an earlier update showed the bid reserving part of the available balance)
      const pu = await a.waitFor(
        'portfolio update with the position',
        (x) => x.channel === `portfolio:${alice.account}` && x.update?.positions.some((q: Msg) => q.marketId === m),
      );
      const reserved = a.updates(`portfolio:${alice.account}`)[0] as Msg;
      expect([reserved.cash, Number(reserved.available)]).toEqual([
        p0.snapshot.cash,
        Number(p0.snapshot.available) - 0.6,
      ]);
      expect(Number(pu.update.cash)).toBeCloseTo(cash0 - 0.3, 9);
      expect(pu.update.positions).toEqual(
        expect.arrayContaining([expect.objectContaining({ marketId: m, position: '1' })]),
      );

      // nothing of alice's reached bob's socket
      await settle();
      const leaked = b.messages.slice(bobSeen).filter((x) => x.update !== undefined);
      expect(leaked).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('places, amends and cancels orders over the socket, streaming each change', async () => {
    const m = await market();
    const a = await connect(alice);
    try {
      await a.req('subscribe', { channel: 'orders' });
      const placed = await a.req('place_order', { marketId: m, side: 'buy', size: '2', price: '0.2' });
      const id = placed.order.id as number;
      const amended = await a.req('amend_order', { orderId: id, size: '1' });
      expect(amended).toMatchObject({ ok: true, order: { id, remaining: '1' } });
      const cancelled = await a.req('cancel_order', { orderId: id });
      expect(cancelled).toMatchObject({ ok: true, order: { id, status: 'cancelled' } });
      await a.waitFor('cancelled update', (x) => x.channel === 'orders' && x.update?.status === 'cancelled');
      const mine = a.updates('orders').filter((o) => (o as Msg).id === id) as Msg[];
      expect(mine.map((o) => [o.status, o.remaining])).toEqual([
        ['open', '2'],
        ['open', '1'],
        ['cancelled', '0'],
      ]);
      // the same typed errors as REST
      expect((await a.req('cancel_order', { orderId: id })).error).toMatchObject({
        code: 'order-not-live',
        status: 409,
      });
      const b = await connect(bob);
      try {
        expect((await b.req('cancel_order', { orderId: id })).error).toMatchObject({
          code: 'order-not-found',
          status: 404,
        });
      } finally {
        b.close();
      }
      expect((await a.req('place_order', { marketId: m, side: 'buy', size: '100000', price: '0.99' })).error).toEqual(
        expect.objectContaining({ code: 'insufficient-balance', status: 422 }),
      );
    } finally {
      a.close();
    }
  });

  it('streams transfers to the sender at once and to the receiving owner', async () => {
    const a = await connect(alice);
    const b = await connect(bob);
    try {
      await a.req('subscribe', { channel: 'transfers' });
      await b.req('subscribe', { channel: 'transfers' });
      const p = await b.req('subscribe', { channel: `portfolio:${bob.account}` });
      const before = Number(p.snapshot.cash);
      const t = await a.req('transfer', { toAccountId: bob.account, amount: '1.5', note: 'lunch' });
      expect(t).toMatchObject({ ok: true, fromAccountId: alice.account, toAccountId: bob.account, amount: '1.5' });
      await a.waitFor('sender update', (x) => x.channel === 'transfers' && x.update?.id === t.id);
      // bob hears of it within the poll interval (the event bus tells only the sender)
      const got = await b.waitFor('receiver update', (x) => x.channel === 'transfers' && x.update?.id === t.id);
      expect(got.update).toMatchObject({ note: 'lunch', amount: '1.5' });
      const pu = await b.waitFor('receiver portfolio', (x) => x.channel === `portfolio:${bob.account}` && x.update);
      expect(Number(pu.update.cash)).toBeCloseTo(before + 1.5, 9);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('rate limits', () => {
  it('refuses mutating ops with rate-limited and retryAfter once the shared mutate bucket is empty', async () => {
    const m = await market();
    const dan = await user('dan@ws.test');
    const s = await connect(dan);
    try {
      // the REST routes and the socket share one limiter: drain dan's bucket directly
      for (let i = 0; i < LIMITS.mutate.burst; i++) await limiter.take('mutate', dan.id, false);
      const r = await s.req('place_order', { marketId: m, side: 'buy', size: '1', price: '0.1' });
      expect(r).toMatchObject({ ok: false, error: { code: 'rate-limited', status: 429 } });
      const retryAfter = (r as { error: { retryAfter: number } }).error.retryAfter;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect((await rest(dan, 'POST', '/orders', { marketId: m, side: 'buy', size: '1', price: '0.1' })).status).toBe(
        429,
      );
      // reads are not limited, and after retryAfter the window has room again
      expect((await s.req('subscribe', { channel: `book:${m}` })).ok).toBe(true);
      clock += retryAfter * 1000;
      expect((await s.req('place_order', { marketId: m, side: 'buy', size: '1', price: '0.1' })).ok).toBe(true);
    } finally {
      s.close();
    }
  });
});

describe('ownership', () => {
  it('tells every owner on a private socket when an owner is added or removed, and ends a removed owner’s portfolio feed', async () => {
    const acct = (await ctx.exchange.createAltAccount(alice.id, 'shared pot')).id as number;
    const a = await connect(alice);
    const b = await connect(bob);
    try {
      await a.req('subscribe', { channel: 'orders' });
      await b.req('subscribe', { channel: 'orders' });
      await ctx.exchange.shareAccount(alice.id, acct, 'bob@ws.test');
      const added = await b.waitFor('added', (x) => x.channel === 'ownership' && x.update?.change === 'added');
      expect(added.update).toEqual({ accountId: acct, userId: bob.id, change: 'added', owners: [alice.id, bob.id] });
      await a.waitFor('added (alice)', (x) => x.channel === 'ownership' && x.update?.userId === bob.id);
      expect((await b.req('subscribe', { channel: `portfolio:${acct}` })).ok).toBe(true);
      await ctx.exchange.removeOwner(alice.id, acct, bob.id);
      const ended = await b.waitFor('portfolio ended', (x) => x.channel === `portfolio:${acct}` && x.unsubscribed);
      expect(ended.error).toMatchObject({ code: 'account-not-found' });
      await a.waitFor('removed (alice)', (x) => x.channel === 'ownership' && x.update?.change === 'removed');
    } finally {
      a.close();
      b.close();
    }
  });
});
