/**
 * Rate limits over HTTP (fastify `inject`, addresses set per request) on a real database: the `429 rate-limited`
 * answer with `Retry-After` and the draft-06 `RateLimit-*` fields, keys per user and per address, each group on its
 * routes (the exchange's classes counted once), the `/binance` gateway left to its own weights, the sign-in back-off
 * growing per address and per account, issue 11's finding 6 (300 wrong passwords from one address) and unlimited
 * registration as regressions, and two servers sharing Redis allowing a limit once, not twice (skipped, saying so,
 * only when no Redis answers at `TESTUDO_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import type { Sql } from '../db/sql.ts';
import { buildServer } from './app.ts';
import { RateLimiter, type RateLimiterOptions } from './ratelimit.ts';
import { RedisStore } from './ratelimit-store.ts';

const REDIS_URL = process.env.TESTUDO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url` within 2 s. */
async function redisUp(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
const haveRedis = await redisUp(REDIS_URL);
if (!haveRedis) console.warn(`ratelimit-routes.test: no Redis at ${REDIS_URL}; the shared-Redis tests are skipped`);

let sql: Sql;
let ctx: AppContext;
const apps: FastifyInstance[] = [];
const token: Record<string, string> = {};
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  sql = await openTestDatabase();
  ctx = await createContext({ sql });
  for (const name of ['alice', 'bob', 'carol', 'dave']) {
    const u = await ctx.auth.register(`${name}@limits.test`, PASSWORD);
    token[name] = await ctx.auth.createApiToken(u.id, 't');
  }
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await ctx?.close();
  await sql?.close();
});

/** A server over the shared context with its own limiter (closed after the file). */
async function server(limiter: RateLimiter): Promise<FastifyInstance> {
  const app = await buildServer(ctx, { rateLimiter: limiter });
  apps.push(app);
  return app;
}

/** Calls `app` as `who` (a user name, or null) from `address`. */
function call(
  app: FastifyInstance,
  who: string | null,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  o: { address?: string; body?: Record<string, unknown> } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    remoteAddress: o.address ?? '10.0.0.1',
    headers: who ? { authorization: `Bearer ${token[who]}` } : {},
    ...(o.body ? { payload: o.body } : {}),
  });
}

const codeOf = (r: LightMyRequestResponse): string | undefined =>
  (r.json() as { error?: { code?: string } }).error?.code;

const login = (
  app: FastifyInstance,
  email: string,
  password: string,
  address: string,
): Promise<LightMyRequestResponse> =>
  call(app, null, 'POST', '/api/v1/auth/login', { address, body: { email, password } });

/** A limiter on a fake clock with `limits` overriding the defaults. */
function fake(limits: RateLimiterOptions['limits'], backoff?: RateLimiterOptions['backoff']) {
  const l = { clock: 1_000_000, limiter: null as unknown as RateLimiter };
  l.limiter = new RateLimiter(() => l.clock, 1, { limits, backoff });
  return l;
}

describe('limits over HTTP', () => {
  it('answers 429 rate-limited with Retry-After and RateLimit-* fields, and recovers on the clock', async () => {
    const f = fake({ read: { windowMs: 10_000, perUser: 3, perAddress: 6 } });
    const app = await server(f.limiter);
    for (let i = 0; i < 6; i++) {
      const r = await call(app, null, 'GET', '/api/v1/health');
      expect(r.statusCode).toBe(200);
      expect([r.headers['ratelimit-limit'], r.headers['ratelimit-remaining']]).toEqual(['6', String(5 - i)]);
      expect(r.headers['ratelimit-policy']).toBe('6;w=10');
      expect(Number(r.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    const limited = await call(app, null, 'GET', '/api/v1/health');
    expect([limited.statusCode, codeOf(limited), limited.headers['ratelimit-remaining']]).toEqual([
      429,
      'rate-limited',
      '0',
    ]);
    const wait = Number(limited.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(limited.headers['ratelimit-reset']).toBe(String(wait));
    f.clock += wait * 1000;
    expect((await call(app, null, 'GET', '/api/v1/health')).statusCode).toBe(200);
  });

  it('keys per signed-in user and per address', async () => {
    const f = fake({ read: { windowMs: 10_000, perUser: 3, perAddress: 8 } });
    const app = await server(f.limiter);
    const me = (who: string | null, address: string): Promise<number> =>
      call(app, who, 'GET', '/api/v1/auth/me', { address }).then((r) => r.statusCode);
    for (let i = 0; i < 3; i++) expect(await me('alice', '10.0.0.1')).toBe(200);
    expect(await me('alice', '10.0.0.1')).toBe(429);
    expect(await me('alice', '10.0.0.2')).toBe(429); // the user's window, from any address
    expect(await me('bob', '10.0.0.1')).toBe(200); // another user on the same address
    // the address's 8: alice's 3 counted ones, bob's 1, then 4 anonymous calls
    for (let i = 0; i < 4; i++) expect(await me(null, '10.0.0.1')).not.toBe(429);
    expect(await me(null, '10.0.0.1')).toBe(429);
    expect(await me('carol', '10.0.0.1')).toBe(429);
    expect(await me('carol', '10.0.0.3')).toBe(200);
  });

  it('puts mutations and expensive queries in their groups, and counts an exchange class route once', async () => {
    const f = fake({
      mutate: { windowMs: 10_000, perUser: 3, perAddress: 100 },
      expensive: { windowMs: 60_000, perUser: 2, perAddress: 100 },
    });
    const app = await server(f.limiter);
    // the exchange's own mutate class (its preHandler) and a plain mutation share the user's mutate window
    expect((await call(app, 'alice', 'DELETE', '/api/v1/exchange/orders/999999')).statusCode).toBe(404);
    expect((await call(app, 'alice', 'DELETE', '/api/v1/exchange/orders/999999')).statusCode).toBe(404);
    const plain = await call(app, 'alice', 'POST', '/api/v1/journal/entries', { body: {} });
    expect(plain.statusCode).toBe(400);
    expect(plain.headers['ratelimit-remaining']).toBe('0');
    const refused = await call(app, 'alice', 'DELETE', '/api/v1/exchange/orders/999999');
    expect([refused.statusCode, codeOf(refused)]).toEqual([429, 'rate-limited']);
    expect((await call(app, 'alice', 'POST', '/api/v1/journal/entries', { body: {} })).statusCode).toBe(429);
    expect((await call(app, 'alice', 'GET', '/api/v1/trades')).statusCode).toBe(200); // reads are another group
    // expensive: a journal analysis and the exchange's trade history
    expect((await call(app, 'bob', 'GET', '/api/v1/journal/stats')).statusCode).not.toBe(429);
    expect((await call(app, 'bob', 'GET', '/api/v1/exchange/markets/999999/trades')).statusCode).toBe(404);
    expect((await call(app, 'bob', 'GET', '/api/v1/journal/stats')).statusCode).toBe(429);
    expect((await call(app, 'bob', 'DELETE', '/api/v1/exchange/orders/999999')).statusCode).toBe(404);
  });

  it('leaves the /binance gateway to its own request weights', async () => {
    const f = fake({ read: { windowMs: 10_000, perUser: 2, perAddress: 2 } });
    const app = await server(f.limiter);
    for (let i = 0; i < 5; i++) {
      const r = await call(app, null, 'GET', '/binance/api/v3/exchangeInfo');
      expect(r.statusCode).toBe(200);
      expect(r.headers['ratelimit-limit']).toBeUndefined();
      expect(r.headers['x-mbx-used-weight']).toBeDefined();
    }
  });
});

describe('sign-in throttling', () => {
  it('backs off exponentially per address and per account after 5 failures; a success clears the account', async () => {
    const f = fake({});
    const app = await server(f.limiter);
    const email = 'alice@limits.test';
    for (let i = 0; i < 6; i++) expect((await login(app, email, 'wrong password', '10.1.0.1')).statusCode).toBe(401);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await login(app, email, 'wrong password', '10.1.0.1');
      expect([r.statusCode, codeOf(r)]).toEqual([429, 'rate-limited']);
      waits.push(Number(r.headers['retry-after']));
      f.clock += waits.at(-1)! * 1000;
      expect((await login(app, email, 'wrong password', '10.1.0.1')).statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    // the account is held from every address (even with the right password), another e-mail from a new one is not
    expect((await login(app, email, PASSWORD, '10.1.0.2')).statusCode).toBe(429);
    expect((await login(app, 'bob@limits.test', 'wrong password', '10.1.0.2')).statusCode).toBe(401);
    // the address is held for every e-mail
    expect((await login(app, 'bob@limits.test', PASSWORD, '10.1.0.1')).statusCode).toBe(429);
    // unknown e-mails are counted the same way as known ones
    for (let i = 0; i < 6; i++)
      expect((await login(app, 'nobody@limits.test', 'some password', '10.1.0.3')).statusCode).toBe(401);
    expect((await login(app, 'nobody@limits.test', 'some password', '10.1.0.4')).statusCode).toBe(429);
    // after the wait, the right password signs in and clears the account's failures
    f.clock += 16_000;
    expect((await login(app, email, PASSWORD, '10.1.0.5')).statusCode).toBe(200);
    expect((await login(app, email, 'wrong password', '10.1.0.6')).statusCode).toBe(401);
    expect((await login(app, email, 'wrong password', '10.1.0.6')).statusCode).toBe(401);
  });

  it('counts no back-off failure for a refused refresh (a random secret, not a guess), nor holds refreshes', async () => {
    const f = fake({});
    const app = await server(f.limiter);
    for (let i = 0; i < 8; i++)
      expect((await call(app, null, 'POST', '/api/v1/auth/refresh', { address: '10.1.1.1' })).statusCode).toBe(401);
    expect((await login(app, 'dave@limits.test', 'wrong password', '10.1.1.1')).statusCode).toBe(401);
    for (let i = 0; i < 6; i++) await login(app, 'dave@limits.test', 'wrong password', '10.1.1.2');
    expect((await login(app, 'dave@limits.test', 'wrong password', '10.1.1.2')).statusCode).toBe(429);
    expect((await call(app, null, 'POST', '/api/v1/auth/refresh', { address: '10.1.1.2' })).statusCode).toBe(401);
  });

  it('finding 6: 300 wrong passwords from one address are mostly refused with 429 and Retry-After', async () => {
    const app = await server(new RateLimiter()); // the default limits, real clock
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const r = await login(app, 'carol@limits.test', `guess-number-${i}`, '10.2.0.1');
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      if (r.statusCode === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      else expect(r.statusCode).toBe(401);
    }
    expect(statuses.get(429) ?? 0).toBeGreaterThanOrEqual(280);
    expect(statuses.get(401) ?? 0).toBeLessThanOrEqual(20);
  });

  it('finding 6: registration is limited per address (10 an hour)', async () => {
    const app = await server(new RateLimiter());
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call(app, null, 'POST', '/api/v1/auth/register', {
        address: '10.3.0.1',
        body: { email: `bulk-${i}@limits.test`, password: PASSWORD },
      });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(201), 429, 429]);
    const other = await call(app, null, 'POST', '/api/v1/auth/register', {
      address: '10.3.0.2',
      body: { email: 'bulk-other@limits.test', password: PASSWORD },
    });
    expect(other.statusCode).toBe(201);
  });
});

describe.skipIf(!haveRedis)(
  `two servers sharing Redis${haveRedis ? '' : ` (skipped: no Redis at ${REDIS_URL})`}`,
  () => {
    const prefix = `testudo:rl:test:${process.pid}:${Date.now()}:`;
    const stores: RedisStore[] = [];
    /** Two servers, each with its own limiter and Redis connection, on the same Redis and key prefix. */
    const pair = async (
      limits: RateLimiterOptions['limits'],
      backoff?: RateLimiterOptions['backoff'],
      tag = '',
    ): Promise<[FastifyInstance, FastifyInstance]> => {
      const mk = (): Promise<FastifyInstance> => {
        const store = new RedisStore(REDIS_URL, `${prefix}${tag}`);
        stores.push(store);
        return server(new RateLimiter(undefined, 1, { store, limits, backoff }));
      };
      return [await mk(), await mk()];
    };
    afterAll(async () => {
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}*`);
      if (keys.length > 0) await r.del(...keys);
      r.disconnect();
      for (const s of stores) await s.close();
    });

    it('allow a read limit and an exchange class limit once between them, not twice', async () => {
      const [a, b] = await pair(
        {
          read: { windowMs: 60_000, perUser: 100, perAddress: 5 },
          mutate: { windowMs: 60_000, perUser: 4, perAddress: 100 },
        },
        undefined,
        'once:',
      );
      const reads: number[] = [];
      for (let i = 0; i < 8; i++) reads.push((await call(i % 2 ? b : a, null, 'GET', '/api/v1/health')).statusCode);
      expect(reads).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const cancels: number[] = [];
      for (let i = 0; i < 6; i++)
        cancels.push((await call(i % 2 ? b : a, 'dave', 'DELETE', '/api/v1/exchange/orders/999999')).statusCode);
      expect(cancels).toEqual([404, 404, 404, 404, 429, 429]);
    });

    it('share the sign-in back-off', async () => {
      const [a, b] = await pair({}, { baseMs: 60_000 }, 'auth:');
      for (let i = 0; i < 3; i++)
        expect((await login(a, 'bob@limits.test', 'wrong password', '10.4.0.1')).statusCode).toBe(401);
      for (let i = 0; i < 3; i++)
        expect((await login(b, 'bob@limits.test', 'wrong password', '10.4.0.1')).statusCode).toBe(401);
      const held = await login(a, 'bob@limits.test', PASSWORD, '10.4.0.2');
      expect([held.statusCode, Number(held.headers['retry-after'])]).toEqual([429, 60]);
      expect((await login(b, 'bob@limits.test', PASSWORD, '10.4.0.3')).statusCode).toBe(429);
    });

    it('recover after a real short window', async () => {
      const [a, b] = await pair({ read: { windowMs: 1_000, perUser: 10, perAddress: 2 } }, undefined, 'short:');
      expect((await call(a, null, 'GET', '/api/v1/health')).statusCode).toBe(200);
      expect((await call(b, null, 'GET', '/api/v1/health')).statusCode).toBe(200);
      const limited = await call(a, null, 'GET', '/api/v1/health');
      expect(limited.statusCode).toBe(429);
      const wait = Number(limited.headers['retry-after']);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(2);
      await new Promise((r) => setTimeout(r, wait * 1000 + 50));
      expect((await call(b, null, 'GET', '/api/v1/health')).statusCode).toBe(200);
    });

    it('let requests through, with a warning, when Redis is unreachable', async () => {
      const warnings: string[] = [];
      const store = new RedisStore('redis://127.0.0.1:1', `${prefix}down:`);
      stores.push(store);
      const app = await server(new RateLimiter(undefined, 1, { store, warn: (m) => warnings.push(m) }));
      for (let i = 0; i < 3; i++) expect((await call(app, null, 'GET', '/api/v1/health')).statusCode).toBe(200);
      expect((await login(app, 'bob@limits.test', 'wrong password', '10.5.0.1')).statusCode).toBe(401);
      expect(warnings).toHaveLength(1);
    });
  },
);
