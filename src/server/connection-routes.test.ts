/**
 * `/api/v1/connections` over real HTTP against a listening server whose own Binance gateway is the `sim` venue (its
 * URL learnt from the server's `onListen`), on PGlite or PostgreSQL (`TESTUDO_TEST_DB=postgres`). The server's log
 * is captured at trace level and grepped: no API key or secret may ever appear in it or in a response body.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';
import { restUser, spotMarket, type GatewayWorld, type RestUser } from './binance/test-world.ts';

/** A JSON body, loosely typed (the shapes are asserted by the tests). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

let w: GatewayWorld;
let alice: RestUser;
let bob: RestUser;
const logLines: string[] = [];
const bodies: string[] = [];

/** A JSON request as the Desk sends it; every response body is kept for the grep. */
async function call(
  u: RestUser | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  const r = await fetch(`http://${w.host}${path}`, {
    method,
    headers: {
      ...(u ? u.h : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  bodies.push(text);
  return { status: r.status, body: text ? (JSON.parse(text) as Body) : {} };
}

const sim = (u: RestUser, label: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  venue: 'sim',
  label,
  credentials: { apiKey: u.apiKey, secret: u.secret },
  import: false,
  ...extra,
});

beforeAll(async () => {
  process.env.TESTUDO_SECRET_KEY ??= randomBytes(32).toString('hex');
  const sql = await openTestDatabase();
  const ctx = await createContext({ sql });
  const app = await buildServer(ctx, {
    logger: { level: 'trace', stream: { write: (s: string) => void logLines.push(s) } },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  w = {
    sql,
    ctx,
    app,
    host: `127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      await app.close();
      await ctx.close();
      await sql.close();
    },
  };
  const admin = (await ctx.auth.register('admin@routes.test', 'password1')).id;
  await ctx.auth.setAdmin('admin@routes.test', true);
  const m = await spotMarket(ctx, admin, { name: 'Route Tudo', symbol: 'RTUDOUSD', baseAsset: 'RTUDO' });
  alice = await restUser(w, admin, 'alice@routes.test', [m]);
  bob = await restUser(w, admin, 'bob@routes.test', [m]);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('/api/v1/connections', () => {
  let id: number;

  it('needs a login', async () => {
    expect((await call(null, 'GET', '/api/v1/connections')).status).toBe(401);
    expect((await call(null, 'POST', '/api/v1/connections', sim(alice, 'x'))).status).toBe(401);
  });

  it('creates a sim connection on this server’s own gateway (201), never echoing credentials', async () => {
    const r = await call(alice, 'POST', '/api/v1/connections', sim(alice, 'Sim'));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      venue: 'sim',
      exchange: 'testudo',
      label: 'Sim',
      status: 'active',
      currency: 'USD',
    });
    expect(r.body).not.toHaveProperty('credentials');
    id = r.body.id as number;
    const [a] = await w.sql.query('SELECT balance FROM accounts WHERE id = $1', [r.body.accountId]);
    expect(Number(a!.balance)).toBe(10000);
  });

  it('lists, gets, tests and lists the markets of the owner’s connection', async () => {
    const l = await call(alice, 'GET', '/api/v1/connections');
    expect(l.status).toBe(200);
    expect(l.body.connections).toEqual([expect.objectContaining({ id, label: 'Sim', breaker: 'closed' })]);
    expect((await call(alice, 'GET', `/api/v1/connections/${id}`)).body).toMatchObject({ id, lastError: null });
    const t = await call(alice, 'POST', `/api/v1/connections/${id}/test`);
    expect(t.status).toBe(200);
    expect(t.body.ok).toBe(true);
    expect(t.body.balances).toContainEqual(expect.objectContaining({ asset: 'USD' }));
    const m = await call(alice, 'GET', `/api/v1/connections/${id}/markets`);
    expect(m.status).toBe(200);
    expect(m.body.markets).toContainEqual({
      symbol: 'RTUDO/USD',
      type: 'spot',
      tickSize: '0.01',
      lotSize: '0.1',
      minQty: expect.any(String),
      minNotional: expect.any(String),
      makerFee: '0',
      takerFee: '0',
      active: true,
    });
  });

  it('answers 404 connection-not-found to another user, for every route', async () => {
    for (const [method, path] of [
      ['GET', `/api/v1/connections/${id}`],
      ['POST', `/api/v1/connections/${id}/test`],
      ['POST', `/api/v1/connections/${id}/disable`],
      ['POST', `/api/v1/connections/${id}/enable`],
      ['GET', `/api/v1/connections/${id}/markets`],
      ['DELETE', `/api/v1/connections/${id}`],
    ] as const) {
      const r = await call(bob, method, path);
      expect([method, path, r.status, r.body.error?.code]).toEqual([method, path, 404, 'connection-not-found']);
    }
    expect((await call(bob, 'GET', '/api/v1/connections')).body).toEqual({ connections: [] });
  });

  it('answers 400 with field codes for bad input, before any venue call', async () => {
    const a = await call(alice, 'POST', '/api/v1/connections', {
      venue: 'paper',
      credentials: { apiKey: 'k', token: 't' },
    });
    expect(a.status).toBe(400);
    expect(a.body.error.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'venue', code: 'invalid-value' }),
        expect.objectContaining({ field: 'label', code: 'required' }),
        expect.objectContaining({ field: 'credentials.token', code: 'unknown-field' }),
      ]),
    );
    const b = await call(alice, 'POST', '/api/v1/connections', {
      venue: 'ccxt',
      label: 'Binance',
      baseUrl: 'http://10.0.0.1:8080',
      credentials: { apiKey: alice.apiKey },
    });
    expect(b.status).toBe(400);
    expect(b.body.error.fields.map((f: { field: string; code: string }) => [f.field, f.code])).toEqual([
      ['exchange', 'required'],
      ['baseUrl', 'base-url-not-allowed'],
      ['credentials.secret', 'required'],
    ]);
    const dup = await call(alice, 'POST', '/api/v1/connections', sim(alice, 'Sim'));
    expect([dup.status, dup.body.error.code]).toEqual([409, 'connection-label-taken']);
  });

  it('answers 422 invalid-credentials for a wrong secret and stores nothing', async () => {
    const before = (await call(alice, 'GET', '/api/v1/connections')).body.connections.length;
    const r = await call(
      alice,
      'POST',
      '/api/v1/connections',
      sim(alice, 'Wrong', { credentials: { apiKey: alice.apiKey, secret: bob.secret } }),
    );
    expect([r.status, r.body.error.code]).toEqual([422, 'invalid-credentials']);
    expect((await call(alice, 'GET', '/api/v1/connections')).body.connections).toHaveLength(before);
  });

  it('disables (venue calls refused with 422), enables, and deletes (204, then 404)', async () => {
    expect((await call(alice, 'POST', `/api/v1/connections/${id}/disable`)).body.status).toBe('disabled');
    const m = await call(alice, 'GET', `/api/v1/connections/${id}/markets`);
    expect([m.status, m.body.error.code]).toEqual([422, 'connection-disabled']);
    expect((await call(alice, 'POST', `/api/v1/connections/${id}/enable`)).body.status).toBe('active');
    expect((await call(alice, 'GET', `/api/v1/connections/${id}/markets`)).status).toBe(200);
    expect((await call(alice, 'DELETE', `/api/v1/connections/${id}`)).status).toBe(204);
    expect((await call(alice, 'GET', `/api/v1/connections/${id}`)).status).toBe(404);
  });

  it('is in the OpenAPI document, without any credentials in a response schema', async () => {
    const doc = (await call(null, 'GET', '/api/v1/openapi.json')).body;
    for (const p of [
      '/api/v1/connections',
      '/api/v1/connections/{id}',
      '/api/v1/connections/{id}/test',
      '/api/v1/connections/{id}/disable',
      '/api/v1/connections/{id}/enable',
      '/api/v1/connections/{id}/markets',
    ])
      expect(doc.paths).toHaveProperty([p]);
    const created = doc.paths['/api/v1/connections'].post.responses['201'];
    expect(JSON.stringify(created)).not.toMatch(/apiKey|secret|privateKey/);
  });

  it('never writes an API key or secret to the log or a response body', () => {
    const log = logLines.join('');
    expect(log).toContain('/api/v1/connections'); // the log did record the requests
    expect(log).toContain('"statusCode":422');
    expect(log).toContain('/binance/api/v3/account'); // and the sim venue's signed calls to the gateway
    const all = log + bodies.join('\n');
    for (const s of [alice.apiKey, alice.secret, bob.apiKey, bob.secret]) expect(all).not.toContain(s);
  });
});
