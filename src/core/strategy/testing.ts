/**
 * Test helper of the live strategy runner: a spy that records, bar by bar, what a strategy did inside a backtest (the open trades it saw and the calls it made).
 */
import type { BarContext, OpenTradeView, OrderOptions, StrategyDefinition } from '../backtest/types.ts';
import type { StrategyIntent } from './driver.ts';

/** What a strategy saw and did on one bar of a backtest. */
export interface SpiedBar {
  i: number;
  trades: OpenTradeView[];
  intents: StrategyIntent[];
}

/** Any strategy definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = StrategyDefinition<any, any>;

/**
 * Wraps `def` so every `next` call records the bar index, a copy of the open trades and the calls as intents (the
 * driver's shape: size dropped) into `out`, then forwards the calls to the backtester.
 */
export function spyStrategy(def: AnyStrategy, out: SpiedBar[]): AnyStrategy {
  return {
    name: def.name,
    description: def.description,
    params: def.params,
    init(ictx) {
      const made = def.init(ictx);
      const next =
        typeof made === 'function' ? (made as (c: BarContext) => void) : (c: BarContext) => def.next!(c, made);
      return (c: BarContext) => {
        const rec: SpiedBar = { i: c.i, trades: c.trades.map((t) => ({ ...t })), intents: [] };
        out.push(rec);
        const order =
          (kind: 'buy' | 'sell', f: (o?: OrderOptions) => void) =>
          (o: OrderOptions = {}): void => {
            rec.intents.push({
              kind,
              sl: o.sl ?? null,
              tp: o.tp ?? null,
              limit: o.limit ?? null,
              stop: o.stop ?? null,
              tag: o.tag ?? null,
            });
            f(o);
          };
        const spied: BarContext = {
          get i() {
            return c.i;
          },
          data: c.data,
          get positionSize() {
            return c.positionSize;
          },
          get trades() {
            return c.trades;
          },
          equity: () => c.equity(),
          buy: order('buy', (o) => c.buy(o)),
          sell: order('sell', (o) => c.sell(o)),
          closePosition: () => {
            rec.intents.push({ kind: 'close' });
            c.closePosition();
          },
          cancelOrders: () => {
            rec.intents.push({ kind: 'cancel' });
            c.cancelOrders();
          },
        };
        next(spied);
      };
    },
  };
}
