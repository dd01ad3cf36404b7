import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../core/backtest/run.ts';
import { barsFromCandles } from '../core/backtest/series.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import { readAll } from '../core/marketdata/source.ts';
import { ingestCandles } from '../db/candles.ts';
import { migrate } from '../db/migrate.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { FileDataSource, PgDataSource } from './sources.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const FILES = [
  { file: 'coinbase-btcusd-1h.csv', symbol: 'BTC-USD', timeframe: '1h' as const, bars: 20_111 },
  { file: 'freqtrade-unittest-btc-1m.json', symbol: 'UNIT-BTC', timeframe: '1m' as const, bars: 13_681 },
];
const haveData = existsSync(DATA + FILES[0]!.file) && existsSync(DATA + FILES[1]!.file);
if (!haveData) console.warn(`skipping data source tests: ${DATA} is absent`);

let sql: Sql;
beforeAll(async () => {
  sql = await openTestDatabase();
  await migrate(sql);
});
afterAll(async () => {
  await sql?.close();
});

describe.skipIf(!haveData)('FileDataSource and PgDataSource', () => {
  it.each(FILES)('yield identical candles for $file after import', async ({ file, symbol, timeframe, bars }) => {
    const fileSource = new FileDataSource(DATA + file, { symbol, timeframe });
    await ingestCandles(sql, symbol, timeframe, await fileSource.candles());
    const pgSource = new PgDataSource(sql, { batchSize: 5000 });
    const range = { symbol, timeframe };
    const fromFile = await readAll(fileSource, range);
    const fromPg = await readAll(pgSource, range);
    expect(fromFile).toHaveLength(bars);
    expect(fromPg).toEqual(fromFile);
    // a sub-range, [from, to)
    const from = fromFile[1000]!.time;
    const to = fromFile[3000]!.time;
    const sub = await readAll(pgSource, { ...range, from, to });
    expect(sub).toEqual(fromFile.slice(1000, 3000));
    expect(await readAll(fileSource, { ...range, from, to })).toEqual(sub);
  });

  it('stream ascending non-empty batches and nothing for an unknown series', async () => {
    const { file, symbol, timeframe } = FILES[0]!;
    const pg = new PgDataSource(sql, { batchSize: 7000 });
    const sizes: number[] = [];
    let prev = -Infinity;
    for await (const batch of pg.stream({ symbol, timeframe })) {
      sizes.push(batch.length);
      for (const c of batch) {
        expect(c.time).toBeGreaterThan(prev);
        prev = c.time;
      }
    }
    expect(sizes).toEqual([7000, 7000, 6111]);
    expect(await readAll(pg, { symbol: 'NOPE', timeframe })).toEqual([]);
    const f = new FileDataSource(DATA + file, { symbol, timeframe });
    expect(await readAll(f, { symbol: 'NOPE', timeframe })).toEqual([]);
    expect(await readAll(f, { symbol, timeframe: '1d' })).toEqual([]);
    // without a declared symbol/timeframe the file source serves any name
    expect(await readAll(new FileDataSource(DATA + file), { symbol: 'ANY', timeframe: '1d' })).toHaveLength(20_111);
  });

  it('serve rolled-up timeframes from the store, leaving out an incomplete last bucket on request', async () => {
    const { symbol } = FILES[0]!;
    const all = await readAll(new PgDataSource(sql), { symbol, timeframe: '4h' });
    const complete = await readAll(new PgDataSource(sql, { completeOnly: true }), { symbol, timeframe: '4h' });
    // the file ends 2019-10-17 09:00: the 08:00 4h bucket is unfinished
    expect(all.at(-1)!.time).toBe(Date.UTC(2019, 9, 17, 8));
    expect(complete).toEqual(all.slice(0, -1));
  });

  it('give identical backtest results (sma-cross) over the same real file', async () => {
    const { file, symbol, timeframe } = FILES[0]!;
    const range = { symbol, timeframe };
    const run = async (source: FileDataSource | PgDataSource) =>
      runBacktest(barsFromCandles(await readAll(source, range)), BUILTIN_STRATEGIES['sma-cross']!, {
        fast: 10,
        slow: 30,
      });
    const fromFile = await run(new FileDataSource(DATA + file, { symbol, timeframe }));
    const fromPg = await run(new PgDataSource(sql));
    expect(fromFile.trades.length).toBeGreaterThan(10);
    expect(fromPg).toEqual(fromFile);
  });
});
