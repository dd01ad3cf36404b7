/**
 * Per-user rate limits in two classes, as token buckets (capacity = burst, refilled continuously):
 * - `mutate` (create/cancel/amend order, transfer): 100 per second with bursts of 1,000;
 * - `expensive` (full trade history, create market, auctions): 180 per minute.
 * Admins get ten times both. A limited request is answered 429 with `Retry-After` (seconds).
 */

/** A rate-limit class. */
export type LimitClass = 'mutate' | 'expensive';

interface Bucket {
  tokens: number;
  at: number;
}

/** Rate (tokens per second) and burst (capacity) of each class for a normal user. */
export const LIMITS: Record<LimitClass, { perSecond: number; burst: number }> = {
  mutate: { perSecond: 100, burst: 1000 },
  expensive: { perSecond: 3, burst: 180 },
};

/** Multiplier for admins. */
export const ADMIN_FACTOR = 10;

/** Token buckets keyed by class and user, with an injected clock (ms). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param now the clock, ms
   * @param factor multiplies every rate and burst (e.g. 100 for a benchmark); `Infinity` turns the limits off.
   *   Default 1: the limits above.
   */
  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly factor = 1,
  ) {}

  /**
   * Takes one token for `user` in `cls`. Returns 0 when allowed, or the seconds to wait until a token is available.
   */
  take(cls: LimitClass, user: number, admin: boolean): number {
    if (this.factor === Infinity) return 0;
    const f = (admin ? ADMIN_FACTOR : 1) * this.factor;
    const rate = LIMITS[cls].perSecond * f;
    const burst = LIMITS[cls].burst * f;
    const key = `${cls}:${user}`;
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: burst, at: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }
}
