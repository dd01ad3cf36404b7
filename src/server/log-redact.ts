/**
 * What the server's request log may say about a request: its method, its URL with every secret blanked, and the
 * caller's address. A WebSocket upgrade carries its API token in `?token=`, an OpenID Connect callback its one-time
 * `code` and `state`, and a Binance user-data stream its listen key in the path; none of them may reach a log.
 */

/** Query parameters whose values are replaced by `[redacted]` in logged URLs (compared case-insensitively). */
export const SECRET_QUERY_PARAMS: ReadonlySet<string> = new Set([
  'token',
  'access_token',
  'refresh_token',
  'code',
  'state',
  'password',
  'secret',
  'signature',
  'listenkey',
  'apikey',
]);

/**
 * `url` (a request's path and query, as fastify gives it) with the values of {@link SECRET_QUERY_PARAMS} and the
 * listen key of `/binance/ws/<key>` replaced by `[redacted]`; everything else as it was. Never throws.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  const m = /^(\/binance\/ws\/)([^/?]{20,})$/.exec(path);
  if (m) path = `${m[1]}[redacted]`;
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name: string;
      try {
        name = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '));
      } catch {
        name = pair.slice(0, eq);
      }
      return SECRET_QUERY_PARAMS.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** The request fields pino logs (fastify's default set), with the URL redacted by {@link redactUrl}. */
export function logRequest(req: {
  method: string;
  url: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
