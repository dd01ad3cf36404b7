import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { ReplayFeed } from '../feed/replay.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { buildServer } from './app.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
// Flat at 100 for 5 bars, then a bar that trades down to 90 (through any stop at 95).
const candles: Candle[] = [
  ...Array.from({ length: 5 }, (_, i) => ({
    time: T0 + i * HOUR,
    open: '100',
    high: '100',
    low: '100',
    close: '100',
    volume: '1',
  })),
  { time: T0 + 5 * HOUR, open: '100', high: '100', low: '90', close: '92', volume: '1' },
];
const LONG = { symbol: 'BTC-USD', side: 'buy', stopLoss: '95', takeProfit: '120' };

describe('input guards and replay time', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let feed: ReplayFeed;
  let auth: Record<string, string>;
  const rows = async (table: string): Promise<number> =>
    Number((await ctx.sql.query(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);

  beforeAll(async () => {
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles });
    ctx = await createContext({ sql: await openTestDatabase(), feed });
    app = await buildServer(ctx);
    const user = await ctx.auth.register('guard@example.com', 'password1');
    await ctx.auth.setAdmin('guard@example.com', true); // replay controls are admin-only
    auth = { authorization: `Bearer ${await ctx.auth.createApiToken(user.id, 't')}` };
    feed.step(3);
    await ctx.trading.drain();
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('refuses text PostgreSQL cannot store (NUL, lone surrogates) with 400 invalid-text and writes nothing', async () => {
    const before = await rows('decisions');
    for (const payload of [
      { ...LONG, setup: 'a\u0000b' },
      { ...LONG, tags: ['\ud800'] },
      { ...LONG, notes: 'x\udfffy' },
    ]) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/trades', headers: auth, payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.fields[0].code).toBe('invalid-text');
    }
    const q = await app.inject({ method: 'GET', url: '/api/v1/trades?symbol=a%00b', headers: auth });
    expect(q.statusCode).toBe(400);
    expect(q.json().error.fields[0]).toMatchObject({ field: 'symbol', code: 'invalid-text' });
    expect(await rows('decisions')).toBe(before);
  });

  it('refuses an Idempotency-Key longer than 200 characters instead of truncating it', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/trades',
      headers: { ...auth, 'idempotency-key': 'k'.repeat(201) },
      payload: LONG,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields[0].code).toBe('invalid-idempotency-key');
  });

  it('refuses a trade on a symbol the feed does not serve: 422 no-market-data', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/trades',
      headers: auth,
      payload: { symbol: 'ETH-USDT', side: 'buy', entryPrice: '100', stopLoss: '95', takeProfit: '120' },
    });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('no-market-data');
  });

  it('refuses absurdly large prices and a near-zero replay speed with a 400', async () => {
    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/sizing',
      headers: auth,
      payload: { ...LONG, takeProfit: '1'.repeat(20) },
    });
    expect(big.statusCode).toBe(400);
    const slow = await app.inject({
      method: 'PUT',
      url: '/api/v1/replay/speed',
      headers: auth,
      payload: { barsPerSecond: 1e-7 },
    });
    expect(slow.statusCode).toBe(400);
  });

  it('accepts POST /auth/tokens and POST /replay/step without a body', async () => {
    const t = await app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: auth });
    expect(t.statusCode).toBe(201);
    const s = await app.inject({ method: 'POST', url: '/api/v1/replay/pause', headers: auth });
    expect(s.statusCode).toBe(200);
  });

  it('never fills a trade with bars older than it, and refuses to seek backwards while it is open', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/trades', headers: auth, payload: LONG });
    expect(r.statusCode).toBe(201);
    const id = r.json().trade.id as number;
    const back = await app.inject({
      method: 'POST',
      url: '/api/v1/replay/seek',
      headers: auth,
      payload: { time: new Date(T0).toISOString() },
    });
    expect(back.statusCode).toBe(409);
    expect(back.json().error.code).toBe('replay-seek-backwards');
    // Replaying an older bar directly (as a restarted feed would) leaves the trade untouched.
    await ctx.trading.onBar('BTC-USD', { time: T0, open: '100', high: '100', low: '80', close: '80', volume: '1' });
    expect((await app.inject({ method: 'GET', url: `/api/v1/trades/${id}`, headers: auth })).json().status).toBe(
      'open',
    );
    // The next real bar trades through the stop.
    const step = await app.inject({ method: 'POST', url: '/api/v1/replay/step', headers: auth, payload: { bars: 3 } });
    expect(step.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/api/v1/trades/${id}`, headers: auth })).json()).toMatchObject({
      status: 'closed',
      exitReason: 'stop',
    });
  });
});
