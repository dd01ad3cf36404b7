/**
 * The exchange's token buckets: the default limits, and the factor a benchmark server starts with (raised, or off).
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, RateLimiter } from './ratelimit.ts';
import { rateLimitFactorOf } from '../cli/serve.ts';

const burst = LIMITS.mutate.burst;

/** How many `mutate` tokens one user gets at once (up to `max`). */
function takeAll(l: RateLimiter, max: number): number {
  let n = 0;
  while (n < max && l.take('mutate', 1, false) === 0) n++;
  return n;
}

describe('rate limiter factor', () => {
  it('allows the default burst, then asks to wait', () => {
    const l = new RateLimiter(() => 0);
    expect(takeAll(l, burst * 2)).toBe(burst);
    expect(l.take('mutate', 1, false)).toBeGreaterThan(0);
  });

  it('multiplies the burst by the factor, and turns limits off with Infinity', () => {
    expect(takeAll(new RateLimiter(() => 0, 10), burst * 20)).toBe(burst * 10);
    expect(takeAll(new RateLimiter(() => 0, Infinity), burst * 5)).toBe(burst * 5);
  });

  it('reads the factor from the environment text: a positive number or "off"', () => {
    expect(rateLimitFactorOf(undefined)).toBeUndefined();
    expect(rateLimitFactorOf('100')).toBe(100);
    expect(rateLimitFactorOf('off')).toBe(Infinity);
    expect(rateLimitFactorOf('-3')).toBeUndefined();
    expect(rateLimitFactorOf('nope')).toBeUndefined();
  });
});
