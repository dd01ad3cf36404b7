/**
 * Checks of the Positions page's forms before anything is sent (the server checks again and its refusal is shown):
 * a partial-close quantity on the instrument's lot grid, above zero, within the open size and not leaving a rest
 * below the minimum quantity; a stop or target price on the tick grid. Exact: decimal strings only.
 */
import { cmp, isDecimal, onStep, parseDec, sub, formatDec } from '@/lib/decimal';

/** A field error: a stable kebab-case code (the server's where one exists) and a message for the trader. */
export interface FormError {
  code: string;
  message: string;
}

/** What a partial close is checked against (decimal strings, base units). */
export interface LotGrid {
  lotSize: string;
  minQty: string;
  openQty: string;
}

/**
 * The error of a partial-close quantity, or null when it may be sent. Equal to the open size is allowed (it
 * closes the whole position). Codes: `required`, `invalid-quantity`, `quantity-off-lot`,
 * `quantity-exceeds-position`, `remaining-below-minimum` (the last three as the server names them).
 */
export function partialQtyError(text: string, g: LotGrid): FormError | null {
  const q = text.trim();
  if (q === '') return { code: 'required', message: 'Enter the quantity to close' };
  if (!isDecimal(q) || q.startsWith('-'))
    return { code: 'invalid-quantity', message: 'must be a decimal number such as "0.01"' };
  if (parseDec(q).units <= 0n) return { code: 'invalid-quantity', message: 'must be greater than zero' };
  if (!onStep(q, g.lotSize))
    return { code: 'quantity-off-lot', message: `must be a multiple of the lot size ${g.lotSize}` };
  const c = cmp(parseDec(q), parseDec(g.openQty));
  if (c > 0) return { code: 'quantity-exceeds-position', message: `must be at most the open size ${g.openQty}` };
  if (c < 0) {
    const rest = sub(parseDec(g.openQty), parseDec(q));
    if (cmp(rest, parseDec(g.minQty)) < 0)
      return {
        code: 'remaining-below-minimum',
        message: `would leave ${formatDec(rest)}, below the minimum quantity ${g.minQty}: close all of it instead`,
      };
  }
  return null;
}

/** The error of a stop or target price, or null: a positive decimal on the tick grid (`price-off-tick`). */
export function priceError(text: string, tick: string): FormError | null {
  const p = text.trim();
  if (p === '') return { code: 'required', message: 'Enter a price' };
  if (!isDecimal(p) || p.startsWith('-'))
    return { code: 'invalid-price', message: 'must be a decimal number such as "2410.5"' };
  if (parseDec(p).units <= 0n) return { code: 'invalid-price', message: 'must be greater than zero' };
  if (!onStep(p, tick)) return { code: 'price-off-tick', message: `must be a multiple of the tick size ${tick}` };
  return null;
}

/** Share of a limit used, 0..1 (display only; null without a limit). */
export function usedShare(used: string | number, limit: string | number): number | null {
  const u = Math.abs(Number(used));
  const l = Number(limit);
  if (!Number.isFinite(u) || !Number.isFinite(l) || l <= 0) return null;
  return Math.min(1, u / l);
}
