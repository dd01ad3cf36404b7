/**
 * TEST SUPPORT: a tiny local stand-in for the Binance spot REST API (`https://api.binance.com/api/v3/...`), served by
 * `node:http` on 127.0.0.1 with a random port. It answers the public market-data endpoints CCXT's `binance` class
 * calls with Binance's real response shapes and field names, so the live feed (and benchmarks) can run without the
 * internet. It is not a trading venue: no auth, no orders, no rate limiting; only what the feed needs.
 *
 * Served (GET): `/api/v3/ping`, `/api/v3/time`, `/api/v3/exchangeInfo`, `/api/v3/klines`, `/api/v3/ticker/price`,
 * `/api/v3/ticker/24hr`. Anything else answers 404 with a Binance-style error body (and is still logged).
 *
 * The exchange clock is controlled by the test (`setNow`); only klines whose open time is ≤ now are visible, as on the
 * real exchange, so the last visible bar is the still-forming one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TIMEFRAMES, type Candle, type Timeframe } from '../core/marketdata/candle.ts';

/**
 * One spot symbol of the mock, with Binance filter values as decimal text (Binance pads them to 8 decimals, e.g.
 * `"0.01000000"`; pass them that way to mimic the exchange exactly).
 */
export interface MockSymbol {
  /** Base asset, e.g. `"BTC"`. */
  base: string;
  /** Quote asset, e.g. `"USDT"`. */
  quote: string;
  /** PRICE_FILTER.tickSize; default `"0.01000000"`. */
  tickSize?: string;
  /** LOT_SIZE.stepSize; default `"0.00001000"`. */
  stepSize?: string;
  /** LOT_SIZE.minQty; default = stepSize. */
  minQty?: string;
  /** NOTIONAL.minNotional (or MIN_NOTIONAL.minNotional, see `notionalFilter`); default `"5.00000000"`. */
  minNotional?: string;
  /** Which notional filter type to publish: current Binance uses `NOTIONAL`, older listings `MIN_NOTIONAL`. */
  notionalFilter?: 'NOTIONAL' | 'MIN_NOTIONAL';
  /** Symbol status; default `"TRADING"`. */
  status?: string;
}

/** Options of {@link startBinanceMock}. */
export interface BinanceMockOptions {
  /** Symbols to list: platform symbols (`"BTC-USDT"`, default filters) or full specs. */
  symbols: Array<string | MockSymbol>;
  /** Initial klines per platform symbol (`"BTC-USDT"`), any order; prices as decimal text served verbatim. */
  candles?: Record<string, Candle[]>;
  /** Interval of the stored klines; a request for another interval gets Binance's 400 `-1120`. Default `"1m"`. */
  timeframe?: Timeframe;
  /** Initial exchange time in ms UTC; default the wall clock at start. The clock then stays put until `setNow`. */
  now?: number;
}

/** A scripted failure: the next matching request(s) get this HTTP status and body instead of an answer. */
export interface MockFailure {
  /** HTTP status, e.g. 500, 418, 429. */
  status: number;
  /** Only requests whose path (without query) ends with this fail, e.g. `"/klines"`; default any request. */
  path?: string;
  /** How many requests fail; default 1. */
  times?: number;
  /** Response body (JSON-encoded when not a string); default a Binance-style `{code,msg}` for the status. */
  body?: unknown;
}

/** A running mock. */
export interface BinanceMock {
  /** Base URL (scheme, host and port, no trailing slash), e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Every request received, as `"GET /api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2"`, in arrival order. */
  requests: string[];
  /** Sets the exchange clock (ms UTC): affects `/time`, `serverTime` and which klines are visible. */
  setNow(ms: number): void;
  /** Current exchange clock (ms UTC). */
  now(): number;
  /** Adds a kline for a platform symbol, or replaces the one with the same open time (e.g. a forming bar's update). */
  pushBar(symbol: string, candle: Candle): void;
  /** Makes upcoming requests fail (see {@link MockFailure}); failures queue up in call order. */
  fail(failure: MockFailure): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

interface SymbolRow {
  id: string;
  spec: Required<MockSymbol>;
  bars: Candle[];
}

const DEFAULT_ERRORS: Record<number, { code: number; msg: string }> = {
  418: {
    code: -1003,
    msg: 'Way too much request weight used; IP banned until 1700000000000. Please use WebSocket Streams for live updates to avoid bans.',
  },
  429: {
    code: -1003,
    msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
  },
  500: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
  503: { code: -1008, msg: 'Service Unavailable.' },
};

function toSpec(s: string | MockSymbol): Required<MockSymbol> {
  const m: MockSymbol =
    typeof s === 'string'
      ? (() => {
          const [base, quote] = s.split('-');
          if (!base || !quote) throw new Error(`mock symbol must look like BASE-QUOTE: ${s}`);
          return { base, quote };
        })()
      : s;
  const stepSize = m.stepSize ?? '0.00001000';
  return {
    base: m.base,
    quote: m.quote,
    tickSize: m.tickSize ?? '0.01000000',
    stepSize,
    minQty: m.minQty ?? stepSize,
    minNotional: m.minNotional ?? '5.00000000',
    notionalFilter: m.notionalFilter ?? 'NOTIONAL',
    status: m.status ?? 'TRADING',
  };
}

function symbolInfo(r: SymbolRow): Record<string, unknown> {
  const s = r.spec;
  const notional =
    s.notionalFilter === 'NOTIONAL'
      ? {
          filterType: 'NOTIONAL',
          minNotional: s.minNotional,
          applyMinToMarket: true,
          maxNotional: '9000000.00000000',
          applyMaxToMarket: false,
          avgPriceMins: 5,
        }
      : { filterType: 'MIN_NOTIONAL', minNotional: s.minNotional, applyToMarket: true, avgPriceMins: 5 };
  return {
    symbol: r.id,
    status: s.status,
    baseAsset: s.base,
    baseAssetPrecision: 8,
    quoteAsset: s.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: s.tickSize, maxPrice: '1000000.00000000', tickSize: s.tickSize },
      { filterType: 'LOT_SIZE', minQty: s.minQty, maxQty: '9000.00000000', stepSize: s.stepSize },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
      notional,
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/**
 * Starts the mock Binance spot API on 127.0.0.1 (random free port).
 * @throws Error when a symbol is not `BASE-QUOTE` or `candles` names a symbol that is not listed.
 */
export async function startBinanceMock(opts: BinanceMockOptions): Promise<BinanceMock> {
  const timeframe = opts.timeframe ?? '1m';
  const tfMs = TIMEFRAMES[timeframe];
  let now = opts.now ?? Date.now();
  const requests: string[] = [];
  const failures: Array<Required<Omit<MockFailure, 'path'>> & { path: string | undefined }> = [];
  const rows = new Map<string, SymbolRow>(); // by Binance id, e.g. BTCUSDT
  const byPlatform = new Map<string, SymbolRow>(); // by BTC-USDT

  for (const s of opts.symbols) {
    const spec = toSpec(s);
    const row: SymbolRow = { id: spec.base + spec.quote, spec, bars: [] };
    rows.set(row.id, row);
    byPlatform.set(`${spec.base}-${spec.quote}`, row);
  }
  const rowFor = (symbol: string): SymbolRow => {
    const row = byPlatform.get(symbol) ?? rows.get(symbol);
    if (!row) throw new Error(`mock has no symbol ${symbol}`);
    return row;
  };
  const pushBar = (symbol: string, candle: Candle): void => {
    const bars = rowFor(symbol).bars;
    const i = bars.findIndex((b) => b.time === candle.time);
    if (i >= 0) bars[i] = { ...candle };
    else {
      bars.push({ ...candle });
      bars.sort((a, b) => a.time - b.time);
    }
  };
  for (const [symbol, candles] of Object.entries(opts.candles ?? {})) for (const c of candles) pushBar(symbol, c);

  const visible = (row: SymbolRow): Candle[] => row.bars.filter((b) => b.time <= now);
  const kline = (b: Candle): unknown[] => [
    b.time,
    b.open,
    b.high,
    b.low,
    b.close,
    b.volume,
    b.time + tfMs - 1,
    '0.00000000',
    0,
    '0.00000000',
    '0.00000000',
    '0',
  ];
  const ticker24 = (row: SymbolRow): Record<string, unknown> => {
    const bars = visible(row);
    const last = bars.at(-1);
    const first = bars[0];
    const price = last?.close ?? '0.00000000';
    return {
      symbol: row.id,
      priceChange: '0.00000000',
      priceChangePercent: '0.000',
      weightedAvgPrice: price,
      prevClosePrice: first?.open ?? price,
      lastPrice: price,
      lastQty: '0.00000000',
      bidPrice: price,
      bidQty: '0.00000000',
      askPrice: price,
      askQty: '0.00000000',
      openPrice: first?.open ?? price,
      highPrice: last?.high ?? price,
      lowPrice: last?.low ?? price,
      volume: last?.volume ?? '0.00000000',
      quoteVolume: '0.00000000',
      openTime: now - 86_400_000,
      closeTime: now,
      firstId: -1,
      lastId: -1,
      count: 0,
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const badSymbol = { code: -1121, msg: 'Invalid symbol.' };

  const route = (method: string, path: string, q: URLSearchParams): [number, unknown] => {
    if (method !== 'GET') return [405, { code: -1000, msg: `Unsupported method ${method}` }];
    switch (path) {
      case '/api/v3/ping':
        return [200, {}];
      case '/api/v3/time':
        return [200, { serverTime: now }];
      case '/api/v3/exchangeInfo': {
        let list = [...rows.values()];
        const one = q.get('symbol');
        const many = q.get('symbols');
        if (one !== null || many !== null) {
          const ids = one !== null ? [one] : (JSON.parse(many ?? '[]') as string[]);
          if (ids.some((id) => !rows.has(id))) return [400, badSymbol];
          list = ids.map((id) => rows.get(id) as SymbolRow);
        }
        return [
          200,
          {
            timezone: 'UTC',
            serverTime: now,
            rateLimits: [
              { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
              { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
              { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
              { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
            ],
            exchangeFilters: [],
            symbols: list.map(symbolInfo),
          },
        ];
      }
      case '/api/v3/klines': {
        const row = rows.get(q.get('symbol') ?? '');
        if (!row) return [400, badSymbol];
        if (q.get('interval') !== timeframe) return [400, { code: -1120, msg: 'Invalid interval.' }];
        const limit = Math.min(Number(q.get('limit') ?? '500'), 1000);
        const start = q.get('startTime');
        const end = q.get('endTime');
        let bars = visible(row);
        if (end !== null) bars = bars.filter((b) => b.time <= Number(end));
        if (start !== null) bars = bars.filter((b) => b.time >= Number(start)).slice(0, limit);
        else bars = bars.slice(-limit);
        return [200, bars.map(kline)];
      }
      case '/api/v3/ticker/price':
      case '/api/v3/ticker/24hr': {
        const one = q.get('symbol');
        const form = (r: SymbolRow): unknown =>
          path.endsWith('/price') ? { symbol: r.id, price: visible(r).at(-1)?.close ?? '0.00000000' } : ticker24(r);
        if (one === null) return [200, [...rows.values()].map(form)];
        const row = rows.get(one);
        return row ? [200, form(row)] : [400, badSymbol];
      }
      default:
        return [404, { code: -1000, msg: `mock: no route for ${path}` }];
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${method} ${u.pathname}${u.search}`);
    const fi = failures.findIndex((f) => f.path === undefined || u.pathname.endsWith(f.path));
    const f = fi >= 0 ? failures[fi] : undefined;
    if (f) {
      f.times -= 1;
      if (f.times <= 0) failures.splice(fi, 1);
      send(res, f.status, f.body);
      return;
    }
    try {
      const [status, body] = route(method, u.pathname, u.searchParams);
      send(res, status, body);
    } catch (e) {
      send(res, 400, { code: -1100, msg: `Illegal characters found in a parameter: ${String(e)}` });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setNow: (ms) => {
      now = ms;
    },
    now: () => now,
    pushBar,
    fail: (failure) => {
      failures.push({
        status: failure.status,
        path: failure.path,
        times: failure.times ?? 1,
        body: failure.body ?? DEFAULT_ERRORS[failure.status] ?? { code: -1000, msg: `HTTP ${failure.status}` },
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
