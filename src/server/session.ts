/**
 * The browser session's cookies, and {@link startSession}, which every sign-in method (password, registration,
 * Sign-In with Ethereum, OpenID Connect, after a second factor) calls once the user is known.
 *
 * Cookies (all `SameSite=Lax`; `Secure` when the server's `secureCookies` option is set or the request came over
 * HTTPS, `req.protocol`, which believes `X-Forwarded-Proto` only from a trusted proxy, `TESTUDO_TRUST_PROXY`):
 * - `testudo_session` (HttpOnly, path `/`): the access token, a JWT valid 15 minutes (`SessionOptions.accessTtlMs`);
 *   the cookie itself lives as long as the session so that an expired token is answered `401 session-expired`;
 * - `testudo_refresh` (HttpOnly, path `/api/v1/auth`): the single-use refresh token, 30 days, rotated by
 *   `POST /api/v1/auth/refresh`;
 * - `testudo_csrf` (readable by the page, path `/`): the session's CSRF token, to send as `x-csrf-token` with every
 *   write (POST, PUT, PATCH, DELETE) authenticated by the session cookie; see `authenticate.ts`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import { ForbiddenError } from '../app/errors.ts';
import type { IssuedSession } from '../app/sessions.ts';
import { isAllowedOrigin } from './web-security.ts';

/** Name of the access-token cookie (HttpOnly). */
export const SESSION_COOKIE = 'testudo_session';
/** Name of the refresh-token cookie (HttpOnly, path {@link REFRESH_PATH}). */
export const REFRESH_COOKIE = 'testudo_refresh';
/** Name of the CSRF-token cookie (readable by the page's scripts). */
export const CSRF_COOKIE = 'testudo_csrf';
/** The header that carries the CSRF token on cookie-authenticated writes. */
export const CSRF_HEADER = 'x-csrf-token';
/** Path of the refresh cookie: only the auth routes (refresh, logout) ever see it. */
export const REFRESH_PATH = '/api/v1/auth';

/** How a session was opened (stored with it, shown in the session list). */
export type SignInMethod = 'password' | 'register' | 'siwe' | 'oidc';

/** Options of {@link startSession}. */
export interface StartSessionOptions {
  method: SignInMethod;
  /** Mark the cookies Secure (the server's `secureCookies` option); a request over HTTPS gets them Secure anyway. */
  secure: boolean;
  /** Whether a second factor was checked for this sign-in. */
  mfa?: boolean;
}

/** Whether cookies set on the reply to `req` get `Secure`: `configured`, or the request came over HTTPS. */
export function secureFor(req: FastifyRequest, configured: boolean): boolean {
  return configured || req.protocol === 'https';
}

/**
 * Sets the cookies of an issued session on `reply`: access and CSRF tokens, and the refresh token when one was
 * issued (a refresh inside the reuse grace window issues none: the browser keeps the cookie it has).
 */
export function setSessionCookies(reply: FastifyReply, s: IssuedSession, secure: boolean): void {
  const expires = new Date(s.expiresAt);
  const base = { sameSite: 'lax' as const, secure, expires };
  reply.setCookie(SESSION_COOKIE, s.access, { ...base, httpOnly: true, path: '/' });
  reply.setCookie(CSRF_COOKIE, s.csrf, { ...base, httpOnly: false, path: '/' });
  if (s.refresh !== null) reply.setCookie(REFRESH_COOKIE, s.refresh, { ...base, httpOnly: true, path: REFRESH_PATH });
}

/** Clears the three session cookies on `reply` (logout, a dead refresh token). */
export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  const base = { sameSite: 'lax' as const, secure };
  reply.clearCookie(SESSION_COOKIE, { ...base, httpOnly: true, path: '/' });
  reply.clearCookie(CSRF_COOKIE, { ...base, path: '/' });
  reply.clearCookie(REFRESH_COOKIE, { ...base, httpOnly: true, path: REFRESH_PATH });
}

/**
 * CSRF check of a sign-in or refresh request (no session authenticates it yet, so no CSRF token can be asked for):
 * a browser's `Origin` must be the request's own origin or in the CORS allowlist (`TESTUDO_CORS_ORIGINS`). A
 * request without `Origin` (a script, curl) passes.
 * @throws ForbiddenError `csrf-failed` for a foreign origin (or `Origin: null`)
 */
export function checkSignInOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (!isAllowedOrigin(origin, req))
    throw new ForbiddenError('csrf-failed', 'this request came from a page of another site');
}

/**
 * Opens a session for `user` and sets its cookies on `reply` (see the module comment), recording the method, the
 * second factor, the User-Agent and the address (`req.ip`).
 * @throws whatever the database throws (nothing is set then)
 */
export async function startSession(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  o: StartSessionOptions,
): Promise<void> {
  const s = await ctx.auth.sessions.open(user.id, Date.now(), {
    method: o.method,
    mfa: o.mfa === true,
    userAgent: req.headers['user-agent'] ?? null,
    address: req.ip,
  });
  setSessionCookies(reply, s, secureFor(req, o.secure));
}
