/**
 * Regression tests of the concrete findings of issue 11 (an attacker's view of the API), each reproduced over real
 * HTTP and WebSockets against a listening server and a real database:
 * 1. `/ws` streams restricted markets' trades, books and market records only to users who may see them;
 * 2. replay control is admin-only, and audited;
 * 3. market creation (and the other market admin actions) is admin-only;
 * 4. JSON nested 10,000 deep is a 400 `body-too-deep` (was a 500 stack overflow), with or without a login;
 * 5. out-of-range numbers (bounds beyond the engine's ticks, a 200,000-digit amount, a 5e-324 grid start) are 400s
 *    with field-level codes (were 500s) and write nothing;
 * 8. auction bids show other bidders' account ids only to the seller's owners and admins.
 * (Finding 9, the first start's login kept out of stdout, is tested in src/cli/cli.test.ts: `npm start offline`.)
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { openTestDatabase } from '../db/testing.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { buildServer } from './app.ts';

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;

interface WsMessage {
  type: string;
  data: Record<string, unknown>;
}

/** Polls `ok` until it holds (deadline 10 s). */
async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const candles: Candle[] = Array.from({ length: 50 }, (_, i) => ({
  time: T0 + i * HOUR,
  open: `${100 + i}`,
  high: `${101 + i}`,
  low: `${99 + i}`,
  close: `${100.5 + i}`,
  volume: '1',
}));

describe('issue 11 findings, over HTTP and WebSockets', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let base: string;
  let feed: ReplayFeed;
  const token: Record<string, string> = {};
  const account: Record<string, number> = {};
  const sockets: WsSocket[] = [];

  /** Calls the API as `who` (null: anonymous) with a JSON body (an object, or raw text). */
  const call = async (
    who: string | null,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{
    status: number;
    body: { error?: { code: string; fields?: { field: string; code: string }[] } } & Record<string, unknown>;
  }> => {
    const headers: Record<string, string> = {};
    if (who) headers.authorization = `Bearer ${token[who]}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as never };
  };
  const fieldCodes = (r: { body: { error?: { fields?: { field: string; code: string }[] } } }): string[] =>
    (r.body.error?.fields ?? []).map((f) => `${f.field}:${f.code}`);

  /** Opens `/ws` as `who` and collects its messages (after `hello`). */
  const listen = async (who: string): Promise<WsMessage[]> => {
    const got: WsMessage[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${token[who]}`);
    sockets.push(ws);
    ws.on('message', (b) => got.push(JSON.parse(b.toString()) as WsMessage));
    await until(`${who}'s hello`, () => got.some((m) => m.type === 'hello'));
    return got;
  };

  beforeAll(async () => {
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, speed: 1 });
    ctx = await createContext({ sql: await openTestDatabase(), feed });
    app = await buildServer(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const name of ['admin', 'alice', 'bob', 'carol', 'dave']) {
      const u = await ctx.auth.register(`${name}@findings.test`, 'password1');
      if (name === 'admin') await ctx.auth.setAdmin(`${name}@findings.test`, true);
      token[name] = await ctx.auth.createApiToken(u.id, 't');
      account[name] = await ctx.exchange.personalAccount(u.id);
    }
    for (const name of ['alice', 'bob', 'carol', 'dave'])
      expect(
        (
          await call('admin', 'POST', '/exchange/transfers', {
            fromAccountId: null,
            toAccountId: account[name],
            amount: '100',
          })
        ).status,
      ).toBe(201);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('1: /ws sends a restricted market, its books and its trades only to users who may see it, and no internal account list', async () => {
    const carol = await listen('carol'); // no allowed account
    const alice = await listen('alice'); // allowed
    const bounded = { kind: 'bounded', tickSize: '0.01', lotSize: '1', maxPrice: '1' };
    const hidden = await call('admin', 'POST', '/exchange/markets', {
      name: 'Secret',
      ...bounded,
      visibleTo: [account.alice, account.bob],
    });
    expect(hidden.status).toBe(201);
    const secret = hidden.body.id as number;
    expect(
      (await call('alice', 'POST', '/exchange/orders', { marketId: secret, side: 'buy', price: '0.4', size: '2' }))
        .status,
    ).toBe(201);
    expect(
      (await call('bob', 'POST', '/exchange/orders', { marketId: secret, side: 'sell', price: '0.4', size: '2' }))
        .status,
    ).toBe(201);
    // then a public market and a trade on it: once carol has that trade, she would have had the secret one
    const open = await call('admin', 'POST', '/exchange/markets', { name: 'Open', ...bounded });
    const pub = open.body.id as number;
    await call('carol', 'POST', '/exchange/orders', { marketId: pub, side: 'buy', price: '0.5', size: '1' });
    await call('dave', 'POST', '/exchange/orders', { marketId: pub, side: 'sell', price: '0.5', size: '1' });
    const tradeOf = (ms: WsMessage[], id: number) => ms.find((m) => m.type === 'trade' && m.data.marketId === id);
    await until('the public trade on carol’s /ws', () => tradeOf(carol, pub) !== undefined);
    await until('the secret trade on alice’s /ws', () => tradeOf(alice, secret) !== undefined);

    const about = (ms: WsMessage[], id: number) =>
      ms.filter(
        (m) =>
          (m.type === 'market' && m.data.id === id) || (['trade', 'book'].includes(m.type) && m.data.marketId === id),
      );
    expect(about(carol, secret)).toEqual([]); // was: the market (restricted: true) and the trade with account ids
    expect(about(carol, pub).map((m) => m.type)).toEqual(expect.arrayContaining(['market', 'book', 'trade']));
    expect(about(alice, secret).map((m) => m.type)).toEqual(expect.arrayContaining(['market', 'book', 'trade']));
    // the same rule as REST
    expect((await call('carol', 'GET', `/exchange/markets/${secret}`)).status).toBe(404);
    expect((await call('alice', 'GET', `/exchange/markets/${secret}`)).status).toBe(200);
    // a trade carries the maker and taker accounts (as REST shows them on this market), not the internal list
    expect(tradeOf(alice, secret)!.data).toMatchObject({ makerAccountId: account.alice, takerAccountId: account.bob });
    for (const m of [...carol, ...alice].filter((x) => x.type === 'trade'))
      expect(m.data).not.toHaveProperty('accounts');
  });

  it('2: only an admin steps, seeks, pauses and speeds the shared replay (403 forbidden), and each change is audited', async () => {
    const before = feed.state().index;
    for (const [method, path, body] of [
      ['POST', '/replay/step', { bars: 3000 }],
      ['POST', '/replay/seek', { time: '2024-01-02T00:00:00Z' }],
      ['PUT', '/replay/speed', { barsPerSecond: 1000 }],
      ['POST', '/replay/pause', undefined],
      ['POST', '/replay/resume', undefined],
    ] as const) {
      const r = await call('carol', method, path, body);
      expect([path, r.status, r.body.error?.code]).toEqual([path, 403, 'forbidden']);
      expect((await call(null, method, path, body)).status).toBe(401);
    }
    expect(feed.state().index).toBe(before);
    expect((await call('admin', 'POST', '/replay/pause')).status).toBe(200);
    const step = await call('admin', 'POST', '/replay/step', { bars: 2 });
    expect([step.status, step.body.index]).toEqual([200, before + 2]);
    const audit = await call('admin', 'GET', '/admin/audit?limit=100');
    const actions = (audit.body.entries as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['replay-pause', 'replay-step']));
  });

  it('3: a non-admin cannot create a market (403 forbidden, nothing created) nor pause, settle or deposit', async () => {
    const count = async () => ((await call('admin', 'GET', '/exchange/markets')).body.markets as unknown[]).length;
    const n = await count();
    const r = await call('carol', 'POST', '/exchange/markets', {
      name: 'Mine',
      kind: 'spot',
      tickSize: '1',
      lotSize: '1',
    });
    expect([r.status, r.body.error?.code]).toEqual([403, 'forbidden']);
    expect(await count()).toBe(n);
    expect(
      (await call(null, 'POST', '/exchange/markets', { name: 'Anon', kind: 'spot', tickSize: '1', lotSize: '1' }))
        .status,
    ).toBe(401);
    const m = await call('admin', 'POST', '/exchange/markets', {
      name: 'Admin made',
      kind: 'spot',
      tickSize: '1',
      lotSize: '1',
    });
    expect(m.status).toBe(201);
    for (const [path, body] of [
      [`/exchange/markets/${m.body.id}/status`, { status: 'paused' }],
      [`/exchange/markets/${m.body.id}/deposits`, { accountId: account.carol, size: '5' }],
      [`/exchange/markets/${m.body.id}/settle`, { price: '1' }],
    ] as const)
      expect((await call('carol', 'POST', path, body)).body.error?.code).toBe('forbidden');
  });

  it('4: JSON nested 10,000 deep is 400 body-too-deep on an anonymous and on an authenticated route; 64 deep passes the guard', async () => {
    const deep = (n: number, leaf = '1') => '['.repeat(n) + leaf + ']'.repeat(n);
    for (const [who, path] of [
      [null, '/auth/login'],
      [null, '/auth/register'],
      ['carol', '/exchange/orders'],
      ['carol', '/trades'],
    ] as const) {
      for (const body of [
        deep(10_000),
        `{"email":${deep(10_000)}}`,
        `{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`,
      ]) {
        const r = await call(who, 'POST', path, body);
        expect([path, r.status, r.body.error?.code, fieldCodes(r)]).toEqual([
          path,
          400,
          'body-too-deep',
          ['body:body-too-deep'],
        ]);
      }
      // 64 deep is no attack: the route's own validation answers
      const ok = await call(who, 'POST', path, deep(64));
      expect([path, ok.status, ok.body.error?.code]).toEqual([path, 400, 'validation-failed']);
    }
    // the text guard still names the bad field, deep inside (iteratively)
    const nul = await call('carol', 'POST', '/exchange/orders', {
      marketId: 1,
      side: 'buy',
      size: '1',
      clientOrderId: 'a\u0000b',
    });
    expect(fieldCodes(nul)).toEqual(['clientOrderId:invalid-text']);
    const nested = await call('carol', 'POST', '/exchange/orders', { x: [{ y: ['ok', 'a\u0000'] }] });
    expect(fieldCodes(nested)).toEqual(['x.0.y.1:invalid-text']);
  });

  it('5: numbers beyond the columns and the engine are 400s with field codes, and nothing is written', async () => {
    const markets = async () => ((await call('admin', 'GET', '/exchange/markets')).body.markets as unknown[]).length;
    const n = await markets();
    const bounded = { kind: 'bounded', tickSize: '0.01', lotSize: '1' };
    for (const [name, maxPrice, field] of [
      ['Huge', '99999999999999999999999999999999', 'maxPrice:too-big'],
      ['Sci', 1e21, 'maxPrice:too-big'], // a JSON number: 1000000000000000000000
      ['Unsafe', '90071992547409.92', 'maxPrice:too-big'], // 2^53 ticks: past the engine's safe integers
    ] as const) {
      const r = await call('admin', 'POST', '/exchange/markets', { name, ...bounded, maxPrice });
      expect([name, r.status, fieldCodes(r)]).toEqual([name, 400, [field]]);
    }
    const both = await call('admin', 'POST', '/exchange/markets', {
      name: 'Both',
      ...bounded,
      minPrice: 1e21,
      maxPrice: 2e21,
    });
    expect([both.status, fieldCodes(both)]).toEqual([400, ['minPrice:too-big', 'maxPrice:too-big']]);
    const edge = await call('admin', 'POST', '/exchange/markets', {
      name: 'Edge',
      ...bounded,
      maxPrice: '90071992547409.91',
    });
    expect(edge.status).toBe(201); // 2^53 − 1 ticks: the largest the engine holds
    // decimal text longer than any price, size or amount (a 200,000-digit mint was a NUMERIC overflow 500)
    const huge = '1' + '0'.repeat(200_000);
    const mint = await call('admin', 'POST', '/exchange/transfers', {
      fromAccountId: null,
      toAccountId: account.dave,
      amount: huge,
    });
    expect([mint.status, fieldCodes(mint)]).toEqual([400, ['amount:too-big']]);
    const tick = await call('admin', 'POST', '/exchange/markets', {
      name: 'Wide',
      kind: 'spot',
      tickSize: huge,
      lotSize: 1e300,
    });
    expect([tick.status, fieldCodes(tick)]).toEqual([400, ['tickSize:too-big', 'lotSize:too-big']]);
    const order = await call('carol', 'POST', '/exchange/orders', {
      marketId: 1,
      side: 'buy',
      size: huge,
      price: '0.5',
    });
    expect([order.status, fieldCodes(order)]).toEqual([400, ['size:too-big']]);
    const bid = await call('carol', 'POST', '/exchange/auctions', { title: 'x', minBid: huge });
    expect([bid.status, fieldCodes(bid)]).toEqual([400, ['minBid:too-big']]);
    expect(await markets()).toBe(n + 1);
    expect(((await call('dave', 'GET', '/exchange/transfers')).body.transfers as unknown[]).length).toBe(1);

    // an optimisation grid starting at 5e-324 (was toFixed(324): a RangeError 500)
    const data = { symbol: 'BTC-USD', timeframe: '1h' };
    for (const range of [
      { start: 5e-324, stop: 1, step: 0.5 },
      { start: 1.5e-25, stop: 1, step: 0.5 },
    ]) {
      const r = await call('carol', 'POST', '/optimizations', { strategy: 'sma-cross', data, grid: { fast: range } });
      expect([r.status, fieldCodes(r)]).toEqual([400, ['grid.fast:bad-param-range']]);
    }
    const jobs = await call('carol', 'GET', '/optimizations');
    expect(jobs.body.optimizations).toEqual([]);
  });

  it('8: auction bids show other bidders’ account ids only to the seller’s owners and admins; a bidder sees their own', async () => {
    const a = await call('alice', 'POST', '/exchange/auctions', { title: 'Old map', minBid: '1' });
    expect(a.status).toBe(201);
    const id = a.body.id as number;
    expect((await call('bob', 'POST', `/exchange/auctions/${id}/bids`, { amount: '2' })).status).toBe(201);
    expect((await call('carol', 'POST', `/exchange/auctions/${id}/bids`, { amount: '3' })).status).toBe(201);

    type Bid = { accountId: number | null; amount: string };
    const seen = async (who: string) => {
      const one = await call(who, 'GET', `/exchange/auctions/${id}`);
      expect(one.status).toBe(200);
      const listed = (await call(who, 'GET', '/exchange/auctions')).body.auctions as Record<string, unknown>[];
      return {
        bids: (one.body.bids as Bid[]).map((b) => [b.accountId, b.amount]),
        best: one.body.bestBidderAccountId,
        listedBest: listed.find((x) => x.id === id)!.bestBidderAccountId,
      };
    };
    const all = {
      bids: [
        [account.carol, '3'],
        [account.bob, '2'],
      ],
      best: account.carol,
      listedBest: account.carol,
    };
    expect(await seen('alice')).toEqual(all); // the seller
    expect(await seen('admin')).toEqual(all);
    expect(await seen('carol')).toEqual({
      bids: [
        [account.carol, '3'],
        [null, '2'],
      ],
      best: account.carol, // her own bid leads
      listedBest: account.carol,
    });
    expect(await seen('bob')).toEqual({
      bids: [
        [null, '3'],
        [account.bob, '2'],
      ],
      best: null,
      listedBest: null,
    });
    expect(await seen('dave')).toEqual({
      bids: [
        [null, '3'],
        [null, '2'],
      ],
      best: null,
      listedBest: null,
    });
    // once sold, the buyer is shown like a bidder
    const sold = await call('admin', 'POST', `/exchange/auctions/${id}/settle`, {
      buyerAccountId: account.carol,
      price: '3',
    });
    expect(sold.status).toBe(200);
    expect((await call('dave', 'GET', `/exchange/auctions/${id}`)).body.winnerAccountId).toBeNull();
    expect((await call('carol', 'GET', `/exchange/auctions/${id}`)).body.winnerAccountId).toBe(account.carol);
    expect((await call('alice', 'GET', `/exchange/auctions/${id}`)).body.winnerAccountId).toBe(account.carol);
  });
});
