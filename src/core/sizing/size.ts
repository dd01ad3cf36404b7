/**
 * Position sizing from the stop (Van Tharp's fixed-fractional "percent risk" model).
 *
 * Formula (Van Tharp, "Trade Your Way to Financial Freedom", ch. 14, percent-risk model), with fees added to the
 * per-unit loss so a stop-out costs what was budgeted:
 *
 *   qty = floor_to_lot( equity × risk ÷ (|entry − stop| + feesPerUnit) )
 *   feesPerUnit = entry × entryFeeRate + stop × takerFeeRate       (entry: taker for market, maker for limit;
 *                                                                   the stop-loss is a stop-market, so taker)
 *
 * then capped by leverage (notional ≤ equity × maxLeverage) and by the available balance
 * (notional ÷ maxLeverage + entry fee ≤ available).
 *
 * Invariants: all arithmetic is integer (bigint ticks, lots, atoms); the quantity is always rounded DOWN, so the
 * risk actually taken never exceeds the budget; a size that rounds to zero or below the instrument's minimums is a
 * rejection value, never a zero-sized order.
 */
import { FRACTION_SCALE, absBig } from '../money/decimal.ts';
import type { InstrumentSpec } from '../instruments/instrument.ts';

/** Order side: `buy` opens a long, `sell` opens a short. */
export type Side = 'buy' | 'sell';

/** Inputs of {@link sizePosition}, in integer units. */
export interface SizingInput {
  spec: InstrumentSpec;
  side: Side;
  /** Entry price in ticks (for a market entry, the current price). */
  entryTicks: bigint;
  /** Stop-loss price in ticks. */
  stopTicks: bigint;
  /** True when the entry is a market order (taker fee), false for a limit entry (maker fee). */
  entryIsMarket: boolean;
  /** Account equity in money atoms. */
  equity: bigint;
  /** Balance available for new margin, in money atoms. */
  available: bigint;
  /** Fraction of equity to risk, in fraction units (1% = 1_000_000n). */
  riskFraction: bigint;
  /** Maximum leverage in fraction units (1× = 100_000_000n). */
  maxLeverage: bigint;
}

/** Which constraint set the final quantity. */
export type SizingCap = 'risk' | 'leverage' | 'balance';

/** A successful sizing. Money in atoms, quantity in lots. */
export interface Sized {
  ok: true;
  lots: bigint;
  /** Notional at the entry price, atoms. */
  notional: bigint;
  /** Estimated entry fee and stop-out exit fee, atoms. */
  entryFee: bigint;
  stopFee: bigint;
  /** Loss per lot if stopped out, including both fees, atoms. */
  lossPerLot: bigint;
  /** Risk actually taken after rounding: lots × lossPerLot, atoms. */
  risk: bigint;
  /** Risk actually taken as a fraction of equity, fraction units (rounded down). */
  riskFraction: bigint;
  /** Risk budget before rounding: equity × requested risk, atoms. */
  budget: bigint;
  /** Margin reserved while the position is open: notional ÷ leverage + entry fee, atoms. */
  margin: bigint;
  cappedBy: SizingCap;
}

/** Stable codes of a sizing rejection. */
export type SizingRejectCode =
  'stop-equals-entry' | 'quantity-zero' | 'quantity-below-minimum' | 'notional-below-minimum';

/** A sizing rejection with its reason. */
export interface SizingRejected {
  ok: false;
  code: SizingRejectCode;
  /** Facts for the message: budget, per-lot loss and caps, atoms/lots. */
  lots: bigint;
  budget: bigint;
  lossPerLot: bigint;
  cappedBy: SizingCap | null;
}

/** Result of {@link sizePosition}. */
export type SizingResult = Sized | SizingRejected;

/**
 * Sizes a position from its stop. Pure and allocation-light: the hot path of every order decision.
 * Never throws for valid integers; `equity`, `riskFraction` and `maxLeverage` must be ≥ 0 and prices > 0.
 */
export function sizePosition(input: SizingInput): SizingResult {
  const { spec, entryTicks, stopTicks, equity, riskFraction } = input;
  const apt = spec.atomsPerTickLot;
  const dist = absBig(entryTicks - stopTicks);
  const budget = (equity * riskFraction) / FRACTION_SCALE;
  if (dist === 0n) return { ok: false, code: 'stop-equals-entry', lots: 0n, budget, lossPerLot: 0n, cappedBy: null };
  const entryRate = input.entryIsMarket ? spec.takerFee : spec.makerFee;
  const entryNotionalPerLot = entryTicks * apt;
  const stopNotionalPerLot = stopTicks * apt;
  // Fees per lot, rounded up so the budgeted loss is never understated.
  const feePerLot = ceilDiv(entryNotionalPerLot * entryRate + stopNotionalPerLot * spec.takerFee, FRACTION_SCALE);
  const lossPerLot = dist * apt + feePerLot;

  let lots = budget / lossPerLot;
  let cappedBy: SizingCap = 'risk';
  const lev = input.maxLeverage;
  // Leverage cap: lots × entryNotionalPerLot ≤ equity × lev.
  const levLots = (equity * lev) / (FRACTION_SCALE * entryNotionalPerLot);
  if (levLots < lots) {
    lots = levLots;
    cappedBy = 'leverage';
  }
  // Balance cap: lots × entryNotionalPerLot × (1/lev + entryRate) ≤ available.
  if (lev > 0n) {
    const balLots =
      (input.available * lev * FRACTION_SCALE) /
      (entryNotionalPerLot * (FRACTION_SCALE * FRACTION_SCALE + entryRate * lev));
    if (balLots < lots) {
      lots = balLots;
      cappedBy = 'balance';
    }
  } else {
    lots = 0n;
    cappedBy = 'leverage';
  }
  if (lots <= 0n) return { ok: false, code: 'quantity-zero', lots: 0n, budget, lossPerLot, cappedBy };
  if (lots < spec.minQtyLots) return { ok: false, code: 'quantity-below-minimum', lots, budget, lossPerLot, cappedBy };
  const notional = lots * entryNotionalPerLot;
  if (notional < spec.minNotionalAtoms)
    return { ok: false, code: 'notional-below-minimum', lots, budget, lossPerLot, cappedBy };

  const entryFee = ceilDiv(notional * entryRate, FRACTION_SCALE);
  const stopFee = ceilDiv(lots * stopNotionalPerLot * spec.takerFee, FRACTION_SCALE);
  const risk = lots * lossPerLot;
  return {
    ok: true,
    lots,
    notional,
    entryFee,
    stopFee,
    lossPerLot,
    risk,
    riskFraction: equity > 0n ? (risk * FRACTION_SCALE) / equity : 0n,
    budget,
    margin: (lev > 0n ? ceilDiv(notional * FRACTION_SCALE, lev) : notional) + entryFee,
    cappedBy,
  };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * Reward:risk of a setup as a float for display: |target − entry| ÷ |entry − stop| (prices in ticks).
 * Returns 0 when entry equals stop.
 */
export function rewardRiskRatio(entryTicks: bigint, stopTicks: bigint, targetTicks: bigint): number {
  const risk = absBig(entryTicks - stopTicks);
  if (risk === 0n) return 0;
  return Number((absBig(targetTicks - entryTicks) * 1_000_000n) / risk) / 1_000_000;
}
