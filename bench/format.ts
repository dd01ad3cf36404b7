/**
 * Output helpers: aligned numbers, ratios against goals, simple tables.
 */

/** 1234567.8 → "1,234,568". */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A number with `dp` decimals and thousands separators. */
export const num = (n: number, dp = 1): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: dp, maximumFractionDigits: dp });

/** "0.87× goal" style ratio, with a mark when the goal is met. */
export function ratio(value: number, goal: number, higherIsBetter = true): string {
  const r = value / goal;
  const met = higherIsBetter ? value >= goal : value <= goal;
  return `${r.toFixed(2)}× goal ${met ? '(met)' : '(NOT met)'}`;
}

/** Prints rows as a left-aligned table; the first row is the header. */
export function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const line = (r: string[]) =>
    indent +
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!), indent + widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join('\n');
}

/** A section heading. */
export function heading(s: string): string {
  return `\n=== ${s} ${'='.repeat(Math.max(0, 100 - s.length))}`;
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
