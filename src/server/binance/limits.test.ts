import { describe, expect, it } from 'vitest';
import { BinanceError } from './errors.ts';
import { DEFAULT_LIMITS, GatewayLimiter, limitsFromEnv } from './limits.ts';

const refusal = (f: () => unknown): [number, number, string | undefined] | null => {
  try {
    f();
    return null;
  } catch (e) {
    if (!(e instanceof BinanceError)) throw e;
    return [e.status, e.code, e.headers['retry-after']];
  }
};

describe('GatewayLimiter', () => {
  it('counts weight per IP in minute windows and answers 429 with the seconds to the next minute', () => {
    let t = 60_000 * 1000 + 15_000;
    const l = new GatewayLimiter({ ...DEFAULT_LIMITS, weightPerMinute: 10 }, () => t);
    expect(l.take('a', 6)).toBe(6);
    expect(l.take('b', 6)).toBe(6);
    expect(refusal(() => l.take('a', 6))).toEqual([429, -1003, '45']);
    t += 45_000;
    expect(l.take('a', 6)).toBe(6);
  });

  it('bans a client that keeps sending while limited: 2 minutes, then doubling', () => {
    let t = 0;
    const l = new GatewayLimiter({ ...DEFAULT_LIMITS, weightPerMinute: 1, violationsBeforeBan: 1 }, () => t);
    l.take('a', 1);
    expect(refusal(() => l.take('a', 1))?.[0]).toBe(429);
    expect(refusal(() => l.take('a', 1))).toEqual([418, -1003, '120']);
    t += 119_000;
    expect(refusal(() => l.take('a', 1))?.[0]).toBe(418);
    t += 1_000;
    l.take('a', 1);
    expect(refusal(() => l.take('a', 1))?.[0]).toBe(429);
    expect(refusal(() => l.take('a', 1))).toEqual([418, -1003, '240']);
  });

  it('counts new orders per account per 10 s (-1015) and can be switched off', () => {
    let t = 0;
    const l = new GatewayLimiter({ ...DEFAULT_LIMITS, ordersPer10s: 2 }, () => t);
    expect(l.order(1)).toEqual({ n10: 1, nDay: 1 });
    l.order(1);
    expect(refusal(() => l.order(1))?.slice(0, 2)).toEqual([429, -1015]);
    l.order(2);
    t += 10_000;
    expect(l.order(1).n10).toBe(1);
    const off = new GatewayLimiter({ ...DEFAULT_LIMITS, weightPerMinute: 0, ordersPer10s: 0, ordersPerDay: 0 });
    for (let i = 0; i < 1000; i++) {
      off.take('a', 100);
      off.order(1);
    }
  });

  it('reads limits from the environment', () => {
    expect(limitsFromEnv({ TESTUDO_BINANCE_WEIGHT_LIMIT: '0', TESTUDO_BINANCE_ORDER_LIMIT_10S: '5' })).toMatchObject({
      weightPerMinute: 0,
      ordersPer10s: 5,
      ordersPerDay: 200_000,
    });
  });
});
