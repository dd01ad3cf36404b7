/**
 * `breakout`: a Donchian-style channel breakout with an ATR stop and risk sizing. When flat and the close breaks
 * above the highest high of the previous `lookback` bars, buy with a stop-loss `atrMult` ATRs below the close and a
 * take-profit `rr` times that distance above; breaks below the lowest low go short when `shorts` is on.
 *
 * Size: risk `riskPct` percent of equity between entry and stop: the order asks for the fraction of equity whose
 * notional risks that much (units = equity × risk ÷ stop distance, at most 99.99% of equity). In Testudo mode the
 * engine sizes from the stop itself at the risk profile's risk per trade (Van Tharp, fees included, the same code as
 * live trading) and `riskPct` is not used.
 */
import { atr, priorHighest, priorLowest } from '../indicators.ts';
import type { StrategyDefinition } from '../types.ts';

/** Parameters of `breakout`. */
export type BreakoutParams = {
  lookback: number;
  atrPeriod: number;
  atrMult: number;
  rr: number;
  riskPct: number;
  shorts: boolean;
};

/** The `breakout` strategy. */
export const breakout: StrategyDefinition<BreakoutParams> = {
  name: 'breakout',
  description: 'Channel breakout with an ATR stop-loss, a reward:risk take-profit and risk sizing from the stop',
  params: {
    lookback: { type: 'int', default: 20, min: 1, description: 'channel length, bars' },
    atrPeriod: { type: 'int', default: 14, min: 1, description: 'ATR period, bars' },
    atrMult: { type: 'number', default: 2, min: 0.1, description: 'stop distance in ATRs' },
    rr: { type: 'number', default: 3, min: 0.1, description: 'take-profit distance ÷ stop distance' },
    riskPct: { type: 'number', default: 1, min: 0.01, max: 100, description: 'risk per trade, percent of equity' },
    shorts: { type: 'boolean', default: true, description: 'also trade downside breakouts' },
  },
  init({ data, params, indicator }) {
    const hi = indicator(`High(${params.lookback})`, priorHighest(data.high, params.lookback));
    const lo = indicator(`Low(${params.lookback})`, priorLowest(data.low, params.lookback));
    const a = indicator(`ATR(${params.atrPeriod})`, atr(data.high, data.low, data.close, params.atrPeriod), {
      overlay: false,
    });
    const risk = params.riskPct / 100;
    return (ctx) => {
      if (ctx.positionSize !== 0) return;
      const i = ctx.i;
      const c = data.close[i]!;
      const dist = params.atrMult * a[i]!;
      if (!(dist > 0)) return;
      const size = Math.min(0.9999, (risk * c) / dist);
      if (c > hi[i]!) ctx.buy({ size, sl: c - dist, tp: c + params.rr * dist, tag: 'breakout-long' });
      else if (params.shorts && c < lo[i]! && c - params.rr * dist > 0)
        ctx.sell({ size, sl: c + dist, tp: c - params.rr * dist, tag: 'breakout-short' });
    };
  },
};
