import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { ReplayFeed } from '../feed/replay.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { buildServer } from './app.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const candles: Candle[] = Array.from({ length: 10 }, (_, i) => ({
  time: T0 + i * HOUR,
  open: `${100 + i}`,
  high: `${101 + i}`,
  low: `${99 + i}`,
  close: `${100.5 + i}`,
  volume: '1',
}));

describe('replay controls', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let feed: ReplayFeed;
  let auth: Record<string, string>;

  beforeAll(async () => {
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, speed: 1 });
    ctx = await createContext({ sql: await openTestDatabase(), feed });
    app = await buildServer(ctx);
    const user = await ctx.auth.register('replay@example.com', 'password1');
    auth = { authorization: `Bearer ${await ctx.auth.createApiToken(user.id, 't')}` };
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('steps bars while paused and reports the last price and the market time', async () => {
    await app.inject({ method: 'POST', url: '/api/v1/replay/pause', headers: auth });
    const r = await app.inject({ method: 'POST', url: '/api/v1/replay/step', headers: auth, payload: { bars: 3 } });
    expect(r.statusCode).toBe(200);
    // three bars emitted: the last is bar 2 (close 102.5), and "now" is its close time
    expect(r.json()).toMatchObject({
      index: 3,
      paused: true,
      lastPrice: '102.5',
      time: new Date(T0 + 3 * HOUR).toISOString(),
    });
  });

  it('seeks without emitting the skipped bars', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/replay/seek',
      headers: auth,
      payload: { time: new Date(T0 + 7 * HOUR).toISOString() },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ index: 7, lastPrice: '106.5' });
  });

  it('changes the speed and validates it', async () => {
    const ok = await app.inject({
      method: 'PUT',
      url: '/api/v1/replay/speed',
      headers: auth,
      payload: { barsPerSecond: 20 },
    });
    expect(ok.json()).toMatchObject({ speed: 20 });
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/v1/replay/speed',
      headers: auth,
      payload: { barsPerSecond: -1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'barsPerSecond', code: 'too-small' });
  });

  it('requires authentication', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/replay' });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('unauthenticated');
  });
});
