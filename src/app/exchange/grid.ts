/**
 * Decimal text at the exchange's boundary → whole grid units of a market (ticks, lots), with the typed validation
 * errors the API answers. Pure.
 */
import { priceToTicks, qtyToLots } from '../../core/instruments/instrument.ts';
import { ValidationError } from '../errors.ts';
import type { MarketRuntime } from './state.ts';

/**
 * Decimal text → a whole number of grid units (ticks or lots) as a safe integer, through the instrument grid
 * helpers. `allowZero` admits exactly zero (a bounded market settling at 0).
 * @throws ValidationError `invalid-price`/`invalid-size` (not a positive decimal, too large) or
 *   `price-off-tick`/`size-off-lot` (not a multiple of the grid).
 */
export function onGrid(m: MarketRuntime, kind: 'price' | 'size', field: string, v: string, allowZero = false): number {
  const invalid = kind === 'price' ? 'invalid-price' : 'invalid-size';
  if (allowZero && /^0+(\.0+)?$/.test(v.trim())) return 0;
  const g = kind === 'price' ? priceToTicks(m.spec, v.trim()) : qtyToLots(m.spec, v.trim());
  if (!g.ok) {
    if (g.reason === 'off-grid')
      throw new ValidationError([
        {
          field,
          code: kind === 'price' ? 'price-off-tick' : 'size-off-lot',
          message: `must be a multiple of the ${kind === 'price' ? 'tick' : 'lot'} size ${kind === 'price' ? m.tickSize : m.lotSize}`,
        },
      ]);
    const positive = g.reason === 'not-positive' && !v.trim().startsWith('-');
    throw new ValidationError([
      { field, code: invalid, message: positive ? 'must be greater than zero' : 'must be a positive decimal' },
    ]);
  }
  if (g.value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ValidationError([{ field, code: invalid, message: 'is too large' }]);
  return Number(g.value);
}

/** A price in ticks. @see onGrid */
export const toTicks = (m: MarketRuntime, field: string, v: string, allowZero = false): number =>
  onGrid(m, 'price', field, v, allowZero);

/** A size in lots. @see onGrid */
export const toLots = (m: MarketRuntime, field: string, v: string): number => onGrid(m, 'size', field, v);

/** @throws ValidationError `price-out-of-bounds` when `ticks` lies outside the market's bounds. */
export function withinBounds(m: MarketRuntime, field: string, ticks: number | undefined): void {
  if (ticks === undefined) return;
  const p = BigInt(ticks);
  if (p < m.margin.minPrice || (m.margin.maxPrice !== null && p > m.margin.maxPrice))
    throw new ValidationError([{ field, code: 'price-out-of-bounds', message: `must be within the market's bounds` }]);
}
