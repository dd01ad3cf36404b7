/**
 * Security events in the audit trail over the real server and database: `login-succeeded` and `login-failed`
 * (address, e-mail tried, subject when the e-mail is registered), and `GET /api/v1/admin/audit` filtered by action,
 * actor, subject and time, paged with its cursor, for admins only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openClockWorld, signUp, type Client, type ClockWorld } from './journal-test-world.ts';

interface ErrorBody {
  error: { code: string; fields?: { field: string; code: string }[] };
}
interface Entry {
  id: number;
  at: string;
  action: string;
  actorUserId: number | null;
  subjectUserId: number | null;
  details: Record<string, unknown>;
  address: string | null;
}
interface AuditBody {
  entries: Entry[];
  nextCursor: string | null;
}

let w: ClockWorld;
let admin: Client;
let trader: Client;
let start: string;

const login = (email: string, password: string, remoteAddress: string) =>
  w.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    remoteAddress,
  });

beforeAll(async () => {
  w = await openClockWorld(Date.UTC(2024, 0, 2, 12));
  start = new Date(Date.now() - 1000).toISOString();
  admin = await signUp(w, 'audit-admin', true);
  trader = await signUp(w, 'audit-trader');
});
afterAll(async () => {
  await w.close();
});

const audit = (query: string, c: Client = admin) => c.call<AuditBody>('GET', `/admin/audit${query}`);

describe('sign-in events', () => {
  it('writes login-succeeded and login-failed with the address and the e-mail tried', async () => {
    expect((await login(trader.email, 'wrong password!', '203.0.113.5')).statusCode).toBe(401);
    expect((await login('nobody@example.com', 'wrong password!', '203.0.113.6')).statusCode).toBe(401);
    expect((await login(trader.email.toUpperCase(), 'correct horse battery', '203.0.113.7')).statusCode).toBe(200);

    const failed = (await audit('?action=login-failed')).body.entries;
    expect(failed.map((e) => [e.subjectUserId, e.actorUserId, e.address, e.details.email])).toEqual([
      [null, null, '203.0.113.6', 'nobody@example.com'],
      [trader.id, null, '203.0.113.5', trader.email],
    ]);
    expect(failed[0]!.details).toMatchObject({ method: 'password', reason: 'invalid-credentials' });
    const ok = (await audit(`?action=login-succeeded&subject=${trader.id}`)).body.entries;
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({
      actorUserId: trader.id,
      subjectUserId: trader.id,
      address: '203.0.113.7',
      details: { method: 'password' },
    });
    // a malformed login (400) is no security event
    await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'x' } });
    expect((await audit('?action=login-failed')).body.entries).toHaveLength(2);
  });
});

describe('GET /admin/audit', () => {
  it('filters by action, actor, subject and time, and pages with the cursor', async () => {
    // token events of both users
    for (const c of [trader, admin, trader]) expect((await c.call('POST', '/auth/tokens', {})).status).toBe(201);
    const byActor = (await audit(`?action=token-created&actor=${trader.id}`)).body.entries;
    expect(byActor).toHaveLength(2);
    expect(byActor.every((e) => e.actorUserId === trader.id && e.action === 'token-created')).toBe(true);
    const bySubject = (await audit(`?subject=${admin.id}`)).body.entries;
    expect(bySubject.length).toBeGreaterThan(0);
    expect(bySubject.every((e) => e.subjectUserId === admin.id)).toBe(true);
    const either = (await audit(`?userId=${trader.id}`)).body.entries;
    expect(either.every((e) => e.subjectUserId === trader.id || e.actorUserId === trader.id)).toBe(true);

    const all = (await audit(`?from=${encodeURIComponent(start)}&limit=500`)).body.entries;
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < all.length; i++) expect(all[i]!.id).toBeLessThan(all[i - 1]!.id);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await audit(`?from=${encodeURIComponent(future)}`)).body.entries).toEqual([]);
    expect((await audit(`?to=${encodeURIComponent(start)}`)).body.entries).toEqual([]);
    const mid = all[Math.floor(all.length / 2)]!;
    const upTo = (await audit(`?to=${encodeURIComponent(future)}&from=${encodeURIComponent(mid.at)}&limit=500`)).body
      .entries;
    expect(upTo.every((e) => Date.parse(e.at) >= Date.parse(mid.at))).toBe(true);
    expect(upTo.map((e) => e.id)).toContain(mid.id);

    // pages of two, newest first, ending with a null cursor
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: AuditBody = (
        await audit(`?from=${encodeURIComponent(start)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it('refuses bad filters (400), non-admins (403 forbidden) and tokens without admin (403 insufficient-scope)', async () => {
    for (const q of ['?action=Login_Failed', '?actor=0', '?from=yesterday', '?limit=501', '?subject=abc', '?what=1']) {
      const r = await audit(q);
      expect(r.status, q).toBe(400);
      expect(r.body as unknown as ErrorBody).toMatchObject({ error: { code: 'validation-failed' } });
    }
    const r = await trader.call<ErrorBody>('GET', '/admin/audit');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    const anon = await call<ErrorBody>(w, 'GET', '/admin/audit');
    expect(anon.status).toBe(401);
    const t = await admin.call<{ token: string }>('POST', '/auth/tokens', { scopes: ['read'] });
    const scoped = await call<ErrorBody>(w, 'GET', '/admin/audit', {
      headers: { authorization: `Bearer ${t.body.token}` },
    });
    expect(scoped.status).toBe(403);
    expect(scoped.body.error.code).toBe('insufficient-scope');
    const t2 = await admin.call<{ token: string }>('POST', '/auth/tokens', { scopes: ['read', 'admin'] });
    const okay = await call<AuditBody>(w, 'GET', '/admin/audit?limit=1', {
      headers: { authorization: `Bearer ${t2.body.token}` },
    });
    expect(okay.status).toBe(200);
    expect(okay.body.entries).toHaveLength(1);
  });
});
