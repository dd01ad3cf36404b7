/**
 * The worker-thread pool against the serial loop on real data (GOOG daily bars from ../shared/data; skipped with a
 * message when the directory is missing).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { barsFromCandles } from '../core/backtest/series.ts';
import { runBacktest } from '../core/backtest/run.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import { loadCandleFile } from '../feed/load.ts';
import {
  optimize,
  parseAxis,
  prepareGrid,
  runBacktestInWorker,
  runGridParallel,
  runGridSerial,
  WorkerTaskError,
} from './index.ts';

const GOOG = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
const have = existsSync(GOOG);
if (!have) console.warn(`skipping the optimizer pool tests: ${GOOG} is missing`);

describe.skipIf(!have)('optimizer pool', () => {
  it('ranks a grid exactly as the serial loop does', async () => {
    const bars = barsFromCandles((await loadCandleFile(GOOG)).candles);
    const g = prepareGrid({
      strategy: 'sma-cross',
      axes: [parseAxis('fast=5:30:5'), parseAxis('slow=20:60:10')],
      constraint: 'fast<slow',
      maximize: 'SQN',
      options: { commission: '0.002' },
    });
    const serial = await optimize(bars, g, { commission: '0.002' }, { workers: 1 });
    let progress = 0;
    const parallel = await optimize(
      bars,
      g,
      { commission: '0.002' },
      { workers: 3, onProgress: (d) => (progress = d) },
    );
    expect(progress).toBe(g.grid.length);
    expect(parallel.ranked).toEqual(serial.ranked);
    expect(parallel.ranked.map((r) => r.params)).toEqual(serial.ranked.map((r) => r.params));
    expect(serial.ranked[0]!.stats!.SQN).toBeGreaterThanOrEqual(serial.ranked[1]!.stats!.SQN as number);
  });

  it('keeps a failing grid point as an error without stopping the others', async () => {
    const bars = barsFromCandles((await loadCandleFile(GOOG)).candles.slice(0, 300));
    const grid = [
      { fast: 5, slow: 20 },
      { fast: 5, slow: 'x' },
      { fast: 10, slow: 30 },
    ];
    const serial = runGridSerial(bars, 'sma-cross', grid, {});
    const parallel = await runGridParallel(bars, 'sma-cross', grid, {}, { workers: 2 });
    expect(parallel).toEqual(serial);
    expect(parallel[1]!.error?.code).toBe('bad-param');
    expect(parallel[0]!.stats).not.toBeNull();
  });

  it('runs one backtest in a worker thread with the same result as in process', async () => {
    const bars = barsFromCandles((await loadCandleFile(GOOG)).candles);
    const direct = runBacktest(bars, BUILTIN_STRATEGIES['sma-cross']!, { fast: 10, slow: 20 }, {});
    const inWorker = await runBacktestInWorker(bars, 'sma-cross', { fast: 10, slow: 20 }, {});
    expect(inWorker.stats).toEqual(direct.stats);
    expect(inWorker.trades).toEqual(direct.trades);
    expect(Array.from(inWorker.equity)).toEqual(Array.from(direct.equity));
    await expect(runBacktestInWorker(bars, 'nope', {}, {})).rejects.toMatchObject({ code: 'unknown-strategy' });
    await expect(runBacktestInWorker(bars, 'sma-cross', { fast: 0 }, {})).rejects.toBeInstanceOf(WorkerTaskError);
  });
});
