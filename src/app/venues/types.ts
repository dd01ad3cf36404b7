/**
 * The venue boundary: one interface in front of every place a bracket can be executed outside the paper engine —
 * the built-in simulated exchange (`sim`, through its Binance-compatible gateway), real exchanges through CCXT
 * (`ccxt`: binance, bybit, okx; spot and USDⓈ-M perpetuals) and Hyperliquid (`hyperliquid`, through CCXT's class).
 * The paper account keeps its bar-driven engine (src/app/trading/fills.ts) and is the default when a trade names no
 * connection.
 *
 * Invariants:
 * - Every number crossing this boundary is decimal text (prices, quantities, fees) or ms UTC (times); the live engine
 *   converts to ticks and lots with the instrument of {@link VenueMarket}.
 * - Every order Testudo sends carries a client order id derived from its decision (see src/app/live), so a retried
 *   submission can never double an order: a venue answers a duplicate id with `duplicate-order`, and
 *   {@link Venue.fetchOrder} finds an order by its client id.
 * - Venue methods throw {@link VenueError} only; its `code` says whether the venue refused (the request was understood
 *   and nothing changed) or was unreachable (the outcome may be unknown).
 */
import type { Instrument } from '../../core/instruments/instrument.ts';
import type { Candle } from '../../core/marketdata/candle.ts';

/** Which implementation serves a connection. */
export type VenueKind = 'sim' | 'ccxt' | 'hyperliquid';

/** Spot, or a linear (USDⓈ-M) perpetual swap. */
export type MarketType = 'spot' | 'swap';

/** Credentials of a connection, as decrypted for the venue only (never logged, never returned). */
export interface VenueCredentials {
  /** API key (CCXT `apiKey`); for Hyperliquid, unused. */
  apiKey?: string;
  /** API secret (CCXT `secret`). */
  secret?: string;
  /** Passphrase of exchanges that have one (OKX: CCXT `password`). */
  password?: string;
  /** Hyperliquid: the main account's address (0x…, CCXT `walletAddress`). */
  walletAddress?: string;
  /** Hyperliquid: the agent wallet's private key (0x…, CCXT `privateKey`). */
  privateKey?: string;
}

/** Everything needed to open a venue. */
export interface VenueConfig {
  kind: VenueKind;
  /** CCXT exchange id (`binance`, `bybit`, `okx`, `hyperliquid`); `testudo` for the simulated exchange. */
  exchange: string;
  marketType: MarketType;
  /** Use the exchange's testnet / sandbox (CCXT `setSandboxMode(true)`) where it has one. */
  sandbox: boolean;
  /**
   * An API origin (`http://host:port[/prefix]`) replacing the exchange's own REST and WebSocket URLs: the simulated
   * exchange's gateway (`<server>/binance`), or a test server. Only allowlisted origins reach here.
   */
  baseUrl?: string | undefined;
  credentials: VenueCredentials;
}

/** A tradable market of a venue, with the rules Testudo sizes and validates against. */
export interface VenueMarket {
  /** The venue's unified symbol (CCXT: `BTC/USDT`, `BTC/USDC:USDC`). */
  symbol: string;
  /** The venue's own id of the market (`BTCUSDT`). */
  id: string;
  type: MarketType;
  /** Tick, lot, minimum quantity and notional, maker and taker fee; `instrument.symbol` equals `symbol`. */
  instrument: Instrument;
  /** Whether the market is open for trading. */
  active: boolean;
}

/** Order types Testudo sends. */
export type VenueOrderType = 'market' | 'limit' | 'stop-market';

/** The state of an order on the venue (CCXT's unified statuses; `closed` means fully filled). */
export type VenueOrderStatus = 'open' | 'closed' | 'canceled' | 'rejected' | 'expired';

/** One order to place. */
export interface VenueOrderRequest {
  /** Client order id (≤ 36 characters of `[A-Za-z0-9_-]`), derived from the decision. */
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: VenueOrderType;
  /** Quantity in base units, on the market's lot grid. */
  qty: string;
  /** Limit price (type `limit`). */
  price?: string | undefined;
  /** Trigger price (type `stop-market`). */
  stopPrice?: string | undefined;
  /** Reduce-only (swaps; ignored on spot, where a venue has no such flag). */
  reduceOnly?: boolean | undefined;
}

/** An exit pair placed as one exchange-side one-cancels-other list (spot venues that support it, e.g. Binance). */
export interface VenueOcoRequest {
  /** Client id of the list. */
  listClientId: string;
  symbol: string;
  /** The exit side (opposite to the position). */
  side: 'buy' | 'sell';
  qty: string;
  /** Take-profit limit price. */
  targetPrice: string;
  /** Stop-loss trigger price (a stop-market leg, or the venue's nearest: Binance spot STOP_LOSS). */
  stopPrice: string;
  stopClientOrderId: string;
  targetClientOrderId: string;
}

/** An order as the venue reports it. */
export interface VenueOrder {
  /** The venue's order id. */
  id: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  type: VenueOrderType | 'other';
  status: VenueOrderStatus;
  qty: string;
  filled: string;
  /** Limit price, or null. */
  price: string | null;
  stopPrice: string | null;
  /** Average fill price, or null before any fill. */
  average: string | null;
  reduceOnly: boolean;
  /** The OCO list id when the order is a leg of one. */
  listId: string | null;
  /** Last update, ms UTC. */
  updatedAt: number;
}

/** One fill (a trade of one of the account's orders). */
export interface VenueFill {
  /** The venue's fill (trade) id: the dedup key with the user and exchange. */
  id: string;
  orderId: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  qty: string;
  /** Fee paid, in `feeCurrency` (0 when none). */
  fee: string;
  feeCurrency: string | null;
  liquidity: 'maker' | 'taker' | null;
  /** ms UTC. */
  time: number;
}

/** One asset's balance. */
export interface VenueBalance {
  asset: string;
  free: string;
  used: string;
  total: string;
}

/** An open derivatives position (swaps only; spot holdings are balances). */
export interface VenuePosition {
  symbol: string;
  side: 'long' | 'short';
  qty: string;
  entryPrice: string | null;
}

/** What a venue can do natively. */
export interface VenueCapabilities {
  /** One exchange-side OCO for the exit pair ({@link Venue.placeOco}). */
  oco: boolean;
  /** Reduce-only orders (swaps). */
  reduceOnly: boolean;
  /** Stop-market orders. */
  stopMarket: boolean;
  /** Streams orders and fills over WebSocket (else {@link Venue.watch} polls REST). */
  watch: boolean;
  /** Derivatives positions ({@link Venue.positions}). */
  positions: boolean;
}

/** Last trade price and best bid/ask, decimal text (null when unknown). */
export interface VenueTicker {
  symbol: string;
  last: string | null;
  bid: string | null;
  ask: string | null;
  time: number;
}

/** Callbacks of {@link Venue.watch}. */
export interface VenueWatchHandlers {
  onOrder(o: VenueOrder): void;
  onFill(f: VenueFill): void;
  /** A stream failed (the venue falls back to polling and keeps going). */
  onError?(e: VenueError): void;
}

/** Why a venue call failed: a stable kebab-case code, and the venue's own message. */
export type VenueErrorCode =
  /** Wrong, expired or revoked credentials, or a key without the needed permission. */
  | 'invalid-credentials'
  | 'insufficient-balance'
  /** Below the minimum quantity or notional. */
  | 'min-notional'
  /** Price or quantity off the market's grid or out of its bounds. */
  | 'precision'
  | 'unknown-symbol'
  | 'order-not-found'
  /** The client order id was used before: the earlier order stands. */
  | 'duplicate-order'
  /** Any other refusal of the order by the venue. */
  | 'rejected'
  | 'rate-limited'
  /** Network failure, timeout or 5xx: the outcome of a write is unknown. */
  | 'unavailable'
  /** The connection's circuit breaker is open: the call was not sent. */
  | 'breaker-open';

/** The one error type venue methods throw. */
export class VenueError extends Error {
  override readonly name = 'VenueError';
  /**
   * @param code what happened (see {@link VenueErrorCode})
   * @param message a sentence for the user, including the venue's own reason (never credentials)
   * @param venueCode the venue's own error code when it gave one (Binance `-2010`)
   * @param retryAt `breaker-open`: when the breaker lets a probe through (ms UTC)
   */
  constructor(
    readonly code: VenueErrorCode,
    message: string,
    readonly venueCode?: string | number,
    readonly retryAt?: number,
  ) {
    super(message);
  }

  /** Whether the venue understood and refused the request (nothing changed there); false when unreachable. */
  get refused(): boolean {
    return this.code !== 'unavailable' && this.code !== 'breaker-open' && this.code !== 'rate-limited';
  }
}

/**
 * One venue, opened for one connection. Methods throw {@link VenueError} only. Implementations: src/app/venues/
 * ccxt.ts (`ccxt` and `sim`), hyperliquid.ts; the breaker wrapper in guard.ts.
 */
export interface Venue {
  readonly kind: VenueKind;
  /** CCXT exchange id (or `testudo`). */
  readonly exchange: string;
  readonly marketType: MarketType;
  readonly capabilities: VenueCapabilities;
  /** The venue's markets of this connection's type, cached; `refresh` reloads them (also done hourly). */
  markets(refresh?: boolean): Promise<VenueMarket[]>;
  /** One market. @throws VenueError `unknown-symbol`. */
  market(symbol: string): Promise<VenueMarket>;
  ticker(symbol: string): Promise<VenueTicker>;
  /** Checks the credentials with a private call. @throws VenueError `invalid-credentials` when refused. */
  test(): Promise<{ balances: VenueBalance[] }>;
  balances(): Promise<VenueBalance[]>;
  /** Open swap positions (empty on spot). */
  positions(): Promise<VenuePosition[]>;
  placeOrder(r: VenueOrderRequest): Promise<VenueOrder>;
  /** @throws VenueError `rejected` when `capabilities.oco` is false. */
  placeOco(r: VenueOcoRequest): Promise<{ listId: string; stop: VenueOrder; target: VenueOrder }>;
  /** Cancels one order; null when it was no longer open (filled or cancelled before). */
  cancelOrder(symbol: string, id: string): Promise<VenueOrder | null>;
  /** Cancels an OCO list (both legs); false when it was no longer open. */
  cancelOco(symbol: string, listId: string): Promise<boolean>;
  /** An order by venue id or client order id; null when the venue does not know it. */
  fetchOrder(symbol: string, ref: { id?: string; clientOrderId?: string }): Promise<VenueOrder | null>;
  openOrders(symbol?: string): Promise<VenueOrder[]>;
  /** The account's fills on `symbol` since `since` (ms UTC), oldest first, every page fetched. */
  fills(symbol: string, since: number): Promise<VenueFill[]>;
  /**
   * Streams the account's orders and fills (WebSocket where the venue has it, REST polling every `pollMs`
   * otherwise or while the stream is down). Returns a function that stops it.
   */
  watch(h: VenueWatchHandlers, o?: { symbols?: string[]; pollMs?: number }): () => Promise<void>;
  /** Candles from the venue's REST history, oldest first (at most `limit`, the venue's page). */
  ohlcv(symbol: string, timeframe: string, since: number, limit?: number): Promise<Candle[]>;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}
