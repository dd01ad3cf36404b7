/**
 * OpenID Connect login round trips against a real provider (`oidc-provider`) started here on 127.0.0.1, with the
 * Testudo server listening on another loopback port, both driven by real HTTP requests through a small cookie-jar
 * browser: the login and consent interactions are answered by a minimal interaction handler
 * (`provider.interactionFinished`, `./oidc-test-provider.ts`). Covers: a new user and a session cookie that authenticates `/auth/me`; the same
 * person again; linking by verified e-mail only; a wrong or foreign state; a replayed code (same and fresh state).
 */
import type { AddressInfo } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.ts';
import { TOTP_PARAMS } from '../app/mfa.ts';
import type { Sql } from '../db/sql.ts';
import { openClockWorld, type ClockWorld } from './journal-test-world.ts';
import { listenTestProvider, type TestPerson, type TestProvider } from './oidc-test-provider.ts';

/** People at the provider: subject → claims. */
const PEOPLE: Record<string, TestPerson> = {
  alice: { email: 'alice@example.com', email_verified: true },
  bob: { email: 'bob@example.com', email_verified: true },
  carol: { email: 'carol@example.com', email_verified: false },
  dave: { email: 'dave@example.com', email_verified: true },
};

let w: ClockWorld;
let sql: Sql;
let ctx: AppContext;
let idp: TestProvider;
let testudo: string; // http://127.0.0.1:<port>
let issuer: string;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  idp = await listenTestProvider(PEOPLE);
  issuer = idp.issuer;
  for (const k of ['TESTUDO_OIDC_ISSUER', 'TESTUDO_OIDC_CLIENT_ID', 'TESTUDO_OIDC_CLIENT_SECRET', 'TESTUDO_OIDC_NAME'])
    savedEnv[k] = process.env[k];
  process.env.TESTUDO_OIDC_ISSUER = issuer;
  process.env.TESTUDO_OIDC_CLIENT_ID = idp.clientId;
  process.env.TESTUDO_OIDC_CLIENT_SECRET = idp.clientSecret;
  process.env.TESTUDO_OIDC_NAME = 'Test IdP';
  // rate limits off: this file signs in many times from one address
  w = await openClockWorld(Date.now(), { server: { rateLimitFactor: Infinity } });
  ({ sql, ctx } = w);
  await w.app.listen({ port: 0, host: '127.0.0.1' });
  testudo = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
  await idp.start([`${testudo}/api/v1/auth/oidc/callback`]);
});

afterAll(async () => {
  await w?.close();
  await idp?.close();
  for (const [k, v] of Object.entries(savedEnv))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

/** A browser: cookies per origin (paths ignored), redirects followed by hand. */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookies(origin: string): Map<string, string> {
    let m = this.jar.get(origin);
    if (!m) this.jar.set(origin, (m = new Map()));
    return m;
  }

  /** One request, storing the cookies it sets. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const jar = this.cookies(u.origin);
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const gone = value === '' || attrs.some((a) => /max-age=0\b/i.test(a) || /expires=thu, 01 jan 1970/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /**
   * Follows redirects from `url` while they stay on the provider or Testudo's API (or `until` says stop), and
   * returns the last response with the URL it came from and where it points.
   */
  async follow(
    url: string,
    init: RequestInit = {},
    until: (next: URL) => boolean = () => false,
  ): Promise<{ res: Response; url: string; location: URL | null }> {
    let current = url;
    let res = await this.request(current, init);
    for (let i = 0; i < 20; i++) {
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return { res, url: current, location: null };
      const next = new URL(loc, current);
      const onward = next.origin === issuer || (next.origin === testudo && next.pathname.startsWith('/api/'));
      if (!onward || until(next)) return { res, url: current, location: next };
      current = next.href;
      res = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  /** Starts a login at Testudo and logs in at the provider as `person`; stops before the callback reaches Testudo. */
  async toCallback(person: string): Promise<URL> {
    const isCallback = (u: URL) => u.origin === testudo && u.pathname === '/api/v1/auth/oidc/callback';
    const atLogin = await this.follow(`${testudo}/api/v1/auth/oidc/login`, {}, isCallback);
    expect(atLogin.res.status).toBe(200); // the provider's login form
    expect(new URL(atLogin.url).origin).toBe(issuer);
    const done = await this.follow(
      atLogin.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: person }).toString(),
      },
      isCallback,
    );
    expect(done.location?.pathname).toBe('/api/v1/auth/oidc/callback');
    return done.location!;
  }

  /** Runs a whole login as `person`; returns where Testudo finally redirects. */
  async login(person: string): Promise<URL> {
    const callback = await this.toCallback(person);
    return (await this.follow(callback.href)).location!;
  }

  /** `GET /api/v1/auth/me` with this browser's Testudo cookies. */
  async me(): Promise<{ status: number; body: { user?: { id: number; email: string } } }> {
    const res = await this.request(`${testudo}/api/v1/auth/me`);
    return { status: res.status, body: (await res.json()) as { user?: { id: number; email: string } } };
  }
}

const userCount = async (): Promise<number> => Number((await sql.query('SELECT count(*)::int AS n FROM users'))[0]!.n);

describe('OpenID Connect login against a local provider', () => {
  it('lists the provider among the sign-in methods', async () => {
    const res = await fetch(`${testudo}/api/v1/auth/methods`);
    expect(await res.json()).toEqual({ password: true, siwe: true, oidc: { name: 'Test IdP' } });
  });

  it('redirects to the provider with state, nonce and a PKCE S256 challenge, keeping the state in an HttpOnly cookie', async () => {
    const res = await fetch(`${testudo}/api/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('nonce')).toBeTruthy();
    expect(to.searchParams.get('redirect_uri')).toBe(`${testudo}/api/v1/auth/oidc/callback`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('testudo_oidc_state='))!;
    expect(cookie).toContain(`testudo_oidc_state=${to.searchParams.get('state')}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/api\/v1\/auth\/oidc\/callback/);
  });

  it('signs a new person in: a user with the verified e-mail and a session cookie that authenticates /auth/me', async () => {
    const before = await userCount();
    const b = new Browser();
    const end = await b.login('alice');
    expect(end.href).toBe(`${testudo}/`);
    const me = await b.me();
    expect(me.status).toBe(200);
    expect(me.body.user!.email).toBe('alice@example.com');
    expect(await userCount()).toBe(before + 1);

    // Alice again, from another browser: the same user, found by (issuer, subject).
    const b2 = new Browser();
    expect((await b2.login('alice')).pathname).toBe('/');
    expect((await b2.me()).body.user!.id).toBe(me.body.user!.id);
    expect(await userCount()).toBe(before + 1);
    const [identity] = await sql.query('SELECT issuer, subject FROM oidc_identities WHERE user_id = $1', [
      me.body.user!.id,
    ]);
    expect(identity).toEqual({ issuer, subject: 'alice' });
    const audited = await sql.query(
      `SELECT count(*)::int AS n FROM audit_log
       WHERE action = 'login-succeeded' AND details->>'method' = 'oidc' AND subject_user_id = $1`,
      [me.body.user!.id],
    );
    expect(Number(audited[0]!.n)).toBe(2);
  });

  it('links to an existing user by e-mail only when the provider says it is verified', async () => {
    const bob = await ctx.auth.register('bob@example.com', 'correct horse battery');
    const carol = await ctx.auth.register('carol@example.com', 'correct horse battery');
    const b = new Browser();
    await b.login('bob');
    expect((await b.me()).body.user!.id).toBe(bob.id);

    const c = new Browser();
    await c.login('carol'); // email_verified: false
    const me = await c.me();
    expect(me.status).toBe(200);
    expect(me.body.user!.id).not.toBe(carol.id);
    expect(me.body.user!.email).toMatch(/@oidc\.invalid$/);
  });

  it('refuses a wrong state, a state from another browser, and a callback without one', async () => {
    const before = await userCount();
    const b = new Browser();
    const callback = await b.toCallback('alice');

    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state');
    const wrong = await b.follow(forged.href);
    expect(wrong.location?.href).toBe(`${testudo}/login?error=oidc-bad-state`);

    const other = new Browser(); // the real callback URL, in a browser that did not start the login
    const foreign = await other.follow(callback.href);
    expect(foreign.location?.href).toBe(`${testudo}/login?error=oidc-bad-state`);
    expect((await other.me()).status).toBe(401);

    const bare = await new Browser().follow(`${testudo}/api/v1/auth/oidc/callback?code=x`);
    expect(bare.location?.pathname).toBe('/login');
    expect(await userCount()).toBe(before);
  });

  it('refuses a replayed code: with its used state, and with a fresh state of the same browser', async () => {
    const b = new Browser();
    const callback = await b.toCallback('alice');
    expect((await b.follow(callback.href)).location?.href).toBe(`${testudo}/`);

    const again = new Browser(); // a fresh browser replays the whole callback URL with its (used) state cookie
    again.cookies(testudo).set('testudo_oidc_state', callback.searchParams.get('state')!);
    expect((await again.follow(callback.href)).location?.href).toBe(`${testudo}/login?error=oidc-bad-state`);
    expect((await again.me()).status).toBe(401);

    // A new login in progress, its state with the old code: the provider refuses the code.
    const start = await again.request(`${testudo}/api/v1/auth/oidc/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const replay = new URL(callback);
    replay.searchParams.set('state', state);
    expect((await again.follow(replay.href)).location?.href).toBe(`${testudo}/login?error=oidc-exchange-failed`);
    expect((await again.me()).status).toBe(401);
  });

  it('asks for the second factor when the user has one: /login?mfa=<challenge>, no session yet', async () => {
    const first = new Browser();
    await first.login('dave');
    const dave = (await first.me()).body.user!;
    const { secret } = await ctx.mfa.setupTotp(dave.id, dave.email);
    const code = new TOTP({ secret: Secret.fromBase32(secret), ...TOTP_PARAMS }).generate();
    await ctx.mfa.enableTotp({ userId: dave.id, address: null }, dave.id, code);

    const b = new Browser();
    const end = await b.login('dave');
    expect(end.pathname).toBe('/login');
    expect(end.searchParams.get('mfa')).toMatch(/\S{20,}/);
    expect((await b.me()).status).toBe(401);
  });

  it('reports a refusal at the provider as oidc-denied', async () => {
    const b = new Browser();
    const start = await b.request(`${testudo}/api/v1/auth/oidc/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const back = await b.follow(
      `${testudo}/api/v1/auth/oidc/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(issuer)}`,
    );
    expect(back.location?.href).toBe(`${testudo}/login?error=oidc-denied`);
  });
});
