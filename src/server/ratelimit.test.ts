/**
 * The rate limiter on its own (memory store, injected clock): the sliding window counter hit and recovered, keys per
 * user, per address and per account, admins' factor, the benchmark factor, the sign-in back-off schedule, the group
 * of every kind of route, `TESTUDO_RATE_LIMITS`, and failing open when the store fails. Over HTTP and with Redis:
 * `ratelimit-routes.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { BACKOFF, GROUP_LIMITS, LIMITS, RateLimiter, groupOf, parseRateLimits, type Caller } from './ratelimit.ts';
import { MemoryStore, type LimitStore } from './ratelimit-store.ts';
import { rateLimitFactorOf } from '../cli/serve.ts';

const burst = LIMITS.mutate.burst;

/** How many `mutate` requests one user gets at once (up to `max`). */
async function takeAll(l: RateLimiter, max: number, user = 1, admin = false): Promise<number> {
  let n = 0;
  while (n < max && (await l.take('mutate', user, admin)) === 0) n++;
  return n;
}

/** How many requests of `who` in `read` (limited to 10 per second per user, 30 per address) pass now (up to 100). */
async function reads(l: RateLimiter, who: Caller): Promise<number> {
  let n = 0;
  while (n < 100 && (await l.check('read', who))?.allowed) n++;
  return n;
}

const small = { read: { windowMs: 1_000, perUser: 10, perAddress: 30 } };

describe('rate limiter factor', () => {
  it('allows the default mutate limit (1,000 per 10 s) at once, then asks to wait', async () => {
    const l = new RateLimiter(() => 0);
    expect(GROUP_LIMITS.mutate).toMatchObject({ perUser: burst, windowMs: 10_000 });
    expect(await takeAll(l, burst * 2)).toBe(burst);
    expect(await l.take('mutate', 1, false)).toBeGreaterThan(0);
  });

  it('multiplies the limits by the factor, and turns limits off with Infinity', async () => {
    expect(await takeAll(new RateLimiter(() => 0, 10), burst * 20)).toBe(burst * 10);
    expect(await takeAll(new RateLimiter(() => 0, Infinity), burst * 5)).toBe(burst * 5);
    expect(await new RateLimiter(() => 0, Infinity).check('auth', { address: 'x' })).toBeNull();
  });

  it('gives admins ten times the limit', async () => {
    expect(await takeAll(new RateLimiter(() => 0), burst * 20, 7, true)).toBe(burst * 10);
  });

  it('reads the factor from the environment text: a positive number or "off"', () => {
    expect(rateLimitFactorOf(undefined)).toBeUndefined();
    expect(rateLimitFactorOf('100')).toBe(100);
    expect(rateLimitFactorOf('off')).toBe(Infinity);
    expect(rateLimitFactorOf('-3')).toBeUndefined();
    expect(rateLimitFactorOf('nope')).toBeUndefined();
  });
});

describe('sliding window counter', () => {
  it('refuses past the limit with Retry-After and the draft-06 fields, and recovers linearly in the next window', async () => {
    let clock = 5_000; // the start of a 1 s fixed window
    const l = new RateLimiter(() => clock, 1, { limits: small });
    const u = { user: { id: 1 } };
    const first = await l.check('read', u);
    expect(first).toMatchObject({ allowed: true, limit: 10, remaining: 9, resetSeconds: 2, windowSeconds: 1 });
    expect(await reads(l, u)).toBe(9);
    clock += 400;
    const refused = await l.check('read', u);
    // the current window alone is full: wait for its end (600 ms) plus 1/10 of the next one
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfter: 1 });
    clock += 600; // next window starts: the 10 hits weigh 10 · (1000 − 0) / 1000 = 10
    expect(await reads(l, u)).toBe(0);
    clock += 500; // half the old window still overlaps: 5 free
    expect(await reads(l, u)).toBe(5);
    clock += 2_000; // two windows later everything is back
    expect(await reads(l, u)).toBe(10);
  });

  it('keys per user, per address and per account; an anonymous caller only by address', async () => {
    const l = new RateLimiter(() => 0, 1, { limits: small });
    expect(await reads(l, { user: { id: 1 }, address: 'a' })).toBe(10);
    expect(await reads(l, { user: { id: 2 }, address: 'a' })).toBe(10);
    expect(await reads(l, { address: 'a' })).toBe(10); // the address's 30 are used up now
    expect(await reads(l, { user: { id: 3 }, address: 'a' })).toBe(0);
    expect(await reads(l, { user: { id: 3 }, address: 'b' })).toBe(10);
    const refused = await l.check('read', { user: { id: 4 }, address: 'a' });
    expect(refused).toMatchObject({ allowed: false, limit: 30 }); // the address window refused
    const auth = new RateLimiter(() => 0, 1, { limits: { auth: { windowMs: 60_000, perUser: 2, perAddress: 50 } } });
    expect((await auth.check('auth', { address: 'a', account: 'x@y' }))?.allowed).toBe(true);
    expect((await auth.check('auth', { address: 'b', account: 'x@y' }))?.allowed).toBe(true);
    expect((await auth.check('auth', { address: 'c', account: 'x@y' }))?.allowed).toBe(false);
    expect((await auth.check('auth', { address: 'c', account: 'z@y' }))?.allowed).toBe(true);
  });

  it('counts a refused request in no window', async () => {
    const l = new RateLimiter(() => 0, 1, { limits: small });
    expect(await reads(l, { user: { id: 1 }, address: 'a' })).toBe(10);
    for (let i = 0; i < 50; i++) await l.check('read', { user: { id: 1 }, address: 'a' });
    expect(await reads(l, { user: { id: 2 }, address: 'a' })).toBe(10); // the address counted 10, not 60
  });
});

describe('sign-in back-off', () => {
  it('waits nothing for 5 failures, then 1 s, 2 s, 4 s … up to 15 min', () => {
    const l = new RateLimiter();
    expect([0, 1, 5, 6, 7, 8, 9, 15, 16, 100].map((n) => l.delayAfter(n))).toEqual([
      0,
      0,
      0,
      1_000,
      2_000,
      4_000,
      8_000,
      512_000,
      BACKOFF.capMs,
      BACKOFF.capMs,
    ]);
  });

  it('counts failures per key on the clock, forgets them after an hour, and clears them on success', async () => {
    let clock = 0;
    const l = new RateLimiter(() => clock);
    for (let i = 0; i < 6; i++) await l.failed(['a:1', 'e:x']);
    expect(await l.backoffWait(['a:1'])).toBe(1_000);
    clock += 400;
    expect(await l.backoffWait(['a:2', 'e:x'])).toBe(600);
    await l.succeeded('e:x');
    expect(await l.backoffWait(['e:x'])).toBe(0);
    expect(await l.backoffWait(['a:1'])).toBe(600);
    clock += BACKOFF.ttlMs;
    expect(await l.backoffWait(['a:1'])).toBe(0);
  });
});

describe('route groups', () => {
  it('puts sign-in, registration, expensive queries, the gateway, reads and mutations in their groups', () => {
    expect(groupOf('POST', '/api/v1/auth/login')).toBe('auth');
    expect(groupOf('POST', '/api/v1/auth/refresh')).toBe('auth');
    expect(groupOf('POST', '/api/v1/auth/siwe/verify')).toBe('auth');
    expect(groupOf('GET', '/api/v1/auth/oidc/callback')).toBe('auth');
    expect(groupOf('POST', '/api/v1/auth/mfa/verify')).toBe('auth');
    expect(groupOf('POST', '/api/v1/auth/register')).toBe('register');
    expect(groupOf('POST', '/api/v1/auth/tokens')).toBe('mutate');
    expect(groupOf('POST', '/api/v1/auth/mfa/totp/enable')).toBe('mutate');
    expect(groupOf('GET', '/api/v1/auth/me')).toBe('read');
    expect(groupOf('GET', '/api/v1/journal/stats')).toBe('expensive');
    expect(groupOf('POST', '/api/v1/candles/import')).toBe('expensive');
    expect(groupOf('GET', '/api/v1/trades')).toBe('read');
    expect(groupOf('POST', '/api/v1/trades')).toBe('mutate');
    expect(groupOf('DELETE', '/api/v1/journal/entries/:id')).toBe('mutate');
    expect(groupOf('GET', '/binance/api/v3/depth')).toBe('binance');
    expect(groupOf('GET', '/')).toBe('read');
  });

  it('reads TESTUDO_RATE_LIMITS overrides and ignores malformed entries', () => {
    expect(parseRateLimits('register=1000/1h, read=50/2s, auth=7, auth-free-failures=100, bogus=3, read=x')).toEqual({
      limits: {
        register: { windowMs: 3_600_000, perAddress: 1000 },
        read: { windowMs: 2_000, perUser: 50, perAddress: 250 },
        auth: { windowMs: GROUP_LIMITS.auth.windowMs, perUser: 7, perAddress: 21 },
      },
      backoff: { free: 100 },
    });
    expect(parseRateLimits(undefined)).toEqual({ limits: {}, backoff: {} });
  });
});

describe('a failing store', () => {
  it('lets requests through and warns once', async () => {
    const broken: LimitStore = Object.assign(new MemoryStore(), {
      hit: () => Promise.reject(new Error('connection refused')),
      failures: () => Promise.reject(new Error('connection refused')),
      fail: () => Promise.reject(new Error('connection refused')),
    });
    const warnings: string[] = [];
    const l = new RateLimiter(undefined, 1, { store: broken, warn: (m) => warnings.push(m) });
    expect(await l.check('auth', { address: 'a' })).toBeNull();
    expect(await l.take('mutate', 1, false)).toBe(0);
    await l.failed(['a:a']);
    expect(await l.backoffWait(['a:a'])).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/connection refused.*let through/);
  });
});
