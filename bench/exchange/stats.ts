/**
 * Latency percentiles and failure tallies of the exchange benchmark.
 */

/** Latency summary, ms; `n` samples (all zero when there are none). */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of `xs` (ms). */
export function latencySummary(xs: readonly number[]): LatencySummary {
  const n = xs.length;
  if (n === 0) return { n: 0, p50: 0, p99: 0, max: 0, mean: 0 };
  const a = Float64Array.from(xs).sort();
  const at = (q: number): number => a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return { n, p50: at(0.5), p99: at(0.99), max: a[n - 1]!, mean: sum / n };
}

/** Sums failure counts by code. */
export function mergeFailures(parts: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p)) out[k] = (out[k] ?? 0) + v;
  return out;
}
