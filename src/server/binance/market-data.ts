/**
 * Market data of the gateway read from the exchange's trade history: recent trades, klines (candles built from the
 * market's own trades) and 24-hour rolling statistics. Read-only SQL over `ex_trades`; prices and sizes there are
 * integer ticks and lots of the market's grid and are turned into decimal text here.
 */
import type { Sql } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { formatAtoms, MONEY_SCALE, toAtoms } from '../../core/money/decimal.ts';

/** A market's grid as decimal text (from its view). */
export interface Grid {
  id: number;
  tickSize: string;
  lotSize: string;
}

/** Decimal texts of a grid's unit values, for converting ticks and lots. */
export function units(g: Grid): { tick: bigint; lot: bigint } {
  return { tick: toAtoms(g.tickSize), lot: toAtoms(g.lotSize) };
}

/** Ticks → price text. */
export const priceText = (g: Grid, ticks: bigint | number): string => formatAtoms(BigInt(ticks) * toAtoms(g.tickSize));
/** Lots → quantity text. */
export const qtyText = (g: Grid, lots: bigint | number): string => formatAtoms(BigInt(lots) * toAtoms(g.lotSize));
/** Ticks × lots (summed) → quote text: price × quantity, exact (tick and lot decimals add up to at most 12). */
export const quoteText = (g: Grid, ticksLots: bigint): string =>
  formatAtoms((ticksLots * toAtoms(g.tickSize) * toAtoms(g.lotSize)) / MONEY_SCALE);

/** One public trade. */
export interface PublicTrade {
  id: number;
  price: string;
  qty: string;
  quoteQty: string;
  time: number;
  isBuyerMaker: boolean;
}

/**
 * Trades of a market, oldest first: from `fromId` (inclusive) on, or within [startTime, endTime] (ms), or else the
 * latest `limit`.
 */
export async function publicTrades(
  sql: Sql,
  g: Grid,
  f: { fromId?: number | undefined; startTime?: number | undefined; endTime?: number | undefined; limit: number },
): Promise<PublicTrade[]> {
  const where = ['market_id = $1'];
  const args: unknown[] = [g.id];
  const arg = (v: unknown): string => {
    args.push(v);
    return `$${args.length}`;
  };
  if (f.fromId !== undefined) where.push(`id >= ${arg(f.fromId)}`);
  if (f.startTime !== undefined) where.push(`at >= ${arg(new Date(f.startTime))}`);
  if (f.endTime !== undefined) where.push(`at <= ${arg(new Date(f.endTime))}`);
  const ascending = f.fromId !== undefined || f.startTime !== undefined;
  const rows = await sql.query(
    `SELECT id, price, size, taker_side, at FROM ex_trades WHERE ${where.join(' AND ')}
      ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ${arg(f.limit)}`,
    args,
  );
  if (!ascending) rows.reverse();
  return rows.map((t) => ({
    id: toInt(t.id),
    price: priceText(g, BigInt(String(t.price))),
    qty: qtyText(g, BigInt(String(t.size))),
    quoteQty: quoteText(g, BigInt(String(t.price)) * BigInt(String(t.size))),
    time: new Date(t.at as string | Date).getTime(),
    isBuyerMaker: t.taker_side === 'sell',
  }));
}

/**
 * Kline intervals of Binance's spot API and their bucket widths in ms, for REST klines and the kline streams alike.
 * Weeks start on Monday; `1M` is a calendar month (its 31 days here only bound a look-back; see {@link bucketStart}).
 */
export const INTERVALS: Record<string, number> = {
  '1s': 1000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
  '1M': 2_678_400_000,
};

/** Start (ms UTC) of the bucket of `interval` holding `t`: weeks start on Monday, months on the 1st, others at the epoch. */
export function bucketStart(interval: string, t: number): number {
  if (interval === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (interval === '1w') {
    const monday = 4 * 86_400_000; // 1970-01-05 was a Monday
    return t - ((((t - monday) % 604_800_000) + 604_800_000) % 604_800_000);
  }
  const w = INTERVALS[interval]!;
  return t - (((t % w) + w) % w);
}

/** End (ms, inclusive) of the bucket starting at `start`. */
export function bucketEnd(interval: string, start: number): number {
  if (interval === '1M') {
    const d = new Date(start);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1;
  }
  return start + INTERVALS[interval]! - 1;
}

/**
 * Binance kline rows `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase,
 * takerBuyQuote, "0"]` built from the market's trades in [startTime, endTime], oldest first; only buckets with
 * trades (Binance also omits empty intervals of a new market). Without startTime: the buckets of the latest
 * `limit` intervals up to endTime (or now). The trades in the range are folded here in id order, in one pass.
 */
export async function klines(
  sql: Sql,
  g: Grid,
  interval: string,
  f: { startTime?: number | undefined; endTime?: number | undefined; limit: number; now?: number },
): Promise<(string | number)[][]> {
  const args: unknown[] = [g.id];
  const where = ['market_id = $1'];
  // Without startTime: the latest `limit` intervals up to endTime (or now), so the scan stays bounded.
  const from =
    f.startTime !== undefined
      ? bucketStart(interval, f.startTime)
      : bucketStart(interval, (f.endTime ?? f.now ?? Date.now()) - (f.limit - 1) * INTERVALS[interval]!);
  args.push(new Date(from));
  where.push(`at >= $${args.length}`);
  if (f.endTime !== undefined) {
    args.push(new Date(f.endTime));
    where.push(`at <= $${args.length}`);
  }
  const ascending = f.startTime !== undefined;
  const rows = await sql.query(
    `SELECT price, size, taker_side, at FROM ex_trades WHERE ${where.join(' AND ')} ORDER BY id`,
    args,
  );
  interface Bar {
    t: number;
    o: bigint;
    h: bigint;
    l: bigint;
    c: bigint;
    v: bigint;
    q: bigint;
    n: number;
    bv: bigint;
    bq: bigint;
  }
  const bars: Bar[] = [];
  for (const r of rows) {
    const t = bucketStart(interval, new Date(r.at as string | Date).getTime());
    const p = BigInt(String(r.price));
    const s = BigInt(String(r.size));
    let b = bars[bars.length - 1];
    if (!b || b.t !== t) {
      b = { t, o: p, h: p, l: p, c: p, v: 0n, q: 0n, n: 0, bv: 0n, bq: 0n };
      bars.push(b);
    }
    if (p > b.h) b.h = p;
    if (p < b.l) b.l = p;
    b.c = p;
    b.v += s;
    b.q += p * s;
    b.n++;
    if (r.taker_side === 'buy') {
      b.bv += s;
      b.bq += p * s;
    }
  }
  const chosen = ascending ? bars.slice(0, f.limit) : bars.slice(-f.limit);
  return chosen.map((b) => [
    b.t,
    priceText(g, b.o),
    priceText(g, b.h),
    priceText(g, b.l),
    priceText(g, b.c),
    qtyText(g, b.v),
    bucketEnd(interval, b.t),
    quoteText(g, b.q),
    b.n,
    qtyText(g, b.bv),
    quoteText(g, b.bq),
    '0',
  ]);
}

/** Rolling statistics of the trades in (now − 24 h, now]. Nulls when the window has no trade. */
export interface Stats24h {
  open: string | null;
  high: string | null;
  low: string | null;
  last: string | null;
  /** Quantity of the last trade ('0' when none). */
  lastQty: string;
  volume: string;
  quoteVolume: string;
  count: number;
  firstId: number;
  lastId: number;
}

/** 24-hour rolling window statistics of a market, one aggregate query. */
export async function stats24h(sql: Sql, g: Grid, now: number): Promise<Stats24h> {
  const [r] = await sql.query(
    `SELECT count(*)::bigint AS n, min(id) AS first_id, max(id) AS last_id, max(price) AS high, min(price) AS low,
            coalesce(sum(size), 0)::text AS volume, coalesce(sum(price * size), 0)::text AS quote,
            (array_agg(price ORDER BY id))[1] AS open, (array_agg(price ORDER BY id DESC))[1] AS last,
            (array_agg(size ORDER BY id DESC))[1] AS last_size
       FROM ex_trades WHERE market_id = $1 AND at > $2 AND at <= $3`,
    [g.id, new Date(now - 86_400_000), new Date(now)],
  );
  const n = toInt(r!.n);
  const p = (v: unknown): string | null => (v === null || v === undefined ? null : priceText(g, BigInt(String(v))));
  return {
    open: p(r!.open),
    high: p(r!.high),
    low: p(r!.low),
    last: p(r!.last),
    lastQty: r!.last_size === null || r!.last_size === undefined ? '0' : qtyText(g, BigInt(String(r!.last_size))),
    volume: qtyText(g, BigInt(String(r!.volume))),
    quoteVolume: quoteText(g, BigInt(String(r!.quote))),
    count: n,
    firstId: n === 0 ? -1 : toInt(r!.first_id),
    lastId: n === 0 ? -1 : toInt(r!.last_id),
  };
}
