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
