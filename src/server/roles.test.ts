/**
 * Roles over the real server and database: market creation and the other market admin actions, replay control,
 * minting, deposits, settlement (markets and auctions), candle imports and user management are admin-only. Each is
 * tried as a trader's session (403 forbidden, nothing changes), as an admin's API token without the `admin` scope
 * (403: `insufficient-scope`, or `forbidden` where the service itself checks the role), anonymously (401) and as an
 * admin (allowed: neither 401 nor 403). An admin grants and revokes admin, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openClockWorld, signUp, type Client, type ClockWorld } from './journal-test-world.ts';

interface ErrorBody {
  error?: { code: string };
}

let w: ClockWorld;
let admin: Client;
let trader: Client;
let adminPlain: Record<string, string>;
let adminFull: Record<string, string>;
let marketId: number;
let traderAccount: number;

beforeAll(async () => {
  w = await openClockWorld(Date.UTC(2024, 0, 2, 12));
  admin = await signUp(w, 'roles-admin', true);
  trader = await signUp(w, 'roles-trader');
  const plain = await admin.call<{ token: string }>('POST', '/auth/tokens', { scopes: ['read', 'trade'] });
  const full = await admin.call<{ token: string }>('POST', '/auth/tokens', { scopes: ['read', 'trade', 'admin'] });
  adminPlain = { authorization: `Bearer ${plain.body.token}` };
  adminFull = { authorization: `Bearer ${full.body.token}` };
  const m = await admin.call<{ id: number }>('POST', '/exchange/markets', {
    name: 'Roles',
    kind: 'bounded',
    tickSize: '0.01',
    lotSize: '1',
    maxPrice: '1',
  });
  expect(m.status).toBe(201);
  marketId = m.body.id;
  traderAccount = await w.ctx.exchange.personalAccount(trader.id);
});
afterAll(async () => {
  await w.close();
});

describe('admin-only actions', () => {
  it('refuse a trader (forbidden), an admin token without the admin scope and nobody; an admin passes', async () => {
    const routes: [string, string, unknown?][] = [
      ['POST', '/exchange/markets', { name: 'X', kind: 'bounded', tickSize: '0.01', lotSize: '1', maxPrice: '1' }],
      ['POST', `/exchange/markets/${marketId}/status`, { status: 'paused' }],
      ['POST', `/exchange/markets/${marketId}/deposits`, { accountId: traderAccount, size: '1' }],
      ['POST', '/exchange/transfers', { fromAccountId: null, toAccountId: traderAccount, amount: '5' }],
      ['POST', '/replay/pause'],
      ['POST', '/replay/resume'],
      ['POST', '/replay/step', { bars: 1 }],
      ['POST', '/replay/seek', { time: '2024-01-02T00:00:00Z' }],
      ['PUT', '/replay/speed', { barsPerSecond: 10 }],
      ['POST', '/exchange/auctions/999999/settle', { buyerAccountId: traderAccount, price: '1' }],
      ['GET', '/admin/users'],
      ['POST', `/admin/users/${trader.id}/admin`, { admin: false }],
      ['GET', '/admin/risk-ceilings'],
      ['GET', '/admin/audit'],
      ['GET', '/candles/imports/00000000-0000-4000-8000-000000000000'],
      ['POST', `/exchange/markets/${marketId}/settle`, { price: '1' }],
    ];
    for (const [method, path, payload] of routes) {
      const what = `${method} ${path}`;
      const t = await trader.call<ErrorBody>(method, path, payload);
      expect([what, t.status, t.body?.error?.code]).toEqual([what, 403, 'forbidden']);
      const p = await call<ErrorBody>(w, method, path, { payload, headers: adminPlain });
      expect([what, p.status]).toEqual([what, 403]);
      expect(['insufficient-scope', 'forbidden'], what).toContain(p.body?.error?.code);
      const anon = await call<ErrorBody>(w, method, path, { payload });
      expect([what, anon.status]).toEqual([what, 401]);
      const ok = await call<ErrorBody>(w, method, path, { payload, headers: adminFull });
      expect([what, ok.status, ok.body?.error?.code]).not.toEqual([what, 403, expect.anything()]);
      expect([what, ok.status]).not.toEqual([what, 401]);
    }
  });

  it('the candle upload is refused before its body is read', async () => {
    for (const headers of [trader.headers, adminPlain]) {
      const r = await w.app.inject({
        method: 'POST',
        url: '/api/v1/candles/import?symbol=BTC-USD',
        headers: { ...headers, 'content-type': 'text/csv' },
        payload: 'time,open,high,low,close,volume\n',
      });
      expect(r.statusCode).toBe(403);
    }
  });

  it('an admin grants and revokes admin, audited; the grant takes effect at once', async () => {
    const other = await signUp(w, 'roles-other');
    expect((await other.call('GET', '/admin/users')).status).toBe(403);
    const g = await admin.call<{ user: { isAdmin: boolean } }>('POST', `/admin/users/${other.id}/admin`, {
      admin: true,
    });
    expect(g.body.user.isAdmin).toBe(true);
    expect((await other.call('GET', '/admin/users')).status).toBe(200);
    await admin.call('POST', `/admin/users/${other.id}/admin`, { admin: false });
    expect((await other.call('GET', '/admin/users')).status).toBe(403);
    const a = await admin.call<{ entries: { action: string; actorUserId: number }[] }>(
      'GET',
      `/admin/audit?subject=${other.id}`,
    );
    expect(a.body.entries.map((e) => [e.action, e.actorUserId])).toEqual([
      ['admin-revoked', admin.id],
      ['admin-granted', admin.id],
    ]);
  });
});
