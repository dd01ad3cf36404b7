/**
 * Output helpers: the run header, aligned numbers, ratios against goals, simple tables.
 */
import os from 'node:os';

/** The first line of a bench run: `title`, node version, CPUs, platform, start time and the load average. */
export function machineLine(title: string): string {
  const cpu = os.cpus();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return (
    `${title} — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${os.platform()} ${os.arch()}; ` +
    `${new Date().toISOString()}; load average before start ${load}`
  );
}

/** The last line of a bench run: wall time since `t0` (a `performance.now()` reading). */
export function totalTime(t0: number): string {
  return `\ntotal bench time ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

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
