/**
 * Filling the candle store from a venue's REST history (`testudo candles download`): CCXT `fetchOHLCV` paging
 * (on Binance the raw GET /api/v3/klines strings, see `fetchCandlePage`), each page stored through the store's
 * idempotent ingest (`ingestCandles`, higher timeframes rolled up) in its own transaction, so an interrupted download
 * keeps every page it finished.
 *
 * What is fetched — the wanted range is the bars with open time `t`, `since ≤ t < until`, that had CLOSED when the
 * download started (`t + timeframe ≤ exchange time`, read with `fetchTime`, else the local clock): the still-forming
 * bar is never stored (the next run, or the live feed, stores it once closed). Within that range:
 * - nothing of (store symbol, timeframe) stored yet, or `full`: the whole range is fetched;
 * - else (resume): the part before the OLDEST stored bar of the range (when that bar is later than `since`), and the
 *   part after the NEWEST stored bar of the range (`newest + timeframe` on). Holes between stored bars are not looked
 *   for (`testudo candles gaps` lists them; `full` fetches everything again).
 * Re-running therefore fetches at most the new bars and adds nothing twice: overlapping pages merge (an identical
 * stored row is left alone, a changed one updated).
 *
 * Paging: from the part's start, `limit` bars a request; the next request starts one bar after the newest bar
 * received; a part ends at its end or at the first empty page (nothing later on the venue). Requests go through
 * CCXT's rate limiter (`enableRateLimit`, on for exchanges built here; the venue's `rateLimit` spacing and request
 * weights).
 */
import type { Exchange, MarketInterface } from 'ccxt';
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import { ingestCandles } from '../db/candles.ts';
import { toInt, type Sql } from '../db/sql.ts';
import { createExchange, fetchCandlePage, fromCcxtSymbol, toCcxtSymbol, type ExchangeConfig } from '../feed/live.ts';
import { UnprocessableError } from './errors.ts';

/** Options of {@link downloadCandles}. */
export interface DownloadOptions {
  /** A CCXT exchange (used as is, left open) or how to build one (built with rate limiting on, closed after). */
  exchange: Exchange | ExchangeConfig;
  /** The venue's market: CCXT `BTC/USDT` or platform `BTC-USDT`. */
  symbol: string;
  /** Bar length to download and store. */
  timeframe: Timeframe;
  /** First open time wanted, ms UTC (inclusive). */
  since: number;
  /** Open times before this, ms UTC (exclusive); default: up to the last closed bar. */
  until?: number;
  /** Symbol the candles are stored under; default the platform form of `symbol` (`BTC-USDT`). */
  storeSymbol?: string;
  /** Fetch the whole range again, whatever is stored (still idempotent). */
  full?: boolean;
  /** Bars per request; default 1000 (Binance's maximum). */
  limit?: number;
  /** Called after each stored page (and once at the start) with bars covered so far and the bars of the plan. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link downloadCandles} did (the document `candles download --json` prints; times are ISO 8601 UTC). */
export interface DownloadSummary {
  exchange: string;
  /** CCXT symbol on the venue. */
  symbol: string;
  storeSymbol: string;
  timeframe: Timeframe;
  since: string;
  /** Exclusive end of the wanted range: `until`, or just after the last bar closed when the download started. */
  until: string;
  /** The parts fetched (`[from, to)`, ISO); empty when everything wanted was stored already. */
  fetchedRanges: { from: string; to: string }[];
  /** Where the download resumed after the stored bars (ISO), or null when it did not resume. */
  resumedAfter: string | null;
  requests: number;
  /** Bars received within the wanted range. */
  candles: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Open times of the first and last bar received (ISO), or null. */
  first: string | null;
  last: string | null;
  /** Rows written per higher timeframe by the rollups. */
  rolledUp: Partial<Record<Timeframe, number>>;
}

const iso = (t: number): string => new Date(t).toISOString();

/** Open times of the oldest and newest stored bar of `symbol`/`timeframe` in [from, to), or null when none. */
async function storedSpan(
  sql: Sql,
  symbol: string,
  timeframe: Timeframe,
  from: number,
  to: number,
): Promise<{ first: number; last: number } | null> {
  const [r] = await sql.query<{ lo: unknown; hi: unknown }>(
    `SELECT (extract(epoch FROM min(open_time)) * 1000)::int8 AS lo, (extract(epoch FROM max(open_time)) * 1000)::int8 AS hi
       FROM candles WHERE symbol = $1 AND timeframe = $2 AND open_time >= $3 AND open_time < $4`,
    [symbol, timeframe, new Date(from), new Date(to)],
  );
  if (r?.lo === null || r?.lo === undefined) return null;
  return { first: toInt(r.lo), last: toInt(r.hi) };
}

/**
 * Downloads a venue's closed candles of one market and timeframe into the candle store; see the module comment for
 * the range, the resume rule and the paging.
 * @throws UnprocessableError `unknown-market` when the venue has no such market, `unsupported-timeframe` when it does
 *   not offer the timeframe, `invalid-range` when `until ≤ since`; the CCXT error of a failed request (pages stored
 *   before it stay stored); the database error of a failed page (that page is rolled back).
 */
export async function downloadCandles(sql: Sql, o: DownloadOptions): Promise<DownloadSummary> {
  const tfMs = TIMEFRAMES[o.timeframe];
  if (o.until !== undefined && o.until <= o.since)
    throw new UnprocessableError('invalid-range', `until (${iso(o.until)}) must be after since (${iso(o.since)})`);
  const ccxtSymbol = o.symbol.includes('/') ? o.symbol : toCcxtSymbol(o.symbol);
  const own = typeof (o.exchange as Exchange).fetchOHLCV !== 'function';
  const ex = own ? createExchange(o.exchange as ExchangeConfig) : (o.exchange as Exchange);
  try {
    if (!Object.hasOwn(ex.timeframes ?? {}, o.timeframe))
      throw new UnprocessableError('unsupported-timeframe', `${ex.id} does not offer timeframe ${o.timeframe}`);
    const markets = (await ex.loadMarkets()) as Record<string, MarketInterface>;
    const market = markets[ccxtSymbol];
    if (!market || !market.id) throw new UnprocessableError('unknown-market', `${ex.id} has no market ${ccxtSymbol}`);
    const storeSymbol = o.storeSymbol ?? fromCcxtSymbol(ccxtSymbol);
    const exchangeNow = ex.has['fetchTime'] ? ((await ex.fetchTime()) ?? Date.now()) : Date.now();
    // open times t with since ≤ t < end had closed when the download started
    const end = Math.min(o.until ?? Infinity, exchangeNow - tfMs + 1);
    const parts: [number, number][] = [];
    let resumedAfter: number | null = null;
    const stored = o.full || end <= o.since ? null : await storedSpan(sql, storeSymbol, o.timeframe, o.since, end);
    if (end <= o.since) {
      // nothing closed in the range yet
    } else if (!stored) parts.push([o.since, end]);
    else {
      if (stored.first > o.since) parts.push([o.since, stored.first]);
      if (stored.last + tfMs < end) {
        parts.push([stored.last + tfMs, end]);
        resumedAfter = stored.last + tfMs;
      }
    }
    const total = parts.reduce((n, [a, b]) => n + Math.ceil((b - a) / tfMs), 0);
    const out: DownloadSummary = {
      exchange: ex.id,
      symbol: ccxtSymbol,
      storeSymbol,
      timeframe: o.timeframe,
      since: iso(o.since),
      until: iso(end),
      fetchedRanges: parts.map(([a, b]) => ({ from: iso(a), to: iso(b) })),
      resumedAfter: resumedAfter === null ? null : iso(resumedAfter),
      requests: 0,
      candles: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      first: null,
      last: null,
      rolledUp: {},
    };
    let before = 0; // bars of the parts already done
    o.onProgress?.(0, total);
    for (const [a, b] of parts) {
      let cursor = a;
      while (cursor < b) {
        const page = await fetchCandlePage(
          ex,
          { symbol: ccxtSymbol, id: market.id },
          o.timeframe,
          cursor,
          o.limit ?? 1000,
        );
        out.requests += 1;
        if (page.length === 0) break;
        const keep: Candle[] = page.filter((c) => c.time >= cursor && c.time < b);
        if (keep.length > 0) {
          const r = await ingestCandles(sql, storeSymbol, o.timeframe, keep);
          out.candles += keep.length;
          out.inserted += r.inserted;
          out.updated += r.updated;
          out.unchanged += r.unchanged;
          for (const [tf, n] of Object.entries(r.rolledUp))
            out.rolledUp[tf as Timeframe] = (out.rolledUp[tf as Timeframe] ?? 0) + n;
          if (out.first === null || keep[0]!.time < Date.parse(out.first)) out.first = iso(keep[0]!.time);
          if (out.last === null || keep.at(-1)!.time > Date.parse(out.last)) out.last = iso(keep.at(-1)!.time);
        }
        const next = page.at(-1)!.time + tfMs;
        if (next <= cursor) break; // no progress: the venue ignores `since`
        cursor = next;
        o.onProgress?.(
          before + Math.min(Math.ceil((Math.min(cursor, b) - a) / tfMs), Math.ceil((b - a) / tfMs)),
          total,
        );
      }
      before += Math.ceil((b - a) / tfMs);
      o.onProgress?.(before, total);
    }
    return out;
  } finally {
    if (own) await ex.close().catch(() => undefined);
  }
}
