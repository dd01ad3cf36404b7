/**
 * Auth routes over the real server and database: registering signs in, `GET /auth/me` with the admin flag,
 * account state and onboarding, and API tokens listed and revoked by their owner only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openClockWorld, sessionCookie, signUp, type ClockWorld } from './journal-test-world.ts';

interface ErrorBody {
  error: { code: string };
}
interface Me {
  user: { id: number; email: string; isAdmin: boolean };
  isAdmin: boolean;
  onboarded: boolean;
  createdAt: string;
  account: { balance: string; openPositions: number };
}
interface TokenList {
  tokens: { id: number; name: string; createdAt: string }[];
}

let w: ClockWorld;
beforeAll(async () => {
  w = await openClockWorld(Date.UTC(2024, 0, 2));
});
afterAll(async () => {
  await w.close();
});

describe('POST /auth/register', () => {
  it('signs the new user in with the same HttpOnly session cookie as login', async () => {
    const r = await call<{ user: { id: number; email: string } }>(w, 'POST', '/auth/register', {
      payload: { email: 'New@Example.com', password: 'correct horse battery' },
    });
    expect(r.status).toBe(201);
    expect(r.body.user).toEqual({ id: expect.any(Number), email: 'new@example.com' });
    const raw = String(r.headers['set-cookie']);
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    const me = await call<Me>(w, 'GET', '/auth/me', { headers: { cookie: sessionCookie(r.headers)! } });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: r.body.user.id, email: 'new@example.com', isAdmin: false });
  });

  it('sets no cookie when the email is taken', async () => {
    await call(w, 'POST', '/auth/register', { payload: { email: 'dup@example.com', password: 'correct horse' } });
    const again = await call<ErrorBody>(w, 'POST', '/auth/register', {
      payload: { email: 'dup@example.com', password: 'correct horse' },
    });
    expect(again.status).toBe(409);
    expect(sessionCookie(again.headers)).toBeUndefined();
  });
});

describe('GET /auth/me and POST /auth/onboarded', () => {
  it('returns the user, the admin flag, the account state and whether onboarding is done', async () => {
    const u = await signUp(w, 'me');
    const me = await u.call<Me>('GET', '/auth/me');
    expect(me.body).toMatchObject({
      isAdmin: false,
      onboarded: false,
      account: { balance: '10000', openPositions: 0 },
    });
    expect(Date.parse(me.body.createdAt)).not.toBeNaN();

    expect((await u.call('POST', '/auth/onboarded')).body).toEqual({ ok: true });
    expect((await u.call<Me>('GET', '/auth/me')).body.onboarded).toBe(true);
    expect((await u.call('POST', '/auth/onboarded')).status).toBe(200);

    const admin = await signUp(w, 'boss', true);
    const am = await admin.call<Me>('GET', '/auth/me');
    expect(am.body.isAdmin).toBe(true);
    expect(am.body.user.isAdmin).toBe(true);
  });

  it('answers 401 without credentials', async () => {
    for (const [method, path] of [
      ['GET', '/auth/me'],
      ['POST', '/auth/onboarded'],
      ['GET', '/auth/tokens'],
      ['DELETE', '/auth/tokens/1'],
    ] as const) {
      const r = await call<ErrorBody>(w, method, path);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error.code).toBe('unauthenticated');
    }
  });
});

describe('API tokens', () => {
  it('lists the owner’s API tokens without secrets and revokes one at once; others get 404', async () => {
    const u = await signUp(w, 'scripter');
    const other = await signUp(w, 'other');
    const a = await u.call<{ id: number; token: string; name: string }>('POST', '/auth/tokens', { name: 'bot' });
    const b = await u.call<{ id: number; token: string }>('POST', '/auth/tokens', { name: 'cli' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ id: expect.any(Number), name: 'bot', token: expect.stringMatching(/^tdo_/) });

    const list = await u.call<TokenList>('GET', '/auth/tokens');
    expect(list.status).toBe(200);
    // newest first; the session of the cookie is not an API token
    expect(list.body.tokens.map((t) => [t.id, t.name])).toEqual([
      [b.body.id, 'cli'],
      [a.body.id, 'bot'],
    ]);
    expect(Object.keys(list.body.tokens[0]!).sort()).toEqual([
      'createdAt',
      'expired',
      'expiresAt',
      'id',
      'lastUsedAddress',
      'lastUsedAt',
      'name',
      'scopes',
    ]);
    expect((await other.call<TokenList>('GET', '/auth/tokens')).body.tokens).toEqual([]);

    const bearer = { authorization: `Bearer ${a.body.token}` };
    expect((await call(w, 'GET', '/auth/me', { headers: bearer })).status).toBe(200);
    const stolen = await other.call<ErrorBody>('DELETE', `/auth/tokens/${a.body.id}`);
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe('token-not-found');
    expect((await call(w, 'GET', '/auth/me', { headers: bearer })).status).toBe(200);

    const del = await u.call('DELETE', `/auth/tokens/${a.body.id}`);
    expect(del.status).toBe(204);
    expect((await call(w, 'GET', '/auth/me', { headers: bearer })).status).toBe(401);
    expect((await u.call('DELETE', `/auth/tokens/${a.body.id}`)).status).toBe(404);
    expect((await u.call<TokenList>('GET', '/auth/tokens')).body.tokens.map((t) => t.id)).toEqual([b.body.id]);
    expect((await u.call<ErrorBody>('DELETE', '/auth/tokens/abc')).status).toBe(400);
  });
});
