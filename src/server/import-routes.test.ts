/**
 * The import routes over real HTTP on a listening server (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`):
 * a `sim` connection's history imported into the journal through `POST /api/v1/connections/:id/import`, listed by
 * `GET .../imports`; a second request while one runs is 409, another user's connection 404, a revoked key a failed
 * job whose error names the venue's reason and no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  limitOrder,
  restUser,
  spotMarket,
  startGatewayWorld,
  type GatewayWorld,
  type RestUser,
} from './binance/test-world.ts';

let w: GatewayWorld;
let market: number;
let alice: RestUser;
let bob: RestUser;
let connectionId: number;

type Json = Record<string, unknown>;

async function call(
  u: RestUser,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`http://${w.host}${path}`, {
    method,
    headers: { ...u.h, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as Json };
}

/** Polls the connection's imports until the newest has ended. */
async function lastEnded(u: RestUser, id: number): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await call(u, 'GET', `/api/v1/connections/${id}/imports`);
    const [last] = r.body.imports as Json[];
    if (last && (last.status === 'done' || last.status === 'failed')) return last;
    if (Date.now() > deadline) throw new Error(`no import ended: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

beforeAll(async () => {
  w = await startGatewayWorld();
  const admin = (await w.ctx.auth.register('admin@import-routes.test', 'password1')).id;
  await w.ctx.auth.setAdmin('admin@import-routes.test', true);
  market = await spotMarket(w.ctx, admin, { name: 'Route Tudo', symbol: 'RTEUSD', baseAsset: 'RTE' });
  alice = await restUser(w, admin, 'alice@import-routes.test', [market]);
  bob = await restUser(w, admin, 'bob@import-routes.test', [market]);
  // alice: short 1 @ 50 would be a sale of held coins on spot; she buys 3 @ 50 and sells them @ 52.5
  await limitOrder(w.ctx, bob, market, 'sell', '50', '3');
  await limitOrder(w.ctx, alice, market, 'buy', '50', '3');
  await limitOrder(w.ctx, bob, market, 'buy', '52.5', '3');
  await limitOrder(w.ctx, alice, market, 'sell', '52.5', '3');
  const c = await call(alice, 'POST', '/api/v1/connections', {
    venue: 'sim',
    label: 'Sim',
    credentials: { apiKey: alice.apiKey, secret: alice.secret },
    import: false,
  });
  if (c.status !== 201) throw new Error(`connection: ${c.status} ${JSON.stringify(c.body)}`);
  connectionId = c.body.id as number;
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('import routes', () => {
  it('queues an import (202), refuses a second while it runs (409) and lists it done with its trade', async () => {
    const r = await call(alice, 'POST', `/api/v1/connections/${connectionId}/import`, { days: 2 });
    expect(r.status).toBe(202);
    expect(r.body.import).toMatchObject({ connectionId, status: 'queued', fillsSeen: 0, error: null });
    const again = await call(alice, 'POST', `/api/v1/connections/${connectionId}/import`);
    expect([again.status, (again.body.error as Json).code]).toEqual([409, 'import-running']);
    const done = await lastEnded(alice, connectionId);
    expect(done).toMatchObject({
      id: (r.body.import as Json).id,
      status: 'done',
      fillsSeen: 2,
      fillsNew: 2,
      tradesCreated: 1,
    });
    const trades = await call(alice, 'GET', '/api/v1/trades?limit=10');
    expect(trades.body.trades).toEqual([
      expect.objectContaining({
        symbol: 'RTE/USD',
        side: 'buy',
        source: 'import',
        connectionId,
        decisionId: null,
        qty: '3',
        entryFillPrice: '50',
        exitPrice: '52.5',
        netPnl: '7.5',
        rMultiple: null,
        tags: ['imported'],
      }),
    ]);
    // the same window again adds nothing
    expect((await call(alice, 'POST', `/api/v1/connections/${connectionId}/import`, { days: 2 })).status).toBe(202);
    expect(await lastEnded(alice, connectionId)).toMatchObject({ status: 'done', fillsNew: 0, tradesCreated: 0 });
    const list = await call(alice, 'GET', `/api/v1/connections/${connectionId}/imports`);
    expect((list.body.imports as Json[]).map((i) => i.status)).toEqual(['done', 'done']);
  });

  it("answers 404 for another user's connection, 422 for a disabled one and 400 for a bad window", async () => {
    for (const [method, path] of [
      ['POST', `/api/v1/connections/${connectionId}/import`],
      ['GET', `/api/v1/connections/${connectionId}/imports`],
    ] as const) {
      const r = await call(bob, method, path);
      expect([r.status, (r.body.error as Json).code]).toEqual([404, 'connection-not-found']);
    }
    expect((await call(alice, 'POST', `/api/v1/connections/${connectionId}/disable`)).status).toBe(200);
    const off = await call(alice, 'POST', `/api/v1/connections/${connectionId}/import`);
    expect([off.status, (off.body.error as Json).code]).toEqual([422, 'connection-disabled']);
    expect((await call(alice, 'POST', `/api/v1/connections/${connectionId}/enable`)).status).toBe(200);
    for (const days of [0, 366, 1.5])
      expect((await call(alice, 'POST', `/api/v1/connections/${connectionId}/import`, { days })).status).toBe(400);
  });

  it("ends failed with the venue's reason, never the secret, when the key was revoked", async () => {
    const keys = await call(alice, 'GET', `/api/v1/exchange/accounts/${alice.account}/api-keys`);
    const key = (keys.body.keys as Json[]).find((k) => k.apiKey === alice.apiKey)!;
    const del = await call(alice, 'DELETE', `/api/v1/exchange/accounts/${alice.account}/api-keys/${String(key.id)}`);
    expect(del.status).toBe(200);
    expect((await call(alice, 'POST', `/api/v1/connections/${connectionId}/import`, { days: 1 })).status).toBe(202);
    const failed = await lastEnded(alice, connectionId);
    expect(failed.status).toBe('failed');
    expect(String(failed.error)).toMatch(/\S/);
    expect(String(failed.error)).not.toContain(alice.secret);
    expect(String(failed.error)).not.toContain(alice.apiKey);
  });
});
