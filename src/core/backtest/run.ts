/**
 * The backtest engine: an event-driven, deterministic bar loop with a broker whose order semantics are those of
 * backtesting.py (kernc/backtesting.py `_Broker`), on exact integers.
 *
 * Warm-up as backtesting.py 0.6.6's `Backtest.run`: w = the largest over declared indicators of the index of their
 * first value (`_indicator_warmup_nbars`: `isnan(values).argmin()`, so an indicator with no value at all counts 0);
 * the loop starts at bar 1 + w ("+1 to have at least two entries available"), and equity before it is the cash.
 * Per bar i from 1 + w:
 *   1. pending orders are processed against bar i (stop-loss orders first, then orders in placement order);
 *   2. equity[i] = cash + open P&L at close[i] is recorded (equity ≤ 0 closes the open trades at that close and ends
 *      the run; like backtesting.py's `_Broker.next`, which removes trades from the list it iterates, it closes the
 *      1st, 3rd, 5th… open trade and leaves the others out of the statistics);
 *   3. the strategy's `next` runs and may place or cancel orders.
 * `finalizeTrades` after the last bar, as backtesting.py: a market order closing each open trade is put at the front
 * of the queue (in the trades' order) and the broker runs once more on the last bar with that bar's values, so the
 * trades close at the last bar's open (with `tradeOnClose`: at the previous bar's close, booked on that bar, as any
 * market order there), orders the strategy placed on the last bar are processed too, and equity[last] is recorded
 * again.
 * Fills: a market order placed on bar i fills at bar i+1's open (`tradeOnClose`: at bar i's close, booked on bar i);
 * a stop order triggers when the bar trades at or through it and fills at the stop or the gapped open, whichever is
 * worse; a limit fills at the limit or the gapped open, whichever is better; when a bar touches both the stop-loss
 * and the take-profit of a trade, the stop-loss wins (stop-first, as in the main job's bracket model).
 * Entries pay the spread (price × (1 ± spread)); commission is charged on entry (on the spread-adjusted price) and on
 * exit. With `fees` (maker/taker) instead, each fill pays the paper exchange's fee for its liquidity: limit entries
 * and take-profits the maker rate, everything else (market and stop entries, stop-losses, market exits) the taker
 * rate, rounded up to the atom as `feeAtoms`. Without `exclusiveOrders`, an order against open trades closes them
 * first in FIFO order.
 * Testudo mode (`testudo`) runs the paper account's rules (./testudo-account.ts): each entry must carry `sl`, is
 * sized from it by the risk engine and checked against every rule, on the account's clock: a decision on bar i
 * happens at bar i's close (time[i] + the bar length), a fill at a bar's close (a market order with `tradeOnClose`, an
 * out-of-money close) is booked at that close and any other fill at its bar's open, which sets cooldown ends and the
 * daily-loss day; an entry placed after a closing order of the same bar is sized and checked once that close has
 * filled (as live, where the close fills before the next order is submitted), any other when it is placed.
 * The book's shapes are in ./orders.ts, the money options and fees in ./fees.ts, the result in ./result.ts.
 *
 * Invariants: prices are integer ticks, sizes integer lots, cash and P&L bigint money atoms (10^-12; products are
 * exact, the spread and commission fractions are rounded half-up to the atom); floats appear only in what
 * strategies read and in the equity curve used for statistics. Deterministic: the same bars, strategy, params and
 * options give the same result.
 */
import { FRACTION_SCALE, divRound } from '../money/decimal.ts';
import { DEFAULT_RISK_PROFILE, compileProfile } from '../risk/profile.ts';
import { makeFee, parseBrokerOptions } from './fees.ts';
import { bracketOrder, closingOrder, type ClosedRaw, type Order, type Trade } from './orders.ts';
import { resolveParams } from './params.ts';
import { buildResult } from './result.ts';
import { isoTime } from './series.ts';
import { describeThrown, initStrategy } from './strategy-init.ts';
import { TestudoAccount, testudoBarMs } from './testudo-account.ts';
import {
  BacktestError,
  type BacktestOptions,
  type BacktestResult,
  type BarContext,
  type BarSeries,
  type ExitReason,
  type OpenTradeView,
  type OrderOptions,
  type StrategyDefinition,
} from './types.ts';

export { testudoBarMs };

/** Progress callback: bars processed so far and the total. */
export type ProgressFn = (done: number, total: number) => void;

/** backtesting.py's default order size, 1 − ε (all available equity, whole lots). */
const FULL_NUM = 2n ** 52n - 1n;
const FULL_DEN = 2n ** 52n;

/**
 * Runs `strategy` with `params` over `bars`.
 *
 * @param bars validated bars (see `barsFromCandles`).
 * @param strategy the strategy definition.
 * @param params raw parameter values by name; text (from a command line) is converted per the strategy's specs.
 * @param options broker options (see {@link BacktestOptions}; defaults follow backtesting.py).
 * @param onProgress called every 65,536 bars and at the end with (bars done, total bars).
 * @param now a clock in ms (e.g. `performance.now`); when given, the result carries `timings` of init, the bar
 *   loop and the statistics (the core reads no clock of its own).
 * @returns statistics, trades, the equity and drawdown curves.
 * @throws BacktestError `unknown-param`/`bad-param` (names the parameter), `bad-option`, `bad-order` (an order the
 *   broker cannot accept, naming the bar), `strategy-error` (the strategy threw; names the bar and time).
 */
export function runBacktest(
  bars: BarSeries,
  strategy: StrategyDefinition<any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Record<string, unknown>,
  options: BacktestOptions = {},
  onProgress?: ProgressFn,
  now?: () => number,
): BacktestResult {
  const t0 = now?.() ?? 0;
  const n = bars.length;
  const resolved = resolveParams(strategy, params);
  const broker = parseBrokerOptions(bars, options);
  const { cash0, commission, exFees, spread, lotSize, spec, noCommission } = broker;
  const aptl = spec.atomsPerTickLot;
  const aptlF = Number(aptl) / 1e12;
  const lotF = Number(lotSize);
  const lotsPerUnit = 1 / lotF;
  const exclusive = options.exclusiveOrders === true;
  const tradeOnClose = options.tradeOnClose === true;
  const testudo = options.testudo !== undefined;
  const account = testudo
    ? new TestudoAccount(compileProfile(options.testudo?.profile ?? DEFAULT_RISK_PROFILE), cash0)
    : null;
  // Testudo mode's clock: a decision on bar i happens at its close (open + bar length), as the live feed's "now".
  const barMs = testudo ? testudoBarMs(bars, options.testudo?.barMs) : 0;

  const T = bars.ticks;
  const equity = new Float64Array(n);
  let cash = cash0;
  let cashF = Number(cash) / 1e12;
  let orders: Order[] = [];
  const trades: Trade[] = [];
  const closedRaw: ClosedRaw[] = [];
  const rejections: Record<string, number> = {};
  let posLots = 0;
  let entryCostF = 0;
  let views: OpenTradeView[] = [];
  let i = 0;
  // Testudo-mode clock state.
  /** When the fill being booked happens on the rules' clock: a bar's open, or its close for a fill at the close. */
  let fillAt = 0;
  /** Some entry waits for its bar's closing orders (see `Order.deferred`). */
  let hasDeferred = false;

  const perLot = (ticks: number): bigint => BigInt(ticks) * aptl;
  const fee = makeFee(broker);
  const toTicks = (price: number, what: string): number => {
    const t = Math.round(price / Number(bars.tickSize));
    if (!Number.isFinite(price) || !(t > 0))
      throw new BacktestError(
        'bad-order',
        `bar ${i} (${isoTime(bars.time[i]!)}): ${what} ${price} is not a positive price`,
        {
          bar: i,
          time: bars.time[i],
        },
      );
    return t;
  };

  // Set when trades open, close or shrink; the strategy's view is rebuilt only then.
  let positionChanged = false;
  const refreshPosition = (): void => {
    positionChanged = false;
    posLots = 0;
    entryCostF = 0;
    views = [];
    for (const t of trades) {
      posLots += t.lots;
      entryCostF += (t.lots * Number(t.entryPerLot)) / 1e12;
      t.view.size = t.lots * lotF;
      t.view.sl = t.sl ? t.sl.stop! * Number(bars.tickSize) : null;
      t.view.tp = t.tp ? t.tp.limit! * Number(bars.tickSize) : null;
      views.push(t.view);
    }
    ctx.positionSize = posLots * lotF;
    ctx.trades = views;
  };
  const setCash = (v: bigint): void => {
    cash = v;
    cashF = Number(cash) / 1e12;
  };
  const equityAtoms = (closeTicks: number): bigint => {
    let e = cash;
    const c = perLot(closeTicks);
    for (const t of trades) e += BigInt(t.lots) * (c - t.entryPerLot);
    return e;
  };
  const marginAvailable = (closeTicks: number): bigint => {
    if (trades.length === 0) return cash > 0n ? cash : 0n;
    let used = 0n;
    const c = perLot(closeTicks);
    for (const t of trades) used += BigInt(Math.abs(t.lots)) * c;
    const m = equityAtoms(closeTicks) - used;
    return m > 0n ? m : 0n;
  };
  const removeOrder = (o: Order | null): void => {
    if (!o) return;
    const k = orders.indexOf(o);
    if (k >= 0) orders.splice(k, 1);
  };

  const closeTrade = (t: Trade, exitPerLot: bigint, bar: number, reason: ExitReason, maker = false): void => {
    const k = trades.indexOf(t);
    if (k >= 0) trades.splice(k, 1);
    positionChanged = true;
    removeOrder(t.sl);
    removeOrder(t.tp);
    const gross = BigInt(t.lots) * (exitPerLot - t.entryPerLot);
    const exitFee = fee(t.lots, exitPerLot, maker);
    setCash(cash + gross - exitFee);
    const fees = exitFee + fee(t.lots, t.entryPerLot, t.entryMaker);
    const pnl = gross - fees;
    closedRaw.push({
      lots: t.lots,
      entryPerLot: t.entryPerLot,
      exitPerLot,
      entryBar: t.entryBar,
      exitBar: bar,
      fees,
      pnl,
      initialSl: t.initialSl,
      entryMaker: t.entryMaker,
      tp: t.tp ? t.tp.limit : null,
      reason,
      tag: t.tag,
    });
    if (account) account.onClose(pnl, cash, fillAt);
  };

  /** Closes `-lots` (signed against the trade) of a trade: all of it, or a reduced copy. */
  const reduceTrade = (
    t: Trade,
    exitPerLot: bigint,
    lots: number,
    bar: number,
    reason: ExitReason,
    maker = false,
  ): void => {
    const left = t.lots + lots;
    if (left === 0) {
      closeTrade(t, exitPerLot, bar, reason, maker);
      return;
    }
    t.lots = left;
    positionChanged = true;
    if (t.sl) t.sl.lots = -left;
    if (t.tp) t.tp.lots = -left;
    const piece: Trade = { ...t, lots: -lots, sl: null, tp: null, view: { ...t.view } };
    trades.push(piece);
    closeTrade(piece, exitPerLot, bar, reason, maker);
  };

  const openTrade = (o: Order, entryPerLot: bigint, lots: number, bar: number): void => {
    const t: Trade = {
      lots,
      entryPerLot,
      entryBar: bar,
      sl: null,
      tp: null,
      tag: o.tag,
      initialSl: o.sl,
      plannedRisk: o.plannedRisk,
      entryMaker: o.limit !== null,
      view: { size: 0, entryPrice: (Number(entryPerLot) / 1e12) * lotsPerUnit, entryBar: bar, sl: null, tp: null },
    };
    trades.push(t);
    positionChanged = true;
    setCash(cash - fee(lots, entryPerLot, t.entryMaker));
    if (o.tp !== null) {
      t.tp = bracketOrder('tp', t, lots, o.tp, null);
      orders.push(t.tp);
    }
    if (o.sl !== null) {
      t.sl = bracketOrder('sl', t, lots, null, o.sl);
      orders.unshift(t.sl);
    }
  };

  const processOrders = (): void => {
    const open = T.open[i]!;
    const high = T.high[i]!;
    const low = T.low[i]!;
    let reprocess = false;
    for (const o of [...orders]) {
      // Entries placed after a close on their bar are decided once every closing order ahead of them has filled.
      if (hasDeferred && o.kind !== 'close' && o.kind !== 'end') decideDeferred();
      if (!orders.includes(o)) continue;
      const stop = o.stop;
      if (stop !== null) {
        const hit = o.long ? high >= stop : low <= stop;
        if (!hit) continue;
        o.stop = null;
      }
      const contingent = o.kind === 'sl' || o.kind === 'tp';
      let price: number;
      if (o.limit !== null) {
        const limitHit = o.long ? low <= o.limit : high >= o.limit;
        const beforeStop = limitHit && (o.long ? o.limit <= (stop ?? -Infinity) : o.limit >= (stop ?? Infinity));
        if (!limitHit || beforeStop) continue;
        price = o.long ? Math.min(stop ?? open, o.limit) : Math.max(stop ?? open, o.limit);
      } else {
        price = tradeOnClose && !contingent ? T.close[i - 1]! : open;
        if (stop !== null) price = o.long ? Math.max(price, stop) : Math.min(price, stop);
      }
      const isMarket = o.limit === null && stop === null;
      const bar = isMarket && tradeOnClose && !contingent ? i - 1 : i;
      if (account) fillAt = bar === i ? bars.time[i]! : bars.time[bar]! + barMs;

      if (o.parent) {
        const t = o.parent;
        if (trades.includes(t)) {
          const lots = Math.sign(o.lots) * Math.min(Math.abs(t.lots), Math.abs(o.lots));
          const reason: ExitReason =
            o.kind === 'sl' ? 'stop' : o.kind === 'tp' ? 'target' : o.kind === 'end' ? 'end' : 'signal';
          reduceTrade(t, perLot(price), lots, bar, reason, o.limit !== null);
        }
        removeOrder(o);
        continue;
      }

      const sign = o.long ? 1n : -1n;
      const raw = perLot(price);
      const adjusted = spread === 0n ? raw : divRound(raw * (FRACTION_SCALE + sign * spread), FRACTION_SCALE);
      let need: number;
      // Commission per lot as backtesting.py sizes it: commission(order size, price) ÷ |order size|.
      const sizeUnitsAbs = o.fraction ? o.fraction.asUnits : Math.abs(o.lots) * lotF;
      const commPerLot = noCommission
        ? 0n
        : (commission.fixed === 0n
            ? 0n
            : divRound(
                commission.fixed * spec.lotUnits * 10n ** 8n,
                BigInt(Math.round(sizeUnitsAbs * 1e8)) * 10n ** BigInt(spec.lotDp),
              )) +
          divRound(
            raw * (exFees === null ? commission.rate : o.limit !== null ? exFees.maker : exFees.taker),
            FRACTION_SCALE,
          );
      const perLotAll = adjusted + commPerLot;
      if (o.fraction) {
        const avail = marginAvailable(T.close[i]!);
        const lots = perLotAll > 0n ? (avail * o.fraction.num) / (o.fraction.den * perLotAll) : 0n;
        if (lots === 0n) {
          removeOrder(o);
          continue;
        }
        need = (o.long ? 1 : -1) * Number(lots);
      } else {
        need = o.lots;
      }
      // FIFO: an order against open trades closes them first.
      for (const t of [...trades]) {
        if (t.lots > 0 === o.long) continue;
        if (Math.abs(need) >= Math.abs(t.lots)) {
          closeTrade(t, raw, bar, 'signal', o.limit !== null);
          need += t.lots;
        } else {
          reduceTrade(t, raw, need, bar, 'signal', o.limit !== null);
          need = 0;
        }
        if (need === 0) break;
      }
      if (BigInt(Math.abs(need)) * perLotAll > marginAvailable(T.close[i]!)) {
        removeOrder(o);
        continue;
      }
      if (need !== 0) {
        openTrade(o, adjusted, need, bar);
        if (o.sl !== null || o.tp !== null) {
          if (isMarket) reprocess = true;
          else if (
            stop !== null &&
            o.limit === null &&
            o.tp !== null &&
            ((o.long && o.tp <= high && (o.sl ?? -Infinity) < low) ||
              (!o.long && o.tp >= low && (o.sl ?? Infinity) > high))
          )
            reprocess = true;
        }
      }
      removeOrder(o);
    }
    if (positionChanged) refreshPosition();
    if (reprocess) processOrders();
  };

  /** backtesting.py's `Position.close()`: each trade's closing market order is put at the front of the queue. */
  const closeAll = (kind: 'close' | 'end' = 'close', list: readonly Trade[] = trades): void => {
    for (const t of list) orders.unshift(closingOrder(kind, t));
  };

  /** Testudo mode: sizes and checks entry `o` (see `TestudoAccount.decideEntry`); false when refused. */
  const decideEntry = (o: Order): boolean =>
    account!.decideEntry(o, spec, trades, orders, cash, marginAvailable(o.deferred!.closeTicks), rejections);

  /** Decides every deferred entry, in placement order; a refused one leaves the queue. */
  const decideDeferred = (): void => {
    hasDeferred = false;
    for (const o of [...orders]) if (o.deferred !== null && !decideEntry(o)) removeOrder(o);
  };

  const place = (long: boolean, opts: OrderOptions = {}): void => {
    const tick = (x: number | undefined, what: string): number | null =>
      x === undefined || x === null ? null : toTicks(x, what);
    const o: Order = {
      kind: 'entry',
      long,
      fraction: null,
      lots: 0,
      limit: tick(opts.limit, 'limit'),
      stop: tick(opts.stop, 'stop'),
      sl: tick(opts.sl, 'sl'),
      tp: tick(opts.tp, 'tp'),
      parent: null,
      tag: opts.tag ?? null,
      plannedRisk: 0n,
      deferred: null,
    };
    // backtesting.py's check: SL < LIMIT < TP for longs (reversed for shorts), against the spread-adjusted close.
    const ref = o.limit ?? o.stop ?? T.close[i]! * (1 + (long ? 1 : -1) * (Number(spread) / 1e8));
    const okSides = long
      ? (o.sl ?? -Infinity) < ref && ref < (o.tp ?? Infinity)
      : (o.tp ?? -Infinity) < ref && ref < (o.sl ?? Infinity);
    if (!okSides) {
      throw new BacktestError(
        'bad-order',
        `bar ${i} (${isoTime(bars.time[i]!)}): ${long ? 'long orders require SL < price < TP' : 'short orders require TP < price < SL'} (sl ${opts.sl ?? '-'}, price ${ref * Number(bars.tickSize)}, tp ${opts.tp ?? '-'})`,
        { bar: i, time: bars.time[i] },
      );
    }
    if (account) {
      if (o.sl === null) {
        rejections['stop-required'] = (rejections['stop-required'] ?? 0) + 1;
        return;
      }
      o.deferred = { now: bars.time[i]! + barMs, closeTicks: T.close[i]! };
      // Live, a close fills before the next order is submitted and sized: an entry after this bar's closing orders
      // (or a pending entry's) is decided once they have filled; any other is decided now.
      const closing =
        hasDeferred ||
        (exclusive && trades.length > 0) ||
        orders.some((p) => p.kind === 'close' && p.parent !== null && trades.includes(p.parent));
      if (closing) hasDeferred = true;
      else if (!decideEntry(o)) return;
    } else if (opts.size === undefined) {
      o.fraction = { num: FULL_NUM, den: FULL_DEN, asUnits: 1 - Number.EPSILON };
    } else {
      const s = opts.size;
      if (!(s > 0) || !Number.isFinite(s)) {
        throw new BacktestError(
          'bad-order',
          `bar ${i} (${isoTime(bars.time[i]!)}): size ${s} must be a positive fraction of equity or a positive number of units`,
          { bar: i, time: bars.time[i] },
        );
      }
      if (s < 1) {
        o.fraction = { num: BigInt(Math.round(s * 1e8)), den: 10n ** 8n, asUnits: s };
      } else {
        const lots = Math.round(s * lotsPerUnit);
        if (Math.abs(lots - s * lotsPerUnit) > 1e-9) {
          throw new BacktestError(
            'bad-order',
            `bar ${i} (${isoTime(bars.time[i]!)}): size ${s} is not a whole number of lots of ${lotSize}`,
            { bar: i, time: bars.time[i] },
          );
        }
        o.lots = (long ? 1 : -1) * lots;
      }
    }
    if (exclusive) {
      orders = orders.filter((p) => p.kind === 'sl' || p.kind === 'tp');
      closeAll('close');
    }
    orders.push(o);
  };

  const ctx: BarContext & { i: number; positionSize: number; trades: readonly OpenTradeView[] } = {
    i: 0,
    data: bars,
    positionSize: 0,
    trades: views,
    equity: () => cashF + (posLots !== 0 ? T.close[i]! * aptlF * posLots - entryCostF : 0),
    buy: (opts?: OrderOptions) => place(true, opts),
    sell: (opts?: OrderOptions) => place(false, opts),
    closePosition: () => closeAll('close'),
    cancelOrders: () => {
      orders = orders.filter((p) => p.kind !== 'entry');
    },
  };

  // init: indicators computed once, vectorised; backtesting.py's warm-up (`./strategy-init.ts`).
  const { next, indicators, warmup, valueless } = initStrategy(strategy, resolved, bars);
  const t1 = now?.() ?? 0;
  const start = 1 + warmup;
  equity.fill(cashF, 0, Math.min(start, n));

  /** Records equity[i] at bar i's close; false (everything settled, equity 0 from i on) when it is ≤ 0. */
  const recordEquity = (): boolean => {
    const e = posLots !== 0 ? cashF + (T.close[i]! * aptlF * posLots - entryCostF) : cashF;
    equity[i] = e;
    if (e > 0) return true;
    const every2nd = trades.filter((_, k) => k % 2 === 0);
    fillAt = bars.time[i]! + barMs;
    for (const t of every2nd) closeTrade(t, perLot(T.close[i]!), i, 'out-of-money');
    trades.length = 0;
    setCash(0n);
    equity.fill(0, i);
    refreshPosition();
    return false;
  };

  const every = 65_536;
  let outOfMoney = false;
  try {
    for (i = start; i < n; i++) {
      ctx.i = i;
      if (orders.length !== 0) processOrders();
      if (!recordEquity()) {
        outOfMoney = true;
        break;
      }
      next(ctx);
      if (onProgress !== undefined && (i & (every - 1)) === 0) onProgress(i + 1, n);
    }
  } catch (e) {
    if (e instanceof BacktestError) throw e;
    throw new BacktestError(
      'strategy-error',
      `strategy ${strategy.name} failed at bar ${i} (${isoTime(bars.time[i]!)}): ${describeThrown(e)}`,
      { bar: i, time: bars.time[i] },
    );
  }
  if (!outOfMoney && options.finalizeTrades === true && start < n) {
    // backtesting.py: `for trade in reversed(broker.trades): trade.close()`, then `broker.next()` once more on the
    // last bar (each close goes to the front of the queue, so they are processed in the trades' order, first).
    i = n - 1;
    closeAll('end', [...trades].reverse());
    if (orders.length !== 0) processOrders();
    recordEquity();
  }
  onProgress?.(n, n);
  const t2 = now?.() ?? 0;

  // Statistics need numbers only; the decimal-text trade list is built on first access (an optimiser never reads it).
  return buildResult({
    bars,
    spec,
    fee,
    closedRaw,
    equity,
    warmup,
    valueless,
    indicators,
    rejections,
    clock: now ? { now, t0, t1, t2 } : null,
  });
}
