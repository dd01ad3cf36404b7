/**
 * Bars for a run's history: closed candles of a symbol at the feed's timeframe, from the candle store, or from the
 * feed's own history when the store has none (a replay's bars before its cursor, a live feed's loaded bars).
 *
 * No peeking: only bars that closed by the feed's clock (open time + length ≤ now) are returned.
 */
import { TIMEFRAMES, type Candle, type Timeframe } from '../../core/marketdata/candle.ts';
import { toInt, type Sql } from '../../db/sql.ts';
import type { MarketFeed } from '../../feed/feed.ts';

/** A feed that can list the bars it already emitted (the replay feed; a live feed's loaded history). */
interface FeedWithHistory {
  history(symbol: string, range?: { from?: number; to?: number; limit?: number }): Candle[];
}

function hasHistory(feed: MarketFeed | null): feed is MarketFeed & FeedWithHistory {
  return feed !== null && typeof (feed as Partial<FeedWithHistory>).history === 'function';
}

/** Which closed bars to read: open times in `[from, to]` (ms UTC, both inclusive, open ends allowed), newest `limit`. */
export interface BarQuery {
  symbol: string;
  timeframe: Timeframe;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
}

/**
 * The newest `q.limit` closed bars of `q`, oldest first: the store's when it has any in the range, else the feed's.
 * `now` is the feed's clock (ms UTC).
 */
export async function closedBars(sql: Sql, feed: MarketFeed | null, q: BarQuery, now: number): Promise<Candle[]> {
  const len = TIMEFRAMES[q.timeframe];
  const last = Math.min(q.to ?? Infinity, now - len);
  const params: unknown[] = [q.symbol, q.timeframe, new Date(last), q.limit];
  let where = '';
  if (q.from !== undefined) {
    params.push(new Date(q.from));
    where = ` AND open_time >= $${params.length}`;
  }
  const rows = Number.isFinite(last)
    ? await sql.query(
        `SELECT (extract(epoch FROM open_time) * 1000)::int8 AS t, open::text AS open, high::text AS high,
                low::text AS low, close::text AS close, volume::text AS volume
           FROM candles WHERE symbol = $1 AND timeframe = $2 AND open_time <= $3${where}
          ORDER BY open_time DESC LIMIT $4`,
        params,
      )
    : [];
  if (rows.length > 0)
    return rows.reverse().map((r) => ({
      time: toInt(r.t),
      open: String(r.open),
      high: String(r.high),
      low: String(r.low),
      close: String(r.close),
      volume: String(r.volume),
    }));
  if (!hasHistory(feed) || feed.timeframe !== q.timeframe) return [];
  const bars = feed
    .history(q.symbol, { ...(q.from === undefined ? {} : { from: q.from }) })
    .filter((c) => c.time <= last);
  return bars.slice(-q.limit);
}
