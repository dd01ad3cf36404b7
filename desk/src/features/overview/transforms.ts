/**
 * Chart data of the Overview, computed from the API's replies. Pure (no DOM, no clock), tested in node.
 * Money arrives as decimal text and is converted to floats here for drawing only (never sent back).
 */
import type { UTCTimestamp } from 'lightweight-charts';
import type { BreakdownBy, BreakdownGroup, DailyResult, EquityPoint, Excursion, RBucket } from './api';

/** One point of the cumulative R line: the n-th closed trade (1-based), its close time, its R and ΣR so far. */
export interface CumulativePoint {
  n: number;
  id: number;
  time: string;
  r: number;
  cumR: number;
}

/**
 * ΣR after each closed trade, in close order (ties by id). Sums are rounded to 10 decimals to hide binary noise
 * (0.1 + 0.2 → 0.3).
 */
export function cumulativeR(trades: readonly Pick<Excursion, 'id' | 'r' | 'closedAt'>[]): CumulativePoint[] {
  const sorted = [...trades].sort((a, b) => a.closedAt.localeCompare(b.closedAt) || a.id - b.id);
  let sum = 0;
  return sorted.map((t, i) => {
    sum = Math.round((sum + t.r) * 1e10) / 1e10;
    return { n: i + 1, id: t.id, time: t.closedAt, r: t.r, cumR: sum };
  });
}

/** One point of an underwater (drawdown) series: how far below its running peak, ≤ 0. */
export interface UnderwaterPoint {
  n: number;
  time: string;
  /** Drawdown in R below the peak of cumulative R (the peak starts at 0 R). */
  ddR: number;
}

/**
 * The underwater curve in R from the cumulative R line: ΣR − max(0, peak ΣR so far), so a journal that starts by
 * losing is under water from its first trade. Starts with a point at n = 0, 0 R.
 */
export function underwaterR(cum: readonly CumulativePoint[]): UnderwaterPoint[] {
  const out: UnderwaterPoint[] = [{ n: 0, time: cum[0]?.time ?? '', ddR: 0 }];
  let peak = 0;
  for (const p of cum) {
    if (p.cumR > peak) peak = p.cumR;
    out.push({ n: p.n, time: p.time, ddR: Math.round((p.cumR - peak) * 1e10) / 1e10 });
  }
  return out;
}

/** One point of the account's underwater curve in percent. */
export interface UnderwaterPctPoint {
  time: string;
  /** −(peak − equity) ÷ peak × 100, ≤ 0. */
  pct: number;
}

/**
 * The underwater curve in percent of the peak from the equity curve (`drawdown` = peak − equity; the peak is
 * `peak` when the server sends it, else equity + drawdown). A non-positive peak gives 0.
 */
export function underwaterFromEquity(curve: readonly EquityPoint[]): UnderwaterPctPoint[] {
  return curve.map((p) => {
    const equity = Number(p.equity);
    const dd = Number(p.drawdown);
    const peak = p.peak !== undefined ? Number(p.peak) : equity + dd;
    const pct = peak > 0 ? -(dd / peak) * 100 : 0;
    return { time: p.time, pct: pct === 0 ? 0 : Math.round(pct * 1e6) / 1e6 };
  });
}

/** One day of the calendar heat map. */
export interface CalendarCell {
  /** `YYYY-MM-DD`. */
  day: string;
  /** Week column, 0 = the first week shown. */
  col: number;
  /** Row: 0 = Monday … 6 = Sunday. */
  row: number;
  /** The day's results, or null when no trade closed that day. */
  result: DailyResult | null;
}

/** The calendar heat map: cells of whole weeks (Monday first), month labels at the week where a month starts. */
export interface CalendarGrid {
  weeks: number;
  cells: CalendarCell[];
  months: { col: number; label: string }[];
  /** Largest |net P&L| of a day (for the colour scale), 0 when none. */
  maxAbsPnl: number;
  /** Largest |R| of a day, 0 when none. */
  maxAbsR: number;
}

const MS_DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Monday-based weekday of a UTC day number (days since 1970-01-01, a Thursday): 0 = Monday. */
const mondayRow = (dayNo: number): number => (((dayNo + 3) % 7) + 7) % 7;

/**
 * Lays out daily results as a GitHub-style calendar: weeks in columns (Monday at the top), from the Monday of the
 * first day's week to the Sunday of the last day's week, at most `maxWeeks` weeks (the latest ones kept). Days
 * without results are cells with `result: null`. No days gives an empty grid.
 */
export function calendarGrid(days: readonly DailyResult[], maxWeeks = 53): CalendarGrid {
  if (days.length === 0) return { weeks: 0, cells: [], months: [], maxAbsPnl: 0, maxAbsR: 0 };
  const byDay = new Map(days.map((d) => [d.day, d]));
  const nums = days.map((d) => Math.floor(Date.parse(`${d.day}T00:00:00Z`) / MS_DAY));
  const last = Math.max(...nums);
  const end = last + (6 - mondayRow(last));
  let start = Math.min(...nums);
  start -= mondayRow(start);
  if ((end - start + 1) / 7 > maxWeeks) start = end - maxWeeks * 7 + 1;
  const cells: CalendarCell[] = [];
  const months: { col: number; label: string }[] = [];
  let maxAbsPnl = 0;
  let maxAbsR = 0;
  for (let n = start; n <= end; n++) {
    const date = new Date(n * MS_DAY);
    const day = date.toISOString().slice(0, 10);
    const col = Math.floor((n - start) / 7);
    const row = n - start - col * 7;
    const result = byDay.get(day) ?? null;
    if (result) {
      maxAbsPnl = Math.max(maxAbsPnl, Math.abs(Number(result.netPnl)));
      maxAbsR = Math.max(maxAbsR, Math.abs(result.r));
    }
    if (date.getUTCDate() === 1 || n === start) {
      const label = MONTHS[date.getUTCMonth()]!;
      if (!months.some((m) => m.col === col)) months.push({ col, label });
      else months[months.length - 1] = { col, label };
    }
    cells.push({ day, col, row, result });
  }
  return { weeks: (end - start + 1) / 7, cells, months, maxAbsPnl, maxAbsR };
}

/**
 * The colour intensity of a day in [0, 1] (|value| ÷ max, with a floor of 0.15 so a small result still shows);
 * 0 for no result or a zero max.
 */
export function heatIntensity(value: number, max: number): number {
  if (!(max > 0) || value === 0 || !Number.isFinite(value)) return 0;
  return Math.min(1, 0.15 + 0.85 * (Math.abs(value) / max));
}

/** A bar of the R histogram: its label (`-1 to -0.5`, `≥ 3`), centre for sorting, and count. */
export interface HistogramBar {
  label: string;
  from: number | null;
  to: number | null;
  count: number;
  /** Whether the bucket lies at or above 0 R (drawn in the profit colour). */
  positive: boolean;
}

const fmtR = (n: number): string => String(Math.round(n * 100) / 100);

/** The R histogram's bars from the server's buckets. */
export function histogramBars(buckets: readonly RBucket[]): HistogramBar[] {
  return buckets.map((b) => ({
    label:
      b.from === null
        ? `< ${fmtR(b.to ?? 0)}`
        : b.to === null
          ? `≥ ${fmtR(b.from)}`
          : `${fmtR(b.from)} to ${fmtR(b.to)}`,
    from: b.from,
    to: b.to,
    count: b.count,
    positive: (b.from ?? -Infinity) >= 0,
  }));
}

/**
 * Client-side R histogram in buckets of `width` aligned on multiples of it, `[k·w, (k+1)·w)`, contiguous from the
 * lowest to the highest bucket (the server's `rDistribution` rule, used when only raw R values are at hand).
 * @throws RangeError when `width` is not positive.
 */
export function bucketR(rs: readonly number[], width = 0.5): RBucket[] {
  if (!(width > 0) || !Number.isFinite(width)) throw new RangeError(`width must be positive, got ${width}`);
  const ks = rs.filter(Number.isFinite).map((r) => Math.floor(r / width + 1e-9));
  if (ks.length === 0) return [];
  const lo = Math.min(...ks);
  const hi = Math.max(...ks);
  const edge = (k: number): number => Math.round(k * width * 1e10) / 1e10;
  const out: RBucket[] = [];
  for (let k = lo; k <= hi; k++) out.push({ from: edge(k), to: edge(k + 1), count: 0 });
  for (const k of ks) out[k - lo]!.count++;
  return out;
}

/** A bar of a breakdown chart. */
export interface BreakdownBar {
  key: string;
  label: string;
  trades: number;
  totalR: number;
  expectancyR: number;
  /** Percent. */
  winRatePct: number;
  netPnl: number;
}

const WEEKDAY_SHORT: Record<string, string> = {
  monday: 'Mon',
  tuesday: 'Tue',
  wednesday: 'Wed',
  thursday: 'Thu',
  friday: 'Fri',
  saturday: 'Sat',
  sunday: 'Sun',
};

/** The label of a breakdown key: `Mon`, `09h`, `Long`/`Short`, `(no setup)`, `(no tags)`, or the key itself. */
export function breakdownLabel(by: BreakdownBy, key: string | null): string {
  if (key === null) return by === 'tag' ? '(no tags)' : by === 'setup' ? '(no setup)' : '(none)';
  if (by === 'weekday') return WEEKDAY_SHORT[key] ?? key;
  if (by === 'hour') return `${key}h`;
  if (by === 'side') return key === 'buy' ? 'Long' : key === 'sell' ? 'Short' : key;
  return key;
}

/**
 * The bars of a breakdown chart, in the server's order. Weekday, hour and side keep every group; setups, tags and
 * symbols at most `limit` (the server lists them by trade count, so the most traded are kept).
 */
export function breakdownBars(by: BreakdownBy, groups: readonly BreakdownGroup[], limit = 20): BreakdownBar[] {
  const kept = by === 'weekday' || by === 'hour' || by === 'side' ? groups : groups.slice(0, limit);
  return kept.map((g) => ({
    key: g.key ?? '',
    label: breakdownLabel(by, g.key),
    trades: g.trades,
    totalR: g.totalR,
    expectancyR: g.expectancyR,
    winRatePct: g.winRate * 100,
    netPnl: Number(g.netPnl),
  }));
}

/** Whether a breakdown has any trade (weekday and hour groups are zero-filled by the server). */
export function hasTrades(groups: readonly { trades: number }[]): boolean {
  return groups.some((g) => g.trades > 0);
}

/** A point of the MAE/MFE scatter. */
export interface ExcursionPoint {
  id: number;
  /** MAE in R (≤ 0). */
  mae: number;
  /** MFE in R (≥ 0). */
  mfe: number;
  r: number;
  win: boolean;
  symbol: string;
}

/** MAE/MFE points of the trades that have both (trades closed before they were recorded are left out). */
export function excursionPoints(trades: readonly Excursion[]): ExcursionPoint[] {
  const out: ExcursionPoint[] = [];
  for (const t of trades)
    if (t.maeR !== null && t.mfeR !== null)
      out.push({ id: t.id, mae: t.maeR, mfe: t.mfeR, r: t.r, win: t.r > 0, symbol: t.symbol });
  return out;
}

/** A point of the holding-time scatter: hours held and R. */
export interface HoldingPoint {
  id: number;
  hours: number;
  r: number;
  win: boolean;
  symbol: string;
}

/** Holding time (hours, 2 decimals) against R for the trades with a known holding time. */
export function holdingPoints(trades: readonly Excursion[]): HoldingPoint[] {
  const out: HoldingPoint[] = [];
  for (const t of trades)
    if (t.holdingSeconds !== null)
      out.push({
        id: t.id,
        hours: Math.round((t.holdingSeconds / 3600) * 100) / 100,
        r: t.r,
        win: t.r > 0,
        symbol: t.symbol,
      });
  return out;
}

const r2 = (n: number): string => `${n > 0 ? '+' : ''}${n.toFixed(2)}R`;

/** A sentence on the best and worst group of a breakdown (groups without trades ignored). */
export function breakdownSummary(noun: string, bars: readonly BreakdownBar[]): string {
  const withTrades = bars.filter((b) => b.trades > 0);
  if (withTrades.length === 0) return `No closed trades by ${noun}.`;
  const best = withTrades.reduce((a, b) => (b.totalR > a.totalR ? b : a));
  const worst = withTrades.reduce((a, b) => (b.totalR < a.totalR ? b : a));
  const t = (b: BreakdownBar) => `${b.label} ${r2(b.totalR)} over ${b.trades} trade${b.trades === 1 ? '' : 's'}`;
  return withTrades.length === 1
    ? `Only ${noun} with trades: ${t(best)}.`
    : `${withTrades.length} ${noun} groups with trades. Best: ${t(best)}; worst: ${t(worst)}.`;
}

/** A sentence on a cumulative R line: trades, final ΣR and its high and low. */
export function cumulativeSummary(cum: readonly CumulativePoint[]): string {
  if (cum.length === 0) return 'No closed trades.';
  const last = cum[cum.length - 1]!.cumR;
  const hi = Math.max(...cum.map((p) => p.cumR));
  const lo = Math.min(...cum.map((p) => p.cumR));
  return `${cum.length} closed trades end at ${r2(last)} cumulative; highest ${r2(hi)}, lowest ${r2(lo)}.`;
}

/** A sentence on an underwater curve: the deepest drawdown in R and whether the journal is at a new high. */
export function underwaterSummary(pts: readonly UnderwaterPoint[]): string {
  if (pts.length <= 1) return 'No closed trades.';
  const worst = Math.min(...pts.map((p) => p.ddR));
  const now = pts[pts.length - 1]!.ddR;
  return `Deepest drawdown ${r2(worst)} below the peak of cumulative R; now ${now === 0 ? 'at a new high' : r2(now) + ' below it'}.`;
}

/** Equity points as strictly increasing (seconds, value) pairs; a later point at the same second replaces it. */
export function equitySeries(curve: readonly EquityPoint[]): { time: UTCTimestamp; value: number }[] {
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (const p of curve) {
    const time = Math.floor(Date.parse(p.time) / 1000) as UTCTimestamp;
    const value = Number(p.equity);
    if (!Number.isFinite(time) || !Number.isFinite(value)) continue;
    const last = out[out.length - 1];
    if (last && last.time >= time) {
      last.value = value;
      continue;
    }
    out.push({ time, value });
  }
  return out;
}

/** `#rrggbb` with an alpha channel (`withAlpha('#3b82f6', 0.5)` → `#3b82f680`); other colour forms unchanged. */
export function withAlpha(color: string, alpha: number): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) return color;
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255);
  return color + a.toString(16).padStart(2, '0');
}

/**
 * An equity curve of the filtered trades only, for display: the account's start equity plus the running net P&L of
 * the matching trades, one point at the end of each UTC day with exits, after a first point at the start of the
 * first day. Floats (drawing only); `drawdown` is below the running peak.
 */
export function filteredEquity(startEquity: string, days: readonly DailyResult[]): EquityPoint[] {
  if (days.length === 0) return [];
  const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
  let equity = Number(startEquity);
  let peak = equity;
  const out: EquityPoint[] = [{ time: `${sorted[0]!.day}T00:00:00.000Z`, equity: String(equity), drawdown: '0' }];
  for (const d of sorted) {
    equity = Math.round((equity + Number(d.netPnl)) * 1e8) / 1e8;
    peak = Math.max(peak, equity);
    out.push({
      time: `${d.day}T23:59:59.000Z`,
      equity: String(equity),
      drawdown: String(Math.round((peak - equity) * 1e8) / 1e8),
    });
  }
  return out;
}
