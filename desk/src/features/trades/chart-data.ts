/**
 * What the trade chart draws: the candle window around a trade, its price lines (entry, initial and current stop,
 * target, exit) and the entry/exit markers snapped to the bar that contains them. Pure.
 */
import type { Bar, TradeDetail } from './api';

/** A horizontal price line. */
export interface PriceLineSpec {
  kind: 'entry' | 'stop-initial' | 'stop' | 'target' | 'exit';
  title: string;
  /** Decimal text as the API sent it. */
  price: string;
  /** Which theme colour: accent (entry), loss (stops), profit (target), fg (exit). */
  tone: 'accent' | 'loss' | 'profit' | 'fg';
  dashed: boolean;
}

/** The price lines of a trade: entry (fill, else the planned price), stop (initial, and current when it moved),
 * target (current, else initial) and exit. */
export function tradeLines(t: TradeDetail): PriceLineSpec[] {
  const out: PriceLineSpec[] = [
    { kind: 'entry', title: 'Entry', price: t.entryFillPrice ?? t.entryPrice, tone: 'accent', dashed: false },
  ];
  // an imported trade may have no known stop (null): no stop line
  const moved = t.stopLoss !== null && t.currentStopLoss !== null && t.currentStopLoss !== t.stopLoss;
  if (t.stopLoss !== null)
    out.push({
      kind: 'stop-initial',
      title: moved ? 'Initial stop' : 'Stop',
      price: t.stopLoss,
      tone: 'loss',
      dashed: moved,
    });
  if (moved && t.currentStopLoss !== null)
    out.push({ kind: 'stop', title: 'Stop', price: t.currentStopLoss, tone: 'loss', dashed: false });
  const target = t.currentTakeProfit ?? t.takeProfit;
  if (target) out.push({ kind: 'target', title: 'Target', price: target, tone: 'profit', dashed: false });
  if (t.exitPrice) out.push({ kind: 'exit', title: 'Exit', price: t.exitPrice, tone: 'fg', dashed: true });
  return out;
}

/** Seconds of a timeframe (`1m` … `1w`); 3600 for an unknown one. */
export function timeframeSeconds(tf: string): number {
  const m = /^(\d+)([mhdw])$/.exec(tf);
  if (!m) return 3600;
  const unit = { m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

/**
 * The latest market time the trade knows of, epoch seconds: its close, else the latest of its submission, entry,
 * fills and decisions (the feed's clock, which in a replay is far from the wall clock).
 */
export function lastMarketTime(
  t: Pick<TradeDetail, 'submittedAt' | 'openedAt' | 'closedAt' | 'fills' | 'decisions'>,
): number {
  const times = [
    t.closedAt,
    t.submittedAt,
    t.openedAt,
    ...t.fills.map((f) => f.filledAt),
    ...t.decisions.map((d) => d.marketTime),
  ];
  let last = 0;
  for (const x of times) if (x) last = Math.max(last, Date.parse(x) / 1000);
  return Math.floor(last);
}

/**
 * The timeframe to chart a trade on: the finest of `available` giving at most ~150 bars over the trade's life
 * (entry to exit, or to `nowSec` while open), at least 1h when offered.
 */
export function chooseTimeframe(
  t: Pick<TradeDetail, 'submittedAt' | 'openedAt' | 'closedAt'>,
  nowSec: number,
  available: readonly string[],
): string {
  const start = Date.parse(t.openedAt ?? t.submittedAt) / 1000;
  const end = t.closedAt ? Date.parse(t.closedAt) / 1000 : nowSec;
  const life = Math.max(0, end - start);
  const sorted = [...available].sort((a, b) => timeframeSeconds(a) - timeframeSeconds(b));
  for (const tf of sorted) if (timeframeSeconds(tf) >= 3600 && life / timeframeSeconds(tf) <= 150) return tf;
  return sorted[sorted.length - 1] ?? '1h';
}

/**
 * The candle window of a trade in epoch seconds: `before` bars before it was submitted to `after` bars after it
 * closed (or to `nowSec` + one bar while it is open).
 */
export function candleWindow(
  t: Pick<TradeDetail, 'submittedAt' | 'closedAt'>,
  tfSec: number,
  nowSec: number,
  before = 48,
  after = 24,
): { from: number; to: number } {
  const start = Math.floor(Date.parse(t.submittedAt) / 1000);
  const end = t.closedAt ? Math.floor(Date.parse(t.closedAt) / 1000) + after * tfSec : nowSec + tfSec;
  return { from: start - before * tfSec, to: end };
}

/** The open time of the bar containing `sec` (the last bar opening at or before it), or null before the first. */
export function barTimeAt(bars: readonly Pick<Bar, 'time'>[], sec: number): number | null {
  let lo = 0;
  let hi = bars.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.time <= sec) {
      found = bars[mid]!.time;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** A marker on a bar. */
export interface MarkerSpec {
  time: number;
  kind: 'entry' | 'exit';
  text: string;
  /** Below the bar for a buy, above for a sell. */
  position: 'belowBar' | 'aboveBar';
  shape: 'arrowUp' | 'arrowDown';
}

/** Markers at the entry fill and the exit, on the bars containing them (those outside the bars are left out). */
export function tradeMarkers(t: TradeDetail, bars: readonly Pick<Bar, 'time'>[]): MarkerSpec[] {
  const out: MarkerSpec[] = [];
  const long = t.side === 'buy';
  if (t.openedAt) {
    const time = barTimeAt(bars, Math.floor(Date.parse(t.openedAt) / 1000));
    if (time !== null)
      out.push({
        time,
        kind: 'entry',
        text: `${long ? 'Buy' : 'Sell'} ${t.entryFillPrice ?? ''}`.trim(),
        position: long ? 'belowBar' : 'aboveBar',
        shape: long ? 'arrowUp' : 'arrowDown',
      });
  }
  if (t.closedAt && t.exitPrice) {
    const time = barTimeAt(bars, Math.floor(Date.parse(t.closedAt) / 1000));
    if (time !== null)
      out.push({
        time,
        kind: 'exit',
        text: `Exit ${t.exitPrice}${t.exitReason ? ` (${t.exitReason})` : ''}`,
        position: long ? 'aboveBar' : 'belowBar',
        shape: long ? 'arrowDown' : 'arrowUp',
      });
  }
  return out.sort((a, b) => a.time - b.time);
}
