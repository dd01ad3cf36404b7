/**
 * The simulated multi-user exchange: accounts (personal and alt, with shared ownership), transfers, markets (spot
 * and bounded), orders matched by the engine in `src/core/orderbook`, portfolio margin, settlement, persistence and
 * crash recovery. This class is the facade; the use cases live beside it:
 * `./core.ts` (command scheduling), `./state.ts` (in-memory state, margin), `./writer.ts` (group commit),
 * `./orders.ts` (order commands), `./markets.ts`, `./accounts.ts`, `./queries.ts` (history and feeds).
 *
 * Invariants:
 * - Order commands read only memory and are applied in arrival order (one engine writer per market); their writes
 *   are persisted in group-commit batches (one transaction per batch, a constant number of statements) and each
 *   command is acknowledged only after its batch commits. A failed commit fails its batch and every later command,
 *   and the state is reloaded from the database.
 * - After a crash the books are rebuilt from the resting and pending orders in time-priority order, so they equal
 *   the books as of the last committed batch (every acknowledged command; nothing unacknowledged half-written).
 * - Cash never goes negative; an order is accepted only if the account's available balance (cash plus the worst
 *   case of every market given positions and resting orders, see `src/core/exchange/portfolio.ts`) stays ≥ 0.
 */
import type { Actor } from '../journal-audit.ts';
import type { Sql } from '../../db/sql.ts';
import type { EventBus } from '../events.ts';
import * as accounts from './accounts.ts';
import { Core } from './core.ts';
import * as markets from './markets.ts';
import * as orders from './orders.ts';
import * as queries from './queries.ts';
import { accountEvents, available, canSee, marketOf, type ExchangeOrderType } from './state.ts';
import type { WriterStats } from './writer.ts';

export type { PlaceOrderInput, PlaceOcoInput, OcoLeg } from './orders.ts';
export type { CreateMarketInput } from './markets.ts';
export { symbolFromName } from './markets.ts';
export { cashAsset, hasLimitPrice, isConditional } from './state.ts';
export type { ExchangeOrderType };

/** The exchange. Create with {@link ExchangeService.open}. */
export class ExchangeService {
  private constructor(private readonly core: Core) {}

  /** Loads markets, accounts and live orders, and rebuilds every book from the persisted resting and pending orders. */
  static async open(sql: Sql, events: EventBus): Promise<ExchangeService> {
    return new ExchangeService(await Core.open(sql, events));
  }

  /**
   * Whether order commands apply to memory at once right now (no exclusive command or reload is running): then
   * `placeOrder` with an `accountId` applies synchronously — before its promise is returned — and only its
   * acknowledgement waits for the commit. The WebSocket API pipelines a socket's orders on this.
   */
  get appliesNow(): boolean {
    return this.core.isOpen;
  }

  /**
   * Runs `fn` alone, after every command before it has committed (fast commands wait meanwhile); then reloads
   * every account's cash and auction reservations, since `fn` may change them in the database. For the auctions.
   */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.core.exclusive(async () => {
      const before = new Map([...this.core.state.accounts.values()].map((a) => [a.id, `${a.cash}/${a.reserved}`]));
      try {
        return await fn();
      } finally {
        await this.core.reloadMoney();
        // owners hear of every account whose cash or reservation changed (ex-account, portfolio feeds)
        const changed = [...this.core.state.accounts.values()]
          .filter((a) => before.get(a.id) !== `${a.cash}/${a.reserved}`)
          .map((a) => a.id);
        for (const e of accountEvents(this.core.state, changed)) this.core.events.publish(e);
      }
    });
  }

  /**
   * Available balance of an account given its `cash` (atoms): cash less the cash its leading auction bids reserve,
   * plus the worst case of every market it is exposed to; null when unbounded. From memory (`_q` is unused).
   */
  async available(_q: Sql, accountId: number, cash: bigint): Promise<bigint | null> {
    const a = this.core.state.accounts.get(accountId);
    if (!a) return cash;
    return available(this.core.state, a, undefined, cash);
  }

  /** Figures of the group-commit writer (batches, commands, statements, largest batch). */
  writerStats(): WriterStats {
    return { ...this.core.writer.stats };
  }

  // ---------------------------------------------------------------- accounts

  /** The user's personal account, created (with zero cash) on first use. */
  personalAccount(userId: number): Promise<number> {
    return accounts.personalAccount(this.core, userId);
  }

  /** Creates an alt account owned by `userId`. */
  createAltAccount(userId: number, name: string): Promise<Record<string, unknown>> {
    return accounts.createAltAccount(this.core, userId, name);
  }

  /** Adds a co-owner (by email) to an account the user owns. @throws NotFoundError for an unknown user or account. */
  shareAccount(userId: number, accountId: number, email: string): Promise<Record<string, unknown>> {
    return accounts.shareAccount(this.core, userId, accountId, email);
  }

  /**
   * Removes owner `ownerId` from an account `userId` owns. @throws NotFoundError `account-not-found`,
   * `owner-not-found`; ConflictError `last-owner`, `personal-account-owner`.
   */
  removeOwner(userId: number, accountId: number, ownerId: number): Promise<Record<string, unknown>> {
    return accounts.removeOwner(this.core, userId, accountId, ownerId);
  }

  /** Accounts the user owns, with cash and available balance. */
  accounts(userId: number): Promise<Record<string, unknown>[]> {
    return accounts.accounts(this.core, userId);
  }

  /**
   * Moves cash between accounts atomically. The source must be one of the user's accounts and keep a non-negative
   * available balance; admins may mint into any account with `fromAccountId: null`.
   */
  transfer(
    user: { id: number; isAdmin: boolean },
    fromAccountId: number | null,
    toAccountId: number,
    amount: string,
    note = '',
    address: string | null = null,
  ): Promise<Record<string, unknown>> {
    return accounts.transfer(this.core, user, fromAccountId, toAccountId, amount, note, address);
  }

  /** Transfers into or out of the user's accounts, newest first. */
  transfers(userId: number, limit = 100): Promise<Record<string, unknown>[]> {
    return accounts.transfers(this.core, userId, limit);
  }

  /** An account's portfolio: cash, available balance and positions. @throws NotFoundError `account-not-found`. */
  async portfolio(userId: number, accountId: number): Promise<Record<string, unknown>> {
    return accounts.portfolio(this.core, userId, accountId);
  }

  // ---------------------------------------------------------------- markets

  /** Creates a market (open at once). @throws ValidationError; ConflictError on a taken name or symbol. */
  createMarket(
    userId: number,
    input: markets.CreateMarketInput,
    address: string | null = null,
  ): Promise<Record<string, unknown>> {
    return markets.createMarket(this.core, userId, input, address);
  }

  /** Markets the user may see. */
  async listMarkets(userId: number | null): Promise<Record<string, unknown>[]> {
    return markets.listMarkets(this.core, userId);
  }

  /** One market with its depth. @throws NotFoundError when unknown or not visible. */
  async market(userId: number | null, id: number, levels = 20): Promise<Record<string, unknown>> {
    return markets.market(this.core, userId, id, levels);
  }

  /**
   * Whether `userId` may see market `marketId` — the rule of REST and `/ws/exchange`: unrestricted, or one of the
   * user's accounts is allowed. False for an unknown market. Synchronous (memory), for filtering pushed events.
   */
  canSeeMarket(userId: number | null, marketId: number): boolean {
    const m = this.core.state.markets.get(marketId);
    return m !== undefined && canSee(this.core.state, userId, m);
  }

  /** The market with gateway symbol `symbol` (exact), or null. Visibility is the caller's check ({@link market}). */
  marketBySymbol(symbol: string): Record<string, unknown> | null {
    for (const m of this.core.state.markets.values()) if (m.symbol === symbol) return markets.marketView(m);
    return null;
  }

  /** Trades of a market, newest first (`beforeId`/`afterId` page through the whole history). */
  trades(
    userId: number | null,
    id: number,
    limit = 100,
    page: { beforeId?: number | undefined; afterId?: number | undefined } = {},
  ): Promise<Record<string, unknown>[]> {
    return markets.trades(this.core, userId, id, limit, page);
  }

  /** Deposits `size` of a spot market's base asset into an account (admin). */
  depositAsset(marketId: number, accountId: number, size: string, actor?: Actor): Promise<Record<string, unknown>> {
    return markets.depositAsset(this.core, marketId, accountId, size, actor);
  }

  /** Pauses, reopens or closes a market (admin). Closing cancels every live order. */
  setStatus(marketId: number, status: 'open' | 'paused' | 'closed', actor?: Actor): Promise<Record<string, unknown>> {
    return markets.setStatus(this.core, marketId, status, actor);
  }

  /** Settles a bounded market at `price`: cancels live orders, pays positions, closes it. */
  settle(
    marketId: number,
    price: string,
    byUserId: number,
    address: string | null = null,
  ): Promise<Record<string, unknown>> {
    return markets.settle(this.core, marketId, price, byUserId, address);
  }

  // ---------------------------------------------------------------- orders

  /**
   * Places an order for one of the user's accounts. Returns the order and the engine's events, once committed.
   * @throws ValidationError (grid, bounds), NotFoundError (market or account), ConflictError (market not open,
   *   duplicate client order id), UnprocessableError `insufficient-balance` or the engine's rejection.
   */
  placeOrder(userId: number, input: orders.PlaceOrderInput): Promise<Record<string, unknown>> {
    return orders.placeOrder(this.core, userId, input);
  }

  /** Places an OCO pair (`{ list, orders: [above, below], events }`); the margin counts the worse leg. */
  placeOco(userId: number, input: orders.PlaceOcoInput): Promise<Record<string, unknown>> {
    return orders.placeOco(this.core, userId, input);
  }

  /** Cancels one of the user's live orders. */
  cancelOrder(userId: number, orderId: number): Promise<Record<string, unknown>> {
    return orders.cancelOrder(this.core, userId, orderId);
  }

  /** Amends one of the user's resting orders (new remaining size and/or price). */
  amendOrder(userId: number, orderId: number, a: { size?: string; price?: string }): Promise<Record<string, unknown>> {
    return orders.amendOrder(this.core, userId, orderId, a);
  }

  /** Cancels every live order of an account in a market; returns the cancelled orders. */
  cancelAllOrders(userId: number, accountId: number, marketId: number): Promise<Record<string, unknown>[]> {
    return orders.cancelAllOrders(this.core, userId, accountId, marketId);
  }

  /** Cancels an order list (both legs): `{ list, orders }`. */
  cancelOrderList(userId: number, listId: number): Promise<Record<string, unknown>> {
    return orders.cancelOrderList(this.core, userId, listId);
  }

  /** An order list with its orders. @throws NotFoundError `order-list-not-found`. */
  orderList(userId: number, listId: number): Promise<Record<string, unknown>> {
    return orders.orderList(this.core, userId, listId);
  }

  /** An account's order lists, newest first, each `{ list, orders }`. */
  orderLists(
    userId: number,
    accountId: number,
    f: { limit: number } = { limit: 100 },
  ): Promise<Record<string, unknown>[]> {
    return orders.orderLists(this.core, userId, accountId, f);
  }

  /** One order of an account, by id or client order id. @throws NotFoundError. */
  accountOrder(
    userId: number,
    accountId: number,
    by: { orderId: number } | { clientOrderId: string },
  ): Promise<Record<string, unknown>> {
    return queries.accountOrder(this.core, userId, accountId, by);
  }

  /** Orders of an account, oldest first (see `./queries.ts`). */
  accountOrders(
    userId: number,
    accountId: number,
    f: { marketId?: number; live?: boolean; fromId?: number; startTime?: number; endTime?: number; limit: number },
  ): Promise<Record<string, unknown>[]> {
    return queries.accountOrders(this.core, userId, accountId, f);
  }

  /** The account's trades in a market, oldest first, with side, maker flag and quote quantity. */
  accountTrades(
    userId: number,
    accountId: number,
    f: { marketId: number; fromId?: number; startTime?: number; endTime?: number; limit: number },
  ): Promise<Record<string, unknown>[]> {
    return queries.accountTrades(this.core, userId, accountId, f);
  }

  /** The user's orders (live ones only with `live`), newest first. */
  orders(userId: number, opts: { live?: boolean; limit?: number } = {}): Promise<Record<string, unknown>[]> {
    return queries.orders(this.core, userId, opts);
  }

  /** The books as the engine holds them (for crash-recovery checks): every live order per market, in priority. */
  snapshot(): Record<number, unknown> {
    const out: Record<number, unknown> = {};
    for (const m of this.core.state.markets.values())
      out[m.id] = { orders: m.book.allOrders(), last: m.book.lastPrice() };
    return out;
  }

  /** Resolves once every command so far has finished (committed or failed). */
  async drain(): Promise<void> {
    await this.core.exclusive(async () => undefined);
  }

  /** The market's symbol (for views of events that carry only the id). @throws NotFoundError. */
  symbolOf(marketId: number): string {
    return marketOf(this.core.state, marketId).symbol;
  }

  // ---------------------------------------------------------------- change feeds (WebSocket API)

  /** The current ends of the change feeds (order history, trades, transfers), once recorded commands committed. */
  feedCursors(): Promise<{ orders: number; trades: number; transfers: number }> {
    return queries.feedCursors(this.core);
  }

  /** The user's orders changed in (`after`, `upTo`] of the order history, in the order of their last change. */
  orderChanges(userId: number, after: number, upTo: number): Promise<Record<string, unknown>[]> {
    return queries.orderChanges(this.core, userId, after, upTo);
  }

  /**
   * Fills of the user's accounts. With `range`: trades in (`after`, `upTo`], oldest first; without: newest first,
   * the latest `limit` (before `beforeId` when given: the full history, page by page).
   */
  fills(
    userId: number,
    range: { after: number; upTo: number } | null,
    limit = 100,
    beforeId?: number,
  ): Promise<Record<string, unknown>[]> {
    return queries.fills(this.core, userId, range, limit, beforeId);
  }

  /** Transfers into or out of the user's accounts with ids in (`after`, `upTo`], oldest first. */
  transferChanges(userId: number, after: number, upTo: number): Promise<Record<string, unknown>[]> {
    return accounts.transferChanges(this.core, userId, after, upTo);
  }
}
