/** Built-in example strategies by name. */
import type { StrategyDefinition } from '../types.ts';
import { breakout } from './breakout.ts';
import { smaCross } from './sma-cross.ts';

/** Built-in strategies by kebab-case name: `sma-cross`, `breakout`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const BUILTIN_STRATEGIES: Record<string, StrategyDefinition<any>> = {
  [smaCross.name]: smaCross,
  [breakout.name]: breakout,
};
