/**
 * Exact decimal arithmetic for money, prices and quantities.
 *
 * Invariants:
 * - No binary floating point ever touches a price, quantity, balance or P&L. Decimal text from the boundary is
 *   parsed straight into integers (bigint) at a fixed scale; results are formatted back to decimal text.
 * - Money ("atoms") is a bigint count of 10^-12 quote-currency units (`MONEY_SCALE`). Every instrument's
 *   tick size × lot size must be a whole number of atoms, so notional and P&L are exact integers.
 * - Fractions (risk %, fee rates) are bigint counts of 10^-8 (`FRACTION_SCALE`): 1% = 1_000_000n, 0.1% fee = 100_000n.
 */

/** Decimal places of one money atom: 1 atom = 10^-12 units of the quote currency. */
export const MONEY_DP = 12;
/** Atoms per whole unit of the quote currency (10^12). */
export const MONEY_SCALE = 10n ** BigInt(MONEY_DP);
/** Decimal places of a fraction (fee rate, risk fraction): 1 unit = 10^-8. */
export const FRACTION_DP = 8;
/** Units per whole 1.0 of a fraction (10^8). */
export const FRACTION_SCALE = 10n ** BigInt(FRACTION_DP);

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** True when `s` is plain decimal text such as `"100"`, `"-0.5"`, `"8267.88"` (no exponent, no separators). */
export function isDecimalText(s: string): boolean {
  return DECIMAL_RE.test(s);
}

/**
 * Parses decimal text into an integer at `dp` decimal places: `toScaled("1.25", 2) === 125n`.
 * @throws RangeError when `s` is not decimal text or has more than `dp` significant decimal places
 *   (trailing zeros beyond `dp` are accepted).
 */
export function toScaled(s: string, dp: number): bigint {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(s)}`);
  const sign = m[1] === '-' ? -1n : 1n;
  const int = m[2] ?? '0';
  let frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > dp) throw new RangeError(`${s} has more than ${dp} decimal places`);
  frac = frac.padEnd(dp, '0');
  return sign * BigInt(int + frac);
}

/**
 * A finite number as plain decimal text: its shortest round-trip form with any exponent expanded by string
 * arithmetic (`1e-7` → `"0.0000001"`, `0.1` → `"0.1"`). For numbers parsed from JSON or returned by a library; exact
 * when the source had at most 15 significant digits.
 */
export function numberToDecimalText(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = int! + frac;
  const point = int!.length + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`.replace(/\.?0+$/, '');
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Significant decimal places of decimal text, ignoring trailing zeros: `decimalPlaces("0.0100") === 2`. */
export function decimalPlaces(s: string): number {
  return (s.split('.')[1] ?? '').replace(/0+$/, '').length;
}

/** Like {@link toScaled} but returns `undefined` instead of throwing. */
export function tryScaled(s: string, dp: number): bigint | undefined {
  try {
    return toScaled(s, dp);
  } catch {
    return undefined;
  }
}

/**
 * Formats an integer at `dp` decimal places as decimal text, trimming trailing zeros:
 * `fromScaled(125n, 2) === "1.25"`, `fromScaled(100n, 2) === "1"`.
 */
export function fromScaled(v: bigint, dp: number): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const s = abs.toString().padStart(dp + 1, '0');
  const int = s.slice(0, s.length - dp);
  const frac = dp > 0 ? s.slice(s.length - dp).replace(/0+$/, '') : '';
  return (neg ? '-' : '') + int + (frac ? '.' + frac : '');
}

/** Decimal quote-currency text → atoms (10^-12). @throws RangeError on bad text or more than 12 decimals. */
export function toAtoms(s: string): bigint {
  return toScaled(s, MONEY_DP);
}

/** Atoms → decimal quote-currency text, e.g. `formatAtoms(1_500_000_000_000n) === "1.5"`. */
export function formatAtoms(a: bigint): string {
  return fromScaled(a, MONEY_DP);
}

/** Atoms rounded to `dp` decimals (half away from zero) and formatted with exactly `dp` decimals, for display. */
export function formatAtomsFixed(a: bigint, dp: number): string {
  const q = divRound(a, pow10(MONEY_DP - dp));
  if (dp === 0) return q.toString();
  const neg = q < 0n;
  const digits = (neg ? -q : q).toString().padStart(dp + 1, '0');
  const cut = digits.length - dp;
  return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
}

const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/** 10^n as a bigint, from a table for n < 40. */
export function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/** Percent text ("1", "0.5") → fraction units (10^-8 of 1.0): `percentToFraction("1") === 1_000_000n`. */
export function percentToFraction(pct: string): bigint {
  return toScaled(pct, FRACTION_DP - 2);
}

/** Fraction units → percent text: `fractionToPercent(1_000_000n) === "1"`. */
export function fractionToPercent(f: bigint): string {
  return fromScaled(f, FRACTION_DP - 2);
}

/** Integer division rounding toward negative infinity (floor), for any signs. */
export function divFloor(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Integer division rounding toward positive infinity (ceil), for any signs. */
export function divCeil(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n === b < 0n ? q + 1n : q;
}

/** Integer division rounding half away from zero. */
export function divRound(a: bigint, b: bigint): bigint {
  const neg = a < 0n !== b < 0n;
  const aa = a < 0n ? -a : a;
  const bb = b < 0n ? -b : b;
  const q = (aa * 2n + bb) / (2n * bb);
  return neg ? -q : q;
}

/** Absolute value of a bigint. */
export function absBig(a: bigint): bigint {
  return a < 0n ? -a : a;
}

/** Ratio of two bigints as a float, for statistics and display only (never for money). */
export function ratio(a: bigint, b: bigint): number {
  if (b === 0n) return a === 0n ? 0 : a > 0n ? Infinity : -Infinity;
  return Number((a * 1_000_000_000n) / b) / 1e9;
}
