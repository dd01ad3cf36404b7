/**
 * The built-in strategies a run can host on the server, with their declared parameters. The API has no route
 * listing them, so they are read from the very definitions the server runs (`src/core/backtest/strategies`, pure
 * code: names, descriptions and parameter specs; the strategies' code is bundled but never called here).
 */
import { BUILTIN_STRATEGIES } from '../../../../src/core/backtest/strategies/index.ts';
import type { ParamField, StrategyChoice } from './params';

/** The built-in strategies by name, parameters in declaration order. */
export const BUILTINS: StrategyChoice[] = Object.values(BUILTIN_STRATEGIES).map((s) => ({
  name: s.name,
  description: s.description,
  params: Object.entries(s.params as Record<string, Omit<ParamField, 'name'>>).map(([name, p]) => ({
    name,
    type: p.type,
    default: p.default,
    min: p.min,
    max: p.max,
    description: p.description,
  })),
}));
