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
import { FRACTION_SCALE, absBig, divCeil } from '../money/decimal.ts';
import { feeAtoms, type InstrumentSpec } from '../instruments/instrument.ts';

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

/** A successful sizing. Money in atoms, quantity in lots. Fees and margin: see {@link sizingCosts}. */
export interface Sized {
  ok: true;
  lots: bigint;
  /** Notional at the entry price, atoms. */
  notional: bigint;
  /** Loss per lot if stopped out, including both fees, atoms. */
  lossPerLot: bigint;
  /** Risk actually taken after rounding: lots × lossPerLot, atoms. */
  risk: bigint;
  /** Risk budget before rounding: equity × requested risk, atoms. */
  budget: bigint;
  cappedBy: SizingCap;
}

/** Costs of a sized position, computed off the hot path by {@link sizingCosts}. */
export interface SizingCosts {
  /** Estimated entry fee and stop-out exit fee, atoms (rounded up). */
  entryFee: bigint;
  stopFee: bigint;
  /** Risk actually taken as a fraction of equity, fraction units (rounded down). */
  riskFraction: bigint;
  /** Margin reserved while the position is open: notional ÷ leverage + entry fee, atoms (rounded up). */
  margin: bigint;
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
  const { spec, entryTicks, stopTicks, equity } = input;
  const apt = spec.atomsPerTickLot;
  const dist = entryTicks > stopTicks ? entryTicks - stopTicks : stopTicks - entryTicks;
  const budget = (equity * input.riskFraction) / FS;
  if (dist === 0n) return { ok: false, code: 'stop-equals-entry', lots: 0n, budget, lossPerLot: 0n, cappedBy: null };
  const entryRate = input.entryIsMarket ? spec.takerFee : spec.makerFee;
  const entryNotionalPerLot = entryTicks * apt;
  // Fees per lot, rounded up so the budgeted loss is never understated.
  const feePerLot = (entryNotionalPerLot * entryRate + stopTicks * apt * spec.takerFee + FS_MINUS_1) / FS;
  const lossPerLot = dist * apt + feePerLot;

  let lots = budget / lossPerLot;
  let cappedBy: SizingCap = 'risk';
  const lev = input.maxLeverage;
  if (lev <= 0n) return { ok: false, code: 'quantity-zero', lots: 0n, budget, lossPerLot, cappedBy: 'leverage' };
  // Leverage cap: lots × entryNotionalPerLot × 10^8 ≤ equity × lev. Divide only when it binds.
  const levRhs = equity * lev;
  if (lots * entryNotionalPerLot * FS > levRhs) {
    lots = levRhs / (FS * entryNotionalPerLot);
    cappedBy = 'leverage';
  }
  // Balance cap: lots × entryNotionalPerLot × (10^16 + entryRate × lev) ≤ available × lev × 10^8.
  const available = input.available > 0n ? input.available : 0n;
  const balPerLot = entryNotionalPerLot * (FS2 + entryRate * lev);
  const balRhs = available * lev * FS;
  if (lots * balPerLot > balRhs) {
    lots = balRhs / balPerLot;
    cappedBy = 'balance';
  }
  if (lots <= 0n) return { ok: false, code: 'quantity-zero', lots: 0n, budget, lossPerLot, cappedBy };
  if (lots < spec.minQtyLots) return { ok: false, code: 'quantity-below-minimum', lots, budget, lossPerLot, cappedBy };
  const notional = lots * entryNotionalPerLot;
  if (notional < spec.minNotionalAtoms)
    return { ok: false, code: 'notional-below-minimum', lots, budget, lossPerLot, cappedBy };
  return { ok: true, lots, notional, lossPerLot, risk: lots * lossPerLot, budget, cappedBy };
}

/** Fees, margin and the risk fraction of a sized position (for display and reservation; not needed to decide). */
export function sizingCosts(input: SizingInput, sized: Sized): SizingCosts {
  const { spec } = input;
  const entryRate = input.entryIsMarket ? spec.takerFee : spec.makerFee;
  const entryFee = feeAtoms(sized.notional, entryRate);
  const stopFee = feeAtoms(sized.lots * input.stopTicks * spec.atomsPerTickLot, spec.takerFee);
  const lev = input.maxLeverage;
  return {
    entryFee,
    stopFee,
    riskFraction: input.equity > 0n ? (sized.risk * FS) / input.equity : 0n,
    margin: (lev > 0n ? divCeil(sized.notional * FS, lev) : sized.notional) + entryFee,
  };
}

const FS = FRACTION_SCALE;
const FS_MINUS_1 = FRACTION_SCALE - 1n;
const FS2 = FRACTION_SCALE * FRACTION_SCALE;

/**
 * Reward:risk of a setup as a float for display: |target − entry| ÷ |entry − stop| (prices in ticks).
 * Returns 0 when entry equals stop.
 */
export function rewardRiskRatio(entryTicks: bigint, stopTicks: bigint, targetTicks: bigint): number {
  const risk = absBig(entryTicks - stopTicks);
  if (risk === 0n) return 0;
  return Number((absBig(targetTicks - entryTicks) * 1_000_000n) / risk) / 1_000_000;
}
