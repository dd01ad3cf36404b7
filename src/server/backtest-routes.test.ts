/**
 * The backtesting routes over HTTP (fastify `inject`) on a real database: PGlite by default, PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`. Saved strategies per user, validation at the boundary, a job from 202 to done over
 * GOOG candles imported from ../shared/data (skipped with a message when missing), and the `expensive` class.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { TEST_DB, openTestDatabase } from '../db/testing.ts';
import { importCandles } from '../db/candles.ts';
import { loadCandleFile } from '../feed/load.ts';
import { barsFromCandles } from '../core/backtest/series.ts';
import { runBacktest } from '../core/backtest/run.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import { buildServer } from './app.ts';
import { LIMITS, RateLimiter } from './ratelimit.ts';

const GOOG = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
const have = existsSync(GOOG);
if (!have) console.warn(`skipping the backtest job route tests: ${GOOG} is missing`);

interface Res {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Record<string, unknown>;
}

let sql: Sql;
let ctx: AppContext;
let app: FastifyInstance;
let schema = 'public';
const limiter = new RateLimiter(() => 1_000_000);
let alice: Record<string, string>;
let bob: Record<string, string>;

async function client(email: string): Promise<Record<string, string>> {
  const u = await ctx.auth.register(email, 'password1');
  return { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` };
}

async function call(h: Record<string, string> | null, method: string, url: string, payload?: unknown): Promise<Res> {
  const r = await app.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    headers: h ?? {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: r.statusCode, body: r.body ? r.json() : null, headers: r.headers };
}

beforeAll(async () => {
  sql = await openTestDatabase();
  schema = String((await sql.query('SELECT current_schema() AS s'))[0]!.s);
  ctx = await createContext({ sql, backtests: { threads: 2 } });
  app = await buildServer(ctx, { rateLimiter: limiter });
  alice = await client('alice@backtest-routes.test');
  bob = await client('bob@backtest-routes.test');
  if (have) await importCandles(sql, 'GOOG', '1d', (await loadCandleFile(GOOG)).candles);
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  if (TEST_DB === 'postgres') await sql.query(`DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
  await sql?.close();
});

describe('saved strategies', () => {
  it('need a login', async () => {
    expect((await call(null, 'GET', '/strategies')).status).toBe(401);
  });

  it('are created, listed, replaced and deleted per user; another user gets 404', async () => {
    const created = await call(alice, 'POST', '/strategies', {
      name: 'fast cross',
      strategy: 'sma-cross',
      params: { fast: 5, slow: 30 },
      options: { commission: 0.001, cash: '50000' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'fast cross',
      strategy: 'sma-cross',
      params: { fast: 5, slow: 30 },
      options: { commission: '0.001', cash: '50000' },
    });
    const id = created.body.id;
    expect((await call(alice, 'GET', '/strategies')).body.strategies.map((s: { id: number }) => s.id)).toEqual([id]);
    expect((await call(bob, 'GET', '/strategies')).body.strategies).toEqual([]);
    expect((await call(bob, 'GET', `/strategies/${id}`)).body.error.code).toBe('strategy-not-found');
    expect((await call(bob, 'PUT', `/strategies/${id}`, { name: 'x', strategy: 'sma-cross' })).status).toBe(404);
    expect((await call(bob, 'DELETE', `/strategies/${id}`)).status).toBe(404);
    const used = await call(bob, 'POST', '/backtests', { strategyId: id, data: { symbol: 'GOOG', timeframe: '1d' } });
    expect([used.status, used.body.error.code]).toEqual([404, 'strategy-not-found']);

    const dup = await call(alice, 'POST', '/strategies', { name: 'fast cross', strategy: 'sma-cross' });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'strategy-name-taken']);
    const put = await call(alice, 'PUT', `/strategies/${id}`, { name: 'renamed', strategy: 'sma-cross' });
    expect([put.status, put.body.name, put.body.params]).toEqual([200, 'renamed', {}]);
    expect((await call(alice, 'DELETE', `/strategies/${id}`)).status).toBe(204);
    expect((await call(alice, 'GET', `/strategies/${id}`)).status).toBe(404);
  });

  it('refuse unknown strategies and parameters outside their specs with field-level codes', async () => {
    const bad = await call(alice, 'POST', '/strategies', {
      name: 'bad',
      strategy: 'sma-cross',
      params: { fast: 0, slow: 'x', other: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation-failed');
    expect(bad.body.error.fields).toEqual([
      { field: 'params.fast', code: 'too-small', message: expect.any(String) },
      { field: 'params.slow', code: 'invalid-type', message: expect.any(String) },
      { field: 'params.other', code: 'unknown-param', message: expect.any(String) },
    ]);
    const unknown = await call(alice, 'POST', '/strategies', { name: 'u', strategy: 'martingale' });
    expect(unknown.body.error.fields[0]).toMatchObject({ field: 'strategy', code: 'unknown-strategy' });
    const opt = await call(alice, 'POST', '/strategies', { name: 'o', strategy: 'sma-cross', options: { cash: -1 } });
    expect(opt.body.error.fields[0]).toMatchObject({ field: 'options.cash' });
    expect((await call(alice, 'GET', '/strategies')).body.strategies).toEqual([]);
  });
});

describe.skipIf(!have)('backtest and optimisation jobs', () => {
  it('answer 202, run in the background and report statistics equal to the backtester', async () => {
    const s = await call(alice, 'POST', '/strategies', { name: 'cross', strategy: 'sma-cross', params: { fast: 10 } });
    const r = await call(alice, 'POST', '/backtests', {
      strategyId: s.body.id,
      params: { slow: 40 },
      data: { symbol: 'GOOG', timeframe: '1d', to: '2010-01-01' },
    });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ id: expect.any(Number), status: 'queued' });
    let job: Res;
    const until = Date.now() + 60_000;
    do {
      await new Promise((res) => setTimeout(res, 100));
      job = await call(alice, 'GET', `/backtests/${r.body.id}`);
    } while (job.body.status !== 'done' && job.body.status !== 'failed' && Date.now() < until);
    expect(job.body.status).toBe('done');
    expect(job.body).toMatchObject({ strategy: 'sma-cross', params: { fast: 10, slow: 40 }, strategyId: s.body.id });
    const candles = (await loadCandleFile(GOOG)).candles.filter((c) => c.time < Date.parse('2010-01-01'));
    const direct = runBacktest(barsFromCandles(candles), BUILTIN_STRATEGIES['sma-cross']!, { fast: 10, slow: 40 });
    expect(job.body.result.stats).toEqual(JSON.parse(JSON.stringify(direct.stats)));
    expect(job.body.result.trades).toHaveLength(direct.trades.length);
    expect((await call(bob, 'GET', `/backtests/${r.body.id}`)).status).toBe(404);
    expect((await call(alice, 'GET', '/backtests')).body.backtests[0].id).toBe(r.body.id);
    expect((await call(bob, 'DELETE', `/backtests/${r.body.id}`)).status).toBe(404);
    expect((await call(alice, 'DELETE', `/backtests/${r.body.id}`)).status).toBe(204);
    expect((await call(alice, 'GET', `/backtests/${r.body.id}`)).status).toBe(404);
  });

  it('queue an optimisation and rank it; a bad grid is a 400 naming the field', async () => {
    const bad = await call(alice, 'POST', '/optimizations', {
      strategy: 'sma-cross',
      grid: { fast: [5, 0] },
      data: { symbol: 'GOOG', timeframe: '1d' },
    });
    expect([bad.status, bad.body.error.fields[0]]).toEqual([
      400,
      { field: 'grid.fast.1', code: 'too-small', message: expect.any(String) },
    ]);
    const stat = await call(alice, 'POST', '/optimizations', {
      strategy: 'sma-cross',
      grid: { fast: [5, 10] },
      maximize: 'Duration',
      data: { symbol: 'GOOG', timeframe: '1d' },
    });
    expect(stat.body.error.fields[0]).toMatchObject({ field: 'maximize', code: 'unknown-stat' });
    const r = await call(alice, 'POST', '/optimizations', {
      strategy: 'sma-cross',
      grid: { fast: { start: 5, stop: 15, step: 5 }, slow: [20, 30] },
      constraint: 'fast<slow',
      data: { symbol: 'GOOG', timeframe: '1d' },
    });
    expect(r.status).toBe(202);
    let job: Res;
    const until = Date.now() + 60_000;
    do {
      await new Promise((res) => setTimeout(res, 100));
      job = await call(alice, 'GET', `/optimizations/${r.body.id}?top=3`);
    } while (job.body.status !== 'done' && job.body.status !== 'failed' && Date.now() < until);
    expect(job.body.status).toBe('done');
    expect(job.body.ranking.maximize).toBe('SQN');
    expect(job.body.ranking.total).toBe(6);
    expect(job.body.ranking.results.map((x: { rank: number }) => x.rank)).toEqual([1, 2, 3]);
    const values = job.body.ranking.results.map((x: { value: number }) => x.value);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect((await call(alice, 'GET', `/backtests/${r.body.id}`)).status).toBe(404);
  });
});

// `ws` has no type declarations installed here: describe the little this test uses.
interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;

describe.skipIf(!have)('job events on the WebSocket /ws (a real listening server)', () => {
  it("stream a backtest's progress and completion to its user only", async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const token = (h: Record<string, string>): string => h.authorization!.slice('Bearer '.length);
    const open = (
      h: Record<string, string>,
    ): { messages: { type: string; data: Record<string, unknown> }[]; ws: WsSocket } => {
      const ws = new WebSocket(`ws://${base}/ws?token=${token(h)}`);
      const messages: { type: string; data: Record<string, unknown> }[] = [];
      ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));
      ws.on('error', () => {});
      return { messages, ws };
    };
    const mine = open(alice);
    const theirs = open(bob);
    try {
      await expect.poll(() => mine.messages.some((m) => m.type === 'hello')).toBe(true);
      await expect.poll(() => theirs.messages.some((m) => m.type === 'hello')).toBe(true);
      const res = await fetch(`http://${base}/api/v1/backtests`, {
        method: 'POST',
        headers: { ...alice, 'content-type': 'application/json' },
        body: JSON.stringify({
          strategy: 'sma-cross',
          params: { fast: 10, slow: 30 },
          data: { symbol: 'GOOG', timeframe: '1d' },
        }),
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: number };
      await expect
        .poll(() => mine.messages.some((m) => m.type === 'backtest-done' && m.data.id === id), { timeout: 60_000 })
        .toBe(true);
      const progress = mine.messages.filter((m) => m.type === 'backtest-progress' && m.data.id === id);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)!.data).toEqual({ id, kind: 'backtest', done: 2148, total: 2148 });
      const done = mine.messages.findIndex((m) => m.type === 'backtest-done' && m.data.id === id);
      expect(mine.messages[done]!.data).toEqual({ id, kind: 'backtest' });
      expect(mine.messages.findIndex((m) => m === progress.at(-1))).toBeLessThan(done);
      const job = await call(alice, 'GET', `/backtests/${id}`);
      expect([job.body.status, job.body.progress]).toEqual(['done', { done: 2148, total: 2148 }]);
      // events are per user
      expect(theirs.messages.filter((m) => m.type.startsWith('backtest-'))).toEqual([]);
    } finally {
      mine.ws.close();
      theirs.ws.close();
    }
  });
});

describe('Testudo mode options', () => {
  it('take a risk per trade over the default protocol, refusing one above its hard maximum', async () => {
    const ok = await call(alice, 'POST', '/strategies', {
      name: 'risk one',
      strategy: 'breakout',
      options: { testudo: { riskPerTradePct: '1' }, lotSize: '1' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.options.testudo.profile).toMatchObject({ riskPerTradePct: '1', maxRiskPerTradePct: '2' });
    const high = await call(alice, 'POST', '/backtests', {
      strategy: 'breakout',
      options: { testudo: { riskPerTradePct: '5' } },
      data: { symbol: 'GOOG', timeframe: '1d' },
    });
    expect([high.status, high.body.error.fields[0].field]).toEqual([400, 'options.testudo.riskPerTradePct']);
    await call(alice, 'DELETE', `/strategies/${ok.body.id}`);
  });
});

describe('limits and documentation', () => {
  it('put job submissions in the expensive class', async () => {
    const h = await client('carol@backtest-routes.test');
    let last: Res | null = null;
    for (let i = 0; i <= LIMITS.expensive.burst; i++) {
      last = await call(h, 'POST', '/backtests', {
        strategy: 'sma-cross',
        params: { fast: 0 },
        data: { symbol: 'X', timeframe: '1d' },
      });
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('rate-limited');
    expect(last!.headers['retry-after']).toBeDefined();
  });

  it('appear in the OpenAPI document', async () => {
    const doc = (await call(null, 'GET', '/openapi.json')).body;
    for (const p of [
      '/api/v1/strategies',
      '/api/v1/strategies/{id}',
      '/api/v1/backtests',
      '/api/v1/backtests/{id}',
      '/api/v1/optimizations',
      '/api/v1/optimizations/{id}',
    ])
      expect(doc.paths[p], p).toBeDefined();
  });
});
