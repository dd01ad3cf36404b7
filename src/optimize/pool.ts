/**
 * A pool of worker threads for backtests. The bars go to every worker once, in shared memory (`shared.ts`); then
 * grid points are handed out in small chunks as workers become free, so a slow corner of the grid does not hold the
 * others up. Results are returned in grid order, identical to the serial loop (`evaluate.ts`).
 *
 * The workers are TypeScript modules: each thread registers tsx's loader before importing `worker.ts`, so this works
 * under `node --import tsx`, the `testudo` bin and vitest alike.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { BacktestOptions, BacktestResult, BarSeries, Params } from '../core/backtest/types.ts';
import type { GridResult } from './grid.ts';
import { shareBars, type SharedBars } from './shared.ts';
import type { ToWorker } from './worker.ts';

/** Progress callback: grid points (or bars) done so far and the total. */
export type PoolProgress = (done: number, total: number) => void;

/** A backtest result as it crosses a thread (indicators, warnings and timings left out). */
export type WorkerBacktestResult = Omit<BacktestResult, 'indicators' | 'warnings' | 'timings'>;

/** A failure inside a worker thread: the backtest's stable code (e.g. `bad-param`, `strategy-error`) and message. */
export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The job was aborted through its AbortSignal; code `aborted`. */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  readonly code = 'aborted';
  constructor() {
    super('aborted');
  }
}

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;
const TSX_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs'),
).href;
const BOOT = `import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL)}); });`;

/** Starts one worker thread (tsx registered, then `worker.ts`) and gives it the bars. */
function spawn(bars: SharedBars): Worker {
  const w = new Worker(BOOT, { eval: true });
  w.postMessage({ type: 'bars', bars } satisfies ToWorker);
  return w;
}

/** Default worker count: the machine's available parallelism. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Options of {@link runGridParallel}. */
export interface GridRunOptions {
  /** Threads to use (default: cores), never more than grid points. */
  workers?: number;
  onProgress?: PoolProgress;
  /** Terminates the workers and rejects with {@link AbortedError}. */
  signal?: AbortSignal;
}

/**
 * Evaluates every grid point of a built-in strategy over `bars` in worker threads.
 * @param grid parameter sets, in grid order (`index` = position).
 * @returns one result per grid point, in grid order (errors of single points are in `result.error`).
 * @throws AbortedError when `signal` aborts; an Error when a worker thread dies (then every worker is terminated).
 */
export async function runGridParallel(
  bars: BarSeries,
  strategy: string,
  grid: readonly Params[],
  options: BacktestOptions,
  o: GridRunOptions = {},
): Promise<GridResult[]> {
  const total = grid.length;
  const results: GridResult[] = new Array(total);
  if (total === 0) return results;
  const n = Math.max(1, Math.min(o.workers ?? defaultWorkers(), total));
  const chunk = Math.max(1, Math.min(32, Math.ceil(total / (n * 8))));
  const shared = shareBars(bars);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      if (o.signal?.aborted) return fail(new AbortedError());
      o.signal?.addEventListener('abort', () => fail(new AbortedError()), { once: true });
      const feed = (w: Worker): void => {
        if (next >= total) return;
        const tasks: { index: number; params: Params }[] = [];
        for (; next < total && tasks.length < chunk; next++) tasks.push({ index: next, params: grid[next]! });
        w.postMessage({ type: 'grid', strategy, options, tasks } satisfies ToWorker);
      };
      for (let i = 0; i < n; i++) {
        const w = spawn(shared);
        workers.push(w);
        w.on('message', (m: { type: string; results?: GridResult[] }) => {
          if (m.type !== 'grid-results' || !m.results) return;
          for (const r of m.results) results[r.index] = r;
          done += m.results.length;
          o.onProgress?.(done, total);
          if (done === total) {
            settled = true;
            resolve();
          } else feed(w);
        });
        w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`a backtest worker thread exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/**
 * Runs one full backtest of a built-in strategy in a worker thread (the event loop stays free).
 * @param onProgress bars done and total, at most every 100 ms.
 * @throws WorkerTaskError with the backtest's code (`bad-param`, `strategy-error`, …); AbortedError on abort.
 */
export async function runBacktestInWorker(
  bars: BarSeries,
  strategy: string,
  params: Params,
  options: BacktestOptions,
  onProgress?: PoolProgress,
  signal?: AbortSignal,
): Promise<WorkerBacktestResult> {
  const w = spawn(shareBars(bars));
  try {
    return await new Promise<WorkerBacktestResult>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      signal?.addEventListener('abort', () => reject(new AbortedError()), { once: true });
      w.on(
        'message',
        (m: {
          type: string;
          done?: number;
          total?: number;
          result?: WorkerBacktestResult;
          error?: { code: string; message: string };
        }) => {
          if (m.type === 'progress') onProgress?.(m.done!, m.total!);
          else if (m.type === 'backtest-result') resolve(m.result!);
          else if (m.type === 'backtest-error') reject(new WorkerTaskError(m.error!.code, m.error!.message));
        },
      );
      w.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => reject(new Error(`the backtest worker thread exited with code ${code}`)));
      w.postMessage({ type: 'backtest', strategy, params, options } satisfies ToWorker);
    });
  } finally {
    await w.terminate();
  }
}
