/**
 * Auctions over a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`): listing, bidding with
 * reserved cash, buy-it-now, admin settlement, cancellation, and every rejection.
 *
 * Expected balances are worked out by hand in the comments; cash is read straight from `ex_accounts` and compared
 * as exact decimal text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import { AuctionService, auctionReservedCash, exchangeHooks, type AuctionUser } from './auctions.ts';
import type { ExchangeService } from './service.ts';

let sql: Sql;
let ctx: AppContext;
let ex: ExchangeService;
let au: AuctionService;
let admin: AuctionUser;
let alice: AuctionUser;
let bob: AuctionUser;
let carol: AuctionUser;

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  ex = ctx.exchange;
  au = AuctionService.over(sql, ex);
  const mk = async (email: string, isAdmin = false): Promise<AuctionUser> => {
    const u = await ctx.auth.register(email, 'password1');
    if (isAdmin) await ctx.auth.setAdmin(email, true);
    return { id: u.id, isAdmin };
  };
  admin = await mk('admin@auction.test', true);
  alice = await mk('alice@auction.test');
  bob = await mk('bob@auction.test');
  carol = await mk('carol@auction.test');
});

afterAll(async () => {
  await ctx?.close();
  await sql?.close();
});

let seq = 0;
/** A new alt account of `user`, minted `cash` by the admin. */
async function account(user: AuctionUser, cash: string): Promise<number> {
  const a = await ex.createAltAccount(user.id, `acct ${++seq}`);
  if (cash !== '0') await ex.transfer(admin, null, a.id as number, cash);
  return a.id as number;
}
/** Decimal text without trailing zeros (NUMERIC keeps the scale of its inputs). */
const norm = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
async function cash(accountId: number): Promise<string> {
  const [r] = await sql.query('SELECT cash::text AS c FROM ex_accounts WHERE id = $1', [accountId]);
  return norm(String(r!.c));
}
async function reserved(accountId: number): Promise<bigint> {
  return auctionReservedCash(sql, accountId);
}
async function auction(seller: AuctionUser, accountId: number, o: Record<string, string> = {}): Promise<number> {
  const a = await au.create(seller, { accountId, title: `item ${++seq}`, ...o });
  return a.id as number;
}
/** The error `p` rejects with, as [class name, code]. */
async function failure(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    return [(e as Error).constructor.name, (e as { code: string }).code];
  }
  throw new Error('expected a rejection');
}
const T = 1_000_000_000_000n; // atoms per unit

// ---------------------------------------------------------------------------------------------------------------

describe('listing an item', () => {
  it('creates an open auction from one of the user\u2019s accounts, amounts as exact decimal text', async () => {
    const acct = await account(alice, '0');
    const a = await au.create(alice, {
      accountId: acct,
      title: '  Vintage abacus  ',
      description: 'slightly used',
      minBid: '10.50',
      buyNowPrice: '99.000000000001',
    });
    expect(a).toMatchObject({
      sellerAccountId: acct,
      title: 'Vintage abacus',
      description: 'slightly used',
      minBid: '10.5',
      buyNowPrice: '99.000000000001',
      status: 'open',
      bestBid: null,
      bestBidderAccountId: null,
      winnerAccountId: null,
      price: null,
      closedHow: null,
      closedAt: null,
    });
    expect(typeof a.createdAt).toBe('string');
    expect(await au.get(a.id as number)).toEqual({ ...a, bids: [] });
  });

  it('rejects an account that is not the user\u2019s with 404 account-not-found', async () => {
    const bobs = await account(bob, '0');
    expect(await failure(au.create(alice, { accountId: bobs, title: 'x' }))).toEqual([
      NotFoundError.name,
      'account-not-found',
    ]);
  });

  it('rejects an empty title, non-positive or over-precise amounts, and a buy-it-now below the minimum bid', async () => {
    const acct = await account(alice, '0');
    const fields = async (input: Record<string, string>): Promise<string[]> => {
      try {
        await au.create(alice, { accountId: acct, title: 'ok', ...input });
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).issues.map((i) => `${i.field}:${i.code}`);
      }
      throw new Error('expected a rejection');
    };
    expect(await fields({ title: '   ' })).toEqual(['title:invalid-title']);
    expect(await fields({ minBid: '0' })).toEqual(['minBid:invalid-amount']);
    expect(await fields({ minBid: '-1' })).toEqual(['minBid:invalid-amount']);
    expect(await fields({ buyNowPrice: '1.0000000000001' })).toEqual(['buyNowPrice:invalid-amount']);
    expect(await fields({ buyNowPrice: 'abc' })).toEqual(['buyNowPrice:invalid-amount']);
    expect(await fields({ minBid: '5', buyNowPrice: '4.999999999999' })).toEqual(['buyNowPrice:buy-now-below-min-bid']);
  });

  it('lists auctions newest first, filtered by status', async () => {
    const acct = await account(carol, '0');
    const a1 = await auction(carol, acct);
    const a2 = await auction(carol, acct);
    await au.cancel(carol, a1);
    const open = (await au.list({ status: 'open' })).map((a) => a.id);
    const cancelled = (await au.list({ status: 'cancelled' })).map((a) => a.id);
    expect(open).toContain(a2);
    expect(open).not.toContain(a1);
    expect(cancelled).toContain(a1);
    const all = (await au.list({ limit: 2 })).map((a) => a.id);
    expect(all).toEqual([a2, a1]);
  });

  it('rejects an unknown auction with 404 auction-not-found', async () => {
    expect(await failure(au.get(999_999))).toEqual([NotFoundError.name, 'auction-not-found']);
  });
});

describe('bidding', () => {
  it('takes a bid ≥ the minimum and above the best, reserving the amount from the top bidder only', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const c = await account(carol, '100');
    const id = await auction(alice, seller, { minBid: '10', buyNowPrice: '90' });

    expect(await failure(au.bid(bob, id, b, '9.999999999999'))).toEqual([UnprocessableError.name, 'bid-too-low']);
    const first = await au.bid(bob, id, b, '10');
    expect(first).toMatchObject({
      auction: { bestBid: '10', bestBidderAccountId: b },
      bid: { accountId: b, amount: '10' },
    });
    expect(await reserved(b)).toBe(10n * T);

    // Equal to the best is too low; one atom above is enough.
    expect(await failure(au.bid(carol, id, c, '10'))).toEqual([UnprocessableError.name, 'bid-too-low']);
    await au.bid(carol, id, c, '10.000000000001');
    // Bob is outbid: his 10 is released; Carol reserves 10.000000000001.
    expect(await reserved(b)).toBe(0n);
    expect(await reserved(c)).toBe(10n * T + 1n);
    // Bidding never moves cash.
    expect([await cash(b), await cash(c), await cash(seller)]).toEqual(['100', '100', '0']);

    const got = await au.get(id);
    expect(got.bestBid).toBe('10.000000000001');
    expect((got.bids as { accountId: number; amount: string }[]).map((x) => [x.accountId, x.amount])).toEqual([
      [c, '10.000000000001'],
      [b, '10'],
    ]);
  });

  it('rejects a bid at or above the buy-it-now price (buy it instead)', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const id = await auction(alice, seller, { buyNowPrice: '50' });
    expect(await failure(au.bid(bob, id, b, '50'))).toEqual([UnprocessableError.name, 'bid-at-buy-now']);
    await au.bid(bob, id, b, '49.999999999999');
    expect(await reserved(b)).toBe(50n * T - 1n);
  });

  it('rejects the seller\u2019s own account, a foreign account, an unknown auction and bad amounts', async () => {
    const seller = await account(alice, '100');
    const bobs = await account(bob, '100');
    const id = await auction(alice, seller);
    expect(await failure(au.bid(alice, id, seller, '1'))).toEqual([UnprocessableError.name, 'own-auction']);
    expect(await failure(au.bid(alice, id, bobs, '1'))).toEqual([NotFoundError.name, 'account-not-found']);
    expect(await failure(au.bid(bob, 999_999, bobs, '1'))).toEqual([NotFoundError.name, 'auction-not-found']);
    expect(await failure(au.bid(bob, id, bobs, '0'))).toEqual([ValidationError.name, 'validation-failed']);
    expect(await failure(au.bid(bob, id, bobs, '0.0000000000001'))).toEqual([
      ValidationError.name,
      'validation-failed',
    ]);
    expect(await reserved(bobs)).toBe(0n);
  });

  it('needs the available balance to cover every live top bid of the account', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const a1 = await auction(alice, seller);
    const a2 = await auction(alice, seller);
    await au.bid(bob, a1, b, '70');
    // 70 reserved, 30 free: 30.000000000001 on a2 is too much, exactly 30 fits.
    expect(await failure(au.bid(bob, a2, b, '30.000000000001'))).toEqual([
      UnprocessableError.name,
      'insufficient-balance',
    ]);
    await au.bid(bob, a2, b, '30');
    expect(await reserved(b)).toBe(100n * T);
    // Raising its own top bid needs only the difference: 70 → 70.5 needs 0.5 more, and nothing is free.
    expect(await failure(au.bid(bob, a1, b, '70.5'))).toEqual([UnprocessableError.name, 'insufficient-balance']);
    // Being outbid on a2 frees 30, so the raise now fits: reserved 70.5 (a1).
    const c = await account(carol, '100');
    await au.bid(carol, a2, c, '31');
    await au.bid(bob, a1, b, '70.5');
    expect(await reserved(b)).toBe(70n * T + T / 2n);
    expect(await cash(b)).toBe('100');
    // The hooks' available balance is the exchange's less the reservation: 100 − 70.5.
    expect(await exchangeHooks(ex).available(sql, b, 100n * T)).toBe(29n * T + T / 2n);
  });

  it('counts the worst case of the account\u2019s markets: resting buy orders reduce what it can bid', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const m = await ex.createMarket(admin.id, {
      name: `auction market ${++seq}`,
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      minPrice: '0',
      maxPrice: '1',
    });
    // A resting buy of 40 lots at 1 reserves 40 of the 100.
    await ex.placeOrder(bob.id, {
      accountId: b,
      marketId: m.id as number,
      side: 'buy',
      type: 'limit',
      size: '40',
      price: '1',
    });
    const id = await auction(alice, seller);
    expect(await failure(au.bid(bob, id, b, '60.000000000001'))).toEqual([
      UnprocessableError.name,
      'insufficient-balance',
    ]);
    await au.bid(bob, id, b, '60');
    expect(await reserved(b)).toBe(60n * T);
    expect(await exchangeHooks(ex).available(sql, b, 100n * T)).toBe(0n);
  });

  it('serialises concurrent bids: two bids that only fit one at a time cannot both be accepted', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '10');
    const a1 = await auction(alice, seller);
    const a2 = await auction(alice, seller);
    const results = await Promise.allSettled([au.bid(bob, a1, b, '6'), au.bid(bob, a2, b, '6')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await reserved(b)).toBe(6n * T);
  });
});

describe('buy it now', () => {
  it('sells at the buy-it-now price: cash moves buyer → seller exactly, bids are released, a transfer is recorded', async () => {
    const seller = await account(alice, '5');
    const b = await account(bob, '100');
    const c = await account(carol, '100');
    const id = await auction(alice, seller, { buyNowPrice: '42.123456789012' });
    await au.bid(bob, id, b, '20');
    const sold = await au.buyNow(carol, id, c);
    expect(sold).toMatchObject({
      status: 'sold',
      winnerAccountId: c,
      price: '42.123456789012',
      closedHow: 'buy-now',
    });
    expect(typeof sold.closedAt).toBe('string');
    // Carol: 100 − 42.123456789012 = 57.876543210988; Alice: 5 + 42.123456789012 = 47.123456789012.
    expect(await cash(c)).toBe('57.876543210988');
    expect(await cash(seller)).toBe('47.123456789012');
    expect(await cash(b)).toBe('100');
    expect(await reserved(b)).toBe(0n);
    const [t] = await sql.query(
      'SELECT amount::text AS a, by_user_id FROM ex_transfers WHERE from_account_id = $1 AND to_account_id = $2',
      [c, seller],
    );
    expect([norm(String(t!.a)), Number(t!.by_user_id)]).toEqual(['42.123456789012', carol.id]);
  });

  it('counts the buyer\u2019s own top bid on the auction towards the price', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const id = await auction(alice, seller, { buyNowPrice: '100' });
    await au.bid(bob, id, b, '80');
    // 80 reserved here, so only 20 looks free, yet the bid is released by the sale: 100 is enough.
    await au.buyNow(bob, id, b);
    expect([await cash(b), await cash(seller)]).toEqual(['0', '100']);
    expect(await reserved(b)).toBe(0n);
  });

  it('rejects a buyer whose available balance is short, leaving cash and the auction unchanged', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const other = await auction(alice, seller);
    await au.bid(bob, other, b, '1');
    const id = await auction(alice, seller, { buyNowPrice: '100' });
    // 1 is reserved on the other auction: 99 free < 100.
    expect(await failure(au.buyNow(bob, id, b))).toEqual([UnprocessableError.name, 'insufficient-balance']);
    expect([await cash(b), await cash(seller)]).toEqual(['100', '0']);
    expect((await au.get(id)).status).toBe('open');
  });

  it('rejects an auction without buy-it-now, the seller\u2019s own account, and a closed auction', async () => {
    const seller = await account(alice, '100');
    const b = await account(bob, '100');
    const plain = await auction(alice, seller);
    expect(await failure(au.buyNow(bob, plain, b))).toEqual([UnprocessableError.name, 'no-buy-now']);
    const id = await auction(alice, seller, { buyNowPrice: '10' });
    expect(await failure(au.buyNow(alice, id, seller))).toEqual([UnprocessableError.name, 'own-auction']);
    expect(await failure(au.buyNow(alice, id, b))).toEqual([NotFoundError.name, 'account-not-found']);
    expect(await failure(au.buyNow(bob, 999_999, b))).toEqual([NotFoundError.name, 'auction-not-found']);
    await au.buyNow(bob, id, b);
    // Once sold: no second sale, bid, cancel or settlement.
    expect(await failure(au.buyNow(bob, id, b))).toEqual([ConflictError.name, 'auction-closed']);
    expect(await failure(au.bid(bob, id, b, '1'))).toEqual([ConflictError.name, 'auction-closed']);
    expect(await failure(au.cancel(alice, id))).toEqual([ConflictError.name, 'auction-closed']);
    expect(await failure(au.settle(admin, id, b, '1'))).toEqual([ConflictError.name, 'auction-closed']);
    // Alice 100 + 10; Bob 100 − 10, once.
    expect([await cash(seller), await cash(b)]).toEqual(['110', '90']);
  });
});

describe('admin settlement', () => {
  it('settles to any account at any price, moving cash exactly and releasing every bid', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '100');
    const c = await account(carol, '100');
    const id = await auction(alice, seller, { minBid: '10', buyNowPrice: '90' });
    await au.bid(bob, id, b, '30');
    // The admin owns neither account; settles to Carol at 25.5 (below Bob's bid: the admin decides).
    const sold = await au.settle(admin, id, c, '25.5');
    expect(sold).toMatchObject({ status: 'sold', winnerAccountId: c, price: '25.5', closedHow: 'settle' });
    expect([await cash(seller), await cash(b), await cash(c)]).toEqual(['25.5', '100', '74.5']);
    expect(await reserved(b)).toBe(0n);
    const [t] = await sql.query(
      'SELECT by_user_id FROM ex_transfers WHERE from_account_id = $1 AND to_account_id = $2',
      [c, seller],
    );
    expect(Number(t!.by_user_id)).toBe(admin.id);
  });

  it('rejects non-admins, unknown accounts and auctions, the seller, bad prices and short balances', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '10');
    const id = await auction(alice, seller);
    expect(await failure(au.settle(alice, id, b, '1'))).toEqual([ForbiddenError.name, 'forbidden']);
    expect(await failure(au.settle(admin, id, 999_999, '1'))).toEqual([NotFoundError.name, 'account-not-found']);
    expect(await failure(au.settle(admin, 999_999, b, '1'))).toEqual([NotFoundError.name, 'auction-not-found']);
    expect(await failure(au.settle(admin, id, seller, '1'))).toEqual([UnprocessableError.name, 'own-auction']);
    expect(await failure(au.settle(admin, id, b, '0'))).toEqual([ValidationError.name, 'validation-failed']);
    expect(await failure(au.settle(admin, id, b, '10.000000000001'))).toEqual([
      UnprocessableError.name,
      'insufficient-balance',
    ]);
    expect([await cash(b), await cash(seller), (await au.get(id)).status]).toEqual(['10', '0', 'open']);
    // Exactly the whole balance is fine, and leaves zero.
    await au.settle(admin, id, b, '10');
    expect([await cash(b), await cash(seller)]).toEqual(['0', '10']);
  });
});

describe('cancelling', () => {
  it('lets the seller cancel, releasing the top bid without moving cash', async () => {
    const seller = await account(alice, '0');
    const b = await account(bob, '50');
    const id = await auction(alice, seller);
    await au.bid(bob, id, b, '50');
    expect(await reserved(b)).toBe(50n * T);
    const c = await au.cancel(alice, id);
    expect(c).toMatchObject({ status: 'cancelled', closedHow: 'cancel', winnerAccountId: null, price: null });
    expect(await reserved(b)).toBe(0n);
    expect([await cash(b), await cash(seller)]).toEqual(['50', '0']);
    expect(await failure(au.cancel(alice, id))).toEqual([ConflictError.name, 'auction-closed']);
    expect(await failure(au.buyNow(bob, id, b))).toEqual([ConflictError.name, 'auction-closed']);
  });

  it('lets a co-owner of the selling account or an admin cancel; anyone else gets 403 forbidden', async () => {
    const seller = await account(alice, '0');
    await ex.shareAccount(alice.id, seller, 'carol@auction.test');
    const a1 = await auction(alice, seller);
    const a2 = await auction(alice, seller);
    expect(await failure(au.cancel(bob, a1))).toEqual([ForbiddenError.name, 'forbidden']);
    expect((await au.cancel(carol, a1)).status).toBe('cancelled');
    expect((await au.cancel(admin, a2)).status).toBe('cancelled');
    expect(await failure(au.cancel(admin, 999_999))).toEqual([NotFoundError.name, 'auction-not-found']);
  });
});
