/**
 * `sma-cross`: the classic moving-average crossover (backtesting.py's `SmaCross` example). When the fast SMA of
 * closes crosses above the slow one (previous bar fast < slow, this bar fast > slow) close any position and buy;
 * when it crosses below, close and sell. Orders use the default size (all available equity).
 */
import { sma } from '../indicators.ts';
import type { StrategyDefinition } from '../types.ts';

/** Parameters of `sma-cross`: SMA periods in bars. */
export type SmaCrossParams = { fast: number; slow: number };

/** The `sma-cross` strategy. */
export const smaCross: StrategyDefinition<SmaCrossParams> = {
  name: 'sma-cross',
  description: 'Fast/slow SMA crossover: buy when fast crosses above slow, sell when it crosses below',
  params: {
    fast: { type: 'int', default: 10, min: 1, description: 'fast SMA period, bars' },
    slow: { type: 'int', default: 20, min: 1, description: 'slow SMA period, bars' },
  },
  init({ data, params, indicator }) {
    const fast = indicator(`SMA(${params.fast})`, sma(data.close, params.fast));
    const slow = indicator(`SMA(${params.slow})`, sma(data.close, params.slow));
    return (ctx) => {
      const i = ctx.i;
      if (i === 0) return;
      const f0 = fast[i - 1]!;
      const s0 = slow[i - 1]!;
      const f1 = fast[i]!;
      const s1 = slow[i]!;
      if (f0 < s0 && f1 > s1) {
        ctx.closePosition();
        ctx.buy();
      } else if (s0 < f0 && s1 > f1) {
        ctx.closePosition();
        ctx.sell();
      }
    };
  },
};
