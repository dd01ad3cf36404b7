/**
 * The Exchange page's data types, taken from the generated API types (`@/api/schema`, i.e. the routes' zod
 * response schemas), so the page cannot drift from the server. WebSocket-only shapes (fills) are declared here from
 * `src/server/exchange-ws.ts`.
 */
import type { paths } from '@/api/schema';

/** The JSON body of the `code` answer of `method` on `path`. */
export type Reply<
  P extends keyof paths,
  M extends 'get' | 'post' | 'patch' | 'delete',
  C extends number = 200,
> = paths[P][M] extends { responses: Record<C, { content: { 'application/json': infer T } }> } ? T : never;

/** A market as listed. */
export type Market = Reply<'/api/v1/exchange/markets', 'get'>['markets'][number];
/** A market with its depth. */
export type MarketWithBook = Reply<'/api/v1/exchange/markets/{id}', 'get'>;
/** A trade of a market. */
export type Trade = Reply<'/api/v1/exchange/markets/{id}/trades', 'get'>['trades'][number];
/** An order in its current state. */
export type Order = Reply<'/api/v1/exchange/orders', 'get'>['orders'][number];
/** The answer of placing, cancelling or amending an order. */
export type OrderResult = Reply<'/api/v1/exchange/orders', 'post', 201>;
/** An account the user owns. */
export type Account = Reply<'/api/v1/exchange/accounts', 'get'>['accounts'][number];
/** An API key of an account as listed (never its secret). */
export type ApiKey = Reply<'/api/v1/exchange/accounts/{id}/api-keys', 'get'>['keys'][number];
/** A new API key with its secret (the only answer that carries it). */
export type NewApiKey = Reply<'/api/v1/exchange/accounts/{id}/api-keys', 'post', 201>;
/** An account's portfolio. */
export type Portfolio = Reply<'/api/v1/exchange/accounts/{id}/portfolio', 'get'>;
/** A transfer as listed. */
export type Transfer = Reply<'/api/v1/exchange/transfers', 'get'>['transfers'][number];
/** An auction. */
export type Auction = Reply<'/api/v1/exchange/auctions', 'get'>['auctions'][number];
/** An auction with its bids. */
export type AuctionWithBids = Reply<'/api/v1/exchange/auctions/{id}', 'get'>;

/** A fill of one of the user's orders (WebSocket channel `fills`). */
export interface Fill {
  tradeId: number;
  marketId: number;
  price: string;
  size: string;
  at: string;
  orderId: number;
  accountId: number;
  side: 'buy' | 'sell';
  liquidity: 'maker' | 'taker';
}
