/**
 * Binance's response shapes for orders, fills and trades, built from the exchange's views (decimal texts), with the
 * zod schemas the routes declare as responses. Mapping of order types and statuses:
 * - limit → LIMIT (LIMIT_MAKER when post-only), market → MARKET, stop-market → STOP_LOSS, stop-limit →
 *   STOP_LOSS_LIMIT, take-profit → TAKE_PROFIT, take-profit-limit → TAKE_PROFIT_LIMIT;
 * - open/pending without fills → NEW, open with fills → PARTIALLY_FILLED, filled → FILLED, cancelled → CANCELED, or
 *   EXPIRED for an IOC/FOK/market order the engine cancelled (Binance's word for an unfilled remainder).
 */
import { z } from 'zod';

/** Binance order types and the exchange's. */
export const TYPE_TO_BINANCE: Record<string, string> = {
  limit: 'LIMIT',
  market: 'MARKET',
  'stop-market': 'STOP_LOSS',
  'stop-limit': 'STOP_LOSS_LIMIT',
  'take-profit': 'TAKE_PROFIT',
  'take-profit-limit': 'TAKE_PROFIT_LIMIT',
};

const STP_TO_BINANCE: Record<string, string> = {
  'cancel-resting': 'EXPIRE_MAKER',
  'cancel-incoming': 'EXPIRE_TAKER',
  'cancel-both': 'EXPIRE_BOTH',
};

/** Binance's STP modes → the exchange's. */
export const STP_FROM_BINANCE: Record<string, 'cancel-resting' | 'cancel-incoming' | 'cancel-both'> = {
  EXPIRE_MAKER: 'cancel-resting',
  EXPIRE_TAKER: 'cancel-incoming',
  EXPIRE_BOTH: 'cancel-both',
  NONE: 'cancel-resting',
};

/** The exchange's order view, as far as the gateway reads it. */
export interface ExOrder {
  id: number;
  marketId: number;
  accountId: number;
  side: string;
  type: string;
  price: string | null;
  stopPrice: string | null;
  size: string;
  filled: string;
  remaining: string;
  tif: string;
  postOnly: boolean;
  stp: string;
  status: string;
  clientOrderId?: string | null;
  listId?: number | null;
  createdAt?: string;
  updatedAt?: string;
  /** Σ price × size of the order's fills, when the exchange's view carries it. */
  filledQuote?: string;
}

const isZero = (s: string): boolean => /^0*(\.0*)?$/.test(s);

/** Binance's status of an order view. */
export function binanceStatus(o: ExOrder): string {
  if (o.status === 'filled') return 'FILLED';
  if (o.status === 'cancelled')
    return o.tif === 'IOC' || o.tif === 'FOK' || o.type === 'market' ? 'EXPIRED' : 'CANCELED';
  return isZero(o.filled) ? 'NEW' : 'PARTIALLY_FILLED';
}

/** Binance's type of an order view. */
export function binanceType(o: ExOrder): string {
  if (o.type === 'limit' && o.postOnly) return 'LIMIT_MAKER';
  return TYPE_TO_BINANCE[o.type] ?? o.type.toUpperCase();
}

/** The client order id shown for an order (orders placed natively have none: a stable stand-in). */
export const clientIdOf = (o: ExOrder): string => o.clientOrderId ?? `testudo-${o.id}`;

const ms = (iso: string | undefined, fallback: number): number => (iso ? Date.parse(iso) : fallback);

/** An order in Binance's query-order shape (GET /api/v3/order, openOrders, allOrders). */
export function orderJson(symbol: string, o: ExOrder, quoteFilled: string, now: number): OrderJson {
  const time = ms(o.createdAt, now);
  return {
    symbol,
    orderId: o.id,
    orderListId: o.listId ?? -1,
    clientOrderId: clientIdOf(o),
    price: o.price ?? '0',
    origQty: o.size,
    executedQty: o.filled,
    cummulativeQuoteQty: quoteFilled,
    status: binanceStatus(o),
    timeInForce: o.tif,
    type: binanceType(o),
    side: o.side.toUpperCase(),
    stopPrice: o.stopPrice ?? '0',
    icebergQty: '0',
    time,
    updateTime: ms(o.updatedAt, time),
    isWorking: o.status !== 'pending',
    workingTime: o.status === 'pending' ? -1 : time,
    origQuoteOrderQty: '0',
    selfTradePreventionMode: STP_TO_BINANCE[o.stp] ?? 'NONE',
  };
}

/** Zod schema of {@link orderJson}. */
export const OrderJson = z.object({
  symbol: z.string(),
  orderId: z.number().int(),
  orderListId: z.number().int(),
  clientOrderId: z.string(),
  price: z.string(),
  origQty: z.string(),
  executedQty: z.string(),
  cummulativeQuoteQty: z.string(),
  status: z.string(),
  timeInForce: z.string(),
  type: z.string(),
  side: z.string(),
  stopPrice: z.string(),
  icebergQty: z.string(),
  time: z.number().int(),
  updateTime: z.number().int(),
  isWorking: z.boolean(),
  workingTime: z.number().int(),
  origQuoteOrderQty: z.string(),
  selfTradePreventionMode: z.string(),
});
/** An order in Binance's shape. */
export type OrderJson = z.infer<typeof OrderJson>;

/** One fill of a FULL new-order response. */
export const FillJson = z.object({
  price: z.string(),
  qty: z.string(),
  commission: z.string(),
  commissionAsset: z.string(),
  tradeId: z.number().int(),
});

/** The new-order response in its three forms (ACK ⊂ RESULT ⊂ FULL). */
export const NewOrderJson = z.object({
  symbol: z.string(),
  orderId: z.number().int(),
  orderListId: z.number().int(),
  clientOrderId: z.string(),
  transactTime: z.number().int(),
  price: z.string().optional(),
  origQty: z.string().optional(),
  executedQty: z.string().optional(),
  origQuoteOrderQty: z.string().optional(),
  cummulativeQuoteQty: z.string().optional(),
  status: z.string().optional(),
  timeInForce: z.string().optional(),
  type: z.string().optional(),
  side: z.string().optional(),
  stopPrice: z.string().optional(),
  workingTime: z.number().int().optional(),
  selfTradePreventionMode: z.string().optional(),
  fills: z.array(FillJson).optional(),
});

/** A cancel response (DELETE /api/v3/order and each entry of DELETE openOrders). */
export const CancelJson = OrderJson.omit({
  time: true,
  updateTime: true,
  isWorking: true,
  workingTime: true,
  icebergQty: true,
  origQuoteOrderQty: true,
}).extend({ origClientOrderId: z.string(), transactTime: z.number().int() });

/** A trade of the account (GET /api/v3/myTrades). */
export const MyTradeJson = z.object({
  symbol: z.string(),
  id: z.number().int(),
  orderId: z.number().int(),
  orderListId: z.number().int(),
  price: z.string(),
  qty: z.string(),
  quoteQty: z.string(),
  commission: z.string(),
  commissionAsset: z.string(),
  time: z.number().int(),
  isBuyer: z.boolean(),
  isMaker: z.boolean(),
  isBestMatch: z.boolean(),
});

/** An order list (OCO) in Binance's shape. */
export const OrderListJson = z.object({
  orderListId: z.number().int(),
  contingencyType: z.string(),
  listStatusType: z.string(),
  listOrderStatus: z.string(),
  listClientOrderId: z.string(),
  transactionTime: z.number().int(),
  symbol: z.string(),
  orders: z.array(z.object({ symbol: z.string(), orderId: z.number().int(), clientOrderId: z.string() })),
  orderReports: z.array(z.record(z.string(), z.unknown())).optional(),
});
