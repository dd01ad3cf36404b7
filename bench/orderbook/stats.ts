/**
 * Percentiles, medians and number formatting for the order-book benchmark.
 */

/** Latency summary, ns. */
export interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Percentiles of `xs` (sorts a copy; nearest-rank). */
export function latency(xs: Float64Array): Latency {
  const a = Float64Array.from(xs).sort();
  const n = a.length;
  const at = (q: number): number => a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: a[n - 1]!, mean: sum / n };
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Integer with thousands separators. */
export const int = (x: number): string => Math.round(x).toLocaleString('en-US');

/** ns → µs with 2–3 significant decimals. */
export function us(ns: number): string {
  const v = ns / 1000;
  return v < 10 ? v.toFixed(3) : v < 1000 ? v.toFixed(1) : int(v);
}

/** Left-aligned first column, right-aligned others. */
export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}
