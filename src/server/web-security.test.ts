/**
 * Web hardening (`./web-security.ts`) over a real listening server, real HTTP and the `ws` client: security headers on
 * API, OpenAPI, Desk and error responses; CORS off by default and for allowlisted origins only; the WebSocket `Origin`
 * check on every WebSocket route (finding 7: cross-site WebSocket hijacking with the user's cookie); `trustProxy`;
 * body size limits before any handler; the parsers of `TESTUDO_TRUST_PROXY` and `TESTUDO_CORS_ORIGINS`.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { webSecurityOf } from '../cli/serve.ts';
import { buildServer } from './app.ts';
import { HSTS, corsOriginsOf, trustProxyOf } from './web-security.ts';

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode: number }) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  opts?: { headers?: Record<string, string> },
) => WsSocket;

/**
 * Opens `url` with `headers` and resolves to what happened: `open` plus the first message, or the HTTP status of a
 * refused upgrade.
 */
function tryWs(url: string, headers: Record<string, string>): Promise<{ status: number | 'open'; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let opened = false;
    const timer = setTimeout(() => {
      ws.close();
      if (opened) resolve({ status: 'open' });
      else reject(new Error(`no answer from ${url}`));
    }, 5000);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode });
      ws.close();
    });
    ws.on('error', () => undefined); // the unexpected response (or our own close) is what counts
    ws.on('open', () => {
      opened = true;
      if (/\/ws(\?|$)/.test(url)) return; // /ws says hello; the others say nothing until asked: open is the answer
      clearTimeout(timer);
      ws.close();
      resolve({ status: 'open' });
    });
    ws.on('message', (b) => {
      clearTimeout(timer);
      ws.close();
      resolve({ status: 'open', first: b.toString() });
    });
  });
}

const FOREIGN = 'https://evil.example';
const FRIEND = 'https://app.example.com';

describe('web security over HTTP and WebSockets', () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let base: string;
  let token: string;
  let cookie: string;

  beforeAll(async () => {
    ctx = await createContext({ sql: await openTestDatabase() });
    app = await buildServer(ctx, { corsOrigins: [FRIEND] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const u = await ctx.auth.register('web@security.test', 'password1');
    token = await ctx.auth.createApiToken(u.id, 'bot');
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: 'web@security.test', password: 'password1' }),
    });
    expect(login.status).toBe(200);
    cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .filter((c) => !c.endsWith('='))
      .join('; ');
    expect(cookie).not.toBe('');
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ctx.sql.close();
  });

  it('sends the security headers and the strict CSP on API, OpenAPI, Desk, 404 and error responses; HSTS only over HTTPS', async () => {
    for (const [path, status] of [
      ['/api/v1/health', 200],
      ['/api/v1/openapi.json', 200],
      ['/', 200],
      ['/trade', 200],
      ['/api/v1/nope', 404],
      ['/api/v1/trades', 401],
    ] as const) {
      const r = await fetch(base + path);
      expect([path, r.status]).toEqual([path, status]);
      const h = (n: string): string | null => r.headers.get(n);
      const csp = h('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self';"); // no inline or eval'd script
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain(`connect-src 'self' ws://${base.slice(7)} wss://${base.slice(7)}`);
      expect(h('x-content-type-options')).toBe('nosniff');
      expect(h('x-frame-options')).toBe('DENY');
      expect(h('referrer-policy')).toBe('same-origin');
      expect(h('strict-transport-security')).toBeNull(); // plain HTTP
      expect(h('access-control-allow-origin')).toBeNull();
    }
    // a Host that cannot be written into a header adds no WebSocket source
    const odd = await app.inject({ url: '/api/v1/health', headers: { host: 'a b;c' } });
    expect(odd.headers['content-security-policy']).toContain("connect-src 'self' ;");
  });

  it('CORS: no Access-Control-Allow-Origin for a foreign origin; credentials for an allowlisted one (preflight too)', async () => {
    const foreign = await fetch(`${base}/api/v1/health`, { headers: { origin: FOREIGN } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${base}/api/v1/trades`, {
      method: 'OPTIONS',
      headers: { origin: FOREIGN, 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();

    const friend = await fetch(`${base}/api/v1/health`, { headers: { origin: FRIEND } });
    expect(friend.headers.get('access-control-allow-origin')).toBe(FRIEND);
    expect(friend.headers.get('access-control-allow-credentials')).toBe('true');
    expect(friend.headers.get('vary')).toMatch(/origin/i);
    const ok = await fetch(`${base}/api/v1/trades`, {
      method: 'OPTIONS',
      headers: { origin: FRIEND, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-a' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(FRIEND);
    expect(ok.headers.get('access-control-allow-methods')).toContain('DELETE');
  });

  it('CORS is off by default: no allowlist, no Access-Control-Allow-Origin for anyone', async () => {
    const plain = await buildServer(ctx);
    try {
      for (const origin of [FRIEND, FOREIGN]) {
        const r = await plain.inject({ url: '/api/v1/health', headers: { origin } });
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
        const pre = await plain.inject({
          method: 'OPTIONS',
          url: '/api/v1/trades',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
        expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      }
    } finally {
      await plain.close();
    }
  });

  it('finding 7: a foreign Origin with the user’s cookie cannot open any WebSocket (403); the same origin, an allowlisted one and a bot without Origin can', async () => {
    const ws = base.replace('http', 'ws');
    const routes = ['/ws', '/ws/exchange', '/binance/ws', '/binance/ws/btcusdt@trade', '/binance/ws-api/v3'];
    for (const path of routes) {
      expect([path, (await tryWs(ws + path, { cookie, origin: FOREIGN })).status]).toEqual([path, 403]);
      expect([path, (await tryWs(ws + path, { cookie, origin: 'null' })).status]).toEqual([path, 403]);
      // another port of the same host is another origin
      expect([path, (await tryWs(ws + path, { cookie, origin: 'http://127.0.0.1:1' })).status]).toEqual([path, 403]);
    }
    const refused = await app.inject({
      url: '/ws',
      headers: { cookie, origin: FOREIGN, connection: 'Upgrade', upgrade: 'websocket' },
    });
    expect([refused.statusCode, refused.json<{ error: { code: string } }>().error.code]).toEqual([
      403,
      'origin-not-allowed',
    ]);

    // the Desk's own page: same origin, cookie → the user's hello
    const same = await tryWs(`${ws}/ws`, { cookie, origin: base });
    expect(same.status).toBe('open');
    expect(JSON.parse(same.first!)).toMatchObject({ type: 'hello', data: { user: { email: 'web@security.test' } } });
    // an allowlisted origin
    expect((await tryWs(`${ws}/ws`, { cookie, origin: FRIEND })).status).toBe('open');
    // a bot: bearer token, no Origin header
    const bot = await tryWs(`${ws}/ws`, { authorization: `Bearer ${token}` });
    expect(JSON.parse(bot.first!)).toMatchObject({ type: 'hello' });
    expect((await tryWs(`${ws}/ws/exchange`, { authorization: `Bearer ${token}` })).status).toBe('open');
    for (const path of routes.slice(2)) expect([path, (await tryWs(ws + path, {})).status]).toEqual([path, 'open']);
  });

  it('behind a proxy that rewrites Host, the origin of TESTUDO_PUBLIC_URL is the server’s own (WebSocket, sign-in)', async () => {
    process.env.TESTUDO_PUBLIC_URL = 'https://desk.example/';
    const s = await buildServer(ctx).finally(() => delete process.env.TESTUDO_PUBLIC_URL);
    try {
      const up = (origin: string) =>
        s.inject({
          url: '/ws',
          headers: { host: '127.0.0.1:3000', origin, connection: 'Upgrade', upgrade: 'websocket' },
        });
      expect((await up('https://desk.example')).statusCode).not.toBe(403); // no route took the upgrade: 404
      expect((await up(FOREIGN)).statusCode).toBe(403);
      expect((await up('http://desk.example')).statusCode).toBe(403); // another scheme is another origin
    } finally {
      await s.close();
    }
  });

  it('trustProxy off (default): X-Forwarded-For/-Proto/-Host are ignored', async () => {
    const r = await app.inject({
      url: '/api/v1/health',
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
    });
    expect(r.headers['strict-transport-security']).toBeUndefined();
    expect(r.headers['content-security-policy']).not.toContain('evil.example');
    const seen = await whoAmI({}, '10.0.0.2', {
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
    });
    expect(seen).toEqual({ ip: '10.0.0.2', protocol: 'http' });
  });

  it('trustProxy on: X-Forwarded-For sets req.ip and X-Forwarded-Proto https sets the protocol (and HSTS)', async () => {
    const fwd = { 'x-forwarded-for': '203.0.113.7, 10.0.0.9', 'x-forwarded-proto': 'https' };
    expect(await whoAmI({ trustProxy: true }, '10.0.0.2', fwd)).toEqual({ ip: '203.0.113.7', protocol: 'https' });
    // addresses/CIDRs: only the listed proxies are believed
    const cidr = trustProxyOf('10.0.0.0/8');
    expect(await whoAmI({ trustProxy: cidr }, '10.0.0.2', fwd)).toEqual({ ip: '203.0.113.7', protocol: 'https' });
    expect(await whoAmI({ trustProxy: cidr }, '192.0.2.5', fwd)).toEqual({ ip: '192.0.2.5', protocol: 'http' });
    // a hop count: the nearest n proxies
    expect(await whoAmI({ trustProxy: trustProxyOf('1') }, '10.0.0.2', fwd)).toEqual({
      ip: '10.0.0.9',
      protocol: 'https',
    });
    const s = await buildServer(ctx, { trustProxy: true });
    try {
      const r = await s.inject({ url: '/api/v1/health', headers: { 'x-forwarded-proto': 'https' } });
      expect(r.headers['strict-transport-security']).toBe(HSTS);
      // behind a trusted TLS proxy the page is https: an http Origin of the same host is another origin
      const ws = await s.inject({
        url: '/ws',
        headers: {
          host: 'desk.example',
          'x-forwarded-proto': 'https',
          origin: 'http://desk.example',
          connection: 'Upgrade',
          upgrade: 'websocket',
        },
      });
      expect(ws.statusCode).toBe(403);
    } finally {
      await s.close();
    }
  });

  it('refuses bodies over 1 MB before any handler (JSON API and the Binance gateway’s form bodies)', async () => {
    const big = 'x'.repeat(1_100_000);
    const json = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: big, password: 'x' }),
    });
    expect([json.status, ((await json.json()) as { error: { code: string } }).error.code]).toEqual([
      413,
      'body-too-large',
    ]);
    const form = await fetch(`${base}/binance/api/v3/order`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `symbol=${big}`,
    });
    expect(form.status).toBe(413);
    const stream = await fetch(`${base}/binance/api/v3/userDataStream`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `listenKey=${big}`,
    });
    expect(stream.status).toBe(413);
  });

  it('range-checks the risk profile’s minimum reward:risk (was unbounded: 5,000 digits were stored)', async () => {
    const put = (minRewardRisk: unknown) =>
      app.inject({
        method: 'PUT',
        url: '/api/v1/risk-profile',
        headers: { authorization: `Bearer ${token}` },
        payload: { minRewardRisk },
      });
    for (const bad of ['9'.repeat(5000), 1e300, '1000.00000001']) {
      const r = await put(bad);
      expect(r.statusCode).toBe(400);
      expect(r.json<{ error: { fields: { field: string; code: string }[] } }>().error.fields).toEqual([
        expect.objectContaining({ field: 'minRewardRisk', code: 'too-big' }),
      ]);
    }
    const ok = await put('1000');
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ profile: { minRewardRisk: string } }>().profile.minRewardRisk).toBe('1000');
  });

  /** req.ip and req.protocol as a server built with `opts` sees them from peer `remote` with `headers`. */
  async function whoAmI(
    opts: Parameters<typeof buildServer>[1],
    remote: string,
    headers: Record<string, string>,
  ): Promise<{ ip: string; protocol: string }> {
    const s = await buildServer(ctx, opts);
    s.get('/test/who', async (req) => ({ ip: req.ip, protocol: req.protocol }));
    try {
      return (await s.inject({ url: '/test/who', remoteAddress: remote, headers })).json();
    } finally {
      await s.close();
    }
  }
});

describe('TESTUDO_TRUST_PROXY and TESTUDO_CORS_ORIGINS', () => {
  it('parses trustProxy: off by default, true, hop counts, addresses and CIDRs; refuses anything else', () => {
    for (const off of [undefined, '', ' ', 'false', 'FALSE', '0']) expect(trustProxyOf(off)).toBe(false);
    expect(trustProxyOf('true')).toBe(true);
    const hops = trustProxyOf('2') as (a: string, hop: number) => boolean;
    expect([hops('x', 0), hops('x', 1), hops('x', 2)]).toEqual([true, true, false]);
    expect(trustProxyOf('127.0.0.1, 10.0.0.0/8,::1,fd00::/8 ,loopback')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0/8', 'proxy.local', '::1/129', '1.2.3.4/8/8', '1000'])
      expect(() => trustProxyOf(bad), bad).toThrow(/TESTUDO_TRUST_PROXY/);
  });

  it('parses the CORS allowlist into normalised origins; refuses wildcards, paths and other schemes', () => {
    expect(corsOriginsOf(undefined)).toEqual([]);
    expect(corsOriginsOf(' HTTPS://App.Example.com:443 , http://localhost:5173,https://app.example.com/')).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'app.example.com', 'https://a.example/path', 'ftp://a.example', 'https://u:p@a.example'])
      expect(() => corsOriginsOf(bad), bad).toThrow(/TESTUDO_CORS_ORIGINS/);
  });

  it('testudo serve refuses to start on a bad value (invalid-option), before opening anything', () => {
    expect(webSecurityOf({})).toEqual({ trustProxy: false, corsOrigins: [] });
    expect(webSecurityOf({ TESTUDO_TRUST_PROXY: 'loopback', TESTUDO_CORS_ORIGINS: FRIEND })).toEqual({
      trustProxy: ['loopback'],
      corsOrigins: [FRIEND],
    });
    expect(() => webSecurityOf({ TESTUDO_CORS_ORIGINS: '*' })).toThrow(
      expect.objectContaining({ code: 'invalid-option' }),
    );
  });
});
