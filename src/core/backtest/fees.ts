/**
 * The backtest broker's money options: starting cash, commission (a fixed amount plus a rate, or the paper
 * exchange's maker/taker fees), spread and lot size, parsed from their decimal text into exact integers and an
 * instrument spec, and the fee of one fill.
 *
 * Invariants: pure; money is bigint atoms (10^-12), fractions bigint at FRACTION_SCALE (10^-8), rounded half-up to
 * the atom (maker/taker fees rounded up, as `feeAtoms`); every bad option is a BacktestError `bad-option` naming it.
 */
import { FRACTION_DP, FRACTION_SCALE, MONEY_DP, divRound, fromScaled, toScaled } from '../money/decimal.ts';
import { feeAtoms, toSpec, type InstrumentSpec } from '../instruments/instrument.ts';
import { BacktestError, type BacktestOptions, type BarSeries } from './types.ts';

/** A commission: `fixed` atoms per fill plus `rate` (FRACTION_SCALE) of the fill's value. */
export interface Money {
  fixed: bigint;
  rate: bigint;
}

/** The parsed money options of one run (see {@link parseBrokerOptions}). */
export interface BrokerSetup {
  /** Starting cash, atoms (> 0). */
  cash0: bigint;
  commission: Money;
  /** Maker/taker fee rates (FRACTION_SCALE), or null without `fees`. */
  exFees: { maker: bigint; taker: bigint } | null;
  /** Spread fraction (FRACTION_SCALE), ≥ 0. */
  spread: bigint;
  /** Lot size as given (decimal text). */
  lotSize: string;
  /** The backtest's instrument: the bars' tick, this lot size, the fee rates. */
  spec: InstrumentSpec;
  /** No fill pays anything. */
  noCommission: boolean;
}

/** Fee of one fill of `lots` (signed) at `pricePerLot` atoms; `maker` matters with maker/taker `fees` only. */
export type FeeFn = (lots: number, pricePerLot: bigint, maker?: boolean) => bigint;

function parseFraction(text: string, option: string, allowNegative = false): bigint {
  let v: bigint;
  try {
    v = toScaled(text, FRACTION_DP);
  } catch {
    throw new BacktestError('bad-option', `${option} ${JSON.stringify(text)} is not a decimal fraction`, { option });
  }
  if (!allowNegative && v < 0n) throw new BacktestError('bad-option', `${option} must not be negative`, { option });
  if (v >= FRACTION_SCALE / 10n || v < -FRACTION_SCALE / 10n) {
    const range = allowNegative ? 'from -0.1 up to (not including) 0.1' : 'below 0.1';
    throw new BacktestError('bad-option', `${option} ${text} must be ${range} (a fraction: 0.001 = 0.1%)`, { option });
  }
  return v;
}

function parseMoney(text: string, option: string): bigint {
  try {
    return toScaled(text, MONEY_DP);
  } catch {
    throw new BacktestError('bad-option', `${option} ${JSON.stringify(text)} is not a decimal amount`, { option });
  }
}

/**
 * Parses the money options of `options` (defaults: cash 10000, no commission, no spread, lot size 1) for `bars`.
 * @throws BacktestError `bad-option` (option: cash, commission, fees, spread, lotSize, maker fee, taker fee).
 */
export function parseBrokerOptions(bars: BarSeries, options: BacktestOptions): BrokerSetup {
  const cash0 = parseMoney(options.cash ?? '10000', 'cash');
  if (cash0 <= 0n) throw new BacktestError('bad-option', 'cash must be positive', { option: 'cash' });
  const commission: Money =
    typeof options.commission === 'object'
      ? {
          fixed: parseMoney(options.commission.fixed, 'commission'),
          rate: parseFraction(options.commission.rate, 'commission', true),
        }
      : { fixed: 0n, rate: parseFraction(options.commission ?? '0', 'commission', true) };
  if (commission.fixed < 0n)
    throw new BacktestError('bad-option', 'fixed commission must not be negative', { option: 'commission' });
  if (options.fees !== undefined && options.commission !== undefined)
    throw new BacktestError('bad-option', 'give either commission or maker/taker fees, not both', { option: 'fees' });
  const exFees =
    options.fees === undefined
      ? null
      : {
          maker: parseFraction(options.fees.maker, 'maker fee'),
          taker: parseFraction(options.fees.taker, 'taker fee'),
        };
  const spread = parseFraction(options.spread ?? '0', 'spread');
  const lotSize = options.lotSize ?? '1';
  let spec: InstrumentSpec;
  try {
    const rate = fromScaled(commission.rate < 0n ? 0n : commission.rate, FRACTION_DP);
    const feeText = (v: bigint | undefined): string => (v === undefined ? rate : fromScaled(v, FRACTION_DP));
    spec = toSpec({
      symbol: 'BACKTEST',
      base: 'BASE',
      quote: 'QUOTE',
      tickSize: bars.tickSize,
      lotSize,
      minQty: lotSize,
      minNotional: '0',
      makerFee: feeText(exFees?.maker),
      takerFee: feeText(exFees?.taker),
    });
  } catch (e) {
    throw new BacktestError('bad-option', `lot size ${lotSize}: ${(e as Error).message}`, { option: 'lotSize' });
  }
  const noCommission =
    commission.fixed === 0n && commission.rate === 0n && (exFees === null || (exFees.maker | exFees.taker) === 0n);
  return { cash0, commission, exFees, spread, lotSize, spec, noCommission };
}

/**
 * The fee function of setup `b`: with maker/taker fees, `feeAtoms` of the fill's value at the maker or taker rate;
 * otherwise the fixed commission plus the rate of the value, rounded half-up to the atom; 0 without any.
 */
export function makeFee(b: BrokerSetup): FeeFn {
  const { noCommission, exFees, commission } = b;
  return (lots: number, pricePerLot: bigint, maker = false): bigint =>
    noCommission
      ? 0n
      : exFees !== null
        ? feeAtoms(BigInt(Math.abs(lots)) * pricePerLot, maker ? exFees.maker : exFees.taker)
        : commission.fixed + divRound(BigInt(Math.abs(lots)) * pricePerLot * commission.rate, FRACTION_SCALE);
}
