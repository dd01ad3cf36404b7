/**
 * Auctions of items outside the markets: a seller account lists an item, accounts bid, anyone may buy at the
 * buy-it-now price, an admin may settle to any buyer at any price, and the seller (or an admin) may cancel.
 *
 * Invariants:
 * - Money is exact: decimal text at the boundary, bigint atoms (10^-12) inside, NUMERIC in the database.
 * - The current best bid of an open auction is cash reserved from the bidder's available balance (see
 *   {@link auctionReservedCash}). A bid is accepted only if the bidder's available balance, after every live top
 *   bid it holds (the new one included), stays ≥ 0, and its cash covers those bids too.
 * - A sale moves cash buyer → seller atomically with closing the auction (one transaction, rows locked: auction
 *   first, then the accounts in id order) and records it in `ex_transfers`; cash never goes negative.
 * - Every write runs in the exchange's command queue, so balance checks never race orders or transfers.
 */
import { audit } from '../journal-audit.ts';
import type { Sql, Row } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { formatAtoms, toAtoms } from '../../core/money/decimal.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { ExchangeService } from './service.ts';

/** The acting user. */
export interface AuctionUser {
  id: number;
  isAdmin: boolean;
  /** The client's address, for the audit trail of admin actions. */
  address?: string | null;
}

/** What the auctions need from the exchange. */
export interface ExchangeHooks {
  /** Runs `fn` in the exchange's one command queue (after every command before it). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * The account's available balance in atoms given its `cash` (atoms), read with `q`: cash plus the worst case of
   * every market, minus the cash reserved by its live top bids ({@link auctionReservedCash}); null when unbounded.
   */
  available(q: Sql, accountId: number, cash: bigint): Promise<bigint | null>;
}

/** Definition of a new auction (amounts as decimal text in the exchange's currency). */
export interface CreateAuctionInput {
  /** The selling account; must be one of the user's. */
  accountId: number;
  title: string;
  description?: string | undefined;
  /** Lowest acceptable bid; absent: any amount above zero. */
  minBid?: string | undefined;
  /** Price at which anyone may buy at once; absent: no buy-it-now. Must be ≥ `minBid`. */
  buyNowPrice?: string | undefined;
}

/**
 * Cash reserved (atoms) by the account's live top bids: the sum of the best bids of the open auctions it leads.
 * The exchange's available balance should subtract it from cash.
 */
export async function auctionReservedCash(q: Sql, accountId: number): Promise<bigint> {
  const [r] = await q.query(
    `SELECT coalesce(sum(best_bid), 0)::text AS s FROM ex_auctions WHERE status = 'open' AND best_bidder_account_id = $1`,
    [accountId],
  );
  return toAtoms(String(r!.s));
}

/**
 * Hooks into an {@link ExchangeService}: its command queue and its available balance (which already subtracts
 * {@link auctionReservedCash}).
 */
export function exchangeHooks(ex: ExchangeService): ExchangeHooks {
  return {
    serial: (fn) => ex.serial(fn),
    available: (q, accountId, cash) => ex.available(q, accountId, cash),
  };
}

/**
 * A positive amount of money: decimal text → atoms.
 * @throws ValidationError `invalid-amount` on `field` when not a decimal with at most 12 decimals, or not above zero.
 */
export const amountOf = (field: string, v: string): bigint => {
  let atoms: bigint;
  try {
    atoms = toAtoms(v);
  } catch {
    throw new ValidationError([
      { field, code: 'invalid-amount', message: 'must be a decimal amount with at most 12 decimals' },
    ]);
  }
  if (atoms <= 0n) throw new ValidationError([{ field, code: 'invalid-amount', message: 'must be greater than zero' }]);
  return atoms;
};
const money = (v: unknown): string | null => (v === null || v === undefined ? null : formatAtoms(toAtoms(String(v))));
const atomsOf = (v: unknown): bigint => toAtoms(String(v));
const idOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : toInt(v));
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** Auctions over the exchange's accounts. */
export class AuctionService {
  /**
   * @param sql the database (the exchange's)
   * @param hooks the exchange's queue and balance, normally `exchangeHooks(exchange)`
   */
  constructor(
    private readonly sql: Sql,
    private readonly hooks: ExchangeHooks,
  ) {}

  /** Opens a service wired to `ex` (see {@link exchangeHooks}). */
  static over(sql: Sql, ex: ExchangeService): AuctionService {
    return new AuctionService(sql, exchangeHooks(ex));
  }

  private async requireOwner(q: Sql, userId: number, accountId: number): Promise<void> {
    const [r] = await q.query('SELECT 1 FROM ex_account_owners WHERE account_id = $1 AND user_id = $2', [
      accountId,
      userId,
    ]);
    if (!r) throw new NotFoundError('account-not-found', `no account ${accountId} of yours`);
  }

  /** Locks the auction row, or throws auction-not-found. */
  private async lockAuction(q: Sql, id: number): Promise<Row> {
    const [a] = await q.query('SELECT * FROM ex_auctions WHERE id = $1 FOR UPDATE', [id]);
    if (!a) throw new NotFoundError('auction-not-found', `no auction ${id}`);
    return a;
  }

  private static requireOpen(a: Row): void {
    if (a.status !== 'open')
      throw new ConflictError('auction-closed', `auction ${String(a.id)} is ${String(a.status)}`);
  }

  /** An auction as served by the API: amounts as decimal text, times as ISO 8601 (null when absent). */
  private static view(a: Row): Record<string, unknown> {
    return {
      id: toInt(a.id),
      sellerAccountId: toInt(a.seller_account_id),
      title: a.title,
      description: a.description,
      minBid: money(a.min_bid),
      buyNowPrice: money(a.buy_now_price),
      status: a.status,
      bestBid: money(a.best_bid),
      bestBidderAccountId: idOrNull(a.best_bidder_account_id),
      winnerAccountId: idOrNull(a.winner_account_id),
      price: money(a.price),
      closedHow: a.closed_how ?? null,
      createdAt: iso(a.created_at),
      closedAt: iso(a.closed_at),
    };
  }

  /**
   * Lists an item for auction from one of the user's accounts. Returns the auction (see `view`).
   * @throws NotFoundError account-not-found; ValidationError (title, invalid-amount, buy-now-below-min-bid).
   */
  async create(user: AuctionUser, input: CreateAuctionInput): Promise<Record<string, unknown>> {
    const title = input.title.trim();
    if (title.length === 0 || title.length > 200)
      throw new ValidationError([{ field: 'title', code: 'invalid-title', message: 'must be 1 to 200 characters' }]);
    const minBid = input.minBid === undefined ? null : amountOf('minBid', input.minBid);
    const buyNow = input.buyNowPrice === undefined ? null : amountOf('buyNowPrice', input.buyNowPrice);
    if (minBid !== null && buyNow !== null && buyNow < minBid)
      throw new ValidationError([
        { field: 'buyNowPrice', code: 'buy-now-below-min-bid', message: 'must be at least the minimum bid' },
      ]);
    await this.requireOwner(this.sql, user.id, input.accountId);
    const [a] = await this.sql.query(
      `INSERT INTO ex_auctions (seller_account_id, title, description, min_bid, buy_now_price, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [
        input.accountId,
        title,
        input.description ?? '',
        minBid === null ? null : formatAtoms(minBid),
        buyNow === null ? null : formatAtoms(buyNow),
        user.id,
      ],
    );
    return AuctionService.view(a!);
  }

  /**
   * The account ids `viewer` may see in auction views: null (all) for an admin or no viewer (internal use), else
   * the viewer's own accounts.
   */
  private async visibleAccounts(viewer: AuctionUser | undefined): Promise<Set<number> | null> {
    if (viewer === undefined || viewer.isAdmin) return null;
    const rows = await this.sql.query('SELECT account_id FROM ex_account_owners WHERE user_id = $1', [viewer.id]);
    return new Set(rows.map((r) => toInt(r.account_id)));
  }

  /**
   * An auction view as `mine` allows (null: everything): the seller's owners see every account id; anyone else sees
   * the best bidder and the winner only when that is one of their own accounts (else null).
   */
  private static redact(v: Record<string, unknown>, mine: Set<number> | null): Record<string, unknown> {
    if (mine === null || mine.has(v.sellerAccountId as number)) return v;
    const own = (id: unknown): number | null => (typeof id === 'number' && mine.has(id) ? id : null);
    return { ...v, bestBidderAccountId: own(v.bestBidderAccountId), winnerAccountId: own(v.winnerAccountId) };
  }

  /**
   * Auctions, newest first, optionally only those with `status`. With a `viewer` who is not an admin, the account
   * ids of other bidders are null unless the viewer owns the selling account (see `get`).
   */
  async list(
    opts: { status?: 'open' | 'sold' | 'cancelled'; limit?: number } = {},
    viewer?: AuctionUser,
  ): Promise<Record<string, unknown>[]> {
    const rows = await this.sql.query(
      `SELECT * FROM ex_auctions WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2`,
      [opts.status ?? null, opts.limit ?? 100],
    );
    const mine = await this.visibleAccounts(viewer);
    return rows.map((a) => AuctionService.redact(AuctionService.view(a), mine));
  }

  /**
   * One auction with its bids, newest first (`{ ...auction, bids: [{ id, accountId, amount, at }] }`). With a
   * `viewer`: an admin or an owner of the selling account sees every bidder; anyone else sees every bid's amount
   * and time but the account id (and `bestBidderAccountId`, `winnerAccountId`) only of their own accounts, null
   * for others'.
   * @throws NotFoundError auction-not-found.
   */
  async get(id: number, viewer?: AuctionUser): Promise<Record<string, unknown>> {
    const [a] = await this.sql.query('SELECT * FROM ex_auctions WHERE id = $1', [id]);
    if (!a) throw new NotFoundError('auction-not-found', `no auction ${id}`);
    const bids = await this.sql.query('SELECT * FROM ex_auction_bids WHERE auction_id = $1 ORDER BY id DESC', [id]);
    const view = AuctionService.view(a);
    const mine = await this.visibleAccounts(viewer);
    const sees = (account: number): boolean =>
      mine === null || mine.has(view.sellerAccountId as number) || mine.has(account);
    return {
      ...AuctionService.redact(view, mine),
      bids: bids.map((b) => {
        const accountId = toInt(b.bidder_account_id);
        return {
          id: toInt(b.id),
          accountId: sees(accountId) ? accountId : null,
          amount: money(b.amount),
          at: iso(b.at),
        };
      }),
    };
  }

  /**
   * Bids `amount` from one of the user's accounts. The amount must be ≥ the minimum bid, above the current best bid
   * and below the buy-it-now price; the account's available balance must cover it together with every other live
   * top bid it holds (a raise of its own top bid needs only the difference).
   * Returns `{ auction, bid: { id, accountId, amount } }`.
   * @throws ValidationError invalid-amount; NotFoundError account-not-found, auction-not-found; ConflictError
   *   auction-closed; UnprocessableError own-auction, bid-too-low, bid-at-buy-now, insufficient-balance.
   */
  async bid(user: AuctionUser, auctionId: number, accountId: number, amount: string): Promise<Record<string, unknown>> {
    const atoms = amountOf('amount', amount);
    await this.requireOwner(this.sql, user.id, accountId);
    return this.hooks.serial(() =>
      this.sql.tx(async (q) => {
        const a = await this.lockAuction(q, auctionId);
        AuctionService.requireOpen(a);
        if (toInt(a.seller_account_id) === accountId)
          throw new UnprocessableError('own-auction', 'an account cannot bid on its own auction');
        const best = a.best_bid === null ? null : atomsOf(a.best_bid);
        if (a.min_bid !== null && atoms < atomsOf(a.min_bid))
          throw new UnprocessableError('bid-too-low', `the minimum bid is ${money(a.min_bid)}`);
        if (best !== null && atoms <= best)
          throw new UnprocessableError('bid-too-low', `a bid must be above the best bid ${formatAtoms(best)}`);
        if (a.buy_now_price !== null && atoms >= atomsOf(a.buy_now_price))
          throw new UnprocessableError(
            'bid-at-buy-now',
            `a bid must be below the buy-it-now price ${money(a.buy_now_price)}: buy it instead`,
          );
        const mine = best !== null && idOrNull(a.best_bidder_account_id) === accountId ? best : 0n;
        await this.requireCover(q, accountId, atoms - mine);
        await q.query('UPDATE ex_auctions SET best_bid = $2, best_bidder_account_id = $3 WHERE id = $1', [
          auctionId,
          formatAtoms(atoms),
          accountId,
        ]);
        const [b] = await q.query(
          `INSERT INTO ex_auction_bids (auction_id, bidder_account_id, amount, by_user_id) VALUES ($1, $2, $3, $4)
           RETURNING id`,
          [auctionId, accountId, formatAtoms(atoms), user.id],
        );
        const [after] = await q.query('SELECT * FROM ex_auctions WHERE id = $1', [auctionId]);
        return {
          auction: AuctionService.view(after!),
          bid: { id: toInt(b!.id), accountId, amount: formatAtoms(atoms) },
        };
      }),
    );
  }

  /**
   * Buys at the buy-it-now price from one of the user's accounts: cash moves buyer → seller and the auction is sold,
   * atomically. Returns the auction.
   * @throws NotFoundError account-not-found, auction-not-found; ConflictError auction-closed; UnprocessableError
   *   no-buy-now, own-auction, insufficient-balance.
   */
  async buyNow(user: AuctionUser, auctionId: number, accountId: number): Promise<Record<string, unknown>> {
    await this.requireOwner(this.sql, user.id, accountId);
    return this.hooks.serial(() =>
      this.sql.tx(async (q) => {
        const a = await this.lockAuction(q, auctionId);
        AuctionService.requireOpen(a);
        if (a.buy_now_price === null)
          throw new UnprocessableError('no-buy-now', `auction ${auctionId} has no buy-it-now price`);
        return this.sell(q, user, a, accountId, atomsOf(a.buy_now_price), 'buy-now');
      }),
    );
  }

  /**
   * Settles an open auction (admins only) to any buyer account at `price`: cash moves buyer → seller and the auction
   * is sold, atomically. Returns the auction.
   * @throws ForbiddenError forbidden; ValidationError invalid-amount; NotFoundError account-not-found,
   *   auction-not-found; ConflictError auction-closed; UnprocessableError own-auction, insufficient-balance.
   */
  async settle(
    user: AuctionUser,
    auctionId: number,
    buyerAccountId: number,
    price: string,
  ): Promise<Record<string, unknown>> {
    if (!user.isAdmin) throw new ForbiddenError('forbidden', 'only an admin may settle an auction');
    const atoms = amountOf('price', price);
    return this.hooks.serial(() =>
      this.sql.tx(async (q) => {
        const a = await this.lockAuction(q, auctionId);
        AuctionService.requireOpen(a);
        const [buyer] = await q.query('SELECT id FROM ex_accounts WHERE id = $1', [buyerAccountId]);
        if (!buyer) throw new NotFoundError('account-not-found', `no account ${buyerAccountId}`);
        const out = await this.sell(q, user, a, buyerAccountId, atoms, 'settle');
        await audit(q, { userId: user.id, address: user.address ?? null }, 'auction-settled', null, {
          auctionId,
          buyerAccountId,
          price: formatAtoms(atoms),
        });
        return out;
      }),
    );
  }

  /**
   * Cancels an open auction: by an owner of the selling account or an admin. Reserved bids are released.
   * Returns the auction.
   * @throws NotFoundError auction-not-found; ForbiddenError forbidden; ConflictError auction-closed.
   */
  async cancel(user: AuctionUser, auctionId: number): Promise<Record<string, unknown>> {
    return this.hooks.serial(() =>
      this.sql.tx(async (q) => {
        const a = await this.lockAuction(q, auctionId);
        if (!user.isAdmin) {
          const [owner] = await q.query('SELECT 1 FROM ex_account_owners WHERE account_id = $1 AND user_id = $2', [
            a.seller_account_id,
            user.id,
          ]);
          if (!owner) throw new ForbiddenError('forbidden', 'only the seller or an admin may cancel an auction');
        }
        AuctionService.requireOpen(a);
        const [after] = await q.query(
          `UPDATE ex_auctions SET status = 'cancelled', closed_how = 'cancel', closed_by = $2, closed_at = now()
            WHERE id = $1 RETURNING *`,
          [auctionId, user.id],
        );
        return AuctionService.view(after!);
      }),
    );
  }

  /**
   * Throws insufficient-balance unless the account can set aside `extra` atoms more: its available balance (with
   * its current reservations) and its cash less those reservations must both stay ≥ `extra`.
   */
  private async requireCover(q: Sql, accountId: number, extra: bigint): Promise<void> {
    const [acc] = await q.query('SELECT cash FROM ex_accounts WHERE id = $1 FOR UPDATE', [accountId]);
    const cash = atomsOf(acc!.cash);
    const avail = await this.hooks.available(q, accountId, cash);
    const free = cash - (await auctionReservedCash(q, accountId));
    const room = avail === null ? null : avail < free ? avail : free;
    if (room === null || room < extra)
      throw new UnprocessableError(
        'insufficient-balance',
        `available balance ${room === null || room < 0n ? '0' : formatAtoms(room)} is less than ${formatAtoms(extra)}`,
      );
  }

  /** Sells the locked, open auction `a` to `buyer` at `price` atoms: checks, moves cash, records, closes. */
  private async sell(
    q: Sql,
    user: AuctionUser,
    a: Row,
    buyer: number,
    price: bigint,
    how: 'buy-now' | 'settle',
  ): Promise<Record<string, unknown>> {
    const seller = toInt(a.seller_account_id);
    if (seller === buyer) throw new UnprocessableError('own-auction', 'an account cannot buy its own auction');
    // Accounts are locked in id order, so concurrent sales between the same two accounts cannot deadlock.
    await q.query('SELECT id FROM ex_accounts WHERE id = $1 OR id = $2 ORDER BY id FOR UPDATE', [buyer, seller]);
    // The buyer's own top bid on this auction is released by the sale, so it counts towards the price.
    const mine = a.best_bid !== null && idOrNull(a.best_bidder_account_id) === buyer ? atomsOf(a.best_bid) : 0n;
    await this.requireCover(q, buyer, price - mine);
    const amount = formatAtoms(price);
    await q.query('UPDATE ex_accounts SET cash = cash - $2 WHERE id = $1', [buyer, amount]);
    await q.query('UPDATE ex_accounts SET cash = cash + $2 WHERE id = $1', [seller, amount]);
    await q.query(
      `INSERT INTO ex_transfers (from_account_id, to_account_id, amount, note, by_user_id) VALUES ($1, $2, $3, $4, $5)`,
      [buyer, seller, amount, `auction ${String(a.id)} (${how}): ${String(a.title)}`.slice(0, 500), user.id],
    );
    const [after] = await q.query(
      `UPDATE ex_auctions SET status = 'sold', winner_account_id = $2, price = $3, closed_how = $4, closed_by = $5,
         closed_at = now() WHERE id = $1 RETURNING *`,
      [a.id, buyer, amount, how, user.id],
    );
    return AuctionService.view(after!);
  }
}
