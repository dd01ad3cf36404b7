/**
 * The order book's depth ladder: the API's aggregated levels (`{ price, size, orders }`, best first on each side)
 * turned into the rows the page draws, asks above bids, with running totals and depth-bar widths. Optionally the
 * levels are grouped into coarser price buckets (a multiple of the tick): bids round down, asks round up, so a
 * bucket never shows a better price than the orders in it. Exact: sizes and prices are summed as scaled bigints.
 */
import { decimalsOf, fromScaled, toScaled } from '@/lib/decimal';

/** One level as the API sends it (decimal text). */
export interface Level {
  price: string;
  size: string;
  orders: number;
}

/** One row of the ladder. */
export interface LadderRow {
  side: 'bid' | 'ask';
  price: string;
  size: string;
  orders: number;
  /** Size from the best price of this side up to and including this row. */
  total: string;
  /** `total` as a fraction (0..1) of the larger side's total, for the depth bar. */
  depth: number;
}

/** The ladder: asks (worst at the top, best just above the spread), then bids (best first), and the spread. */
export interface Ladder {
  asks: LadderRow[];
  bids: LadderRow[];
  /** Best ask − best bid (decimal text), null when a side is empty. */
  spread: string | null;
}

/** Groups levels of one side into buckets of `step` (decimal text), best first. */
function group(levels: Level[], step: string | null, side: 'bid' | 'ask', scale: number): Level[] {
  if (!step) return levels;
  const st = toScaled(step, scale);
  if (st <= 0n) return levels;
  const out = new Map<bigint, { size: bigint; orders: number }>();
  for (const l of levels) {
    const p = toScaled(l.price, scale);
    const floor = (p / st) * st;
    const bucket = side === 'bid' || floor === p ? floor : floor + st;
    const cur = out.get(bucket) ?? { size: 0n, orders: 0 };
    cur.size += toScaled(l.size, scale);
    cur.orders += l.orders;
    out.set(bucket, cur);
  }
  return [...out.entries()]
    .sort((a, b) => (side === 'bid' ? (b[0] > a[0] ? 1 : -1) : a[0] > b[0] ? 1 : -1))
    .map(([p, v]) => ({ price: fromScaled(p, scale), size: fromScaled(v.size, scale), orders: v.orders }));
}

/**
 * Builds the ladder of a book. `step` (decimal text, a multiple of the tick) groups levels into buckets; null or
 * empty keeps the book's own levels. `rows` keeps at most that many levels per side.
 */
export function buildLadder(
  book: { bids: Level[]; asks: Level[] },
  opts: { step?: string | null; rows?: number } = {},
): Ladder {
  const all = [...book.bids, ...book.asks];
  const scale = Math.max(
    0,
    ...all.flatMap((l) => [decimalsOf(l.price), decimalsOf(l.size)]),
    decimalsOf(opts.step ?? ''),
  );
  const rows = opts.rows ?? 50;
  const sides = {
    bid: group(book.bids, opts.step ?? null, 'bid', scale).slice(0, rows),
    ask: group(book.asks, opts.step ?? null, 'ask', scale).slice(0, rows),
  };
  const totals = (side: 'bid' | 'ask'): bigint[] => {
    let run = 0n;
    return sides[side].map((l) => (run += toScaled(l.size, scale)));
  };
  const bidTotals = totals('bid');
  const askTotals = totals('ask');
  const max = [bidTotals.at(-1) ?? 0n, askTotals.at(-1) ?? 0n].reduce((a, b) => (a > b ? a : b));
  const row = (side: 'bid' | 'ask', l: Level, t: bigint): LadderRow => ({
    side,
    price: l.price,
    size: l.size,
    orders: l.orders,
    total: fromScaled(t, scale),
    depth: max === 0n ? 0 : Number((t * 10_000n) / max) / 10_000,
  });
  const bids = sides.bid.map((l, i) => row('bid', l, bidTotals[i]!));
  const asks = sides.ask.map((l, i) => row('ask', l, askTotals[i]!)).reverse();
  const bestBid = sides.bid[0];
  const bestAsk = sides.ask[0];
  const spread =
    bestBid && bestAsk ? fromScaled(toScaled(bestAsk.price, scale) - toScaled(bestBid.price, scale), scale) : null;
  return { asks, bids, spread };
}
