/**
 * Security of the Binance-compatible gateway, as an attacker probes it, over real HTTP on a real database (PGlite,
 * or PostgreSQL with TESTUDO_TEST_DB=postgres): only signed parameters act, malformed numbers answer Binance's codes
 * (never a 500), and a key reaches only its own account's order lists.
 *
 * Market TUDO/USD: tick 0.01, lot 0.1. Alice gets 10,000 USD and 100 TUDO.
 */
process.env.TESTUDO_SECRET_KEY ??= '11'.repeat(32);

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../app/context.ts';
import type { Sql } from '../../db/sql.ts';
import { gatewayOf } from './plugin.ts';
import { hmacHex } from './signing.ts';
import {
  countRows as countRowsIn,
  restUser,
  signedFetch,
  spotMarket,
  startGatewayWorld,
  type GatewayWorld,
  type Json,
  type RestUser,
} from './test-world.ts';

type User = RestUser;

let w: GatewayWorld;
let sql: Sql;
let ctx: AppContext;
let base: string;
let adminId: number;
let alice: User;
let tudo: number;

const user = (email: string): Promise<User> => restUser(w, adminId, email, [tudo]);

beforeAll(async () => {
  w = await startGatewayWorld();
  ({ sql, ctx } = w);
  base = `http://${w.host}/binance`;
  adminId = (await ctx.auth.register('admin@gw.test', 'password1')).id;
  await ctx.auth.setAdmin('admin@gw.test', true);
  tudo = await spotMarket(ctx, adminId, { name: 'Tudo', symbol: 'TUDOUSD', baseAsset: 'TUDO' });
  alice = await user('alice@gw.test');
}, 60_000);

afterAll(async () => {
  await w?.close();
});

/** A signed request as a plain client sends it (query string, form body). */
const signed = (
  u: Pick<User, 'apiKey' | 'secret'>,
  method: string,
  path: string,
  params: Record<string, string>,
  o: Parameters<typeof signedFetch>[5] = {},
): ReturnType<typeof signedFetch> => signedFetch(w, u, method, path, params, o);

const countRows = (table: string): Promise<number> => countRowsIn(sql, table);

/** A request signed over its query string only, with whatever body and content type the attacker adds. */
async function querySigned(
  u: Pick<User, 'apiKey' | 'secret'>,
  method: string,
  path: string,
  params: Record<string, string>,
  body: { text: string; contentType: string },
): Promise<{ status: number; body: Json }> {
  const q = new URLSearchParams({ ...params, timestamp: String(gatewayOf(ctx).now()) }).toString();
  const r = await fetch(`${base}${path}?${q}&signature=${hmacHex(u.secret, q)}`, {
    method,
    headers: { 'X-MBX-APIKEY': u.apiKey, 'content-type': body.contentType },
    body: body.text,
  });
  return { status: r.status, body: (await r.json()) as Json };
}

const LIMIT_BUY = { symbol: 'TUDOUSD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '1' };

describe('only signed parameters act', () => {
  it('a body the signature does not cover (JSON, plain text) is refused and places nothing', async () => {
    const before = await countRows('ex_orders');
    for (const body of [
      { text: JSON.stringify({ quantity: '7', price: '2' }), contentType: 'application/json' },
      { text: 'quantity=3', contentType: 'text/plain' },
    ]) {
      const r = await querySigned(alice, 'POST', '/api/v3/order', LIMIT_BUY, body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe(-1100);
    }
    expect(await countRows('ex_orders')).toBe(before);
  });
});

describe('malformed signatures answer -1022, never a 500', () => {
  it('a signature with broken percent-encoding, in the query or the form body', async () => {
    const q = new URLSearchParams({ symbol: 'TUDOUSD', timestamp: String(gatewayOf(ctx).now()) }).toString();
    for (const sig of ['%E0%A4%A', '%ZZ', '%']) {
      const inQuery = await fetch(`${base}/api/v3/openOrders?${q}&signature=${sig}`, {
        headers: { 'X-MBX-APIKEY': alice.apiKey },
      });
      expect(inQuery.status, sig).toBe(400);
      expect(((await inQuery.json()) as Json).code).toBe(-1022);
      const inBody = await fetch(`${base}/api/v3/order`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': alice.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
        body: `${q}&signature=${sig}`,
      });
      expect(inBody.status, sig).toBe(400);
      expect(((await inBody.json()) as Json).code).toBe(-1022);
    }
  });
});

describe('numbers out of range answer Binance codes, never a 500', () => {
  it('more decimals than the exchange keeps (12) is -1111 for quantity, price, stopPrice and quoteOrderQty', async () => {
    const cases: Record<string, string>[] = [
      { ...LIMIT_BUY, quantity: '0.00000000000000000001' },
      { ...LIMIT_BUY, quantity: '99999999999999999999.99999999999999999999' },
      { ...LIMIT_BUY, price: '0.0000000000001' },
      { symbol: 'TUDOUSD', side: 'BUY', type: 'MARKET', quoteOrderQty: '0.000000000000000001' },
      { symbol: 'TUDOUSD', side: 'SELL', type: 'STOP_LOSS', quantity: '1', stopPrice: '1.0000000000001' },
    ];
    for (const c of cases) {
      const r = await signed(alice, 'POST', '/api/v3/order', c);
      expect(r.status, JSON.stringify([c, r.body])).toBe(400);
      expect(r.body.code).toBe(-1111);
    }
  });
});

describe('times beyond what a date holds answer -1100, never a 500', () => {
  it('startTime or endTime of 9999999999999999 ms on klines, aggTrades, allOrders and myTrades', async () => {
    for (const path of [
      '/api/v3/klines?symbol=TUDOUSD&interval=1m&startTime=9999999999999999',
      '/api/v3/klines?symbol=TUDOUSD&interval=1m&endTime=9999999999999999',
      '/api/v3/aggTrades?symbol=TUDOUSD&startTime=9999999999999999',
    ]) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(400);
      expect(((await r.json()) as Json).code).toBe(-1100);
    }
    for (const path of ['/api/v3/allOrders', '/api/v3/myTrades']) {
      const r = await signed(alice, 'GET', path, { symbol: 'TUDOUSD', startTime: '9999999999999999' });
      expect(r.status, JSON.stringify([path, r.body])).toBe(400);
      expect(r.body.code).toBe(-1100);
    }
  });
});

describe('a key reaches only its own account', () => {
  it("a market restricted to another account of the key's user is an unknown symbol to the key, and unlisted", async () => {
    const other = (await ctx.exchange.createAltAccount(alice.id, 'alice restricted')).id as number;
    await ctx.exchange.createMarket(adminId, {
      name: 'Alice Other Only',
      kind: 'spot',
      tickSize: '0.01',
      lotSize: '0.1',
      symbol: 'AOOUSD',
      baseAsset: 'AOO',
      quoteAsset: 'USD',
      visibleTo: [other],
    } as Parameters<typeof ctx.exchange.createMarket>[1]);
    for (const [method, path, params] of [
      ['GET', '/api/v3/openOrders', { symbol: 'AOOUSD' }],
      ['GET', '/api/v3/allOrders', { symbol: 'AOOUSD' }],
      ['POST', '/api/v3/order', { symbol: 'AOOUSD', side: 'BUY', type: 'MARKET', quoteOrderQty: '10' }],
      [
        'POST',
        '/api/v3/order',
        { symbol: 'AOOUSD', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '1' },
      ],
    ] as const) {
      const r = await signed(alice, method, path, params);
      expect(r.status, JSON.stringify([path, params, r.body])).toBe(400);
      expect(r.body.code).toBe(-1121);
    }
    const fees = await signed(alice, 'GET', '/sapi/v1/asset/tradeFee', {});
    expect(JSON.stringify(fees.body)).not.toContain('AOO');
    const account = await signed(alice, 'GET', '/api/v3/account', {});
    expect(account.status).toBe(200);
    expect(JSON.stringify(account.body)).not.toContain('AOO');
  });

  it("an order list of another account of the same user is neither shown nor cancelled by the key's orderListId", async () => {
    const other = (await ctx.exchange.createAltAccount(alice.id, 'alice other')).id as number;
    await ctx.exchange.depositAsset(tudo, other, '10');
    const placed = (await ctx.exchange.placeOco(alice.id, {
      accountId: other,
      marketId: tudo,
      side: 'sell',
      size: '1',
      above: { type: 'limit', price: '50', tif: 'GTC' },
      below: { type: 'stop-market', stopPrice: '1' },
    })) as unknown as { list: { id: number } };
    const listId = String(placed.list.id);
    const q = await signed(alice, 'GET', '/api/v3/orderList', { orderListId: listId });
    expect(q.status, JSON.stringify(q.body)).toBe(400);
    expect(q.body.code).toBe(-2013);
    const d = await signed(alice, 'DELETE', '/api/v3/orderList', { symbol: 'TUDOUSD', orderListId: listId });
    expect(d.status, JSON.stringify(d.body)).toBe(400);
    expect(d.body.code).toBe(-2011);
    const still = (await ctx.exchange.orderList(alice.id, placed.list.id)) as unknown as { list: { status: string } };
    expect(still.list.status).not.toMatch(/done|cancel/i);
  });
});
