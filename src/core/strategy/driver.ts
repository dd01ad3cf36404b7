/**
 * The live strategy driver: evaluates a backtester strategy ({@link StrategyDefinition}) on the latest bar of a
 * growing history, exactly as `runBacktest` (src/core/backtest/run.ts) would call it on that bar, and returns what
 * the strategy asked for as intents instead of orders.
 *
 * Semantics, as run.ts:
 * - `init` runs on the whole history so far (vectorised), with the resolved parameters; the declared indicators
 *   decide the warm-up w (the first bar at which every declared indicator has a value), and `next` runs only from
 *   bar 1 + w. On an earlier bar the evaluation is empty. One deliberate difference from a backtest over a short
 *   series: while some indicator has no value at all yet, `next` does not run (run.ts would not let such an
 *   indicator delay it; but a backtest over the whole series, where it gets a value, would not call `next` there,
 *   and that is the backtest a live run must agree with).
 * - `next` sees `i` = the last bar, the history as `data`, the open trades given (oldest first) and their signed
 *   size sum as `positionSize`; `equity()` answers the equity given by the caller (the account's, quote currency).
 * - `buy`/`sell` become `buy`/`sell` intents with `sl`, `tp`, `limit`, `stop` and `tag` as the strategy gave them
 *   (numbers, not yet snapped: see {@link snapToTick}); `size` is ignored (Testudo sizes from the stop).
 *   `closePosition` becomes `close`, `cancelOrders` becomes `cancel`, in call order.
 *
 * Invariants: pure and deterministic (no clock, no I/O, no randomness); the same definition, parameters, history
 * and open trades give the same intents. Nothing the strategy does can change the history or the trades it was
 * given (they are read-only views).
 */
import { resolveParams } from '../backtest/params.ts';
import { isoTime } from '../backtest/series.ts';
import { describeThrown, initStrategy } from '../backtest/strategy-init.ts';
import {
  BacktestError,
  type BarContext,
  type BarSeries,
  type OpenTradeView,
  type OrderOptions,
  type StrategyDefinition,
} from '../backtest/types.ts';

/** An order the strategy placed: side, bracket prices and tag (quote-currency numbers; size is never used). */
export interface OrderIntent {
  kind: 'buy' | 'sell';
  /** Stop-loss price, or null when the strategy gave none (the runner then records `stop-required`). */
  sl: number | null;
  /** Take-profit price, or null. */
  tp: number | null;
  /** Limit price of a limit entry, or null (a market entry). */
  limit: number | null;
  /** Stop price of a stop entry, or null. */
  stop: number | null;
  tag: string | null;
}

/** What the strategy asked for on the latest bar, in call order. */
export type StrategyIntent = OrderIntent | { kind: 'close' } | { kind: 'cancel' };

/** The result of {@link evaluateLatestBar}. */
export interface BarEvaluation {
  /** Intents in the order the strategy made the calls (empty when `acted` is false). */
  intents: StrategyIntent[];
  /** The warm-up w: the first bar at which every declared indicator (that has any value) has one; 0 without any. */
  warmup: number;
  /** Whether `next` ran on the latest bar (its index is ≥ 1 + w). */
  acted: boolean;
  /** Names of declared indicators without any value yet (too few bars for their periods). */
  valueless: string[];
}

/** Optional inputs of {@link evaluateLatestBar}. */
export interface EvaluateOptions {
  /** What `ctx.equity()` answers, quote currency; default NaN (a strategy reading it gets no number). */
  equity?: number;
}

/**
 * Evaluates `strategy` on the latest bar of `bars` (see the module comment for the semantics).
 *
 * @param strategy the strategy definition (a built-in from src/core/backtest/strategies or a user module).
 * @param params raw parameter values by name (text is converted per the specs, as the backtester does).
 * @param bars the history so far, oldest first; its last bar is the bar that just closed.
 * @param trades the run's open trades, oldest first (signed sizes in units; `entryBar` indexes into `bars`).
 * @returns the intents and the warm-up.
 * @throws BacktestError `unknown-param`/`bad-param` for bad parameters, `strategy-error` when `init` or `next`
 *   throws (naming the bar) or an indicator's length differs from the history's.
 */
export function evaluateLatestBar(
  strategy: StrategyDefinition<any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Record<string, unknown>,
  bars: BarSeries,
  trades: readonly OpenTradeView[],
  opts: EvaluateOptions = {},
): BarEvaluation {
  const n = bars.length;
  const resolved = resolveParams(strategy, params);
  if (n === 0) return { intents: [], warmup: 0, acted: false, valueless: [] };
  // init and warm-up exactly as the backtester runs them
  const { next, warmup, valueless } = initStrategy(strategy, resolved, bars);
  const i = n - 1;
  // An indicator without any value yet would not delay a backtest over these bars, but a backtest over the whole
  // series (once it has a value) would not call next here: live, the strategy waits for every indicator.
  if (i < 1 + warmup || valueless.length > 0) return { intents: [], warmup, acted: false, valueless };
  const intents: StrategyIntent[] = [];
  const order =
    (kind: 'buy' | 'sell') =>
    (o: OrderOptions = {}): void => {
      const num = (x: number | undefined): number | null => (x === undefined || x === null ? null : x);
      intents.push({
        kind,
        sl: num(o.sl),
        tp: num(o.tp),
        limit: num(o.limit),
        stop: num(o.stop),
        tag: o.tag ?? null,
      });
    };
  const views = trades.map((t) => Object.freeze({ ...t }));
  const ctx: BarContext = {
    i,
    data: bars,
    positionSize: views.reduce((s, t) => s + t.size, 0),
    trades: Object.freeze(views),
    equity: () => opts.equity ?? Number.NaN,
    buy: order('buy'),
    sell: order('sell'),
    closePosition: () => intents.push({ kind: 'close' }),
    cancelOrders: () => intents.push({ kind: 'cancel' }),
  };
  try {
    next(ctx);
  } catch (e) {
    if (e instanceof BacktestError) throw e;
    throw new BacktestError(
      'strategy-error',
      `strategy ${strategy.name} failed at bar ${i} (${isoTime(bars.time[i]!)}): ${describeThrown(e)}`,
      { bar: i, time: bars.time[i] },
    );
  }
  return { intents, warmup, acted: true, valueless };
}

/** Number of decimals of a tick size given as decimal text ("0.01" → 2, "5" → 0). */
function decimalsOf(tickSize: string): number {
  const dot = tickSize.indexOf('.');
  return dot < 0 ? 0 : tickSize.length - dot - 1;
}

/**
 * Snaps a strategy's price to the tick grid as the backtester does (`Math.round(price / tick)` ticks) and returns
 * it as decimal text; null for null. Exact: the tick count is an integer and the text is built from it.
 * @throws RangeError when the price is not finite or does not snap to a positive number of ticks (`bad-price`).
 */
export function snapToTick(price: number | null, tickSize: string): string | null {
  if (price === null) return null;
  const ticks = Math.round(price / Number(tickSize));
  if (!Number.isFinite(price) || !(ticks > 0) || !Number.isSafeInteger(ticks))
    throw new RangeError(`price ${price} is not a positive price on the tick grid of ${tickSize}`);
  const dp = decimalsOf(tickSize);
  const scale = 10n ** BigInt(dp);
  const tickUnits = BigInt(tickSize.replace('.', ''));
  const v = BigInt(ticks) * tickUnits;
  const int = v / scale;
  const frac = (v % scale).toString().padStart(dp, '0').replace(/0+$/, '');
  return frac ? `${int}.${frac}` : `${int}`;
}
