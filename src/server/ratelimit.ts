/**
 * Rate limits on every route, per user and per address, in groups, as sliding windows (the sliding window counter,
 * see `ratelimit-store.ts`) kept in memory or, when `REDIS_URL` is set, in Redis so that every process sharing it
 * shares every limit.
 *
 * Groups (per signed-in user / per client address `req.ip`, over the window; admins get ten times the user limit
 * and the address limit of their own requests):
 * - `read` (GET, HEAD, OPTIONS, WebSocket upgrades, the Desk's files): 1,000 / 5,000 per 10 s;
 * - `mutate` (every other method; the simulated exchange's orders, cancels, amendments, transfers, API keys,
 *   imports and the `/ws/exchange` operations): 1,000 / 5,000 per 10 s — the former token bucket of 100 per second
 *   with bursts of 1,000;
 * - `expensive` (the exchange's full trade history, market creation, auctions, backtests and optimisations, and the
 *   listed {@link EXPENSIVE_ROUTES}): 180 / 900 per 60 s — the former 180 per minute;
 * - `auth` (sign-in: password login, refresh, SIWE, OIDC, the second-factor check): 20 per account (the e-mail of
 *   the body) / 60 per address per 10 min, plus exponential back-off after failures (`auth-throttle.ts`);
 * - `register`: 10 per address per hour (every attempt counts).
 * The Binance-compatible gateway under `/binance` keeps its own request weights and is not limited again here.
 *
 * A refused request is answered `429 rate-limited` with `Retry-After` (seconds); every response of a limited group
 * carries the fields of draft-ietf-httpapi-ratelimit-headers-06 (December 2022): `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the whole limit is back) and `RateLimit-Policy`
 * (`<limit>;w=<window seconds>`), for the window closest to refusing. When the store fails (Redis unreachable) the
 * request is let through and a warning is logged (at most once a minute): limits never cause a 500.
 *
 * Settings: `REDIS_URL` (shared counters), `TESTUDO_RATE_LIMITS` (overrides, {@link parseRateLimits}),
 * `TESTUDO_RATE_LIMIT_FACTOR` (multiplies every limit, `off` disables them; `src/cli/serve.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../app/errors.ts';
import {
  MemoryStore,
  RedisStore,
  estimate,
  resetMs,
  waitMs,
  type LimitStore,
  type WindowCount,
  type WindowSpec,
} from './ratelimit-store.ts';

/** A rate-limit group of routes. */
export type LimitGroup = 'read' | 'mutate' | 'expensive' | 'auth' | 'register';

/** The simulated exchange's classes (route preHandlers and `/ws/exchange`): the `mutate` and `expensive` groups. */
export type LimitClass = 'mutate' | 'expensive';

/** The limits of a group: `perUser` (per account for `auth`; null: not keyed by user) and `perAddress` per window. */
export interface GroupLimit {
  windowMs: number;
  perUser: number | null;
  perAddress: number;
}

/** The default limits of each group (see the module comment). */
export const GROUP_LIMITS: Readonly<Record<LimitGroup, GroupLimit>> = {
  read: { windowMs: 10_000, perUser: 1_000, perAddress: 5_000 },
  mutate: { windowMs: 10_000, perUser: 1_000, perAddress: 5_000 },
  expensive: { windowMs: 60_000, perUser: 180, perAddress: 900 },
  auth: { windowMs: 600_000, perUser: 20, perAddress: 60 },
  register: { windowMs: 3_600_000, perUser: null, perAddress: 10 },
};

/**
 * The exchange classes as rate and burst, for callers written against the former token buckets: `burst` is the
 * per-user limit of one window, `perSecond` the long-run rate (limit / window).
 */
export const LIMITS: Record<LimitClass, { perSecond: number; burst: number }> = {
  mutate: { perSecond: 100, burst: 1000 },
  expensive: { perSecond: 3, burst: 180 },
};

/** Multiplier for admins. */
export const ADMIN_FACTOR = 10;

/** Exponential back-off after authentication failures, per address and per account. */
export interface Backoff {
  /** Failures without any wait. */
  free: number;
  /** Wait after the first failure past `free`, ms; doubles with each further failure. */
  baseMs: number;
  /** Longest wait, ms. */
  capMs: number;
  /** A failure record is forgotten this long after its last failure, ms. */
  ttlMs: number;
}

/** Default back-off: 5 free failures, then 1 s, 2 s, 4 s … capped at 15 min, forgotten after an hour. */
export const BACKOFF: Backoff = { free: 5, baseMs: 1_000, capMs: 15 * 60_000, ttlMs: 60 * 60_000 };

/**
 * The outcome of a check: allowed or not, and the draft-06 fields of the window closest to refusing (`limit`,
 * `remaining`, `resetSeconds`, `windowSeconds`); `retryAfter` seconds (≥ 1) when refused, else 0.
 */
export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
  windowSeconds: number;
  retryAfter: number;
}

/** Who makes a request: the signed-in user (if any), the client address, the account an auth request names. */
export interface Caller {
  user?: { id: number; isAdmin?: boolean } | null;
  address?: string | null;
  account?: string | null;
}

/** Options of {@link RateLimiter} beyond the clock and the factor. */
export interface RateLimiterOptions {
  /** Counter storage; default a {@link MemoryStore} on the limiter's clock. */
  store?: LimitStore;
  /** Overrides of {@link GROUP_LIMITS}, per group. */
  limits?: Partial<Record<LimitGroup, Partial<GroupLimit>>>;
  /** Overrides of {@link BACKOFF}. */
  backoff?: Partial<Backoff>;
  /** Where store failures are reported (at most once a minute); default `console.warn`. */
  warn?: (message: string) => void;
}

/** Sliding-window limits by group, keyed per user and per address, over a {@link LimitStore}. */
export class RateLimiter {
  readonly store: LimitStore;
  readonly limits: Readonly<Record<LimitGroup, GroupLimit>>;
  readonly backoff: Backoff;
  private readonly warn: (message: string) => void;
  private lastWarn = -Infinity;

  /**
   * @param now the clock, ms (the memory store's; the Redis store uses Redis's clock)
   * @param factor multiplies every limit (e.g. 100 for a benchmark); `Infinity` turns every limit and the back-off
   *   off. Default 1: the limits above.
   * @param opts store, limit overrides, back-off, warning sink
   */
  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly factor = 1,
    opts: RateLimiterOptions = {},
  ) {
    this.store = opts.store ?? new MemoryStore(now);
    const limits = {} as Record<LimitGroup, GroupLimit>;
    for (const g of Object.keys(GROUP_LIMITS) as LimitGroup[]) limits[g] = { ...GROUP_LIMITS[g], ...opts.limits?.[g] };
    this.limits = limits;
    this.backoff = { ...BACKOFF, ...opts.backoff };
    this.warn = opts.warn ?? ((m) => console.warn(m));
  }

  /** Whether limits are off (factor `Infinity`). */
  get off(): boolean {
    return this.factor === Infinity;
  }

  /** The windows a request of `group` by `who` counts in. */
  private windows(group: LimitGroup, who: Caller): WindowSpec[] {
    const g = this.limits[group];
    const f = this.factor * (who.user?.isAdmin === true ? ADMIN_FACTOR : 1);
    const n = (x: number): number => Math.max(1, Math.floor(x * f));
    const out: WindowSpec[] = [];
    if (g.perUser !== null && who.user && group !== 'auth')
      out.push({ key: `${group}:u:${who.user.id}`, limit: n(g.perUser), windowMs: g.windowMs });
    if (g.perUser !== null && who.account && group === 'auth')
      out.push({ key: `${group}:e:${who.account}`, limit: n(g.perUser), windowMs: g.windowMs });
    if (who.address) out.push({ key: `${group}:a:${who.address}`, limit: n(g.perAddress), windowMs: g.windowMs });
    return out;
  }

  /**
   * Counts one request of `group` by `who` in each of its windows (per user, per account for `auth`, per address)
   * when all allow it. Null when nothing applies (limits off, no key) or the store failed (logged; fail open).
   */
  async check(group: LimitGroup, who: Caller): Promise<Decision | null> {
    if (this.off) return null;
    const ws = this.windows(group, who);
    if (ws.length === 0) return null;
    let r;
    try {
      r = await this.store.hit(ws);
    } catch (e) {
      this.storeFailed(e);
      return null;
    }
    return decide(ws, r.counts, r.allowed);
  }

  /**
   * The former token-bucket call: takes one request of class `cls` for `user` (per-user window only). Returns 0 when
   * allowed, or the seconds to wait (≥ 1).
   */
  async take(cls: LimitClass, user: number, admin: boolean): Promise<number> {
    const d = await this.check(cls, { user: { id: user, isAdmin: admin } });
    return d === null || d.allowed ? 0 : d.retryAfter;
  }

  /** The back-off wait (ms) of `keys` (e.g. `a:<address>`, `e:<e-mail>`) after their failures; 0 when none. */
  async backoffWait(keys: readonly string[]): Promise<number> {
    if (this.off) return 0;
    let wait = 0;
    try {
      for (const k of keys) {
        const f = await this.store.failures(`auth:${k}`);
        if (f) wait = Math.max(wait, this.delayAfter(f.count) - f.sinceMs);
      }
    } catch (e) {
      this.storeFailed(e);
      return 0;
    }
    return Math.max(0, wait);
  }

  /** The wait (ms) after `failures` failures: 0 up to `free`, then `baseMs · 2^(n − free − 1)` up to `capMs`. */
  delayAfter(failures: number): number {
    const { free, baseMs, capMs } = this.backoff;
    if (failures <= free) return 0;
    return Math.min(capMs, baseMs * 2 ** Math.min(40, failures - free - 1));
  }

  /** Records one authentication failure for each of `keys`. */
  async failed(keys: readonly string[]): Promise<void> {
    if (this.off) return;
    try {
      for (const k of keys) await this.store.fail(`auth:${k}`, this.backoff.ttlMs);
    } catch (e) {
      this.storeFailed(e);
    }
  }

  /** Forgets the failures of `key` (a successful sign-in of that account). */
  async succeeded(key: string): Promise<void> {
    try {
      await this.store.clear(`auth:${key}`);
    } catch (e) {
      this.storeFailed(e);
    }
  }

  /**
   * Resolves once the store can answer (Redis connected) or after `timeoutMs`: before that, requests are let through
   * (fail open), so a server awaits this before it listens.
   */
  async ready(timeoutMs = 2_000): Promise<void> {
    await this.store.ready?.(timeoutMs);
  }

  /** Closes the store (Redis connections). */
  async close(): Promise<void> {
    await this.store.close();
  }

  private storeFailed(e: unknown): void {
    const t = Date.now();
    if (t - this.lastWarn < 60_000) return;
    this.lastWarn = t;
    this.warn(
      `rate limits: the counter store failed (${e instanceof Error ? e.message : String(e)}); requests are let through`,
    );
  }
}

/**
 * The decision for windows `ws` with counters `counts`: the refusing window with the longest wait, else the one with
 * the smallest share left.
 */
function decide(ws: readonly WindowSpec[], counts: readonly WindowCount[], allowed: boolean): Decision {
  let best: Decision | null = null;
  ws.forEach((w, i) => {
    const c = counts[i]!;
    const wait = allowed ? 0 : waitMs(c, w.limit, w.windowMs);
    if (!allowed && wait === 0) return; // this window would allow it: another one refused
    const d: Decision = {
      allowed,
      limit: w.limit,
      remaining: Math.max(0, Math.floor(w.limit - estimate(c, w.windowMs) + 1e-9)),
      resetSeconds: Math.ceil(resetMs(c, w.windowMs) / 1000),
      windowSeconds: Math.ceil(w.windowMs / 1000),
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil(wait / 1000)),
    };
    if (
      !best ||
      (!allowed && d.retryAfter > best.retryAfter) ||
      (allowed && d.remaining / d.limit < best.remaining / best.limit)
    )
      best = d;
  });
  return best!;
}

/**
 * Sets the draft-06 `RateLimit-*` fields of `d` on `reply`; when refused, also `Retry-After`, and throws.
 * @throws RateLimitedError `rate-limited` (429) when `d` refuses
 */
export function applyDecision(reply: FastifyReply, d: Decision | null, group: LimitGroup): void {
  if (!d) return;
  reply.header('ratelimit-limit', String(d.limit));
  reply.header('ratelimit-remaining', String(d.remaining));
  reply.header('ratelimit-reset', String(d.allowed ? d.resetSeconds : d.retryAfter));
  reply.header('ratelimit-policy', `${d.limit};w=${d.windowSeconds}`);
  if (d.allowed) return;
  reply.header('retry-after', String(d.retryAfter));
  throw new RateLimitedError('rate-limited', `too many ${group} requests: retry in ${d.retryAfter} s`);
}

/**
 * Routes outside `read`/`mutate` by their method and pattern (besides the exchange routes, backtests,
 * optimisations and imports, which name their class in their own preHandler): analytics over a user's whole
 * journal, candle ranges and uploads, and calls that reach an outside venue.
 */
export const EXPENSIVE_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/v1/candles',
  'POST /api/v1/candles/import',
  'GET /api/v1/journal/stats',
  'GET /api/v1/journal/breakdown',
  'GET /api/v1/journal/daily',
  'GET /api/v1/journal/excursions',
  'GET /api/v1/journal/r-distribution',
  'GET /api/v1/connections/:id/markets',
  'POST /api/v1/connections/:id/test',
]);

/** Sign-in routes (any method): password login, refresh, SIWE, OIDC, the second-factor check at login. */
const AUTH_ROUTE = /^\/api\/v1\/auth\/(login|refresh|siwe\/|oidc\/|mfa\/verify)/;

/** The group of a route: `binance` for the gateway (its own weights), else a {@link LimitGroup}. */
export function groupOf(method: string, url: string): LimitGroup | 'binance' {
  if (url === '/binance' || url.startsWith('/binance/')) return 'binance';
  if (url === '/api/v1/auth/register') return 'register';
  if (AUTH_ROUTE.test(url)) return 'auth';
  if (EXPENSIVE_ROUTES.has(`${method} ${url}`)) return 'expensive';
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'mutate';
}

/** Marks a preHandler that limits its route in an exchange class itself (`guards.ts` `rateLimit`). */
export const OWN_LIMIT = Symbol('testudo.rateLimit');

/** The group a route was given when registered: a limit group, `own` (its preHandler limits it) or `binance`. */
export type RouteGroup = LimitGroup | 'own' | 'binance';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by {@link rateLimits} for every route. */
    rateLimitGroup?: RouteGroup;
  }
}

function hasOwnLimit(pre: unknown): boolean {
  const fns = Array.isArray(pre) ? pre : [pre];
  return fns.some((f) => typeof f === 'function' && OWN_LIMIT in f);
}

/** The group of the route of `req` (a request matching no route: by its path). */
export function routeGroupOf(req: FastifyRequest): RouteGroup {
  const g = (req.routeOptions.config as { rateLimitGroup?: RouteGroup } | undefined)?.rateLimitGroup;
  return g ?? groupOf(req.method, req.url.split('?')[0]!);
}

/**
 * Registers the rate limits on `app`: every route registered afterwards gets its group (`onRoute`), and an
 * `onRequest` hook (register it after `authenticate`: it keys by `req.user`) checks the group's windows per user
 * and per address. Routes with their own exchange-class preHandler and the `/binance` gateway are left to those.
 */
export function rateLimits(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const group: RouteGroup = hasOwnLimit(route.preHandler)
      ? 'own'
      : groupOf(methods.includes('GET') ? 'GET' : String(methods[0]), route.url ?? route.path);
    route.config = { ...route.config, rateLimitGroup: group };
  });
  app.addHook('onRequest', async (req, reply) => {
    const group = routeGroupOf(req);
    if (group === 'own' || group === 'binance') return;
    applyDecision(reply, await limiter.check(group, { user: req.user, address: req.ip }), group);
  });
}

/**
 * Parses `TESTUDO_RATE_LIMITS`: comma-separated `group=N/window` (window `10s`, `1m`, `1h`, or ms), setting the
 * per-user limit (per account for `auth`, per address for `register`) and the window of a group; the per-address
 * limit of the other groups follows at five times the per-user one (three for `auth`). `auth-free-failures=N` sets
 * the failures allowed before back-off. Unknown or malformed entries are ignored.
 */
export function parseRateLimits(v: string | undefined): Pick<RateLimiterOptions, 'limits' | 'backoff'> {
  const limits: Partial<Record<LimitGroup, Partial<GroupLimit>>> = {};
  const backoff: Partial<Backoff> = {};
  for (const part of (v ?? '').split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d+)(?:\s*\/\s*(\d+)(ms|s|m|h)?)?\s*$/.exec(part);
    if (!m) continue;
    const [, name, nText, wText, unit] = m;
    const n = Number(nText);
    if (name === 'auth-free-failures') {
      backoff.free = n;
      continue;
    }
    if (!(name! in GROUP_LIMITS) || n < 1) continue;
    const g = name as LimitGroup;
    const per = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(unit ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
    const windowMs = wText ? Number(wText) * per : GROUP_LIMITS[g].windowMs;
    if (windowMs < 1) continue;
    limits[g] =
      g === 'register' ? { windowMs, perAddress: n } : { windowMs, perUser: n, perAddress: n * (g === 'auth' ? 3 : 5) };
  }
  return { limits, backoff };
}

/**
 * The server's limiter from the environment: counters in Redis when `env.REDIS_URL` is set (else in memory), limits
 * from {@link GROUP_LIMITS} with `TESTUDO_RATE_LIMITS` overrides, multiplied by `factor`.
 */
export function rateLimiterFromEnv(
  env: NodeJS.ProcessEnv,
  o: { factor?: number; warn?: (message: string) => void; prefix?: string } = {},
): RateLimiter {
  const url = env.REDIS_URL?.trim();
  const store = url ? new RedisStore(url, o.prefix ?? env.TESTUDO_RATE_LIMIT_PREFIX ?? 'testudo:rl:') : undefined;
  return new RateLimiter(undefined, o.factor, { store, warn: o.warn, ...parseRateLimits(env.TESTUDO_RATE_LIMITS) });
}
