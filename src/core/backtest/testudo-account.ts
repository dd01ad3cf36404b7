/**
 * The account of the backtester's Testudo mode (`BacktestOptions.testudo`): the paper account's risk state — peak
 * equity and the sticky drawdown halt, the loss streak, today's realized P&L — moved by each close, and the risk
 * engine's decision on each entry (sizing from the stop, every rule), on the account's clock: a decision on bar i
 * happens at bar i's close (time[i] + the bar length).
 *
 * Invariants: pure (no I/O, no clock of its own); times are ms UTC, money bigint atoms; the streak follows
 * `lossStreakAfterClose`, the same function as the paper account (src/app/trading/fills.ts); a halt once started
 * stays; the day rolls over at 00:00 UTC of the close or decision time; allocates only per close and per decision,
 * never per bar.
 */
import { FRACTION_SCALE } from '../money/decimal.ts';
import type { InstrumentSpec } from '../instruments/instrument.ts';
import { decide, type AccountRiskState } from '../risk/decide.ts';
import { lossStreakAfterClose } from '../risk/loss-streak.ts';
import type { CompiledProfile } from '../risk/profile.ts';
import type { Order, Trade } from './orders.ts';
import { BacktestError, type BarSeries } from './types.ts';

const DAY = 86_400_000;

/**
 * The bar length of Testudo mode's clock, ms: `explicit` when given (a positive finite number, else `bad-option`),
 * otherwise the series' usual spacing (the median step between bar open times; 0 for fewer than two bars).
 */
export function testudoBarMs(bars: BarSeries, explicit?: number): number {
  if (explicit !== undefined) {
    if (!(explicit > 0) || !Number.isFinite(explicit))
      throw new BacktestError('bad-option', `bar length ${explicit} must be a positive number of ms`, {
        option: 'barMs',
      });
    return explicit;
  }
  const n = bars.length;
  if (n < 2) return 0;
  const steps = new Float64Array(n - 1);
  for (let k = 1; k < n; k++) steps[k - 1] = bars.time[k]! - bars.time[k - 1]!;
  steps.sort();
  return steps[(n - 1) >> 1]!;
}

/** The Testudo-mode account's risk state and its two moves: a close ({@link onClose}) and an entry ({@link decideEntry}). */
export class TestudoAccount {
  /** Highest cash after a close, atoms (starts at the starting cash). */
  peakCash: bigint;
  /** When the drawdown halt started, ms UTC, or null. */
  haltedAt: number | null = null;
  /** Losses in a row. */
  streak = 0;
  /** Close time of the latest loss, ms UTC, or null. */
  lastLossAt: number | null = null;
  /** UTC day number (ms / 86,400,000) of `realizedToday`, −1 before the first. */
  dayKey = -1;
  /** Realized P&L of day `dayKey`, atoms. */
  realizedToday = 0n;

  /**
   * @param profile the compiled risk profile whose rules apply.
   * @param cash0 starting cash, atoms.
   */
  constructor(
    readonly profile: CompiledProfile,
    cash0: bigint,
  ) {
    this.peakCash = cash0;
  }

  private rollDay(at: number): void {
    const dk = Math.floor(at / DAY);
    if (dk !== this.dayKey) {
      this.dayKey = dk;
      this.realizedToday = 0n;
    }
  }

  /**
   * Books a close of net P&L `pnl` atoms at `exitTime` (ms UTC) that left the cash at `cash` atoms: today's realized
   * P&L, the loss streak, the peak; a close that takes the drawdown from the peak to the limit starts the (sticky)
   * halt, as the paper account.
   */
  onClose(pnl: bigint, cash: bigint, exitTime: number): void {
    const profile = this.profile;
    this.rollDay(exitTime);
    this.realizedToday += pnl;
    const s = lossStreakAfterClose(
      { consecutiveLosses: this.streak, lastLossAt: this.lastLossAt },
      pnl,
      exitTime,
      profile,
    );
    this.streak = s.consecutiveLosses;
    this.lastLossAt = s.lastLossAt;
    if (cash > this.peakCash) this.peakCash = cash;
    if (
      this.haltedAt === null &&
      this.peakCash > 0n &&
      (this.peakCash - cash) * FRACTION_SCALE >= profile.maxDrawdown * this.peakCash
    )
      this.haltedAt = exitTime;
  }

  /**
   * Sizes entry `o` (which must carry `sl` and `deferred`: its decision time and bar close) from its stop and
   * checks it against every rule with the account's state now; on approval sets `o.lots` and `o.plannedRisk`,
   * otherwise counts each failed rule's code in `rejections` (a `max-drawdown-halt` refusal starts the halt). Clears
   * `o.deferred`.
   * @param spec the backtest's instrument.
   * @param trades the open trades (their planned risk and count).
   * @param orders the queue (its decided entries count as pending positions and risk).
   * @param cash the cash now, atoms.
   * @param available the margin available at the decision bar's close, atoms.
   * @param rejections refusal counts by code, updated in place.
   * @returns false when refused.
   */
  decideEntry(
    o: Order,
    spec: InstrumentSpec,
    trades: readonly Trade[],
    orders: readonly Order[],
    cash: bigint,
    available: bigint,
    rejections: Record<string, number>,
  ): boolean {
    const { now, closeTicks } = o.deferred!;
    o.deferred = null;
    this.rollDay(now);
    let openRisk = 0n;
    for (const t of trades) openRisk += t.plannedRisk;
    let pending = 0;
    for (const p of orders)
      if (p.kind === 'entry' && p !== o && p.deferred === null) {
        pending++;
        openRisk += p.plannedRisk;
      }
    const state: AccountRiskState = {
      equity: cash,
      available,
      realizedPnlToday: this.realizedToday,
      peakEquity: this.peakCash,
      haltedAt: this.haltedAt,
      openRisk,
      openPositions: trades.length + pending,
      consecutiveLosses: this.streak,
      lastLossAt: this.lastLossAt,
      breaker: 'closed',
      now,
    };
    const d = decide(
      spec,
      {
        side: o.long ? 'buy' : 'sell',
        entryTicks: BigInt(o.limit ?? o.stop ?? closeTicks),
        entryIsMarket: o.limit === null,
        stopTicks: BigInt(o.sl!),
        targetTicks: o.tp === null ? null : BigInt(o.tp),
        riskFraction: null,
      },
      this.profile,
      state,
    );
    if (!d.approved || !d.sizing.ok) {
      for (const v of d.verdicts) {
        if (v.passed) continue;
        rejections[v.code] = (rejections[v.code] ?? 0) + 1;
        if (v.code === 'max-drawdown-halt' && this.haltedAt === null) this.haltedAt = now;
      }
      return false;
    }
    o.lots = (o.long ? 1 : -1) * Number(d.sizing.lots);
    o.plannedRisk = d.sizing.risk;
    return true;
  }
}
