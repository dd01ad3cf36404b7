/**
 * The order ticket's rules, checked before anything is sent (the server checks them again and its field errors are
 * shown the same way): which fields an order type needs, the market's grid (price on the tick, size on the lot),
 * a bounded market's price range, and which options the type supports (time in force for limit and stop-limit
 * orders, post-only for limit orders only). Decimal text stays as typed: only trimmed, never re-formatted.
 */
import { compareText, UNSIGNED_DECIMAL, onStep } from '@/lib/decimal';

/** Order types of the exchange. */
export type OrderType = 'limit' | 'market' | 'stop-market' | 'stop-limit';
/** Time in force. */
export type Tif = 'GTC' | 'IOC' | 'FOK';

/** What the ticket holds (strings as typed). */
export interface OrderFormValues {
  side: 'buy' | 'sell';
  type: OrderType;
  price: string;
  stopPrice: string;
  size: string;
  tif: Tif;
  postOnly: boolean;
}

/** The market facts the rules need. */
export interface OrderMarket {
  id: number;
  status: string;
  tickSize: string;
  lotSize: string;
  kind: 'spot' | 'bounded';
  minPrice: string | null;
  maxPrice: string | null;
}

/** The body of `POST /api/v1/exchange/orders`. */
export interface OrderBody {
  accountId?: number;
  marketId: number;
  side: 'buy' | 'sell';
  type: OrderType;
  size: string;
  price?: string;
  stopPrice?: string;
  tif?: Tif;
  postOnly?: boolean;
}

/** Field name → message. */
export type FieldErrors = Partial<Record<'price' | 'stopPrice' | 'size' | 'tif' | 'postOnly' | 'market', string>>;

/** Whether `type` takes a limit price. */
export const needsPrice = (type: OrderType): boolean => type === 'limit' || type === 'stop-limit';
/** Whether `type` takes a stop (trigger) price. */
export const needsStop = (type: OrderType): boolean => type === 'stop-market' || type === 'stop-limit';
/** Whether `type` takes a time in force (market orders are immediate-or-cancel by nature). */
export const supportsTif = (type: OrderType): boolean => type === 'limit' || type === 'stop-limit';
/** Whether `type` may be post-only (only a resting limit order can promise to add liquidity). */
export const supportsPostOnly = (type: OrderType, tif: Tif): boolean => type === 'limit' && tif === 'GTC';

function priceError(v: string, m: OrderMarket, label: string): string | undefined {
  if (v === '') return `Enter a ${label}`;
  if (!UNSIGNED_DECIMAL.test(v)) return `The ${label} must be a positive decimal such as 0.5`;
  if (!onStep(v, m.tickSize)) return `The ${label} must be a multiple of the tick ${m.tickSize}`;
  if (m.kind === 'bounded') {
    if (m.minPrice !== null && compareText(v, m.minPrice) < 0) return `The ${label} must be at least ${m.minPrice}`;
    if (m.maxPrice !== null && compareText(v, m.maxPrice) > 0) return `The ${label} must be at most ${m.maxPrice}`;
  }
  if (compareText(v, '0') <= 0) return `The ${label} must be greater than 0`;
  return undefined;
}

/**
 * Checks the ticket against the market. Returns `{ errors }` (field → message) when something is wrong, else
 * `{ body }`, the request body with only the fields the type uses.
 */
export function validateOrder(
  v: OrderFormValues,
  m: OrderMarket,
  accountId?: number,
): { errors: FieldErrors; body?: undefined } | { body: OrderBody; errors?: undefined } {
  const errors: FieldErrors = {};
  const size = v.size.trim();
  const price = v.price.trim();
  const stopPrice = v.stopPrice.trim();
  if (m.status !== 'open') errors.market = `The market is ${m.status}: it takes no new orders`;
  if (size === '') errors.size = 'Enter a size';
  else if (!UNSIGNED_DECIMAL.test(size)) errors.size = 'The size must be a positive decimal such as 2';
  else if (compareText(size, '0') <= 0) errors.size = 'The size must be greater than 0';
  else if (!onStep(size, m.lotSize)) errors.size = `The size must be a multiple of the lot ${m.lotSize}`;
  if (needsPrice(v.type)) {
    const e = priceError(price, m, 'price');
    if (e) errors.price = e;
  }
  if (needsStop(v.type)) {
    const e = priceError(stopPrice, m, 'stop price');
    if (e) errors.stopPrice = e;
  }
  if (v.postOnly && !supportsPostOnly(v.type, v.tif))
    errors.postOnly = 'Post-only applies to good-till-cancelled limit orders only';
  if (Object.keys(errors).length) return { errors };
  const body: OrderBody = { marketId: m.id, side: v.side, type: v.type, size };
  if (accountId !== undefined) body.accountId = accountId;
  if (needsPrice(v.type)) body.price = price;
  if (needsStop(v.type)) body.stopPrice = stopPrice;
  if (supportsTif(v.type)) body.tif = v.tif;
  if (v.postOnly) body.postOnly = true;
  return { body };
}
