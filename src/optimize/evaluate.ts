/**
 * One grid point: runs a built-in strategy over bars and keeps its statistics, or the error that stopped it. Used
 * by the worker threads and by the serial loop alike, so both give identical results.
 */
import { runBacktest } from '../core/backtest/run.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import {
  BacktestError,
  type BacktestOptions,
  type BarSeries,
  type Params,
  type StrategyDefinition,
} from '../core/backtest/types.ts';
import type { GridResult } from './grid.ts';

/**
 * The built-in strategy called `name`.
 * @throws BacktestError `unknown-strategy` naming the built-ins.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function builtinStrategy(name: string): StrategyDefinition<any> {
  const s = Object.hasOwn(BUILTIN_STRATEGIES, name) ? BUILTIN_STRATEGIES[name] : undefined;
  if (!s)
    throw new BacktestError(
      'unknown-strategy',
      `unknown strategy "${name}": built-ins are ${Object.keys(BUILTIN_STRATEGIES).join(', ') || '(none yet)'}`,
    );
  return s;
}

/** An error as plain data (crosses worker boundaries and is stored): a stable code and a message. */
export function errorInfo(e: unknown): { code: string; message: string } {
  if (e instanceof BacktestError) return { code: e.code, message: e.message };
  return { code: 'strategy-error', message: e instanceof Error ? e.message : String(e) };
}

/** Runs `strategy` with `params` over `bars`; a thrown error becomes the result's `error` (stats null). */
export function evaluate(
  bars: BarSeries,
  strategy: string,
  index: number,
  params: Params,
  options: BacktestOptions,
): GridResult {
  try {
    const r = runBacktest(bars, builtinStrategy(strategy), params, options);
    return { index, params, stats: r.stats, rStats: r.rStats, error: null };
  } catch (e) {
    return { index, params, stats: null, rStats: null, error: errorInfo(e) };
  }
}
