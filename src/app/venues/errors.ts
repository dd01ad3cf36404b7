/**
 * Maps what a CCXT call throws (CCXT's exception classes, the exchange's own error body inside their message, or a
 * plain network failure) to the one error type of the venue boundary, {@link VenueError}, with a stable code.
 *
 * Sources: CCXT's error hierarchy (node_modules/ccxt/js/src/base/errors.js: `NetworkError` and its subclasses are
 * transport failures; `ExchangeError` and its subclasses are the exchange's answers), and Binance's spot error codes
 * (developers.binance.com/docs/binance-spot-api-docs/errors) as the simulated exchange's gateway answers them
 * (src/server/binance/errors.ts): -2010 new order rejected ("Duplicate order sent.", "Account has insufficient
 * balance for requested action."), -1013 filter failures (NOTIONAL, MIN_NOTIONAL, LOT_SIZE, PRICE_FILTER), -2011 /
 * -2013 unknown order, -1022 / -2014 / -2015 / -1002 authentication.
 *
 * Invariant: a message never carries credentials. URLs in CCXT's messages have their `signature`, `apiKey`, `sign`
 * and `timestamp` query parameters removed, and any credential value handed in `secrets` is replaced by `***`.
 */
import ccxt from 'ccxt';
import { VenueError, type VenueErrorCode } from './types.ts';

/** The exchange's own error, read from the JSON body CCXT puts in its message (`binance {"code":-2010,...}`). */
interface VenueReason {
  code?: string | number;
  msg?: string;
}

/** Binance codes (spot API, also answered by the gateway) and what they mean at the venue boundary. */
const BINANCE_CODES: Record<string, VenueErrorCode> = {
  '-1002': 'invalid-credentials',
  '-1022': 'invalid-credentials',
  '-2014': 'invalid-credentials',
  '-2015': 'invalid-credentials',
  '-2011': 'order-not-found',
  '-2013': 'order-not-found',
  '-1121': 'unknown-symbol',
  '-1003': 'rate-limited',
  '-1015': 'rate-limited',
  '-1000': 'unavailable',
  '-1001': 'unavailable',
  '-1007': 'unavailable',
};

/** Removes signatures, keys and the given secret values from `text`. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(
    /([?&](?:signature|apiKey|api_key|apikey|sign|timestamp|X-MBX-APIKEY)=)[^&\s"']*/gi,
    (_m, p: string) => `${p}***`,
  );
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** The exchange's `{code, msg}` (Binance), `{retCode, retMsg}` (Bybit) or `{code, msg, data:[{sCode,sMsg}]}` (OKX). */
function reasonOf(message: string): VenueReason {
  const at = message.indexOf('{');
  if (at < 0) return {};
  try {
    const j = JSON.parse(message.slice(at)) as Record<string, unknown>;
    const data = Array.isArray(j.data) ? (j.data[0] as Record<string, unknown> | undefined) : undefined;
    const sCode = data?.sCode;
    const code = (sCode !== undefined && sCode !== '0' ? sCode : undefined) ?? j.code ?? j.retCode;
    const msg = (data?.sMsg || undefined) ?? j.msg ?? j.retMsg ?? j.message;
    return {
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      ...(typeof msg === 'string' ? { msg } : {}),
    };
  } catch {
    return {};
  }
}

/** The code of a Binance -2010 / -1013 refusal from its message. */
function binanceRefusal(code: string, msg: string): VenueErrorCode | undefined {
  if (code === '-2010' || code === '-1013' || code === '-2010.0') {
    if (/duplicate/i.test(msg)) return 'duplicate-order';
    if (/insufficient balance/i.test(msg)) return 'insufficient-balance';
    if (/NOTIONAL|MIN_QTY|minimum/i.test(msg)) return 'min-notional';
    if (/LOT_SIZE|PRICE_FILTER|PERCENT_PRICE|precision/i.test(msg)) return 'precision';
    return 'rejected';
  }
  return BINANCE_CODES[code];
}

/** The code of a refusal CCXT raised itself (before sending) or an unparsed exchange message. */
function fromText(msg: string): VenueErrorCode | undefined {
  if (/duplicate/i.test(msg)) return 'duplicate-order';
  if (/insufficient (balance|funds|margin)/i.test(msg)) return 'insufficient-balance';
  if (/min(imum)?[ _]?(notional|amount|cost|qty|quantity)|must be greater than minimum/i.test(msg))
    return 'min-notional';
  if (/precision|tick size|lot size|LOT_SIZE|PRICE_FILTER/i.test(msg)) return 'precision';
  return undefined;
}

/**
 * Maps any error of a CCXT call to a {@link VenueError}. A `VenueError` passes through unchanged.
 * @param e what the call threw
 * @param what what was being done, for the message (`place order tdo12e`)
 * @param secrets credential values to scrub from the message (API key, secret, passphrase, private key)
 */
export function toVenueError(e: unknown, what: string, secrets: readonly (string | undefined)[] = []): VenueError {
  if (e instanceof VenueError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const reason = reasonOf(raw);
  const venueText = reason.msg ?? raw;
  const message = redact(`${what}: ${venueText}`, secrets);
  const venueCode = reason.code;
  const make = (code: VenueErrorCode): VenueError => new VenueError(code, message, venueCode);

  if (venueCode !== undefined) {
    const c = binanceRefusal(String(venueCode), venueText);
    if (c) return make(c);
  }
  if (e instanceof ccxt.AuthenticationError || e instanceof ccxt.PermissionDenied || e instanceof ccxt.AccountSuspended)
    return make('invalid-credentials');
  if (e instanceof ccxt.RateLimitExceeded || e instanceof ccxt.DDoSProtection) return make('rate-limited');
  if (e instanceof ccxt.NetworkError || e instanceof ccxt.BadResponse || e instanceof ccxt.NullResponse)
    return make('unavailable');
  if (e instanceof ccxt.DuplicateOrderId) return make('duplicate-order');
  if (e instanceof ccxt.InsufficientFunds) return make('insufficient-balance');
  if (e instanceof ccxt.OrderNotFound) return make('order-not-found');
  if (e instanceof ccxt.BadSymbol) return make('unknown-symbol');
  if (e instanceof ccxt.InvalidOrder) return make(fromText(venueText) ?? 'rejected');
  if (e instanceof ccxt.BaseError) {
    const t = fromText(venueText);
    if (t) return make(t);
    // an HTTP 5xx CCXT could not classify is an outage, not a refusal
    if (/\b5\d\d\b/.test(raw) && !(e instanceof ccxt.ExchangeError)) return make('unavailable');
    return make('rejected');
  }
  // TypeError: fetch failed, ECONNREFUSED, socket hang up… — the request may not have reached the venue.
  return make('unavailable');
}
