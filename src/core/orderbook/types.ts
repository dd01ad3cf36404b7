/**
 * Commands and events of the matching engine. Prices are integer ticks, sizes integer lots (JavaScript safe
 * integers); ids are integers assigned by the caller (the exchange service), unique among live orders.
 */

/** Order side. */
export type Side = 'buy' | 'sell';

/** Order type: limit, market (IOC within a price band), stop-market and stop-limit (triggered by the last trade). */
export type OrderType = 'limit' | 'market' | 'stop-market' | 'stop-limit';

/** Time in force of a limit order: good-till-cancelled, immediate-or-cancel, fill-or-kill. */
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

/**
 * Self-trade prevention when an incoming order would match a resting order of the same account:
 * cancel the resting order (and keep matching), cancel the incoming order, or cancel both.
 */
export type StpMode = 'cancel-resting' | 'cancel-incoming' | 'cancel-both';

/** A new order. */
export interface NewOrder {
  id: number;
  /** The account that owns the order (self-trade prevention compares accounts). */
  account: number;
  side: Side;
  type: OrderType;
  /** Size in lots (> 0). */
  size: number;
  /** Limit price in ticks: required for `limit` and `stop-limit`. */
  price?: number;
  /** Trigger price in ticks: required for `stop-market` and `stop-limit`. */
  stopPrice?: number;
  /** Default `GTC`. Market orders are always IOC. */
  tif?: TimeInForce;
  /** Reject instead of taking liquidity (limit GTC only). */
  postOnly?: boolean;
  /** Default `cancel-resting`. */
  stp?: StpMode;
  /** Price band of a market order in ticks from the best opposite price at arrival; default: the engine's. */
  bandTicks?: number;
}

/** Stable codes of a rejected command. */
export type RejectReason =
  | 'invalid-id'
  | 'duplicate-id'
  | 'invalid-size'
  | 'invalid-price'
  | 'invalid-stop-price'
  | 'invalid-type'
  | 'invalid-time-in-force'
  | 'post-only-would-take'
  | 'unknown-order';

/** Why (part of) an order was cancelled. */
export type CancelReason =
  'user' | 'ioc' | 'fok-not-fillable' | 'self-trade-prevention' | 'market-band' | 'no-liquidity';

/** The command was accepted; a stop order waits for its trigger (`pending: true`). */
export interface AcceptedEvent {
  type: 'accepted';
  orderId: number;
  account: number;
  side: Side;
  orderType: OrderType;
  price: number | null;
  size: number;
  pending: boolean;
}

/** The command was rejected and changed nothing. */
export interface RejectedEvent {
  type: 'rejected';
  orderId: number;
  reason: RejectReason;
}

/** A trade, always at the maker's price. */
export interface TradeEvent {
  type: 'trade';
  makerOrderId: number;
  takerOrderId: number;
  makerAccount: number;
  takerAccount: number;
  price: number;
  size: number;
  takerSide: Side;
}

/** `remaining` lots of an order were cancelled. */
export interface CancelledEvent {
  type: 'cancelled';
  orderId: number;
  account: number;
  remaining: number;
  reason: CancelReason;
}

/** An order was amended; `priorityKept` is false when it went to the back of its (new) price level. */
export interface AmendedEvent {
  type: 'amended';
  orderId: number;
  price: number;
  remaining: number;
  priorityKept: boolean;
}

/** A stop order's trigger was reached; it now enters the book as a market or limit order. */
export interface TriggeredEvent {
  type: 'triggered';
  orderId: number;
  lastPrice: number;
}

/** An order has left the engine: fully filled or cancelled. `filled` is its total filled size in lots. */
export interface DoneEvent {
  type: 'done';
  orderId: number;
  account: number;
  filled: number;
  reason: 'filled' | 'cancelled';
}

/** Every event the engine emits. */
export type MatchEvent =
  AcceptedEvent | RejectedEvent | TradeEvent | CancelledEvent | AmendedEvent | TriggeredEvent | DoneEvent;

/** One aggregated price level of a depth snapshot. */
export interface DepthLevel {
  price: number;
  size: number;
  orders: number;
}

/** A resting or pending order as seen from outside. */
export interface OrderView {
  id: number;
  account: number;
  side: Side;
  type: OrderType;
  price: number | null;
  stopPrice: number | null;
  size: number;
  remaining: number;
  filled: number;
  /** `resting` in the book, or `pending` (a stop waiting for its trigger). */
  state: 'resting' | 'pending';
}
