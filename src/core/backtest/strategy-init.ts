/**
 * A strategy's `init` over a bar series, shared by the backtester (`./run.ts`) and the live driver
 * (`../strategy/driver.ts`) so that both see the same indicators, the same `next` and the same warm-up.
 *
 * Warm-up as backtesting.py 0.6.6's `Backtest.run` (`_indicator_warmup_nbars`): for each declared indicator the index
 * of its first value (an indicator with no value at all counts 0 and is listed as valueless), the largest of them.
 */
import { BacktestError, type BarContext, type BarSeries, type Params, type StrategyDefinition } from './types.ts';

/** A declared indicator: its name, its values (NaN where it has none) and whether it is drawn over the price. */
export interface DeclaredIndicator {
  name: string;
  values: Float64Array;
  overlay: boolean;
}

/** What {@link initStrategy} returns. */
export interface InitializedStrategy {
  /** The per-bar function (init's returned function, or the definition's `next` bound to init's state). */
  next: (c: BarContext) => void;
  /** Declared indicators in declaration order. */
  indicators: DeclaredIndicator[];
  /** The warm-up w: the first `next` call is at bar 1 + w. */
  warmup: number;
  /** Names of declared indicators without any value over these bars. */
  valueless: string[];
}

/** The message of anything a strategy throws (an Error, a string, null…). */
export function describeThrown(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : `threw ${String(e)}`;
}

/**
 * Runs `strategy.init` over `bars` with resolved `params` and computes the warm-up.
 * @throws BacktestError `strategy-error` when init throws, an indicator's length differs from the series', or the
 *   strategy has no `next` (neither returned by init nor defined).
 */
export function initStrategy(
  strategy: StrategyDefinition<any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Params,
  bars: BarSeries,
): InitializedStrategy {
  const n = bars.length;
  const indicators: DeclaredIndicator[] = [];
  let next: (c: BarContext) => void;
  try {
    const made: unknown = strategy.init({
      data: bars,
      params,
      indicator: (name, values, opts) => {
        if (values.length !== n)
          throw new BacktestError('strategy-error', `indicator ${name} has ${values.length} values for ${n} bars`);
        const v = Float64Array.from(values);
        indicators.push({ name, values: v, overlay: opts?.overlay ?? true });
        return v;
      },
    });
    if (typeof made === 'function') next = made as (c: BarContext) => void;
    else if (typeof strategy.next === 'function') {
      const perBar = strategy.next.bind(strategy);
      next = (c) => perBar(c, made);
    } else
      throw new BacktestError(
        'strategy-error',
        `strategy ${strategy.name}: init must return the next function, or the strategy must define next`,
      );
  } catch (e) {
    if (e instanceof BacktestError) throw e;
    throw new BacktestError('strategy-error', `strategy ${strategy.name} failed in init: ${describeThrown(e)}`);
  }
  let warmup = 0;
  const valueless: string[] = [];
  for (const ind of indicators) {
    let k = 0;
    while (k < n && Number.isNaN(ind.values[k]!)) k++;
    if (k === n) valueless.push(ind.name);
    else if (k > warmup) warmup = k;
  }
  return { next, indicators, warmup, valueless };
}
