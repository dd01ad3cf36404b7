/**
 * Public market data endpoints (security NONE) of the gateway under `/binance/api/v3`: ping, time, exchangeInfo,
 * depth, trades, historicalTrades, aggTrades, klines, uiKlines, avgPrice, ticker/24hr, ticker/price,
 * ticker/bookTicker. Weights are Binance's.
 */
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { decimalPlaces, formatAtoms, MONEY_SCALE, toAtoms } from '../../core/money/decimal.ts';
import { BinanceError, invalidSymbol } from './errors.ts';
import { marketDataHub } from './ws.ts';
import { INTERVALS, klines, publicTrades, stats24h, type Grid } from './market-data.ts';
import { TIME_RANGE, type Params } from './params.ts';
import { gatewayOf, type Router } from './plugin.ts';

/** The exchange's market view, as far as the gateway reads it. */
export interface ExMarket extends Grid {
  name: string;
  kind: string;
  status: string;
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  minPrice: string | null;
  maxPrice: string | null;
  restricted: boolean;
  bestBid: string | null;
  bestAsk: string | null;
  lastPrice: string | null;
}

/** Order types every symbol accepts. */
export const ORDER_TYPES = [
  'LIMIT',
  'LIMIT_MAKER',
  'MARKET',
  'STOP_LOSS',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT',
  'TAKE_PROFIT_LIMIT',
] as const;

/** A public symbol by name, or -1121 (unknown, or restricted to some accounts). */
export function publicMarket(ctx: AppContext, symbol: string): ExMarket {
  const m = ctx.exchange.marketBySymbol(symbol) as ExMarket | null;
  if (!m || m.restricted) throw invalidSymbol();
  return m;
}

/** The symbols named by `symbol` or `symbols` (a JSON array), or every public market when neither is sent. */
function selectMarkets(ctx: AppContext, p: Params, all: () => Promise<ExMarket[]>): Promise<ExMarket[]> | ExMarket[] {
  const one = p.opt('symbol');
  if (one !== undefined) return [publicMarket(ctx, one.toUpperCase())];
  const many = p.opt('symbols');
  if (many !== undefined) {
    let list: unknown;
    try {
      list = JSON.parse(many);
    } catch {
      list = null;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string'))
      throw new BinanceError(
        400,
        -1100,
        'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9]{1,20}"(,"[A-Z0-9]{1,20}"){0,}){0,1}\\]$\'.',
      );
    return (list as string[]).map((s) => publicMarket(ctx, s.toUpperCase()));
  }
  return all();
}

const count = (p: Params): number => {
  if (p.opt('symbol') !== undefined) return 1;
  const many = p.opt('symbols');
  if (many === undefined) return Infinity;
  try {
    const l = JSON.parse(many) as unknown[];
    return Array.isArray(l) ? l.length : 1;
  } catch {
    return 1;
  }
};

/** Binance's status of a market. */
const symbolStatus = (m: ExMarket): string => (m.status === 'open' ? 'TRADING' : 'BREAK');

/** Decimal a − b, a × b / c helpers on atoms. */
const sub = (a: string, b: string): string => formatAtoms(toAtoms(a) - toAtoms(b));
const pct = (change: string, base: string): string => {
  const b = toAtoms(base);
  if (b === 0n) return '0';
  return formatAtoms(((toAtoms(change) * 100n * MONEY_SCALE) / b / 1_000_000_000n) * 1_000_000_000n);
};
const avg = (quote: string, vol: string): string => {
  const v = toAtoms(vol);
  return v === 0n ? '0' : formatAtoms((toAtoms(quote) * MONEY_SCALE) / v);
};

const Ticker24 = z.object({
  symbol: z.string(),
  priceChange: z.string(),
  priceChangePercent: z.string(),
  weightedAvgPrice: z.string(),
  prevClosePrice: z.string(),
  lastPrice: z.string(),
  lastQty: z.string(),
  bidPrice: z.string(),
  bidQty: z.string(),
  askPrice: z.string(),
  askQty: z.string(),
  openPrice: z.string(),
  highPrice: z.string(),
  lowPrice: z.string(),
  volume: z.string(),
  quoteVolume: z.string(),
  openTime: z.number().int(),
  closeTime: z.number().int(),
  firstId: z.number().int(),
  lastId: z.number().int(),
  count: z.number().int(),
});

const BookTicker = z.object({
  symbol: z.string(),
  bidPrice: z.string(),
  bidQty: z.string(),
  askPrice: z.string(),
  askQty: z.string(),
});

const Level = z.tuple([z.string(), z.string()]);
const Kline = z.array(z.union([z.string(), z.number()]));

/** The exchangeInfo entry of a market. */
export function symbolInfo(m: ExMarket): Record<string, unknown> {
  const tick = m.tickSize;
  const minPrice = m.minPrice !== null && toAtoms(m.minPrice) > toAtoms(tick) ? m.minPrice : tick;
  return {
    symbol: m.symbol,
    status: symbolStatus(m),
    baseAsset: m.baseAsset,
    baseAssetPrecision: Math.max(8, decimalPlaces(m.lotSize)),
    quoteAsset: m.quoteAsset,
    quotePrecision: Math.max(8, decimalPlaces(tick)),
    quoteAssetPrecision: Math.max(8, decimalPlaces(tick)),
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [...ORDER_TYPES],
    icebergAllowed: false,
    ocoAllowed: true,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice, maxPrice: m.maxPrice ?? '0', tickSize: tick },
      { filterType: 'LOT_SIZE', minQty: m.lotSize, maxQty: '9000000000', stepSize: m.lotSize },
      { filterType: 'MARKET_LOT_SIZE', minQty: m.lotSize, maxQty: '9000000000', stepSize: m.lotSize },
      {
        filterType: 'NOTIONAL',
        minNotional: '0',
        applyMinToMarket: false,
        maxNotional: '9000000000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    // Testudo's own: the market's kind (spot or bounded) and its name.
    testudo: { kind: m.kind, name: m.name },
  };
}

/** The rate limits as exchangeInfo lists them. */
export function rateLimitsInfo(ctx: AppContext): Record<string, unknown>[] {
  const l = gatewayOf(ctx).limiter.limits;
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: l.weightPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: l.ordersPer10s },
    { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: l.ordersPerDay },
  ];
}

/**
 * Registers `<prefix>/ping` (answers `{}`) and `<prefix>/time` (`{ serverTime }`, the gateway clock in ms), unsigned,
 * weight 1: spot's `/api/v3` and the futures families' `/fapi/v1`, `/dapi/v1` answer alike.
 */
export function clockRoutes(route: Router, prefix: string): void {
  route({
    method: 'GET',
    url: `${prefix}/ping`,
    weight: 1,
    security: 'NONE',
    response: z.object({}),
    handler: async () => ({}),
  });
  route({
    method: 'GET',
    url: `${prefix}/time`,
    weight: 1,
    security: 'NONE',
    response: z.object({ serverTime: z.number().int() }),
    handler: async ({ now }) => ({ serverTime: now }),
  });
}

/** Registers the public endpoints. */
export function publicRoutes(route: Router, ctx: AppContext): void {
  const ex = ctx.exchange;
  const all = async (): Promise<ExMarket[]> => (await ex.listMarkets(null)) as unknown as ExMarket[];
  const top = async (m: ExMarket): Promise<{ bid: [string, string]; ask: [string, string] }> => {
    const d = (await ex.market(null, m.id, 1)) as unknown as {
      book: { bids: { price: string; size: string }[]; asks: { price: string; size: string }[] };
    };
    const b = d.book.bids[0];
    const a = d.book.asks[0];
    return { bid: b ? [b.price, b.size] : ['0', '0'], ask: a ? [a.price, a.size] : ['0', '0'] };
  };

  clockRoutes(route, '/api/v3');
  route({
    method: 'GET',
    url: '/api/v3/exchangeInfo',
    weight: 20,
    security: 'NONE',
    response: z.object({
      timezone: z.string(),
      serverTime: z.number().int(),
      rateLimits: z.array(z.record(z.string(), z.unknown())),
      exchangeFilters: z.array(z.unknown()),
      symbols: z.array(z.record(z.string(), z.unknown())),
    }),
    handler: async ({ p, now }) => ({
      timezone: 'UTC',
      serverTime: now,
      rateLimits: rateLimitsInfo(ctx),
      exchangeFilters: [],
      symbols: (await selectMarkets(ctx, p, all)).map(symbolInfo),
    }),
  });
  route({
    method: 'GET',
    url: '/api/v3/depth',
    weight: (p) => {
      const l = p.int('limit') ?? 100;
      return l <= 100 ? 5 : l <= 500 ? 25 : l <= 1000 ? 50 : 250;
    },
    security: 'NONE',
    response: z.object({ lastUpdateId: z.number().int(), bids: z.array(Level), asks: z.array(Level) }),
    handler: async ({ p }) => {
      const m = publicMarket(ctx, p.symbol());
      const limit = p.int('limit', { min: 1, max: 5000 }) ?? 100;
      // The streams' own book, so lastUpdateId matches the U/u of the diff depth streams (./ws.ts).
      const snap = await marketDataHub(ctx).depthSnapshot(m.id, limit);
      if (!snap) throw invalidSymbol();
      return snap;
    },
  });
  const TradeJson = z.object({
    id: z.number().int(),
    price: z.string(),
    qty: z.string(),
    quoteQty: z.string(),
    time: z.number().int(),
    isBuyerMaker: z.boolean(),
    isBestMatch: z.boolean(),
  });
  for (const url of ['/api/v3/trades', '/api/v3/historicalTrades'])
    route({
      method: 'GET',
      url,
      weight: 25,
      security: 'NONE',
      response: z.array(TradeJson),
      handler: async ({ p }) => {
        const m = publicMarket(ctx, p.symbol());
        const limit = p.int('limit', { min: 1, max: 1000 }) ?? 500;
        const fromId = url.endsWith('historicalTrades') ? p.int('fromId', { min: 0 }) : undefined;
        const rows = await publicTrades(ctx.sql, m, { fromId, limit });
        return rows.map((t) => ({ ...t, isBestMatch: true }));
      },
    });
  route({
    method: 'GET',
    url: '/api/v3/aggTrades',
    weight: 4,
    security: 'NONE',
    response: z.array(
      z.object({
        a: z.number().int(),
        p: z.string(),
        q: z.string(),
        f: z.number().int(),
        l: z.number().int(),
        T: z.number().int(),
        m: z.boolean(),
        M: z.boolean(),
      }),
    ),
    handler: async ({ p }) => {
      const m = publicMarket(ctx, p.symbol());
      const limit = p.int('limit', { min: 1, max: 1000 }) ?? 500;
      const fromId = p.int('fromId', { min: 0 });
      const startTime = p.int('startTime', TIME_RANGE);
      const endTime = p.int('endTime', TIME_RANGE);
      if (startTime !== undefined && endTime !== undefined && endTime - startTime > 3_600_000)
        throw new BinanceError(400, -1127, 'More than 1 hours between startTime and endTime.');
      const rows = await publicTrades(ctx.sql, m, { fromId, startTime, endTime, limit });
      // Each trade is its own aggregate (every fill of the engine is one trade id).
      return rows.map((t) => ({
        a: t.id,
        p: t.price,
        q: t.qty,
        f: t.id,
        l: t.id,
        T: t.time,
        m: t.isBuyerMaker,
        M: true,
      }));
    },
  });
  for (const url of ['/api/v3/klines', '/api/v3/uiKlines'])
    route({
      method: 'GET',
      url,
      weight: 2,
      security: 'NONE',
      response: z.array(Kline),
      handler: async ({ p, now }) => {
        const m = publicMarket(ctx, p.symbol());
        const interval = p.reqOneOf('interval', Object.keys(INTERVALS));
        const limit = p.int('limit', { min: 1, max: 1000 }) ?? 500;
        return klines(ctx.sql, m, interval, {
          startTime: p.int('startTime', TIME_RANGE),
          endTime: p.int('endTime', TIME_RANGE),
          limit,
          now,
        });
      },
    });
  route({
    method: 'GET',
    url: '/api/v3/avgPrice',
    weight: 2,
    security: 'NONE',
    response: z.object({ mins: z.number().int(), price: z.string(), closeTime: z.number().int() }),
    handler: async ({ p, now }) => {
      const m = publicMarket(ctx, p.symbol());
      const rows = await publicTrades(ctx.sql, m, { startTime: now - 300_000, limit: 1000 });
      let q = 0n;
      let v = 0n;
      for (const t of rows) {
        q += toAtoms(t.quoteQty);
        v += toAtoms(t.qty);
      }
      const price = v === 0n ? (m.lastPrice ?? '0') : formatAtoms((q * MONEY_SCALE) / v);
      return { mins: 5, price, closeTime: rows.at(-1)?.time ?? now };
    },
  });
  const tickerWeight = (single: number, many: number, all: number) => (p: Params) => {
    const n = count(p);
    return n === 1 ? single : n <= 20 ? single * n : n <= 100 ? many : all;
  };
  route({
    method: 'GET',
    url: '/api/v3/ticker/24hr',
    weight: tickerWeight(2, 40, 80),
    security: 'NONE',
    response: z.union([Ticker24, z.array(Ticker24)]),
    handler: async ({ p, now }) => {
      const markets = await selectMarkets(ctx, p, all);
      const out = [];
      for (const m of markets) {
        const s = await stats24h(ctx.sql, m, now);
        const t = await top(m);
        const last = s.last ?? m.lastPrice ?? '0';
        const open = s.open ?? last;
        const change = sub(last, open);
        out.push({
          symbol: m.symbol,
          priceChange: change,
          priceChangePercent: pct(change, open),
          weightedAvgPrice: avg(s.quoteVolume, s.volume),
          prevClosePrice: open,
          lastPrice: last,
          lastQty: s.lastQty,
          bidPrice: t.bid[0],
          bidQty: t.bid[1],
          askPrice: t.ask[0],
          askQty: t.ask[1],
          openPrice: open,
          highPrice: s.high ?? last,
          lowPrice: s.low ?? last,
          volume: s.volume,
          quoteVolume: s.quoteVolume,
          openTime: now - 86_400_000,
          closeTime: now,
          firstId: s.firstId,
          lastId: s.lastId,
          count: s.count,
        });
      }
      return p.opt('symbol') !== undefined ? out[0]! : out;
    },
  });
  const PriceJson = z.object({ symbol: z.string(), price: z.string() });
  route({
    method: 'GET',
    url: '/api/v3/ticker/price',
    weight: tickerWeight(2, 4, 4),
    security: 'NONE',
    response: z.union([PriceJson, z.array(PriceJson)]),
    handler: async ({ p }) => {
      const out = (await selectMarkets(ctx, p, all)).map((m) => ({ symbol: m.symbol, price: m.lastPrice ?? '0' }));
      return p.opt('symbol') !== undefined ? out[0]! : out;
    },
  });
  route({
    method: 'GET',
    url: '/api/v3/ticker/bookTicker',
    weight: tickerWeight(2, 4, 4),
    security: 'NONE',
    response: z.union([BookTicker, z.array(BookTicker)]),
    handler: async ({ p }) => {
      const out = [];
      for (const m of await selectMarkets(ctx, p, all)) {
        const t = await top(m);
        out.push({ symbol: m.symbol, bidPrice: t.bid[0], bidQty: t.bid[1], askPrice: t.ask[0], askQty: t.ask[1] });
      }
      return p.opt('symbol') !== undefined ? out[0]! : out;
    },
  });
}
