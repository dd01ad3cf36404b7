/**
 * Binance's error shape `{"code": -1121, "msg": "Invalid symbol."}` and the mapping of Testudo's typed errors onto
 * Binance's codes and HTTP statuses (Binance: 4XX for a malformed or refused request, 401 for a bad API key, 429 rate
 * limited, 418 banned, 5XX on our side). Codes and messages follow Binance's spot error code list
 * (developers.binance.com/docs/binance-spot-api-docs/errors).
 */
import { TestudoError, ValidationError } from '../../app/errors.ts';

/** An error answered in Binance's shape with `status`. */
export class BinanceError extends Error {
  override readonly name = 'BinanceError';
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    /** Extra response headers (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(msg);
  }
}

/** -1102: a mandatory parameter missing or empty. */
export const missing = (p: string): BinanceError =>
  new BinanceError(400, -1102, `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`);

/** -1100: a parameter with characters outside its legal range. */
export const illegal = (p: string, legal = '^[A-Za-z0-9._:/-]{1,36}$'): BinanceError =>
  new BinanceError(400, -1100, `Illegal characters found in parameter '${p}'; legal range is '${legal}'.`);

/** -1121: an unknown (or invisible) symbol. */
export const invalidSymbol = (): BinanceError => new BinanceError(400, -1121, 'Invalid symbol.');

/** -2013: no such order. */
export const noSuchOrder = (): BinanceError => new BinanceError(400, -2013, 'Order does not exist.');

/** -2010: a new order the engine or the balance check refused. */
export const rejected = (msg: string): BinanceError => new BinanceError(400, -2010, msg);

/** -2011: a cancel refused (unknown or no longer live). */
export const cancelRejected = (msg = 'Unknown order sent.'): BinanceError => new BinanceError(400, -2011, msg);

/** -2015: unknown key, revoked key, or a key without the permission the endpoint needs. */
export const badKey = (): BinanceError =>
  new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');

/** Filter failures (-1013) by the field Testudo's validation named. */
const FILTER_BY_CODE: Record<string, string> = {
  'price-off-tick': 'Filter failure: PRICE_FILTER',
  'price-out-of-bounds': 'Filter failure: PRICE_FILTER',
  'invalid-price': 'Filter failure: PRICE_FILTER',
  'size-off-lot': 'Filter failure: LOT_SIZE',
  'invalid-size': 'Filter failure: LOT_SIZE',
};

/** Engine and balance rejections (422 / 409 from the service) as Binance's -2010 messages. */
const REJECT_MSG: Record<string, string> = {
  'insufficient-balance': 'Account has insufficient balance for requested action.',
  'insufficient-position': 'Account has insufficient balance for requested action.',
  'post-only-would-take': 'Order would immediately match and take.',
  'post-only-would-cross': 'Order would immediately match and take.',
  'fok-not-fillable': 'Order would not fill completely (FOK).',
  'would-take': 'Order would immediately match and take.',
  'would-trigger-immediately': 'Order would immediately trigger.',
  'duplicate-client-order-id': 'Duplicate order sent.',
  'market-paused': 'Market is closed.',
  'market-closed': 'Market is closed.',
};

/**
 * Maps an error of the service to Binance's shape, given what the request was doing (`new-order` answers -2010,
 * `cancel` -2011, `query` -2013 for a missing order).
 * @throws `e` itself when it is not one of Testudo's typed errors (the plugin logs it and answers 500 -1000).
 */
export function toBinance(e: unknown, op: 'new-order' | 'cancel' | 'query' | 'other'): BinanceError {
  if (e instanceof BinanceError) return e;
  if (e instanceof ValidationError) {
    const issue = e.issues[0];
    const filter = issue ? FILTER_BY_CODE[issue.code] : undefined;
    if (filter) return new BinanceError(400, -1013, filter);
    if (issue?.code === 'invalid-client-order-id') return illegal('newClientOrderId');
    if (issue?.code === 'required') return missing(issue.field);
    return new BinanceError(400, -1013, issue ? `${issue.field}: ${issue.message}` : e.message);
  }
  if (e instanceof TestudoError) {
    if (e.code === 'market-not-found') return invalidSymbol();
    if (e.code === 'account-not-found') return badKey();
    if (e.code === 'order-not-found' || e.code === 'order-list-not-found')
      return op === 'cancel' ? cancelRejected() : noSuchOrder();
    if (e.code === 'order-not-live') return cancelRejected();
    if (e.code === 'rate-limited') return new BinanceError(429, -1003, e.message);
    if (op === 'cancel') return cancelRejected(e.message);
    return rejected(REJECT_MSG[e.code] ?? e.message);
  }
  throw e; // unexpected: the plugin's error handler logs it and answers -1000
}
