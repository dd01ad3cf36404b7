/**
 * Instruments: what can be traded and on which integer grid.
 *
 * Invariants:
 * - A price is a whole number of ticks (`price = ticks × tickSize`), a quantity a whole number of lots
 *   (`qty = lots × lotSize`); both are bigint in the core.
 * - `tickSize × lotSize` is a whole number of money atoms (`atomsPerTickLot ≥ 1`), so
 *   `notional(atoms) = ticks × lots × atomsPerTickLot` is exact.
 */
import {
  FRACTION_DP,
  FRACTION_SCALE,
  MONEY_DP,
  decimalPlaces,
  divCeil,
  divRound,
  fromScaled,
  isDecimalText,
  toScaled,
} from '../money/decimal.ts';

/** An instrument as stored and served: every number is decimal text. Fees are fractions ("0.001" = 0.1%). */
export interface Instrument {
  symbol: string;
  base: string;
  quote: string;
  /** Price increment, quote currency per unit of base (e.g. "0.01"). */
  tickSize: string;
  /** Quantity increment, base units (e.g. "0.00001"). */
  lotSize: string;
  /** Smallest order quantity, base units. */
  minQty: string;
  /** Smallest order notional (price × quantity), quote currency. */
  minNotional: string;
  /** Maker fee as a fraction of notional ("0.001" = 0.1%). */
  makerFee: string;
  /** Taker fee as a fraction of notional. */
  takerFee: string;
}

/** The integer form of an {@link Instrument}, used by sizing, rules and fills. */
export interface InstrumentSpec {
  symbol: string;
  /** Decimal places of the tick size and the lot size. */
  tickDp: number;
  lotDp: number;
  /** Tick size and lot size at their own scales (`tickSize = tickUnits × 10^-tickDp`). */
  tickUnits: bigint;
  lotUnits: bigint;
  /** Money atoms of one tick × one lot. */
  atomsPerTickLot: bigint;
  minQtyLots: bigint;
  minNotionalAtoms: bigint;
  /** Fee rates in fraction units (10^-8). */
  makerFee: bigint;
  takerFee: bigint;
}

/** Error thrown when an instrument definition cannot be represented exactly. */
export class InstrumentError extends Error {
  override name = 'InstrumentError';
}

/**
 * Builds the integer spec of an instrument.
 * @throws InstrumentError when a field is not positive decimal text, or tick × lot is finer than one money atom.
 */
export function toSpec(i: Instrument): InstrumentSpec {
  try {
    return buildSpec(i);
  } catch (e) {
    if (e instanceof RangeError) throw new InstrumentError(`${i.symbol}: ${e.message}`);
    throw e;
  }
}

function buildSpec(i: Instrument): InstrumentSpec {
  for (const k of ['tickSize', 'lotSize', 'minQty', 'minNotional', 'makerFee', 'takerFee'] as const) {
    if (!isDecimalText(i[k]) || i[k].startsWith('-'))
      throw new InstrumentError(`${i.symbol}: ${k} must be non-negative decimal text`);
  }
  const tickDp = decimalPlaces(i.tickSize);
  const lotDp = decimalPlaces(i.lotSize);
  if (tickDp + lotDp > MONEY_DP)
    throw new InstrumentError(`${i.symbol}: tick size × lot size is finer than 10^-${MONEY_DP}`);
  const tickUnits = toScaled(i.tickSize, tickDp);
  const lotUnits = toScaled(i.lotSize, lotDp);
  if (tickUnits <= 0n || lotUnits <= 0n)
    throw new InstrumentError(`${i.symbol}: tick size and lot size must be positive`);
  const atomsPerTickLot = tickUnits * lotUnits * 10n ** BigInt(MONEY_DP - tickDp - lotDp);
  const minQtyScaled = toScaled(i.minQty, Math.max(lotDp, decimalPlaces(i.minQty)));
  const minQtyDp = Math.max(lotDp, decimalPlaces(i.minQty));
  // Smallest whole number of lots whose quantity is >= minQty.
  const lotAtMinDp = lotUnits * 10n ** BigInt(minQtyDp - lotDp);
  const minQtyLots = (minQtyScaled + lotAtMinDp - 1n) / lotAtMinDp;
  return {
    symbol: i.symbol,
    tickDp,
    lotDp,
    tickUnits,
    lotUnits,
    atomsPerTickLot,
    minQtyLots,
    minNotionalAtoms: toScaled(i.minNotional, MONEY_DP),
    makerFee: toScaled(i.makerFee, FRACTION_DP),
    takerFee: toScaled(i.takerFee, FRACTION_DP),
  };
}

/** Result of converting decimal text onto an instrument's grid. */
export type GridResult =
  { ok: true; value: bigint } | { ok: false; reason: 'not-a-number' | 'off-grid' | 'not-positive' };

function onGrid(s: string, dp: number, unit: bigint): GridResult {
  if (!isDecimalText(s)) return { ok: false, reason: 'not-a-number' };
  if (decimalPlaces(s) > dp) return { ok: false, reason: 'off-grid' };
  const v = toScaled(s, dp);
  if (v <= 0n) return { ok: false, reason: 'not-positive' };
  if (v % unit !== 0n) return { ok: false, reason: 'off-grid' };
  return { ok: true, value: v / unit };
}

/** Decimal price text → whole ticks; fails when not positive or not a multiple of the tick size. */
export function priceToTicks(spec: InstrumentSpec, price: string): GridResult {
  return onGrid(price, spec.tickDp, spec.tickUnits);
}

/** Decimal quantity text → whole lots; fails when not positive or not a multiple of the lot size. */
export function qtyToLots(spec: InstrumentSpec, qty: string): GridResult {
  return onGrid(qty, spec.lotDp, spec.lotUnits);
}

/**
 * Decimal price text (e.g. a candle price from a data file) → nearest whole tick, half away from zero.
 * @throws RangeError when `price` is not decimal text.
 */
export function priceToNearestTicks(spec: InstrumentSpec, price: string): bigint {
  const dp = Math.max(spec.tickDp, decimalPlaces(price));
  const v = toScaled(price, dp);
  const unit = spec.tickUnits * 10n ** BigInt(dp - spec.tickDp);
  return divRound(v, unit);
}

/** Ticks → decimal price text. */
export function ticksToPrice(spec: InstrumentSpec, ticks: bigint): string {
  return fromScaled(ticks * spec.tickUnits, spec.tickDp);
}

/** Lots → decimal quantity text (base units). */
export function lotsToQty(spec: InstrumentSpec, lots: bigint): string {
  return fromScaled(lots * spec.lotUnits, spec.lotDp);
}

/** Notional in money atoms of `lots` at `ticks`. */
export function notionalAtoms(spec: InstrumentSpec, ticks: bigint, lots: bigint): bigint {
  return ticks * lots * spec.atomsPerTickLot;
}

/** Fee in atoms on a notional at a fee rate (fraction units), rounded up to the atom. */
export function feeAtoms(notional: bigint, rate: bigint): bigint {
  return divCeil(notional * rate, FRACTION_SCALE);
}

/** Default instruments seeded on a fresh database (Coinbase-like BTC and ETH against USD(T)). */
export const DEFAULT_INSTRUMENTS: Instrument[] = [
  {
    symbol: 'BTC-USD',
    base: 'BTC',
    quote: 'USD',
    tickSize: '0.01',
    lotSize: '0.00001',
    minQty: '0.00001',
    minNotional: '1',
    makerFee: '0.001',
    takerFee: '0.002',
  },
  {
    symbol: 'BTC-USDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.00001',
    minQty: '0.00001',
    minNotional: '5',
    makerFee: '0.001',
    takerFee: '0.001',
  },
  {
    symbol: 'ETH-USDT',
    base: 'ETH',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.0001',
    minQty: '0.0001',
    minNotional: '5',
    makerFee: '0.001',
    takerFee: '0.001',
  },
];
