/**
 * Binance's SIGNED request security (developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type):
 * - `signature` = hex HMAC-SHA256 of `totalParams` under the key's secret, where `totalParams` is the query string
 *   concatenated with the request body, exactly as sent, without the `signature` parameter (which must be the last
 *   parameter of the part that carries it); case-insensitive hex.
 * - `timestamp` (ms) and optional `recvWindow` (ms, default 5000, at most 60000): the request is refused when
 *   `timestamp` is more than 1000 ms ahead of the server's clock or more than `recvWindow` behind it.
 * Pure functions; the HTTP plugin applies them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BinanceError, missing } from './errors.ts';

/** Hex HMAC-SHA256 of `payload` under `secret`. */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}

/** Splits `a=1&signature=xx` into the part before the signature and the signature; null when there is none. */
function splitSignature(part: string): { rest: string; signature: string } | null {
  const m = /(^|&)signature=([^&]*)$/.exec(part);
  if (!m) return null;
  let signature = m[2]!;
  try {
    signature = decodeURIComponent(signature);
  } catch {
    // malformed percent-encoding: kept as sent, so it fails the hex check (-1022) instead of throwing a URIError
  }
  return { rest: part.slice(0, m.index), signature };
}

/**
 * The signed payload (`totalParams` less the signature) and the signature of a request, from its raw query string
 * and raw form body.
 * @throws BinanceError -1102 when no `signature` is sent (or it is not last).
 */
export function signedPayload(rawQuery: string, rawBody: string): { payload: string; signature: string } {
  const inBody = rawBody ? splitSignature(rawBody) : null;
  if (inBody) return { payload: rawQuery + inBody.rest, signature: inBody.signature };
  const inQuery = splitSignature(rawQuery);
  if (inQuery) return { payload: inQuery.rest + rawBody, signature: inQuery.signature };
  throw missing('signature');
}

/** True when `signature` is the hex HMAC of `payload` under `secret` (constant-time, case-insensitive). */
export function signatureValid(secret: string, payload: string, signature: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(hmacHex(secret, payload), 'hex'), Buffer.from(signature, 'hex'));
}

/** The largest `recvWindow` Binance accepts, ms. */
export const MAX_RECV_WINDOW = 60_000;

/**
 * Checks `timestamp` and `recvWindow` (texts as sent) against the server clock `now`. Returns the window in force.
 * @throws BinanceError -1102 (no timestamp), -1100 (not an integer), -1131 (recvWindow above 60000), -1021 (outside
 *   the window or more than 1 s ahead).
 */
export function checkTimestamp(timestamp: string | undefined, recvWindow: string | undefined, now: number): number {
  if (timestamp === undefined || timestamp === '') throw missing('timestamp');
  if (!/^\d{1,16}$/.test(timestamp))
    throw new BinanceError(400, -1100, "Illegal characters found in parameter 'timestamp'; legal range is '^\\d+$'.");
  let window = 5000;
  if (recvWindow !== undefined && recvWindow !== '') {
    if (!/^\d{1,16}(\.\d{1,3})?$/.test(recvWindow))
      throw new BinanceError(400, -1100, "Illegal characters found in parameter 'recvWindow'.");
    window = Number(recvWindow);
    if (window > MAX_RECV_WINDOW) throw new BinanceError(400, -1131, 'recvWindow must be less than 60000');
  }
  const ts = Number(timestamp);
  if (ts > now + 1000)
    throw new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  if (now - ts > window) throw new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
  return window;
}

/**
 * Remembers the signatures of mutating requests until their window expires, so a captured request cannot be
 * replayed while its timestamp is still fresh (Binance itself bounds replays by the window only; a repeat of the
 * same signed order is refused here with -1021 as a reused timestamp).
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private sweepAt = 0;

  /**
   * Records `key` (API key, method, path and signature) valid until `until` (ms).
   * @throws BinanceError -1021 when it was already used.
   */
  use(key: string, until: number, now: number): void {
    if (now >= this.sweepAt) {
      for (const [k, t] of this.seen) if (t <= now) this.seen.delete(k);
      this.sweepAt = now + 1000;
    }
    const t = this.seen.get(key);
    if (t !== undefined && t > now)
      throw new BinanceError(400, -1021, 'Timestamp for this request was already used (a replayed request).');
    this.seen.set(key, until);
  }
}
