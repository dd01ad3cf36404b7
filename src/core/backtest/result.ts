/**
 * The backtest result after the bar loop (./run.ts): per-trade returns and R multiples, statistics, the drawdown
 * curve, warnings, and the decimal-text trade list, built on first access (an optimiser never reads it).
 *
 * Invariants: pure; reads the loop's records and never changes them; money is exact until formatted as decimal
 * text at MONEY_DP; R is the net P&L over the journal's initial risk (the loss at the stop including both fees).
 */
import { MONEY_DP, divRound, fromScaled } from '../money/decimal.ts';
import { lotsToQty, ticksToPrice, type InstrumentSpec } from '../instruments/instrument.ts';
import type { FeeFn } from './fees.ts';
import type { ClosedRaw } from './orders.ts';
import { describeGaps, findBarGaps } from './series.ts';
import { computeRStats, computeStats, drawdownSeries, type TradeForStats } from './stats.ts';
import type { BacktestResult, BacktestTrade, BarSeries } from './types.ts';

/** What the loop leaves for the result (see {@link buildResult}). */
export interface LoopRecord {
  bars: BarSeries;
  spec: InstrumentSpec;
  fee: FeeFn;
  closedRaw: readonly ClosedRaw[];
  /** Equity at each bar's close, quote units. */
  equity: Float64Array;
  /** backtesting.py's warm-up bar count; the loop started at 1 + warmup. */
  warmup: number;
  /** Names of indicators without any value. */
  valueless: readonly string[];
  indicators: BacktestResult['indicators'];
  rejections: Record<string, number>;
  /** Clock readings at the start, after init and after the loop, with the clock; null without a clock. */
  clock: { now: () => number; t0: number; t1: number; t2: number } | null;
}

/**
 * The result of a run from its loop record: statistics, R statistics, equity and drawdown curves, warnings (bar
 * gaps, valueless indicators, a strategy that never ran), refusals, timings with a clock, and `trades` as a lazy
 * enumerable getter.
 */
export function buildResult(rec: LoopRecord): BacktestResult {
  const { bars, spec, fee, closedRaw, equity, warmup, valueless, indicators, rejections, clock } = rec;
  const n = bars.length;
  const start = 1 + warmup;
  const aptl = spec.atomsPerTickLot;
  const perLot = (ticks: number): bigint => BigInt(ticks) * aptl;
  const unitLot = spec.lotUnits === 1n && spec.lotDp === 0;
  const priceOf = (perLotAtoms: bigint): string =>
    unitLot
      ? fromScaled(perLotAtoms, MONEY_DP)
      : fromScaled(divRound(perLotAtoms * 10n ** BigInt(spec.lotDp), spec.lotUnits), MONEY_DP);

  const closedStats: TradeForStats[] = [];
  const rMultiples: (number | null)[] = [];
  for (const c of closedRaw) {
    const absLots = Math.abs(c.lots);
    const entryF = Number(c.entryPerLot);
    const returnPct = Math.sign(c.lots) * (Number(c.exitPerLot) / entryF - 1) - Number(c.fees) / (absLots * entryF);
    let r: number | null = null;
    if (c.initialSl !== null) {
      const slPerLot = perLot(c.initialSl);
      const dist = c.entryPerLot > slPerLot ? c.entryPerLot - slPerLot : slPerLot - c.entryPerLot;
      // Initial risk as the journal defines it: the loss at the stop including both fees, so a fill at the stop is −1R.
      const risk = BigInt(absLots) * dist + fee(c.lots, c.entryPerLot, c.entryMaker) + fee(c.lots, slPerLot);
      if (dist > 0n) r = Number(c.pnl) / Number(risk);
    }
    rMultiples.push(r);
    closedStats.push({
      entryBar: c.entryBar,
      exitBar: c.exitBar,
      entryTime: bars.time[c.entryBar]!,
      exitTime: bars.time[c.exitBar]!,
      pnl: Number(c.pnl) / 1e12,
      returnPct,
      commission: Number(c.fees) / 1e12,
    });
  }
  let formatted: BacktestTrade[] | null = null;
  const formatTrades = (): BacktestTrade[] =>
    (formatted ??= closedRaw.map((c, k) => ({
      size: lotsToQty(spec, BigInt(c.lots)),
      entryBar: c.entryBar,
      exitBar: c.exitBar,
      entryTime: closedStats[k]!.entryTime,
      exitTime: closedStats[k]!.exitTime,
      entryPrice: priceOf(c.entryPerLot),
      exitPrice: priceOf(c.exitPerLot),
      sl: c.initialSl !== null ? ticksToPrice(spec, BigInt(c.initialSl)) : null,
      tp: c.tp !== null ? ticksToPrice(spec, BigInt(c.tp)) : null,
      pnl: fromScaled(c.pnl, MONEY_DP),
      commission: fromScaled(c.fees, MONEY_DP),
      returnPct: closedStats[k]!.returnPct,
      rMultiple: rMultiples[k]!,
      exitReason: c.reason,
      tag: c.tag,
    })));
  const drawdown = drawdownSeries(equity);
  const stats = computeStats({
    time: bars.time,
    close: bars.close,
    equity,
    trades: closedStats,
    firstTradingBar: warmup,
    drawdown,
  });
  const warnings: string[] = [];
  const gaps = describeGaps(findBarGaps(bars));
  if (gaps) warnings.push(gaps);
  if (valueless.length > 0)
    warnings.push(
      `indicator(s) ${valueless.join(', ')} have no value in ${n} bars (too few bars for the periods?); as in backtesting.py, they do not delay the first next call`,
    );
  if (start >= n)
    warnings.push(
      `the strategy never ran: the first next call is at bar ${start} (the bar after every indicator has a value) and there are ${n} bars`,
    );
  const result = {
    stats,
    warnings,
    rStats: computeRStats(rMultiples),
    trades: [] as BacktestTrade[],
    equity,
    drawdown,
    firstTradingBar: warmup,
    indicators,
    rejections,
    ...(clock
      ? { timings: { initMs: clock.t1 - clock.t0, loopMs: clock.t2 - clock.t1, statsMs: clock.now() - clock.t2 } }
      : {}),
  };
  Object.defineProperty(result, 'trades', { get: formatTrades, enumerable: true, configurable: true });
  return result;
}
