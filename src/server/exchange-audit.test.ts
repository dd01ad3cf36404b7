/**
 * The simulated exchange's admin actions land in the audit trail, each in the transaction of its change: market
 * creation, pause, resume, close and settlement, asset deposits, minting and auction settlement, with the acting
 * admin and the address. A refused action writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';

describe('audit trail of the exchange admin actions', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  const h: Record<string, Record<string, string>> = {};
  const id: Record<string, number> = {};
  const acct: Record<string, number> = {};
  const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await app.inject({ method, url, headers: h[who], ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() };
  };
  const trail = async (): Promise<{ action: string; actorUserId: number; details: Record<string, unknown> }[]> => {
    const r = await call('admin', 'GET', '/api/v1/admin/audit?limit=100');
    expect(r.status).toBe(200);
    // the exchange's admin actions only (the setup's API tokens are audited too, as token-created)
    return (r.body.entries as { action: string; actorUserId: number; details: Record<string, unknown> }[])
      .filter((e) => e.action !== 'token-created')
      .reverse();
  };

  beforeAll(async () => {
    ctx = await createContext({ sql: await openTestDatabase() });
    app = await buildServer(ctx);
    for (const name of ['admin', 'alice']) {
      const u = await ctx.auth.register(`${name}@audit.test`, 'password1');
      if (name === 'admin') await ctx.auth.setAdmin(`${name}@audit.test`, true);
      h[name] = { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` };
      id[name] = u.id;
      acct[name] = await ctx.exchange.personalAccount(u.id);
    }
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('records who minted, created, paused, resumed, deposited, settled and closed, with the details', async () => {
    expect(
      (
        await call('admin', 'POST', '/api/v1/exchange/transfers', {
          fromAccountId: null,
          toAccountId: acct.alice,
          amount: '100',
        })
      ).status,
    ).toBe(201);
    const spot = await call('admin', 'POST', '/api/v1/exchange/markets', {
      name: 'AUDIT',
      kind: 'spot',
      tickSize: '0.01',
      lotSize: '1',
    });
    const bounded = await call('admin', 'POST', '/api/v1/exchange/markets', {
      name: 'Rain',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      maxPrice: '1',
    });
    expect([spot.status, bounded.status]).toEqual([201, 201]);
    const s = spot.body.id as number;
    const b = bounded.body.id as number;
    expect((await call('admin', 'POST', `/api/v1/exchange/markets/${s}/status`, { status: 'paused' })).status).toBe(
      200,
    );
    expect((await call('admin', 'POST', `/api/v1/exchange/markets/${s}/status`, { status: 'open' })).status).toBe(200);
    expect(
      (await call('admin', 'POST', `/api/v1/exchange/markets/${s}/deposits`, { accountId: acct.alice, size: '7' }))
        .status,
    ).toBe(201);
    expect((await call('admin', 'POST', `/api/v1/exchange/markets/${b}/settle`, { price: '0.6' })).status).toBe(200);
    expect((await call('admin', 'POST', `/api/v1/exchange/markets/${s}/status`, { status: 'closed' })).status).toBe(
      200,
    );

    const entries = await trail();
    expect(entries.map((e) => [e.action, e.actorUserId])).toEqual([
      ['cash-minted', id.admin],
      ['market-created', id.admin],
      ['market-created', id.admin],
      ['market-paused', id.admin],
      ['market-resumed', id.admin],
      ['asset-deposited', id.admin],
      ['market-settled', id.admin],
      ['market-closed', id.admin],
    ]);
    expect(entries[0]!.details).toMatchObject({ toAccountId: acct.alice, amount: '100' });
    expect(entries[3]!.details).toEqual({ marketId: s, from: 'open', to: 'paused' });
    expect(entries[5]!.details).toEqual({ marketId: s, accountId: acct.alice, size: '7' });
    expect(entries[6]!.details).toMatchObject({ marketId: b, price: '0.6' });
  });

  it('records an auction settlement, and nothing for a refused admin action or a user’s own transfer', async () => {
    const before = (await trail()).length;
    const auction = await call('alice', 'POST', '/api/v1/exchange/auctions', { title: 'Lamp', minBid: '5' });
    expect(auction.status).toBe(201);
    expect(
      (
        await call('alice', 'POST', '/api/v1/exchange/transfers', {
          fromAccountId: acct.alice,
          toAccountId: acct.admin,
          amount: '1',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('alice', 'POST', '/api/v1/exchange/transfers', {
          fromAccountId: null,
          toAccountId: acct.alice,
          amount: '1',
        })
      ).status,
    ).toBe(403);
    expect((await call('admin', 'POST', '/api/v1/exchange/markets/999/settle', { price: '0.5' })).status).toBe(404);
    const settled = await call('admin', 'POST', `/api/v1/exchange/auctions/${auction.body.id}/settle`, {
      buyerAccountId: acct.admin,
      price: '1',
    });
    expect(settled.status).toBe(200);
    const after = await trail();
    expect(after.slice(before).map((e) => [e.action, e.actorUserId, e.details])).toEqual([
      ['auction-settled', id.admin, { auctionId: auction.body.id, buyerAccountId: acct.admin, price: '1' }],
    ]);
  });
});
