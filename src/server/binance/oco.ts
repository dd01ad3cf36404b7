/**
 * OCO order lists of the gateway (Binance's "order list" endpoints), one exchange-side object for a bracket:
 * `POST /api/v3/orderList/oco` (aboveType/belowType legs), the legacy `POST /api/v3/order/oco` (price, stopPrice,
 * stopLimitPrice), `GET|DELETE /api/v3/orderList`, `GET /api/v3/openOrderList`, `GET /api/v3/allOrderList`.
 *
 * Binance's leg rules: one leg is LIMIT_MAKER, TAKE_PROFIT or TAKE_PROFIT_LIMIT, the other STOP_LOSS or
 * STOP_LOSS_LIMIT; on a SELL the take-profit leg is above the last price and the stop below it, on a BUY the other
 * way round. When either leg trades or triggers, the exchange cancels the other (`src/core/orderbook`).
 */
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { NotFoundError } from '../../app/errors.ts';
import type { ResolvedApiKey } from '../../app/exchange/api-keys.ts';
import { toAtoms } from '../../core/money/decimal.ts';
import { BinanceError, missing, rejected, toBinance } from './errors.ts';
import { CLIENT_ID, cancelJson, marketFor, newCancelId, quoteFilled, symbols } from './ops.ts';
import type { Params } from './params.ts';
import { gatewayOf, type Router } from './plugin.ts';
import type { ExMarket } from './public.ts';
import { OrderListJson, binanceStatus, binanceType, clientIdOf, type ExOrder } from './views.ts';

const TP_TYPES = ['LIMIT_MAKER', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'] as const;
const SL_TYPES = ['STOP_LOSS', 'STOP_LOSS_LIMIT'] as const;
const LEG_TYPES = [...TP_TYPES, ...SL_TYPES] as const;
type LegType = (typeof LEG_TYPES)[number];

const LEG_TO_EXCHANGE: Record<LegType, string> = {
  LIMIT_MAKER: 'limit',
  TAKE_PROFIT: 'take-profit',
  TAKE_PROFIT_LIMIT: 'take-profit-limit',
  STOP_LOSS: 'stop-market',
  STOP_LOSS_LIMIT: 'stop-limit',
};

/** One leg as sent. */
interface Leg {
  bType: LegType;
  price?: string;
  stopPrice?: string;
  tif?: 'GTC' | 'IOC' | 'FOK';
  clientOrderId?: string;
}

/** The exchange's order list view. */
interface ExList {
  id: number;
  accountId: number;
  marketId: number;
  clientListId: string | null;
  status: string;
  orderIds: number[];
  createdAt: string;
  updatedAt: string;
}

/** Reads one leg (`above…` or `below…` parameters). */
function readLeg(p: Params, prefix: 'above' | 'below'): Leg {
  const bType = p.reqOneOf(`${prefix}Type`, LEG_TYPES);
  const price = p.decimal(`${prefix}Price`);
  const stopPrice = p.decimal(`${prefix}StopPrice`);
  const tif = p.oneOf(`${prefix}TimeInForce`, ['GTC', 'IOC', 'FOK'] as const);
  const clientOrderId = p.opt(`${prefix}ClientOrderId`, CLIENT_ID);
  if (p.opt(`${prefix}TrailingDelta`) !== undefined)
    throw new BinanceError(400, -1014, 'Unsupported order combination.');
  const limitPriced = bType === 'LIMIT_MAKER' || bType.endsWith('_LIMIT');
  if (limitPriced && price === undefined) throw missing(`${prefix}Price`);
  if (bType !== 'LIMIT_MAKER' && stopPrice === undefined) throw missing(`${prefix}StopPrice`);
  if (bType.endsWith('_LIMIT') && tif === undefined) throw missing(`${prefix}TimeInForce`);
  return {
    bType,
    ...(price !== undefined ? { price } : {}),
    ...(stopPrice !== undefined ? { stopPrice } : {}),
    ...(tif !== undefined ? { tif } : {}),
    ...(clientOrderId !== undefined ? { clientOrderId } : {}),
  };
}

/** The price that places a leg relative to the last price: its stop price, or a LIMIT_MAKER's price. */
const anchor = (l: Leg): bigint => toAtoms(l.stopPrice ?? l.price!);

/** Registers the order list endpoints. */
export function ocoRoutes(route: Router, ctx: AppContext): void {
  const ex = ctx.exchange;
  const gw = gatewayOf(ctx);

  /** An order list in Binance's shape; with `reports`, the orders' full reports too. */
  async function listJson(
    m: ExMarket,
    l: ExList,
    orders: ExOrder[],
    now: number,
    reports: 'none' | 'new' | 'cancel',
  ): Promise<z.infer<typeof OrderListJson>> {
    const done = l.status !== 'executing';
    const out: z.infer<typeof OrderListJson> = {
      orderListId: l.id,
      contingencyType: 'OCO',
      listStatusType: done ? 'ALL_DONE' : 'EXEC_STARTED',
      listOrderStatus: done ? 'ALL_DONE' : 'EXECUTING',
      listClientOrderId: l.clientListId ?? `testudo-list-${l.id}`,
      transactionTime: reports === 'none' ? Date.parse(l.updatedAt) : now,
      symbol: m.symbol,
      orders: orders.map((o) => ({ symbol: m.symbol, orderId: o.id, clientOrderId: clientIdOf(o) })),
    };
    if (reports === 'none') return out;
    const q = await quoteFilled(ctx, orders, new Map([[m.id, m]]));
    out.orderReports = orders.map((o) =>
      reports === 'cancel'
        ? cancelJson(m, o, q.get(o.id) ?? '0', newCancelId(), now)
        : {
            symbol: m.symbol,
            orderId: o.id,
            orderListId: l.id,
            clientOrderId: clientIdOf(o),
            transactTime: now,
            price: o.price ?? '0',
            origQty: o.size,
            executedQty: o.filled,
            origQuoteOrderQty: '0',
            cummulativeQuoteQty: q.get(o.id) ?? '0',
            status: binanceStatus(o),
            timeInForce: o.tif,
            type: binanceType(o),
            side: o.side.toUpperCase(),
            ...(o.stopPrice !== null ? { stopPrice: o.stopPrice } : {}),
            workingTime: o.status === 'pending' ? -1 : now,
            selfTradePreventionMode: 'EXPIRE_MAKER',
          },
    );
    return out;
  }

  /** Places an OCO from its two legs. */
  async function place(
    k: ResolvedApiKey,
    p: Params,
    m: ExMarket,
    side: 'buy' | 'sell',
    above: Leg,
    below: Leg,
    now: number,
    reply: { header: (k: string, v: string) => unknown },
  ): Promise<z.infer<typeof OrderListJson>> {
    const size = p.decimal('quantity');
    if (size === undefined) throw missing('quantity');
    const listClientOrderId = p.opt('listClientOrderId', CLIENT_ID);
    const tpAbove = side === 'sell';
    const tp = tpAbove ? above : below;
    const sl = tpAbove ? below : above;
    if (!(TP_TYPES as readonly string[]).includes(tp.bType) || !(SL_TYPES as readonly string[]).includes(sl.bType))
      throw new BinanceError(400, -1014, 'Unsupported order combination.');
    if (
      anchor(above) <= anchor(below) ||
      (m.lastPrice !== null && !(anchor(above) > toAtoms(m.lastPrice) && toAtoms(m.lastPrice) > anchor(below)))
    )
      throw rejected('The relationship of the prices for the orders is not correct.');
    const counts = gw.limiter.order(k.accountId);
    reply.header('x-mbx-order-count-10s', String(counts.n10));
    reply.header('x-mbx-order-count-1d', String(counts.nDay));
    const leg = (l: Leg) => ({
      type: LEG_TO_EXCHANGE[l.bType] as never,
      price: l.bType === 'STOP_LOSS' || l.bType === 'TAKE_PROFIT' ? undefined : l.price,
      stopPrice: l.bType === 'LIMIT_MAKER' ? undefined : l.stopPrice,
      tif: l.bType === 'LIMIT_MAKER' ? ('GTC' as const) : l.tif,
      postOnly: l.bType === 'LIMIT_MAKER' ? true : undefined,
      clientOrderId: l.clientOrderId,
    });
    let r: { list: ExList; orders: ExOrder[] };
    try {
      r = (await ex.placeOco(k.userId, {
        accountId: k.accountId,
        marketId: m.id,
        side,
        size,
        above: leg(above),
        below: leg(below),
        listClientOrderId,
      })) as unknown as typeof r;
    } catch (e) {
      throw toBinance(e, 'new-order');
    }
    return listJson(m, r.list, r.orders, now, 'new');
  }

  route({
    method: 'POST',
    url: '/api/v3/orderList/oco',
    weight: 1,
    security: 'TRADE',
    response: OrderListJson,
    handler: async ({ p, key, now, reply }) => {
      const m = await marketFor(ctx, key!, p.symbol());
      const side = p.side();
      return place(key!, p, m, side, readLeg(p, 'above'), readLeg(p, 'below'), now, reply);
    },
  });

  // The legacy form: a LIMIT_MAKER at `price` and a STOP_LOSS (or STOP_LOSS_LIMIT at `stopLimitPrice`) at `stopPrice`.
  route({
    method: 'POST',
    url: '/api/v3/order/oco',
    weight: 1,
    security: 'TRADE',
    response: OrderListJson,
    handler: async ({ p, key, now, reply }) => {
      const m = await marketFor(ctx, key!, p.symbol());
      const side = p.side();
      const price = p.decimal('price');
      const stopPrice = p.decimal('stopPrice');
      if (price === undefined) throw missing('price');
      if (stopPrice === undefined) throw missing('stopPrice');
      const stopLimitPrice = p.decimal('stopLimitPrice');
      const stopTif = p.oneOf('stopLimitTimeInForce', ['GTC', 'IOC', 'FOK'] as const);
      if (stopLimitPrice !== undefined && stopTif === undefined) throw missing('stopLimitTimeInForce');
      const limitClientOrderId = p.opt('limitClientOrderId', CLIENT_ID);
      const stopClientOrderId = p.opt('stopClientOrderId', CLIENT_ID);
      const tp: Leg = {
        bType: 'LIMIT_MAKER',
        price,
        ...(limitClientOrderId !== undefined ? { clientOrderId: limitClientOrderId } : {}),
      };
      const sl: Leg = {
        bType: stopLimitPrice !== undefined ? 'STOP_LOSS_LIMIT' : 'STOP_LOSS',
        stopPrice,
        ...(stopLimitPrice !== undefined ? { price: stopLimitPrice, tif: stopTif! } : {}),
        ...(stopClientOrderId !== undefined ? { clientOrderId: stopClientOrderId } : {}),
      };
      return side === 'sell'
        ? place(key!, p, m, side, tp, sl, now, reply)
        : place(key!, p, m, side, sl, tp, now, reply);
    },
  });

  /** The list named by `orderListId` or `origClientOrderId`/`listClientOrderId`. @throws -1102, -2011/-2013. */
  async function findList(
    k: ResolvedApiKey,
    p: Params,
    clientParam: string,
    op: 'query' | 'cancel',
  ): Promise<{ list: ExList; orders: ExOrder[] }> {
    const id = p.int('orderListId', { min: 0 });
    const clientId = p.opt(clientParam);
    if (id === undefined && clientId === undefined)
      throw new BinanceError(
        400,
        -1102,
        `Param '${clientParam}' or 'orderListId' must be sent, but both were empty/null!`,
      );
    try {
      if (id !== undefined) {
        const r = (await ex.orderList(k.userId, id)) as unknown as { list: ExList; orders: ExOrder[] };
        // the service answers any list of the key's user; a key acts only for its own account
        if (r.list.accountId === k.accountId) return r;
        throw toBinance(new NotFoundError('order-list-not-found', `no order list ${id} on this account`), op);
      }
      const all = (await ex.orderLists(k.userId, k.accountId, { limit: 1000 })) as unknown as {
        list: ExList;
        orders: ExOrder[];
      }[];
      const hit = all.find((x) => x.list.clientListId === clientId);
      if (!hit)
        throw new BinanceError(
          400,
          op === 'cancel' ? -2011 : -2013,
          op === 'cancel' ? 'Unknown order list sent.' : 'Order list does not exist.',
        );
      return hit;
    } catch (e) {
      if (e instanceof BinanceError) throw e;
      throw toBinance(e, op);
    }
  }

  route({
    method: 'GET',
    url: '/api/v3/orderList',
    weight: 4,
    security: 'USER_DATA',
    response: OrderListJson,
    handler: async ({ p, key, now }) => {
      const r = await findList(key!, p, 'origClientOrderId', 'query');
      const markets = await symbols(ctx, key!);
      return listJson(markets.get(r.list.marketId)!, r.list, r.orders, now, 'none');
    },
  });

  route({
    method: 'DELETE',
    url: '/api/v3/orderList',
    weight: 1,
    security: 'TRADE',
    response: OrderListJson,
    handler: async ({ p, key, now }) => {
      const k = key!;
      const m = await marketFor(ctx, k, p.symbol());
      const found = await findList(k, p, 'listClientOrderId', 'cancel');
      if (found.list.marketId !== m.id) throw new BinanceError(400, -2011, 'Unknown order list sent.');
      let r: { list: ExList; orders: ExOrder[] };
      try {
        r = (await ex.cancelOrderList(k.userId, found.list.id)) as unknown as typeof r;
      } catch (e) {
        throw toBinance(e, 'cancel');
      }
      return listJson(m, { ...r.list, status: 'all-done' }, r.orders, now, 'cancel');
    },
  });

  const lists = async (k: ResolvedApiKey, limit: number, open: boolean, now: number) => {
    const all = (await ex.orderLists(k.userId, k.accountId, { limit })) as unknown as {
      list: ExList;
      orders: ExOrder[];
    }[];
    const markets = await symbols(ctx, k);
    const out = [];
    for (const x of all.reverse())
      if (!open || x.list.status === 'executing')
        out.push(await listJson(markets.get(x.list.marketId)!, x.list, x.orders, now, 'none'));
    return out;
  };

  route({
    method: 'GET',
    url: '/api/v3/openOrderList',
    weight: 6,
    security: 'USER_DATA',
    response: z.array(OrderListJson),
    handler: async ({ key, now }) => lists(key!, 1000, true, now),
  });

  route({
    method: 'GET',
    url: '/api/v3/allOrderList',
    weight: 20,
    security: 'USER_DATA',
    response: z.array(OrderListJson),
    handler: async ({ p, key, now }) => lists(key!, p.int('limit', { min: 1, max: 1000 }) ?? 500, false, now),
  });
}
