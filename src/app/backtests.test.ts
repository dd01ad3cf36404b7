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
import { rankResults, runGridSerial, expandGrid, optimize, prepareGrid } from '../optimize/index.ts';
import {
  executeChunk,
  planChunks,
  startJobWorker,
  type BacktestService,
  type JobDetail,
  type JobWorker,
  type OptimizationInput,
} from './backtests.ts';

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
    for (const s of [`${schema}_boss_a`, `${schema}_boss_c`, `${schema}_pgboss`])
      await sql.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
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

describe.skipIf(!have || TEST_DB !== 'postgres')('pg-boss worker (needs TESTUDO_TEST_DB=postgres)', () => {
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

describe('planChunks', () => {
  it('cuts a grid into consecutive chunks of 1 to 100 points, about 16 of them', () => {
    expect(planChunks(3)).toEqual([
      { first: 0, points: 1 },
      { first: 1, points: 1 },
      { first: 2, points: 1 },
    ]);
    const big = planChunks(1000);
    expect(big.length).toBe(16);
    expect(big.reduce((n, c) => n + c.points, 0)).toBe(1000);
    expect(big.every((c, k) => k === 0 || c.first === big[k - 1]!.first + big[k - 1]!.points)).toBe(true);
    expect(Math.max(...planChunks(10_000).map((c) => c.points))).toBe(100);
  });
});

describe.skipIf(!have || TEST_DB !== 'postgres')('pg-boss chunks (needs TESTUDO_TEST_DB=postgres)', () => {
  const spec: OptimizationInput = {
    strategy: 'sma-cross',
    grid: { fast: { start: 5, stop: 20, step: 5 }, slow: [20, 30, 40] },
    maximize: 'Return [%]',
    constraint: 'fast<slow',
    options: { commission: '0.001' },
    data: { symbol: 'GOOG', timeframe: '1d' },
  };
  const bossSchema = (): string => `${schema}_boss_c`;

  async function localRanking(): Promise<{ params: unknown; stats: unknown }[]> {
    const g = prepareGrid({
      strategy: 'sma-cross',
      axes: [
        { name: 'fast', values: [5, 10, 15, 20] },
        { name: 'slow', values: [20, 30, 40] },
      ],
      constraint: 'fast<slow',
      maximize: 'Return [%]',
      options: { commission: '0.001' },
    });
    const out = await optimize(barsFromCandles(candles), g, { commission: '0.001' }, { workers: 2 });
    return out.ranked.map((r) => ({ params: r.params, stats: JSON.parse(JSON.stringify(r.stats)) }));
  }

  it('is shared by two concurrent workers and ranks like the local pool', async () => {
    const server = await createContext({ sql, backtests: { localJobs: 0, bossSchema: bossSchema() } });
    const workers: JobWorker[] = [];
    const seen: TradingEvent[] = [];
    server.events.subscribe(userId, (e) => seen.push(e));
    try {
      const { id } = await server.backtests.submitOptimization(userId, spec);
      const chunks = await sql.query('SELECT chunk FROM optimization_chunks WHERE backtest_id = $1', [id]);
      expect(chunks.length).toBe(11); // 11 grid points after fast<slow, one per chunk
      for (const name of ['worker-a', 'worker-b'])
        workers.push(
          await startJobWorker(sql, { bossSchema: bossSchema(), threads: 1, name, pollingIntervalSeconds: 0.5 }),
        );
      const job = await waitFor(server.backtests, userId, id);
      expect(job.error).toBeNull();
      expect(job.status).toBe('done');
      expect(job.ranking!.total).toBe(11);
      expect(job.ranking!.bars).toBe(candles.length);
      expect(job.ranking!.results.map((r) => ({ params: r.params, stats: r.stats }))).toEqual(await localRanking());
      expect(job.ranking!.results.map((r) => r.rank)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      const by = await sql.query<{ worker: string; n: number }>(
        `SELECT worker, count(*)::int AS n FROM optimization_chunks WHERE backtest_id = $1 AND status = 'done'
          GROUP BY worker ORDER BY worker`,
        [id],
      );
      expect(by.map((r) => r.worker)).toEqual(['worker-a', 'worker-b']);
      expect(by.reduce((n, r) => n + Number(r.n), 0)).toBe(11);
      expect(await count('optimization_points', id)).toBe(0);
      // the server republishes progress in grid points, then done
      await expect.poll(() => seen.some((e) => e.type === 'backtest-done' && e.data.id === id)).toBe(true);
      const progress = seen.filter((e) => e.type === 'backtest-progress' && e.data.id === id);
      expect(progress.at(-1)!.data).toMatchObject({ kind: 'optimization', done: 11, total: 11 });
    } finally {
      for (const w of workers) await w.stop();
      await server.close();
    }
  });

  it('is ranked exactly once when every chunk finishes at the same time', async () => {
    const server = await createContext({ sql, backtests: { localJobs: 0, bossSchema: bossSchema() } });
    try {
      const { id } = await server.backtests.submitOptimization(userId, spec);
      const outcomes = await Promise.all(
        Array.from({ length: 11 }, (_, k) => executeChunk(sql, id, k, { threads: 1 })),
      );
      expect(outcomes.filter((s) => s === 'done')).toHaveLength(1);
      expect(outcomes.filter((s) => s === 'running')).toHaveLength(10);
      const job = await server.backtests.get(userId, id);
      expect(job.status).toBe('done');
      expect(job.ranking!.results.map((r) => ({ params: r.params, stats: r.stats }))).toEqual(await localRanking());
      expect(await count('optimization_results', id)).toBe(11);
      // a chunk delivered again (a pg-boss retry) changes nothing
      expect(await executeChunk(sql, id, 3, { threads: 1 })).toBeNull();
      expect(await count('optimization_results', id)).toBe(11);
    } finally {
      await server.close();
    }
  });

  it('fails with the failing chunk’s code and presents no partial ranking', async () => {
    const server = await createContext({ sql, backtests: { localJobs: 0, bossSchema: bossSchema() } });
    try {
      const { id } = await server.backtests.submitOptimization(userId, {
        ...spec,
        data: { symbol: 'NOPE', timeframe: '1d' },
      });
      const outcomes = await Promise.all(
        Array.from({ length: 11 }, (_, k) => executeChunk(sql, id, k, { threads: 1 })),
      );
      expect(outcomes.filter((s) => s === 'failed')).toHaveLength(1);
      const job = await server.backtests.get(userId, id);
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe('no-data');
      expect(job.ranking).toBeUndefined();
      expect([await count('optimization_results', id), await count('optimization_points', id)]).toEqual([0, 0]);
    } finally {
      await server.close();
    }
  });
});
