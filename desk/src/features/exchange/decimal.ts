/**
 * Exact decimal arithmetic on the API's decimal strings for the Exchange page (grid checks, depth sums): a decimal
 * string is read as a bigint scaled by 10^scale, never as a float, so what the page sends back is what was typed.
 */

/** A non-negative decimal such as `"0.5"` or `"12"` (no sign, no exponent). */
export const DECIMAL_RE = /^\d+(\.\d+)?$/;

/** Decimals of a decimal string (`"0.25"` → 2, `"3"` → 0). */
export function decimals(s: string): number {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

/**
 * `s` scaled by 10^`scale` as a bigint (`toScaled("1.25", 3)` → 1250n).
 * @throws RangeError when `s` is not a decimal string or has more than `scale` decimals.
 */
export function toScaled(s: string, scale: number): bigint {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  if (!DECIMAL_RE.test(body)) throw new RangeError(`not a decimal: ${s}`);
  const [int = '0', frac = ''] = body.split('.');
  if (frac.length > scale) throw new RangeError(`${s} has more than ${scale} decimals`);
  const v = BigInt(int + frac.padEnd(scale, '0'));
  return neg ? -v : v;
}

/** A bigint scaled by 10^`scale` back to a decimal string without trailing zeros (1250n, 3 → `"1.25"`). */
export function fromScaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return (neg ? '-' : '') + int + (frac ? '.' + frac : '');
}

/** Whether decimal `value` is a whole multiple of decimal `step` (> 0). */
export function isMultipleOf(value: string, step: string): boolean {
  const scale = Math.max(decimals(value), decimals(step));
  const st = toScaled(step, scale);
  return st > 0n && toScaled(value, scale) % st === 0n;
}

/** Compares two decimal strings: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const scale = Math.max(decimals(a), decimals(b));
  const x = toScaled(a, scale);
  const y = toScaled(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}
