import { describe, expect, it } from 'vitest';
import {
  createExchange,
  multiplySteps,
  parseDuration,
  resolveCredentials,
  seededRandom,
  stopAfter,
  systemClock,
  toText,
  toUnits,
} from './common.ts';

describe('bot helpers', () => {
  it('reads durations in ms, s, m and h, a bare number as seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5')).toBe(1500);
    for (const bad of ['', '0s', '-1s', '5 minutes', '1d']) expect(() => parseDuration(bad)).toThrow(RangeError);
  });

  it('takes KEY:SECRET first, then --api-key/--api-secret, then the environment, and never echoes the secret', () => {
    expect(resolveCredentials({ accountKey: 'abc:s3cr:et' }, {})).toEqual({ apiKey: 'abc', secret: 's3cr:et' });
    expect(resolveCredentials({ apiKey: 'k', apiSecret: 's' }, { TESTUDO_BOT_API_KEY: 'x' })).toEqual({
      apiKey: 'k',
      secret: 's',
    });
    expect(resolveCredentials({}, { TESTUDO_BOT_API_KEY: 'ek', TESTUDO_BOT_API_SECRET: 'es' })).toEqual({
      apiKey: 'ek',
      secret: 'es',
    });
    expect(() => resolveCredentials({}, {})).toThrow(/no API key/);
    expect(() => resolveCredentials({ apiKey: 'k' }, {})).toThrow(/no API key/);
    for (const bad of ['nocolon-topsecret', ':topsecret', 'key:']) {
      try {
        resolveCredentials({ accountKey: bad }, {});
        expect.unreachable();
      } catch (e) {
        expect((e as Error).message).toMatch(/KEY:SECRET/);
        expect((e as Error).message).not.toContain('topsecret');
      }
    }
  });

  it('converts between CCXT numbers and whole ticks or lots exactly', () => {
    expect(toText(1234, '0.01')).toBe('12.34');
    expect(toText(-5, '0.5')).toBe('-2.5');
    expect(toText(3, '1')).toBe('3');
    expect(toUnits(12.34, '0.01')).toBe(1234);
    expect(toUnits(0.1 + 0.2, '0.1')).toBe(3); // 0.30000000000000004
    expect(toUnits(12.345, '0.01', 'floor')).toBe(1234);
    expect(toUnits(12.345, '0.01', 'ceil')).toBe(1235);
    expect(toUnits(12.345, '0.01')).toBe(1235); // half rounds away from zero
    expect(toUnits(-12.345, '0.01', 'floor')).toBe(-1235);
    expect(toUnits(7, '0.001')).toBe(7000);
    expect(multiplySteps('0.01', '0.5')).toBe('0.005');
  });

  it('repeats a random sequence for the same seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
    expect(seededRandom(43)()).not.toBe(xs[0]);
  });

  it('wakes a sleeping bot when it is stopped, and stops by itself after --for', async () => {
    const s = stopAfter();
    const t0 = Date.now();
    setTimeout(() => s.stop('test'), 20);
    await systemClock.sleep(10_000, s.signal);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(s.signal.reason).toBe('test');
    const timed = stopAfter(30);
    await systemClock.sleep(10_000, timed.signal);
    expect(timed.signal.aborted).toBe(true);
    timed.dispose();
  });

  it('points every REST root of the CCXT binance class at the server under /binance', () => {
    const ex = createExchange('http://127.0.0.1:8080/', { apiKey: 'k', secret: 's' });
    const api = ex.urls['api'] as Record<string, string>;
    expect(api.public).toBe('http://127.0.0.1:8080/binance/api/v3');
    expect(api.private).toBe('http://127.0.0.1:8080/binance/api/v3');
    expect(api.fapiPublic).toBe('http://127.0.0.1:8080/binance/fapi/v1');
    expect(Object.values(api).every((u) => u.startsWith('http://127.0.0.1:8080/binance/'))).toBe(true);
  });
});
