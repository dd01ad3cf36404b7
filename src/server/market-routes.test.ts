/**
 * Market data routes over a real server: chart bars from a replay (never its future) merged with the candle store,
 * higher timeframes aggregated from the feed, the chartable symbols, and candle file uploads by admins with progress
 * over a real WebSocket. PGlite by default, PostgreSQL with `TESTUDO_TEST_DB=postgres`.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { ingestCandles } from '../db/candles.ts';
import { openTestDatabase } from '../db/testing.ts';
import type { CandleListener, MarketFeed } from '../feed/feed.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { buildServer } from './app.ts';

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;
type Msg = { type: string; data: Record<string, unknown> };

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1); // a Monday
const s = (ms: number): number => ms / 1000;
/** Bar i: open 100+i, high +2, low −1, close +1, volume 1.5. */
const bar = (i: number, t0 = T0, len = HOUR): Candle => ({
  time: t0 + i * len,
  open: `${100 + i}`,
  high: `${102 + i}`,
  low: `${99 + i}`,
  close: `${101 + i}`,
  volume: '1.5',
});
const hours = Array.from({ length: 100 }, (_, i) => bar(i));

/** A socket of `token` recording every message. */
async function listen(base: string, token: string): Promise<{ messages: Msg[]; close(): void }> {
  const ws = new WebSocket(`ws://${base}/ws?token=${token}`);
  const messages: Msg[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Msg));
  await new Promise<void>((resolve) => ws.on('open', resolve));
  await expect.poll(() => messages.some((m) => m.type === 'hello')).toBe(true);
  return { messages, close: () => ws.close() };
}

describe('market data routes over a replay', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let feed: ReplayFeed;
  let base: string;
  let adminToken: string;
  let admin: Record<string, string>;
  let admin2: Record<string, string>;
  let trader: Record<string, string>;
  const get = async (url: string, headers = trader) => app.inject({ method: 'GET', url, headers });
  const bars = async (query: string) => {
    const r = await get(`/api/v1/candles?${query}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const stored = async (symbol: string): Promise<number> =>
    Number((await ctx.sql.query('SELECT count(*)::int AS n FROM candles WHERE symbol = $1', [symbol]))[0]!.n);

  beforeAll(async () => {
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: hours });
    ctx = await createContext({ sql: await openTestDatabase(), feed });
    app = await buildServer(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const user = async (email: string, isAdmin: boolean): Promise<string> => {
      const u = await ctx.auth.register(email, 'password1');
      if (isAdmin) await ctx.auth.setAdmin(email, true);
      return ctx.auth.createApiToken(u.id, 't');
    };
    adminToken = await user('market-admin@example.com', true);
    admin = { authorization: `Bearer ${adminToken}` };
    admin2 = { authorization: `Bearer ${await user('market-admin2@example.com', true)}` };
    trader = { authorization: `Bearer ${await user('market-trader@example.com', false)}` };
    // The store holds the whole series, the replay's future included (with 4h, 1d and 1w rolled up).
    await ingestCandles(ctx.sql, 'BTC-USD', '1h', hours);
    feed.step(10); // now = T0 + 10h
    await ctx.trading.drain();
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('returns the played bars (epoch seconds, decimal text) and never a bar after the replay clock', async () => {
    const r = await bars('symbol=BTC-USD&timeframe=1h');
    expect(r).toMatchObject({ symbol: 'BTC-USD', timeframe: '1h', feed: 'replay', feedTime: s(T0 + 10 * HOUR) });
    expect(r.more).toBe(false);
    expect(r.bars).toHaveLength(10);
    expect(r.bars[0]).toEqual({
      time: s(T0),
      open: '100',
      high: '102',
      low: '99',
      close: '101',
      volume: '1.5',
      complete: true,
    });
    expect(r.bars.at(-1).time).toBe(s(T0 + 9 * HOUR));
    // the stored 1d and 1w bars (which know the next 90 hours) are not shown: the day is built from the 10 bars
    const day = await bars('symbol=BTC-USD&timeframe=1d');
    expect(day.bars).toEqual([
      { time: s(T0), open: '100', high: '111', low: '99', close: '110', volume: '15.0', complete: false },
    ]);
    const week = await bars('symbol=BTC-USD&timeframe=1w');
    expect(week.bars.map((b: { high: string }) => b.high)).toEqual(['111']);
    // asking for a range in the future gives nothing
    const future = await bars(`symbol=BTC-USD&timeframe=1h&from=${new Date(T0 + 20 * HOUR).toISOString()}`);
    expect(future.bars).toEqual([]);
  });

  it('aggregates a higher timeframe from the feed, the forming bucket marked incomplete', async () => {
    const r = await bars('symbol=BTC-USD&timeframe=4h');
    expect(r.bars).toEqual([
      { time: s(T0), open: '100', high: '105', low: '99', close: '104', volume: '6.0', complete: true },
      { time: s(T0 + 4 * HOUR), open: '104', high: '109', low: '103', close: '108', volume: '6.0', complete: true },
      // bars 8 and 9 only: the store's full bucket (bars 8..11) would show the future
      { time: s(T0 + 8 * HOUR), open: '108', high: '111', low: '107', close: '110', volume: '3.0', complete: false },
    ]);
  });

  it('pages with from, to (ISO or epoch seconds) and limit, saying when older bars remain', async () => {
    const r = await bars(
      `symbol=BTC-USD&timeframe=1h&from=${new Date(T0 + 2 * HOUR).toISOString()}&to=${s(T0 + 5 * HOUR)}`,
    );
    expect(r.bars.map((b: { time: number }) => b.time)).toEqual([2, 3, 4].map((i) => s(T0 + i * HOUR)));
    const last3 = await bars('symbol=BTC-USD&timeframe=1h&limit=3');
    expect([last3.bars.map((b: { open: string }) => b.open), last3.more]).toEqual([['107', '108', '109'], true]);
    const older = await bars(`symbol=BTC-USD&timeframe=1h&limit=3&to=${last3.bars[0].time}`);
    expect([older.bars.map((b: { open: string }) => b.open), older.more]).toEqual([['104', '105', '106'], true]);
  });

  it('follows the replay when it is sought backwards: the bars after its new clock disappear', async () => {
    const seek = await app.inject({
      method: 'POST',
      url: '/api/v1/replay/seek',
      headers: admin,
      payload: { time: new Date(T0 + 5 * HOUR).toISOString() },
    });
    expect(seek.statusCode).toBe(200);
    const r = await bars('symbol=BTC-USD&timeframe=1h');
    expect(r.bars.map((b: { open: string }) => b.open)).toEqual(['100', '101', '102', '103', '104']);
    feed.step(5);
    await ctx.trading.drain();
    expect((await bars('symbol=BTC-USD&timeframe=1h')).bars).toHaveLength(10);
  });

  it('refuses an unknown symbol, a bad timeframe, a bad time, from after to and a too large limit', async () => {
    const r = await get(
      `/api/v1/candles?symbol=NOPE-USD&timeframe=2h&from=${s(T0 + HOUR)}&to=${new Date(T0).toISOString()}`,
    );
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields.map((f: { field: string; code: string }) => [f.field, f.code])).toEqual([
      ['timeframe', 'invalid-timeframe'],
      ['from', 'from-after-to'],
      ['symbol', 'unknown-symbol'],
    ]);
    const time = await get('/api/v1/candles?symbol=BTC-USD&timeframe=1h&from=yesterday');
    expect(time.json().error.fields).toMatchObject([{ field: 'from', code: 'invalid-time' }]);
    const limit = await get('/api/v1/candles?symbol=BTC-USD&timeframe=1h&limit=5001');
    expect(limit.json().error.fields).toMatchObject([{ field: 'limit', code: 'too-big' }]);
  });

  it('refuses anonymous callers on every route, and uploads by non-admins', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/candles?symbol=BTC-USD&timeframe=1h'],
      ['GET', '/api/v1/market/symbols'],
      ['POST', '/api/v1/candles/import?symbol=X-USD'],
      ['GET', '/api/v1/candles/imports/00000000-0000-4000-8000-000000000000'],
    ] as const) {
      const r = await app.inject({ method, url, ...(method === 'POST' ? { payload: 'a,b\n' } : {}) });
      expect([url, r.statusCode, r.json().error.code]).toEqual([url, 401, 'unauthenticated']);
    }
    const up = await app.inject({
      method: 'POST',
      url: '/api/v1/candles/import?symbol=X-USD&timeframe=1h',
      headers: { ...trader, 'content-type': 'text/csv' },
      payload: 'time,open,high,low,close\n2024-01-01,1,1,1,1\n',
    });
    expect([up.statusCode, up.json().error.code]).toEqual([403, 'forbidden']);
    // refused before the body is read, whatever its size (the JSON routes' limit is 1 MB)
    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/candles/import?symbol=X-USD',
      headers: { ...trader, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(3_000_000, 0x61),
    });
    expect([big.statusCode, big.json().error.code]).toEqual([403, 'forbidden']);
    expect(await stored('X-USD')).toBe(0);
  });

  it('imports an uploaded CSV as a job, with progress events over /ws to the uploader, into the store', async () => {
    const start = Date.UTC(2023, 5, 1);
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const c = bar(i % 50);
      return `${new Date(start + i * 60_000).toISOString()},${c.open},${c.high},${c.low},${c.close},${c.volume}`;
    });
    const csv = `time,open,high,low,close,volume\n${rows.join('\n')}`;
    const mine = await listen(base, adminToken);
    try {
      const res = await fetch(`http://${base}/api/v1/candles/import?symbol=UPL-USD&timeframe=1m`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'text/csv' },
        body: csv,
      });
      expect(res.status).toBe(202);
      const job = (await res.json()) as { id: string; status: string; total: number };
      expect(job).toMatchObject({ status: 'queued', total: Buffer.byteLength(csv), symbol: 'UPL-USD' });
      await expect
        .poll(() => mine.messages.find((m) => m.type === 'import-done' && m.data.id === job.id), { timeout: 30_000 })
        .toBeDefined();
      const progress = mine.messages.filter((m) => m.type === 'import-progress' && m.data.id === job.id);
      expect(progress.map((p) => p.data.phase)).toContain('storing');
      expect(progress.at(-1)!.data).toMatchObject({ bytes: job.total, total: job.total, rowsTotal: 3000 });
      const done = mine.messages.find((m) => m.type === 'import-done')!.data;
      expect(done).toMatchObject({
        status: 'done',
        timeframe: '1m',
        format: 'csv',
        rows: 3000,
        result: { candles: 3000, inserted: 3000, first: '2023-06-01T00:00:00.000Z', rolledUp: { '5m': 600 } },
      });
      const state = await get(`/api/v1/candles/imports/${job.id}`, admin);
      expect(state.json()).toEqual(done);
      // another admin does not see it, a trader may not look
      expect((await get(`/api/v1/candles/imports/${job.id}`, admin2)).statusCode).toBe(404);
      expect((await get(`/api/v1/candles/imports/${job.id}`, trader)).json().error.code).toBe('forbidden');
      // the upload is in the audit trail
      const [entry] = await ctx.sql.query(
        `SELECT details FROM audit_log WHERE action = 'candles-import' AND details->>'id' = $1`,
        [job.id],
      );
      expect(entry!.details).toMatchObject({ symbol: 'UPL-USD', timeframe: '1m', bytes: job.total });
      expect(await stored('UPL-USD')).toBeGreaterThan(3000);
      // and it is chartable, at the stored timeframes
      const chart = await bars('symbol=UPL-USD&timeframe=5m&limit=2');
      expect(chart).toMatchObject({ feed: null, feedTime: null, more: true });
      expect(chart.bars.at(-1)).toMatchObject({ time: s(start + 2995 * 60_000), complete: true });
    } finally {
      mine.close();
    }
  });

  it('refuses a bad file naming its line, and writes nothing', async () => {
    const mine = await listen(base, adminToken);
    try {
      const body =
        'time,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,1,1,1\n2024-01-01T00:01Z,1,2,1,1,1\n' +
        '2024-01-01T00:02Z,1,2,1,1,1\n2024-01-01T00:03Z,5,4,6,5,1\n';
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/candles/import?symbol=BAD-USD',
        headers: { ...admin, 'content-type': 'application/octet-stream' },
        payload: gzipSync(body),
      });
      expect(r.statusCode).toBe(202);
      const id = r.json().id as string;
      await ctx.market.imports.drain();
      await expect.poll(() => mine.messages.find((m) => m.type === 'import-failed' && m.data.id === id)).toBeDefined();
      const state = (await get(`/api/v1/candles/imports/${id}`, admin)).json();
      expect(state).toMatchObject({ status: 'failed', result: null, rows: 0 });
      expect(state.error).toMatchObject({ code: 'validation-failed' });
      expect(state.error.fields).toMatchObject([{ field: 'file', code: 'high-below-low', line: 5 }]);
      expect(mine.messages.find((m) => m.type === 'import-failed')!.data).toEqual(state);
      expect(await stored('BAD-USD')).toBe(0);
      // a timeframe that does not match the bars, and an empty body, are refused too
      const tf = await app.inject({
        method: 'POST',
        url: '/api/v1/candles/import?symbol=BAD-USD&timeframe=1h',
        headers: { ...admin, 'content-type': 'text/csv' },
        payload: body.replace('5,4,6,5', '5,6,4,5'),
      });
      await ctx.market.imports.drain();
      const tfState = (await get(`/api/v1/candles/imports/${tf.json().id}`, admin)).json();
      expect(tfState.error.fields).toMatchObject([{ field: 'timeframe', code: 'timeframe-mismatch' }]);
      const empty = await app.inject({
        method: 'POST',
        url: '/api/v1/candles/import?symbol=BAD-USD&timeframe=4x',
        headers: { ...admin, 'content-type': 'text/csv' },
        payload: '',
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.fields).toMatchObject([{ field: 'timeframe', code: 'invalid-timeframe' }]);
      expect(await stored('BAD-USD')).toBe(0);
    } finally {
      mine.close();
    }
  });

  it('lists the chartable symbols with their feed, last price and stored timeframes', async () => {
    const r = await get('/api/v1/market/symbols');
    expect(r.statusCode).toBe(200);
    const by = Object.fromEntries(r.json().symbols.map((x: { symbol: string }) => [x.symbol, x]));
    expect(by['BTC-USD']).toEqual({
      symbol: 'BTC-USD',
      feed: 'replay',
      feedTimeframe: '1h',
      lastPrice: '110',
      tradable: true,
      stored: [
        { timeframe: '1h', first: s(T0), last: s(T0 + 99 * HOUR) },
        { timeframe: '4h', first: s(T0), last: s(T0 + 96 * HOUR) },
        { timeframe: '1d', first: s(T0), last: s(T0 + 96 * HOUR) },
        { timeframe: '1w', first: s(T0), last: s(T0) },
      ],
      timeframes: ['1h', '4h', '1d', '1w'],
    });
    expect(by['UPL-USD']).toMatchObject({ feed: null, feedTimeframe: null, lastPrice: null, tradable: false });
    expect(by['UPL-USD'].timeframes).toEqual(['1m', '5m', '15m', '1h', '4h', '1d', '1w']);
    expect(by['ETH-USDT']).toMatchObject({ feed: null, tradable: true, stored: [], timeframes: [] });
  });

  it.runIf(existsSync('../shared/data/coinbase-btcusd-1h.csv'))(
    'imports the real Coinbase hourly file gzipped, its timeframe inferred and its unordered rows reported (skipped without ../shared/data/coinbase-btcusd-1h.csv)',
    async () => {
      const file = gzipSync(readFileSync('../shared/data/coinbase-btcusd-1h.csv'));
      const t = performance.now();
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/candles/import?symbol=CB-BTCUSD',
        headers: { ...admin, 'content-type': 'application/gzip' },
        payload: file,
      });
      expect(r.statusCode).toBe(202);
      await ctx.market.imports.drain();
      const state = (await get(`/api/v1/candles/imports/${r.json().id}`, admin)).json();
      console.log(
        `coinbase-btcusd-1h.csv.gz (${file.length} bytes) imported in ${(performance.now() - t).toFixed(0)} ms`,
      );
      expect(state).toMatchObject({
        status: 'done',
        timeframe: '1h',
        format: 'cryptodatadownload',
        result: { candles: 20111, inserted: 20111, outOfOrder: { rows: 5 } },
      });
      const chart = await bars('symbol=CB-BTCUSD&timeframe=1d&limit=5000');
      expect(chart.bars.length).toBeGreaterThan(800);
    },
  );
});

describe('market data over a live feed', () => {
  /** A live feed stand-in: bars are pushed by the test, the clock is set by it. */
  class PushFeed implements MarketFeed {
    readonly name = 'push';
    readonly timeframe = '1m' as const;
    clock = T0;
    private readonly listeners = new Set<CandleListener>();
    private last: string | undefined;
    constructor(private readonly loaded: Candle[]) {}
    symbols(): string[] {
      return ['ETH-USDT'];
    }
    lastPrice(): string | undefined {
      return this.last;
    }
    now(): number {
      return this.clock;
    }
    history(): Candle[] {
      return [...this.loaded];
    }
    onCandle(l: CandleListener): () => void {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    }
    emit(c: Candle): void {
      this.last = c.close;
      this.clock = c.time + 60_000;
      for (const l of this.listeners) l('ETH-USDT', c);
    }
    async start(): Promise<void> {}
    async stop(): Promise<void> {}
  }

  it("takes a bucket that starts before the feed's first bar from the store, and only the closed ones", async () => {
    const M = 60_000;
    const feed = new PushFeed([bar(2, T0, M), bar(3, T0, M)]);
    feed.clock = T0 + 4 * M;
    const sql = await openTestDatabase();
    const ctx = await createContext({ sql, feed });
    try {
      // the store has minutes 0..9 (5m buckets at 0 and 5 complete): more than the feed, and its future
      await ingestCandles(
        sql,
        'ETH-USDT',
        '1m',
        Array.from({ length: 10 }, (_, i) => bar(i, T0, M)),
      );
      feed.emit(bar(4, T0, M));
      feed.emit(bar(5, T0, M));
      const r = await ctx.market.candles({ symbol: 'ETH-USDT', timeframe: '5m', limit: 10 });
      expect(r.bars).toEqual([
        // minutes 0..4 from the store (the feed's own bucket would start at minute 2)
        { time: s(T0), open: '100', high: '106', low: '99', close: '105', volume: '7.5', complete: true },
        // minute 5 from the feed; the store's bucket (minutes 5..9) has not closed by the feed's clock
        { time: s(T0 + 5 * M), open: '105', high: '107', low: '104', close: '106', volume: '1.5', complete: false },
      ]);
      const minutes = await ctx.market.candles({ symbol: 'ETH-USDT', timeframe: '1m', limit: 100 });
      expect(minutes.bars.map((b) => b.open)).toEqual(['100', '101', '102', '103', '104', '105']);
    } finally {
      await ctx.close();
      await sql.close();
    }
  });

  it('serves the bars the feed loaded and emitted from its ring buffer, and broadcasts each as a candle event', async () => {
    const M = 60_000;
    const feed = new PushFeed([bar(0, T0, M), bar(1, T0, M)]);
    feed.clock = T0 + 2 * M;
    const ctx = await createContext({ sql: await openTestDatabase(), feed });
    const app = await buildServer(ctx);
    try {
      const u = await ctx.auth.register('live@example.com', 'password1');
      const headers = { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` };
      const events: unknown[] = [];
      const off = ctx.events.subscribe(u.id, (e) => e.type === 'candle' && events.push(e.data));
      for (let i = 2; i < 7; i++) feed.emit(bar(i, T0, M));
      off();
      expect(events).toHaveLength(5);
      expect(events[0]).toEqual({
        symbol: 'ETH-USDT',
        timeframe: '1m',
        time: s(T0 + 2 * M),
        open: '102',
        high: '104',
        low: '101',
        close: '103',
        volume: '1.5',
      });
      const r = await app.inject({ method: 'GET', url: '/api/v1/candles?symbol=ETH-USDT&timeframe=5m', headers });
      expect(r.json()).toMatchObject({ feed: 'live', feedTime: s(T0 + 7 * M) });
      expect(r.json().bars).toEqual([
        { time: s(T0), open: '100', high: '106', low: '99', close: '105', volume: '7.5', complete: true },
        { time: s(T0 + 5 * M), open: '105', high: '108', low: '104', close: '107', volume: '3.0', complete: false },
      ]);
      const one = await app.inject({ method: 'GET', url: '/api/v1/candles?symbol=ETH-USDT&timeframe=1m', headers });
      expect(one.json().bars).toHaveLength(7);
      const sym = await app.inject({ method: 'GET', url: '/api/v1/market/symbols', headers });
      expect(sym.json().symbols.find((x: { symbol: string }) => x.symbol === 'ETH-USDT')).toMatchObject({
        feed: 'live',
        feedTimeframe: '1m',
        lastPrice: '107',
        timeframes: ['1m', '5m', '15m', '1h', '4h', '1d', '1w'],
      });
      // without a replay, the replay routes answer 404
      const rep = await app.inject({ method: 'GET', url: '/api/v1/replay', headers });
      expect([rep.statusCode, rep.json().error.code]).toEqual([404, 'no-replay']);
    } finally {
      await app.close();
      await ctx.close();
      await ctx.sql.close();
    }
  });
});
