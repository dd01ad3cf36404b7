/**
 * The ticket's three prices (entry, stop, target) as lines on the chart, like TradingView's long/short position
 * tool: where they start around the last price, which line a pointer grabs, the price a drag lands on (snapped
 * exactly to the instrument's tick), reward:risk, and the geometry of the shaded risk (entry↔stop, red) and reward
 * (entry↔target, green) zones. Pure: coordinates come in as numbers, prices as exact decimal strings.
 */
import {
  abs,
  add,
  ceilToStep,
  cmp,
  decimalsOf,
  divTrunc,
  floorToStep,
  formatDec,
  fromNumber,
  mul,
  parseDec,
  snapToStep,
  sub,
  type Dec,
} from '@/lib/decimal';

/** Side of a setup as the API takes it: `buy` is a long, `sell` a short. */
export type Side = 'buy' | 'sell';

/** Which line. */
export type LineKey = 'entry' | 'stop' | 'target';

/** The three prices of a setup, decimal strings on the tick grid. */
export interface Lines {
  entry: string;
  stop: string;
  target: string;
}

/** Options of {@link defaultLines}. */
export interface DefaultLinesOptions {
  side: Side;
  /** Last traded price (decimal string). */
  last: string;
  /** The instrument's tick size (decimal string). */
  tick: string;
  /** Stop distance from the entry, percent of the entry (default `"1.5"`). */
  stopPct?: string;
  /** Target distance in multiples of the risk distance (default `"2"`, i.e. 2R). */
  rewardRisk?: string;
}

/**
 * Lines placed around the last price when the trader picks Long or Short: entry at the last price (snapped to the
 * tick), stop `stopPct` % away on the protective side (rounded away from the entry onto the grid, and at least one
 * tick away), target at `rewardRisk` × the risk distance on the other side (rounded away from the entry, so the
 * ratio is never below the one asked). Long at 2,410 with tick 0.01: stop 2,373.85, target 2,482.30.
 * @throws RangeError when `last` or `tick` is not a positive decimal.
 */
export function defaultLines(o: DefaultLinesOptions): Lines {
  const tick = parseDec(o.tick);
  if (tick.units <= 0n || parseDec(o.last).units <= 0n) throw new RangeError('last price and tick must be positive');
  const entryText = snapToStep(o.last, o.tick);
  const entry = parseDec(entryText);
  const pctOfEntry = mul(entry, parseDec(o.stopPct ?? '1.5'));
  const dist: Dec = { units: pctOfEntry.units, scale: pctOfEntry.scale + 2 }; // ÷ 100, exact
  const long = o.side === 'buy';
  let stopText = long
    ? floorToStep(formatDec(sub(entry, dist)), o.tick)
    : ceilToStep(formatDec(add(entry, dist)), o.tick);
  if (cmp(parseDec(stopText), entry) === 0) stopText = formatDec(long ? sub(entry, tick) : add(entry, tick));
  if (parseDec(stopText).units <= 0n) stopText = o.tick;
  const risk = abs(sub(entry, parseDec(stopText)));
  const reward = mul(risk, parseDec(o.rewardRisk ?? '2'));
  const target = long
    ? ceilToStep(formatDec(add(entry, reward)), o.tick)
    : floorToStep(formatDec(sub(entry, reward)), o.tick);
  const dp = decimalsOf(o.tick);
  return { entry: fixed(entryText, dp), stop: fixed(stopText, dp), target: fixed(target, dp) };
}

/** A decimal string written with exactly `dp` decimals (never dropping non-zero digits). */
export function fixed(s: string, dp: number): string {
  const d = parseDec(s);
  if (d.scale >= dp) return formatDec(d);
  return formatDec({ units: d.units * 10n ** BigInt(dp - d.scale), scale: dp });
}

/**
 * The price a line dragged to a pointer lands on: the chart's float price (from `coordinateToPrice`) written with
 * four more decimals than the tick, snapped to the nearest tick exactly, and kept at least one tick above zero.
 * Null when the pointer is outside the price scale (`raw` null or not finite).
 */
export function priceAtPointer(raw: number | null | undefined, tick: string): string | null {
  if (raw === null || raw === undefined || !Number.isFinite(raw)) return null;
  const dp = decimalsOf(tick);
  const snapped = snapToStep(fromNumber(raw, dp + 4), tick);
  return fixed(parseDec(snapped).units <= 0n ? tick : snapped, dp);
}

/**
 * Reward:risk of the lines, |target − entry| ÷ |entry − stop|, truncated to `dp` decimals (2 by default) as text;
 * null when the stop equals the entry or a price is not a decimal.
 */
export function rewardRisk(l: Lines, dp = 2): string | null {
  try {
    const e = parseDec(l.entry);
    const risk = abs(sub(e, parseDec(l.stop)));
    if (risk.units === 0n) return null;
    return divTrunc(abs(sub(parseDec(l.target), e)), risk, dp);
  } catch {
    return null;
  }
}

/**
 * The server's reward:risk (a number with 6 decimals) as the ticket shows it: truncated to 2 decimals, so 1.998
 * reads 1.99 next to a rule that failed at 2; `–` for null. Scaled by 10^6 first so float noise (2.3 × 100 =
 * 229.99…) does not truncate a whole hundredth away.
 */
export function ratioText(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '–';
  const micro = Math.round(r * 1e6);
  return (Math.trunc(micro / 1e4) / 100).toFixed(2);
}

/** Which of the lines are on the wrong side for `side` (stop protective, target profitable), by line. */
export function wrongSides(l: Lines, side: Side): LineKey[] {
  const out: LineKey[] = [];
  try {
    const e = parseDec(l.entry);
    const sign = side === 'buy' ? 1 : -1;
    if (cmp(parseDec(l.stop), e) * sign >= 0) out.push('stop');
    if (cmp(parseDec(l.target), e) * sign <= 0) out.push('target');
  } catch {
    // an unparsable price is reported by the inputs, not here
  }
  return out;
}

/** Vertical pixel coordinates of the lines on the chart (null when off the price scale). */
export type LineYs = Record<LineKey, number | null>;

/**
 * The line a pointer at `y` grabs: the nearest one within `tolerance` px, among the draggable ones (the entry only
 * for a limit entry). Null when none is that close. Ties go to stop, then target, then entry (the stop is the line
 * that matters most).
 */
export function hitLine(y: number, ys: LineYs, draggable: readonly LineKey[], tolerance = 6): LineKey | null {
  let best: LineKey | null = null;
  let bestDist = Infinity;
  for (const k of ['stop', 'target', 'entry'] as const) {
    const ly = ys[k];
    if (!draggable.includes(k) || ly === null) continue;
    const d = Math.abs(ly - y);
    if (d <= tolerance && d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

/** A rectangle in pane pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The shaded zones: risk (entry↔stop) and reward (entry↔target); null when a line is off-scale or on the entry. */
export interface Zones {
  risk: Rect | null;
  reward: Rect | null;
}

/**
 * Zone rectangles from the lines' y coordinates, spanning `left`..`right` horizontally and clipped to the pane's
 * height (a line above or below the visible range still shades up to the pane's edge). A zone whose two lines
 * are both off-scale or equal is null.
 */
export function zoneRects(ys: LineYs, left: number, right: number, paneHeight: number): Zones {
  const rect = (a: number | null, b: number | null): Rect | null => {
    if (a === null || b === null) return null;
    const top = Math.max(0, Math.min(a, b));
    const bottom = Math.min(paneHeight, Math.max(a, b));
    if (bottom - top <= 0 || right - left <= 0) return null;
    return { left, top, width: right - left, height: bottom - top };
  };
  return { risk: rect(ys.entry, ys.stop), reward: rect(ys.entry, ys.target) };
}

/**
 * Moves one line to `price` and returns the new lines; for a market entry the entry is not movable (it follows the
 * last price, see {@link followLast}) and the lines come back unchanged.
 */
export function moveLine(l: Lines, key: LineKey, price: string, entryType: 'market' | 'limit'): Lines {
  if (key === 'entry' && entryType === 'market') return l;
  return { ...l, [key]: price };
}

/** For a market entry, the lines with the entry at the last price (snapped to the tick); stop and target stay. */
export function followLast(l: Lines, last: string, tick: string): Lines {
  const entry = fixed(snapToStep(last, tick), decimalsOf(tick));
  return entry === l.entry ? l : { ...l, entry };
}
