/** Display helpers of the Exchange page (exact: they work on the API's decimal text). */
import { groupDecimal } from '@/lib/format';
import { decimalsOf, fromScaled, toScaled } from '@/lib/decimal';

/** A price or size as the server wrote it, grouped; `–` for null. */
export function dec(s: string | null | undefined): string {
  return s === null || s === undefined || s === '' ? '–' : groupDecimal(s);
}

/** `a − b` of two decimal strings, exactly (null when either is null). */
export function minus(a: string | null | undefined, b: string | null | undefined): string | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const scale = Math.max(decimalsOf(a), decimalsOf(b));
  return fromScaled(toScaled(a, scale) - toScaled(b, scale), scale);
}

/** A time as `HH:MM:SS` UTC. */
export function clock(iso: string | null | undefined): string {
  return iso ? iso.slice(11, 19) : '–';
}
