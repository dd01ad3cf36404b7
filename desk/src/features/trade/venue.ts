/**
 * Trading through an exchange connection on the Trade page: the venue's markets as the ticket's instruments, and the
 * text of a refused placement (a venue's refusal names the venue's own reason). Pure.
 */
import { ApiError } from '@/api/client';
import type { Instrument } from './api';

/** A venue market as `GET /connections/:id/markets` lists it (decimal text; fees as fractions). */
export interface MarketOfVenue {
  symbol: string;
  type: 'spot' | 'swap';
  tickSize: string;
  lotSize: string;
  minQty: string;
  minNotional: string;
  makerFee: string;
  takerFee: string;
  active: boolean;
}

/**
 * The base and quote currencies of a unified symbol: `BTC/USDT` → BTC, USDT; a swap's `BTC/USDT:USDT` → BTC, USDT;
 * a symbol without a slash → the whole symbol and `fallbackQuote`.
 */
export function splitSymbol(symbol: string, fallbackQuote = ''): { base: string; quote: string } {
  const [pair = symbol] = symbol.split(':');
  const i = pair.indexOf('/');
  if (i < 0) return { base: symbol, quote: fallbackQuote };
  return { base: pair.slice(0, i), quote: pair.slice(i + 1) };
}

/**
 * The ticket's instruments for a connection: its venue's active markets of `marketType`, sorted by symbol, with the
 * last price of a paper instrument of the same symbol when there is one (else null: the prices are typed).
 */
export function venueInstruments(
  markets: readonly MarketOfVenue[],
  marketType: 'spot' | 'swap',
  known: readonly Pick<Instrument, 'symbol' | 'lastPrice'>[],
  currency = '',
): Instrument[] {
  const last = new Map(known.map((i) => [i.symbol, i.lastPrice]));
  return markets
    .filter((m) => m.active && m.type === marketType)
    .map((m) => ({
      symbol: m.symbol,
      ...splitSymbol(m.symbol, currency),
      tickSize: m.tickSize,
      lotSize: m.lotSize,
      minQty: m.minQty,
      minNotional: m.minNotional,
      makerFee: m.makerFee,
      takerFee: m.takerFee,
      lastPrice: last.get(m.symbol) ?? null,
    }))
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
}

/** The text of a failed placement: a venue's refusal with the venue's reason and code, a paused connection, … */
export function placeErrorText(e: unknown): string {
  if (!(e instanceof ApiError)) return 'The trade was not placed.';
  if (e.code === 'venue-rejected') {
    const venueCode = (e.body as { error?: { venueCode?: unknown } } | null)?.error?.venueCode;
    const code =
      venueCode !== undefined && venueCode !== null && venueCode !== '' ? ` (venue code ${String(venueCode)})` : '';
    const reason = e.message.replace(/[.\s]+$/, '');
    return `The venue refused the order${code}: ${reason}. The trade is marked rejected; your account is unchanged.`;
  }
  if (e.code === 'venue-paused') return `Trading through this connection is paused: ${e.message} (${e.code})`;
  return `${e.message} (${e.code})`;
}
