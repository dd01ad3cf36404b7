/**
 * The circuit breaker in front of a venue: every call of a {@link Venue} passes through the connection's
 * {@link CircuitBreaker} (src/core/risk/breaker.ts; Nygard, "Release It!", ch. 5).
 *
 * Invariants:
 * - Only `unavailable` failures (network errors, timeouts, 5xx: the venue did not answer) count toward opening the
 *   breaker. A refusal (`VenueError.refused`: the venue answered and said no) and `rate-limited` are answers, so they
 *   count as a success — a wrong price never pauses trading.
 * - While the breaker refuses, no request is sent: calls throw `VenueError('breaker-open')` with `retryAt`.
 * - `watch` and `close` pass through (a stream has its own fallback; closing must always work).
 * - `market` and `markets()` (without `refresh`) are answered from the venue's cache almost always: they are not
 *   refused and their success does not count (a cached answer says nothing about the venue's health and would reset
 *   the failure count between real failures); only an `unavailable` failure (the cache had to reload) counts.
 */
import type { CircuitBreaker } from '../../core/risk/breaker.ts';
import { toVenueError } from './errors.ts';
import { VenueError, type Venue } from './types.ts';

/**
 * Wraps `venue` so that each call asks `breaker` first and reports its outcome.
 * @returns a {@link Venue} with the same kind, exchange, market type and capabilities
 * @throws (from every method but `watch`/`close`) VenueError `breaker-open` (with `retryAt`, ms UTC) while the
 *   breaker is open or its half-open probe is taken; otherwise what the venue threw, as a VenueError
 */
export function guardVenue(venue: Venue, breaker: CircuitBreaker): Venue {
  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (!breaker.tryAcquire()) {
      const retryAt = breaker.retryAt() ?? Date.now();
      throw new VenueError(
        'breaker-open',
        `${venue.exchange} is failing: calls are paused until ${new Date(retryAt).toISOString()} (${what} not sent)`,
        undefined,
        retryAt,
      );
    }
    try {
      const v = await fn();
      breaker.onSuccess();
      return v;
    } catch (e) {
      const ve = toVenueError(e, `${venue.exchange} ${what}`);
      if (ve.code === 'unavailable') breaker.onFailure();
      else breaker.onSuccess();
      throw ve;
    }
  };
  /** A call mostly answered from cache: never refused, only its outage counts. */
  const cached = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      const ve = toVenueError(e, `${venue.exchange} ${what}`);
      if (ve.code === 'unavailable') breaker.onFailure();
      throw ve;
    }
  };
  return {
    kind: venue.kind,
    exchange: venue.exchange,
    marketType: venue.marketType,
    capabilities: venue.capabilities,
    markets: (refresh) =>
      refresh ? run('markets', () => venue.markets(true)) : cached('markets', () => venue.markets()),
    market: (symbol) => cached('market', () => venue.market(symbol)),
    ticker: (symbol) => run('ticker', () => venue.ticker(symbol)),
    test: () => run('test', () => venue.test()),
    balances: () => run('balances', () => venue.balances()),
    positions: () => run('positions', () => venue.positions()),
    placeOrder: (r) => run('place order', () => venue.placeOrder(r)),
    placeOco: (r) => run('place OCO', () => venue.placeOco(r)),
    cancelOrder: (symbol, id) => run('cancel order', () => venue.cancelOrder(symbol, id)),
    cancelOco: (symbol, listId) => run('cancel OCO', () => venue.cancelOco(symbol, listId)),
    fetchOrder: (symbol, ref) => run('fetch order', () => venue.fetchOrder(symbol, ref)),
    openOrders: (symbol) => run('open orders', () => venue.openOrders(symbol)),
    fills: (symbol, since) => run('fills', () => venue.fills(symbol, since)),
    ohlcv: (symbol, timeframe, since, limit) => run('ohlcv', () => venue.ohlcv(symbol, timeframe, since, limit)),
    watch: (h, o) => venue.watch(h, o),
    close: () => venue.close(),
  };
}
