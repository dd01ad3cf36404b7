/**
 * The exchange service over a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`): accounts and
 * ownership, transfers, margin, settlement, visibility, order history and rebuilding the books.
 *
 * Expected money is worked out by hand in each test from trade prices and sizes (a trade is at the maker's price;
 * cash moves by price × size), with the small decimal helpers below, never with the production code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { TradingEvent } from '../events.ts';
import { ExchangeService, type CreateMarketInput, type PlaceOrderInput } from './service.ts';

// ---------------------------------------------------------------------------------------------------------------
// Independent decimal arithmetic: amounts as bigint at 12 decimals.
// ---------------------------------------------------------------------------------------------------------------

const DP = 12n;
const ONE = 10n ** DP;
/** Decimal text → integer at 12 decimals. */
function dec(s: string): bigint {
  const neg = s.startsWith('-');
  const [int = '0', frac = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(int + frac.padEnd(Number(DP), '0'));
  return neg ? -v : v;
}
/** Integer at 12 decimals → decimal text without trailing zeros. */
function txt(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % ONE).toString().padStart(Number(DP), '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / ONE}${frac ? `.${frac}` : ''}`;
}
/** price × size, as decimal text in and out. */
const value = (price: string, size: string): bigint => (dec(price) * dec(size)) / ONE;

// ---------------------------------------------------------------------------------------------------------------
// World.
// ---------------------------------------------------------------------------------------------------------------

let sql: Sql;
let ctx: AppContext;
let ex: ExchangeService;
let admin: { id: number; isAdmin: boolean };
let alice: { id: number; isAdmin: boolean };
let bob: { id: number; isAdmin: boolean };
let carol: { id: number; isAdmin: boolean };
let published: TradingEvent[] = [];

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  ex = ctx.exchange;
  const mk = async (email: string, isAdmin = false): Promise<{ id: number; isAdmin: boolean }> => {
    const u = await ctx.auth.register(email, 'password1');
    if (isAdmin) await ctx.auth.setAdmin(email, true);
    return { id: u.id, isAdmin };
  };
  admin = await mk('admin@ex.test', true);
  alice = await mk('alice@ex.test');
  bob = await mk('bob@ex.test');
  carol = await mk('carol@ex.test');
  ctx.events.subscribe(alice.id, (e) => published.push(e));
});

afterAll(async () => {
  await ctx?.close();
  await sql?.close();
});

let seq = 0;
/** A new alt account of `user`, minted `cash` by the admin. */
async function account(user: { id: number }, cash: string): Promise<number> {
  const a = await ex.createAltAccount(user.id, `acct ${++seq}`);
  const id = a.id as number;
  if (dec(cash) > 0n) await ex.transfer(admin, null, id, cash);
  return id;
}
/** A new open market (unique name); bounded 0..1 with tick 0.01 and lot 1 unless overridden. */
async function market(o: Partial<CreateMarketInput> = {}): Promise<number> {
  const m = await ex.createMarket(admin.id, {
    name: `market ${++seq}`,
    kind: 'bounded',
    tickSize: '0.01',
    lotSize: '1',
    minPrice: '0',
    maxPrice: '1',
    ...o,
  });
  return m.id as number;
}
type OrderResult = { order: Record<string, unknown>; events: Record<string, unknown>[] };
async function order(user: { id: number }, input: Omit<PlaceOrderInput, 'type'> & Partial<PlaceOrderInput>) {
  return (await ex.placeOrder(user.id, { type: 'limit', ...input })) as OrderResult;
}
async function portfolio(user: { id: number }, accountId: number) {
  return (await ex.portfolio(user.id, accountId)) as {
    cash: string;
    available: string | null;
    positions: { marketId: number; position: string }[];
  };
}
async function positionOf(user: { id: number }, accountId: number, marketId: number): Promise<string> {
  const p = await portfolio(user, accountId);
  return p.positions.find((x) => x.marketId === marketId)?.position ?? '0';
}
async function count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [r] = await sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return Number(r!.n);
}

// ---------------------------------------------------------------------------------------------------------------

describe('accounts', () => {
  it('creates a personal account with zero cash on first use, and only once', async () => {
    const dave = await ctx.auth.register('dave@ex.test', 'password1');
    expect(await count('ex_accounts', 'personal_of = $1', [dave.id])).toBe(0);
    const id = await ex.personalAccount(dave.id);
    expect(await ex.personalAccount(dave.id)).toBe(id);
    expect(await count('ex_accounts', 'personal_of = $1', [dave.id])).toBe(1);
    const list = await ex.accounts(dave.id);
    expect(list).toEqual([
      {
        id,
        name: 'dave@ex.test',
        kind: 'user',
        cash: '0',
        available: '0',
        owners: [{ userId: dave.id, email: 'dave@ex.test' }],
      },
    ]);
  });

  it('lists a new alt account among the owner’s accounts, and not among anybody else’s', async () => {
    const alt = (await ex.createAltAccount(alice.id, 'Alice fund')) as { id: number; kind: string };
    expect(alt.kind).toBe('alt');
    expect((await ex.accounts(alice.id)).map((a) => a.id)).toContain(alt.id);
    expect((await ex.accounts(bob.id)).map((a) => a.id)).not.toContain(alt.id);
  });

  it('answers account-not-found to a non-owner who trades, transfers or reads for an account', async () => {
    const acct = await account(alice, '100');
    const m = await market();
    const bobs = await ex.personalAccount(bob.id);
    const orders = await count('ex_orders');
    await expect(
      order(bob, { accountId: acct, marketId: m, side: 'buy', size: '1', price: '0.5' }),
    ).rejects.toMatchObject({ code: 'account-not-found' });
    await expect(ex.transfer(bob, acct, bobs, '1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(ex.portfolio(bob.id, acct)).rejects.toMatchObject({ code: 'account-not-found' });
    await expect(ex.shareAccount(bob.id, acct, 'bob@ex.test')).rejects.toMatchObject({ code: 'account-not-found' });
    expect(await count('ex_orders')).toBe(orders);
    expect((await portfolio(alice, acct)).cash).toBe('100');
  });

  it('lets a co-owner trade and transfer for a shared account once the owner shares it', async () => {
    const acct = await account(alice, '100');
    const m = await market();
    const bobs = await ex.personalAccount(bob.id);
    expect(await ex.shareAccount(alice.id, acct, '  BOB@ex.test ')).toEqual({ accountId: acct, owner: bob.id });
    expect((await ex.accounts(bob.id)).map((a) => a.id)).toContain(acct);

    const r = await order(bob, { accountId: acct, marketId: m, side: 'buy', size: '10', price: '0.40' });
    expect(r.order).toMatchObject({ accountId: acct, status: 'open', remaining: '10' });
    // 10 × 0.40 = 4 reserved: 96 available, 50 may leave
    expect((await portfolio(bob, acct)).available).toBe('96');
    await ex.transfer(bob, acct, bobs, '50', 'to me');
    expect(await portfolio(alice, acct)).toMatchObject({ cash: '50', available: '46' });
    expect((await portfolio(bob, bobs)).cash).toBe('50');
    // Bob's order is visible to Alice too (same account); Alice may cancel it
    await ex.cancelOrder(alice.id, r.order.id as number);
    expect((await portfolio(bob, acct)).available).toBe('50');
  });

  it('refuses to share with an unknown user', async () => {
    const acct = await account(alice, '0');
    await expect(ex.shareAccount(alice.id, acct, 'nobody@ex.test')).rejects.toMatchObject({
      code: 'user-not-found',
    });
  });
});

describe('transfers', () => {
  it('moves cash between accounts atomically and records it', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '0');
    const before = await count('ex_transfers');
    const t = await ex.transfer(alice, a, b, '37.5', 'rent');
    expect(t).toMatchObject({ fromAccountId: a, toAccountId: b, amount: '37.5', note: 'rent' });
    expect((await portfolio(alice, a)).cash).toBe('62.5');
    expect((await portfolio(bob, b)).cash).toBe('37.5');
    expect(await count('ex_transfers')).toBe(before + 1);
    const listed = await ex.transfers(bob.id);
    expect(listed[0]).toMatchObject({ id: t.id, fromAccountId: a, toAccountId: b, amount: '37.5' });
  });

  it('refuses more than the available balance — resting orders reserve cash — and changes nothing', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '0');
    const m = await market();
    // buy 100 @ 0.60: worst case −60 → available 40
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '100', price: '0.60' });
    expect((await portfolio(alice, a)).available).toBe('40');
    const before = await count('ex_transfers');
    const err = await ex.transfer(alice, a, b, '40.000000000001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableError);
    expect(err).toMatchObject({ code: 'insufficient-balance' });
    expect(await count('ex_transfers')).toBe(before);
    expect((await portfolio(alice, a)).cash).toBe('100');
    expect((await portfolio(bob, b)).cash).toBe('0');
    await ex.transfer(alice, a, b, '40');
    expect(await portfolio(alice, a)).toMatchObject({ cash: '60', available: '0' });
  });

  it('never overdraws under concurrent transfers from one account', async () => {
    const a = await account(alice, '10');
    const b = await account(bob, '0');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => ex.transfer(alice, a, b, '3')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      Array(5).fill('insufficient-balance'),
    );
    expect((await portfolio(alice, a)).cash).toBe('1');
    expect((await portfolio(bob, b)).cash).toBe('9');
  });

  it('lets only an admin mint cash (a transfer without a source)', async () => {
    const a = await account(alice, '0');
    const before = await count('ex_transfers');
    const err = await ex.transfer(alice, null, a, '5').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err).toMatchObject({ code: 'forbidden' });
    expect(await count('ex_transfers')).toBe(before);
    await ex.transfer(admin, null, a, '5');
    expect((await portfolio(alice, a)).cash).toBe('5');
  });

  it('rejects a zero or over-precise amount, the same account twice, and an unknown destination', async () => {
    const a = await account(alice, '10');
    const before = await count('ex_transfers');
    for (const amount of ['0', '0.0000000000001', 'abc'])
      await expect(ex.transfer(alice, a, a + 1, amount)).rejects.toMatchObject({
        issues: [expect.objectContaining({ field: 'amount', code: 'invalid-amount' })],
      });
    await expect(ex.transfer(alice, a, a, '1')).rejects.toMatchObject({
      issues: [expect.objectContaining({ code: 'same-account' })],
    });
    await expect(ex.transfer(alice, a, 999_999, '1')).rejects.toMatchObject({ code: 'account-not-found' });
    expect(await count('ex_transfers')).toBe(before);
    expect((await portfolio(alice, a)).cash).toBe('10');
  });
});

describe('margin', () => {
  it('accepts an order its available balance covers exactly and rejects the next one, persisting nothing', async () => {
    const a = await account(alice, '10');
    const m = await market();
    // buy 20 @ 0.50: worst case −10 → available 0
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '20', price: '0.50' });
    expect((await portfolio(alice, a)).available).toBe('0');
    const orders = await count('ex_orders');
    const history = await count('ex_order_history');
    const err = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.01' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnprocessableError);
    expect(err).toMatchObject({ code: 'insufficient-balance' });
    expect(await count('ex_orders')).toBe(orders);
    expect(await count('ex_order_history')).toBe(history);
    // a sell of 10 @ 0.60 with the buy resting: worst is the worse side, not the sum:
    // buy side −10, sell side +6 − 10 = −4 → still −10: accepted
    await order(alice, { accountId: a, marketId: m, side: 'sell', size: '10', price: '0.60' });
    expect((await portfolio(alice, a)).available).toBe('0');
  });

  it('reserves a short position at the maximum price', async () => {
    const s = await account(alice, '30');
    const b = await account(bob, '100');
    const m = await market();
    // Alice sells 50 @ 0.40 (+20; worst −50 at 1.00 → reserve 30 = her cash): accepted; Bob takes it
    await order(alice, { accountId: s, marketId: m, side: 'sell', size: '50', price: '0.40' });
    await order(bob, { accountId: b, marketId: m, side: 'buy', size: '50', price: '0.40' });
    expect(await portfolio(alice, s)).toMatchObject({ cash: '50', available: '0' });
    expect(await positionOf(alice, s, m)).toBe('-50');
    await expect(
      order(alice, { accountId: s, marketId: m, side: 'sell', size: '1', price: '0.99' }),
    ).rejects.toMatchObject({ code: 'insufficient-balance' });
  });

  it('refuses to sell short in a spot market (insufficient-position)', async () => {
    const a = await account(alice, '1000');
    const m = await market({ kind: 'spot', minPrice: undefined, maxPrice: undefined });
    await expect(
      order(alice, { accountId: a, marketId: m, side: 'sell', size: '1', price: '0.5' }),
    ).rejects.toMatchObject({ code: 'insufficient-position' });
    await expect(
      order(alice, { accountId: a, marketId: m, side: 'sell', type: 'market', size: '1' }),
    ).rejects.toMatchObject({ code: 'insufficient-position' });
    // a spot buy is reserved at its limit: 100 × 2 = 200
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '100', price: '2' });
    expect((await portfolio(alice, a)).available).toBe('800');
  });

  it('never lets cash go below zero when a market has a positive floor', async () => {
    // A long position in a market settling in [0.50, 1] is worth at least 0.50 a lot, but only at settlement: a buy
    // is paid now. Counting the floor as cash used to accept this buy and then fail on the cash ≥ 0 constraint.
    const a = await account(alice, '50');
    const s = await account(bob, '1000');
    const m = await market({ minPrice: '0.5', maxPrice: '1' });
    await order(bob, { accountId: s, marketId: m, side: 'sell', size: '100', price: '0.90' });
    await expect(
      order(alice, { accountId: a, marketId: m, side: 'buy', size: '100', price: '0.90' }),
    ).rejects.toMatchObject({ code: 'insufficient-balance' });
    expect((await portfolio(alice, a)).cash).toBe('50');
    // 50 @ 0.90 = 45: fills against Bob
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '50', price: '0.90' });
    expect(await portfolio(alice, a)).toMatchObject({ cash: '5', available: '5' });
    await expect(ex.transfer(alice, a, s, '6')).rejects.toMatchObject({ code: 'insufficient-balance' });
    expect((await portfolio(alice, a)).cash).toBe('5');
  });

  it('checks an amendment that raises the worst case', async () => {
    const a = await account(alice, '10');
    const m = await market();
    const r = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '10', price: '0.50' });
    const id = r.order.id as number;
    // 10 @ 0.50 = 5; raising to 21 lots costs 10.50 > 10
    await expect(ex.amendOrder(alice.id, id, { size: '21' })).rejects.toMatchObject({ code: 'insufficient-balance' });
    await expect(ex.amendOrder(alice.id, id, { price: '1.01' })).rejects.toMatchObject({
      issues: [expect.objectContaining({ code: 'price-out-of-bounds' })],
    });
    const ok = (await ex.amendOrder(alice.id, id, { size: '20' })) as OrderResult;
    expect(ok.order).toMatchObject({ remaining: '20', size: '20', status: 'open' });
    expect((await portfolio(alice, a)).available).toBe('0');
  });
});

describe('markets', () => {
  it('validates bounds, grid and name', async () => {
    const bad = async (o: Partial<CreateMarketInput>): Promise<string[]> => {
      const e = await market(o).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).issues.map((i) => `${i.field}:${i.code}`);
    };
    expect(await bad({ maxPrice: undefined })).toEqual(['maxPrice:required']);
    expect(await bad({ maxPrice: '1.005' })).toEqual(['maxPrice:price-off-tick']);
    expect(await bad({ minPrice: '0.5', maxPrice: '0.5' })).toEqual(['maxPrice:invalid-bounds']);
    expect(await bad({ minPrice: '0.6', maxPrice: '0.5' })).toEqual(['maxPrice:invalid-bounds']);
    expect(await bad({ kind: 'spot', minPrice: undefined, maxPrice: '10' })).toEqual(['kind:bounds-need-bounded']);
    expect(await bad({ tickSize: '0' })).toEqual(['tickSize:invalid-decimal']);
    // more decimals than money has: a clean 400, not an internal error
    expect(await bad({ tickSize: '0.0000000000001' })).toContain('tickSize:invalid-decimal');
    const name = `taken ${++seq}`;
    await market({ name });
    await expect(market({ name })).rejects.toBeInstanceOf(ConflictError);
    await expect(market({ name })).rejects.toMatchObject({ code: 'market-name-taken' });
  });

  it('refuses orders on a paused market until it reopens, but still lets orders be cancelled', async () => {
    const a = await account(alice, '100');
    const m = await market();
    const r = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' });
    await ex.setStatus(m, 'paused');
    const orders = await count('ex_orders');
    const err = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'market-paused' });
    await expect(ex.amendOrder(alice.id, r.order.id as number, { size: '2' })).rejects.toMatchObject({
      code: 'market-paused',
    });
    expect(await count('ex_orders')).toBe(orders);
    await ex.cancelOrder(alice.id, r.order.id as number);
    await ex.setStatus(m, 'open');
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' });
    expect(await count('ex_orders')).toBe(orders + 1);
  });

  it('closing a market cancels its live orders and refuses new ones', async () => {
    const a = await account(alice, '100');
    const m = await market();
    const r = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '10', price: '0.5' });
    expect((await portfolio(alice, a)).available).toBe('95');
    await ex.setStatus(m, 'closed');
    const [o] = await sql.query('SELECT status FROM ex_orders WHERE id = $1', [r.order.id]);
    expect(o!.status).toBe('cancelled');
    expect((await portfolio(alice, a)).available).toBe('100');
    await expect(
      order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' }),
    ).rejects.toMatchObject({ code: 'market-closed' });
    await expect(ex.setStatus(m, 'open')).rejects.toMatchObject({ code: 'market-closed' });
  });
});

describe('settlement', () => {
  it('pays every position at the settlement price, cancels live orders and closes the market', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const c = await account(carol, '100');
    const m = await market();
    // Bob sells 30 @ 0.60, Alice buys 30 @ 0.65 → trade 30 @ 0.60 (the maker's price): 18 moves
    await order(bob, { accountId: b, marketId: m, side: 'sell', size: '30', price: '0.60' });
    const t = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '30', price: '0.65' });
    expect(t.events.filter((e) => e.type === 'trade')).toEqual([
      expect.objectContaining({ price: '0.6', size: '30', makerAccount: b, takerAccount: a }),
    ]);
    expect((await portfolio(alice, a)).cash).toBe(txt(dec('100') - value('0.60', '30')));
    expect((await portfolio(bob, b)).cash).toBe(txt(dec('100') + value('0.60', '30')));
    const live = await order(carol, { accountId: c, marketId: m, side: 'buy', size: '5', price: '0.10' });

    const s = await ex.settle(m, '0.75', admin.id);
    expect(s).toMatchObject({ status: 'closed', settledPrice: '0.75', positionsPaid: 2 });
    // Alice: 100 − 18 + 30 × 0.75 = 104.5; Bob: 100 + 18 − 22.5 = 95.5; Carol untouched
    expect(await portfolio(alice, a)).toMatchObject({ cash: '104.5', available: '104.5', positions: [] });
    expect(await portfolio(bob, b)).toMatchObject({ cash: '95.5', available: '95.5', positions: [] });
    expect(await portfolio(carol, c)).toMatchObject({ cash: '100', available: '100' });
    const [o] = await sql.query('SELECT status, remaining FROM ex_orders WHERE id = $1', [live.order.id]);
    expect({ status: o!.status, remaining: Number(o!.remaining) }).toEqual({ status: 'cancelled', remaining: 0 });
    const [h] = await sql.query(`SELECT reason FROM ex_order_history WHERE order_id = $1 AND event = 'cancel'`, [
      live.order.id,
    ]);
    expect(h!.reason).toBe('market-settled');
    expect(await count('ex_settlements', 'market_id = $1', [m])).toBe(1);
    expect((await ex.market(alice.id, m)).book).toEqual({ bids: [], asks: [] });
    await expect(
      order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' }),
    ).rejects.toMatchObject({ code: 'market-closed' });
    await expect(ex.settle(m, '0.75', admin.id)).rejects.toMatchObject({ code: 'market-closed' });
  });

  it('settles at the minimum price 0: the short keeps what it sold for', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const m = await market();
    await order(bob, { accountId: b, marketId: m, side: 'sell', size: '10', price: '0.30' });
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '10', price: '0.30' });
    await ex.settle(m, '0', admin.id);
    expect((await portfolio(alice, a)).cash).toBe('97');
    expect((await portfolio(bob, b)).cash).toBe('103');
  });

  it('rejects a price outside the bounds or off the tick, and a spot market', async () => {
    const m = await market({ minPrice: '0.2', maxPrice: '0.8' });
    for (const p of ['0.1', '0.81', '0'])
      await expect(ex.settle(m, p, admin.id)).rejects.toMatchObject({
        issues: [expect.objectContaining({ code: 'price-out-of-bounds' })],
      });
    await expect(ex.settle(m, '0.505', admin.id)).rejects.toMatchObject({
      issues: [expect.objectContaining({ code: 'price-off-tick' })],
    });
    const spot = await market({ kind: 'spot', minPrice: undefined, maxPrice: undefined });
    await expect(ex.settle(spot, '1', admin.id)).rejects.toMatchObject({ code: 'not-bounded' });
    expect(await count('ex_settlements', 'market_id IN ($1, $2)', [m, spot])).toBe(0);
  });
});

describe('visibility', () => {
  it('hides a restricted market from everyone without an allowed account', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const m = await market({ visibleTo: [a] });
    expect((await ex.listMarkets(alice.id)).map((x) => x.id)).toContain(m);
    expect((await ex.listMarkets(bob.id)).map((x) => x.id)).not.toContain(m);
    expect((await ex.listMarkets(null)).map((x) => x.id)).not.toContain(m);
    await expect(ex.market(bob.id, m)).rejects.toMatchObject({ code: 'market-not-found' });
    await expect(ex.trades(bob.id, m)).rejects.toMatchObject({ code: 'market-not-found' });
    await expect(order(bob, { accountId: b, marketId: m, side: 'buy', size: '1', price: '0.5' })).rejects.toMatchObject(
      { code: 'market-not-found' },
    );
    // Alice's other accounts were not granted: she sees the market but may trade it only from `a`
    const other = await account(alice, '100');
    await expect(
      order(alice, { accountId: other, marketId: m, side: 'buy', size: '1', price: '0.5' }),
    ).rejects.toMatchObject({ code: 'market-not-found' });
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' });
    expect((await ex.market(alice.id, m)).book).toEqual({ bids: [{ price: '0.5', size: '1', orders: 1 }], asks: [] });
  });

  it('omits account ids from the trades of a market that hides them, in the list and in published events', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const trade = async (hideAccounts: boolean) => {
      const m = await market({ hideAccounts });
      await order(bob, { accountId: b, marketId: m, side: 'sell', size: '2', price: '0.4' });
      published = [];
      await order(alice, { accountId: a, marketId: m, side: 'buy', size: '2', price: '0.4' });
      const [t] = await ex.trades(null, m);
      const events = published.filter((e) => e.type === 'trade').map((e) => e.data);
      return { t: t!, events };
    };
    const hidden = await trade(true);
    expect(hidden.t).toMatchObject({ price: '0.4', size: '2', takerSide: 'buy' });
    expect(hidden.t).not.toHaveProperty('makerAccountId');
    expect(hidden.t).not.toHaveProperty('takerAccountId');
    expect(hidden.events).toHaveLength(1);
    expect(JSON.stringify(hidden.events[0])).not.toMatch(/account/i);
    const shown = await trade(false);
    expect(shown.t).toMatchObject({ makerAccountId: b, takerAccountId: a });
    expect(shown.events[0]).toMatchObject({ makerAccountId: b, takerAccountId: a });
  });
});

describe('orders, history and rebuilding', () => {
  it('records accepted, fill, amend and cancel in the order history', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const m = await market();
    const buy = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '10', price: '0.5' });
    const id = buy.order.id as number;
    await order(bob, { accountId: b, marketId: m, side: 'sell', size: '3', price: '0.5' });
    await ex.amendOrder(alice.id, id, { size: '4' });
    await ex.cancelOrder(alice.id, id);
    const rows = await sql.query(
      'SELECT event, remaining, reason FROM ex_order_history WHERE order_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.map((r) => [r.event, Number(r.remaining), r.reason ?? null])).toEqual([
      ['accepted', 10, null],
      ['fill', 7, null],
      ['amend', 4, null],
      ['cancel', 0, 'user'],
    ]);
    await expect(ex.cancelOrder(alice.id, id)).rejects.toMatchObject({ code: 'order-not-live' });
    // a pending stop cannot be amended (it is not in the book), only cancelled
    const stop = await order(alice, {
      accountId: a,
      marketId: m,
      side: 'buy',
      type: 'stop-market',
      size: '1',
      stopPrice: '0.9',
    });
    await expect(ex.amendOrder(alice.id, stop.order.id as number, { size: '2' })).rejects.toMatchObject({
      code: 'order-not-live',
    });
    await ex.cancelOrder(alice.id, stop.order.id as number);
    await expect(ex.cancelOrder(bob.id, id)).rejects.toMatchObject({ code: 'order-not-found' });
  });

  it('keeps time priority on a size cut and loses it on a size increase or a price change', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const m = await market();
    const first = (await order(alice, { accountId: a, marketId: m, side: 'buy', size: '5', price: '0.5' })).order
      .id as number;
    const second = (await order(bob, { accountId: b, marketId: m, side: 'buy', size: '5', price: '0.5' })).order
      .id as number;
    const bookIds = (): number[] => ((ex.snapshot()[m] as { orders: { id: number }[] }).orders ?? []).map((o) => o.id);
    expect(bookIds()).toEqual([first, second]);
    let r = (await ex.amendOrder(alice.id, first, { size: '4' })) as OrderResult;
    expect(r.events).toEqual([expect.objectContaining({ type: 'amended', priorityKept: true, remaining: '4' })]);
    expect(bookIds()).toEqual([first, second]);
    r = (await ex.amendOrder(alice.id, first, { size: '6' })) as OrderResult;
    expect(r.events).toEqual([expect.objectContaining({ type: 'amended', priorityKept: false, remaining: '6' })]);
    expect(bookIds()).toEqual([second, first]);
    r = (await ex.amendOrder(bob.id, second, { price: '0.51' })) as OrderResult;
    expect(r.events[0]).toMatchObject({ priorityKept: false, price: '0.51' });
    r = (await ex.amendOrder(bob.id, second, { price: '0.5' })) as OrderResult;
    expect(bookIds()).toEqual([first, second]);
  });

  it('rebuilds identical books in a reopened service, with post-only orders still post-only', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const m = await market();
    await order(bob, { accountId: b, marketId: m, side: 'sell', size: '5', price: '0.60' });
    await order(bob, { accountId: b, marketId: m, side: 'sell', size: '5', price: '0.61' });
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '7', price: '0.61' });
    const po = await order(alice, { accountId: a, marketId: m, side: 'buy', size: '5', price: '0.50', postOnly: true });
    await order(alice, { accountId: a, marketId: m, side: 'buy', size: '2', price: '0.40' });
    await order(alice, {
      accountId: a,
      marketId: m,
      side: 'buy',
      type: 'stop-limit',
      size: '1',
      price: '0.70',
      stopPrice: '0.65',
    });
    const view = (s: Record<number, unknown>) => {
      const book = s[m] as { orders: Record<string, unknown>[]; last: number | null };
      // The rebuilt engine knows each order's remaining size, not how much filled before the restart.
      return { last: book.last, orders: book.orders.map(({ size: _s, filled: _f, ...o }) => o) };
    };
    const before = view(ex.snapshot());
    expect(before.last).toBe(61);
    expect(before.orders.map((o) => [o.side, o.price, o.remaining, o.state])).toEqual([
      ['buy', 50, 5, 'resting'],
      ['buy', 40, 2, 'resting'],
      ['sell', 61, 3, 'resting'],
      ['buy', 70, 1, 'pending'],
    ]);
    const reopened = await ExchangeService.open(sql, ctx.events);
    expect(view(reopened.snapshot())).toEqual(before);
    // a post-only bid amended to cross the ask is refused by both, before and after the restart
    for (const svc of [ex, reopened])
      await expect(svc.amendOrder(alice.id, po.order.id as number, { price: '0.61' })).rejects.toMatchObject({
        code: 'post-only-would-take',
      });
  });
  it('rebuilds the book from the database when persisting a command fails, so memory never runs ahead', async () => {
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    const m = await market();
    // A second service on the same database whose writes fail on demand. (It assigns order ids from its own
    // counter, so it runs last: one exchange process per database.)
    let failOn: string | null = null;
    const faulty = (q: Sql): Sql => ({
      kind: q.kind,
      query: ((text: string, params?: readonly unknown[]) => {
        if (failOn !== null && text.includes(failOn)) {
          failOn = null;
          return Promise.reject(new Error('disk on fire'));
        }
        return q.query(text, params);
      }) as Sql['query'],
      exec: (text) => q.exec(text),
      tx: (fn) => q.tx((t) => fn(faulty(t))),
      close: () => q.close(),
    });
    const svc = await ExchangeService.open(faulty(sql), ctx.events);
    await svc.placeOrder(bob.id, { accountId: b, marketId: m, side: 'sell', type: 'limit', size: '5', price: '0.6' });
    const before = JSON.stringify(svc.snapshot()[m]);
    const orders = await count('ex_orders');
    failOn = 'INSERT INTO ex_trades';
    await expect(
      svc.placeOrder(alice.id, { accountId: a, marketId: m, side: 'buy', type: 'limit', size: '5', price: '0.6' }),
    ).rejects.toThrow('disk on fire');
    expect(JSON.stringify(svc.snapshot()[m])).toBe(before);
    expect(await count('ex_orders')).toBe(orders);
    expect(await count('ex_trades', 'market_id = $1', [m])).toBe(0);
    expect((await portfolio(alice, a)).cash).toBe('100');
    // the same order goes through once the database works again
    const r = (await svc.placeOrder(alice.id, {
      accountId: a,
      marketId: m,
      side: 'buy',
      type: 'limit',
      size: '5',
      price: '0.6',
    })) as OrderResult;
    expect(r.order).toMatchObject({ status: 'filled', filled: '5' });
    // (read through `svc`: each service holds accounts in memory, one exchange process per database)
    expect((await svc.portfolio(alice.id, a)).cash).toBe('97');
    expect((await svc.portfolio(bob.id, b)).cash).toBe('103');
  });
});
