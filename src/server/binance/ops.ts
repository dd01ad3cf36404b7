/**
 * Helpers shared by the signed endpoints (`./private.ts`, `./oco.ts`, `./compat.ts`): a symbol as the key's user may
 * see it, orders in Binance's shape with their filled quote quantity, the order a request names, cancel reports,
 * history time spans and the account's balances.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { ResolvedApiKey } from '../../app/exchange/api-keys.ts';
import { formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import { toInt } from '../../db/sql.ts';
import { BinanceError, invalidSymbol, toBinance } from './errors.ts';
import { quoteText } from './market-data.ts';
import { TIME_RANGE, type Params } from './params.ts';
import type { ExMarket } from './public.ts';
import { CancelJson, binanceType, clientIdOf, orderJson, type ExOrder, type OrderJson } from './views.ts';

/** Client order ids as Binance accepts them. */
export const CLIENT_ID = /^[a-zA-Z0-9._:/-]{1,36}$/;

/** A fresh client id for a cancel (Binance generates one when `newClientOrderId` is not sent). */
export const newCancelId = (): string => randomBytes(16).toString('base64url').slice(0, 22);

/**
 * The markets the key's account may see: the public ones and the restricted ones its own account has access to
 * (`ex_market_access`), not those the key's user sees through another of their accounts. One read, and only when
 * some market the user sees is restricted.
 */
export async function accountMarkets(ctx: AppContext, key: ResolvedApiKey): Promise<ExMarket[]> {
  const list = (await ctx.exchange.listMarkets(key.userId)) as unknown as ExMarket[];
  if (!list.some((m) => m.restricted)) return list;
  const rows = await ctx.sql.query('SELECT market_id FROM ex_market_access WHERE account_id = $1', [key.accountId]);
  const ok = new Set(rows.map((r) => toInt(r.market_id)));
  return list.filter((m) => !m.restricted || ok.has(m.id));
}

/** The market of `symbol` as the key's account may see it (see {@link accountMarkets}). @throws -1121. */
export async function marketFor(ctx: AppContext, key: ResolvedApiKey, symbol: string): Promise<ExMarket> {
  const m = ctx.exchange.marketBySymbol(symbol) as ExMarket | null;
  if (!m) throw invalidSymbol();
  if (m.restricted && !(await accountMarkets(ctx, key)).some((x) => x.id === m.id)) throw invalidSymbol();
  return m;
}

/** Symbols by market id, for listing orders across markets. */
export async function symbols(ctx: AppContext, key: ResolvedApiKey): Promise<Map<number, ExMarket>> {
  const list = (await ctx.exchange.listMarkets(key.userId)) as unknown as ExMarket[];
  return new Map(list.map((m) => [m.id, m]));
}

/** Quote quantity filled per order (Σ price × size of its trades), for the orders with fills. */
export async function quoteFilled(
  ctx: AppContext,
  orders: ExOrder[],
  markets: Map<number, ExMarket>,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const ids: number[] = [];
  for (const o of orders) {
    if (typeof o.filledQuote === 'string')
      out.set(o.id, o.filledQuote); // the exchange keeps it: no query
    else if (toAtoms(o.filled) > 0n) ids.push(o.id);
  }
  if (ids.length === 0) return out;
  // Scoped by account so the (maker|taker)_account_id indexes bound the scan to the account's own trades.
  const accounts = [...new Set(orders.map((o) => o.accountId))];
  const rows = await ctx.sql.query(
    `SELECT o, sum(price * size)::text AS tl FROM (
       SELECT maker_order_id AS o, price, size FROM ex_trades
        WHERE maker_account_id = ANY($2::bigint[]) AND maker_order_id = ANY($1::bigint[])
       UNION ALL SELECT taker_order_id, price, size FROM ex_trades
        WHERE taker_account_id = ANY($2::bigint[]) AND taker_order_id = ANY($1::bigint[])
     ) x GROUP BY o`,
    [ids, accounts],
  );
  const byId = new Map(orders.map((o) => [o.id, o]));
  for (const r of rows) {
    const o = byId.get(toInt(r.o));
    const m = o ? markets.get(o.marketId) : undefined;
    if (o && m) out.set(o.id, quoteText(m, BigInt(String(r.tl))));
  }
  return out;
}

/** Orders in Binance's shape. */
export async function ordersJson(
  ctx: AppContext,
  orders: ExOrder[],
  markets: Map<number, ExMarket>,
  now: number,
): Promise<OrderJson[]> {
  const q = await quoteFilled(ctx, orders, markets);
  return orders.map((o) => orderJson(markets.get(o.marketId)?.symbol ?? '', o, q.get(o.id) ?? '0', now));
}

/** The order named by `orderId` or `origClientOrderId`, in `m`. @throws -1102, -2013. */
export async function findOrder(ctx: AppContext, key: ResolvedApiKey, m: ExMarket, p: Params): Promise<ExOrder> {
  const orderId = p.int('orderId', { min: 0 });
  const orig = p.opt('origClientOrderId');
  if (orderId === undefined && orig === undefined)
    throw new BinanceError(
      400,
      -1102,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    );
  let o: ExOrder;
  try {
    o = (await ctx.exchange.accountOrder(
      key.userId,
      key.accountId,
      orderId !== undefined ? { orderId } : { clientOrderId: orig! },
    )) as unknown as ExOrder;
  } catch (e) {
    throw toBinance(e, 'query');
  }
  if (o.marketId !== m.id || (orig !== undefined && orderId !== undefined && clientIdOf(o) !== orig))
    throw new BinanceError(400, -2013, 'Order does not exist.');
  return o;
}

/** A cancelled order as Binance reports it. */
export const cancelJson = (
  m: ExMarket,
  o: ExOrder,
  quote: string,
  newId: string,
  now: number,
): z.infer<typeof CancelJson> => {
  const j = orderJson(m.symbol, o, quote, now);
  return {
    symbol: m.symbol,
    origClientOrderId: j.clientOrderId,
    orderId: o.id,
    orderListId: j.orderListId,
    clientOrderId: newId,
    transactTime: now,
    price: j.price,
    origQty: j.origQty,
    executedQty: j.executedQty,
    cummulativeQuoteQty: j.cummulativeQuoteQty,
    status: j.status,
    timeInForce: j.timeInForce,
    type: binanceType(o),
    side: j.side,
    stopPrice: j.stopPrice,
    selfTradePreventionMode: j.selfTradePreventionMode,
  };
};

/**
 * startTime/endTime of a history query (allOrders, myTrades), as Binance reads them: at most 24 hours apart, and one
 * of them alone stands for the 24 hours after startTime (or before endTime).
 * @throws BinanceError -1127 when more than 24 hours apart.
 */
export const span = (p: Params): { startTime?: number; endTime?: number } => {
  const startTime = p.int('startTime', TIME_RANGE);
  const endTime = p.int('endTime', TIME_RANGE);
  if (startTime !== undefined && endTime !== undefined && endTime - startTime > 86_400_000)
    throw new BinanceError(400, -1127, 'More than 24 hours between startTime and endTime.');
  if (startTime !== undefined) return { startTime, endTime: endTime ?? startTime + 86_400_000 };
  if (endTime !== undefined) return { startTime: endTime - 86_400_000, endTime };
  return {};
};

/**
 * Rows of a history query in Binance's order: with a startTime (and no fromId), the OLDEST `limit` from startTime;
 * the exchange returns the latest rows of the window (oldest first), so the gateway asks for the maximum and keeps
 * the head.
 */
export const historyLimit = (p: Params, limit: number, fromId: number | undefined): number =>
  fromId === undefined && p.int('startTime', TIME_RANGE) !== undefined ? 1000 : limit;

/** One balance in Binance's shape. */
export interface Balance {
  asset: string;
  free: string;
  locked: string;
}

/**
 * The account's balances: the cash asset (free = available, locked = cash − available: what open orders and auction
 * bids reserve) and, per market asset, the position (free = position − open sell orders, locked = open sell
 * orders). A bounded market's short position shows as a negative free balance.
 */
export async function accountBalances(ctx: AppContext, k: ResolvedApiKey): Promise<Balance[]> {
  const ex = ctx.exchange;
  const pf = (await ex.portfolio(k.userId, k.accountId)) as {
    cash: string;
    available: string | null;
    positions: { marketId: number; position: string }[];
  };
  const markets = await accountMarkets(ctx, k);
  const live = (await ex.accountOrders(k.userId, k.accountId, { live: true, limit: 1000 })) as unknown as ExOrder[];
  const sells = new Map<number, bigint>();
  for (const o of live)
    if (o.side === 'sell') sells.set(o.marketId, (sells.get(o.marketId) ?? 0n) + toAtoms(o.remaining));
  const pos = new Map(pf.positions.map((x) => [x.marketId, toAtoms(x.position)]));
  const cash = toAtoms(pf.cash);
  const avail = pf.available === null ? cash : toAtoms(pf.available);
  const quote = markets[0]?.quoteAsset ?? 'USD';
  const out = new Map<string, { free: bigint; locked: bigint }>();
  out.set(quote, { free: avail, locked: cash - avail });
  for (const m of markets) {
    const p = pos.get(m.id) ?? 0n;
    const locked = m.kind === 'spot' ? (sells.get(m.id) ?? 0n) : 0n;
    const b = out.get(m.baseAsset) ?? { free: 0n, locked: 0n };
    b.free += p - locked;
    b.locked += locked;
    out.set(m.baseAsset, b);
  }
  return [...out].map(([asset, b]) => ({ asset, free: formatAtoms(b.free), locked: formatAtoms(b.locked) }));
}
