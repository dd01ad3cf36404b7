import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barsFromCandles } from '../core/backtest/series.ts';
import type { BarSeries } from '../core/backtest/types.ts';
import { readAll } from '../core/marketdata/source.ts';
import { ingestCandles } from '../db/candles.ts';
import { migrate } from '../db/migrate.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { loadCandleFile } from '../feed/load.ts';
import { readStoredBars } from './bars-store.ts';
import { PgDataSource } from './sources.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const haveData = existsSync(`${DATA}coinbase-btcusd-1h.csv`);
if (!haveData) console.warn(`skipping stored-bars tests: ${DATA} is absent`);

let sql: Sql;
beforeAll(async () => {
  sql = await openTestDatabase();
  await migrate(sql);
});
afterAll(async () => {
  await sql?.close();
});

/** Every column as plain arrays, so toEqual compares each float exactly. */
const plain = (b: BarSeries | undefined): unknown =>
  b && {
    length: b.length,
    tickSize: b.tickSize,
    cols: [b.time, b.open, b.high, b.low, b.close, b.volume, ...Object.values(b.ticks)].map((a) => Array.from(a)),
  };

/** The general path: PgDataSource's complete candles through barsFromCandles. */
async function general(range: Parameters<typeof readStoredBars>[1], tickSize?: string): Promise<BarSeries> {
  const candles = await readAll(new PgDataSource(sql, { completeOnly: true, batchSize: 3000 }), range);
  return barsFromCandles(candles, tickSize === undefined ? {} : { tickSize });
}

describe.skipIf(!haveData)('readStoredBars', () => {
  it('reads the same series as the general path, in pages, over a range and with a tick size', async () => {
    const { candles } = await loadCandleFile(`${DATA}coinbase-btcusd-1h.csv`);
    await ingestCandles(sql, 'FAST-BTC', '1h', candles, { rollup: false });
    const range = { symbol: 'FAST-BTC', timeframe: '1h' as const };
    const all = await readStoredBars(sql, range, { pageRows: 4096 });
    expect(all?.length).toBe(20_111);
    expect(plain(all)).toEqual(plain(await general(range)));
    const sub = { ...range, from: candles[1000]!.time, to: candles[3000]!.time };
    expect(plain(await readStoredBars(sql, sub, { pageRows: 333 }))).toEqual(plain(await general(sub)));
    expect(plain(await readStoredBars(sql, range, { tickSize: '0.001' }))).toEqual(
      plain(await general(range, '0.001')),
    );
  });

  it('leaves out incomplete rows as the general path does, and answers undefined where it does not apply', async () => {
    const candles = [
      { time: 3_600_000, open: '10.5', high: '11', low: '10', close: '10.75', volume: '3' },
      { time: 7_200_000, open: '10.75', high: '12', low: '10.5', close: '11', volume: '0.125' },
      { time: 10_800_000, open: '11', high: '11.5', low: '10.25', close: '11.25', volume: '1' },
    ];
    await ingestCandles(sql, 'FAST-INC', '1h', candles, { rollup: false });
    await sql.query(`UPDATE candles SET complete = false WHERE symbol = 'FAST-INC' AND open_time = $1`, [
      new Date(10_800_000),
    ]);
    const range = { symbol: 'FAST-INC', timeframe: '1h' as const };
    const bars = await readStoredBars(sql, range, { pageRows: 2 });
    expect(bars?.length).toBe(2);
    expect(plain(bars)).toEqual(plain(await general(range)));
    // nothing stored, or a price off the given grid: the general path reports it
    expect(await readStoredBars(sql, { symbol: 'NONE', timeframe: '1h' })).toBe(undefined);
    expect(await readStoredBars(sql, range, { tickSize: '0.5' })).toBe(undefined);
  });
});

/** How many column-cache blocks the series has, and whether its extent is cached. */
async function cached(symbol: string, timeframe: string): Promise<{ blocks: number; extent: boolean }> {
  const [b] = await sql.query<{ n: unknown }>(
    'SELECT count(*) AS n FROM candle_blocks WHERE symbol = $1 AND timeframe = $2',
    [symbol, timeframe],
  );
  const e = await sql.query('SELECT 1 FROM candle_block_extents WHERE symbol = $1 AND timeframe = $2', [
    symbol,
    timeframe,
  ]);
  return { blocks: Number(b?.n), extent: e.length === 1 };
}

const H = 3_600_000;
/** `n` hourly candles from `start` (ms), prices walking by a cent and a half-cent. */
function hourly(
  start: number,
  n: number,
  base = 100,
): { time: number; open: string; high: string; low: string; close: string; volume: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const o = base + (i % 50) / 100;
    return {
      time: start + i * H,
      open: o.toFixed(2),
      high: (o + 0.5).toFixed(2),
      low: (o - 0.25).toFixed(3),
      close: (o + 0.005).toFixed(3),
      volume: String((i % 7) / 4),
    };
  });
}

describe('the candle store column cache', () => {
  const SPAN = 8192 * H;

  it('is built on the first read, then read alone, and equals the rows across block edges and gaps', async () => {
    // two runs of rows with a gap of more than a whole block between them
    const a = hourly(2 * SPAN - 100 * H, 300);
    const b = hourly(5 * SPAN + 7 * H, 50, 200);
    await ingestCandles(sql, 'CACHE-A', '1h', [...a, ...b], { rollup: false });
    const range = { symbol: 'CACHE-A', timeframe: '1h' as const };
    expect(await cached('CACHE-A', '1h')).toEqual({ blocks: 0, extent: false });
    const first = await readStoredBars(sql, range);
    expect(first?.length).toBe(350);
    expect(plain(first)).toEqual(plain(await general(range)));
    // blocks 1 (end of the first run), 2, 3 and 4 (empty: the gap), 5
    expect(await cached('CACHE-A', '1h')).toEqual({ blocks: 5, extent: true });
    // read again from the blocks alone: the same, over the whole and over sub-ranges cutting blocks
    expect(plain(await readStoredBars(sql, range))).toEqual(plain(first));
    for (const sub of [
      { from: 2 * SPAN - 3 * H, to: 2 * SPAN + 3 * H },
      { from: 2 * SPAN + 190 * H, to: 5 * SPAN + 9 * H },
      { from: 3 * SPAN, to: 4 * SPAN },
      { to: 2 * SPAN },
    ]) {
      const r = { ...range, ...sub };
      const bars = await readStoredBars(sql, r);
      const rows = await readStoredBars(sql, r, { cache: false });
      expect(plain(bars)).toEqual(plain(rows));
      if (rows) expect(plain(bars)).toEqual(plain(await general(r)));
    }
  });

  it('is rebuilt after every kind of write: changed rows, new rows past the end, a rollup', async () => {
    const rows = hourly(10 * SPAN, 400);
    await ingestCandles(sql, 'CACHE-W', '1h', rows);
    const h1 = { symbol: 'CACHE-W', timeframe: '1h' as const };
    const h4 = { symbol: 'CACHE-W', timeframe: '4h' as const };
    await readStoredBars(sql, h1);
    await readStoredBars(sql, h4);
    expect((await cached('CACHE-W', '1h')).extent && (await cached('CACHE-W', '4h')).extent).toBe(true);

    // a merge changes a stored price: 1h and the 4h bucket rolled up from it
    const changed = { ...rows[200]!, high: '999.5' };
    await ingestCandles(sql, 'CACHE-W', '1h', [changed]);
    expect((await cached('CACHE-W', '1h')).extent).toBe(false);
    const after = await readStoredBars(sql, h1);
    expect(after?.high[200]).toBe(999.5);
    expect(plain(after)).toEqual(plain(await general(h1)));
    expect(plain(await readStoredBars(sql, h4))).toEqual(plain(await general(h4)));
    expect((await readStoredBars(sql, h4))?.high.includes(999.5)).toBe(true);

    // rows past the end (a new block too)
    await ingestCandles(sql, 'CACHE-W', '1h', hourly(11 * SPAN + 5 * H, 10, 300));
    const grown = await readStoredBars(sql, h1);
    expect(grown?.length).toBe(410);
    expect(plain(grown)).toEqual(plain(await general(h1)));
    expect(plain(await readStoredBars(sql, h4))).toEqual(plain(await general(h4)));
  });

  it('caches a series whose symbol holds COPY and SQL specials (quote, backslash, tab)', async () => {
    const symbol = "we'ird\\sym\tbol";
    await ingestCandles(sql, symbol, '1h', hourly(40 * SPAN, 12), { rollup: false });
    const range = { symbol, timeframe: '1h' as const };
    const built = await readStoredBars(sql, range);
    expect(await cached(symbol, '1h')).toEqual({ blocks: 1, extent: true });
    expect(plain(await readStoredBars(sql, range))).toEqual(plain(built));
    expect(plain(built)).toEqual(plain(await general(range)));
  });

  it('serves a database that refuses writes from the rows, caching nothing', async () => {
    await ingestCandles(sql, 'CACHE-RO', '1h', hourly(20 * SPAN, 30), { rollup: false });
    const readOnly: Sql = {
      ...sql,
      tx: (fn) =>
        sql.tx(async (q) => {
          await q.query('SET TRANSACTION READ ONLY');
          return fn(q);
        }),
    };
    const range = { symbol: 'CACHE-RO', timeframe: '1h' as const };
    const bars = await readStoredBars(readOnly, range);
    expect(bars?.length).toBe(30);
    expect(plain(bars)).toEqual(plain(await general(range)));
    expect(await cached('CACHE-RO', '1h')).toEqual({ blocks: 0, extent: false });
  });
  it('a reader building blocks during a write of the series waits for it and then sees it', async () => {
    await ingestCandles(sql, 'CACHE-L', '1h', hourly(30 * SPAN, 20), { rollup: false });
    const range = { symbol: 'CACHE-L', timeframe: '1h' as const };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const writer = sql.tx(async (q) => {
      await ingestCandles(q, 'CACHE-L', '1h', hourly(30 * SPAN + 20 * H, 5), { rollup: false });
      wrote();
      await gate;
    });
    await written;
    let done = false;
    const reader = readStoredBars(sql, range).then((b) => ((done = true), b));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    release();
    await writer;
    const bars = await reader;
    expect(bars?.length).toBe(25);
    expect(plain(bars)).toEqual(plain(await general(range)));
  });
});
