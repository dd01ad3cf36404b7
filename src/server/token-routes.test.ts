/**
 * API tokens over the real server and database: scopes (default read+trade; admin only for admins; a token hands
 * out only what it has), the scope each method needs (403 insufficient-scope naming it), the admin scope and a
 * demoted admin, expiry, last use (written at most once a minute), listing and revoking by id (another user's id:
 * 404), a token made with a token revoked with it (transitively), and the audit entries of creating and revoking.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_USE_WRITE_MS, type ApiTokenView, type IssuedApiToken } from '../app/api-tokens.ts';
import type { AuditEntry } from '../app/journal-audit.ts';
import { call, openClockWorld, signUp, type Client, type ClockWorld, type ErrorBody } from './journal-test-world.ts';
import { TestWebSocket } from './ws-test-client.ts';

/** `GET /admin/audit`. */
interface AuditBody {
  entries: AuditEntry[];
}

/** Sends one request over `/ws/exchange` with `token` and resolves with its answer. */
async function wsRequest(base: string, token: string, msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  const ws = new TestWebSocket(`ws://${base}/ws/exchange?token=${token}`);
  try {
    return await new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as Record<string, unknown>;
        if (m.request_id === msg.request_id) resolve(m);
      });
      ws.on('open', () => ws.send(JSON.stringify(msg)));
      setTimeout(() => reject(new Error('no answer on /ws/exchange')), 10_000);
    });
  } finally {
    ws.close();
  }
}

let w: ClockWorld;
let admin: Client;
let trader: Client;
const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  w = await openClockWorld(Date.UTC(2024, 0, 2, 12));
  admin = await signUp(w, 'tok-admin', true);
  trader = await signUp(w, 'tok-trader');
});
afterAll(async () => {
  await w.close();
});

async function mint(c: Client, body: object): Promise<IssuedApiToken> {
  const r = await c.call<IssuedApiToken>('POST', '/auth/tokens', body);
  if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe('creating tokens', () => {
  it('defaults to read and trade, shows the secret once and stores only its hash', async () => {
    const t = await mint(trader, { name: 'bot' });
    expect(t).toMatchObject({ name: 'bot', scopes: ['read', 'trade'], expiresAt: null, lastUsedAt: null });
    expect(t.token).toMatch(/^tdo_[A-Za-z0-9_-]{43}$/);
    const rows = await w.sql.query('SELECT token_hash FROM auth_tokens WHERE id = $1', [t.id]);
    expect(String(rows[0]!.token_hash)).toMatch(/^[0-9a-f]{64}$/);
    expect(String(rows[0]!.token_hash)).not.toContain(t.token.slice(4));
    const list = await trader.call<{ tokens: ApiTokenView[] }>('GET', '/auth/tokens');
    expect(list.body.tokens.find((x) => x.id === t.id)).not.toHaveProperty('token');
  });

  it('gives admin only to admins, and a token only what it has itself', async () => {
    const denied = await trader.call<ErrorBody>('POST', '/auth/tokens', { scopes: ['read', 'admin'] });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('insufficient-scope');
    expect(denied.body.error.message).toContain('admin');
    const a = await mint(admin, { name: 'ops', scopes: ['admin', 'read', 'read'] });
    expect(a.scopes).toEqual(['read', 'admin']);
    // an admin's read+trade token cannot make an admin token, but can make a read token
    const rt = await mint(admin, { scopes: ['read', 'trade'] });
    const up = await call<ErrorBody>(w, 'POST', '/auth/tokens', {
      headers: bearer(rt.token),
      payload: { scopes: ['admin'] },
    });
    expect(up.status).toBe(403);
    expect(up.body.error.code).toBe('insufficient-scope');
    const down = await call<IssuedApiToken>(w, 'POST', '/auth/tokens', {
      headers: bearer(rt.token),
      payload: { scopes: ['read'] },
    });
    expect(down.status).toBe(201);
    expect(down.body.scopes).toEqual(['read']);
    // with no scopes given, a token's default is read+trade cut to its own scopes
    const tradeOnly = await mint(trader, { scopes: ['trade'] });
    const def = await call<IssuedApiToken>(w, 'POST', '/auth/tokens', {
      headers: bearer(tradeOnly.token),
      payload: {},
    });
    expect(def.status).toBe(201);
    expect(def.body.scopes).toEqual(['trade']);
  });

  it('refuses bad scopes and expiries with 400 validation-failed', async () => {
    for (const body of [
      { scopes: [] },
      { scopes: ['root'] },
      { expiresInDays: 0 },
      { expiresInDays: 3651 },
      { expiresInDays: 1.5 },
      { expiresAt: '2001-01-01T00:00:00Z' },
      { expiresAt: '2999-01-01T00:00:00Z' },
      { expiresAt: 'tomorrow' },
      { expiresInDays: 2, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      { name: '' },
      { name: 'x'.repeat(81) },
    ]) {
      const r = await trader.call<ErrorBody>('POST', '/auth/tokens', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation-failed');
    }
  });
});

describe('a token making a token', () => {
  it('cannot make one that outlives it: no expiry inherits its own, a later one is 400 after-caller-token', async () => {
    const short = await mint(trader, { name: 'short', expiresInDays: 1 });
    const child = await call<IssuedApiToken>(w, 'POST', '/auth/tokens', {
      headers: bearer(short.token),
      payload: { name: 'child' },
    });
    expect(child.status).toBe(201);
    expect(child.body.expiresAt).toBe(short.expiresAt);
    const later = await call<ErrorBody>(w, 'POST', '/auth/tokens', {
      headers: bearer(short.token),
      payload: { name: 'later', expiresInDays: 30 },
    });
    expect(later.status).toBe(400);
    expect(later.body.error.fields).toEqual([
      expect.objectContaining({ field: 'expiresAt', code: 'after-caller-token' }),
    ]);
    const sooner = await call<IssuedApiToken>(w, 'POST', '/auth/tokens', {
      headers: bearer(short.token),
      payload: { name: 'sooner', expiresAt: new Date(Date.parse(short.expiresAt!) - 3_600_000).toISOString() },
    });
    expect(sooner.status).toBe(201);
    // a session (or a token that never expires) is not capped
    const forever = await mint(trader, { name: 'forever' });
    const free = await call<IssuedApiToken>(w, 'POST', '/auth/tokens', {
      headers: bearer(forever.token),
      payload: { name: 'free' },
    });
    expect(free.body.expiresAt).toBeNull();
  });

  it('is revoked with it, transitively, each audited token-revoked; revoking a child leaves its parent working', async () => {
    const me = (t: string) => call(w, 'GET', '/auth/me', { headers: bearer(t) });
    const parent = await mint(trader, { name: 'parent' });
    const madeWith = async (t: string, name: string): Promise<IssuedApiToken> => {
      const r = await call<IssuedApiToken>(w, 'POST', '/auth/tokens', { headers: bearer(t), payload: { name } });
      expect(r.status).toBe(201);
      return r.body;
    };
    const child = await madeWith(parent.token, 'child');
    const grandchild = await madeWith(child.token, 'grandchild');
    const sibling = await madeWith(parent.token, 'sibling');
    const unrelated = await mint(trader, { name: 'unrelated' });

    expect((await trader.call('DELETE', `/auth/tokens/${sibling.id}`)).status).toBe(204);
    expect((await me(sibling.token)).status).toBe(401);
    for (const t of [parent, child, grandchild]) expect((await me(t.token)).status).toBe(200);

    expect((await trader.call('DELETE', `/auth/tokens/${parent.id}`)).status).toBe(204);
    for (const t of [parent, child, grandchild]) {
      const r = await call<ErrorBody>(w, 'GET', '/auth/me', { headers: bearer(t.token) });
      expect(r.status, t.name).toBe(401);
    }
    expect((await me(unrelated.token)).status).toBe(200);
    const ids = (await trader.call<{ tokens: ApiTokenView[] }>('GET', '/auth/tokens')).body.tokens.map((t) => t.id);
    expect(ids).toContain(unrelated.id);
    for (const t of [parent, child, grandchild, sibling]) expect(ids).not.toContain(t.id);
    expect((await trader.call('DELETE', `/auth/tokens/${child.id}`)).status).toBe(404);

    const admins = await mint(admin, { scopes: ['read', 'admin'] });
    const audit = await call<AuditBody>(w, 'GET', `/admin/audit?subject=${trader.id}&limit=500`, {
      headers: bearer(admins.token),
    });
    const revoked = (id: number) =>
      audit.body.entries.filter((e) => e.action === 'token-revoked' && e.details.id === id);
    expect(revoked(parent.id)).toEqual([
      expect.objectContaining({ actorUserId: trader.id, details: { id: parent.id, name: 'parent' } }),
    ]);
    expect(revoked(child.id)).toEqual([
      expect.objectContaining({
        actorUserId: trader.id,
        details: { id: child.id, name: 'child', parentId: parent.id, revokedWith: parent.id },
      }),
    ]);
    expect(revoked(grandchild.id)).toEqual([
      expect.objectContaining({
        details: { id: grandchild.id, name: 'grandchild', parentId: child.id, revokedWith: parent.id },
      }),
    ]);
  });

  it('cannot make a token once the token making it is revoked (401 unauthenticated, nothing made)', async () => {
    const t = await mint(trader, { name: 'gone' });
    await trader.call('DELETE', `/auth/tokens/${t.id}`);
    const before = await w.ctx.auth.tokens.list(trader.id);
    // the service as a request authenticated just before the revoke reaches it
    await expect(w.ctx.auth.tokens.issue(trader.id, { name: 'late', callerTokenId: t.id })).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    expect(await w.ctx.auth.tokens.list(trader.id)).toEqual(before);
  });
});

describe('scopes on requests', () => {
  it('needs read for GET and trade for every other method (403 insufficient-scope naming it)', async () => {
    const read = await mint(trader, { scopes: ['read'] });
    const trade = await mint(trader, { scopes: ['trade'] });
    const both = await mint(trader, { scopes: ['read', 'trade'] });
    const get = (t: string) => call<ErrorBody>(w, 'GET', '/auth/me', { headers: bearer(t) });
    const put = (t: string) =>
      call<ErrorBody>(w, 'PUT', '/risk-profile', { headers: bearer(t), payload: { riskPerTradePct: '1' } });
    expect((await get(read.token)).status).toBe(200);
    expect((await get(both.token)).status).toBe(200);
    const g = await get(trade.token);
    expect(g.status).toBe(403);
    expect(g.body.error).toMatchObject({ code: 'insufficient-scope', message: expect.stringContaining('read') });
    const p = await put(read.token);
    expect(p.status).toBe(403);
    expect(p.body.error).toMatchObject({ code: 'insufficient-scope', message: expect.stringContaining('trade') });
    expect((await put(both.token)).status).toBe(200);
    const del = await call<ErrorBody>(w, 'DELETE', `/auth/tokens/${both.id}`, { headers: bearer(read.token) });
    expect(del.status).toBe(403);
    // the refused request changed nothing
    expect((await get(both.token)).status).toBe(200);
    // WebSocket channels need read
    const ws = await w.app.inject({ method: 'GET', url: `/ws?token=${trade.token}` });
    expect(ws.statusCode).toBe(403);
    expect(ws.json<ErrorBody>().error.code).toBe('insufficient-scope');
    // on the exchange WebSocket a read token reads but cannot place an order
    await w.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
    const order = { op: 'place_order', marketId: 1, side: 'buy', price: '0.5', size: '1' };
    const refused = await wsRequest(base, read.token, { request_id: 'a', ...order });
    expect(refused.error).toMatchObject({ code: 'insufficient-scope', status: 403 });
    const markets = await wsRequest(base, read.token, { request_id: 'b', op: 'subscribe', channel: 'markets' });
    expect(markets.error).toBeUndefined();
    const tried = await wsRequest(base, both.token, { request_id: 'c', ...order });
    expect((tried.error as { code?: string } | undefined)?.code).not.toBe('insufficient-scope');
    // a session has every scope its user may use
    expect((await trader.call('PUT', '/risk-profile', { riskPerTradePct: '1' })).status).toBe(200);
  });

  it('needs admin on admin-only routes; a demoted admin’s token loses it at once', async () => {
    const full = await mint(admin, { scopes: ['read', 'trade', 'admin'] });
    const plain = await mint(admin, { scopes: ['read', 'trade'] });
    const users = (t: string) => call<ErrorBody>(w, 'GET', '/admin/users', { headers: bearer(t) });
    expect((await users(full.token)).status).toBe(200);
    const no = await users(plain.token);
    expect(no.status).toBe(403);
    expect(no.body.error).toMatchObject({ code: 'insufficient-scope', message: expect.stringContaining('admin') });
    // minting cash (a transfer without a source) as an admin needs the admin scope too
    const acct = await call<{ accounts: { id: number }[] }>(w, 'GET', '/exchange/accounts', {
      headers: bearer(full.token),
    });
    const to = acct.body.accounts[0]!.id;
    const mintCash = (t: string) =>
      call<ErrorBody>(w, 'POST', '/exchange/transfers', {
        headers: bearer(t),
        payload: { fromAccountId: null, toAccountId: to, amount: '5' },
      });
    expect((await mintCash(plain.token)).status).toBe(403);
    expect((await mintCash(full.token)).status).toBeLessThan(300);

    const other = await signUp(w, 'tok-admin2', true);
    const r = await other.call('POST', `/admin/users/${admin.id}/admin`, { admin: false });
    expect(r.status).toBe(200);
    const after = await users(full.token);
    expect(after.status).toBe(403);
    expect((await mintCash(full.token)).status).toBe(403);
    // it still reads and trades
    expect((await call(w, 'GET', '/auth/me', { headers: bearer(full.token) })).status).toBe(200);
    await other.call('POST', `/admin/users/${admin.id}/admin`, { admin: true });
    expect((await users(full.token)).status).toBe(200);
  });
});

describe('expiry and last use', () => {
  it('an expired token authenticates nobody but is still listed, marked expired', async () => {
    const t = await mint(trader, { name: 'short', expiresInDays: 30 });
    const exp = Date.parse(t.expiresAt!);
    expect(Math.abs(exp - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const t2 = await mint(trader, { name: 'at', expiresAt: at });
    expect(t2.expiresAt).toBe(at);
    expect((await call(w, 'GET', '/auth/me', { headers: bearer(t.token) })).status).toBe(200);
    await w.sql.query(`UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [t.id]);
    const r = await call<ErrorBody>(w, 'GET', '/auth/me', { headers: bearer(t.token) });
    expect(r.status).toBe(401);
    const listed = (await trader.call<{ tokens: ApiTokenView[] }>('GET', '/auth/tokens')).body.tokens;
    expect(listed.find((x) => x.id === t.id)!.expired).toBe(true);
    expect(listed.find((x) => x.id === t2.id)!.expired).toBe(false);
  });

  it('records the last use with the address, at most once a minute per token', async () => {
    const t = await mint(trader, { name: 'used' });
    const seen = async (): Promise<ApiTokenView> =>
      (await trader.call<{ tokens: ApiTokenView[] }>('GET', '/auth/tokens')).body.tokens.find((x) => x.id === t.id)!;
    expect((await seen()).lastUsedAt).toBeNull();
    const before = Date.now();
    await w.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: bearer(t.token),
      remoteAddress: '203.0.113.9',
    });
    const first = await seen();
    expect(Date.parse(first.lastUsedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(first.lastUsedAddress).toBe('203.0.113.9');
    await w.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: bearer(t.token),
      remoteAddress: '203.0.113.10',
    });
    expect(await seen()).toEqual(first); // within the minute: not written again

    // the service's own clock: a minute later the use is written again
    const later = Date.now() + LAST_USE_WRITE_MS + 1000;
    const p = await w.ctx.auth.tokens.authenticate(t.token, later, '198.51.100.7');
    expect(p).toMatchObject({ user: { id: trader.id }, tokenId: t.id });
    expect([...p!.scopes]).toEqual(['read', 'trade']);
    const again = await seen();
    expect(Date.parse(again.lastUsedAt!)).toBe(later);
    expect(again.lastUsedAddress).toBe('198.51.100.7');
    expect(await w.ctx.auth.tokens.authenticate('tdo_nope', later, null)).toBeNull();
    expect(await w.ctx.auth.tokens.authenticate('not-a-token', later, null)).toBeNull();
  });
});

describe('listing and revoking', () => {
  it('revokes by id at once; another user’s id is 404 and changes nothing', async () => {
    const other = await signUp(w, 'tok-other');
    const t = await mint(trader, { name: 'revoke-me' });
    const stolen = await other.call<ErrorBody>('DELETE', `/auth/tokens/${t.id}`);
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe('token-not-found');
    expect((await other.call<{ tokens: ApiTokenView[] }>('GET', '/auth/tokens')).body.tokens).toEqual([]);
    expect((await call(w, 'GET', '/auth/me', { headers: bearer(t.token) })).status).toBe(200);
    expect((await trader.call('DELETE', `/auth/tokens/${t.id}`)).status).toBe(204);
    expect((await call(w, 'GET', '/auth/me', { headers: bearer(t.token) })).status).toBe(401);
    expect((await trader.call('DELETE', `/auth/tokens/${t.id}`)).status).toBe(404);
  });

  it('audits token-created and token-revoked with the actor and address', async () => {
    const t = await mint(trader, { name: 'audited', scopes: ['read'], expiresInDays: 7 });
    await trader.call('DELETE', `/auth/tokens/${t.id}`);
    const admins = await mint(admin, { scopes: ['read', 'admin'] });
    const r = await call<AuditBody>(w, 'GET', `/admin/audit?subject=${trader.id}&limit=500`, {
      headers: bearer(admins.token),
    });
    expect(r.status).toBe(200);
    const created = r.body.entries.find((e) => e.action === 'token-created' && e.details.id === t.id);
    expect(created).toMatchObject({
      actorUserId: trader.id,
      subjectUserId: trader.id,
      details: { name: 'audited', scopes: ['read'], expiresAt: t.expiresAt },
      address: expect.any(String),
    });
    const revoked = r.body.entries.find((e) => e.action === 'token-revoked' && e.details.id === t.id);
    expect(revoked).toMatchObject({ actorUserId: trader.id, details: { name: 'audited' } });
  });

  it('keeps ctx.auth.createApiToken working: every scope the user is entitled to', async () => {
    const a = await w.ctx.auth.createApiToken(admin.id, 'tests');
    const u = await w.ctx.auth.createApiToken(trader.id, 'tests');
    expect((await call(w, 'GET', '/admin/users', { headers: bearer(a) })).status).toBe(200);
    const list = await w.ctx.auth.listApiTokens(trader.id);
    expect(list[0]!.scopes).toEqual(['read', 'trade']);
    expect((await call(w, 'GET', '/admin/users', { headers: bearer(u) })).status).toBe(403);
  });
});
