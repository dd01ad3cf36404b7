/**
 * The mapping of CCXT's errors (its real exception classes, carrying the exchange's body as CCXT raises them) to
 * venue error codes, and the scrubbing of credentials from messages.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { redact, toVenueError } from './errors.ts';
import { VenueError } from './types.ts';

const binance = (cls: new (m: string) => Error, code: number, msg: string): Error =>
  new cls(`binance ${JSON.stringify({ code, msg })}`);

describe('toVenueError', () => {
  it.each([
    [binance(ccxt.InvalidOrder, -2010, 'Duplicate order sent.'), 'duplicate-order', -2010],
    [
      binance(ccxt.InsufficientFunds, -2010, 'Account has insufficient balance for requested action.'),
      'insufficient-balance',
      -2010,
    ],
    [binance(ccxt.InvalidOrder, -1013, 'Filter failure: NOTIONAL'), 'min-notional', -1013],
    [binance(ccxt.InvalidOrder, -1013, 'Filter failure: MIN_NOTIONAL'), 'min-notional', -1013],
    [binance(ccxt.InvalidOrder, -1013, 'Filter failure: LOT_SIZE'), 'precision', -1013],
    [binance(ccxt.InvalidOrder, -1013, 'Filter failure: PRICE_FILTER'), 'precision', -1013],
    [binance(ccxt.InvalidOrder, -2010, 'Order would immediately trigger.'), 'rejected', -2010],
    [binance(ccxt.OrderNotFound, -2013, 'Order does not exist.'), 'order-not-found', -2013],
    [binance(ccxt.OrderNotFound, -2011, 'Unknown order sent.'), 'order-not-found', -2011],
    [
      binance(ccxt.AuthenticationError, -1022, 'Signature for this request is not valid.'),
      'invalid-credentials',
      -1022,
    ],
    [binance(ccxt.AuthenticationError, -2014, 'API-key format invalid.'), 'invalid-credentials', -2014],
    [
      binance(ccxt.AuthenticationError, -2015, 'Invalid API-key, IP, or permissions for action.'),
      'invalid-credentials',
      -2015,
    ],
    [binance(ccxt.BadSymbol, -1121, 'Invalid symbol.'), 'unknown-symbol', -1121],
    [binance(ccxt.RateLimitExceeded, -1003, 'Too many requests.'), 'rate-limited', -1003],
  ])('%s → %s', (e, code, venueCode) => {
    const v = toVenueError(e, 'place order tdo1e');
    expect(v).toBeInstanceOf(VenueError);
    expect(v.code).toBe(code);
    expect(v.venueCode).toBe(venueCode);
    expect(v.message).toMatch(/^place order tdo1e: /);
    expect(v.message).not.toContain('{');
  });

  it('maps CCXT classes without an exchange body, and network failures to unavailable', () => {
    expect(toVenueError(new ccxt.RequestTimeout('binance GET x timed out'), 'x').code).toBe('unavailable');
    expect(toVenueError(new ccxt.ExchangeNotAvailable('binance 503 Service Unavailable'), 'x').code).toBe(
      'unavailable',
    );
    expect(toVenueError(new TypeError('fetch failed'), 'x').code).toBe('unavailable');
    expect(toVenueError(new ccxt.DDoSProtection('slow down'), 'x').code).toBe('rate-limited');
    expect(toVenueError(new ccxt.PermissionDenied('no trading permission'), 'x').code).toBe('invalid-credentials');
    expect(toVenueError(new ccxt.InsufficientFunds('bybit insufficient balance'), 'x').code).toBe(
      'insufficient-balance',
    );
    expect(
      toVenueError(
        new ccxt.InvalidOrder('binance amount of BTC/USDT must be greater than minimum amount precision'),
        'x',
      ).code,
    ).toBe('min-notional');
    expect(toVenueError(new ccxt.ExchangeError('okx something else'), 'x').code).toBe('rejected');
    const same = new VenueError('precision', 'off grid');
    expect(toVenueError(same, 'x')).toBe(same);
  });

  it('never carries credentials: signatures and keys in urls, and the values themselves, are scrubbed', () => {
    const secret = 's3cr3t-value-123456';
    const e = new ccxt.NetworkError(
      `binance GET http://h/binance/api/v3/account?timestamp=1&recvWindow=5000&signature=abcdef0123 fetch failed ${secret}`,
    );
    const v = toVenueError(e, 'balances', ['KEY', secret]);
    expect(v.message).not.toContain('abcdef0123');
    expect(v.message).not.toContain(secret);
    expect(v.message).toContain('signature=***');
    expect(redact('x?apiKey=AAA&b=1')).toBe('x?apiKey=***&b=1');
  });
});
