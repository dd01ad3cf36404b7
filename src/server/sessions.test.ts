/**
 * Browser sessions over real HTTP (fastify inject, and a listening server for the WebSockets): the access JWT and
 * refresh cookies, refresh rotation and reuse detection, expiry, CSRF, foreign origins, logout, logout everywhere
 * (across two servers on one database), the session list and revocation, Secure cookies, WebSocket authentication.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { FastifyInstance } from 'fastify';
import type { Sql } from '../db/sql.ts';
import { listAudit } from '../app/journal-audit.ts';
import { deviceOf } from '../app/sessions.ts';
import type { ServerOptions } from './app.ts';
import { openClockWorld, TEST_PASSWORD, type ClockWorld } from './journal-test-world.ts';
import { CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE, SESSION_COOKIE } from './session.ts';
import { TestWebSocket } from './ws-test-client.ts';

interface Res {
  status: number;
  body: { error?: { code: string } } & Record<string, unknown>;
  /** Set-Cookie lines by cookie name. */
  cookies: Map<string, string>;
}

/** A browser-like cookie jar for one client of `app`. */
class Browser {
  readonly jar = new Map<string, string>();
  constructor(
    public app: FastifyInstance,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  ) {}

  /** Sends a request with the jar's cookies (and the CSRF header unless `csrf` is false or a string to send). */
  async req(
    method: string,
    url: string,
    o: { payload?: object; headers?: Record<string, string>; csrf?: boolean | string; refresh?: boolean } = {},
  ): Promise<Res> {
    const path = url.startsWith('/api/') ? url : `/api/v1${url}`;
    const pairs = [...this.jar].filter(([k]) => k !== REFRESH_COOKIE || path.startsWith('/api/v1/auth'));
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...o.headers };
    if (pairs.length > 0) headers.cookie = pairs.map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = o.csrf ?? true;
    if (csrf !== false && method !== 'GET') {
      const t = typeof csrf === 'string' ? csrf : this.jar.get(CSRF_COOKIE);
      if (t !== undefined) headers[CSRF_HEADER] = t;
    }
    const r = await this.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(o.payload ? { payload: o.payload } : {}),
    });
    const raw = r.headers['set-cookie'];
    const lines = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
    const cookies = new Map<string, string>();
    for (const line of lines) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      cookies.set(name, line);
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: r.statusCode, body: (r.body === '' ? {} : r.json()) as Res['body'], cookies };
  }

  async login(email: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<Res> {
    return this.req('POST', '/auth/login', { payload: { email, password }, headers });
  }
}

const PASSWORD = TEST_PASSWORD;
let seq = 0;

type World = ClockWorld;

/** A server over a fresh database, or over `sql` (a second process on the same database). */
const openWorld = (server: ServerOptions = {}, sql?: Sql): Promise<World> =>
  openClockWorld(Date.now(), { server, ...(sql ? { sql } : {}) });

async function newUser(w: World): Promise<{ id: number; email: string }> {
  const email = `s${++seq}@example.com`;
  const u = await w.ctx.auth.register(email, PASSWORD);
  return { id: u.id, email };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it is true; returns how long that took (ms). Fails after `limitMs`. */
async function until(f: () => Promise<boolean>, limitMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > limitMs) throw new Error(`not true within ${limitMs} ms`);
    await sleep(100);
  }
  return Date.now() - t0;
}

describe('sessions: cookies, refresh, CSRF, revocation', () => {
  let w: World;
  beforeAll(async () => {
    w = await openWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  it('login sets an HttpOnly access JWT (15 min, sub/sid/exp), an HttpOnly refresh cookie on /api/v1/auth and a readable CSRF cookie', async () => {
    const u = await newUser(w);
    const b = new Browser(w.app);
    const t0 = Date.now();
    const r = await b.login(u.email);
    expect(r.status).toBe(200);
    const access = r.cookies.get(SESSION_COOKIE)!;
    const refresh = r.cookies.get(REFRESH_COOKIE)!;
    const csrf = r.cookies.get(CSRF_COOKIE)!;
    for (const c of [access, refresh, csrf]) {
      expect(c).toMatch(/;\s*SameSite=Lax/i);
      expect(c).not.toMatch(/;\s*Secure/i); // plain HTTP, no secureCookies
    }
    expect(access).toMatch(/;\s*HttpOnly/i);
    expect(access).toMatch(/;\s*Path=\/(;|$)/);
    expect(refresh).toMatch(/;\s*HttpOnly/i);
    expect(refresh).toMatch(/;\s*Path=\/api\/v1\/auth(;|$)/);
    expect(csrf).not.toMatch(/HttpOnly/i);
    const claims = decodeJwt(b.jar.get(SESSION_COOKIE)!);
    expect(claims.sub).toBe(String(u.id));
    expect(typeof claims.sid).toBe('number');
    const t1 = Date.now();
    expect(claims.exp! * 1000).toBeGreaterThan(t0 + 14 * 60_000);
    expect(claims.exp! * 1000).toBeLessThanOrEqual(t1 + 15 * 60_000);
    expect(b.jar.get(REFRESH_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await b.req('GET', '/auth/me');
    expect([me.status, (me.body.user as { id: number }).id]).toEqual([200, u.id]);
    // the refresh token is stored only as its SHA-256
    const rows = await w.sql.query('SELECT token_hash FROM refresh_tokens WHERE session_id = $1', [claims.sid]);
    expect(rows.map((x) => x.token_hash)).not.toContain(b.jar.get(REFRESH_COOKIE));
    expect(rows).toHaveLength(1);
  });

  it('refresh rotates: new refresh and access cookies, the CSRF token stays; a reused refresh token revokes the whole session', async () => {
    const u = await newUser(w);
    const b = new Browser(w.app);
    await b.login(u.email);
    const first = { ...Object.fromEntries(b.jar) };
    const r = await b.req('POST', '/auth/refresh', { csrf: false });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(b.jar.get(REFRESH_COOKIE)).not.toBe(first[REFRESH_COOKIE]);
    expect(b.jar.get(SESSION_COOKIE)).not.toBe(first[SESSION_COOKIE]);
    expect(b.jar.get(CSRF_COOKIE)).toBe(first[CSRF_COOKIE]);
    expect((await b.req('GET', '/auth/me')).status).toBe(200);
    w.ctx.auth.sessions.configure({ reuseGraceMs: 0 });
    try {
      await sleep(5);
      // an attacker replays the first refresh token: reuse
      const thief = new Browser(w.app);
      thief.jar.set(REFRESH_COOKIE, first[REFRESH_COOKIE]!);
      const stolen = await thief.req('POST', '/auth/refresh', { csrf: false });
      expect([stolen.status, stolen.body.error?.code]).toEqual([401, 'refresh-token-reused']);
      expect(thief.jar.size).toBe(0); // cookies cleared
      // both tokens of the family are dead: the current refresh token and the current access token
      const access = b.jar.get(SESSION_COOKIE)!;
      const again = await b.req('POST', '/auth/refresh', { csrf: false });
      expect([again.status, again.body.error?.code]).toEqual([401, 'refresh-invalid']);
      const me = new Browser(w.app);
      me.jar.set(SESSION_COOKIE, access);
      expect((await me.req('GET', '/auth/me')).status).toBe(401);
      const audit = await listAudit(w.sql, { userId: u.id, action: 'refresh-token-reused', limit: 10 });
      expect(audit.entries).toHaveLength(1);
      expect(audit.entries[0]!.details).toEqual({ sessionId: decodeJwt(first[SESSION_COOKIE]!).sid });
    } finally {
      w.ctx.auth.sessions.configure({ reuseGraceMs: 10_000 });
    }
  });

  it('two refreshes at once with the same token (two tabs) both succeed within the grace window; the session lives on', async () => {
    const u = await newUser(w);
    const b = new Browser(w.app);
    await b.login(u.email);
    const tab2 = new Browser(w.app);
    for (const [k, v] of b.jar) tab2.jar.set(k, v);
    const [r1, r2] = await Promise.all([
      b.req('POST', '/auth/refresh', { csrf: false }),
      tab2.req('POST', '/auth/refresh', { csrf: false }),
    ]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    // exactly one of them got a new refresh token; the other an access token only
    expect([r1.cookies.has(REFRESH_COOKIE), r2.cookies.has(REFRESH_COOKIE)].sort()).toEqual([false, true]);
    const winner = r1.cookies.has(REFRESH_COOKIE) ? b : tab2;
    expect((await winner.req('POST', '/auth/refresh', { csrf: false })).status).toBe(200);
    expect((await winner.req('GET', '/auth/me')).status).toBe(200);
  });

  it('a write authenticated by the session cookie needs the CSRF token: missing or wrong → 403 csrf-failed and nothing changes; bearer tokens are exempt', async () => {
    const u = await newUser(w);
    const b = new Browser(w.app);
    await b.login(u.email);
    const count = async (): Promise<number> =>
      ((await w.sql.query('SELECT count(*)::int AS n FROM auth_tokens WHERE user_id = $1', [u.id]))[0]!.n as number) +
      0;
    const before = await count();
    const missing = await b.req('POST', '/auth/tokens', { payload: { name: 'x' }, csrf: false });
    expect([missing.status, missing.body.error?.code]).toEqual([403, 'csrf-failed']);
    const wrong = await b.req('POST', '/auth/tokens', { payload: { name: 'x' }, csrf: 'A'.repeat(43) });
    expect([wrong.status, wrong.body.error?.code]).toEqual([403, 'csrf-failed']);
    // another session's token does not fit this session
    const other = new Browser(w.app);
    await other.login(u.email);
    const foreign = await b.req('POST', '/auth/tokens', { payload: { name: 'x' }, csrf: other.jar.get(CSRF_COOKIE)! });
    expect([foreign.status, foreign.body.error?.code]).toEqual([403, 'csrf-failed']);
    const del = await b.req('DELETE', `/auth/sessions/${String(decodeJwt(other.jar.get(SESSION_COOKIE)!).sid)}`, {
      csrf: false,
    });
    expect([del.status, del.body.error?.code]).toEqual([403, 'csrf-failed']);
    expect(await count()).toBe(before);
    expect((await other.req('GET', '/auth/me')).status).toBe(200);
    // with the token it works
    const ok = await b.req('POST', '/auth/tokens', { payload: { name: 'x' } });
    expect(ok.status).toBe(201);
    // a bearer token needs no CSRF token
    const bearer = await w.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      headers: { authorization: `Bearer ${String(ok.body.token)}` },
      payload: { name: 'y' },
    });
    expect(bearer.statusCode).toBe(201);
    expect(await count()).toBe(before + 2);
  });

  it('refuses login, register and refresh from a foreign Origin (403 csrf-failed, no cookie); its own origin is fine', async () => {
    const u = await newUser(w);
    const evil = { origin: 'https://evil.example' };
    const b = new Browser(w.app);
    const l = await b.login(u.email, PASSWORD, evil);
    expect([l.status, l.body.error?.code, l.cookies.size]).toEqual([403, 'csrf-failed', 0]);
    const reg = await b.req('POST', '/auth/register', {
      payload: { email: `evil${++seq}@example.com`, password: PASSWORD },
      headers: evil,
    });
    expect([reg.status, reg.body.error?.code]).toEqual([403, 'csrf-failed']);
    const nul = await b.login(u.email, PASSWORD, { origin: 'null' });
    expect(nul.status).toBe(403);
    const own = await b.login(u.email, PASSWORD, { origin: 'http://localhost:80' });
    expect(own.status).toBe(200);
    const ref = await b.req('POST', '/auth/refresh', { headers: evil });
    expect([ref.status, ref.body.error?.code]).toEqual([403, 'csrf-failed']);
    const out = await b.req('POST', '/auth/logout', { headers: evil });
    expect([out.status, out.body.error?.code]).toEqual([403, 'csrf-failed']);
    expect((await b.req('GET', '/auth/me')).status).toBe(200);
  });

  it('lists the sessions with device, address, method and the current one; revokes one (audited); another user’s id → 404', async () => {
    const u = await newUser(w);
    const laptop = new Browser(w.app);
    const phone = new Browser(
      w.app,
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
    );
    await laptop.login(u.email);
    await phone.login(u.email);
    type S = { id: number; device: string; address: string; method: string; current: boolean; lastSeenAt: string };
    const list = (await laptop.req('GET', '/auth/sessions')).body.sessions as S[];
    expect(list).toHaveLength(2);
    const mine = list.find((s) => s.current)!;
    const theirs = list.find((s) => !s.current)!;
    expect(mine.device).toBe('Chrome on Linux');
    expect(theirs.device).toBe('Safari on iOS');
    expect(mine.address).toBe('127.0.0.1');
    expect(mine.method).toBe('password');
    expect(Date.parse(mine.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);

    const stranger = new Browser(w.app);
    await stranger.login((await newUser(w)).email);
    const nope = await stranger.req('DELETE', `/auth/sessions/${theirs.id}`);
    expect([nope.status, nope.body.error?.code]).toEqual([404, 'session-not-found']);
    expect((await phone.req('GET', '/auth/me')).status).toBe(200);

    const del = await laptop.req('DELETE', `/auth/sessions/${theirs.id}`);
    expect(del.status).toBe(200);
    expect((await phone.req('GET', '/auth/me')).status).toBe(401);
    expect((await phone.req('POST', '/auth/refresh', { csrf: false })).body.error?.code).toBe('refresh-invalid');
    expect(((await laptop.req('GET', '/auth/sessions')).body.sessions as S[]).map((s) => s.id)).toEqual([mine.id]);
    const again = await laptop.req('DELETE', `/auth/sessions/${theirs.id}`);
    expect(again.status).toBe(404);
    const audit = await listAudit(w.sql, { userId: u.id, action: 'session-revoked', limit: 10 });
    expect(audit.entries.map((e) => e.details)).toEqual([{ sessionId: theirs.id }]);
  });

  it('logout ends this session only: its access and refresh tokens die, the cookies are cleared', async () => {
    const u = await newUser(w);
    const a = new Browser(w.app);
    const b = new Browser(w.app);
    await a.login(u.email);
    await b.login(u.email);
    const kept = { ...Object.fromEntries(a.jar) };
    const out = await a.req('POST', '/auth/logout');
    expect(out.status).toBe(200);
    expect(a.jar.size).toBe(0);
    const replay = new Browser(w.app);
    for (const [k, v] of Object.entries(kept)) replay.jar.set(k, v);
    expect((await replay.req('GET', '/auth/me')).body.error?.code).toBe('unauthenticated');
    expect((await replay.req('POST', '/auth/refresh', { csrf: false })).body.error?.code).toBe('refresh-invalid');
    expect((await b.req('GET', '/auth/me')).status).toBe(200);
  });

  it('deviceOf names common browsers and systems', () => {
    expect(deviceOf(null)).toBe('unknown');
    expect(deviceOf('curl/8.5.0')).toBe('curl');
    expect(deviceOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox on Windows',
    );
    expect(
      deviceOf(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      ),
    ).toBe('Edge on macOS');
  });
});

describe('sessions: expiry and logout everywhere across two servers on one database', () => {
  let w1: World;
  let w2: World;
  beforeAll(async () => {
    w1 = await openWorld();
    w2 = await openWorld({}, w1.sql); // a second process: its own caches, the same database and signing key
    for (const w of [w1, w2]) w.ctx.auth.sessions.configure({ accessTtlMs: 1_000 });
  });
  afterAll(async () => {
    await w2.close();
    await w1.close();
  });

  it('an expired access token answers 401 session-expired (sign-in routes ignore it); a refresh on the other server renews it', async () => {
    const u = await newUser(w1);
    const b = new Browser(w1.app);
    await b.login(u.email);
    expect((await b.req('GET', '/auth/me')).status).toBe(200);
    await until(async () => (await b.req('GET', '/auth/me')).status === 401, 10_000);
    const me = await b.req('GET', '/auth/me');
    expect([me.status, me.body.error?.code]).toEqual([401, 'session-expired']);
    const write = await b.req('POST', '/auth/tokens', { payload: { name: 'late' } });
    expect([write.status, write.body.error?.code]).toEqual([401, 'session-expired']);
    expect(
      (
        await w1.app.inject({
          method: 'GET',
          url: '/api/v1/health',
          headers: { cookie: `${SESSION_COOKIE}=${b.jar.get(SESSION_COOKIE)!}` },
        })
      ).statusCode,
    ).toBe(200);
    // the other server refreshes it (shared key and tables)
    b.app = w2.app;
    const r = await b.req('POST', '/auth/refresh', { csrf: false });
    expect(r.status).toBe(200);
    b.app = w1.app;
    expect((await b.req('GET', '/auth/me')).status).toBe(200);
    // a fresh login over an expired cookie works
    await until(async () => (await b.req('GET', '/auth/me')).status === 401, 10_000);
    expect((await b.login(u.email)).status).toBe(200);
    expect((await b.req('GET', '/auth/me')).status).toBe(200);
  });

  it('logout-all on one server ends every session of the user on the other within seconds (audited)', async () => {
    for (const w of [w1, w2]) w.ctx.auth.sessions.configure({ accessTtlMs: 15 * 60_000 });
    const u = await newUser(w1);
    const other = await newUser(w1);
    const desk = new Browser(w1.app);
    const phone = new Browser(w1.app);
    const bystander = new Browser(w1.app);
    await desk.login(u.email);
    await phone.login(u.email);
    await bystander.login(other.email);
    // server 1 has checked (and cached) the phone's session
    expect((await phone.req('GET', '/auth/me')).status).toBe(200);
    desk.app = w2.app;
    const all = await desk.req('POST', '/auth/logout-all');
    expect([all.status, all.body.revoked]).toEqual([200, 2]);
    expect(desk.jar.has(SESSION_COOKIE)).toBe(false);
    const took = await until(async () => (await phone.req('GET', '/auth/me')).status === 401, 15_000);
    expect(took).toBeLessThan(10_000); // the cache holds a check for at most 2 s
    expect((await phone.req('POST', '/auth/refresh', { csrf: false })).status).toBe(401);
    expect((await bystander.req('GET', '/auth/me')).status).toBe(200);
    const audit = await listAudit(w1.sql, { userId: u.id, action: 'logout-all', limit: 10 });
    expect(audit.entries.map((e) => e.details)).toEqual([{ count: 2 }]);
  });
});

describe('sessions: Secure cookies', () => {
  it('marks cookies Secure with secureCookies, or behind a trusted proxy that says https; not over plain http', async () => {
    const w = await openWorld({ trustProxy: true });
    const secureW = await openWorld({ secureCookies: true }, w.sql);
    try {
      const u = await newUser(w);
      const plain = await new Browser(w.app).login(u.email);
      expect(plain.cookies.get(SESSION_COOKIE)).not.toMatch(/Secure/i);
      const proxied = await new Browser(w.app).login(u.email, PASSWORD, { 'x-forwarded-proto': 'https' });
      expect(proxied.status).toBe(200);
      for (const c of [SESSION_COOKIE, REFRESH_COOKIE, CSRF_COOKIE])
        expect(proxied.cookies.get(c)).toMatch(/;\s*Secure/i);
      const configured = await new Browser(secureW.app).login(u.email);
      for (const c of [SESSION_COOKIE, REFRESH_COOKIE, CSRF_COOKIE])
        expect(configured.cookies.get(c)).toMatch(/;\s*Secure/i);
      // without a trusted proxy the header is not believed
      const untrusted = await new Browser(secureW.app).login(u.email, PASSWORD, { 'x-forwarded-proto': 'https' });
      expect(untrusted.status).toBe(200);
      const noProxy = await openWorld({}, w.sql);
      try {
        const r = await new Browser(noProxy.app).login(u.email, PASSWORD, { 'x-forwarded-proto': 'https' });
        expect(r.cookies.get(SESSION_COOKIE)).not.toMatch(/Secure/i);
      } finally {
        await noProxy.close();
      }
    } finally {
      await secureW.close();
      await w.close();
    }
  });
});

/** The first message of a socket to `url` with `cookie` (after sending `first`, when given). */
function firstMessage(url: string, cookie: string, first?: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const ws = new TestWebSocket(url, { headers: { cookie } });
    ws.on('open', () => {
      if (first) ws.send(JSON.stringify(first));
    });
    ws.on('message', (d) => {
      resolve(JSON.parse(d.toString()) as Record<string, unknown>);
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('sessions: WebSockets', () => {
  it('/ws and /ws/exchange authenticate with the session cookie; a logged-out cookie is anonymous', async () => {
    const w = await openWorld();
    try {
      await w.app.listen({ port: 0, host: '127.0.0.1' });
      const ws = `ws://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
      const u = await newUser(w);
      const b = new Browser(w.app);
      await b.login(u.email);
      const cookie = [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const hello = await firstMessage(`${ws}/ws`, cookie);
      expect(hello.type).toBe('hello');
      expect((hello.data as { user: { id: number } }).user.id).toBe(u.id);
      const sub = await firstMessage(`${ws}/ws/exchange`, cookie, {
        request_id: 1,
        op: 'subscribe',
        channel: 'orders',
      });
      expect(sub.ok).toBe(true);
      await b.req('POST', '/auth/logout');
      const anon = await firstMessage(`${ws}/ws`, cookie);
      expect(anon).toMatchObject({ type: 'error', data: { code: 'unauthenticated' } });
      const anonEx = await firstMessage(`${ws}/ws/exchange`, cookie, {
        request_id: 2,
        op: 'subscribe',
        channel: 'orders',
      });
      expect(anonEx).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    } finally {
      await w.close();
    }
  });
});
