/**
 * The live feed on CCXT pro's `watchOHLCV` against the simulated exchange's Binance gateway (real HTTP and
 * WebSocket; klines built from the market's own trades on the wall clock), and the recorder storing its closed bars
 * into the candle store. One closed 1m bar is waited for, so the main test lasts until the current minute ends.
 * PGlite by default, PostgreSQL with `TESTUDO_TEST_DB=postgres`.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Candle } from '../core/marketdata/candle.ts';
import { readCandlePage } from '../db/candles.ts';
import {
  cashUser,
  limitOrder,
  spotMarket,
  startGatewayWorld,
  type CashUser,
  type GatewayWorld,
} from '../server/binance/test-world.ts';
import { LiveFeed, createExchange, type LiveFeedErrorContext } from './live.ts';
import { CandleRecorder } from './venue-candles.ts';

const MIN = 60_000;
let w: GatewayWorld;
let marketId: number;
let alice: CashUser;
let bob: CashUser;
const stops: (() => Promise<unknown>)[] = [];

async function trade(price: string, size: string): Promise<void> {
  await limitOrder(w.ctx, alice, marketId, 'sell', price, size);
  await limitOrder(w.ctx, bob, marketId, 'buy', price, size);
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Starts forwarding TCP connections on 127.0.0.1:`port` to `target` (`host:port`); resolves once listening. `close()`
 * drops the open connections too.
 */
async function tcpProxy(port: number, target: string): Promise<{ close(): Promise<void> }> {
  const [host, to] = target.split(':');
  const sockets = new Set<Socket>();
  const srv: Server = createServer((client) => {
    const upstream = connect(Number(to), host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    },
  };
}

beforeAll(async () => {
  w = await startGatewayWorld();
  const admin = await cashUser(w.ctx, 'admin@venue-candles.test', true, '0');
  marketId = await spotMarket(w.ctx, admin.id, { name: 'LV Tudo', symbol: 'LVTUDOUSD', baseAsset: 'LVTUDO' });
  alice = await cashUser(w.ctx, 'alice@venue-candles.test');
  bob = await cashUser(w.ctx, 'bob@venue-candles.test');
  await w.ctx.exchange.depositAsset(marketId, alice.account, '100');
  await trade('20.00', '1'); // a price, so the kline stream has something to show at once
}, 60_000);

afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  await w?.close();
});

describe('the live feed on the kline stream, stored as bars close', () => {
  it('gets a closed bar from watchOHLCV, by REST polling while the stream is unreachable, back on the stream once it is up; all stored', async () => {
    const api = `http://${w.host}/binance`;
    const errors: LiveFeedErrorContext[] = [];
    const streamed = new LiveFeed({
      symbols: ['LVTUDO-USD'],
      timeframe: '1m',
      apiBaseUrl: api,
      stream: true,
      pollMs: 200,
      historyBars: 0,
    });
    const fallback = new LiveFeed({
      symbols: ['LVTUDO-USD'],
      timeframe: '1m',
      apiBaseUrl: api,
      wsBaseUrl: `ws://127.0.0.1:${await deadPort()}`,
      stream: true,
      pollMs: 200,
      streamRetryMs: 1_000,
      historyBars: 0,
      onError: (_e, c) => errors.push(c),
    });
    // a stream that is down at first and comes up later (a proxy started on its port)
    const laterPort = await deadPort();
    const recovering = new LiveFeed({
      symbols: ['LVTUDO-USD'],
      timeframe: '1m',
      apiBaseUrl: api,
      wsBaseUrl: `ws://127.0.0.1:${laterPort}/binance`,
      stream: true,
      pollMs: 200,
      streamRetryMs: 500,
      historyBars: 0,
      onError: () => undefined,
    });
    stops.push(() => recovering.stop());
    // CCXT's generic path (what other exchanges get): numbers from watchOHLCV, a bar closed when the next one starts
    const generic = createExchange({ apiBaseUrl: api, pro: true });
    (generic as { id: string }).id = 'binance-generic';
    const genericFeed = new LiveFeed({
      symbols: ['LVTUDO-USD'],
      timeframe: '1m',
      exchange: generic,
      stream: true,
      pollMs: 200,
      historyBars: 0,
    });
    stops.push(
      () => genericFeed.stop(),
      () => generic.close(),
    );
    const seen = {
      streamed: [] as Candle[],
      fallback: [] as Candle[],
      recovering: [] as Candle[],
      generic: [] as Candle[],
    };
    genericFeed.onCandle((_s, c) => seen.generic.push(c));
    recovering.onCandle((_s, c) => seen.recovering.push(c));
    streamed.onCandle((_s, c) => seen.streamed.push(c));
    fallback.onCandle((_s, c) => seen.fallback.push(c));
    const recordWs = new CandleRecorder(w.sql, { timeframe: '1m', flushMs: 50, storeSymbol: () => 'LV-STREAM' });
    const recordRest = new CandleRecorder(w.sql, { timeframe: '1m', flushMs: 50, storeSymbol: () => 'LV-REST' });
    recordWs.attach(streamed);
    recordRest.attach(fallback);
    stops.push(
      () => streamed.stop(),
      () => fallback.stop(),
      () => recordWs.close(),
      () => recordRest.close(),
    );
    await streamed.start();
    await fallback.start();
    await recovering.start();
    await genericFeed.start();

    // the stream answers: no more REST polls; the dead stream leaves the other feed polling
    await vi.waitFor(() => expect(streamed.mode).toBe('stream'), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(errors.some((c) => c.op === 'watchOHLCV')).toBe(true), {
      timeout: 10_000,
      interval: 50,
    });
    expect(fallback.mode).toBe('poll');
    // back to the stream once it is reachable
    await vi.waitFor(() => expect(recovering.errorCount).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    expect(recovering.mode).toBe('poll');
    const proxy = await tcpProxy(laterPort, w.host);
    stops.push(() => proxy.close());

    const minute = Math.floor(Date.now() / MIN) * MIN;
    await trade('20.50', '2');
    await trade('20.25', '0.5');
    const minuteAfter = Math.floor(Date.now() / MIN) * MIN;
    // the bar of the trades (should the minute have ended between them, the later one)
    const target = minuteAfter;
    // a new subscriber of the gateway's kline stream hears from it once the kline changes: after the trades
    await vi.waitFor(() => expect(genericFeed.mode).toBe('stream'), { timeout: 10_000, interval: 50 });
    const genericStreamedBeforeClose = Date.now() < target + MIN;
    const ours = (cs: Candle[]): Candle | undefined => cs.find((c) => c.time === target);
    await vi.waitFor(
      () => {
        expect(ours(seen.streamed)).toBeDefined();
        expect(ours(seen.fallback)).toBeDefined();
      },
      { timeout: 2 * MIN, interval: 200 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(target + MIN); // closed bars only
    // both trades in the bar (unless a minute ended between them): high and close in exact decimal text
    if (minute === minuteAfter) expect(ours(seen.streamed)).toMatchObject({ high: '20.5', close: '20.25' });
    // the recovered stream delivers (the gateway sends a new subscriber the kline once it changes): polling stops
    await vi.waitFor(() => expect(recovering.mode).toBe('stream'), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(ours(seen.recovering)).toEqual(ours(seen.streamed)), {
      timeout: 10_000,
      interval: 50,
    });
    await vi.waitFor(() => expect(ours(seen.generic)).toEqual(ours(seen.streamed)), {
      timeout: 10_000,
      interval: 50,
    });
    if (genericStreamedBeforeClose) expect(genericFeed.emitted.stream).toBeGreaterThanOrEqual(1);
    // the same bar, exact decimal text, whichever way it came
    expect(ours(seen.fallback)).toEqual(ours(seen.streamed));
    expect(streamed.emitted.stream).toBeGreaterThanOrEqual(1);
    expect(fallback.emitted.stream).toBe(0);
    expect(fallback.emitted.poll).toBeGreaterThanOrEqual(1);
    // each bar once, in order
    for (const list of [seen.streamed, seen.fallback, seen.recovering, seen.generic]) {
      const times = list.map((c) => c.time);
      expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
    }

    // stored as they closed
    for (const symbol of ['LV-STREAM', 'LV-REST']) {
      await vi.waitFor(
        async () => {
          const rows = await readCandlePage(w.sql, { symbol, timeframe: '1m' }, undefined, 100);
          const row = rows.find((r) => r.time === target);
          expect(row).toBeDefined();
          const { complete: _, ...bar } = row!;
          expect(bar).toEqual(ours(seen.streamed));
        },
        { timeout: 10_000, interval: 100 },
      );
    }
    const rolled = await readCandlePage(w.sql, { symbol: 'LV-STREAM', timeframe: '5m' }, undefined, 10);
    expect(rolled.length).toBeGreaterThan(0);
    expect(recordWs.errorCount + recordRest.errorCount).toBe(0);
  }, 150_000);
});

describe('CandleRecorder', () => {
  it('drops a bar the store refuses (counted), and stores good bars once each with their newest reading', async () => {
    const failures: string[] = [];
    const rec = new CandleRecorder(w.sql, {
      timeframe: '1m',
      flushMs: 10,
      storeSymbol: (s) => s,
      onError: (_e, s) => failures.push(s),
    });
    stops.push(() => rec.close());
    const bar = (i: number, close: string): Candle => ({
      time: Date.UTC(2024, 0, 1) + i * MIN,
      open: '10',
      high: '11',
      low: '9',
      close,
      volume: '1',
    });
    // a malformed bar (high below low) is refused by the store: counted, dropped, never retried
    rec.add('REC-BAD', { ...bar(0, '10'), high: '8' });
    await rec.flush();
    expect(rec.errorCount).toBe(1);
    expect(rec.dropped).toBe(1);
    expect(failures).toEqual(['REC-BAD']);
    // good bars, one repeated with a newer reading: stored once each, the newer values kept
    rec.add('REC-OK', bar(0, '10'));
    rec.add('REC-OK', bar(1, '10.5'));
    rec.add('REC-OK', bar(1, '10.75'));
    await rec.flush();
    expect(rec.stored).toBe(2);
    expect(rec.pending).toBe(0);
    const rows = await readCandlePage(w.sql, { symbol: 'REC-OK', timeframe: '1m' }, undefined, 10);
    expect(rows.map((r) => r.close)).toEqual(['10', '10.75']);
    // the same bars again: nothing new
    rec.add('REC-OK', bar(1, '10.75'));
    await rec.flush();
    expect(rec.stored).toBe(2);
  });

  it('keeps the bars of a failed write and stores them once the database accepts them again', async () => {
    const rec = new CandleRecorder(w.sql, { timeframe: '1m', flushMs: 10 });
    stops.push(() => rec.close());
    const bar = (i: number): Candle => ({
      time: Date.UTC(2024, 0, 2) + i * MIN,
      open: '10',
      high: '11',
      low: '9',
      close: '10',
      volume: '1',
    });
    // the database refuses these rows for a while (a constraint stands in for an outage of the store)
    await w.sql.query(`ALTER TABLE candles ADD CONSTRAINT rec_block CHECK (symbol <> 'REC-RETRY')`);
    try {
      rec.add('REC-RETRY', bar(0));
      rec.add('REC-RETRY', bar(1));
      await rec.flush();
      expect(rec.errorCount).toBe(1);
      expect(rec.pending).toBe(2);
      expect(rec.dropped).toBe(0);
      rec.add('REC-RETRY', bar(2)); // the feed goes on meanwhile
    } finally {
      await w.sql.query('ALTER TABLE candles DROP CONSTRAINT rec_block');
    }
    await rec.flush();
    expect(rec.pending).toBe(0);
    expect(rec.stored).toBe(3);
    const rows = await readCandlePage(w.sql, { symbol: 'REC-RETRY', timeframe: '1m' }, undefined, 10);
    expect(rows.map((r) => r.time)).toEqual([0, 1, 2].map((i) => bar(i).time));
  });
});
