/**
 * `downloadCandles` and `testudo candles download` against the simulated exchange's Binance gateway (CCXT's real
 * `binance` class over HTTP; klines built from the market's own trades), storing into the candle store of the same
 * test database. PGlite by default, PostgreSQL with `TESTUDO_TEST_DB=postgres`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCandlePage, type StoredCandle } from '../db/candles.ts';
import { TEST_DB, TEST_PG_URL } from '../db/testing.ts';
import {
  cashUser,
  limitOrder,
  spotMarket,
  startGatewayWorld,
  type CashUser,
  type GatewayWorld,
} from '../server/binance/test-world.ts';
import { runCandlesDownload } from '../cli/candles.ts';
import { downloadCandles } from './candle-download.ts';

const MIN = 60_000;
let w: GatewayWorld;
let marketId: number;
let alice: CashUser;
let bob: CashUser;
/** Minute of the first backdated trade: six 1m bars T0 … T0+5m exist on the venue. */
let T0: number;
const PAIR = 'DLTUDO/USD';

/** One trade of `size` at `price` (alice sells, bob buys), moved back in time to `at`. */
async function tradeAt(price: string, size: string, at: number | null): Promise<void> {
  await limitOrder(w.ctx, alice, marketId, 'sell', price, size);
  await limitOrder(w.ctx, bob, marketId, 'buy', price, size);
  if (at !== null)
    await w.sql.query('UPDATE ex_trades SET at = $1 WHERE id = (SELECT max(id) FROM ex_trades WHERE market_id = $2)', [
      new Date(at),
      marketId,
    ]);
}

const venue = (): { apiBaseUrl: string } => ({ apiBaseUrl: `http://${w.host}/binance` });
const stored = (symbol: string, timeframe: '1m' | '5m' = '1m'): Promise<StoredCandle[]> =>
  readCandlePage(w.sql, { symbol, timeframe }, undefined, 1000);

beforeAll(async () => {
  w = await startGatewayWorld();
  const admin = await cashUser(w.ctx, 'admin@download.test', true, '0');
  marketId = await spotMarket(w.ctx, admin.id, { name: 'DL Tudo', symbol: 'DLTUDOUSD', baseAsset: 'DLTUDO' });
  alice = await cashUser(w.ctx, 'alice@download.test');
  bob = await cashUser(w.ctx, 'bob@download.test');
  await w.ctx.exchange.depositAsset(marketId, alice.account, '100');
  T0 = Math.floor(Date.now() / MIN) * MIN - 3 * 60 * MIN;
  // bars T0 … T0+5m; T0+2m has two trades (open 10.20, close 10.25, volume 1.5)
  const prices = ['10.00', '10.10', '10.20', '10.30', '10.40', '10.50'];
  for (let i = 0; i < prices.length; i++) {
    await tradeAt(prices[i]!, '1', T0 + i * MIN + 5_000);
    if (i === 2) await tradeAt('10.25', '0.5', T0 + i * MIN + 30_000);
  }
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('downloadCandles from the gateway', () => {
  it('stores the closed bars page by page; a second run resumes after them and adds nothing', async () => {
    const progress: [number, number][] = [];
    const first = await downloadCandles(w.sql, {
      exchange: venue(),
      symbol: PAIR,
      timeframe: '1m',
      since: T0 - 10 * MIN,
      limit: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(first).toMatchObject({
      exchange: 'binance',
      symbol: PAIR,
      storeSymbol: 'DLTUDO-USD',
      candles: 6,
      inserted: 6,
      updated: 0,
      resumedAfter: null,
      first: new Date(T0).toISOString(),
      last: new Date(T0 + 5 * MIN).toISOString(),
    });
    expect(first.requests).toBe(4); // three pages of two bars, then an empty page
    expect(first.rolledUp['5m']).toBeGreaterThan(0);
    const rows = await stored('DLTUDO-USD');
    expect(rows.map((c) => [c.time - T0, c.open, c.high, c.low, c.close, c.volume])).toEqual([
      [0, '10', '10', '10', '10', '1'],
      [MIN, '10.1', '10.1', '10.1', '10.1', '1'],
      [2 * MIN, '10.2', '10.25', '10.2', '10.25', '1.5'],
      [3 * MIN, '10.3', '10.3', '10.3', '10.3', '1'],
      [4 * MIN, '10.4', '10.4', '10.4', '10.4', '1'],
      [5 * MIN, '10.5', '10.5', '10.5', '10.5', '1'],
    ]);
    expect((await stored('DLTUDO-USD', '5m')).length).toBeGreaterThan(0);
    const [lastDone, total] = progress.at(-1)!;
    expect(lastDone).toBe(total);

    const again = await downloadCandles(w.sql, {
      exchange: venue(),
      symbol: PAIR,
      timeframe: '1m',
      since: T0 - 10 * MIN,
    });
    expect(again).toMatchObject({
      candles: 0,
      inserted: 0,
      updated: 0,
      resumedAfter: new Date(T0 + 6 * MIN).toISOString(),
    });
    expect(again.fetchedRanges).toEqual([
      { from: new Date(T0 - 10 * MIN).toISOString(), to: new Date(T0).toISOString() },
      { from: new Date(T0 + 6 * MIN).toISOString(), to: again.until },
    ]);
    expect(await stored('DLTUDO-USD')).toEqual(rows);

    // --full fetches the whole range again: nothing new, nothing changed
    const full = await downloadCandles(w.sql, {
      exchange: venue(),
      symbol: PAIR,
      timeframe: '1m',
      since: T0 - 10 * MIN,
      full: true,
    });
    expect(full).toMatchObject({ candles: 6, inserted: 0, updated: 0, unchanged: 6 });
    expect(await stored('DLTUDO-USD')).toEqual(rows);
  });

  it('an interrupted download (an earlier --until) resumed later ends complete without duplicates', async () => {
    const part = await downloadCandles(w.sql, {
      exchange: venue(),
      symbol: PAIR,
      timeframe: '1m',
      since: T0,
      until: T0 + 3 * MIN,
      storeSymbol: 'DL-RESUME',
      limit: 2,
    });
    expect(part).toMatchObject({ candles: 3, inserted: 3, until: new Date(T0 + 3 * MIN).toISOString() });
    const rest = await downloadCandles(w.sql, {
      exchange: venue(),
      symbol: 'DLTUDO-USD',
      timeframe: '1m',
      since: T0,
      storeSymbol: 'DL-RESUME',
      limit: 2,
    });
    expect(rest).toMatchObject({ candles: 3, inserted: 3, resumedAfter: new Date(T0 + 3 * MIN).toISOString() });
    const strip = (cs: StoredCandle[]): unknown[] => cs.map(({ complete: _, ...c }) => c);
    expect(strip(await stored('DL-RESUME'))).toEqual(strip(await stored('DLTUDO-USD')));
  });

  it('never stores the still-forming bar', async () => {
    const minute = Math.floor(Date.now() / MIN) * MIN;
    await tradeAt('10.60', '1', null); // in the current minute
    const out = await downloadCandles(w.sql, {
      exchange: venue(),
      symbol: PAIR,
      timeframe: '1m',
      since: T0,
      storeSymbol: 'DL-FORMING',
    });
    const times = (await stored('DL-FORMING')).map((c) => c.time);
    // the bar of the trade is stored only if its minute had ended when the download read the venue's clock
    const closedAtStart = Date.parse(out.until) > minute;
    expect(times.includes(minute)).toBe(closedAtStart);
    expect(times.every((t) => t < Date.parse(out.until))).toBe(true);
    expect(times.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * MIN));
  });

  it('refuses an unknown market and an empty range', async () => {
    await expect(
      downloadCandles(w.sql, { exchange: venue(), symbol: 'NOPE/USD', timeframe: '1m', since: T0 }),
    ).rejects.toMatchObject({ code: 'unknown-market' });
    await expect(
      downloadCandles(w.sql, { exchange: venue(), symbol: PAIR, timeframe: '1m', since: T0, until: T0 }),
    ).rejects.toMatchObject({ code: 'invalid-range' });
  });
});

/** A fresh database for the command: a PGlite directory, or a new schema on the PostgreSQL test server. */
async function commandDb(): Promise<{ flags: { dataDir: string; databaseUrl?: string }; drop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'testudo-download-'));
  if (TEST_DB === 'pglite')
    return { flags: { dataDir: join(dir, 'db') }, drop: () => rm(dir, { recursive: true, force: true }) };
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    flags: { dataDir: dir, databaseUrl: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('testudo candles download', () => {
  it('prints a JSON summary; run twice, the second adds nothing', async () => {
    const db = await commandDb();
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const flags = {
        ...db.flags,
        exchange: 'binance',
        symbol: PAIR,
        timeframe: '1m',
        since: new Date(T0).toISOString(),
        until: new Date(T0 + 6 * MIN).toISOString(),
        storeSymbol: 'DL-CLI',
        baseUrl: `http://${w.host}/binance`,
        json: true,
      };
      await runCandlesDownload(flags);
      await runCandlesDownload(flags);
    } finally {
      spy.mockRestore();
      await db.drop();
    }
    const [first, second] = out.map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(first).toMatchObject({ storeSymbol: 'DL-CLI', candles: 6, inserted: 6 });
    expect(second).toMatchObject({ candles: 0, inserted: 0, fetchedRanges: [] });
  });

  it('refuses bad flags before touching the venue', async () => {
    const base = { dataDir: '/nonexistent', exchange: 'binance', symbol: PAIR, timeframe: '1m', since: '2024-01-01' };
    await expect(runCandlesDownload({ ...base, timeframe: '2m' })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(runCandlesDownload({ ...base, since: 'yesterday' })).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(runCandlesDownload({ ...base, until: '2023-12-31' })).rejects.toMatchObject({
      code: 'invalid-option',
    });
    await expect(runCandlesDownload({ ...base, baseUrl: 'ftp://x' })).rejects.toMatchObject({ code: 'invalid-option' });
  });
});
