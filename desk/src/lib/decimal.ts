/**
 * Exact decimal arithmetic on the API's decimal strings, for every page of the Desk (the ticket and chart lines,
 * the exchange's grids and depth sums, the risk profile's consequence texts): a value is an integer count of
 * 10^-scale units (`{ units: 1234n, scale: 2 }` is 12.34). Nothing here goes through a float, so a dragged price
 * snapped to the tick grid is exactly what the server's grid check accepts, and what a form sends is what was typed.
 *
 * The one float entry point is {@link fromNumber}: a price read from a pointer position (`coordinateToPrice`) is
 * a float by nature; it is written with a few more decimals than the tick has and then snapped exactly.
 */

/** A decimal number: `units × 10^-scale` (scale ≥ 0). */
export interface Dec {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** True when `s` is a plain decimal number (`"12"`, `"-0.5"`, `"2410.0371"`; no exponent, no grouping). */
export function isDecimal(s: string): boolean {
  return DECIMAL.test(s.trim());
}

/** Parses a plain decimal string. @throws RangeError `not a decimal number` for anything else. */
export function parseDec(s: string): Dec {
  const m = DECIMAL.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(s)}`);
  const frac = m[3] ?? '';
  const units = BigInt((m[2] ?? '0') + frac);
  return { units: m[1] ? -units : units, scale: frac.length };
}

/** Writes `d` as a decimal string with exactly `d.scale` decimals (`{1234n, 2}` → `"12.34"`, `{-5n, 3}` → `"-0.005"`). */
export function formatDec(d: Dec): string {
  const neg = d.units < 0n;
  const digits = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return (neg ? '-' : '') + int + (d.scale > 0 ? '.' + frac : '');
}

/** `d` at a larger `scale` (same value). @throws RangeError when `scale` is smaller than `d.scale`. */
export function rescale(d: Dec, scale: number): Dec {
  if (scale < d.scale) throw new RangeError('rescale cannot drop decimals');
  return { units: d.units * 10n ** BigInt(scale - d.scale), scale };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [rescale(a, scale).units, rescale(b, scale).units, scale];
}

/** a + b, exact. */
export function add(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

/** a − b, exact. */
export function sub(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

/** a × b, exact (scale is the sum of the scales). */
export function mul(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Compares a and b: −1, 0 or 1. */
export function cmp(a: Dec, b: Dec): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** |d|. */
export function abs(d: Dec): Dec {
  return d.units < 0n ? { units: -d.units, scale: d.scale } : d;
}

/** `n ÷ d` rounded half away from zero to an integer (d ≠ 0). */
function divRoundHalfAway(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  return neg ? -q : q;
}

/**
 * The multiple of `step` nearest to `value`, halves rounded away from zero, written with the step's decimals. Used for prices dragged on the chart: `snapToStep("2410.0371", "0.01")` → `"2410.04"`,
 * `snapToStep("100.26", "0.5")` → `"100.5"`. @throws RangeError for a step ≤ 0 or text that is not a decimal.
 */
export function snapToStep(value: string, step: string): string {
  const [x, y, s] = stepOf(value, step);
  return steps(divRoundHalfAway(x, y), s);
}

/** value and step at a common scale, and the step itself. */
function stepOf(value: string, step: string): [bigint, bigint, Dec] {
  const s = parseDec(step);
  if (s.units <= 0n) throw new RangeError('the step must be greater than zero');
  const [x, y] = align(parseDec(value), s);
  return [x, y, s];
}

/** `n` steps, written with the step's decimals. */
const steps = (n: bigint, s: Dec): string => formatDec({ units: n * s.units, scale: s.scale });

/** The largest multiple of `step` at or below `value`: lot-grid rounding of a quantity, a stop snapped down. */
export function floorToStep(value: string, step: string): string {
  const [x, y, s] = stepOf(value, step);
  return steps(x / y - (x % y < 0n ? 1n : 0n), s);
}

/** The smallest multiple of `step` at or above `value`. */
export function ceilToStep(value: string, step: string): string {
  const [x, y, s] = stepOf(value, step);
  return steps(x / y + (x % y > 0n ? 1n : 0n), s);
}

/** True when `value` is an exact multiple of `step` (`"0.003"` on `"0.001"` → true, `"0.0031"` → false). */
export function onStep(value: string, step: string): boolean {
  const [x, y] = align(parseDec(value), parseDec(step));
  return y > 0n && x % y === 0n;
}

/** Decimals written in `s`: the digits after the point (`"0.01"` → 2, `"5"` → 0, `""` → 0); never throws. */
export function decimalsOf(s: string): number {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

/**
 * A float as decimal text with `dp` decimals (half away from zero, as `toFixed`), for values that are floats by
 * nature (a pointer position turned into a price). Never use it on money from the API. @throws RangeError for
 * NaN or ±Infinity.
 */
export function fromNumber(n: number, dp: number): string {
  if (!Number.isFinite(n)) throw new RangeError('not a finite number');
  return n.toFixed(Math.min(20, Math.max(0, dp)));
}

/**
 * `a ÷ b` truncated toward zero to `dp` decimals, as text (b ≠ 0): ratios shown to the trader (reward:risk) are
 * truncated so that 1.998 never reads as 2.00 next to a rule that failed at 2.
 * @throws RangeError when b is zero.
 */
export function divTrunc(a: Dec, b: Dec, dp: number): string {
  if (b.units === 0n) throw new RangeError('division by zero');
  // a/b = (a.units / 10^a.scale) / (b.units / 10^b.scale); times 10^dp
  const num = a.units * 10n ** BigInt(b.scale + dp);
  const den = b.units * 10n ** BigInt(a.scale);
  return formatDec({ units: num / den, scale: dp });
}

/** A non-negative plain decimal (`"0.5"`, `"12"`; no sign, exponent or grouping): sizes and prices typed in forms. */
export const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;

/** Decimal text without trailing zeros after the point: `"12.50"` → `"12.5"`, `"3.000"` → `"3"`, `"-0.0"` → `"0"`. */
export function trimZeros(s: string): string {
  if (!s.includes('.')) return s === '-0' ? '0' : s;
  const out = s.replace(/0+$/, '').replace(/\.$/, '');
  return out === '-0' ? '0' : out;
}

/**
 * `s` as a bigint count of 10^-`scale` (`toScaled("1.25", 3)` → 1250n).
 * @throws RangeError when `s` is not decimal text or has more than `scale` decimals.
 */
export function toScaled(s: string, scale: number): bigint {
  const d = parseDec(s);
  if (d.scale > scale) throw new RangeError(`${s} has more than ${scale} decimals`);
  return rescale(d, scale).units;
}

/** A count of 10^-`scale` back to decimal text without trailing zeros (1250n, 3 → `"1.25"`). */
export function fromScaled(v: bigint, scale: number): string {
  return trimZeros(formatDec({ units: v, scale }));
}

/** Compares two decimal texts: −1, 0 or 1. @throws RangeError on text that is not a decimal. */
export function compareText(a: string, b: string): -1 | 0 | 1 {
  return cmp(parseDec(a), parseDec(b));
}

/** `a × b` exactly, as decimal text without trailing zeros. @throws RangeError on text that is not a decimal. */
export function mulText(a: string, b: string): string {
  return trimZeros(formatDec(mul(parseDec(a), parseDec(b))));
}

/** `a − b` exactly, as decimal text without trailing zeros. @throws RangeError on text that is not a decimal. */
export function subText(a: string, b: string): string {
  return trimZeros(formatDec(sub(parseDec(a), parseDec(b))));
}

/** `pct` percent of `amount` (`amount × pct ÷ 100`), exactly, as decimal text. @throws RangeError on bad input. */
export function percentOf(amount: string, pct: string): string {
  const p = mul(parseDec(amount), parseDec(pct));
  return trimZeros(formatDec({ units: p.units, scale: p.scale + 2 }));
}

/** `floor(a ÷ b)` for positive decimals: how many whole times `b` fits in `a`; 0 when `b` is zero. */
export function fits(a: string, b: string): bigint {
  const [x, y] = align(parseDec(a), parseDec(b));
  return y === 0n ? 0n : x / y;
}
