/**
 * Exact arithmetic on the API's decimal strings for display (no float ever touches an amount): parse to a scaled
 * bigint, multiply, divide, compare, and print back as decimal text. Used by the consequence texts of the risk
 * profile ("a stop-out costs about 100 USDT"); nothing computed here is sent back to the server.
 */

/** A decimal as an integer `units` scaled by 10^`dp` (value = units ÷ 10^dp). */
export interface Scaled {
  units: bigint;
  dp: number;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Whether `s` is decimal text such as `"12"`, `"-0.5"`, `"1.25"` (no exponent, no grouping). */
export function isDecimal(s: string): boolean {
  return DECIMAL.test(s.trim());
}

/**
 * Parses decimal text exactly. `parse("12.50")` → `{ units: 1250n, dp: 2 }`.
 * @throws RangeError when `s` is not decimal text.
 */
export function parse(s: string): Scaled {
  const t = s.trim();
  if (!DECIMAL.test(t)) throw new RangeError(`not a decimal: ${JSON.stringify(s)}`);
  const neg = t.startsWith('-');
  const [int = '0', frac = ''] = (neg ? t.slice(1) : t).split('.');
  const units = BigInt(int + frac);
  return { units: neg ? -units : units, dp: frac.length };
}

/** Prints a scaled value as decimal text without trailing zeros: `{1250n, 2}` → `"12.5"`. */
export function print(v: Scaled): string {
  const neg = v.units < 0n;
  const digits = (neg ? -v.units : v.units).toString().padStart(v.dp + 1, '0');
  const int = digits.slice(0, digits.length - v.dp);
  const frac = digits.slice(digits.length - v.dp).replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return neg && /[1-9]/.test(out) ? `-${out}` : out;
}

/** `a × b` exactly, as decimal text. @throws RangeError on non-decimal input. */
export function mul(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return print({ units: x.units * y.units, dp: x.dp + y.dp });
}

/** `pct` percent of `amount` (`amount × pct ÷ 100`), exactly, as decimal text. @throws RangeError on bad input. */
export function percentOf(amount: string, pct: string): string {
  const x = parse(amount);
  const y = parse(pct);
  return print({ units: x.units * y.units, dp: x.dp + y.dp + 2 });
}

/** `a − b` exactly, as decimal text. @throws RangeError on non-decimal input. */
export function sub(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const dp = Math.max(x.dp, y.dp);
  return print({ units: x.units * 10n ** BigInt(dp - x.dp) - y.units * 10n ** BigInt(dp - y.dp), dp });
}

/** Compares two decimal texts: −1, 0 or 1. @throws RangeError on non-decimal input. */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const dp = Math.max(x.dp, y.dp);
  const l = x.units * 10n ** BigInt(dp - x.dp);
  const r = y.units * 10n ** BigInt(dp - y.dp);
  return l < r ? -1 : l > r ? 1 : 0;
}

/** `floor(a ÷ b)` for positive decimals (how many times `b` fits in `a`); 0 when `b` is zero. */
export function fits(a: string, b: string): bigint {
  const x = parse(a);
  const y = parse(b);
  if (y.units === 0n) return 0n;
  const dp = Math.max(x.dp, y.dp);
  const l = x.units * 10n ** BigInt(dp - x.dp);
  const r = y.units * 10n ** BigInt(dp - y.dp);
  return l / r;
}
