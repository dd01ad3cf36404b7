import { describe, expect, it } from 'vitest';
import { ApiError } from '@/api/client';
import { placeErrorText, splitSymbol, venueInstruments, type MarketOfVenue } from './venue';

const market = (symbol: string, patch: Partial<MarketOfVenue> = {}): MarketOfVenue => ({
  symbol,
  type: 'spot',
  tickSize: '0.01',
  lotSize: '0.1',
  minQty: '0.1',
  minNotional: '0',
  makerFee: '0',
  takerFee: '0',
  active: true,
  ...patch,
});

describe('trading through a connection', () => {
  it('splits unified symbols into base and quote', () => {
    expect(splitSymbol('BTC/USDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(splitSymbol('ETH/USDC:USDC')).toEqual({ base: 'ETH', quote: 'USDC' });
    expect(splitSymbol('BTC-USD', 'USD')).toEqual({ base: 'BTC-USD', quote: 'USD' });
  });

  it("offers the venue's active markets of the connection's type, with a known last price", () => {
    const list = venueInstruments(
      [
        market('ZED/USD'),
        market('ABC/USD', { tickSize: '0.5' }),
        market('OLD/USD', { active: false }),
        market('ABC/USD:USD', { type: 'swap' }),
      ],
      'spot',
      [{ symbol: 'ZED/USD', lastPrice: '12.34' }],
    );
    expect(list.map((i) => [i.symbol, i.base, i.quote, i.tickSize, i.lastPrice])).toEqual([
      ['ABC/USD', 'ABC', 'USD', '0.5', null],
      ['ZED/USD', 'ZED', 'USD', '0.01', '12.34'],
    ]);
  });

  it("shows a venue's refusal with the venue's reason and code", () => {
    const e = new ApiError(422, 'venue-rejected', 'Account has insufficient balance.', [], [], {
      error: { code: 'venue-rejected', message: 'Account has insufficient balance.', venueCode: -2010 },
    });
    expect(placeErrorText(e)).toBe(
      'The venue refused the order (venue code -2010): Account has insufficient balance. The trade is marked rejected; your account is unchanged.',
    );
    expect(placeErrorText(new ApiError(422, 'venue-paused', 'breaker open', [], [], null))).toBe(
      'Trading through this connection is paused: breaker open (venue-paused)',
    );
    expect(placeErrorText(new ApiError(422, 'rule-rejected', 'refused', [], [], null))).toBe('refused (rule-rejected)');
    expect(placeErrorText(new Error('x'))).toBe('The trade was not placed.');
  });
});
