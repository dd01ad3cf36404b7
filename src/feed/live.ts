/**
 * The live market feed: an exchange's public REST API polled through CCXT (default `binance`, no API keys).
 *
 * Invariants:
 * - Only CLOSED bars are emitted: a bar with open time `t` is emitted once `t + timeframe ≤ exchange now`, where
 *   "exchange now" is read from the exchange (`fetchTime`, GET /api/v3/time on Binance) BEFORE the klines are
 *   fetched, so a bar counted as closed was already final when its values were read. The still-forming bar is never
 *   emitted; it only moves `lastPrice`.
 * - Each bar is emitted at most once per symbol, in open-time order (a per-symbol watermark only moves forward).
 * - History is not replayed: bars that had closed by the exchange time read in `start()` are never emitted (they are
 *   available through `history()`); only bars closing after it are.
 * - Prices stay decimal text: on Binance the raw kline strings are used (ccxt's implicit `publicGetKlines`, the same
 *   GET /api/v3/klines that `fetchOHLCV` calls, through the same rate limiter and error mapping); on other exchanges
 *   `fetchOHLCV` numbers are turned into their shortest round-trip decimal text. Text is normalised (no exponent,
 *   trailing fractional zeros dropped: `"67000.01000000"` → `"67000.01"`).
 * - Exchange errors never escape the poll loop: they are counted (`errorCount`), kept (`lastError`) and passed to
 *   `onError`; polling carries on at the next tick.
 *
 * Streaming (`stream: true`, see {@link LiveFeedOptions.stream}): closed bars come from CCXT pro's `watchOHLCV`
 * (Binance: the `<symbol>@kline_<interval>` stream; a bar is closed when its kline event says `x: true`, read from the
 * raw message so the exchange's decimal strings are kept; other exchanges: a bar is closed when the next bar's first
 * update arrives, its numbers turned into decimal text like the REST path's). The REST poll is the fallback: a poll
 * runs every `pollMs` only while the stream is unhealthy (a `watchOHLCV` call failed, or a symbol had no update for
 * `streamStaleMs`); the stream is retried every `streamRetryMs` and polling stops again once every symbol streams. A
 * streamed bar that leaves a possible hole after the last emitted one (a missed close during a reconnect) first
 * triggers a REST catch-up of that symbol. Stream and poll share the per-symbol watermark and run one at a time, so
 * the invariants above hold in either mode.
 */
import { Agent } from 'node:http';
import ccxt, { functions, type Exchange, type MarketInterface, type OHLCV } from 'ccxt';
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';
import type { Instrument } from '../core/instruments/instrument.ts';
import type { CandleListener, MarketFeed } from './feed.ts';
import { numberToDecimalText } from '../core/money/decimal.ts';

/** How to build a CCXT exchange for public market data. */
export interface ExchangeConfig {
  /** CCXT exchange id; default `"binance"`. */
  exchangeId?: string;
  /**
   * Replaces the scheme and host of every URL in the exchange's `urls.api` (paths kept), e.g. `http://127.0.0.1:5000`
   * turns `https://api.binance.com/api/v3` into `http://127.0.0.1:5000/api/v3`. For tests and proxies.
   */
  apiBaseUrl?: string;
  /**
   * Replaces the scheme and host of every WebSocket URL (`ws://`, `wss://`) in `urls.api`, paths kept, e.g.
   * `ws://127.0.0.1:5000/binance` turns `wss://stream.binance.com:9443/ws` into `ws://127.0.0.1:5000/binance/ws`.
   * Default: `apiBaseUrl` with `http` → `ws` (`https` → `wss`) when that is set, else the exchange's own.
   */
  wsBaseUrl?: string;
  /** Build CCXT pro's class of the exchange (REST and WebSocket `watch*` methods); default false (REST only). */
  pro?: boolean;
  /** Extra CCXT constructor settings merged over the defaults (e.g. `{ timeout: 5000 }`). */
  ccxtConfig?: Record<string, unknown>;
}

/** Timer and clock functions, injectable for tests. Defaults: the global `setTimeout`/`clearTimeout` and `Date.now`. */
export interface FeedTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Local wall clock, ms UTC. */
  now(): number;
}

/** What was being done when an error happened. `listener` errors come from `onCandle` callbacks, not the exchange. */
export interface LiveFeedErrorContext {
  op: 'loadMarkets' | 'fetchTime' | 'fetchOHLCV' | 'watchOHLCV' | 'listener';
  /** Platform symbol, when the call concerned one. */
  symbol?: string;
}

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions extends ExchangeConfig {
  /** Platform symbols, e.g. `["BTC-USDT", "ETH-USDT"]` (CCXT `BTC/USDT`). */
  symbols: string[];
  /** Bar length to poll and emit. */
  timeframe: Timeframe;
  /** Delay between the end of one poll and the start of the next, ms; default 5000. */
  pollMs?: number;
  /** Closed bars loaded by `start()` for `history()` (not emitted); default 100, at most 999. */
  historyBars?: number;
  /** Use this exchange instead of building one (then `exchangeId`, `apiBaseUrl` and `ccxtConfig` are ignored). */
  exchange?: Exchange;
  /** Timers and clock; see {@link FeedTimers}. */
  timers?: FeedTimers;
  /** Called after every failed exchange call (and every throwing listener); its own exceptions are swallowed. */
  onError?: (error: Error, context: LiveFeedErrorContext) => void;
  /**
   * Wraps every exchange call, e.g. in a circuit breaker: `(op, call) => breaker.run(call)`. A rejection (including
   * "breaker open") is handled like any exchange error.
   */
  wrapCall?: <T>(op: LiveFeedErrorContext['op'], call: () => Promise<T>) => Promise<T>;
  /**
   * Take closed bars from the exchange's WebSocket kline stream (CCXT pro `watchOHLCV`) with the REST poll as the
   * fallback (see the module comment); default false (REST polling only). Ignored (polling only) when the exchange
   * has no `watchOHLCV`. Stream calls are not passed through `wrapCall` (a failing stream falls back to REST, whose
   * calls are).
   */
  stream?: boolean;
  /** A symbol whose stream sent nothing for this long (ms) counts as silent: REST polling resumes; default 90,000. */
  streamStaleMs?: number;
  /** Delay (ms) before a failed stream is tried again; default 30,000. */
  streamRetryMs?: number;
}

const DEFAULT_TIMERS: FeedTimers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Canonical decimal text: no sign for zero or positives, no leading integer zeros, no trailing fractional zeros
 * (`"0.01000000"` → `"0.01"`, `"5.00000000"` → `"5"`).
 * @throws RangeError when `s` is not plain decimal text (exponents are rejected).
 */
export function normalizeDecimal(s: string): string {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) throw new RangeError(`not decimal text: ${JSON.stringify(s)}`);
  const int = (m[2] ?? '0').replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return m[1] === '-' && /[1-9]/.test(body) ? `-${body}` : body;
}

/**
 * A CCXT number or exchange string as canonical decimal text. Numbers use their shortest round-trip form with any
 * exponent expanded (`1e-7` → `"0.0000001"`), which equals the exchange's decimal exactly when that had at most 15
 * significant digits.
 * @throws RangeError on `NaN`, infinities, `undefined` or malformed text.
 */
export function toDecimalText(v: number | string | undefined | null): string {
  if (typeof v === 'string') return normalizeDecimal(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`not a finite number: ${String(v)}`);
  return normalizeDecimal(numberToDecimalText(v));
}

/**
 * Platform symbol → CCXT unified symbol: `"BTC-USDT"` → `"BTC/USDT"`.
 * @throws Error when the symbol is not `BASE-QUOTE`.
 */
export function toCcxtSymbol(symbol: string): string {
  const parts = symbol.split('-');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`not a platform symbol (BASE-QUOTE): ${symbol}`);
  return `${parts[0]}/${parts[1]}`;
}

/**
 * CCXT spot symbol → platform symbol: `"BTC/USDT"` → `"BTC-USDT"`.
 * @throws Error for anything but `BASE/QUOTE` (derivatives such as `BTC/USDT:USDT` are not supported).
 */
export function fromCcxtSymbol(symbol: string): string {
  const parts = symbol.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1] || symbol.includes(':'))
    throw new Error(`not a CCXT spot symbol (BASE/QUOTE): ${symbol}`);
  return `${parts[0]}-${parts[1]}`;
}

function replaceHosts(node: unknown, re: RegExp, base: string): unknown {
  if (typeof node === 'string') return node.replace(re, base);
  if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = replaceHosts(obj[k], re, base);
  }
  return node;
}

function replaceApiHosts(node: unknown, base: string): unknown {
  return replaceHosts(node, /^https?:\/\/[^/]+/, base);
}

/**
 * Builds a CCXT exchange for public spot market data: rate limiting on, no API keys, market loading restricted to spot
 * where the exchange supports `options.fetchMarkets` (Binance: only GET /api/v3/exchangeInfo, no futures or sapi
 * calls), currencies not fetched (a private call on Binance).
 * @throws Error when `exchangeId` is not a CCXT exchange.
 */
export function createExchange(config: ExchangeConfig = {}): Exchange {
  const id = config.exchangeId ?? 'binance';
  const lib = (config.pro ? ccxt.pro : ccxt) as unknown as Record<string, unknown>;
  const Ctor = lib[id];
  if (!ccxt.exchanges.includes(id) || typeof Ctor !== 'function')
    throw new Error(`unknown CCXT ${config.pro ? 'pro ' : ''}exchange: ${id}`);
  const wsBase = (
    config.wsBaseUrl ?? (config.apiBaseUrl !== undefined ? config.apiBaseUrl.replace(/^http/, 'ws') : undefined)
  )?.replace(/\/+$/, '');
  const ex = new (Ctor as new (cfg: Record<string, unknown>) => Exchange)({
    enableRateLimit: true,
    // CCXT refuses a plain ws:// URL without an http agent
    ...(config.pro && wsBase?.startsWith('ws://') ? { httpAgent: new Agent() } : {}),
    ...config.ccxtConfig,
  });
  const opts = ex.options as Record<string, unknown>;
  opts['defaultType'] = 'spot';
  opts['fetchCurrencies'] = false;
  opts['fetchMargins'] = false;
  const fm = opts['fetchMarkets'];
  if (Array.isArray(fm)) opts['fetchMarkets'] = ['spot'];
  else if (fm && typeof fm === 'object' && Array.isArray((fm as Record<string, unknown>)['types']))
    opts['fetchMarkets'] = { ...(fm as Record<string, unknown>), types: ['spot'] };
  if (config.apiBaseUrl !== undefined) replaceApiHosts(ex.urls.api, config.apiBaseUrl.replace(/\/+$/, ''));
  if (wsBase !== undefined) replaceHosts(ex.urls.api, /^wss?:\/\/[^/]+/, wsBase);
  return ex;
}

interface BinanceFilter {
  filterType?: string;
  [k: string]: unknown;
}

function filterValue(filters: BinanceFilter[], types: string[], keys: string[]): string | undefined {
  for (const t of types) {
    const f = filters.find((x) => x.filterType === t);
    for (const k of keys) {
      const v = f?.[k];
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}

/**
 * Maps one CCXT spot market to an {@link Instrument}. Tick size, lot size, minimum quantity and minimum notional come
 * from the raw exchange filters when the market carries Binance-style `info.filters` (PRICE_FILTER.tickSize,
 * LOT_SIZE.stepSize / minQty, NOTIONAL or MIN_NOTIONAL .minNotional), otherwise from CCXT's `precision` / `limits`;
 * fees from `market.maker` / `market.taker`. Missing minimums become `"0"` (minQty falls back to the lot size).
 * @throws Error when the market is not spot, its precision is in significant digits, or tick, lot or fees are missing.
 */
export function marketToInstrument(market: MarketInterface, precisionMode: number): Instrument {
  if (!market.spot) throw new Error(`${market.symbol}: not a spot market`);
  const filters = Array.isArray(market.info?.filters) ? (market.info.filters as BinanceFilter[]) : [];
  const precision = (p: number | undefined, what: string): string => {
    if (p === undefined || p === null) throw new Error(`${market.symbol}: no ${what} precision`);
    if (precisionMode === functions.TICK_SIZE) return toDecimalText(p);
    if (precisionMode === functions.DECIMAL_PLACES) return p > 0 ? `0.${'0'.repeat(p - 1)}1` : '1';
    throw new Error(`${market.symbol}: ${what} precision in significant digits cannot be mapped to a grid`);
  };
  const tickRaw = filterValue(filters, ['PRICE_FILTER'], ['tickSize']);
  const stepRaw = filterValue(filters, ['LOT_SIZE'], ['stepSize']);
  const minQtyRaw = filterValue(filters, ['LOT_SIZE'], ['minQty']);
  const minNotionalRaw = filterValue(filters, ['NOTIONAL', 'MIN_NOTIONAL'], ['minNotional', 'notional']);
  const tickSize = tickRaw !== undefined ? normalizeDecimal(tickRaw) : precision(market.precision.price, 'price');
  const lotSize = stepRaw !== undefined ? normalizeDecimal(stepRaw) : precision(market.precision.amount, 'amount');
  const minQtyNum = market.limits.amount?.min;
  const minNotionalNum = market.limits.cost?.min;
  const fee = (v: number | undefined, what: string): string => {
    if (v === undefined || v === null) throw new Error(`${market.symbol}: no ${what} fee`);
    return toDecimalText(v);
  };
  return {
    symbol: fromCcxtSymbol(market.symbol),
    base: market.base,
    quote: market.quote,
    tickSize,
    lotSize,
    minQty:
      minQtyRaw !== undefined
        ? normalizeDecimal(minQtyRaw)
        : minQtyNum !== undefined && minQtyNum !== null
          ? toDecimalText(minQtyNum)
          : lotSize,
    minNotional:
      minNotionalRaw !== undefined
        ? normalizeDecimal(minNotionalRaw)
        : minNotionalNum !== undefined && minNotionalNum !== null
          ? toDecimalText(minNotionalNum)
          : '0',
    makerFee: fee(market.maker, 'maker'),
    takerFee: fee(market.taker, 'taker'),
  };
}

/**
 * Loads the exchange's markets and maps them to instruments (see {@link marketToInstrument}), sorted by symbol.
 * `source` is an exchange (markets loaded if needed, left open) or a config (an exchange is built, used and closed).
 * Without `symbols`, every active spot market is returned.
 * @throws Error when a requested symbol is not a spot market of the exchange, or a market cannot be mapped;
 *   CCXT errors (network, exchange) propagate.
 */
export async function fetchInstruments(
  source: Exchange | ExchangeConfig,
  opts: { symbols?: string[] } = {},
): Promise<Instrument[]> {
  const own = !(source instanceof ccxt.Exchange);
  const ex = source instanceof ccxt.Exchange ? source : createExchange(source);
  try {
    const markets = (await ex.loadMarkets()) as Record<string, MarketInterface>;
    let chosen: MarketInterface[];
    if (opts.symbols) {
      chosen = opts.symbols.map((s) => {
        const m = markets[toCcxtSymbol(s)];
        if (!m || !m.spot) throw new Error(`${ex.id} has no spot market ${s}`);
        return m;
      });
    } else {
      chosen = Object.values(markets).filter((m) => m.spot && m.active !== false && !m.symbol.includes(':'));
    }
    return chosen
      .map((m) => marketToInstrument(m, ex.precisionMode ?? functions.TICK_SIZE))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  } finally {
    if (own) await ex.close();
  }
}

/** The market a candle request is for: CCXT unified symbol and the exchange's market id. */
export interface CandleMarket {
  /** CCXT unified symbol, e.g. `BTC/USDT`. */
  symbol: string;
  /** The exchange's id of the market, e.g. `BTCUSDT` (needed for Binance's raw klines). */
  id: string;
}

type RawKlines = (params: Record<string, unknown>) => Promise<unknown>;

/**
 * One page of candles from an exchange's REST API, sorted by open time, prices and volume as canonical decimal text.
 * On Binance the raw kline strings are kept (CCXT's implicit `publicGetKlines`, the GET /api/v3/klines that
 * `fetchOHLCV` calls, through the same rate limiter and error mapping); elsewhere `fetchOHLCV` numbers are turned into
 * their shortest round-trip decimal text (see {@link toDecimalText}). May include the still-forming bar.
 * @param since smallest open time wanted (ms UTC), or undefined for the latest bars.
 * @param call wraps the exchange call (e.g. in a circuit breaker); default: called as is.
 * @throws the CCXT error of the request; Error for a malformed answer.
 */
export async function fetchCandlePage(
  ex: Exchange,
  market: CandleMarket,
  timeframe: string,
  since: number | undefined,
  limit: number,
  call: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<Candle[]> {
  const raw = (ex as unknown as { publicGetKlines?: RawKlines }).publicGetKlines;
  let bars: Candle[];
  if ((ex.id === 'binance' || ex.id === 'binanceus') && typeof raw === 'function') {
    const params: Record<string, unknown> = {
      symbol: market.id,
      interval: ex.timeframes[timeframe] ?? timeframe,
      limit,
    };
    if (since !== undefined) params['startTime'] = since;
    const rows = await call(() => raw.call(ex, params));
    if (!Array.isArray(rows)) throw new Error(`${ex.id} klines: expected an array`);
    bars = rows.map((r: unknown) => {
      if (!Array.isArray(r) || typeof r[0] !== 'number') throw new Error(`${ex.id} klines: malformed row`);
      const text = (i: number): string => {
        const v: unknown = r[i];
        if (typeof v !== 'string') throw new Error(`${ex.id} klines: field ${i} is not text`);
        return normalizeDecimal(v);
      };
      return { time: r[0], open: text(1), high: text(2), low: text(3), close: text(4), volume: text(5) };
    });
  } else {
    const rows = await call(() => ex.fetchOHLCV(market.symbol, timeframe, since, limit));
    bars = rows.map((r) => ohlcvToCandle(ex.id, r));
  }
  return bars.sort((a, b) => a.time - b.time);
}

/** A CCXT OHLCV row (numbers) as a candle of decimal text (a missing volume is `"0"`). */
function ohlcvToCandle(exchangeId: string, r: OHLCV): Candle {
  if (typeof r[0] !== 'number') throw new Error(`${exchangeId} OHLCV: malformed row`);
  return {
    time: r[0],
    open: toDecimalText(r[1]),
    high: toDecimalText(r[2]),
    low: toDecimalText(r[3]),
    close: toDecimalText(r[4]),
    volume: r[5] === undefined || r[5] === null ? '0' : toDecimalText(r[5]),
  };
}

interface SymbolState {
  symbol: string;
  ccxtSymbol: string;
  marketId: string;
  /** Open time of the last emitted bar. */
  lastEmitted: number | undefined;
  lastPrice: string | undefined;
  /** Open time of the bar `lastPrice` came from. */
  lastPriceTime: number;
  history: Candle[];
  /** Local time of the last stream update of this symbol; undefined before the first. */
  streamAt: number | undefined;
  /** The last `watchOHLCV` call failed (cleared by the next update). */
  streamFailed: boolean;
  /** Non-Binance streams: the newest bar seen, emitted once a later bar starts. */
  streamBar: Candle | undefined;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

type HandleOhlcv = (client: unknown, message: unknown) => unknown;

/**
 * A {@link MarketFeed} over an exchange's REST API (and, with `stream`, its WebSocket kline stream) through CCXT. See
 * the module comment for the emission rules.
 *
 * Per poll: one `fetchTime` (GET /api/v3/time), then per symbol one klines request from just after the last emitted
 * bar (GET /api/v3/klines?symbol=…&interval=…&startTime=…&limit=1000). `start()` additionally loads the markets
 * (GET /api/v3/exchangeInfo) and the recent bars (GET /api/v3/klines?…&limit=historyBars+1).
 */
export class LiveFeed implements MarketFeed {
  /** The CCXT exchange id, e.g. `binance`. */
  readonly name: string;
  /** Bar length of the emitted candles. */
  readonly timeframe: Timeframe;
  private readonly tfMs: number;
  private readonly pollMs: number;
  private readonly historyBars: number;
  private readonly streamStaleMs: number;
  private readonly streamRetryMs: number;
  private readonly timers: FeedTimers;
  private readonly opts: LiveFeedOptions;
  private readonly states: SymbolState[];
  private readonly listeners = new Set<CandleListener>();
  private ex: Exchange | undefined;
  private ownsExchange = false;
  private running = false;
  private started = false;
  private streaming = false;
  private restoreHandler: (() => void) | undefined;
  private readonly sleepers = new Set<() => void>();
  private startNow = 0;
  private exchangeNow: number | undefined;
  private localAtExchangeNow = 0;
  private timer: unknown;
  private inflight: Promise<void> | undefined;
  /** Stream and poll work run one at a time, in order, on this chain. */
  private chain: Promise<void> = Promise.resolve();
  private errors = 0;
  private lastErr: Error | undefined;
  private streamed = 0;
  private polled = 0;

  /**
   * @throws Error when a symbol is not `BASE-QUOTE`, `symbols` is empty or `pollMs`/`historyBars` are out of range.
   */
  constructor(opts: LiveFeedOptions) {
    if (opts.symbols.length === 0) throw new Error('LiveFeed needs at least one symbol');
    this.opts = opts;
    this.name = opts.exchange?.id ?? opts.exchangeId ?? 'binance';
    this.timeframe = opts.timeframe;
    this.tfMs = TIMEFRAMES[opts.timeframe];
    this.pollMs = opts.pollMs ?? 5000;
    this.historyBars = opts.historyBars ?? 100;
    this.streamStaleMs = opts.streamStaleMs ?? 90_000;
    this.streamRetryMs = opts.streamRetryMs ?? 30_000;
    if (!(this.pollMs > 0)) throw new Error('pollMs must be positive');
    if (!(this.streamStaleMs > 0) || !(this.streamRetryMs > 0))
      throw new Error('streamStaleMs and streamRetryMs must be positive');
    if (!Number.isInteger(this.historyBars) || this.historyBars < 0 || this.historyBars > 999)
      throw new Error('historyBars must be an integer in 0..999');
    this.timers = opts.timers ?? DEFAULT_TIMERS;
    this.states = [...new Set(opts.symbols)].map((symbol) => ({
      symbol,
      ccxtSymbol: toCcxtSymbol(symbol),
      marketId: '',
      lastEmitted: undefined,
      lastPrice: undefined,
      lastPriceTime: -Infinity,
      history: [],
      streamAt: undefined,
      streamFailed: false,
      streamBar: undefined,
    }));
  }

  /** Platform symbols served, in the order given (duplicates removed). */
  symbols(): string[] {
    return this.states.map((s) => s.symbol);
  }

  /** Close of the newest bar seen (usually the forming one), decimal text; undefined before `start()` loaded any. */
  lastPrice(symbol: string): string | undefined {
    return this.states.find((s) => s.symbol === symbol)?.lastPrice;
  }

  /** Exchange time (ms UTC): the last exchange clock reading plus local time elapsed since; the local clock before. */
  now(): number {
    const local = this.timers.now();
    return this.exchangeNow === undefined ? local : this.exchangeNow + (local - this.localAtExchangeNow);
  }

  /** Closed bars loaded by `start()` (never emitted), oldest first; empty for unknown symbols or before start. */
  history(symbol: string): Candle[] {
    return [...(this.states.find((s) => s.symbol === symbol)?.history ?? [])];
  }

  /** Failed exchange calls (and throwing listeners) since construction. */
  get errorCount(): number {
    return this.errors;
  }

  /** The most recent error counted in `errorCount`. */
  get lastError(): Error | undefined {
    return this.lastErr;
  }

  /** The CCXT exchange in use (after `start()` or when one was passed in). */
  get exchange(): Exchange | undefined {
    return this.ex ?? this.opts.exchange;
  }

  /**
   * Where closed bars come from now: `stream` while every symbol's WebSocket stream is healthy, else `poll` (always
   * `poll` without `stream` or before `start()`).
   */
  get mode(): 'stream' | 'poll' {
    return this.streamHealthy() ? 'stream' : 'poll';
  }

  /** Bars emitted so far, by where they came from (`stream`: a kline stream close; `poll`: a REST read). */
  get emitted(): { stream: number; poll: number } {
    return { stream: this.streamed, poll: this.polled };
  }

  /** Registers a closed-bar listener; returns its remover. A throwing listener is reported to `onError`. */
  onCandle(listener: CandleListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Loads the markets, reads the exchange time, loads recent bars (for `history()` and `lastPrice`) and starts polling
   * (and, with `stream`, watching the kline streams).
   * Failed history loads are counted and reported but do not fail the start.
   * @throws Error when called twice, a symbol is not a spot market of the exchange, the timeframe is not offered, or
   *   loading the markets / reading the exchange time fails (after counting and reporting it).
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('LiveFeed already started');
    this.started = true;
    try {
      if (this.opts.exchange) this.ex = this.opts.exchange;
      else {
        this.ex = createExchange({ ...this.opts, pro: this.opts.stream === true || this.opts.pro });
        this.ownsExchange = true;
      }
      const ex = this.ex;
      if (!Object.hasOwn(ex.timeframes ?? {}, this.timeframe))
        throw new Error(`${ex.id} does not offer timeframe ${this.timeframe}`);
      let markets: Record<string, MarketInterface>;
      try {
        markets = (await this.call('loadMarkets', () => ex.loadMarkets())) as Record<string, MarketInterface>;
      } catch (e) {
        this.report(e, { op: 'loadMarkets' });
        throw e;
      }
      for (const s of this.states) {
        const m = markets[s.ccxtSymbol];
        if (!m || !m.spot || !m.id) throw new Error(`${ex.id} has no spot market ${s.symbol}`);
        s.marketId = m.id;
      }
      this.startNow = await this.readExchangeTime();
    } catch (e) {
      // Leave the feed startable again (e.g. once the exchange is reachable).
      this.started = false;
      if (this.ownsExchange && this.ex) await this.ex.close().catch(() => undefined);
      this.ownsExchange = false;
      this.ex = undefined;
      throw e;
    }
    for (const s of this.states) {
      try {
        const bars = await this.fetchBars(s, undefined, this.historyBars + 1);
        const closed = bars.filter((b) => b.time + this.tfMs <= this.startNow);
        s.history = this.historyBars === 0 ? [] : closed.slice(-this.historyBars);
        this.notePrice(s, bars);
      } catch (e) {
        this.report(e, { op: 'fetchOHLCV', symbol: s.symbol });
      }
    }
    this.running = true;
    const watch = (this.ex as { watchOHLCV?: unknown }).watchOHLCV;
    if (this.opts.stream === true && this.ex.has['watchOHLCV'] && typeof watch === 'function') {
      this.streaming = true;
      this.hookRawKlines();
      for (const s of this.states) void this.streamLoop(s);
    }
    this.schedule();
  }

  /**
   * Stops polling and streaming, waits for the work in flight (no bar is emitted after this resolves) and closes an
   * owned exchange. Idempotent; a stopped feed cannot be started again (build a new one).
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of [...this.sleepers]) wake();
    await this.inflight;
    await this.chain;
    this.restoreHandler?.();
    this.restoreHandler = undefined;
    if (this.ownsExchange && this.ex) {
      this.ownsExchange = false;
      await this.ex.close();
    }
  }

  /**
   * Runs one poll now (or joins the one in flight): reads the exchange time, fetches each symbol's new bars, emits
   * the closed ones and updates `lastPrice`. Never rejects; failures are counted and reported. No-op unless running.
   */
  pollNow(): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.inflight ??= this.serial(() => this.pollOnce()).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Runs `fn` after the stream and poll work queued before it; never rejects (errors are reported by `fn`). */
  private serial(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.then(fn).catch((e: unknown) => this.report(e, { op: 'listener' }));
    this.chain = p;
    return p;
  }

  private streamHealthy(): boolean {
    if (!this.streaming || !this.running) return false;
    const now = this.timers.now();
    return this.states.every(
      (s) => !s.streamFailed && s.streamAt !== undefined && now - s.streamAt <= this.streamStaleMs,
    );
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      // While every stream is healthy the bars come from the streams: no REST poll.
      if (this.streamHealthy()) this.schedule();
      else void this.pollNow().then(() => this.schedule());
    }, this.pollMs);
  }

  private async pollOnce(): Promise<void> {
    let now: number;
    try {
      now = await this.readExchangeTime();
    } catch {
      return; // counted and reported by readExchangeTime
    }
    for (const s of this.states) {
      if (!this.running) return;
      await this.pollSymbol(s, now, Infinity);
    }
  }

  /** Fetches `s`'s bars after its watermark and emits those closed by `now` and opening before `before`. */
  private async pollSymbol(s: SymbolState, now: number, before: number): Promise<void> {
    let bars: Candle[];
    try {
      // Bars opening after the last emitted one; before the first emission, those closing after start.
      const since = s.lastEmitted !== undefined ? s.lastEmitted + 1 : this.startNow - this.tfMs + 1;
      bars = await this.fetchBars(s, since, 1000);
    } catch (e) {
      this.report(e, { op: 'fetchOHLCV', symbol: s.symbol });
      return;
    }
    for (const bar of bars) {
      const closeAt = bar.time + this.tfMs;
      if (closeAt > now || closeAt <= this.startNow || bar.time >= before) continue;
      if (s.lastEmitted !== undefined && bar.time <= s.lastEmitted) continue;
      if (!this.running) return;
      s.lastEmitted = bar.time;
      this.polled += 1;
      this.emit(s.symbol, bar);
    }
    this.notePrice(s, bars);
  }

  // ------------------------------------------------------------------ streaming

  /** Resolves after `ms`, or at once when the feed stops. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        this.timers.clearTimeout(handle);
        resolve();
      };
      const handle = this.timers.setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Watches `s`'s kline stream until the feed stops; a failure is reported and retried after `streamRetryMs`. */
  private async streamLoop(s: SymbolState): Promise<void> {
    const ex = this.ex as Exchange & {
      watchOHLCV(symbol: string, timeframe: string): Promise<OHLCV[]>;
    };
    while (this.running) {
      try {
        const rows = await ex.watchOHLCV(s.ccxtSymbol, this.timeframe);
        if (!this.running) return;
        s.streamAt = this.timers.now();
        s.streamFailed = false;
        if (!this.restoreHandler) this.onStreamRows(s, rows);
      } catch (e) {
        if (!this.running) return;
        s.streamFailed = true;
        this.report(e, { op: 'watchOHLCV', symbol: s.symbol });
        await this.sleep(this.streamRetryMs);
      }
    }
  }

  /**
   * Binance: reads every kline event before CCXT turns it into numbers (its `handleOHLCV` keeps neither the strings
   * nor the `x` closed flag), so a closed bar keeps the exchange's decimal text.
   */
  private hookRawKlines(): void {
    const ex = this.ex as unknown as { id: string; handleOHLCV?: HandleOhlcv };
    const original = ex.handleOHLCV;
    if ((ex.id !== 'binance' && ex.id !== 'binanceus') || typeof original !== 'function') return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const feed = this;
    ex.handleOHLCV = function (this: unknown, client: unknown, message: unknown): unknown {
      feed.onRawKline(message);
      return original.call(this, client, message);
    };
    this.restoreHandler = () => {
      ex.handleOHLCV = original;
    };
  }

  private onRawKline(message: unknown): void {
    try {
      const k = (message as { k?: Record<string, unknown> } | null)?.k;
      if (!k || k.i !== (this.ex?.timeframes[this.timeframe] ?? this.timeframe) || typeof k.t !== 'number') return;
      const s = this.states.find((x) => x.marketId === k.s);
      if (!s || !this.running) return;
      const text = (v: unknown): string => {
        if (typeof v !== 'string') throw new Error(`${this.name} kline event: a price is not text`);
        return normalizeDecimal(v);
      };
      const bar: Candle = {
        time: k.t,
        open: text(k.o),
        high: text(k.h),
        low: text(k.l),
        close: text(k.c),
        volume: text(k.v),
      };
      s.streamAt = this.timers.now();
      s.streamFailed = false;
      this.notePrice(s, [bar]);
      if (k.x === true) this.onStreamClosed(s, bar);
    } catch (e) {
      this.report(e, { op: 'watchOHLCV', symbol: this.states.find((x) => x.marketId === (message as Msg)?.s)?.symbol });
    }
  }

  /** Other exchanges: the newest bar seen is closed once a later bar arrives. */
  private onStreamRows(s: SymbolState, rows: OHLCV[]): void {
    let bars: Candle[];
    try {
      bars = rows.map((r) => ohlcvToCandle(this.name, r)).sort((a, b) => a.time - b.time);
    } catch (e) {
      this.report(e, { op: 'watchOHLCV', symbol: s.symbol });
      return;
    }
    for (const bar of bars) {
      if (s.streamBar && bar.time < s.streamBar.time) continue;
      if (s.streamBar && bar.time > s.streamBar.time) this.onStreamClosed(s, s.streamBar);
      s.streamBar = bar;
    }
    this.notePrice(s, bars);
  }

  /**
   * A bar the stream says is closed: emitted unless already emitted (or closed before start). When the bar before it
   * could have closed unseen (a gap after the watermark), a REST catch-up of the symbol runs first.
   */
  private onStreamClosed(s: SymbolState, bar: Candle): void {
    void this.serial(async () => {
      if (!this.running || bar.time + this.tfMs <= this.startNow) return;
      if (s.lastEmitted !== undefined && bar.time <= s.lastEmitted) return;
      const hole = s.lastEmitted !== undefined ? bar.time - this.tfMs > s.lastEmitted : bar.time > this.startNow;
      if (hole) {
        try {
          await this.pollSymbol(s, await this.readExchangeTime(), bar.time);
        } catch {
          // reported by readExchangeTime; the streamed bar still counts
        }
      }
      if (!this.running || (s.lastEmitted !== undefined && bar.time <= s.lastEmitted)) return;
      s.lastEmitted = bar.time;
      this.streamed += 1;
      this.emit(s.symbol, bar);
    });
  }

  // ------------------------------------------------------------------ shared

  private emit(symbol: string, candle: Candle): void {
    for (const l of [...this.listeners]) {
      try {
        l(symbol, { ...candle });
      } catch (e) {
        this.report(e, { op: 'listener', symbol });
      }
    }
  }

  private notePrice(s: SymbolState, bars: Candle[]): void {
    const last = bars.at(-1);
    if (last && last.time >= s.lastPriceTime) {
      s.lastPrice = last.close;
      s.lastPriceTime = last.time;
    }
  }

  private async readExchangeTime(): Promise<number> {
    const ex = this.ex as Exchange;
    const local = this.timers.now();
    let t: number | undefined;
    if (ex.has['fetchTime']) {
      try {
        t = await this.call('fetchTime', () => ex.fetchTime());
      } catch (e) {
        this.report(e, { op: 'fetchTime' });
        throw e;
      }
    }
    if (typeof t !== 'number' || !Number.isFinite(t)) t = local;
    this.exchangeNow = t;
    this.localAtExchangeNow = local;
    return t;
  }

  /** Bars sorted by open time with decimal text prices; `since` = smallest open time wanted. */
  private fetchBars(s: SymbolState, since: number | undefined, limit: number): Promise<Candle[]> {
    return fetchCandlePage(
      this.ex as Exchange,
      { symbol: s.ccxtSymbol, id: s.marketId },
      this.timeframe,
      since,
      limit,
      (fn) => this.call('fetchOHLCV', fn),
    );
  }

  private call<T>(op: LiveFeedErrorContext['op'], fn: () => Promise<T>): Promise<T> {
    return this.opts.wrapCall ? this.opts.wrapCall(op, fn) : fn();
  }

  private report(e: unknown, context: LiveFeedErrorContext): void {
    const err = asError(e);
    this.errors += 1;
    this.lastErr = err;
    try {
      this.opts.onError?.(err, context);
    } catch {
      // the hook must not break the poll loop
    }
  }
}

type Msg = Record<string, unknown> | null;
