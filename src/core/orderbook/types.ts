/**
 * Commands and events of the matching engine. Prices are integer ticks, sizes integer lots (JavaScript safe
 * integers); ids are integers assigned by the caller (the exchange service), unique among live orders.
 */

/** Order side. */
export type Side = 'buy' | 'sell';

/**
 * Order type: limit, market (IOC within a price band), and the conditional types, which wait outside the book until
 * the last trade price reaches their `stopPrice` and then enter as a market or limit order:
 * - `stop-market` / `stop-limit` (Binance STOP_LOSS / STOP_LOSS_LIMIT): buy when last ≥ stopPrice, sell when
 *   last ≤ stopPrice;
 * - `take-profit` / `take-profit-limit` (Binance TAKE_PROFIT / TAKE_PROFIT_LIMIT): the other direction, buy when
 *   last ≤ stopPrice, sell when last ≥ stopPrice.
 */
export type OrderType = 'limit' | 'market' | 'stop-market' | 'stop-limit' | 'take-profit' | 'take-profit-limit';

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
  /** Limit price in ticks: required for `limit`, `stop-limit` and `take-profit-limit`. */
  price?: number;
  /** Trigger price in ticks: required for the conditional types (`stop-*`, `take-profit*`). */
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
  | 'unknown-order'
  /**
   * `submitOco`: the pair cannot form an OCO (legs of different accounts or sides, or a leg that is a market order
   * or a limit order that is not GTC).
   */
  | 'invalid-oco'
  /** `submitOco`: this leg is valid, but the other leg was rejected, so neither was accepted. */
  | 'oco-leg-rejected';

/** Why (part of) an order was cancelled. */
export type CancelReason =
  | 'user'
  | 'ioc'
  | 'fok-not-fillable'
  | 'self-trade-prevention'
  | 'market-band'
  | 'no-liquidity'
  /** The other leg of its OCO pair traded, triggered or was cancelled. */
  | 'oco';

/** The command was accepted; a conditional (stop / take-profit) order waits for its trigger (`pending: true`). */
export interface AcceptedEvent {
  type: 'accepted';
  orderId: number;
  account: number;
  side: Side;
  orderType: OrderType;
  price: number | null;
  size: number;
  pending: boolean;
  /** For a leg of an OCO pair (`submitOco`): the other leg's id. Absent otherwise. */
  linkedId?: number;
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

/**
 * A conditional order's trigger was reached; it now enters the book as a market or limit order (for a leg of an OCO
 * pair, the other leg's `cancelled` (reason `oco`) and `done` events follow at once).
 */
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
  /** `resting` in the book, or `pending` (a conditional order waiting for its trigger). */
  state: 'resting' | 'pending';
  /** For a live leg of an OCO pair: the other leg's id. Absent otherwise. */
  linkedId?: number;
}
