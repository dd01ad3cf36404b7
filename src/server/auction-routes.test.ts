/**
 * The auction routes over HTTP (fastify `inject`) on a real database: PGlite by default, PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`. Rate limits run on a RateLimiter with a fake clock. The rules themselves are covered
 * in `src/app/exchange/auctions.test.ts`; here: routing, defaults, status codes and the `expensive` class.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';
import { LIMITS, RateLimiter } from './ratelimit.ts';

interface Client {
  id: number;
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
const clock = 1_000_000;
const limiter = new RateLimiter(() => clock);
let admin: Client;
let alice: Client;
let bob: Client;

async function client(email: string, isAdmin = false): Promise<Client> {
  const u = await ctx.auth.register(email, 'password1');
  if (isAdmin) await ctx.auth.setAdmin(email, true);
  return { id: u.id, h: { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` } };
}

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  app = await buildServer(ctx, { rateLimiter: limiter });
  admin = await client('admin@auction-routes.test', true);
  alice = await client('alice@auction-routes.test');
  bob = await client('bob@auction-routes.test');
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await sql?.close();
});

async function call(who: Client | null, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Res> {
  const r = await app.inject({
    method,
    url: `/api/v1/exchange${url}`,
    headers: who?.h ?? {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: r.statusCode, body: r.body ? r.json() : null, headers: r.headers };
}
const codeOf = (r: Res): string => r.body?.error?.code;
async function personal(who: Client): Promise<{ id: number; cash: string }> {
  const r = await call(who, 'GET', '/accounts');
  return r.body.accounts.find((a: { kind: string }) => a.kind === 'user');
}
async function mint(accountId: number, amount: string): Promise<void> {
  const r = await call(admin, 'POST', '/transfers', { fromAccountId: null, toAccountId: accountId, amount });
  expect(r.status).toBe(201);
}

describe('auction routes', () => {
  it('need a login', async () => {
    expect([(await call(null, 'GET', '/auctions')).status, codeOf(await call(null, 'GET', '/auctions'))]).toEqual([
      401,
      'unauthenticated',
    ]);
    expect((await call(null, 'POST', '/auctions', { title: 'x' })).status).toBe(401);
    expect((await call(null, 'GET', '/auctions/1')).status).toBe(401);
  });

  it('run a whole auction: list from the personal account, bid, buy it now; balances move exactly', async () => {
    const sellerAcct = await personal(alice);
    const buyerAcct = await personal(bob);
    await mint(buyerAcct.id, '60.25');

    const created = await call(alice, 'POST', '/auctions', { title: 'Lamp', minBid: '5', buyNowPrice: 50 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sellerAccountId: sellerAcct.id, minBid: '5', buyNowPrice: '50' });
    const id = created.body.id as number;

    const low = await call(bob, 'POST', `/auctions/${id}/bids`, { amount: '4.99' });
    expect([low.status, codeOf(low)]).toEqual([422, 'bid-too-low']);
    const bid = await call(bob, 'POST', `/auctions/${id}/bids`, { amount: '7.5' });
    expect(bid.status).toBe(201);
    expect(bid.body).toMatchObject({ auction: { bestBid: '7.5', bestBidderAccountId: buyerAcct.id } });

    const one = await call(alice, 'GET', `/auctions/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.bids).toEqual([expect.objectContaining({ accountId: buyerAcct.id, amount: '7.5' })]);
    const list = await call(alice, 'GET', '/auctions?status=open');
    expect(list.body.auctions.map((a: { id: number }) => a.id)).toContain(id);

    const bought = await call(bob, 'POST', `/auctions/${id}/buy`);
    expect(bought.status).toBe(200);
    expect(bought.body).toMatchObject({ status: 'sold', winnerAccountId: buyerAcct.id, price: '50' });
    // Bob 60.25 − 50 = 10.25; Alice 0 + 50 = 50.
    expect((await personal(bob)).cash).toBe('10.25');
    expect((await personal(alice)).cash).toBe('50');
    const again = await call(bob, 'POST', `/auctions/${id}/buy`, {});
    expect([again.status, codeOf(again)]).toEqual([409, 'auction-closed']);
  });

  it('settle is for admins (403 otherwise); cancel for the seller or an admin', async () => {
    const sellerAcct = await personal(alice);
    const buyerAcct = await personal(bob);
    const id = (await call(alice, 'POST', '/auctions', { title: 'Chair' })).body.id as number;
    const denied = await call(alice, 'POST', `/auctions/${id}/settle`, { buyerAccountId: buyerAcct.id, price: '1' });
    expect([denied.status, codeOf(denied)]).toEqual([403, 'forbidden']);
    const short = await call(admin, 'POST', `/auctions/${id}/settle`, {
      buyerAccountId: buyerAcct.id,
      price: '1000',
    });
    expect([short.status, codeOf(short)]).toEqual([422, 'insufficient-balance']);
    expect([(await personal(alice)).cash, (await personal(bob)).cash]).toEqual(['50', '10.25']);
    const settled = await call(admin, 'POST', `/auctions/${id}/settle`, {
      buyerAccountId: buyerAcct.id,
      price: '0.25',
    });
    expect(settled.body).toMatchObject({ status: 'sold', winnerAccountId: buyerAcct.id, price: '0.25' });
    // Alice 50 + 0.25; Bob 10.25 − 0.25.
    expect([(await personal(alice)).cash, (await personal(bob)).cash]).toEqual(['50.25', '10']);
    expect(sellerAcct.id).not.toBe(buyerAcct.id);

    const other = (await call(alice, 'POST', '/auctions', { title: 'Table' })).body.id as number;
    const notSeller = await call(bob, 'POST', `/auctions/${other}/cancel`);
    expect([notSeller.status, codeOf(notSeller)]).toEqual([403, 'forbidden']);
    const cancelled = await call(alice, 'POST', `/auctions/${other}/cancel`);
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const missing = await call(admin, 'POST', '/auctions/999999/cancel');
    expect([missing.status, codeOf(missing)]).toEqual([404, 'auction-not-found']);
  });

  it('validate bodies with 400: unknown fields, bad amounts, missing title', async () => {
    expect((await call(alice, 'POST', '/auctions', { title: 'x', reserve: '1' })).status).toBe(400);
    expect((await call(alice, 'POST', '/auctions', { title: 'x', minBid: '-1' })).status).toBe(400);
    expect((await call(alice, 'POST', '/auctions', {})).status).toBe(400);
    expect((await call(alice, 'POST', '/auctions/1/bids', { amount: 'ten' })).status).toBe(400);
    expect((await call(admin, 'POST', '/auctions/1/settle', { price: '1' })).status).toBe(400);
  });

  it('put every mutating route in the expensive class; reads are not limited', async () => {
    const carol = await client('carol@auction-routes.test');
    const { burst } = LIMITS.expensive;
    const routes = ['/auctions/999999/cancel', '/auctions/999999/buy', '/auctions/999999/settle'];
    for (let i = 0; i < burst; i++) {
      const r = await call(
        carol,
        'POST',
        routes[i % routes.length]!,
        i % 3 === 2 ? { buyerAccountId: 1, price: '1' } : undefined,
      );
      expect(r.status).not.toBe(429);
    }
    for (const [url, body] of [
      ['/auctions', { title: 'x' }],
      ['/auctions/1/bids', { amount: '1' }],
      ['/auctions/1/buy', undefined],
      ['/auctions/1/settle', { buyerAccountId: 1, price: '1' }],
      ['/auctions/1/cancel', undefined],
    ] as const) {
      const r = await call(carol, 'POST', url, body);
      expect([url, r.status, codeOf(r)]).toEqual([url, 429, 'rate-limited']);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect((await call(carol, 'GET', '/auctions')).status).toBe(200);
  });
});
