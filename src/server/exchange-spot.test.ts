import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';

describe('spot markets with deposited assets', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  const h: Record<string, Record<string, string>> = {};
  const acct: Record<string, number> = {};
  const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await app.inject({ method, url, headers: h[who], ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() };
  };

  beforeAll(async () => {
    ctx = await createContext({ sql: await openTestDatabase() });
    app = await buildServer(ctx);
    for (const name of ['admin', 'seller', 'buyer']) {
      const u = await ctx.auth.register(`${name}@example.com`, 'password1');
      if (name === 'admin') await ctx.auth.setAdmin(`${name}@example.com`, true);
      h[name] = { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` };
      acct[name] = await ctx.exchange.personalAccount(u.id);
    }
    await call('admin', 'POST', '/api/v1/exchange/transfers', {
      fromAccountId: null,
      toAccountId: acct.buyer,
      amount: '1000',
    });
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('lets an admin deposit the base asset, which the holder can then sell to a buyer', async () => {
    const m = await call('admin', 'POST', '/api/v1/exchange/markets', {
      name: 'WIDGET',
      kind: 'spot',
      tickSize: '0.01',
      lotSize: '1',
    });
    expect(m.status).toBe(201);
    const id = m.body.id as number;
    // Without holdings a sell is a short: refused on a spot market.
    const short = await call('seller', 'POST', '/api/v1/exchange/orders', {
      marketId: id,
      side: 'sell',
      size: '5',
      price: '2',
    });
    expect(short.body.error.code).toBe('insufficient-position');
    const dep = await call('admin', 'POST', `/api/v1/exchange/markets/${id}/deposits`, {
      accountId: acct.seller,
      size: '10',
    });
    expect(dep).toMatchObject({ status: 201, body: { deposited: '10', position: '10' } });
    expect(
      (await call('seller', 'POST', '/api/v1/exchange/orders', { marketId: id, side: 'sell', size: '5', price: '2' }))
        .status,
    ).toBe(201);
    const buy = await call('buyer', 'POST', '/api/v1/exchange/orders', {
      marketId: id,
      side: 'buy',
      size: '5',
      price: '2.5',
    });
    expect(buy.status).toBe(201);
    // 5 × 2 (the maker's price) moves from buyer to seller; 5 units move the other way.
    const seller = await call('seller', 'GET', `/api/v1/exchange/accounts/${acct.seller}/portfolio`);
    const buyer = await call('buyer', 'GET', `/api/v1/exchange/accounts/${acct.buyer}/portfolio`);
    expect(seller.body).toMatchObject({ cash: '10', positions: [{ marketId: id, position: '5' }] });
    expect(buyer.body).toMatchObject({ cash: '990', positions: [{ marketId: id, position: '5' }] });
  });

  it('refuses deposits from non-admins (403) and into bounded markets (422 not-spot)', async () => {
    const b = await call('admin', 'POST', '/api/v1/exchange/markets', {
      name: 'Bounded',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      minPrice: '0',
      maxPrice: '1',
    });
    const forbidden = await call('seller', 'POST', `/api/v1/exchange/markets/${b.body.id}/deposits`, {
      accountId: acct.seller,
      size: '1',
    });
    expect(forbidden.status).toBe(403);
    const notSpot = await call('admin', 'POST', `/api/v1/exchange/markets/${b.body.id}/deposits`, {
      accountId: acct.seller,
      size: '1',
    });
    expect(notSpot).toMatchObject({ status: 422, body: { error: { code: 'not-spot' } } });
  });
});
