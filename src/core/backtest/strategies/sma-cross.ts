/**
 * `sma-cross`: the classic moving-average crossover (backtesting.py's `SmaCross` example). When the fast SMA of
 * closes crosses above the slow one (previous bar fast < slow, this bar fast > slow: `crossover`, strict as
 * backtesting.py's, so a tie on either bar is no signal) close any position and buy; when it crosses below, close
 * and sell. Orders use the default size (all available equity).
 *
 * Optional, for risk sizing (Testudo mode): `stopAtr > 0` attaches a stop-loss `stopAtr` ATR(14)s from the close,
 * and `rr > 0` a take-profit `rr` times that distance on the other side. Both default to 0 (off), which is the
 * plain backtesting.py strategy.
 */
import { atr, crossover, sma } from '../indicators.ts';
import type { StrategyDefinition } from '../types.ts';

/** Parameters of `sma-cross`: SMA periods in bars; stop distance in ATRs and reward:risk (0 = none). */
export type SmaCrossParams = { fast: number; slow: number; stopAtr: number; rr: number };

/** The `sma-cross` strategy. */
export const smaCross: StrategyDefinition<SmaCrossParams> = {
  name: 'sma-cross',
  description: 'Fast/slow SMA crossover: buy when fast crosses above slow, sell when it crosses below',
  params: {
    fast: { type: 'int', default: 10, min: 1, description: 'fast SMA period, bars' },
    slow: { type: 'int', default: 20, min: 1, description: 'slow SMA period, bars' },
    stopAtr: { type: 'number', default: 0, min: 0, description: 'stop-loss distance in ATR(14)s (0: no stop)' },
    rr: { type: 'number', default: 0, min: 0, description: 'take-profit distance ÷ stop distance (0: no target)' },
  },
  init({ data, params, indicator }) {
    const fast = indicator(`SMA(${params.fast})`, sma(data.close, params.fast));
    const slow = indicator(`SMA(${params.slow})`, sma(data.close, params.slow));
    const range =
      params.stopAtr > 0 ? indicator('ATR(14)', atr(data.high, data.low, data.close, 14), { overlay: false }) : null;
    const bracket = (long: boolean, i: number): { sl?: number; tp?: number } => {
      if (range === null) return {};
      const c = data.close[i]!;
      const dist = params.stopAtr * range[i]!;
      const side = long ? 1 : -1;
      const tp = params.rr > 0 ? c + side * params.rr * dist : undefined;
      return { sl: c - side * dist, ...(tp !== undefined && tp > 0 ? { tp } : {}) };
    };
    return (ctx) => {
      const i = ctx.i;
      if (crossover(fast, slow, i)) {
        ctx.closePosition();
        ctx.buy(bracket(true, i));
      } else if (crossover(slow, fast, i)) {
        ctx.closePosition();
        ctx.sell(bracket(false, i));
      }
    };
  },
};
