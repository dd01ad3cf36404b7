/**
 * Market data for the Desk: chart bars of any symbol and timeframe from the feed and the candle store, the list of
 * chartable symbols, `candle` events for every bar the feed emits, and the replay's state as an event.
 *
 * Sources of bars, merged by open time:
 * - the feed's bars: for a replay, its history (the file's bars before the cursor, `ReplayFeed.history`); for a live
 *   feed, a ring buffer per symbol of the last {@link RING_CAPACITY} bars it emitted (seeded with the bars it loaded
 *   at start). A timeframe above the feed's is aggregated from them (`resampleCandles`: UTC buckets, first open, max
 *   high, min low, last close, exact volume sum); the forming bucket comes out `complete: false`.
 * - the candle store (`candles` table), at the asked timeframe.
 * The feed's bar wins where both have one, except an aggregated bucket that starts before the feed's first bar (it
 * would be partial): there the store's bar is used when it has one.
 *
 * No peeking: for a symbol the feed serves, a stored bar is returned only when it has closed by the feed's `now()`
 * (open time + length ≤ now), and the feed's own bars never go past it; so a replay's chart never shows its future.
 */
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import { TIMEFRAME_CHAIN, bucketStart, resampleCandles } from '../core/marketdata/resample.ts';
import { toInt, toMs, type Sql } from '../db/sql.ts';
import type { MarketFeed } from '../feed/feed.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { CandleImports } from './candle-imports.ts';
import type { EventBus } from './events.ts';

/** Bars kept per symbol of a live feed. */
export const RING_CAPACITY = 5000;
/** At most this many feed bars are aggregated for one request (a week of 1m bars is 10,080). */
const MAX_AGGREGATED_SOURCE_BARS = 300_000;

/** One chart bar: `time` is the open time in epoch SECONDS (UTC), as lightweight-charts takes it; prices decimal text. */
export interface ChartBar {
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  /** False for a bucket still filling (the forming higher-timeframe bar, or a stored unfinished bucket). */
  complete: boolean;
}

/** What {@link MarketService.candles} is asked. Times are ms UTC open times, `from` inclusive, `to` exclusive. */
export interface CandlesQuery {
  symbol: string;
  timeframe: Timeframe;
  from?: number | undefined;
  to?: number | undefined;
  /** The newest `limit` bars of the range are returned (1..5000). */
  limit: number;
}

/** Answer of {@link MarketService.candles}. */
export interface CandlesResult {
  symbol: string;
  timeframe: Timeframe;
  /** Kind of feed serving the symbol, or null for a symbol known only to the store or the instruments. */
  feed: 'replay' | 'live' | null;
  /** The feed's clock (epoch seconds) for a fed symbol: no bar returned closes after it; null otherwise. */
  feedTime: number | null;
  /** Ascending by time. */
  bars: ChartBar[];
  /** True when the range holds older bars than those returned (ask again with `to` = the first bar's time). */
  more: boolean;
}

/** Timeframes of one symbol in the store, with the open times (epoch seconds) of the first and last stored bar. */
export interface StoredSeries {
  timeframe: Timeframe;
  first: number;
  last: number;
}

/** One chartable symbol, as `GET /api/v1/market/symbols` lists it. */
export interface MarketSymbol {
  symbol: string;
  /** Kind of feed serving it, or null. */
  feed: 'replay' | 'live' | null;
  /** The feed's bar timeframe, or null when not fed. */
  feedTimeframe: Timeframe | null;
  /** Latest price from the feed (decimal text), or null. */
  lastPrice: string | null;
  /** True when it is a tradable instrument (in the `instruments` table). */
  tradable: boolean;
  /** Timeframes stored in the candle store, ascending. */
  stored: StoredSeries[];
  /** Timeframes `GET /candles` can serve: the feed's and every higher one, plus the stored ones; ascending. */
  timeframes: Timeframe[];
}

/** The replay's state as the Desk shows it (the body of `GET /replay` and of the `replay` event). */
export interface ReplayView {
  symbol: string;
  timeframe: Timeframe;
  /** Index of the next bar to emit. */
  index: number;
  total: number;
  paused: boolean;
  /** Bars per second. */
  speed: number;
  /** The replay's clock (close time of the last emitted bar), ISO 8601 UTC; null when unknown. */
  time: string | null;
  done: boolean;
  lastPrice: string | null;
}

/** Epoch seconds of a ms time. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A bounded, time-ascending buffer of the bars of one symbol. */
class BarRing {
  private bars: Candle[] = [];

  constructor(private readonly capacity: number) {}

  /** Appends `c`; a bar at or before the newest (a feed restarted or rewound) first drops the bars from its time on. */
  push(c: Candle): void {
    const last = this.bars[this.bars.length - 1];
    if (last !== undefined && c.time <= last.time) this.bars.length = this.lowerBound(c.time);
    this.bars.push(c);
    if (this.bars.length >= 2 * this.capacity) this.bars = this.bars.slice(-this.capacity);
  }

  /** Bars with `from <= time < to`, the newest `limit` of them, oldest first. */
  range(from: number | undefined, to: number | undefined, limit: number): Candle[] {
    const floor = Math.max(0, this.bars.length - this.capacity);
    const lo = Math.max(floor, from === undefined ? 0 : this.lowerBound(from));
    const hi = to === undefined ? this.bars.length : this.lowerBound(to);
    return hi > lo ? this.bars.slice(Math.max(lo, hi - limit), hi) : [];
  }

  get size(): number {
    return Math.min(this.bars.length, this.capacity);
  }

  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bars[mid]!.time < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Options of {@link MarketService}. */
export interface MarketServiceOptions {
  sql: Sql;
  feed: MarketFeed | null;
  events: EventBus;
  /** Symbols of the tradable instruments (read when asked). */
  instruments: () => string[];
  /** Bars kept per symbol of a live feed; default {@link RING_CAPACITY}. */
  capacity?: number;
  /** Where unexpected errors of imports go (the server's log). */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

/** Chart bars, chartable symbols and market events over the feed and the candle store. */
export class MarketService {
  /** Candle files uploaded for import (`./candle-imports.ts`). */
  readonly imports: CandleImports;
  private readonly sql: Sql;
  private readonly feed: MarketFeed | null;
  private readonly events: EventBus;
  private readonly instruments: () => string[];
  private readonly capacity: number;
  private readonly rings = new Map<string, BarRing>();
  private readonly offs: Array<() => void> = [];

  constructor(o: MarketServiceOptions) {
    this.sql = o.sql;
    this.feed = o.feed;
    this.events = o.events;
    this.instruments = o.instruments;
    this.capacity = o.capacity ?? RING_CAPACITY;
    this.imports = new CandleImports({ sql: o.sql, events: o.events, onError: o.onError });
    const feed = o.feed;
    if (!feed) return;
    // Every bar the feed emits goes to every user once, as a `candle` event, and into the symbol's ring.
    this.offs.push(
      feed.onCandle((symbol, c) => {
        this.ring(symbol).push(c);
        this.events.publish({
          type: 'candle',
          userId: null,
          data: {
            symbol,
            timeframe: feed.timeframe,
            time: seconds(c.time),
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
          },
        });
      }),
    );
    if (feed instanceof ReplayFeed) this.offs.push(feed.onEnd(() => this.publishReplay()));
  }

  /** Kind of the feed, or null without one. */
  feedKind(): 'replay' | 'live' | null {
    if (!this.feed) return null;
    return this.feed instanceof ReplayFeed ? 'replay' : 'live';
  }

  /** True when the feed serves `symbol`. */
  isFed(symbol: string): boolean {
    return this.feed?.symbols().includes(symbol) ?? false;
  }

  /** The replay's state, or null when the feed is not a replay. */
  replayView(): ReplayView | null {
    const f = this.feed;
    if (!(f instanceof ReplayFeed)) return null;
    const s = f.state();
    return {
      symbol: s.symbol,
      timeframe: f.timeframe,
      index: s.index,
      total: s.total,
      paused: s.paused,
      speed: s.speed,
      time: Number.isFinite(s.time) ? new Date(s.time).toISOString() : null,
      done: s.done,
      lastPrice: f.lastPrice(s.symbol) ?? null,
    };
  }

  /** Broadcasts the replay's state as a `replay` event to every user (no-op without a replay); returns it. */
  publishReplay(): ReplayView | null {
    const v = this.replayView();
    if (v) this.events.publish({ type: 'replay', userId: null, data: { ...v } });
    return v;
  }

  /** True when `symbol` is fed, a tradable instrument, or has candles in the store. */
  async knows(symbol: string): Promise<boolean> {
    if (this.isFed(symbol) || this.instruments().includes(symbol)) return true;
    const rows = await this.sql.query('SELECT 1 FROM candles WHERE symbol = $1 LIMIT 1', [symbol]);
    return rows.length > 0;
  }

  /**
   * The newest `q.limit` bars of `q.symbol` at `q.timeframe` with open time in `[q.from, q.to)`, merged from the feed
   * and the store as the module comment describes (never a bar closing after the feed's clock for a fed symbol).
   */
  async candles(q: CandlesQuery): Promise<CandlesResult> {
    const len = TIMEFRAMES[q.timeframe];
    const feed = this.feed !== null && this.isFed(q.symbol) ? this.feed : null;
    const now = feed?.now();
    // a stored bar must have closed by now: open + len <= now  ⇔  open < now - len + 1
    let storeTo = now === undefined ? q.to : Math.min(q.to ?? Infinity, now - len + 1);
    let fromFeed: ChartBar[] = [];
    let partialFirst = false;
    if (feed && TIMEFRAME_CHAIN.indexOf(q.timeframe) >= TIMEFRAME_CHAIN.indexOf(feed.timeframe)) {
      ({ bars: fromFeed, partialFirst } = this.feedBars(feed, q, now!));
      // the store is read only before the feed's bars (and for a partial first bucket)
      const first = fromFeed[0];
      if (first) storeTo = Math.min(storeTo ?? Infinity, first.time * 1000 + (partialFirst ? 1 : 0));
    }
    const enough = fromFeed.length - (partialFirst ? 1 : 0) > q.limit;
    const stored = enough ? [] : await this.readStored(q.symbol, q.timeframe, q.from, storeTo, q.limit + 1);
    const byTime = new Map<number, ChartBar>();
    for (const b of stored) byTime.set(b.time, b);
    fromFeed.forEach((b, i) => {
      if (!(i === 0 && partialFirst && byTime.has(b.time))) byTime.set(b.time, b);
    });
    const all = [...byTime.values()].sort((a, b) => a.time - b.time);
    return {
      symbol: q.symbol,
      timeframe: q.timeframe,
      feed: feed ? this.feedKind() : null,
      feedTime: now === undefined ? null : seconds(now),
      bars: all.slice(-q.limit),
      more: all.length > q.limit,
    };
  }

  /** Every chartable symbol: fed, tradable or stored, sorted by name. */
  async symbols(): Promise<MarketSymbol[]> {
    const stored = await this.storedSeries();
    const feed = this.feed;
    const fed = new Set(feed?.symbols() ?? []);
    const tradable = new Set(this.instruments());
    const names = [...new Set([...fed, ...tradable, ...stored.keys()])].sort();
    return names.map((symbol) => {
      const series = stored.get(symbol) ?? [];
      const tfs = new Set<Timeframe>(series.map((s) => s.timeframe));
      const isFed = feed !== null && fed.has(symbol);
      if (isFed) for (const tf of TIMEFRAME_CHAIN.slice(TIMEFRAME_CHAIN.indexOf(feed.timeframe))) tfs.add(tf);
      return {
        symbol,
        feed: isFed ? this.feedKind() : null,
        feedTimeframe: isFed ? feed.timeframe : null,
        lastPrice: (isFed ? feed.lastPrice(symbol) : undefined) ?? null,
        tradable: tradable.has(symbol),
        stored: series,
        timeframes: TIMEFRAME_CHAIN.filter((tf) => tfs.has(tf)),
      };
    });
  }

  /** Stops listening to the feed and waits for the imports under way. */
  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.imports.drain();
  }

  /** The ring of `symbol`, seeded with the bars a live feed loaded at start (`LiveFeed.history`) when first used. */
  private ring(symbol: string): BarRing {
    let r = this.rings.get(symbol);
    if (!r) {
      r = new BarRing(this.capacity);
      const history = (this.feed as { history?: (s: string) => Candle[] } | null)?.history;
      if (this.feed && !(this.feed instanceof ReplayFeed) && typeof history === 'function')
        for (const c of history.call(this.feed, symbol)) r.push(c);
      this.rings.set(symbol, r);
    }
    return r;
  }

  /**
   * The feed's bars for `q` at `q.timeframe` (aggregated when higher than the feed's), never past `now`; and whether
   * the first one is an aggregated bucket that starts before the first feed bar it was built from (partial).
   */
  private feedBars(feed: MarketFeed, q: CandlesQuery, now: number): { bars: ChartBar[]; partialFirst: boolean } {
    const len = TIMEFRAMES[q.timeframe];
    const feedLen = TIMEFRAMES[feed.timeframe];
    const ratio = len / feedLen;
    // the source bars of the buckets opening in [from, to): from `from` up to the end of the last such bucket
    const to = q.to === undefined ? undefined : bucketStart(q.to - 1, q.timeframe) + len;
    const want = Math.min(MAX_AGGREGATED_SOURCE_BARS, (q.limit + 2) * ratio);
    const range = { from: q.from, to, limit: want };
    let src =
      feed instanceof ReplayFeed
        ? feed.history(q.symbol, range)
        : this.ring(q.symbol).range(range.from, range.to, range.limit);
    const truncated = src.length >= want;
    // a live feed's bars have closed by construction; this guards a feed whose clock lags its bars
    src = src.filter((c) => c.time + feedLen <= now);
    if (src.length === 0) return { bars: [], partialFirst: false };
    const agg =
      ratio === 1 ? src.map((c) => ({ ...c, complete: true })) : resampleCandles(src, feed.timeframe, q.timeframe);
    const bars: ChartBar[] = [];
    for (const c of agg) {
      if ((q.from !== undefined && c.time < q.from) || (q.to !== undefined && c.time >= q.to)) continue;
      bars.push({
        time: seconds(c.time),
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        complete: c.complete,
      });
    }
    const partialFirst = ratio > 1 && bars.length > 0 && bars[0]!.time * 1000 < src[0]!.time;
    // cut short by `want`, the first bucket lacks bars the source has: never show it (the store's may stand in)
    if (partialFirst && truncated) return { bars: bars.slice(1), partialFirst: false };
    return { bars, partialFirst };
  }

  /** The newest `limit` stored bars of (symbol, timeframe) with open time in `[from, to)`, ascending. */
  private async readStored(
    symbol: string,
    timeframe: Timeframe,
    from: number | undefined,
    to: number | undefined,
    limit: number,
  ): Promise<ChartBar[]> {
    if (to !== undefined && from !== undefined && to <= from) return [];
    const params: unknown[] = [symbol, timeframe, limit];
    let where = '';
    if (from !== undefined) {
      params.push(new Date(from));
      where += ` AND open_time >= $${params.length}`;
    }
    if (to !== undefined && Number.isFinite(to)) {
      params.push(new Date(to));
      where += ` AND open_time < $${params.length}`;
    }
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT (extract(epoch FROM open_time))::int8 AS t, open::text AS open, high::text AS high, low::text AS low,
              close::text AS close, volume::text AS volume, complete
         FROM candles WHERE symbol = $1 AND timeframe = $2${where}
        ORDER BY open_time DESC LIMIT $3`,
      params,
    );
    return rows.reverse().map((r) => ({
      time: toInt(r.t),
      open: r.open as string,
      high: r.high as string,
      low: r.low as string,
      close: r.close as string,
      volume: r.volume as string,
      complete: r.complete as boolean,
    }));
  }

  /**
   * The stored (symbol, timeframe) series with their first and last open times. The distinct pairs are found by a
   * loose index scan of the primary key (one index probe per pair, not a scan of the table).
   */
  private async storedSeries(): Promise<Map<string, StoredSeries[]>> {
    const rows = await this.sql.query<Record<string, unknown>>(
      `WITH RECURSIVE k AS (
         (SELECT symbol, timeframe FROM candles ORDER BY symbol, timeframe LIMIT 1)
         UNION ALL
         SELECT n.symbol, n.timeframe FROM k, LATERAL (
           SELECT c.symbol, c.timeframe FROM candles c
            WHERE (c.symbol, c.timeframe) > (k.symbol, k.timeframe)
            ORDER BY c.symbol, c.timeframe LIMIT 1) n)
       SELECT k.symbol, k.timeframe,
              (SELECT min(open_time) FROM candles c WHERE c.symbol = k.symbol AND c.timeframe = k.timeframe) AS first,
              (SELECT max(open_time) FROM candles c WHERE c.symbol = k.symbol AND c.timeframe = k.timeframe) AS last
         FROM k`,
    );
    const out = new Map<string, StoredSeries[]>();
    for (const r of rows) {
      const tf = String(r.timeframe) as Timeframe;
      if (!Object.hasOwn(TIMEFRAMES, tf)) continue;
      const list = out.get(String(r.symbol)) ?? [];
      list.push({ timeframe: tf, first: seconds(toMs(r.first)), last: seconds(toMs(r.last)) });
      out.set(String(r.symbol), list);
    }
    for (const list of out.values())
      list.sort((a, b) => TIMEFRAME_CHAIN.indexOf(a.timeframe) - TIMEFRAME_CHAIN.indexOf(b.timeframe));
    return out;
  }
}
