/**
 * Every exchange and auction route declares its success reply (so the server checks it and the Desk's generated
 * types know it), and the declared schemas keep every field the services send (zod objects would strip unknown
 * keys): a whole order round trip through the real server keeps the fields the services build.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';

let sql: Sql;
let ctx: AppContext;
let app: FastifyInstance;

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  app = await buildServer(ctx);
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await sql?.close();
});

describe('exchange response schemas', () => {
  it('are declared for the success code of every exchange and auction route', () => {
    const doc = app.swagger() as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    const missing: string[] = [];
    let routes = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/exchange')) continue;
      for (const [method, op] of Object.entries(ops)) {
        routes++;
        const ok = Object.entries(op.responses ?? {}).find(([code]) => code.startsWith('2'));
        const schema = (ok?.[1] as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
          'application/json'
        ]?.schema;
        if (!schema) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(routes).toBeGreaterThanOrEqual(23);
    expect(missing).toEqual([]);
  });

  it('keep every field of the replies (nothing stripped by the serializer)', async () => {
    const admin = await ctx.auth.register('schema-admin@test', 'password1');
    await ctx.auth.setAdmin('schema-admin@test', true);
    const h = { authorization: `Bearer ${await ctx.auth.createApiToken(admin.id, 't')}` };
    const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) => {
      const r = await app.inject({
        method,
        url: `/api/v1/exchange${url}`,
        headers: h,
        ...(payload ? { payload } : {}),
      });
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
      return r.json();
    };
    const m = await call('POST', '/markets', {
      name: 'Schema',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      maxPrice: '1',
    });
    const account = (await call('GET', '/accounts')).accounts[0].id;
    await call('POST', '/transfers', { fromAccountId: null, toAccountId: account, amount: '10' });
    const placed = await call('POST', '/orders', { marketId: m.id, side: 'buy', size: '2', price: '0.3' });
    expect(Object.keys(placed.order).sort()).toEqual(
      [
        'id',
        'marketId',
        'accountId',
        'side',
        'type',
        'price',
        'stopPrice',
        'size',
        'remaining',
        'filled',
        'tif',
        'postOnly',
        'stp',
        'status',
        'clientOrderId',
        'listId',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
    expect(placed.events[0]).toMatchObject({
      type: 'accepted',
      account,
      side: 'buy',
      orderType: 'limit',
      pending: false,
    });
    const book = await call('GET', `/markets/${m.id}`);
    expect(book.book.bids).toEqual([{ price: '0.3', size: '2', orders: 1 }]);
    expect(book).toMatchObject({ hideAccounts: false, restricted: false, bestBid: '0.3', bestAsk: null });
    const amended = await call('PATCH', `/orders/${placed.order.id}`, { size: '1' });
    expect(amended.events[0]).toMatchObject({ type: 'amended', priorityKept: true, remaining: '1' });
  });
});
