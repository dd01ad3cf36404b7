/**
 * Example user strategy for `testudo backtest --strategy ./examples/strategies/rsi-reversion.ts`: buy when RSI
 * drops below `lower` with a stop-loss `stopPct` percent under the close, sell when RSI rises above `upper`.
 *
 * It shows the second strategy shape: `init` returns state (the indicators) and `next(ctx, state)` runs per bar.
 * A strategy module's default export is its definition.
 */
import { rsi } from '../../src/core/backtest/indicators.ts';
import type { BarContext, StrategyDefinition } from '../../src/core/backtest/types.ts';

type Params = { period: number; lower: number; upper: number; stopPct: number };
type State = { rsi: Float64Array; params: Params };

const rsiReversion: StrategyDefinition<Params, State> = {
  name: 'rsi-reversion',
  description: 'Buy oversold RSI with a percent stop, sell when overbought',
  params: {
    period: { type: 'int', default: 14, min: 2, description: 'RSI period, bars' },
    lower: { type: 'number', default: 30, min: 0, max: 100, description: 'buy below this RSI' },
    upper: { type: 'number', default: 70, min: 0, max: 100, description: 'sell above this RSI' },
    stopPct: { type: 'number', default: 5, min: 0.1, max: 50, description: 'stop-loss distance, percent of the close' },
  },
  init({ data, params, indicator }) {
    return { rsi: indicator(`RSI(${params.period})`, rsi(data.close, params.period), { overlay: false }), params };
  },
  next(ctx: BarContext, { rsi: r, params }: State) {
    const value = r[ctx.i]!;
    const close = ctx.data.close[ctx.i]!;
    if (ctx.positionSize === 0 && value < params.lower) ctx.buy({ sl: close * (1 - params.stopPct / 100) });
    else if (ctx.positionSize > 0 && value > params.upper) ctx.closePosition();
  },
};

export default rsiReversion;
