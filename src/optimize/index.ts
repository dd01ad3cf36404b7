/**
 * The optimiser: a parameter grid of a built-in strategy, run in parallel over worker threads (or serially), ranked
 * by one statistic. Used by `testudo optimize` and by optimisation jobs (`src/app/backtests.ts`).
 */
import type { BacktestOptions, BarSeries, Params, StatKey } from '../core/backtest/types.ts';
import { builtinStrategy, evaluate } from './evaluate.ts';
import {
  OptimizeError,
  expandGrid,
  parseConstraint,
  rankResults,
  resolveStat,
  type GridAxis,
  type GridResult,
} from './grid.ts';
import { checkParams } from './params.ts';
import { runGridParallel, type PoolProgress } from './pool.ts';

export * from './grid.ts';
export { checkParams, checkValue, paramOfField, type ParamIssue } from './params.ts';
export { runGridParallel, runBacktestInWorker, defaultWorkers, WorkerTaskError, AbortedError } from './pool.ts';
export { builtinStrategy } from './evaluate.ts';

/** What to optimise. */
export interface OptimizeSpec {
  /** Built-in strategy name, e.g. `sma-cross`. */
  strategy: string;
  /** The axes of the grid, in order (the first varies slowest). */
  axes: GridAxis[];
  /** Fixed values of other parameters (strategy defaults apply to the rest). */
  fixed?: Params;
  /** A constraint such as `fast<slow`; grid points failing it are skipped. */
  constraint?: string | undefined;
  /** Statistic to maximise (a numeric STAT_KEY, case-insensitive); default `SQN`. */
  maximize?: string | undefined;
  options: BacktestOptions;
}

/** A grid ready to run: its points, the statistic, and how many points the constraint removed. */
export interface PreparedGrid {
  strategy: string;
  grid: Params[];
  maximize: StatKey;
  skipped: number;
}

/** The ranked outcome of an optimisation. */
export interface OptimizeOutcome {
  strategy: string;
  maximize: StatKey;
  /** Grid points run (after the constraint). */
  total: number;
  /** Grid points removed by the constraint. */
  skipped: number;
  /** Every result, best first (see {@link rankResults}). */
  ranked: GridResult[];
}

/** Largest grid accepted. */
export const MAX_GRID = 100_000;

/**
 * Validates a spec and builds its grid.
 * @throws BacktestError `unknown-strategy`; OptimizeError (`bad-param-range`, `bad-constraint`, `unknown-stat`,
 *   `empty-grid`, `grid-too-large`, `duplicate-param`); an OptimizeError `bad-param-range` naming the field when a
 *   value does not fit the strategy's ParamSpec (first issue).
 */
export function prepareGrid(spec: OptimizeSpec, maxGrid = MAX_GRID): PreparedGrid {
  const def = builtinStrategy(spec.strategy);
  const issues = checkParams(def, {
    ...(spec.fixed ?? {}),
    ...Object.fromEntries(spec.axes.map((a) => [a.name, a.values])),
  });
  if (issues.length > 0) throw new OptimizeError('bad-param-range', issues[0]!.message, issues[0]!.field);
  const maximize = resolveStat(spec.maximize ?? 'SQN');
  let grid = expandGrid(spec.axes, spec.fixed ?? {}, maxGrid);
  const all = grid.length;
  if (spec.constraint !== undefined && spec.constraint.trim() !== '') {
    const names = [...new Set([...Object.keys(def.params), ...spec.axes.map((a) => a.name)])];
    const c = parseConstraint(spec.constraint, names);
    const defaults = Object.fromEntries(Object.entries(def.params).map(([k, s]) => [k, s.default]));
    grid = grid.filter((p) => c.test({ ...defaults, ...p }));
  }
  if (grid.length === 0) throw new OptimizeError('empty-grid', 'no grid point satisfies the constraint', 'constraint');
  return { strategy: spec.strategy, grid, maximize, skipped: all - grid.length };
}

/** Evaluates the grid in this thread, in order (the reference the pool must match). */
export function runGridSerial(
  bars: BarSeries,
  strategy: string,
  grid: readonly Params[],
  options: BacktestOptions,
  onProgress?: PoolProgress,
): GridResult[] {
  return grid.map((p, i) => {
    const r = evaluate(bars, strategy, i, p, options);
    onProgress?.(i + 1, grid.length);
    return r;
  });
}

/**
 * Runs a prepared grid (in `workers` threads; 1 = in this thread) and ranks it.
 * @throws what {@link runGridParallel} throws (abort, a dead worker).
 */
export async function optimize(
  bars: BarSeries,
  g: PreparedGrid,
  options: BacktestOptions,
  o: { workers?: number; onProgress?: PoolProgress; signal?: AbortSignal } = {},
): Promise<OptimizeOutcome> {
  const results =
    o.workers === 1
      ? runGridSerial(bars, g.strategy, g.grid, options, o.onProgress)
      : await runGridParallel(bars, g.strategy, g.grid, options, o);
  return {
    strategy: g.strategy,
    maximize: g.maximize,
    total: g.grid.length,
    skipped: g.skipped,
    ranked: rankResults(results, g.maximize),
  };
}
