/**
 * Signed endpoints (USER_DATA and TRADE) of the gateway under `/binance/api/v3`: account, order (POST, GET, DELETE),
 * order/test, openOrders (GET, DELETE), allOrders, myTrades, rateLimit/order. They act for the API key's account as
 * the owner who created the key, through the exchange service (`src/app/exchange/service.ts`).
 */
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { ResolvedApiKey } from '../../app/exchange/api-keys.ts';
import { formatAtoms, MONEY_SCALE, toAtoms } from '../../core/money/decimal.ts';
import { BinanceError, missing, rejected, toBinance } from './errors.ts';
import type { Params } from './params.ts';
import {
  CLIENT_ID,
  accountBalances,
  cancelJson,
  findOrder,
  marketFor,
  newCancelId,
  historyLimit,
  ordersJson,
  quoteFilled,
  span,
  symbols,
} from './ops.ts';
import { gatewayOf, type Router } from './plugin.ts';
import { ORDER_TYPES, type ExMarket } from './public.ts';
import {
  CancelJson,
  MyTradeJson,
  NewOrderJson,
  OrderJson,
  STP_FROM_BINANCE,
  binanceStatus,
  clientIdOf,
  orderJson,
  type ExOrder,
} from './views.ts';

/** Binance order types → the exchange's type (LIMIT_MAKER is a post-only limit order). */
const TYPE_FROM_BINANCE: Record<(typeof ORDER_TYPES)[number], string> = {
  LIMIT: 'limit',
  LIMIT_MAKER: 'limit',
  MARKET: 'market',
  STOP_LOSS: 'stop-market',
  STOP_LOSS_LIMIT: 'stop-limit',
  TAKE_PROFIT: 'take-profit',
  TAKE_PROFIT_LIMIT: 'take-profit-limit',
};

/** The exchange's trade view of an account (accountTrades). */
interface ExTrade {
  id: number;
  orderId: number;
  side: string;
  maker: boolean;
  price: string;
  size: string;
  quoteQty: string;
  time: number;
}

/** A parsed new order, before it is placed. */
interface NewOrder {
  m: ExMarket;
  side: 'buy' | 'sell';
  bType: (typeof ORDER_TYPES)[number];
  type: string;
  size?: string;
  quoteOrderQty?: string;
  price?: string;
  stopPrice?: string;
  tif?: 'GTC' | 'IOC' | 'FOK';
  clientOrderId?: string;
  respType: 'ACK' | 'RESULT' | 'FULL';
  stp?: 'cancel-resting' | 'cancel-incoming' | 'cancel-both';
}

const notRequired = (p: string): BinanceError =>
  new BinanceError(400, -1106, `Parameter '${p}' sent when not required.`);

/** True when `v` is a positive multiple of `step` (decimal texts). */
const onGrid = (v: string, step: string): boolean => {
  const a = toAtoms(v);
  return a > 0n && a % toAtoms(step) === 0n;
};

/** Registers the signed endpoints. */
export function privateRoutes(route: Router, ctx: AppContext): void {
  const ex = ctx.exchange;
  const gw = gatewayOf(ctx);

  /** Parses and checks a new order (filters, required and forbidden parameters, immediate triggers). */
  async function parseOrder(key: ResolvedApiKey, p: Params): Promise<NewOrder> {
    const m = await marketFor(ctx, key, p.symbol());
    const side = p.side();
    const bType = p.reqOneOf('type', ORDER_TYPES);
    const tif = p.oneOf('timeInForce', ['GTC', 'IOC', 'FOK'] as const);
    const size = p.decimal('quantity');
    const quoteOrderQty = p.decimal('quoteOrderQty');
    const price = p.decimal('price');
    const stopPrice = p.decimal('stopPrice');
    const clientOrderId = p.opt('newClientOrderId', CLIENT_ID);
    const respType =
      p.oneOf('newOrderRespType', ['ACK', 'RESULT', 'FULL'] as const) ??
      (bType === 'MARKET' || bType === 'LIMIT' ? 'FULL' : 'ACK');
    const stpText = p.oneOf('selfTradePreventionMode', [
      'NONE',
      'EXPIRE_TAKER',
      'EXPIRE_MAKER',
      'EXPIRE_BOTH',
    ] as const);
    if (
      p.opt('trailingDelta') !== undefined ||
      (p.opt('icebergQty') !== undefined && toAtoms(p.decimal('icebergQty')!) > 0n)
    )
      throw new BinanceError(400, -1014, 'Unsupported order combination.');
    const limitPriced = bType === 'LIMIT' || bType === 'LIMIT_MAKER' || bType.endsWith('_LIMIT');
    const conditional = bType.startsWith('STOP') || bType.startsWith('TAKE');
    // Required and forbidden parameters per type (Binance's table of mandatory parameters).
    if (bType === 'MARKET') {
      if (size === undefined && quoteOrderQty === undefined)
        throw new BinanceError(
          400,
          -1102,
          "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
        );
      if (size !== undefined && quoteOrderQty !== undefined) throw notRequired('quoteOrderQty');
    } else {
      if (size === undefined) throw missing('quantity');
      if (quoteOrderQty !== undefined) throw notRequired('quoteOrderQty');
    }
    if (limitPriced && price === undefined) throw missing('price');
    if (!limitPriced && price !== undefined) throw notRequired('price');
    if (conditional && stopPrice === undefined) throw missing('stopPrice');
    if (!conditional && stopPrice !== undefined) throw notRequired('stopPrice');
    const needsTif = bType === 'LIMIT' || bType.endsWith('_LIMIT');
    if (needsTif && tif === undefined) throw missing('timeInForce');
    if (!needsTif && tif !== undefined) throw notRequired('timeInForce');
    // Filters (PRICE_FILTER, LOT_SIZE): on the grid and, for a bounded market, within its bounds.
    for (const v of [price, stopPrice])
      if (v !== undefined) {
        const a = toAtoms(v);
        if (
          !onGrid(v, m.tickSize) ||
          (m.minPrice !== null && a < toAtoms(m.minPrice)) ||
          (m.maxPrice !== null && a > toAtoms(m.maxPrice))
        )
          throw new BinanceError(400, -1013, 'Filter failure: PRICE_FILTER');
      }
    if (size !== undefined && !onGrid(size, m.lotSize)) throw new BinanceError(400, -1013, 'Filter failure: LOT_SIZE');
    if (quoteOrderQty !== undefined && toAtoms(quoteOrderQty) <= 0n)
      throw new BinanceError(400, -1013, 'Filter failure: NOTIONAL');
    // A conditional order whose trigger is already met is refused, as Binance does.
    if (conditional && m.lastPrice !== null) {
      const last = toAtoms(m.lastPrice);
      const stop = toAtoms(stopPrice!);
      const stopType = bType.startsWith('STOP');
      const up = (side === 'buy') === stopType; // stop-buy and take-profit-sell wait for the price to rise
      if (up ? last >= stop : last <= stop) throw rejected('Order would immediately trigger.');
    }
    return {
      m,
      side,
      bType,
      type: TYPE_FROM_BINANCE[bType],
      ...(size !== undefined ? { size } : {}),
      ...(quoteOrderQty !== undefined ? { quoteOrderQty } : {}),
      ...(price !== undefined ? { price } : {}),
      ...(stopPrice !== undefined ? { stopPrice } : {}),
      ...(needsTif ? { tif: tif! } : {}),
      ...(clientOrderId !== undefined ? { clientOrderId } : {}),
      respType,
      ...(stpText !== undefined ? { stp: STP_FROM_BINANCE[stpText] } : {}),
    };
  }

  /**
   * The base quantity a MARKET order with `quoteOrderQty` trades: walks the opposite side of the book and takes whole
   * lots while their cost (buy) or proceeds (sell) stay within the quote amount. @throws -2010 when not one lot fits.
   */
  async function sizeForQuote(key: ResolvedApiKey, o: NewOrder): Promise<string> {
    const d = (await ex.market(key.userId, o.m.id, 5000)) as unknown as {
      book: { bids: { price: string; size: string }[]; asks: { price: string; size: string }[] };
    };
    const levels = o.side === 'buy' ? d.book.asks : d.book.bids;
    const lot = toAtoms(o.m.lotSize);
    let left = toAtoms(o.quoteOrderQty!); // quote atoms
    let lots = 0n;
    for (const l of levels) {
      const price = toAtoms(l.price);
      const lotCost = (price * lot) / MONEY_SCALE; // quote atoms of one lot at this level
      const avail = toAtoms(l.size) / lot;
      const take = lotCost === 0n ? avail : left / lotCost < avail ? left / lotCost : avail;
      lots += take;
      left -= take * lotCost;
      if (take < avail) break;
    }
    if (lots === 0n) throw rejected('Order book liquidity is less than LOT_SIZE filter minimum quantity.');
    return formatAtoms(lots * lot);
  }

  const NewOrderResponse = NewOrderJson;

  route({
    method: 'POST',
    url: '/api/v3/order/test',
    weight: 1,
    security: 'TRADE',
    response: z.object({}),
    handler: async ({ p, key }) => {
      await parseOrder(key!, p);
      return {};
    },
  });

  route({
    method: 'POST',
    url: '/api/v3/order',
    weight: 1,
    security: 'TRADE',
    response: NewOrderResponse,
    handler: async ({ p, key, now, reply }) => {
      const k = key!;
      const o = await parseOrder(k, p);
      const counts = gw.limiter.order(k.accountId);
      reply.header('x-mbx-order-count-10s', String(counts.n10));
      reply.header('x-mbx-order-count-1d', String(counts.nDay));
      const size = o.size ?? (await sizeForQuote(k, o));
      let placed: {
        order: ExOrder;
        events: { type: string; takerOrderId?: number; tradeId?: number; price?: string; size?: string }[];
      };
      try {
        placed = (await ex.placeOrder(k.userId, {
          accountId: k.accountId,
          marketId: o.m.id,
          side: o.side,
          type: o.type as never,
          size,
          price: o.price,
          stopPrice: o.stopPrice,
          tif: o.tif,
          postOnly: o.bType === 'LIMIT_MAKER' ? true : undefined,
          stp: o.stp,
          clientOrderId: o.clientOrderId,
        })) as unknown as typeof placed;
      } catch (e) {
        throw toBinance(e, 'new-order');
      }
      const ord = placed.order;
      const ack = {
        symbol: o.m.symbol,
        orderId: ord.id,
        orderListId: ord.listId ?? -1,
        clientOrderId: clientIdOf(ord),
        transactTime: now,
      };
      if (o.respType === 'ACK') return ack;
      let fills: ExTrade[] = [];
      if (toAtoms(ord.filled) > 0n) {
        const trades = placed.events.filter((e) => e.type === 'trade' && e.takerOrderId === ord.id);
        if (trades.length > 0 && trades.every((e) => typeof e.tradeId === 'number'))
          // the engine's events carry the trade ids: no query needed
          fills = trades.map((e) => ({
            id: e.tradeId!,
            orderId: ord.id,
            side: o.side,
            maker: false,
            price: e.price!,
            size: e.size!,
            quoteQty: formatAtoms((toAtoms(e.price!) * toAtoms(e.size!)) / MONEY_SCALE),
            time: now,
          }));
        else {
          const mine = (await ex.accountTrades(k.userId, k.accountId, {
            marketId: o.m.id,
            limit: 2 * trades.length + 50,
          })) as unknown as ExTrade[];
          fills = mine.filter((t) => t.orderId === ord.id);
        }
      }
      const cum = formatAtoms(fills.reduce((s, t) => s + toAtoms(t.quoteQty), 0n));
      const result = {
        ...ack,
        price: ord.price ?? '0',
        origQty: ord.size,
        executedQty: ord.filled,
        origQuoteOrderQty: o.quoteOrderQty ?? '0',
        cummulativeQuoteQty: cum,
        status: binanceStatus(ord),
        timeInForce: ord.tif,
        type: o.bType,
        side: o.side.toUpperCase(),
        ...(o.stopPrice !== undefined ? { stopPrice: o.stopPrice } : {}),
        workingTime: ord.status === 'pending' ? -1 : now,
        selfTradePreventionMode: orderJson(o.m.symbol, ord, cum, now).selfTradePreventionMode,
      };
      if (o.respType === 'RESULT') return result;
      return {
        ...result,
        fills: fills.map((t) => ({
          price: t.price,
          qty: t.size,
          commission: '0',
          commissionAsset: o.m.quoteAsset,
          tradeId: t.id,
        })),
      };
    },
  });

  route({
    method: 'GET',
    url: '/api/v3/order',
    weight: 4,
    security: 'USER_DATA',
    response: OrderJson,
    handler: async ({ p, key, now }) => {
      const m = await marketFor(ctx, key!, p.symbol());
      const o = await findOrder(ctx, key!, m, p);
      return (await ordersJson(ctx, [o], new Map([[m.id, m]]), now))[0]!;
    },
  });

  route({
    method: 'DELETE',
    url: '/api/v3/order',
    weight: 1,
    security: 'TRADE',
    response: CancelJson,
    handler: async ({ p, key, now }) => {
      const k = key!;
      const m = await marketFor(ctx, k, p.symbol());
      const newId = p.opt('newClientOrderId', CLIENT_ID) ?? newCancelId();
      const found = await findOrder(ctx, k, m, p).catch((e: unknown) => {
        throw e instanceof BinanceError && e.code === -2013 ? new BinanceError(400, -2011, 'Unknown order sent.') : e;
      });
      let done: { order: ExOrder };
      try {
        done = (await ex.cancelOrder(k.userId, found.id)) as unknown as { order: ExOrder };
      } catch (e) {
        throw toBinance(e, 'cancel');
      }
      const q = await quoteFilled(ctx, [done.order], new Map([[m.id, m]]));
      return cancelJson(m, done.order, q.get(done.order.id) ?? '0', newId, now);
    },
  });

  route({
    method: 'DELETE',
    url: '/api/v3/openOrders',
    weight: 1,
    security: 'TRADE',
    response: z.array(CancelJson),
    handler: async ({ p, key, now }) => {
      const k = key!;
      const m = await marketFor(ctx, k, p.symbol());
      let orders: ExOrder[];
      try {
        orders = (await ex.cancelAllOrders(k.userId, k.accountId, m.id)) as unknown as ExOrder[];
      } catch (e) {
        throw toBinance(e, 'cancel');
      }
      if (orders.length === 0) throw new BinanceError(400, -2011, 'Unknown order sent.');
      const q = await quoteFilled(ctx, orders, new Map([[m.id, m]]));
      return orders.map((o) => cancelJson(m, o, q.get(o.id) ?? '0', newCancelId(), now));
    },
  });

  route({
    method: 'GET',
    url: '/api/v3/openOrders',
    weight: (p) => (p.opt('symbol') === undefined ? 80 : 6),
    security: 'USER_DATA',
    response: z.array(OrderJson),
    handler: async ({ p, key, now }) => {
      const k = key!;
      const sym = p.opt('symbol');
      const m = sym === undefined ? undefined : await marketFor(ctx, k, sym.toUpperCase());
      const orders = (await ex.accountOrders(k.userId, k.accountId, {
        ...(m ? { marketId: m.id } : {}),
        live: true,
        limit: 1000,
      })) as unknown as ExOrder[];
      return ordersJson(ctx, orders, await symbols(ctx, k), now);
    },
  });

  route({
    method: 'GET',
    url: '/api/v3/allOrders',
    weight: 20,
    security: 'USER_DATA',
    response: z.array(OrderJson),
    handler: async ({ p, key, now }) => {
      const k = key!;
      const m = await marketFor(ctx, k, p.symbol());
      const fromId = p.int('orderId', { min: 0 });
      const limit = p.int('limit', { min: 1, max: 1000 }) ?? 500;
      const orders = (await ex.accountOrders(k.userId, k.accountId, {
        marketId: m.id,
        ...(fromId !== undefined ? { fromId } : {}),
        ...span(p),
        limit: historyLimit(p, limit, fromId),
      })) as unknown as ExOrder[];
      return ordersJson(ctx, orders.slice(0, limit), new Map([[m.id, m]]), now);
    },
  });

  route({
    method: 'GET',
    url: '/api/v3/myTrades',
    weight: (p) => (p.opt('orderId') !== undefined ? 5 : 20),
    security: 'USER_DATA',
    response: z.array(MyTradeJson),
    handler: async ({ p, key }) => {
      const k = key!;
      const m = await marketFor(ctx, k, p.symbol());
      const orderId = p.int('orderId', { min: 0 });
      const fromId = p.int('fromId', { min: 0 });
      const limit = p.int('limit', { min: 1, max: 1000 }) ?? 500;
      const trades = (await ex.accountTrades(k.userId, k.accountId, {
        marketId: m.id,
        ...(fromId !== undefined ? { fromId } : {}),
        ...span(p),
        limit: orderId !== undefined ? 1000 : historyLimit(p, limit, fromId),
      })) as unknown as ExTrade[];
      return trades
        .filter((t) => orderId === undefined || t.orderId === orderId)
        .slice(0, limit)
        .map((t) => ({
          symbol: m.symbol,
          id: t.id,
          orderId: t.orderId,
          orderListId: -1,
          price: t.price,
          qty: t.size,
          quoteQty: t.quoteQty,
          commission: '0',
          commissionAsset: m.quoteAsset,
          time: t.time,
          isBuyer: t.side === 'buy',
          isMaker: t.maker,
          isBestMatch: true,
        }));
    },
  });

  route({
    method: 'GET',
    url: '/api/v3/account',
    weight: 20,
    security: 'USER_DATA',
    response: z.object({
      makerCommission: z.number(),
      takerCommission: z.number(),
      buyerCommission: z.number(),
      sellerCommission: z.number(),
      commissionRates: z.record(z.string(), z.string()),
      canTrade: z.boolean(),
      canWithdraw: z.boolean(),
      canDeposit: z.boolean(),
      brokered: z.boolean(),
      requireSelfTradePrevention: z.boolean(),
      preventSor: z.boolean(),
      updateTime: z.number().int(),
      accountType: z.string(),
      balances: z.array(z.object({ asset: z.string(), free: z.string(), locked: z.string() })),
      permissions: z.array(z.string()),
      uid: z.number().int(),
    }),
    handler: async ({ p, key, now }) => {
      const k = key!;
      const omitZero = p.bool('omitZeroBalances') ?? false;
      const balances = (await accountBalances(ctx, k)).filter(
        (b) => !omitZero || toAtoms(b.free) !== 0n || toAtoms(b.locked) !== 0n,
      );
      return {
        makerCommission: 0,
        takerCommission: 0,
        buyerCommission: 0,
        sellerCommission: 0,
        commissionRates: { maker: '0', taker: '0', buyer: '0', seller: '0' },
        canTrade: k.permission === 'trade',
        canWithdraw: false,
        canDeposit: false,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: false,
        updateTime: now,
        accountType: 'SPOT',
        balances,
        permissions: ['SPOT'],
        uid: k.accountId,
      };
    },
  });

  route({
    method: 'GET',
    url: '/api/v3/rateLimit/order',
    weight: 40,
    security: 'USER_DATA',
    response: z.array(
      z.object({
        rateLimitType: z.string(),
        interval: z.string(),
        intervalNum: z.number().int(),
        limit: z.number().int(),
        count: z.number().int(),
      }),
    ),
    handler: async ({ key }) => {
      const c = gw.limiter.orderCounts(key!.accountId);
      const l = gw.limiter.limits;
      return [
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: l.ordersPer10s, count: c.n10 },
        { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: l.ordersPerDay, count: c.nDay },
      ];
    },
  });
}
