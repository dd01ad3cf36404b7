/**
 * The totals of a run's parity report (`GET /api/v1/strategy-runs/:id/parity`), read defensively from its JSON
 * (the report is built by another part of the server; only its totals are shown here): trade counts, differences
 * and R sums. Null when the body has no usable `totals`.
 */

/** The totals the Desk shows. */
export interface ParitySummary {
  equal: boolean | null;
  backtestTrades: number;
  liveTrades: number;
  matched: number;
  differing: number;
  /** Matched trades still open live: their exits are not compared yet. */
  openLive: number;
  missed: number;
  extra: number;
  liveRejections: number;
  backtestR: number;
  liveR: number;
  diffR: number;
  slippageR: number;
}

const KEYS = [
  'backtestTrades',
  'liveTrades',
  'matched',
  'differing',
  'openLive',
  'missed',
  'extra',
  'liveRejections',
  'backtestR',
  'liveR',
  'diffR',
  'slippageR',
] as const;

/** The {@link ParitySummary} of a parity report body; missing numbers count as 0, no `totals` object gives null. */
export function paritySummary(body: unknown): ParitySummary | null {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null;
  const t = b && typeof b.totals === 'object' && b.totals !== null ? (b.totals as Record<string, unknown>) : null;
  if (!t) return null;
  const out = { equal: typeof b!.equal === 'boolean' ? b!.equal : null } as ParitySummary;
  for (const k of KEYS) {
    const v = t[k];
    out[k] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
  }
  return out;
}
