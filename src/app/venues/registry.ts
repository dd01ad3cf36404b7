/**
 * Opens the {@link Venue} of a connection from its {@link VenueConfig}: `sim` (the simulated exchange's Binance
 * gateway, through CCXT's binance class) and `ccxt` (binance, bybit, okx) are served by {@link CcxtVenue};
 * `hyperliquid` by src/app/venues/hyperliquid.ts.
 *
 * The returned venue is not guarded: wrap it with `guardVenue` (guard.ts) and the connection's circuit breaker.
 */
import { ValidationError } from '../errors.ts';
import { CCXT_EXCHANGES, CcxtVenue } from './ccxt.ts';
import type { Venue, VenueConfig } from './types.ts';
import { HyperliquidVenue } from './hyperliquid.ts';

/**
 * A venue for `config`.
 * @throws ValidationError `base-url-required` (sim without `baseUrl`), `unsupported-exchange` (a `ccxt` exchange
 *   other than binance, bybit, okx), `unsupported-venue` (an unknown kind)
 */
export function createVenue(config: VenueConfig): Venue {
  switch (config.kind) {
    case 'sim':
      if (!config.baseUrl)
        throw new ValidationError(
          [{ field: 'baseUrl', code: 'required', message: 'the simulated exchange needs its gateway url' }],
          'base-url-required',
        );
      return new CcxtVenue(config);
    case 'ccxt':
      if (!(CCXT_EXCHANGES as readonly string[]).includes(config.exchange))
        throw new ValidationError(
          [
            {
              field: 'exchange',
              code: 'unsupported-exchange',
              message: `${config.exchange} is not supported (one of ${CCXT_EXCHANGES.join(', ')})`,
            },
          ],
          'unsupported-exchange',
        );
      return new CcxtVenue(config);
    case 'hyperliquid':
      return new HyperliquidVenue(config);
    default:
      throw new ValidationError(
        [{ field: 'venue', code: 'unsupported-venue', message: `unknown venue kind ${String(config.kind)}` }],
        'unsupported-venue',
      );
  }
}
