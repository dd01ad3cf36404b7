/**
 * The worker-thread side of the pool (see `pool.ts`). Messages in:
 * - `{ type: 'bars', bars: SharedBars }` once: the bars, in shared memory;
 * - `{ type: 'grid', strategy, options, tasks: [{ index, params }] }`: a chunk of grid points, answered with
 *   `{ type: 'grid-results', results: GridResult[] }`;
 * - `{ type: 'backtest', strategy, params, options }`: one full backtest, answered with `progress` messages
 *   (`{ type: 'progress', done, total }`, at most every 100 ms) and then `{ type: 'backtest-result', result }` (the
 *   result without indicators, warnings and timings) or `{ type: 'backtest-error', error: { code, message } }`.
 */
import { parentPort } from 'node:worker_threads';
import { runBacktest } from '../core/backtest/run.ts';
import type { BacktestOptions, BarSeries, Params } from '../core/backtest/types.ts';
import { barsFromShared, type SharedBars } from './shared.ts';
import { builtinStrategy, errorInfo, evaluate } from './evaluate.ts';
import type { WorkerBacktestResult } from './pool.ts';

/** A message from the pool to a worker. */
export type ToWorker =
  | { type: 'bars'; bars: SharedBars }
  | {
      type: 'grid';
      strategy: string;
      options: BacktestOptions;
      tasks: { index: number; params: Params }[];
    }
  | { type: 'backtest'; strategy: string; params: Params; options: BacktestOptions };

const port = parentPort;
let bars: BarSeries | null = null;

port?.on('message', (m: ToWorker) => {
  if (m.type === 'bars') {
    bars = barsFromShared(m.bars);
    return;
  }
  if (!bars) throw new Error('worker: bars not loaded');
  if (m.type === 'grid') {
    const results = m.tasks.map((t) => evaluate(bars!, m.strategy, t.index, t.params, m.options));
    port.postMessage({ type: 'grid-results', results });
    return;
  }
  let last = 0;
  try {
    const r = runBacktest(bars, builtinStrategy(m.strategy), m.params, m.options, (done, total) => {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      port.postMessage({ type: 'progress', done, total });
    });
    const result: WorkerBacktestResult = {
      stats: r.stats,
      rStats: r.rStats,
      trades: r.trades,
      equity: r.equity,
      drawdown: r.drawdown,
      firstTradingBar: r.firstTradingBar,
      rejections: r.rejections,
    };
    port.postMessage({ type: 'backtest-result', result });
  } catch (e) {
    port.postMessage({ type: 'backtest-error', error: errorInfo(e) });
  }
});
