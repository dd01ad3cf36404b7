/**
 * Backtest and optimisation jobs end to end on a real database (PGlite by default, PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`, where jobs go through pg-boss): candles imported from ../shared/data (skipped with a
 * message when missing), results compared with running the backtester directly.
 */
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from './context.ts';
import type { TradingEvent } from './events.ts';
import type { Sql } from '../db/sql.ts';
import { TEST_DB, TEST_PG_URL, openTestDatabase } from '../db/testing.ts';
import { importCandles } from '../db/candles.ts';
import { loadCandleFile } from '../feed/load.ts';
import { barsFromCandles } from '../core/backtest/series.ts';
import { runBacktest } from '../core/backtest/run.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { rankResults, runGridSerial, expandGrid } from '../optimize/index.ts';
import type { BacktestService, JobDetail } from './backtests.ts';

const GOOG = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));
const have = existsSync(GOOG);
if (!have) console.warn(`skipping the backtest job tests: ${GOOG} is missing`);

let sql: Sql;
let ctx: AppContext;
let schema = 'public';
let candles: Candle[];
let userId: number;
let otherId: number;
const events: TradingEvent[] = [];

async function waitFor(svc: BacktestService, user: number, id: number, ms = 60_000): Promise<JobDetail> {
  const until = Date.now() + ms;
  for (;;) {
    const j = await svc.get(user, id);
    if (j.status === 'done' || j.status === 'failed') return j;
    if (Date.now() > until) throw new Error(`job ${id} still ${j.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function count(table: string, id: number): Promise<number> {
  const [r] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE backtest_id = $1`, [id]);
  return Number(r!.n);
}

beforeAll(async () => {
  if (!have) return;
  sql = await openTestDatabase();
  schema = String((await sql.query('SELECT current_schema() AS s'))[0]!.s);
  ctx = await createContext({ sql, backtests: { localJobs: 1, threads: 2, bossSchema: `${schema}_boss_a` } });
  candles = (await loadCandleFile(GOOG)).candles;
  await importCandles(sql, 'GOOG', '1d', candles);
  userId = (await ctx.auth.register('quant@backtests.test', 'password1')).id;
  otherId = (await ctx.auth.register('other@backtests.test', 'password1')).id;
  ctx.events.subscribe(userId, (e) => events.push(e));
});

afterAll(async () => {
  if (!have) return;
  await ctx?.close();
  if (TEST_DB === 'postgres')
    for (const s of [`${schema}_boss_a`, `${schema}_pgboss`]) await sql.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await sql?.close();
});

describe.skipIf(!have)('backtest jobs', () => {
  it('run a queued backtest to done with the statistics of running the backtester directly', async () => {
    const { id, status } = await ctx.backtests.submitBacktest(userId, {
      strategy: 'sma-cross',
      params: { fast: 10, slow: 30 },
      options: { commission: '0.002' },
      data: { symbol: 'GOOG', timeframe: '1d', from: '2005-01-01' },
    });
    expect(status).toBe('queued');
    const job = await waitFor(ctx.backtests, userId, id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('done');
    const bars = barsFromCandles(candles.filter((c) => c.time >= Date.parse('2005-01-01')));
    const direct = runBacktest(bars, BUILTIN_STRATEGIES['sma-cross']!, { fast: 10, slow: 30 }, { commission: '0.002' });
    expect(job.result!.stats).toEqual(direct.stats);
    expect(job.result!.rStats).toEqual(direct.rStats);
    expect(job.result!.bars).toBe(bars.length);
    expect(job.result!.trades.map((t) => [t.entryBar, t.exitBar, t.size, t.pnl])).toEqual(
      direct.trades.map((t) => [t.entryBar, t.exitBar, t.size, t.pnl]),
    );
    expect(job.result!.equity.length).toBeLessThanOrEqual(1001);
    expect(job.result!.equity.at(-1)![1]).toBeCloseTo(direct.equity[bars.length - 1]!, 6);
    expect(job.progress).toEqual({ done: bars.length, total: bars.length });
    await expect.poll(() => events.some((e) => e.type === ('backtest-done' as string) && e.data.id === id)).toBe(true);
    // another user cannot see it
    await expect(ctx.backtests.get(otherId, id)).rejects.toMatchObject({ code: 'backtest-not-found' });
  });

  it('fail without data, keeping the error code and no result rows', async () => {
    const { id } = await ctx.backtests.submitBacktest(userId, {
      strategy: 'sma-cross',
      data: { symbol: 'NOPE', timeframe: '1d' },
    });
    const job = await waitFor(ctx.backtests, userId, id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('no-data');
    expect(job.result).toBeUndefined();
    expect([await count('backtest_results', id), await count('backtest_trades', id)]).toEqual([0, 0]);
    await expect
      .poll(() => events.find((e) => e.type === ('backtest-failed' as string) && e.data.id === id)?.data.code)
      .toBe('no-data');
  });

  it('refuse a parameter outside its spec before anything is written', async () => {
    const before = await sql.query('SELECT id FROM backtests');
    await expect(
      ctx.backtests.submitBacktest(userId, {
        strategy: 'sma-cross',
        params: { fast: 0, slow: 2.5, nope: 1 },
        data: { symbol: 'GOOG', timeframe: '1d' },
      }),
    ).rejects.toMatchObject({
      code: 'validation-failed',
      issues: [
        { field: 'params.fast', code: 'too-small' },
        { field: 'params.slow', code: 'not-an-integer' },
        { field: 'params.nope', code: 'unknown-param' },
      ],
    });
    expect(await sql.query('SELECT id FROM backtests')).toEqual(before);
  });

  it('rank an optimisation job like the serial loop', async () => {
    const { id } = await ctx.backtests.submitOptimization(userId, {
      strategy: 'sma-cross',
      grid: { fast: { start: 5, stop: 15, step: 5 }, slow: [20, 40] },
      maximize: 'Return [%]',
      constraint: 'fast<slow',
      data: { symbol: 'GOOG', timeframe: '1d' },
    });
    const job = await waitFor(ctx.backtests, userId, id);
    expect(job.status).toBe('done');
    const bars = barsFromCandles(candles);
    const grid = expandGrid([
      { name: 'fast', values: [5, 10, 15] },
      { name: 'slow', values: [20, 40] },
    ]);
    const serial = rankResults(runGridSerial(bars, 'sma-cross', grid, {}), 'Return [%]');
    expect(job.ranking!.results.map((r) => r.params)).toEqual(serial.map((r) => r.params));
    expect(job.ranking!.results.map((r) => r.stats)).toEqual(serial.map((r) => r.stats));
    expect(job.ranking!.results[0]!.rank).toBe(1);
  });
});

describe.skipIf(!have || TEST_DB !== 'postgres')('testudo worker on PostgreSQL (pg-boss)', () => {
  let worker: ChildProcess | null = null;
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
  });

  it('processes a job the server only enqueued', async () => {
    const server = await createContext({ sql, backtests: { localJobs: 0 } });
    try {
      const { id } = await server.backtests.submitBacktest(userId, {
        strategy: 'sma-cross',
        data: { symbol: 'GOOG', timeframe: '1d' },
      });
      await new Promise((r) => setTimeout(r, 500));
      expect((await server.backtests.get(userId, id)).status).toBe('queued');
      const url = new URL(TEST_PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      worker = spawn(process.execPath, [BIN, 'worker', '--database-url', url.toString(), '--threads', '1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const job = await waitFor(server.backtests, userId, id);
      expect(job.status).toBe('done');
      const direct = runBacktest(barsFromCandles(candles), BUILTIN_STRATEGIES['sma-cross']!, {}, {});
      expect(job.result!.stats).toEqual(direct.stats);
    } finally {
      await server.close();
    }
  });
});
