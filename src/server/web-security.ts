/**
 * Web hardening of the HTTP server, registered once by `buildServer` before any route:
 * - security headers on every response (`@fastify/helmet`): a strict Content-Security-Policy made for the Desk
 *   (scripts, fonts and images from the server itself only, no inline or eval'd script; `connect-src` the server and
 *   its own `ws:`/`wss:`; no framing), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 *   `Referrer-Policy: same-origin`, and `Strict-Transport-Security` only on requests served over HTTPS
 *   (`req.protocol`, see {@link trustProxyOf});
 * - CORS (`@fastify/cors`) for the origins of an allowlist only (`TESTUDO_CORS_ORIGINS`, off by default), with
 *   credentials;
 * - the `Origin` of every WebSocket upgrade (every route, present and future) checked before the route runs: a
 *   browser's foreign origin is refused with `403 origin-not-allowed` (cross-site WebSocket hijacking); a client that
 *   sends no `Origin` (a bot, CCXT, the `ws` library) is let through to authenticate as usual.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import { ForbiddenError } from '../app/errors.ts';

/**
 * Which peers' `X-Forwarded-For/-Proto/-Host` are believed (fastify's `trustProxy`): none (false), every peer (true),
 * addresses/CIDRs/range names, or a function of the peer's address and its hop (0: the peer that connected).
 */
export type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

/** Options of {@link webSecurity}. */
export interface WebSecurityOptions {
  /** Origins (`scheme://host[:port]`) allowed cross-origin: CORS with credentials, WebSocket upgrades. */
  corsOrigins?: readonly string[];
  /**
   * The server's public address (default `TESTUDO_PUBLIC_URL`): its origin is the server's own even when a reverse
   * proxy passes another `Host` (nginx's default), for WebSocket upgrades and sign-in.
   */
  publicUrl?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The normalised CORS allowlist of the server (empty: none); read by {@link isAllowedOrigin}. */
    allowedOrigins: ReadonlySet<string>;
    /** The origin of the server's public URL (`TESTUDO_PUBLIC_URL`), null when not set; read by {@link isAllowedOrigin}. */
    publicOrigin: string | null;
  }
}

/** proxy-addr's names of address ranges, accepted in `TESTUDO_TRUST_PROXY` beside addresses and CIDRs. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Parses `TESTUDO_TRUST_PROXY` into fastify's `trustProxy`: unset, empty, `false` or `0` → false (the default: the
 * peer's address is the client's, `X-Forwarded-*` ignored); `true` → trust every proxy; a whole number n → the n
 * proxies nearest the server are trusted whoever they are (Express's meaning: safe only when the server can be
 * reached through them alone; fastify itself ignores hop counts); otherwise a comma-separated list of addresses,
 * CIDRs (`10.0.0.0/8`) or the names `loopback`, `linklocal`, `uniquelocal` (the safe choice).
 * @throws Error naming the bad entry when a list item is none of these.
 */
export function trustProxyOf(v: string | undefined): TrustProxy {
  const s = (v ?? '').trim();
  if (s === '' || s.toLowerCase() === 'false' || s === '0') return false;
  if (s.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 100) throw new Error(`TESTUDO_TRUST_PROXY: ${s} hops is not a plausible proxy chain (at most 100)`);
    return n === 0 ? false : (_address: string, hop: number) => hop < n;
  }
  const items = s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const item of items) {
    if (RANGE_NAMES.has(item) || isIP(item) !== 0) continue;
    const [addr = '', bits, ...rest] = item.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > max)
      throw new Error(
        `TESTUDO_TRUST_PROXY: "${item}" is not true, a hop count, an address, a CIDR or loopback/linklocal/uniquelocal`,
      );
  }
  return items;
}

/**
 * Parses `TESTUDO_CORS_ORIGINS` (comma-separated) into normalised origins (`https://app.example.com`, lower case, no
 * default port, no path). Unset or empty: none.
 * @throws Error naming the bad entry when an item is not an http(s) origin (`*` included: credentials need names).
 */
export function corsOriginsOf(v: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (v ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    let url: URL | null = null;
    try {
      url = new URL(item);
    } catch {
      url = null;
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.username !== '' ||
      url.password !== '' ||
      url.search !== '' ||
      url.hash !== '' ||
      (url.pathname !== '/' && url.pathname !== '')
    )
      throw new Error(`TESTUDO_CORS_ORIGINS: "${item}" is not an origin like https://app.example.com`);
    if (!out.includes(url.origin)) out.push(url.origin);
  }
  return out;
}

/**
 * Whether the request came from its own site: `origin` (an `Origin` header) names the host the request was sent to
 * (`req.host`: the `Host` header, or `X-Forwarded-Host` from a trusted proxy), default ports ignored, over http or
 * https (https only when the request itself is known to be https; a TLS proxy that is not trusted looks like http).
 */
export function isSameOrigin(origin: string, req: FastifyRequest): boolean {
  try {
    const o = new URL(origin);
    if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
    if (req.protocol === 'https' && o.protocol !== 'https:') return false;
    const host = req.host;
    if (!host) return false;
    return new URL(`${o.protocol}//${host}`).host === o.host;
  } catch {
    return false;
  }
}

/**
 * The rule for a browser's `Origin` header (WebSocket upgrades here; CSRF of cookie-authenticated writes, e.g. the
 * login): true when `origin` is the request's own origin ({@link isSameOrigin}), the origin of the server's public URL
 * (`TESTUDO_PUBLIC_URL`), or in the server's allowlist (`TESTUDO_CORS_ORIGINS`). Undefined (no `Origin` header, e.g.
 * a script) is false here: callers decide what a missing header means. `null` (a sandboxed page, a `file:` URL) is
 * false.
 */
export function isAllowedOrigin(origin: string | undefined, req: FastifyRequest): boolean {
  if (origin === undefined || origin === '' || origin === 'null') return false;
  if (isSameOrigin(origin, req)) return true;
  const server = req.server as Partial<FastifyInstance>;
  if (server.publicOrigin && allowedOrigin(origin, new Set([server.publicOrigin]))) return true;
  return allowedOrigin(origin, server.allowedOrigins);
}

/** Whether `origin` is in `allowed` (normalised origins), compared as an origin (case and default port ignored). */
function allowedOrigin(origin: string, allowed: ReadonlySet<string> | undefined): boolean {
  if (!allowed || allowed.size === 0 || origin === 'null') return false;
  try {
    return allowed.has(new URL(origin).origin);
  } catch {
    return false;
  }
}

/** The origin of `url` (an http(s) URL), null when unset or not one (the routes that need it refuse it at start). */
function originOf(url: string | undefined): string | null {
  try {
    const u = new URL((url ?? '').trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Whether `req` asks to become a WebSocket. */
export function isWebSocketUpgrade(req: FastifyRequest): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** A `Host` that is safe to write into a header value (`name[:port]` or `[v6][:port]`). */
const SAFE_HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** `connect-src` of each request: its own `ws:`/`wss:` (the Host varies: localhost, a LAN address, a proxy's name). */
const socketSources = new WeakMap<IncomingMessage, string>();

/**
 * The Content-Security-Policy directives (helmet's form): everything from the server itself, no inline or eval'd
 * script, no plugins, no framing, forms and `<base>` to the server only. `connect-src` adds the request's own
 * WebSocket origins. `data:` images and fonts (CSS-inlined icons) stay allowed, and inline styles (see below).
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // Inline styles are allowed (never inline script): the Desk's dialogs lock scrolling with a <style> element whose
  // text depends on the scrollbar's width (no fixed hash). CSS cannot reach another host: images and fonts are 'self'.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'", (req: IncomingMessage) => socketSources.get(req) ?? ''],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/** `Strict-Transport-Security` sent on HTTPS responses: one year (subdomains are the operator's business). */
export const HSTS = 'max-age=31536000';

/**
 * Registers the headers, CORS and the WebSocket `Origin` check on `app` (the root instance, before any route or
 * plugin, so that every route inherits the hooks) and decorates it with `allowedOrigins` and `publicOrigin`.
 * @throws Error from {@link corsOriginsOf} when an allowlist entry is not an origin.
 */
export async function webSecurity(app: FastifyInstance, opts: WebSecurityOptions = {}): Promise<void> {
  const origins = corsOriginsOf((opts.corsOrigins ?? []).join(','));
  const allowed: ReadonlySet<string> = new Set(origins);
  app.decorate('allowedOrigins', allowed);
  app.decorate('publicOrigin', originOf(opts.publicUrl ?? process.env.TESTUDO_PUBLIC_URL));

  // First: a browser's WebSocket from a foreign page is refused before anything (authentication included) runs.
  const refused = new WeakSet<IncomingMessage>();
  app.addHook('onRequest', async (req, reply) => {
    if (req.protocol === 'https') void reply.header('strict-transport-security', HSTS);
    const host = req.host;
    if (host && SAFE_HOST.test(host)) socketSources.set(req.raw, `ws://${host} wss://${host}`);
    if (!isWebSocketUpgrade(req)) return;
    const origin = req.headers.origin;
    if (origin === undefined || isAllowedOrigin(origin, req)) return;
    refused.add(req.raw);
    throw new ForbiddenError(
      'origin-not-allowed',
      'WebSocket connections from this origin are not allowed (the server’s own origin or TESTUDO_CORS_ORIGINS only)',
    );
  });

  // The refusal is written on the upgrade's raw socket, which nothing else closes (no route took it over).
  app.addHook('onResponse', async (req) => {
    const socket = req.raw.socket as { destroy?: () => void } | undefined; // `inject`'s stand-in has no destroy
    if (refused.has(req.raw) && typeof socket?.destroy === 'function') socket.destroy();
  });

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: false, // set above, on HTTPS requests only
    xFrameOptions: { action: 'deny' },
    // not no-referrer: with it, browsers send `Origin: null` on same-origin POSTs, which the CSRF check must refuse
    referrerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });

  if (origins.length > 0)
    await app.register(cors, {
      // an allowlisted origin gets its own name back (with credentials); any other, no CORS header at all
      origin: (origin, cb) => cb(null, origin !== undefined && allowedOrigin(origin, allowed) ? origin : false),
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: [
        'Retry-After',
        'RateLimit',
        'RateLimit-Policy',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'Location',
      ],
      maxAge: 600,
    });
}
