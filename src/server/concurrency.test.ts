/**
 * Concurrency of trade submission over real HTTP on a listening server: many simultaneous `POST /api/v1/trades` from
 * one account race the open-risk, position-count and daily-loss rules (a tight risk profile set first), and the same
 * `Idempotency-Key` sent many times at once makes exactly one trade. The limits must hold in the database afterwards,
 * every refusal must be a rule rejection (422 `rule-rejected` with the rule's code), and nothing may answer 5xx.
 * PGlite by default; with `TESTUDO_TEST_DB=postgres` the requests really run in parallel on a connection pool.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { buildServer } from './app.ts';
import { WORLD_CANDLES } from './fuzz/world.ts';

/** A JSON reply, loosely typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const PARALLEL = 30;

describe('parallel trade submissions from one account', { timeout: 120_000 }, () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let feed: ReplayFeed;
  let base: string;
  const token: Record<string, string> = {};
  const userId: Record<string, number> = {};

  const call = async (
    who: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json; headers: Headers }> => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token[who]}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: text ? (JSON.parse(text) as Json) : {}, headers: r.headers };
  };
  /** Open (pending or filled, not closed) trades of `who`, and their planned risk as a percent of the balance. */
  const openTrades = async (who: string): Promise<{ n: number; riskPct: number }> => {
    const [r] = await ctx.sql.query<{ n: number; risk: string }>(
      `SELECT count(*)::int AS n, coalesce(sum(t.risk_pct), 0)::text AS risk
         FROM trades t JOIN accounts a ON a.id = t.account_id
        WHERE a.user_id = $1 AND t.status IN ('pending', 'open')`,
      [userId[who]],
    );
    return { n: Number(r!.n), riskPct: Number(r!.risk) };
  };
  /** Fires PARALLEL limit entries at once; returns the answers. */
  const burst = async (who: string, entry: Record<string, string>, headers?: Record<string, string>) =>
    Promise.all(
      Array.from({ length: PARALLEL }, () =>
        call(who, 'POST', '/trades', { symbol: 'BTC-USD', side: 'buy', ...entry }, headers),
      ),
    );
  /** Every answer is a 201 or a 422 rule rejection carrying one of `codes`; returns the number accepted. */
  const checkAnswers = (rs: { status: number; body: Json }[], codes: string[]): number => {
    for (const r of rs) {
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
      if (r.status === 201) continue;
      expect([r.status, r.body.error?.code]).toEqual([422, 'rule-rejected']);
      const failed = (r.body.error.rules as { passed: boolean; code: string }[]).map((v) => v.code);
      expect(
        failed.some((c) => codes.includes(c)),
        failed.join(','),
      ).toBe(true);
    }
    return rs.filter((r) => r.status === 201).length;
  };

  beforeAll(async () => {
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: WORLD_CANDLES, speed: 1 });
    ctx = await createContext({ sql: await openTestDatabase(), feed });
    app = await buildServer(ctx, { rateLimitFactor: Infinity });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    feed.pause();
    feed.step(5);
    await ctx.trading.drain();
    for (const who of ['risk', 'count', 'daily', 'idem']) {
      const u = await ctx.auth.register(`${who}@race.test`, 'password1');
      userId[who] = u.id;
      token[who] = await ctx.auth.createApiToken(u.id, 'race');
    }
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await ctx?.sql.close();
  });

  it('never exceeds the open-risk limit (1% a trade, 2.5% open at most: two of 30 accepted)', async () => {
    const p = await call('risk', 'PUT', '/risk-profile', { riskPerTradePct: '1', maxOpenRiskPct: '2.5' });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const rs = await burst('risk', { entryPrice: '90', stopLoss: '85', takeProfit: '120' });
    const accepted = checkAnswers(rs, ['open-risk-exceeded']);
    const open = await openTrades('risk');
    expect(open.n).toBe(accepted);
    expect(accepted).toBe(2);
    expect(open.riskPct).toBeLessThanOrEqual(2.5);
  });

  it('never exceeds the position count (3 at most: three of 30 accepted)', async () => {
    const p = await call('count', 'PUT', '/risk-profile', { riskPerTradePct: '0.5', maxOpenPositions: 3 });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const rs = await burst('count', { entryPrice: '90', stopLoss: '85', takeProfit: '120' });
    const accepted = checkAnswers(rs, ['max-open-positions']);
    expect(accepted).toBe(3);
    expect((await openTrades('count')).n).toBe(3);
  });

  it('refuses every one of 30 parallel entries once the daily loss limit is hit', async () => {
    // a loss realised today: a market long stopped out as the replay falls through its stop
    const t = await call('daily', 'POST', '/trades', {
      symbol: 'BTC-USD',
      side: 'buy',
      stopLoss: '103',
      takeProfit: '130',
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    for (let i = 0; i < 20 && (await openTrades('daily')).n > 0; i++) {
      feed.step(1);
      await ctx.trading.drain();
    }
    expect((await openTrades('daily')).n).toBe(0);
    const p = await call('daily', 'PUT', '/risk-profile', { dailyLossLimitPct: '0.1' });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const before = await ctx.sql.query('SELECT count(*)::int AS n FROM trades');
    const rs = await burst('daily', { entryPrice: '80', stopLoss: '75', takeProfit: '120' });
    expect(checkAnswers(rs, ['daily-loss-limit-hit'])).toBe(0);
    expect(await ctx.sql.query('SELECT count(*)::int AS n FROM trades')).toEqual(before);
  });

  it('makes exactly one trade of 20 simultaneous requests with the same Idempotency-Key, all answered alike', async () => {
    const key = `race-${Date.now()}`;
    const rs = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(
          'idem',
          'POST',
          '/trades',
          { symbol: 'BTC-USD', side: 'buy', entryPrice: '80', stopLoss: '75', takeProfit: '120' },
          { 'idempotency-key': key },
        ),
      ),
    );
    for (const r of rs) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ids = new Set(rs.map((r) => r.body.trade.id as number));
    expect(ids.size).toBe(1);
    expect(rs.filter((r) => r.headers.get('idempotent-replayed') !== 'true').length).toBeLessThanOrEqual(1);
    expect((await openTrades('idem')).n).toBe(1);
    const again = await call(
      'idem',
      'POST',
      '/trades',
      { symbol: 'BTC-USD', side: 'buy', entryPrice: '80', stopLoss: '75', takeProfit: '120' },
      { 'idempotency-key': key },
    );
    expect([again.status, again.body.trade.id, again.headers.get('idempotent-replayed')]).toEqual([
      201,
      [...ids][0],
      'true',
    ]);
  });
});
