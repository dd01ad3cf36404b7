/**
 * Admin routes over the real server and database: users and admin rights (never the last admin), the risk
 * ceilings and cooling-off period (a lowered ceiling applies to every profile at once), and the whole audit trail.
 * Each route is tried as an admin, a non-admin (403 forbidden) and anonymously (401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openClockWorld, signUp, type Client, type ClockWorld } from './journal-test-world.ts';

const T0 = Date.UTC(2024, 0, 2, 12);

interface ErrorBody {
  error: { code: string; fields?: { field: string; code: string }[] };
}
interface AdminUser {
  id: number;
  email: string;
  isAdmin: boolean;
  createdAt: string;
}
interface AuditBody {
  entries: {
    id: number;
    action: string;
    actorUserId: number | null;
    subjectUserId: number | null;
    details: Record<string, unknown>;
    address: string | null;
  }[];
  nextCursor: string | null;
}
interface ProfileBody {
  profile: Record<string, unknown>;
  ceilings: Record<string, string>;
  coolingOffSeconds: number;
  pending: { field: string; effectiveAt: string }[];
}

let w: ClockWorld;
let admin: Client;
let user: Client;
beforeAll(async () => {
  w = await openClockWorld(T0);
  admin = await signUp(w, 'admin', true);
  user = await signUp(w, 'user');
});
afterAll(async () => {
  await w.close();
});

describe('admin-only routes', () => {
  it('answer 403 forbidden to a non-admin and 401 to nobody, changing nothing', async () => {
    const routes: [string, string, object?][] = [
      ['GET', '/admin/users'],
      ['POST', `/admin/users/${user.id}/admin`, { admin: true }],
      ['GET', '/admin/risk-ceilings'],
      ['PUT', '/admin/risk-ceilings', { maxRiskPerTradePct: '5' }],
      ['GET', '/admin/audit'],
    ];
    for (const [method, path, payload] of routes) {
      const r = await user.call<ErrorBody>(method, path, payload);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      const anon = await call<ErrorBody>(w, method, path, { payload });
      expect(anon.status, `${method} ${path}`).toBe(401);
    }
    const me = await user.call<{ isAdmin: boolean }>('GET', '/auth/me');
    expect(me.body.isAdmin).toBe(false);
    expect((await admin.call<{ ceilings: object }>('GET', '/admin/risk-ceilings')).body.ceilings).toEqual({
      maxRiskPerTradePct: '2',
      maxDrawdownPct: '25',
    });
  });
});

describe('users and admin rights', () => {
  it('lists users with their admin flag, in pages', async () => {
    const r = await admin.call<{ users: AdminUser[]; nextCursor: string | null }>('GET', '/admin/users?limit=1');
    expect(r.status).toBe(200);
    expect(r.body.users).toEqual([{ id: admin.id, email: admin.email, isAdmin: true, createdAt: expect.any(String) }]);
    expect(r.body.nextCursor).toBe(String(admin.id));
    const next = await admin.call<{ users: AdminUser[] }>('GET', `/admin/users?cursor=${r.body.nextCursor}`);
    expect(next.body.users[0]).toMatchObject({ id: user.id, email: user.email, isAdmin: false });
  });

  it('grants and revokes admin rights (audited), but never revokes the last admin', async () => {
    const solo = await admin.call<ErrorBody>('POST', `/admin/users/${admin.id}/admin`, { admin: false });
    expect(solo.status).toBe(409);
    expect(solo.body.error.code).toBe('last-admin');

    const g = await admin.call<{ user: AdminUser }>('POST', `/admin/users/${user.id}/admin`, { admin: true });
    expect(g.status).toBe(200);
    expect(g.body.user).toMatchObject({ id: user.id, isAdmin: true });
    // the new admin's own session sees it at once
    expect((await user.call('GET', '/admin/users')).status).toBe(200);

    // now the first admin may step down; then the other is the last one
    const down = await admin.call<{ user: AdminUser }>('POST', `/admin/users/${admin.id}/admin`, { admin: false });
    expect(down.body.user.isAdmin).toBe(false);
    expect((await admin.call('GET', '/admin/users')).status).toBe(403);
    const last = await user.call<ErrorBody>('POST', `/admin/users/${user.id}/admin`, { admin: false });
    expect(last.body.error.code).toBe('last-admin');
    // restore: the user grants the admin back and steps down
    await user.call('POST', `/admin/users/${admin.id}/admin`, { admin: true });
    await admin.call('POST', `/admin/users/${user.id}/admin`, { admin: false });

    const audit = await admin.call<AuditBody>('GET', '/admin/audit?action=admin-granted');
    expect(audit.body.entries.map((e) => [e.actorUserId, e.subjectUserId])).toEqual([
      [user.id, admin.id],
      [admin.id, user.id],
    ]);
    expect(audit.body.entries[0]!.address).toBe('127.0.0.1');
    const revoked = await admin.call<AuditBody>('GET', '/admin/audit?action=admin-revoked');
    expect(revoked.body.entries.map((e) => [e.actorUserId, e.subjectUserId])).toEqual([
      [admin.id, user.id],
      [admin.id, admin.id],
    ]);
    // the grantee sees the change in their own trail
    const own = await user.call<AuditBody>('GET', '/audit');
    expect(own.body.entries.map((e) => e.action)).toContain('admin-granted');

    const missing = await admin.call<ErrorBody>('POST', '/admin/users/987654/admin', { admin: true });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('user-not-found');
    const bad = await admin.call<ErrorBody>('POST', `/admin/users/${user.id}/admin`, { admin: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual([{ field: 'admin', code: 'invalid-type', message: expect.any(String) }]);
  });
});

describe('risk ceilings and the cooling-off period', () => {
  it('lowers every profile above a lowered ceiling at once and cancels pending changes above it', async () => {
    const u = await signUp(w, 'clamped');
    // 1.8 % per trade: a loosening, pending for 24 h
    const put = await u.call<ProfileBody>('PUT', '/risk-profile', { riskPerTradePct: '1.8' });
    expect(put.body.pending.map((p) => p.field)).toEqual(['riskPerTradePct']);

    const r = await admin.call<{ ceilings: object; coolingOffSeconds: number }>('PUT', '/admin/risk-ceilings', {
      maxRiskPerTradePct: '1.5',
      coolingOffSeconds: 3600,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ceilings: { maxRiskPerTradePct: '1.5', maxDrawdownPct: '25' }, coolingOffSeconds: 3600 });

    const p = await u.call<ProfileBody>('GET', '/risk-profile');
    expect(p.body.ceilings.maxRiskPerTradePct).toBe('1.5');
    expect(p.body.profile).toMatchObject({ riskPerTradePct: '1', maxRiskPerTradePct: '1.5' });
    expect(p.body.pending).toEqual([]);
    const own = await u.call<AuditBody>('GET', '/audit');
    expect(own.body.entries.map((e) => [e.action, e.actorUserId, e.details.reason ?? null]).reverse()).toEqual([
      ['risk-profile-change-scheduled', u.id, null],
      ['risk-profile-changed', admin.id, 'ceiling'],
      ['risk-profile-change-cancelled', admin.id, 'ceiling'],
    ]);
    const all = await admin.call<AuditBody>('GET', '/admin/audit?action=risk-ceilings-changed');
    expect(all.body.entries[0]).toMatchObject({
      actorUserId: admin.id,
      subjectUserId: null,
      details: {
        from: { maxRiskPerTradePct: '2', maxDrawdownPct: '25', coolingOffSeconds: 86_400 },
        to: { maxRiskPerTradePct: '1.5', maxDrawdownPct: '25', coolingOffSeconds: 3600 },
      },
    });

    // the new cooling-off period: a loosening now waits one hour
    const loose = await u.call<ProfileBody>('PUT', '/risk-profile', { maxOpenPositions: 6 });
    expect(loose.body.pending).toEqual([
      expect.objectContaining({ field: 'maxOpenPositions', effectiveAt: new Date(T0 + 3_600_000).toISOString() }),
    ]);
    // a raised ceiling lets a profile go higher (after the cooling-off period)
    await admin.call('PUT', '/admin/risk-ceilings', { maxDrawdownPct: '40', coolingOffSeconds: 0 });
    const raised = await u.call<ProfileBody>('PUT', '/risk-profile', { maxDrawdownPct: '30' });
    expect(raised.status).toBe(200);
    // a zero cooling-off period applies a loosening at once
    expect(raised.body.profile.maxDrawdownPct).toBe('30');

    const bad = await admin.call<ErrorBody>('PUT', '/admin/risk-ceilings', {
      maxDrawdownPct: '0',
      coolingOffSeconds: -1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields!.map((f) => f.field)).toEqual(['maxDrawdownPct', 'coolingOffSeconds']);
    await admin.call('PUT', '/admin/risk-ceilings', {
      maxRiskPerTradePct: '2',
      maxDrawdownPct: '25',
      coolingOffSeconds: 86_400,
    });
  });
});

describe('GET /admin/audit', () => {
  it('lists everyone’s entries newest first, filtered by user and action, in pages', async () => {
    const page = await admin.call<AuditBody>('GET', '/admin/audit?limit=2');
    expect(page.status).toBe(200);
    expect(page.body.entries).toHaveLength(2);
    expect(page.body.entries[0]!.id).toBeGreaterThan(page.body.entries[1]!.id);
    const next = await admin.call<AuditBody>('GET', `/admin/audit?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.entries[0]!.id).toBeLessThan(page.body.entries[1]!.id);
    const mine = await admin.call<AuditBody>(`GET`, `/admin/audit?userId=${user.id}`);
    expect(mine.body.entries.length).toBeGreaterThan(0);
    for (const e of mine.body.entries) expect([e.actorUserId, e.subjectUserId]).toContain(user.id);
    const bad = await admin.call<ErrorBody>('GET', '/admin/audit?action=Not%20Kebab');
    expect(bad.status).toBe(400);
  });
});
