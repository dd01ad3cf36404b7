/**
 * Response schemas of the exchange's REST routes (`./exchange-routes.ts`, `./auction-routes.ts`): the server checks
 * every success reply against them, and the Desk's types are generated from them (`npm run gen:api`), so they are
 * the Desk's contract. They describe the replies exactly as `src/app/exchange/service.ts` and `auctions.ts` build
 * them: prices, sizes and money as decimal text, times as ISO 8601 text, ids as integers.
 */
import { z } from 'zod';

const id = z.number().int();
const dec = z.string().describe('decimal text');
const iso = z.string().describe('ISO 8601 time');

/** A market as listed: grid, bounds (bounded markets), top of book and last trade price (null when none). */
export const MarketView = z.object({
  id,
  name: z.string(),
  symbol: z.string().describe('gateway symbol, [A-Z0-9]{2,20}, unique (e.g. TUDOUSD)'),
  baseAsset: z.string(),
  quoteAsset: z.string().describe("the exchange's cash asset unless set otherwise"),
  kind: z.enum(['spot', 'bounded']),
  status: z.enum(['open', 'paused', 'closed']),
  tickSize: dec,
  lotSize: dec,
  minPrice: dec.nullable().describe('lowest settlement price (0 for spot markets)'),
  maxPrice: dec.nullable().describe('highest settlement price; null for spot markets'),
  hideAccounts: z.boolean(),
  restricted: z.boolean(),
  bestBid: dec.nullable(),
  bestAsk: dec.nullable(),
  lastPrice: dec.nullable(),
});

/** One aggregated price level of a book: price, total size and number of orders. */
export const DepthLevelView = z.object({ price: dec, size: dec, orders: z.number().int() });

/** A market with its depth, best levels first. */
export const MarketWithBook = MarketView.extend({
  book: z.object({ bids: z.array(DepthLevelView), asks: z.array(DepthLevelView) }),
});

/** A settled market: the market, its settlement price and how many positions were paid. */
export const SettledMarket = MarketView.extend({ settledPrice: dec, positionsPaid: z.number().int() });

/** A trade of a market; account ids are left out when the market hides accounts. */
export const TradeView = z.object({
  id,
  marketId: id,
  price: dec,
  size: dec,
  takerSide: z.enum(['buy', 'sell']),
  at: iso,
  makerAccountId: id.optional(),
  takerAccountId: id.optional(),
});

/** An order in its current state. */
export const OrderView = z.object({
  id,
  marketId: id,
  accountId: id,
  side: z.enum(['buy', 'sell']),
  type: z.enum(['limit', 'market', 'stop-market', 'stop-limit', 'take-profit', 'take-profit-limit']),
  price: dec.nullable(),
  stopPrice: dec.nullable(),
  size: dec,
  remaining: dec,
  filled: dec,
  tif: z.string(),
  postOnly: z.boolean(),
  stp: z.string(),
  status: z.enum(['open', 'pending', 'filled', 'cancelled']),
  clientOrderId: z.string().nullable(),
  listId: id.nullable().describe('the order list (OCO) the order belongs to'),
  createdAt: iso,
  updatedAt: iso,
});

/**
 * One engine event of a command (`accepted`, `trade`, `cancelled`, `amended`, `triggered`, `done`), with prices and
 * sizes as decimal text; account ids are left out when the market hides accounts. Fields depend on `type` (see
 * `src/core/orderbook/types.ts`).
 */
export const EngineEventView = z.looseObject({
  type: z.enum(['accepted', 'rejected', 'trade', 'cancelled', 'amended', 'triggered', 'done']),
  orderId: id.optional(),
});

/** The answer of placing, cancelling or amending an order: the order and the engine's events. */
export const OrderResult = z.object({ order: OrderView, events: z.array(EngineEventView) });

/** An account the user owns, with cash, available balance (null when unbounded) and its owners by user id. */
export const AccountView = z.object({
  id,
  name: z.string(),
  kind: z.enum(['user', 'alt']),
  cash: dec,
  available: dec.nullable(),
  owners: z.array(z.object({ userId: id, email: z.string() })),
});

/** A new alt account and its owners' user ids. */
export const AltAccountView = z.object({ id, name: z.string(), kind: z.literal('alt'), owners: z.array(id) });

/** A co-owner added to an account. */
export const AccountOwnerView = z.object({ accountId: id, owner: id.describe('user id of the new owner') });

/** An owner removed from an account, and the owners left. */
export const RemovedOwnerView = z.object({
  accountId: id,
  removed: id.describe('user id of the removed owner'),
  owners: z.array(id),
});

/** One side of a trade that one of the user's accounts took. */
export const FillView = z.object({
  tradeId: id,
  marketId: id,
  orderId: id,
  accountId: id,
  side: z.enum(['buy', 'sell']),
  liquidity: z.enum(['maker', 'taker']),
  price: dec,
  size: dec,
  at: iso,
});

/** An account's portfolio: cash, available balance (null when unbounded) and non-zero positions. */
export const PortfolioView = z.object({
  accountId: id,
  name: z.string(),
  kind: z.enum(['user', 'alt']),
  cash: dec,
  available: dec.nullable(),
  positions: z.array(z.object({ marketId: id, market: z.string(), position: dec })),
});

/** An asset deposit into a spot market: the size deposited and the account's new position. */
export const DepositView = z.object({ marketId: id, accountId: id, deposited: dec, position: dec });

/** A transfer just made (`fromAccountId` null: minted by an admin). */
export const NewTransferView = z.object({
  id,
  fromAccountId: id.nullable(),
  toAccountId: id,
  amount: dec,
  note: z.string(),
});

/** A transfer as listed. */
export const TransferView = NewTransferView.extend({ at: iso });

/** An auction: amounts as decimal text (null when absent), times as ISO 8601 (null when absent). */
export const AuctionView = z.object({
  id,
  sellerAccountId: id,
  title: z.string(),
  description: z.string(),
  minBid: dec.nullable(),
  buyNowPrice: dec.nullable(),
  status: z.enum(['open', 'sold', 'cancelled']),
  bestBid: dec.nullable(),
  bestBidderAccountId: id
    .nullable()
    .describe("null: no bid yet, or another's account (shown to the seller's owners, admins and that bidder)"),
  winnerAccountId: id.nullable().describe('null: unsold, or another buyer (as bestBidderAccountId)'),
  price: dec.nullable(),
  closedHow: z.enum(['buy-now', 'settle', 'cancel']).nullable(),
  createdAt: iso.nullable(),
  closedAt: iso.nullable(),
});

/** An auction with its bids, newest first. */
export const AuctionWithBids = AuctionView.extend({
  bids: z.array(
    z.object({
      id,
      accountId: id.nullable().describe("null: another bidder's account (shown to the seller's owners and admins)"),
      amount: dec.nullable(),
      at: iso.nullable(),
    }),
  ),
});

/** The answer of a bid: the auction after it and the bid. */
export const BidResult = z.object({ auction: AuctionView, bid: z.object({ id, accountId: id, amount: dec }) });

/**
 * Types a service's view (built as `Record<string, unknown>`) as the response `schema` declares it. This is only a
 * compile-time cast: the server's serializer checks the value against the schema when it replies.
 */
export function typed<S extends z.ZodType>(_schema: S, value: unknown): z.output<S> {
  return value as z.output<S>;
}
