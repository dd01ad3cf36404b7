/**
 * Where the rate limiter keeps its counters: in this process ({@link MemoryStore}, the default) or in Redis
 * ({@link RedisStore}, when `REDIS_URL` is set) so that every process sharing the Redis shares every limit.
 *
 * Algorithm: the **sliding window counter** (two fixed-window counters, the previous one weighted by how much of it
 * still overlaps the sliding window), as described by Cloudflare in "How we built rate limiting capable of scaling to
 * millions of domains" (blog.cloudflare.com, June 2017): with `prev` hits in the previous fixed window, `cur` in the
 * current one and `e` ms elapsed in it, the estimate of the last `w` ms is `prev · (w − e) / w + cur`. A hit is
 * allowed while the estimate plus one stays within the limit; a refused hit is not counted. After a burst that used
 * the whole limit the quota comes back linearly over the following window (`limit / w` per ms), so a 1,000-per-10-s
 * limit behaves like the former token bucket of 100 per second with bursts of 1,000 once the burst's window is over.
 *
 * Both stores check all the windows of one request at once and count the hit in every one of them only when all
 * allow it (the Redis store in one Lua script, so concurrent processes never both take the last unit).
 *
 * Authentication back-off also lives here: a failure count per key ({@link LimitStore.fail}) with the time of the
 * last failure, forgotten `ttlMs` after it, and cleared on success.
 */
import { Redis } from 'ioredis';

/** One window of a request: the counter `key`, at most `limit` hits per sliding `windowMs`. */
export interface WindowSpec {
  key: string;
  /** Hits allowed per window (≥ 1). */
  limit: number;
  /** Window length, ms (≥ 1). */
  windowMs: number;
}

/** The counters of one window as seen by a hit (after counting it when the request was allowed). */
export interface WindowCount {
  /** Hits in the previous fixed window. */
  prev: number;
  /** Hits in the current fixed window (this one included when allowed). */
  cur: number;
  /** Ms elapsed in the current fixed window (0 ≤ e < windowMs). */
  elapsedMs: number;
}

/** The result of {@link LimitStore.hit}: allowed in every window (and counted in all), and each window's counters. */
export interface HitResult {
  allowed: boolean;
  counts: WindowCount[];
}

/** A failure record for back-off: how many failures, and ms since the last one (by the store's clock). */
export interface FailState {
  count: number;
  sinceMs: number;
}

/** Counter storage of the rate limiter. Every method may reject (Redis down); the limiter then fails open. */
export interface LimitStore {
  /** Checks `windows` together; counts one hit in each when all allow it ({@link allows}). */
  hit(windows: readonly WindowSpec[]): Promise<HitResult>;
  /** Records one failure for `key` (kept `ttlMs` after the last one); returns the new state (`sinceMs` 0). */
  fail(key: string, ttlMs: number): Promise<FailState>;
  /** The failure record of `key`, or null when there is none (never failed, expired or cleared). */
  failures(key: string): Promise<FailState | null>;
  /** Forgets the failure record of `key`. */
  clear(key: string): Promise<void>;
  /** Releases connections (Redis); the memory store forgets everything. */
  close(): Promise<void>;
  /** Resolves once the store can answer (Redis connected), or after `timeoutMs` (then it fails open). */
  ready?(timeoutMs?: number): Promise<void>;
}

/** Whether one more hit fits: `prev · (w − e) / w + cur + 1 ≤ limit`. */
export function allows(c: WindowCount, limit: number, windowMs: number): boolean {
  return estimate(c, windowMs) + 1 <= limit + 1e-9;
}

/** The sliding-window estimate of the hits in the last `windowMs` (fractional). */
export function estimate(c: WindowCount, windowMs: number): number {
  return (c.prev * (windowMs - c.elapsedMs)) / windowMs + c.cur;
}

/**
 * Ms until one more hit fits in a window whose counters are `c` (0 when it fits now). Inside the current fixed
 * window only the previous window's weight decays; when the current window alone is full, the wait runs into the
 * next window, where the current count becomes the decaying previous one.
 */
export function waitMs(c: WindowCount, limit: number, windowMs: number): number {
  if (allows(c, limit, windowMs)) return 0;
  const w = windowMs;
  if (c.cur + 1 <= limit && c.prev > 0) return Math.max(0, w - c.elapsedMs - ((limit - c.cur - 1) * w) / c.prev);
  const next = c.cur > 0 ? Math.max(0, w - ((limit - 1) * w) / c.cur) : 0;
  return w - c.elapsedMs + next;
}

/** Ms until the whole limit is available again (the estimate back at 0). */
export function resetMs(c: WindowCount, windowMs: number): number {
  if (c.cur > 0) return 2 * windowMs - c.elapsedMs;
  if (c.prev > 0) return windowMs - c.elapsedMs;
  return 0;
}

interface MemoryWindow {
  /** Index of the current fixed window (`floor(t / w)`). */
  idx: number;
  cur: number;
  prev: number;
}

/** Counters in this process's memory, on the injected clock (ms). Old keys are swept every 10,000 hits. */
export class MemoryStore implements LimitStore {
  private readonly windows = new Map<string, MemoryWindow & { w: number }>();
  private readonly failed = new Map<string, { count: number; at: number; ttl: number }>();
  private hits = 0;

  /** @param now the clock, ms */
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** The counters of `spec` at time `t`, rolled forward to the current fixed window (not stored). */
  private view(spec: WindowSpec, t: number): MemoryWindow {
    const idx = Math.floor(t / spec.windowMs);
    const m = this.windows.get(`${spec.key}|${spec.windowMs}`);
    if (!m || m.idx < idx - 1) return { idx, cur: 0, prev: 0 };
    if (m.idx === idx - 1) return { idx, cur: 0, prev: m.cur };
    return { idx, cur: m.cur, prev: m.prev }; // same window (or a clock that went back: keep the counts)
  }

  async hit(windows: readonly WindowSpec[]): Promise<HitResult> {
    const t = this.now();
    if (++this.hits % 10_000 === 0) this.sweep(t);
    const views = windows.map((s) => this.view(s, t));
    const counts = views.map((v, i) => ({ prev: v.prev, cur: v.cur, elapsedMs: t - v.idx * windows[i]!.windowMs }));
    const allowed = counts.every((c, i) => allows(c, windows[i]!.limit, windows[i]!.windowMs));
    if (allowed)
      windows.forEach((s, i) => {
        const v = views[i]!;
        counts[i]!.cur = v.cur + 1;
        this.windows.set(`${s.key}|${s.windowMs}`, { ...v, cur: v.cur + 1, w: s.windowMs });
      });
    return { allowed, counts };
  }

  async fail(key: string, ttlMs: number): Promise<FailState> {
    const t = this.now();
    const prev = await this.failures(key);
    const count = (prev?.count ?? 0) + 1;
    this.failed.set(key, { count, at: t, ttl: ttlMs });
    return { count, sinceMs: 0 };
  }

  async failures(key: string): Promise<FailState | null> {
    const f = this.failed.get(key);
    if (!f) return null;
    const since = Math.max(0, this.now() - f.at);
    if (since >= f.ttl) {
      this.failed.delete(key);
      return null;
    }
    return { count: f.count, sinceMs: since };
  }

  async clear(key: string): Promise<void> {
    this.failed.delete(key);
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.failed.clear();
  }

  /** Drops windows two or more fixed windows old and expired failure records. */
  private sweep(t: number): void {
    for (const [k, m] of this.windows) if (m.idx < Math.floor(t / m.w) - 1) this.windows.delete(k);
    for (const [k, f] of this.failed) if (t - f.at >= f.ttl) this.failed.delete(k);
  }
}

/**
 * KEYS: one base key per window; ARGV: limit and window (ms) per window, in the same order. Uses Redis's clock
 * (`TIME`), so every process agrees on the windows. Counters are `<base>:<window index>` with a TTL of two windows.
 * Returns `[allowed, prev1, cur1, elapsed1, prev2, …]`.
 */
const HIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local ok = 1
local out = {0}
local curKeys = {}
for i = 1, n do
  local limit = tonumber(ARGV[2 * i - 1])
  local w = tonumber(ARGV[2 * i])
  local idx = math.floor(now / w)
  local e = now - idx * w
  local ck = KEYS[i] .. ':' .. idx
  local cur = tonumber(redis.call('GET', ck) or '0')
  local prev = tonumber(redis.call('GET', KEYS[i] .. ':' .. (idx - 1)) or '0')
  if prev * (w - e) / w + cur + 1 > limit + 1e-9 then ok = 0 end
  curKeys[i] = ck
  out[3 * i - 1] = prev
  out[3 * i] = cur
  out[3 * i + 1] = e
end
if ok == 1 then
  for i = 1, n do
    out[3 * i] = redis.call('INCR', curKeys[i])
    redis.call('PEXPIRE', curKeys[i], 2 * tonumber(ARGV[2 * i]))
  end
end
out[1] = ok
return out
`;

/** KEYS[1]: the failure hash; ARGV[1]: TTL ms. Increments `count`, sets `at` to Redis's time. Returns the count. */
const FAIL_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local c = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'at', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return c
`;

/** KEYS[1]: the failure hash. Returns `[count, ms since the last failure]` or an empty list. */
const FAILURES_SCRIPT = `
local v = redis.call('HMGET', KEYS[1], 'count', 'at')
if not v[1] then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {tonumber(v[1]), math.max(0, now - tonumber(v[2] or now))}
`;

/**
 * Counters in Redis (ioredis), atomic per request through Lua scripts, keys prefixed with `prefix` and expiring by
 * themselves. Uses Redis's clock, not the process's. Commands fail fast while Redis is unreachable (no offline
 * queue, one retry), so the limiter can fail open at once.
 */
export class RedisStore implements LimitStore {
  readonly redis: Redis;

  /**
   * @param url a `redis://` URL
   * @param prefix prepended to every key (e.g. `testudo:rl:`; tests use a unique one per run)
   */
  constructor(
    url: string,
    private readonly prefix = 'testudo:rl:',
  ) {
    this.redis = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    this.redis.on('error', () => {}); // reported by the failing command (the limiter logs it); never crash
    this.redis.defineCommand('rlHit', { lua: HIT_SCRIPT });
    this.redis.defineCommand('rlFail', { numberOfKeys: 1, lua: FAIL_SCRIPT });
    this.redis.defineCommand('rlFailures', { numberOfKeys: 1, lua: FAILURES_SCRIPT });
  }

  private cmd(name: string, ...args: (string | number)[]): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name]!(...args);
  }

  async hit(windows: readonly WindowSpec[]): Promise<HitResult> {
    const keys = windows.map((w) => `${this.prefix}${w.key}|${w.windowMs}`);
    const argv = windows.flatMap((w) => [w.limit, w.windowMs]);
    const r = (await this.cmd('rlHit', windows.length, ...keys, ...argv)) as number[];
    const counts = windows.map((_, i) => ({
      prev: Number(r[3 * i + 1]),
      cur: Number(r[3 * i + 2]),
      elapsedMs: Number(r[3 * i + 3]),
    }));
    return { allowed: Number(r[0]) === 1, counts };
  }

  async fail(key: string, ttlMs: number): Promise<FailState> {
    const count = Number(await this.cmd('rlFail', `${this.prefix}f:${key}`, Math.max(1, Math.round(ttlMs))));
    return { count, sinceMs: 0 };
  }

  async failures(key: string): Promise<FailState | null> {
    const r = (await this.cmd('rlFailures', `${this.prefix}f:${key}`)) as number[];
    return r.length === 2 ? { count: Number(r[0]), sinceMs: Number(r[1]) } : null;
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}f:${key}`);
  }

  async ready(timeoutMs = 2_000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.redis.once('ready', done);
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
