import { describe, expect, it } from 'vitest';
import { BinanceError } from './errors.ts';
import { ReplayGuard, checkTimestamp, hmacHex, signatureValid, signedPayload } from './signing.ts';

// Binance's documentation example (SIGNED endpoint examples for POST /api/v3/order)
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const Q =
  'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const SIG = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';
const MIXED_SIG = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77';

const codeOf = (f: () => unknown): number | null => {
  try {
    f();
    return null;
  } catch (e) {
    return e instanceof BinanceError ? e.code : NaN;
  }
};

describe('signatures', () => {
  it('match the documented examples: all in the query, all in the body, split between them', () => {
    expect(hmacHex(SECRET, Q)).toBe(SIG);
    const inQuery = signedPayload(`${Q}&signature=${SIG}`, '');
    const inBody = signedPayload('', `${Q}&signature=${SIG}`);
    const split = signedPayload(
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
      `quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=${MIXED_SIG}`,
    );
    for (const s of [inQuery, inBody, split]) expect(signatureValid(SECRET, s.payload, s.signature)).toBe(true);
    expect(split.payload).toBe(
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
    );
  });

  it('are case-insensitive hex and refuse anything else', () => {
    expect(signatureValid(SECRET, Q, SIG.toUpperCase())).toBe(true);
    expect(signatureValid(SECRET, Q, SIG.slice(1) + '0')).toBe(false);
    expect(signatureValid(SECRET, Q, 'zz')).toBe(false);
    expect(signatureValid(SECRET, `${Q}&x=1`, SIG)).toBe(false);
  });

  it('must be sent (and last): -1102 otherwise', () => {
    expect(codeOf(() => signedPayload(Q, ''))).toBe(-1102);
    expect(codeOf(() => signedPayload(`signature=${SIG}&${Q}`, ''))).toBe(-1102);
  });
});

describe('timestamps', () => {
  const now = 1_700_000_000_000;
  it('accept a request within recvWindow (default 5000) and up to 1 s ahead', () => {
    expect(checkTimestamp(String(now - 5000), undefined, now)).toBe(5000);
    expect(checkTimestamp(String(now + 1000), '60000', now)).toBe(60000);
  });
  it('refuse stale, early, missing and malformed ones with Binance codes', () => {
    expect(codeOf(() => checkTimestamp(String(now - 5001), undefined, now))).toBe(-1021);
    expect(codeOf(() => checkTimestamp(String(now + 1001), undefined, now))).toBe(-1021);
    expect(codeOf(() => checkTimestamp(undefined, undefined, now))).toBe(-1102);
    expect(codeOf(() => checkTimestamp('12a', undefined, now))).toBe(-1100);
    expect(codeOf(() => checkTimestamp(String(now), '60001', now))).toBe(-1131);
  });
});

describe('ReplayGuard', () => {
  it('refuses a signature used again within its window, and forgets it afterwards', () => {
    const g = new ReplayGuard();
    g.use('k|POST|/order|abc', 2000, 1000);
    expect(codeOf(() => g.use('k|POST|/order|abc', 2000, 1500))).toBe(-1021);
    expect(codeOf(() => g.use('k|POST|/order|abd', 2000, 1500))).toBeNull();
    expect(codeOf(() => g.use('k|POST|/order|abc', 4000, 2500))).toBeNull();
  });
});
