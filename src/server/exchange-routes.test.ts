/**
 * The exchange over HTTP (fastify `inject`) on a real database: PGlite by default, PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`. Rate limits (sliding windows) run on a RateLimiter with a fake clock.
 *
 * Every expected cash and position is worked out by hand in the comments: a trade happens at the resting (maker)
 * order's price, and cash moves by price × size (ticks × tick size × lots × lot size).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';
import { RateLimiter } from './ratelimit.ts';

interface Client {
  id: number;
  email: string;
  h: Record<string, string>;
}
interface Res {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Record<string, unknown>;
}

let sql: Sql;
let ctx: AppContext;
let app: FastifyInstance;
let clock = 1_000_000;
const limiter = new RateLimiter(() => clock);
let admin: Client;
let alice: Client;
let bob: Client;
let carol: Client;

async function client(email: string, isAdmin = false): Promise<Client> {
  const u = await ctx.auth.register(email, 'password1');
  if (isAdmin) await ctx.auth.setAdmin(email, true);
  return { id: u.id, email, h: { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` } };
}

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  app = await buildServer(ctx, { rateLimiter: limiter });
  admin = await client('admin@routes.test', true);
  alice = await client('alice@routes.test');
  bob = await client('bob@routes.test');
  carol = await client('carol@routes.test');
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await sql?.close();
});

async function call(
  who: Client | null,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<Res> {
  const r = await app.inject({
    method,
    url: `/api/v1/exchange${url}`,
    headers: who?.h ?? {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: r.statusCode, body: r.body ? r.json() : null, headers: r.headers };
}
async function ok(who: Client | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  const r = await call(who, method, url, payload);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

let seq = 0;
/** A new alt account of `who`, minted `cash` by the admin. */
async function account(who: Client, cash: string): Promise<number> {
  const a = await call(who, 'POST', '/accounts', { name: `acct ${++seq}` });
  expect(a.status).toBe(201);
  if (cash !== '0')
    await ok(admin, 'POST', '/transfers', { fromAccountId: null, toAccountId: a.body.id, amount: cash });
  return a.body.id as number;
}
/** A new market created by the admin; bounded 0..1, tick 0.01, lot 1 unless overridden. */
async function market(o: Record<string, unknown> = {}): Promise<number> {
  const body = { name: `m${++seq}`, kind: 'bounded', tickSize: '0.01', lotSize: '1', maxPrice: '1', ...o };
  const r = await call(admin, 'POST', '/markets', body);
  expect(r.status).toBe(201);
  return r.body.id as number;
}
const place = (who: Client, body: Record<string, unknown>): Promise<Res> => call(who, 'POST', '/orders', body);
async function pf(
  who: Client,
  accountId: number,
): Promise<{ cash: string; available: string; pos: Record<number, string> }> {
  const p = await ok(who, 'GET', `/accounts/${accountId}/portfolio`);
  const pos: Record<number, string> = {};
  for (const x of p.positions as { marketId: number; position: string }[]) pos[x.marketId] = x.position;
  return { cash: p.cash, available: p.available, pos };
}
async function count(table: string): Promise<number> {
  const [r] = await sql.query(`SELECT count(*)::int AS n FROM ${table}`);
  return Number(r!.n);
}
const codeOf = (r: Res): string => r.body?.error?.code;
const fieldCodes = (r: Res): string[] =>
  ((r.body?.error?.fields ?? []) as { field: string; code: string }[]).map((f) => `${f.field}:${f.code}`);

// ---------------------------------------------------------------------------------------------------------------

describe('accounts and transfers', () => {
  it('needs a login', async () => {
    expect((await call(null, 'GET', '/accounts')).status).toBe(401);
    const r = await call(null, 'POST', '/orders', { marketId: 1, side: 'buy', size: '1', price: '0.5' });
    expect([r.status, codeOf(r)]).toEqual([401, 'unauthenticated']);
  });

  it('creates the personal account on first use; alt accounts on request', async () => {
    const dave = await client('dave@routes.test');
    const first = await ok(dave, 'GET', '/accounts');
    expect(first.accounts).toEqual([
      expect.objectContaining({ name: 'dave@routes.test', kind: 'user', cash: '0', available: '0' }),
    ]);
    expect((await ok(dave, 'GET', '/accounts')).accounts).toEqual(first.accounts);
    const alt = await call(dave, 'POST', '/accounts', { name: 'side pot' });
    expect(alt.status).toBe(201);
    expect(alt.body).toMatchObject({ name: 'side pot', kind: 'alt', owners: [dave.id] });
    expect((await ok(dave, 'GET', '/accounts')).accounts.map((a: { id: number }) => a.id)).toEqual([
      first.accounts[0].id,
      alt.body.id,
    ]);
  });

  it('shares an account: the co-owner may trade and transfer for it; others get 404 account-not-found', async () => {
    const acct = await account(alice, '100');
    const m = await market();
    const bobs = (await ok(bob, 'GET', '/accounts')).accounts[0].id as number;
    const order = { accountId: acct, marketId: m, side: 'buy', size: '10', price: '0.5' };
    for (const r of [
      await call(bob, 'GET', `/accounts/${acct}/portfolio`),
      await place(bob, order),
      await call(bob, 'POST', '/transfers', { fromAccountId: acct, toAccountId: bobs, amount: '1' }),
      await call(bob, 'POST', `/accounts/${acct}/owners`, { email: 'bob@routes.test' }),
    ])
      expect([r.status, codeOf(r)]).toEqual([404, 'account-not-found']);
    expect((await pf(alice, acct)).cash).toBe('100');

    const share = await call(alice, 'POST', `/accounts/${acct}/owners`, { email: 'bob@routes.test' });
    expect([share.status, share.body]).toEqual([200, { accountId: acct, owner: bob.id }]);
    expect((await place(bob, order)).status).toBe(201);
    // 10 × 0.5 = 5 reserved → 95 available; 95 may leave, 95.01 may not
    const over = await call(bob, 'POST', '/transfers', { fromAccountId: acct, toAccountId: bobs, amount: '95.01' });
    expect([over.status, codeOf(over)]).toEqual([422, 'insufficient-balance']);
    expect(
      (await call(bob, 'POST', '/transfers', { fromAccountId: acct, toAccountId: bobs, amount: '95' })).status,
    ).toBe(201);
    expect(await pf(alice, acct)).toMatchObject({ cash: '5', available: '0' });
    const unknown = await call(alice, 'POST', `/accounts/${acct}/owners`, { email: 'nobody@routes.test' });
    expect([unknown.status, codeOf(unknown)]).toEqual([404, 'user-not-found']);
  });

  it('mints only for an admin (403 forbidden otherwise)', async () => {
    const acct = await account(alice, '0');
    const before = await count('ex_transfers');
    const r = await call(alice, 'POST', '/transfers', { fromAccountId: null, toAccountId: acct, amount: '10' });
    expect([r.status, codeOf(r)]).toEqual([403, 'forbidden']);
    expect(await count('ex_transfers')).toBe(before);
    const m = await call(admin, 'POST', '/transfers', { fromAccountId: null, toAccountId: acct, amount: '10' });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({ fromAccountId: null, toAccountId: acct, amount: '10' });
    expect((await pf(alice, acct)).cash).toBe('10');
  });

  it('transfers atomically from the personal account by default; too much is 422 and changes nothing', async () => {
    const erin = await client('erin@routes.test');
    const mine = (await ok(erin, 'GET', '/accounts')).accounts[0].id as number;
    await ok(admin, 'POST', '/transfers', { fromAccountId: null, toAccountId: mine, amount: '20' });
    const dest = await account(bob, '0');
    const before = await count('ex_transfers');
    const r = await call(erin, 'POST', '/transfers', { toAccountId: dest, amount: '20.5' });
    expect([r.status, codeOf(r)]).toEqual([422, 'insufficient-balance']);
    expect(await count('ex_transfers')).toBe(before);
    expect((await pf(erin, mine)).cash).toBe('20');
    expect((await pf(bob, dest)).cash).toBe('0');
    const t = await call(erin, 'POST', '/transfers', { toAccountId: dest, amount: '12.25', note: 'lunch' });
    expect(t.status).toBe(201);
    expect((await pf(erin, mine)).cash).toBe('7.75');
    expect((await pf(bob, dest)).cash).toBe('12.25');
    expect(await count('ex_transfers')).toBe(before + 1);
    expect((await ok(erin, 'GET', '/transfers')).transfers[0]).toMatchObject({
      fromAccountId: mine,
      toAccountId: dest,
      amount: '12.25',
      note: 'lunch',
    });
    const zero = await call(erin, 'POST', '/transfers', { toAccountId: dest, amount: '0' });
    expect([zero.status, fieldCodes(zero)]).toEqual([400, ['amount:invalid-amount']]);
    const neg = await call(erin, 'POST', '/transfers', { toAccountId: dest, amount: '-1' });
    expect(neg.status).toBe(400);
    const nowhere = await call(erin, 'POST', '/transfers', { toAccountId: 987_654, amount: '1' });
    expect([nowhere.status, codeOf(nowhere)]).toEqual([404, 'account-not-found']);
    expect(await count('ex_transfers')).toBe(before + 1);
  });
});

describe('markets', () => {
  it('creates spot and bounded markets', async () => {
    const spot = await call(admin, 'POST', '/markets', {
      name: 'BTC spot',
      kind: 'spot',
      tickSize: '0.5',
      lotSize: '0.001',
    });
    expect(spot.status).toBe(201);
    expect(spot.body).toMatchObject({ kind: 'spot', status: 'open', minPrice: '0', maxPrice: null, tickSize: '0.5' });
    const b = await call(admin, 'POST', '/markets', {
      name: 'Rain on Friday?',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      minPrice: '0',
      maxPrice: '1',
    });
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({
      kind: 'bounded',
      minPrice: '0',
      maxPrice: '1',
      restricted: false,
      hideAccounts: false,
    });
    const list = (await ok(null, 'GET', '/markets')).markets.map((x: { id: number }) => x.id);
    expect(list).toEqual(expect.arrayContaining([spot.body.id, b.body.id]));
    expect(await ok(null, 'GET', `/markets/${b.body.id}`)).toMatchObject({
      name: 'Rain on Friday?',
      book: { bids: [], asks: [] },
    });
  });

  it('validates bounds, grid and name', async () => {
    const bad = async (o: Record<string, unknown>): Promise<[number, string[]]> => {
      const r = await call(admin, 'POST', '/markets', {
        name: `bad ${++seq}`,
        kind: 'bounded',
        tickSize: '0.01',
        lotSize: '1',
        ...o,
      });
      return [r.status, fieldCodes(r)];
    };
    expect(await bad({})).toEqual([400, ['maxPrice:required']]);
    expect(await bad({ maxPrice: '1.005' })).toEqual([400, ['maxPrice:price-off-tick']]);
    expect(await bad({ minPrice: '0.333', maxPrice: '1' })).toEqual([400, ['minPrice:price-off-tick']]);
    expect(await bad({ minPrice: '1', maxPrice: '1' })).toEqual([400, ['maxPrice:invalid-bounds']]);
    expect(await bad({ minPrice: '2', maxPrice: '1' })).toEqual([400, ['maxPrice:invalid-bounds']]);
    expect(await bad({ kind: 'spot', maxPrice: '1' })).toEqual([400, ['kind:bounds-need-bounded']]);
    expect(await bad({ maxPrice: '1', tickSize: '0' })).toEqual([400, ['tickSize:invalid-decimal']]);
    expect((await bad({ maxPrice: '1', tickSize: '0.0000000000001' }))[0]).toBe(400);
    expect((await bad({ maxPrice: '1', kind: 'futures' }))[0]).toBe(400);
    const name = `taken ${++seq}`;
    expect((await call(admin, 'POST', '/markets', { name, kind: 'spot', tickSize: '1', lotSize: '1' })).status).toBe(
      201,
    );
    const dup = await call(admin, 'POST', '/markets', { name, kind: 'spot', tickSize: '1', lotSize: '1' });
    expect([dup.status, codeOf(dup)]).toEqual([409, 'market-name-taken']);
    // visible to an account that does not exist: 404, and no half-created market is left behind
    const ghost = { name: `ghost ${++seq}`, kind: 'spot', tickSize: '1', lotSize: '1' };
    const noAccount = await call(admin, 'POST', '/markets', { ...ghost, visibleTo: [987_654] });
    expect([noAccount.status, codeOf(noAccount)]).toEqual([404, 'account-not-found']);
    expect((await call(admin, 'POST', '/markets', ghost)).status).toBe(201);
  });

  it('lets only an admin pause, close or settle', async () => {
    const m = await market();
    for (const [url, body] of [
      [`/markets/${m}/status`, { status: 'paused' }],
      [`/markets/${m}/settle`, { price: '1' }],
    ] as const) {
      const r = await call(alice, 'POST', url, body);
      expect([r.status, codeOf(r)]).toEqual([403, 'forbidden']);
    }
    expect((await ok(null, 'GET', `/markets/${m}`)).status).toBe('open');
  });
});

describe('orders', () => {
  it('runs limit, market, IOC, FOK, post-only, stop-market and stop-limit orders to hand-computed cash and positions', async () => {
    const A = await account(alice, '1000');
    const B = await account(bob, '1000');
    const C = await account(carol, '1000');
    const m = await market();
    const o = async (who: Client, body: Record<string, unknown>) => {
      const r = await place(who, { marketId: m, ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { order: Record<string, unknown>; events: Record<string, unknown>[] };
    };
    const trades = (r: { events: Record<string, unknown>[] }) =>
      r.events.filter((e) => e.type === 'trade').map((e) => [e.makerOrderId, e.price, e.size]);

    // 1–2. Bob rests two asks.
    const b1 = await o(bob, { accountId: B, side: 'sell', size: '10', price: '0.60' });
    const b2 = await o(bob, { accountId: B, side: 'sell', size: '10', price: '0.62' });
    expect(b1.order).toMatchObject({ status: 'open', remaining: '10', price: '0.6' });
    // 3. Alice buys 15 up to 0.61: 10 trade at Bob's 0.60 (the maker's price, not 0.61); 5 rest at 0.61.
    //    Alice 1000 − 6.00 = 994, +10; Bob 1006, −10.
    const a1 = await o(alice, { accountId: A, side: 'buy', size: '15', price: '0.61' });
    expect(trades(a1)).toEqual([[b1.order.id, '0.6', '10']]);
    expect(a1.order).toMatchObject({ status: 'open', remaining: '5', filled: '10' });
    expect(await pf(alice, A)).toMatchObject({ cash: '994', pos: { [m]: '10' } });
    expect(await pf(bob, B)).toMatchObject({ cash: '1006', pos: { [m]: '-10' } });
    // 4. Carol sells 3 at market: they trade at Alice's bid 0.61. Carol +1.83 → 1001.83, −3; Alice 992.17, +13.
    const c1 = await o(carol, { accountId: C, side: 'sell', type: 'market', size: '3' });
    expect(trades(c1)).toEqual([[a1.order.id, '0.61', '3']]);
    expect(c1.order).toMatchObject({ type: 'market', price: null, status: 'filled' });
    // 5. Carol buys 20 IOC up to 0.62: 10 trade at 0.62 with Bob, 10 are cancelled.
    //    Carol 1001.83 − 6.20 = 995.63, +7; Bob 1006 + 6.20 = 1012.2, −20.
    const c2 = await o(carol, { accountId: C, side: 'buy', size: '20', price: '0.62', tif: 'IOC' });
    expect(trades(c2)).toEqual([[b2.order.id, '0.62', '10']]);
    expect(c2.events).toContainEqual(expect.objectContaining({ type: 'cancelled', remaining: '10', reason: 'ioc' }));
    expect(c2.order).toMatchObject({ status: 'cancelled', filled: '10', remaining: '0' });
    // 6. Carol sells 5 FOK at 0.60: only Alice's 2 lots bid → killed, nothing trades.
    const c3 = await o(carol, { accountId: C, side: 'sell', size: '5', price: '0.60', tif: 'FOK' });
    expect(trades(c3)).toEqual([]);
    expect(c3.events).toContainEqual(expect.objectContaining({ type: 'cancelled', reason: 'fok-not-fillable' }));
    expect(c3.order).toMatchObject({ status: 'cancelled', filled: '0' });
    // 7. Carol sells 2 FOK at 0.61: fills. Carol 995.63 + 1.22 = 996.85, +5; Alice 992.17 − 1.22 = 990.95, +15.
    const c4 = await o(carol, { accountId: C, side: 'sell', size: '2', price: '0.61', tif: 'FOK' });
    expect(trades(c4)).toEqual([[a1.order.id, '0.61', '2']]);
    expect(await pf(alice, A)).toMatchObject({ cash: '990.95', pos: { [m]: '15' } });
    expect(await pf(carol, C)).toMatchObject({ cash: '996.85', pos: { [m]: '5' } });
    expect(await ok(null, 'GET', `/markets/${m}`)).toMatchObject({ book: { bids: [], asks: [] }, lastPrice: '0.61' });
    // 8. Post-only: Bob's bid at 0.50 rests; Alice's post-only ask at 0.50 would take → 422, nothing stored.
    const bPo = await o(bob, { accountId: B, side: 'buy', size: '10', price: '0.50', postOnly: true });
    expect(bPo.order).toMatchObject({ postOnly: true, status: 'open' });
    const orders = await count('ex_orders');
    const taking = await place(alice, {
      accountId: A,
      marketId: m,
      side: 'sell',
      size: '5',
      price: '0.50',
      postOnly: true,
    });
    expect([taking.status, codeOf(taking)]).toEqual([422, 'post-only-would-take']);
    expect(await count('ex_orders')).toBe(orders);
    // 9–10. Alice: stop-market sell 5 when the last trade ≤ 0.55; Carol: stop-limit buy 2 @ 0.72 when ≥ 0.70.
    const aStop = await o(alice, { accountId: A, side: 'sell', type: 'stop-market', size: '5', stopPrice: '0.55' });
    const cStop = await o(carol, {
      accountId: C,
      side: 'buy',
      type: 'stop-limit',
      size: '2',
      price: '0.72',
      stopPrice: '0.70',
    });
    expect([aStop.order.status, cStop.order.status]).toEqual(['pending', 'pending']);
    // 11. Carol sells 1 @ 0.50 into Bob's bid: last = 0.50 ≤ 0.55 triggers Alice's stop, which sells 5 at 0.50.
    //     Carol 996.85 + 0.50 = 997.35, +4; Alice 990.95 + 2.50 = 993.45, +10; Bob 1012.2 − 3.00 = 1009.2, −14.
    const c5 = await o(carol, { accountId: C, side: 'sell', size: '1', price: '0.50' });
    expect(c5.events.map((e) => e.type)).toEqual(['accepted', 'trade', 'done', 'triggered', 'trade', 'done']);
    expect(trades(c5)).toEqual([
      [bPo.order.id, '0.5', '1'],
      [bPo.order.id, '0.5', '5'],
    ]);
    expect(c5.events[4]).toMatchObject({ takerOrderId: aStop.order.id, takerAccount: A });
    // 12. Bob asks 1 @ 0.70, Alice lifts it: last = 0.70 triggers Carol's stop-limit, which rests at 0.72.
    //     Alice 993.45 − 0.70 = 992.75, +11; Bob 1009.2 + 0.70 = 1009.9, −15.
    await o(bob, { accountId: B, side: 'sell', size: '1', price: '0.70' });
    const a2 = await o(alice, { accountId: A, side: 'buy', size: '1', price: '0.70' });
    expect(a2.events).toContainEqual(expect.objectContaining({ type: 'triggered', orderId: cStop.order.id }));
    const live = (await ok(carol, 'GET', '/orders?live=true')).orders as Record<string, unknown>[];
    expect(live.find((x) => x.id === cStop.order.id)).toMatchObject({
      type: 'limit',
      price: '0.72',
      remaining: '2',
      status: 'open',
    });

    // Available: Alice has no orders → cash. Bob: −15 at 1.00 is worse than the bid 4 @ 0.50 filling
    // (−2 − 11) → 1009.9 − 15 = 994.9. Carol: bid 2 @ 0.72 → 997.35 − 1.44 = 995.91.
    expect(await pf(alice, A)).toEqual({ cash: '992.75', available: '992.75', pos: { [m]: '11' } });
    expect(await pf(bob, B)).toEqual({ cash: '1009.9', available: '994.9', pos: { [m]: '-15' } });
    expect(await pf(carol, C)).toEqual({ cash: '997.35', available: '995.91', pos: { [m]: '4' } });
    // 7 trades, newest first
    const t = (await ok(carol, 'GET', `/markets/${m}/trades`)).trades as Record<string, unknown>[];
    expect(t.map((x) => [x.price, x.size])).toEqual([
      ['0.7', '1'],
      ['0.5', '5'],
      ['0.5', '1'],
      ['0.61', '2'],
      ['0.62', '10'],
      ['0.61', '3'],
      ['0.6', '10'],
    ]);
    expect(await ok(null, 'GET', `/markets/${m}`)).toMatchObject({
      lastPrice: '0.7',
      book: {
        bids: [
          { price: '0.72', size: '2', orders: 1 },
          { price: '0.5', size: '4', orders: 1 },
        ],
        asks: [],
      },
    });
  });

  it('moves cash by price × size × tick × lot on a coarser grid', async () => {
    const A = await account(alice, '100');
    const B = await account(bob, '100');
    // tick 0.05, lot 0.1, bounds 0..2
    const m = await market({ tickSize: '0.05', lotSize: '0.1', minPrice: '0', maxPrice: '2' });
    expect((await place(bob, { accountId: B, marketId: m, side: 'sell', size: '2.5', price: '1.35' })).status).toBe(
      201,
    );
    const r = await place(alice, { accountId: A, marketId: m, side: 'buy', size: '2.5', price: '1.4' });
    expect(r.body.events[1]).toMatchObject({ type: 'trade', price: '1.35', size: '2.5' });
    // 1.35 × 2.5 = 3.375 (27 ticks × 25 lots × 0.005)
    expect(await pf(alice, A)).toEqual({ cash: '96.625', available: '96.625', pos: { [m]: '2.5' } });
    // Bob is short 2.5 in a market that may settle at 2: 103.375 − 5 = 98.375
    expect(await pf(bob, B)).toEqual({ cash: '103.375', available: '98.375', pos: { [m]: '-2.5' } });
    const offLot = await place(alice, { accountId: A, marketId: m, side: 'buy', size: '0.25', price: '1' });
    expect([offLot.status, fieldCodes(offLot)]).toEqual([400, ['size:size-off-lot']]);
    for (const price of ['1.37', '1.375']) {
      const offTick = await place(alice, { accountId: A, marketId: m, side: 'buy', size: '1', price });
      expect([offTick.status, fieldCodes(offTick)]).toEqual([400, ['price:price-off-tick']]);
    }
  });

  it('trades for the personal account when no accountId is given', async () => {
    const fay = await client('fay@routes.test');
    const m = await market();
    const spot = await market({ kind: 'spot', maxPrice: undefined });
    const r = await place(fay, { marketId: m, side: 'buy', size: '1', price: '0.5' });
    // first use creates the (empty) personal account: nothing to pay with
    expect([r.status, codeOf(r)]).toEqual([422, 'insufficient-balance']);
    const mine = (await ok(fay, 'GET', '/accounts')).accounts[0] as { id: number; kind: string };
    expect(mine.kind).toBe('user');
    await ok(admin, 'POST', '/transfers', { fromAccountId: null, toAccountId: mine.id, amount: '2000' });
    const ok1 = await place(fay, { marketId: m, side: 'buy', size: '1', price: '0.5' });
    expect([ok1.status, ok1.body.order.accountId]).toEqual([201, mine.id]);
    // a spot market buy is reserved at the best ask + the band (1,000 ticks) and, with no ask, finds nothing
    const mkt = await place(fay, { marketId: spot, side: 'buy', type: 'market', size: '1' });
    expect(mkt.status).toBe(201);
    expect(mkt.body.events).toContainEqual(expect.objectContaining({ type: 'cancelled', reason: 'no-liquidity' }));
    expect(await pf(fay, mine.id)).toMatchObject({ cash: '2000', available: '1999.5' });
  });

  it('rejects bad orders with a stable code and changes nothing', async () => {
    const A = await account(alice, '10');
    const m = await market();
    const spot = await market({ kind: 'spot', maxPrice: undefined });
    const foreign = await account(bob, '1000');
    const orders = await count('ex_orders');
    const cases: [Record<string, unknown>, number, string][] = [
      // 21 × 0.50 = 10.50 > 10
      [{ side: 'buy', size: '21', price: '0.5' }, 422, 'insufficient-balance'],
      [{ marketId: spot, side: 'sell', size: '1', price: '1' }, 422, 'insufficient-position'],
      [{ side: 'buy', size: '1', price: '0.605' }, 400, 'price:price-off-tick'],
      [{ side: 'buy', size: '1.5', price: '0.5' }, 400, 'size:size-off-lot'],
      [{ side: 'buy', size: '0', price: '0.5' }, 400, 'size:invalid-size'],
      [{ side: 'buy', size: '-1', price: '0.5' }, 400, 'size:invalid-format'],
      [{ side: 'buy', size: '1', price: '1.01' }, 400, 'price:price-out-of-bounds'],
      [{ side: 'buy', size: '1', price: '0' }, 400, 'price:invalid-price'],
      [
        { side: 'buy', type: 'stop-limit', size: '1', price: '0.5', stopPrice: '2' },
        400,
        'stopPrice:price-out-of-bounds',
      ],
      [{ side: 'buy', size: '1' }, 400, 'price:required'],
      [{ side: 'buy', type: 'stop-market', size: '1' }, 400, 'stopPrice:required'],
      [{ side: 'buy', size: '1', price: '0.5', leverage: 5 }, 400, 'leverage:unknown-field'],
      [{ marketId: 987_654, side: 'buy', size: '1', price: '0.5' }, 404, 'market-not-found'],
      [{ accountId: foreign, side: 'buy', size: '1', price: '0.5' }, 404, 'account-not-found'],
      [{ accountId: 987_654, side: 'buy', size: '1', price: '0.5' }, 404, 'account-not-found'],
    ];
    for (const [body, status, code] of cases) {
      const r = await place(alice, { accountId: A, marketId: m, ...body });
      expect([r.status, status === 400 ? fieldCodes(r)[0] : codeOf(r)], JSON.stringify(body)).toEqual([status, code]);
    }
    expect(await count('ex_orders')).toBe(orders);
    expect(await pf(alice, A)).toEqual({ cash: '10', available: '10', pos: {} });
    // exactly covered: 20 × 0.50 = 10
    expect((await place(alice, { accountId: A, marketId: m, side: 'buy', size: '20', price: '0.5' })).status).toBe(201);
    expect((await pf(alice, A)).available).toBe('0');
  });

  it('refuses orders on a paused market (409 market-paused) and a closed one (409 market-closed)', async () => {
    const A = await account(alice, '100');
    const m = await market();
    const order = { accountId: A, marketId: m, side: 'buy', size: '1', price: '0.5' };
    const resting = await place(alice, order);
    expect((await ok(admin, 'POST', `/markets/${m}/status`, { status: 'paused' })).status).toBe('paused');
    const orders = await count('ex_orders');
    const p = await place(alice, order);
    expect([p.status, codeOf(p)]).toEqual([409, 'market-paused']);
    const amend = await call(alice, 'PATCH', `/orders/${resting.body.order.id}`, { size: '2' });
    expect([amend.status, codeOf(amend)]).toEqual([409, 'market-paused']);
    expect(await count('ex_orders')).toBe(orders);
    await ok(admin, 'POST', `/markets/${m}/status`, { status: 'open' });
    expect((await place(alice, order)).status).toBe(201);
    await ok(admin, 'POST', `/markets/${m}/status`, { status: 'closed' });
    const c = await place(alice, order);
    expect([c.status, codeOf(c)]).toEqual([409, 'market-closed']);
    // closing cancelled both resting orders and released their reserve
    expect(
      (await ok(alice, 'GET', '/orders?live=true')).orders.filter((x: { marketId: number }) => x.marketId === m),
    ).toEqual([]);
    expect((await pf(alice, A)).available).toBe('100');
  });

  it('cancels and amends, keeping time priority only on a size cut', async () => {
    const A = await account(alice, '100');
    const B = await account(bob, '100');
    const C = await account(carol, '100');
    const m = await market();
    const o1 = (await place(bob, { accountId: B, marketId: m, side: 'sell', size: '5', price: '0.6' })).body.order.id;
    const o2 = (await place(carol, { accountId: C, marketId: m, side: 'sell', size: '5', price: '0.6' })).body.order.id;
    const takeOne = async () => {
      const r = await place(alice, { accountId: A, marketId: m, side: 'buy', size: '1', price: '0.6' });
      return r.body.events.find((e: { type: string }) => e.type === 'trade') as { makerOrderId: number; price: string };
    };
    // cut o1 to 4: keeps its place → the next buy trades with o1
    let a = await call(bob, 'PATCH', `/orders/${o1}`, { size: '4' });
    expect(a.body.events).toEqual([expect.objectContaining({ type: 'amended', remaining: '4', priorityKept: true })]);
    expect((await takeOne()).makerOrderId).toBe(o1);
    // raise o1 to 6: to the back → the next buy trades with o2
    a = await call(bob, 'PATCH', `/orders/${o1}`, { size: '6' });
    expect(a.body.events).toEqual([expect.objectContaining({ type: 'amended', remaining: '6', priorityKept: false })]);
    expect((await takeOne()).makerOrderId).toBe(o2);
    // move o2 to 0.59: the better price trades first, at 0.59
    a = await call(carol, 'PATCH', `/orders/${o2}`, { price: '0.59' });
    expect(a.body.order).toMatchObject({ price: '0.59', remaining: '4' });
    expect(await takeOne()).toMatchObject({ makerOrderId: o2, price: '0.59' });
    expect((await ok(null, 'GET', `/markets/${m}`)).book.asks).toEqual([
      { price: '0.59', size: '3', orders: 1 },
      { price: '0.6', size: '6', orders: 1 },
    ]);
    // Alice paid 0.60 + 0.60 + 0.59 = 1.79
    expect(await pf(alice, A)).toMatchObject({ cash: '98.21', pos: { [m]: '3' } });
    const bad = await call(bob, 'PATCH', `/orders/${o1}`, { size: '0' });
    expect([bad.status, fieldCodes(bad)]).toEqual([400, ['size:invalid-size']]);
    const foreign = await call(alice, 'DELETE', `/orders/${o1}`);
    expect([foreign.status, codeOf(foreign)]).toEqual([404, 'order-not-found']);
    const del = await call(bob, 'DELETE', `/orders/${o1}`);
    expect(del.status).toBe(200);
    expect(del.body.order).toMatchObject({ status: 'cancelled', remaining: '0' });
    expect(del.body.events).toContainEqual(
      expect.objectContaining({ type: 'cancelled', remaining: '6', reason: 'user' }),
    );
    const again = await call(bob, 'DELETE', `/orders/${o1}`);
    expect([again.status, codeOf(again)]).toEqual([409, 'order-not-live']);
    expect((await ok(null, 'GET', `/markets/${m}`)).book.asks).toEqual([{ price: '0.59', size: '3', orders: 1 }]);
    const rows = await sql.query('SELECT event FROM ex_order_history WHERE order_id = $1 ORDER BY id', [o1]);
    expect(rows.map((r) => r.event)).toEqual(['accepted', 'amend', 'fill', 'amend', 'cancel']);
  });

  it('settles a market: positions paid exactly, live orders cancelled, market closed', async () => {
    const A = await account(alice, '100');
    const B = await account(bob, '100');
    const m = await market();
    await place(bob, { accountId: B, marketId: m, side: 'sell', size: '10', price: '0.3' });
    await place(alice, { accountId: A, marketId: m, side: 'buy', size: '10', price: '0.3' });
    const resting = (await place(alice, { accountId: A, marketId: m, side: 'buy', size: '5', price: '0.2' })).body.order
      .id;
    const out = await call(admin, 'POST', `/markets/${m}/settle`, { price: '1.5' });
    expect([out.status, fieldCodes(out)]).toEqual([400, ['price:price-out-of-bounds']]);
    const s = await call(admin, 'POST', `/markets/${m}/settle`, { price: '1' });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ status: 'closed', settledPrice: '1', positionsPaid: 2 });
    // Alice: 100 − 3 + 10 × 1 = 107; Bob: 100 + 3 − 10 = 93
    expect(await pf(alice, A)).toEqual({ cash: '107', available: '107', pos: {} });
    expect(await pf(bob, B)).toEqual({ cash: '93', available: '93', pos: {} });
    const o = (await ok(alice, 'GET', '/orders')).orders.find((x: { id: number }) => x.id === resting);
    expect(o.status).toBe('cancelled');
    expect((await ok(null, 'GET', `/markets/${m}`)).status).toBe('closed');
    const twice = await call(admin, 'POST', `/markets/${m}/settle`, { price: '1' });
    expect([twice.status, codeOf(twice)]).toEqual([409, 'market-closed']);
  });

  it('hides a restricted market (404) from users without an allowed account', async () => {
    const A = await account(alice, '100');
    const C = await account(carol, '100');
    const B = await account(bob, '100');
    const m = await market({ visibleTo: [A, C] });
    for (const r of [
      await call(bob, 'GET', `/markets/${m}`),
      await call(null, 'GET', `/markets/${m}`),
      await call(bob, 'GET', `/markets/${m}/trades`),
      await place(bob, { accountId: B, marketId: m, side: 'buy', size: '1', price: '0.5' }),
    ])
      expect([r.status, codeOf(r)]).toEqual([404, 'market-not-found']);
    expect((await ok(bob, 'GET', '/markets')).markets.map((x: { id: number }) => x.id)).not.toContain(m);
    expect((await ok(alice, 'GET', '/markets')).markets.map((x: { id: number }) => x.id)).toContain(m);
    expect((await place(carol, { accountId: C, marketId: m, side: 'sell', size: '1', price: '0.5' })).status).toBe(201);
    expect((await place(alice, { accountId: A, marketId: m, side: 'buy', size: '1', price: '0.5' })).status).toBe(201);
    expect((await ok(alice, 'GET', `/markets/${m}/trades`)).trades).toHaveLength(1);
  });

  it('omits account ids from the public trades of a market that hides them', async () => {
    const A = await account(alice, '100');
    const B = await account(bob, '100');
    const run = async (hideAccounts: boolean) => {
      const m = await market({ hideAccounts });
      await place(bob, { accountId: B, marketId: m, side: 'sell', size: '2', price: '0.4' });
      await place(alice, { accountId: A, marketId: m, side: 'buy', size: '2', price: '0.4' });
      return (await ok(carol, 'GET', `/markets/${m}/trades`)).trades[0] as Record<string, unknown>;
    };
    const hidden = await run(true);
    expect(hidden).toMatchObject({ price: '0.4', size: '2', takerSide: 'buy' });
    expect(Object.keys(hidden).filter((k) => /account/i.test(k))).toEqual([]);
    expect(await run(false)).toMatchObject({ makerAccountId: B, takerAccountId: A });
  });
});

describe('rate limits', () => {
  // A cheap mutate request: cancelling an order that does not exist (404), which still takes a token.
  const cancelNothing = (who: Client): Promise<Res> => call(who, 'DELETE', '/orders/999999999');
  const burst = async (n: number, fn: () => Promise<Res>): Promise<number[]> => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await fn()).status);
    return statuses;
  };

  /** How many `fn` calls pass before the first 429 (at most `max`). */
  const passing = async (max: number, fn: () => Promise<Res>): Promise<number> => {
    let n = 0;
    while (n < max && (await fn()).status !== 429) n++;
    return n;
  };

  it('allows 1,000 mutate requests per 10 s window, then 429 with Retry-After, coming back at 100 per second', async () => {
    const u = await client('burst@routes.test');
    expect(new Set(await burst(1000, () => cancelNothing(u)))).toEqual(new Set([404]));
    const limited = await cancelNothing(u);
    expect([limited.status, codeOf(limited)]).toEqual([429, 'rate-limited']);
    const wait = Number(limited.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(11); // the rest of the burst's window, and 10 ms of the next
    expect([limited.headers['ratelimit-limit'], limited.headers['ratelimit-remaining']]).toEqual(['1000', '0']);
    // orders and transfers are in the same class
    expect((await place(u, { marketId: 1, side: 'buy', size: '1', price: '0.5' })).status).toBe(429);
    expect((await call(u, 'POST', '/transfers', { toAccountId: 1, amount: '1' })).status).toBe(429);
    // after Retry-After, requests pass again; then one second gives 100 more (the window slides)
    clock += wait * 1000;
    expect(await passing(1000, () => cancelNothing(u))).toBeGreaterThanOrEqual(1);
    clock += 1000;
    expect(Math.abs((await passing(1000, () => cancelNothing(u))) - 100)).toBeLessThanOrEqual(1);
    // another user has a window of their own, and reads are another group
    expect((await cancelNothing(alice)).status).toBe(404);
    expect((await call(u, 'GET', '/accounts')).status).toBe(200);
  });

  it('gives an admin ten times the mutate limit', async () => {
    const boss = await client('boss@routes.test', true);
    // Use up 9,998 of the admin's 10,000 directly on the server's limiter, then go through HTTP.
    for (let i = 0; i < 9_998; i++) expect(await limiter.take('mutate', boss.id, true)).toBe(0);
    expect(await burst(2, () => cancelNothing(boss))).toEqual([404, 404]);
    const limited = await cancelNothing(boss);
    expect([limited.status, limited.headers['ratelimit-limit']]).toEqual([429, '10000']);
    clock += Number(limited.headers['retry-after']) * 1000;
    expect((await cancelNothing(boss)).status).toBe(404);
  });

  it('allows 180 expensive requests (trade history, market creation) per minute, then 429', async () => {
    const u = await client('history@routes.test');
    const m = await market();
    expect(new Set(await burst(179, () => call(u, 'GET', `/markets/${m}/trades`)))).toEqual(new Set([200]));
    const create = await call(u, 'POST', '/markets', {
      name: `u-made ${++seq}`,
      kind: 'spot',
      tickSize: '1',
      lotSize: '1',
    });
    expect([create.status, codeOf(create)]).toEqual([403, 'forbidden']); // admin-only, and counted all the same
    const limited = await call(u, 'GET', `/markets/${m}/trades`);
    expect([limited.status, codeOf(limited)]).toEqual([429, 'rate-limited']);
    const wait = Number(limited.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    const noMarket = await call(u, 'POST', '/markets', {
      name: `u-made ${++seq}`,
      kind: 'spot',
      tickSize: '1',
      lotSize: '1',
    });
    expect(noMarket.status).toBe(429);
    // mutate is a separate class
    expect((await cancelNothing(u)).status).toBe(404);
    // after Retry-After some pass; then 180 per minute = 3 per second
    clock += wait * 1000;
    expect(await passing(180, () => call(u, 'GET', `/markets/${m}/trades`))).toBeGreaterThanOrEqual(1);
    clock += 1000;
    expect(await burst(4, () => call(u, 'GET', `/markets/${m}/trades`))).toEqual([200, 200, 200, 429]);
    // an admin gets 1,800
    const boss = await client('boss2@routes.test', true);
    for (let i = 0; i < 1_799; i++) expect(await limiter.take('expensive', boss.id, true)).toBe(0);
    expect((await call(boss, 'GET', `/markets/${m}/trades`)).status).toBe(200);
    expect((await call(boss, 'GET', `/markets/${m}/trades`)).status).toBe(429);
  });
});

describe('classroom gaps', () => {
  it('removes a co-owner (DELETE /accounts/:id/owners/:userId), but never the last owner', async () => {
    const acct = await account(carol, '0');
    await ok(carol, 'POST', `/accounts/${acct}/owners`, { email: 'bob@routes.test' });
    expect((await call(alice, 'DELETE', `/accounts/${acct}/owners/${bob.id}`)).status).toBe(404);
    const removed = await call(bob, 'DELETE', `/accounts/${acct}/owners/${carol.id}`);
    expect(removed).toMatchObject({ status: 200, body: { accountId: acct, removed: carol.id, owners: [bob.id] } });
    const last = await call(bob, 'DELETE', `/accounts/${acct}/owners/${bob.id}`);
    expect({ status: last.status, code: codeOf(last) }).toEqual({ status: 409, code: 'last-owner' });
    expect((await call(carol, 'GET', `/accounts/${acct}/portfolio`)).status).toBe(404);
  });

  it('pages a market’s trades and the user’s fills by cursor', async () => {
    const m = await market();
    const a = await account(alice, '100');
    const b = await account(bob, '100');
    for (let i = 0; i < 3; i++) {
      await ok(alice, 'POST', '/orders', { accountId: a, marketId: m, side: 'buy', size: '1', price: '0.5' });
      await ok(bob, 'POST', '/orders', { accountId: b, marketId: m, side: 'sell', size: '1', price: '0.5' });
    }
    const all = (await ok(alice, 'GET', `/markets/${m}/trades`)).trades as { id: number }[];
    expect(all).toHaveLength(3);
    const older = (await ok(alice, 'GET', `/markets/${m}/trades?limit=2&beforeId=${all[0]!.id}`)).trades;
    expect(older.map((t: { id: number }) => t.id)).toEqual([all[1]!.id, all[2]!.id]);
    const newer = (await ok(alice, 'GET', `/markets/${m}/trades?limit=1&afterId=${all[2]!.id}`)).trades;
    expect(newer.map((t: { id: number }) => t.id)).toEqual([all[1]!.id]);
    const fills = (await ok(bob, 'GET', '/fills?limit=2')).fills;
    expect(fills.map((f: { tradeId: number }) => f.tradeId)).toEqual([all[0]!.id, all[1]!.id]);
    expect(fills[0]).toMatchObject({ accountId: b, side: 'sell', liquidity: 'taker', price: '0.5', size: '1' });
    const next = (await ok(bob, 'GET', `/fills?limit=2&beforeId=${all[1]!.id}`)).fills;
    expect(next[0].tradeId).toBe(all[2]!.id);
  });
});
