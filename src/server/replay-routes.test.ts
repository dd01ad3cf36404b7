import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { ReplayFeed } from '../feed/replay.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { buildServer } from './app.ts';

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;

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
  let admin: Record<string, string>;
  let trader: Record<string, string>;
  let traderToken: string;
  let base: string;

  beforeAll(async () => {
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, speed: 1 });
    ctx = await createContext({ sql: await openTestDatabase(), feed });
    app = await buildServer(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const a = await ctx.auth.register('replay-admin@example.com', 'password1');
    await ctx.auth.setAdmin('replay-admin@example.com', true);
    admin = { authorization: `Bearer ${await ctx.auth.createApiToken(a.id, 't')}` };
    const t = await ctx.auth.register('replay-trader@example.com', 'password1');
    traderToken = await ctx.auth.createApiToken(t.id, 't');
    trader = { authorization: `Bearer ${traderToken}` };
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('steps bars while paused and reports the last price and the market time', async () => {
    await app.inject({ method: 'POST', url: '/api/v1/replay/pause', headers: admin });
    const r = await app.inject({ method: 'POST', url: '/api/v1/replay/step', headers: admin, payload: { bars: 3 } });
    expect(r.statusCode).toBe(200);
    // three bars emitted: the last is bar 2 (close 102.5), and "now" is its close time
    expect(r.json()).toEqual({
      symbol: 'BTC-USD',
      timeframe: '1h',
      index: 3,
      total: 10,
      paused: true,
      speed: 1,
      done: false,
      lastPrice: '102.5',
      time: new Date(T0 + 3 * HOUR).toISOString(),
    });
  });

  it('refuses every control to a non-admin with 403 forbidden, leaving the replay where it was', async () => {
    const before = feed.state();
    for (const [method, url, payload] of [
      ['POST', '/api/v1/replay/pause', undefined],
      ['POST', '/api/v1/replay/resume', undefined],
      ['POST', '/api/v1/replay/step', { bars: 3000 }],
      ['POST', '/api/v1/replay/seek', { time: new Date(T0 + 8 * HOUR).toISOString() }],
      ['PUT', '/api/v1/replay/speed', { barsPerSecond: 50 }],
    ] as const) {
      const r = await app.inject({ method, url, headers: trader, ...(payload ? { payload } : {}) });
      expect([url, r.statusCode, r.json().error.code]).toEqual([url, 403, 'forbidden']);
    }
    expect(feed.state()).toEqual(before);
    // reading the state stays open to every logged-in user
    const get = await app.inject({ method: 'GET', url: '/api/v1/replay', headers: trader });
    expect(get.statusCode).toBe(200);
    expect(get.json()).toMatchObject({ index: before.index, paused: true });
  });

  it('broadcasts a replay event to every user when an admin changes the replay, and audits the change', async () => {
    const ws = new WebSocket(`ws://${base}/ws?token=${traderToken}`);
    const messages: Array<{ type: string; data: Record<string, unknown> }> = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise<void>((resolve) => ws.on('open', resolve));
    try {
      await expect.poll(() => messages.some((m) => m.type === 'hello')).toBe(true);
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/replay/seek',
        headers: admin,
        payload: { time: new Date(T0 + 7 * HOUR).toISOString() },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ index: 7, lastPrice: '106.5' });
      await expect.poll(() => messages.find((m) => m.type === 'replay')?.data).toEqual(r.json());
      // a step sends the bar as a candle event (epoch seconds, decimal text) and the new state
      await app.inject({ method: 'POST', url: '/api/v1/replay/step', headers: admin, payload: { bars: 1 } });
      await expect
        .poll(() => messages.filter((m) => m.type === 'candle').map((m) => m.data))
        .toEqual([
          {
            symbol: 'BTC-USD',
            timeframe: '1h',
            time: (T0 + 7 * HOUR) / 1000,
            open: '107',
            high: '108',
            low: '106',
            close: '107.5',
            volume: '1',
          },
        ]);
      await expect.poll(() => messages.filter((m) => m.type === 'replay').at(-1)?.data.index).toBe(8);
    } finally {
      ws.close();
    }
    const audit = await ctx.sql.query<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_log WHERE action LIKE 'replay-%' ORDER BY id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['replay-pause', 'replay-step', 'replay-seek', 'replay-step']);
    expect(audit[1]!.details).toMatchObject({ bars: 3, index: 3 });
  });

  it('broadcasts the state when the replay reaches its end', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const off = ctx.events.subscribe(0, (e) => e.type === 'replay' && seen.push(e.data));
    feed.step(100); // played by the timer or stepped: the end is announced either way
    off();
    expect(seen).toEqual([expect.objectContaining({ index: 10, done: true, lastPrice: '109.5' })]);
  });

  it('changes the speed and validates it', async () => {
    const ok = await app.inject({
      method: 'PUT',
      url: '/api/v1/replay/speed',
      headers: admin,
      payload: { barsPerSecond: 20 },
    });
    expect(ok.json()).toMatchObject({ speed: 20 });
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/v1/replay/speed',
      headers: admin,
      payload: { barsPerSecond: -1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'barsPerSecond', code: 'too-small' });
  });

  it('requires authentication', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/replay'],
      ['POST', '/api/v1/replay/step'],
    ] as const) {
      const r = await app.inject({ method, url });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthenticated');
    }
  });
});
