/**
 * Strategy-run routes over real HTTP and WebSocket on a real database (PGlite, or PostgreSQL with
 * TESTUDO_TEST_DB=postgres) with a replay of the sample Coinbase hours stepped by hand: start (field-level 400s,
 * 422 for a timeframe the feed does not serve), list, read, events, stop; owner-only (another user 404, anonymous
 * 401); the client-hosted endpoints (orders, close, signals) idempotent on (run, bar time, seq); and
 * `WS /ws/strategies/:id` delivering the run and its events to the owner while refusing another user and an
 * anonymous caller.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import type { ReplayFeed } from '../feed/replay.ts';
import { openReplayContext, sampleCandles, stepBars } from '../app/strategies/testing.ts';
import { buildServer } from './app.ts';
import { rateLimiterFromEnv } from './ratelimit.ts';
import { TEST_RATE_LIMITS, signUp, type Client, type ClockWorld } from './journal-test-world.ts';

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  opts?: { headers?: Record<string, string> },
) => WsSocket;

interface Msg {
  type: string;
  data: Record<string, unknown>;
}

function openWs(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const msgs: Msg[] = [];
  const state = { code: null as number | null };
  ws.on('message', (b) => msgs.push(JSON.parse(b.toString()) as Msg));
  ws.on('close', (c) => (state.code = c));
  ws.on('error', () => {});
  return { ws, msgs, state };
}

const candles = sampleCandles().slice(0, 400);

interface ParamSpecView {
  type: string;
  default: number | boolean | string;
  min?: number;
  max?: number;
  description: string;
}

describe('strategy-run routes', () => {
  let sql: Sql;
  let ctx: AppContext;
  let feed: ReplayFeed;
  let app: FastifyInstance;
  let alice: Client;
  let bob: Client;
  let base: string;

  beforeAll(async () => {
    sql = await openTestDatabase();
    ({ ctx, feed } = await openReplayContext(sql, candles));
    app = await buildServer(ctx, { rateLimiter: rateLimiterFromEnv({ TESTUDO_RATE_LIMITS: TEST_RATE_LIMITS }) });
    const w = { sql, ctx, app, clock: { now: 0 }, close: async () => {} } as ClockWorld;
    alice = await signUp(w, 'alice');
    bob = await signUp(w, 'bob');
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await stepBars(ctx, feed, 5);
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await sql.close();
  });

  it('lists the built-in strategies with their declared parameters to a signed-in caller with the read scope', async () => {
    const r = await alice.call<{
      strategies: { name: string; description: string; params: Record<string, ParamSpecView> }[];
    }>('GET', '/builtin-strategies');
    expect(r.status).toBe(200);
    expect(r.body.strategies.map((s) => s.name)).toEqual(['sma-cross', 'breakout']);
    const breakout = r.body.strategies.find((s) => s.name === 'breakout')!;
    expect(breakout.description).not.toBe('');
    expect(Object.keys(breakout.params).length).toBeGreaterThan(0);
    for (const p of Object.values(breakout.params)) {
      expect(['int', 'number', 'boolean', 'string']).toContain(p.type);
      expect(typeof p.description).toBe('string');
      if (p.min !== undefined) expect(p.default).toBeGreaterThanOrEqual(p.min);
      if (p.max !== undefined) expect(p.default).toBeLessThanOrEqual(p.max);
    }
    const sma = r.body.strategies.find((s) => s.name === 'sma-cross')!;
    expect(Object.keys(sma.params)).toEqual(['fast', 'slow', 'stopAtr', 'rr']);
    expect(sma.params.fast).toMatchObject({ type: 'int', default: 10 });

    expect((await app.inject({ method: 'GET', url: '/api/v1/builtin-strategies' })).statusCode).toBe(401);
    const listWith = (token: string) =>
      app.inject({ method: 'GET', url: '/api/v1/builtin-strategies', headers: { authorization: `Bearer ${token}` } });
    const withRead = await listWith(await ctx.auth.createApiToken(alice.id, 'read-only', ['read']));
    expect(withRead.statusCode).toBe(200);
    const noRead = await listWith(await ctx.auth.createApiToken(alice.id, 'trade-only', ['trade']));
    expect(noRead.statusCode).toBe(403);
    expect((noRead.json() as { error: { code: string } }).error.code).toBe('insufficient-scope');
  });

  it('refuses bad starts with field-level 400s and a timeframe the feed does not serve with 422', async () => {
    const bad = await alice.call('POST', '/strategy-runs', {
      strategy: 'breakout',
      symbol: 'BTC-USD',
      timeframe: '7m',
      x: 1,
    });
    expect(bad.status).toBe(400);
    const fields = (bad.body as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['timeframe']));
    const param = await alice.call('POST', '/strategy-runs', {
      strategy: 'breakout',
      symbol: 'BTC-USD',
      timeframe: '1h',
      params: { lookback: 0 },
    });
    expect(param.status).toBe(400);
    expect(JSON.stringify(param.body)).toContain('params.lookback');
    const notBuiltin = await alice.call('POST', '/strategy-runs', {
      strategy: 'my-module',
      symbol: 'BTC-USD',
      timeframe: '1h',
      host: 'server',
    });
    expect(notBuiltin.status).toBe(400);
    expect(JSON.stringify(notBuiltin.body)).toContain('server-host-builtin-only');
    const symbol = await alice.call('POST', '/strategy-runs', {
      strategy: 'breakout',
      symbol: 'NOPE',
      timeframe: '1h',
    });
    expect(symbol.status).toBe(400);
    expect(JSON.stringify(symbol.body)).toContain('unknown-symbol');
    const tf = await alice.call('POST', '/strategy-runs', { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '4h' });
    expect(tf.status).toBe(422);
    expect((tf.body as { error: { code: string } }).error.code).toBe('timeframe-not-fed');
    const anon = await app.inject({ method: 'GET', url: '/api/v1/strategy-runs' });
    expect(anon.statusCode).toBe(401);
    // out-of-range ids and cursors are 4xx, never a database error
    for (const path of [
      '/strategy-runs/99999999999999999999',
      '/strategy-runs/1/events?after=1e30',
      '/strategy-runs/0',
    ]) {
      const status = (await alice.call('GET', path)).status;
      expect(status >= 400 && status < 500, `${path}: ${status}`).toBe(true);
    }
  });

  it('runs breakout for its owner only and streams its events on the WebSocket, refusing others', async () => {
    const started = await alice.call<{ id: number; status: string; stats: { trades: number } }>(
      'POST',
      '/strategy-runs',
      { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' },
    );
    expect(started.status).toBe(201);
    const id = started.body.id;
    expect(started.body).toMatchObject({ status: 'running', host: 'server', strategy: 'breakout' });
    expect((await bob.call('GET', `/strategy-runs/${id}`)).status).toBe(404);
    expect((await bob.call('POST', `/strategy-runs/${id}/stop`)).status).toBe(404);
    expect((await bob.call('GET', `/strategy-runs/${id}/events`)).status).toBe(404);
    expect((await bob.call<{ runs: unknown[] }>('GET', '/strategy-runs')).body.runs).toEqual([]);

    const mine = openWs(`ws://${base}/ws/strategies/${id}`, { cookie: alice.cookie });
    const theirs = openWs(`ws://${base}/ws/strategies/${id}`, { cookie: bob.cookie });
    const anon = openWs(`ws://${base}/ws/strategies/${id}`);
    try {
      await expect.poll(() => mine.msgs[0]?.type).toBe('run');
      await expect.poll(() => theirs.state.code).toBe(4403);
      await expect.poll(() => anon.state.code).toBe(4401);
      expect(theirs.msgs.filter((m) => m.type !== 'error')).toEqual([]);
      await stepBars(ctx, feed, 200);
      // (the replay's bars are processed without yielding to the sockets: poll until the messages are in)
      const kinds = () => [...new Set(mine.msgs.map((m) => m.type))].sort();
      await expect.poll(kinds).toEqual(['decision', 'fill', 'order', 'run', 'signal']);
      const fill = mine.msgs.find((m) => m.type === 'fill')!;
      expect(fill.data).toMatchObject({ kind: 'fill', data: { leg: 'entry' } });
    } finally {
      mine.ws.close();
    }
    const page = await alice.call<{ events: { id: number; kind: string }[]; next: number | null }>(
      'GET',
      `/strategy-runs/${id}/events?limit=3`,
    );
    expect(page.status).toBe(200);
    expect(page.body.events).toHaveLength(3);
    expect(page.body.events[0]!.kind).toBe('status');
    const rest = await alice.call<{ events: { id: number }[] }>(
      'GET',
      `/strategy-runs/${id}/events?after=${page.body.next}&limit=500`,
    );
    expect(rest.body.events[0]!.id).toBeGreaterThan(page.body.events[2]!.id);
    expect((await alice.call('GET', `/strategy-runs/${id}/events?limit=0`)).status).toBe(400);

    const listed = await alice.call<{ runs: { id: number }[] }>('GET', '/strategy-runs');
    expect(listed.body.runs.map((r) => r.id)).toContain(id);
    const stopped = await alice.call<{ status: string; stoppedAt: string | null }>('POST', `/strategy-runs/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    const before = (await alice.call<{ events: unknown[] }>('GET', `/strategy-runs/${id}/events?limit=500`)).body.events
      .length;
    await stepBars(ctx, feed, 20);
    const after = (await alice.call<{ events: { kind: string }[] }>('GET', `/strategy-runs/${id}/events?limit=500`))
      .body.events;
    expect(after.slice(before).filter((e) => e.kind === 'signal' || e.kind === 'order')).toEqual([]);
    // a server-hosted run places its own orders
    const refused = await alice.call('POST', `/strategy-runs/${id}/orders`, {
      barTime: new Date(candles[0]!.time).toISOString(),
      seq: 0,
      side: 'buy',
    });
    expect(refused.status).toBe(409);
  });

  it('takes a client-hosted run’s orders, closes and signals idempotently on (run, bar time, seq)', async () => {
    const started = await alice.call<{ id: number; host: string }>('POST', '/strategy-runs', {
      strategy: 'my-module',
      symbol: 'BTC-USD',
      timeframe: '1h',
      params: { fast: 3 },
    });
    expect(started.status).toBe(201);
    expect(started.body.host).toBe('client');
    const id = started.body.id;
    const price = Number(feed.lastPrice('BTC-USD'));
    const barTime = new Date(feed.now() - 3_600_000).toISOString();
    const order = { barTime, seq: 0, side: 'buy', sl: price * 0.98, tp: price * 1.06, tag: 'dip' };
    const first = await alice.call<{ trade: { id: number; tags: string[]; setup: string } }>(
      'POST',
      `/strategy-runs/${id}/orders`,
      order,
    );
    expect(first.status).toBe(201);
    expect(first.body.trade.tags).toEqual([`strategy-run-${id}`, 'dip']);
    expect(first.body.trade.setup).toBe('my-module');
    const again = await alice.call<{ trade: { id: number } }>('POST', `/strategy-runs/${id}/orders`, order);
    expect(again.status).toBe(201);
    expect(again.body.trade.id).toBe(first.body.trade.id);
    const noStop = await alice.call<{ error: { code: string } }>('POST', `/strategy-runs/${id}/orders`, {
      barTime,
      seq: 1,
      side: 'sell',
    });
    expect(noStop.status).toBe(422);
    expect(noStop.body.error.code).toBe('stop-required');
    expect((await bob.call('POST', `/strategy-runs/${id}/orders`, { ...order, seq: 2 })).status).toBe(404);
    const badOrder = await alice.call('POST', `/strategy-runs/${id}/orders`, { ...order, seq: -1, sl: 'x' });
    expect(badOrder.status).toBe(400);

    const sig = await alice.call<{ id: number; kind: string }>('POST', `/strategy-runs/${id}/signals`, {
      barTime,
      data: { fast: 1.5 },
    });
    expect(sig.status).toBe(201);
    expect(sig.body.kind).toBe('signal');
    const sigAgain = await alice.call<{ id: number }>('POST', `/strategy-runs/${id}/signals`, { barTime, data: {} });
    expect(sigAgain.body.id).toBe(sig.body.id);

    const close = await alice.call<{ closed: number[] }>('POST', `/strategy-runs/${id}/close`, { barTime, seq: 3 });
    expect(close.status).toBe(200);
    expect(close.body.closed).toEqual([first.body.trade.id]);
    const closeAgain = await alice.call<{ closed: number[] }>('POST', `/strategy-runs/${id}/close`, {
      barTime,
      seq: 3,
    });
    expect(closeAgain.body.closed).toEqual([first.body.trade.id]);
    const run = await alice.call<{ stats: { trades: number; rejections: number; open: number }; cursorTime: string }>(
      'GET',
      `/strategy-runs/${id}`,
    );
    expect(run.body.stats).toMatchObject({ trades: 1, rejections: 1, open: 0 });
    expect(run.body.cursorTime).toBe(barTime);
    const [{ n } = { n: 0 }] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM trades WHERE $1 = ANY(tags)`,
      [`strategy-run-${id}`],
    );
    expect(Number(n)).toBe(1);
  });
});
