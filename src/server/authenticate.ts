/**
 * Who is calling: the `onRequest` hook that resolves a request's credentials (a bearer API token, the session
 * cookie, or `?token=` on a WebSocket upgrade) to `req.user` and `req.auth` (the {@link Principal} with its scopes),
 * and refuses cookie-authenticated writes without the session's CSRF token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import { AuthError, ForbiddenError } from '../app/errors.ts';
import { checkSignInOrigin, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './session.ts';

/** What an API token may do: `read` (GET), `trade` (every other user action), `admin` (admin-only routes). */
export type Scope = 'read' | 'trade' | 'admin';

/** Every scope, in order. */
export const SCOPES: readonly Scope[] = ['read', 'trade', 'admin'];

/** The authenticated caller of a request. */
export interface Principal {
  user: User;
  /** `session`: the browser's cookie; `token`: a bearer API token (also `?token=` on a WebSocket). */
  via: 'session' | 'token';
  /** What the credentials allow (a session: everything its user may do; a token: its scopes). */
  scopes: ReadonlySet<Scope>;
  /** The session's id (via `session`), else null. */
  sessionId: number | null;
  /** The API token's id (via `token`), else null. */
  tokenId: number | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
    /** The raw credential of the request (the access JWT or the API token), null when anonymous. */
    authToken: string | null;
    /** The authenticated caller, null when anonymous. */
    auth: Principal | null;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Routes that sign in or out, answered without a session: a write to them is not asked for a CSRF token (there is
 * no session yet) but a browser's `Origin` must be the server's own or allowlisted (`checkSignInOrigin`), and an
 * expired access cookie sent to them is ignored instead of answered `401 session-expired`.
 */
export const SIGN_IN_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/auth/login',
  '/api/v1/auth/register',
  '/api/v1/auth/refresh',
  '/api/v1/auth/logout',
  '/api/v1/auth/methods',
  '/api/v1/auth/siwe/nonce',
  '/api/v1/auth/siwe/verify',
  '/api/v1/auth/oidc/login',
  '/api/v1/auth/oidc/callback',
  '/api/v1/auth/mfa/verify',
]);

/**
 * Routes that add a way to sign in or change the account's second factor (`METHOD path`): what they change guards
 * sessions with every scope of the account, so an API token may call them only when it carries every scope its user
 * may use (otherwise an admin's read+trade token could link a wallet and sign in with it as an admin, or enrol,
 * confirm or turn off the TOTP of the admin's sign-in). The rule tokens follow when they make tokens.
 */
export const SIGN_IN_METHOD_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/v1/auth/wallets',
  'POST /api/v1/auth/mfa/totp/setup',
  'POST /api/v1/auth/mfa/totp/enable',
  'POST /api/v1/auth/mfa/totp/disable',
]);

/** API routes that never need a session (an expired access cookie sent to them is ignored). */
const PUBLIC_ROUTES = new Set(['/api/v1/health', '/api/v1/openapi.json']);

function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  if (req.url.startsWith('/ws')) return new URL(req.url, 'http://x').searchParams.get('token');
  return null;
}

/**
 * Registers the hook that sets `req.user`, `req.authToken` and `req.auth` (all null for an anonymous caller):
 * - `Authorization: Bearer tdo_…` (or `?token=` on a WebSocket upgrade): an API token (`src/app/api-tokens.ts`);
 * - otherwise the session cookie (`testudo_session`, an access JWT checked against its session, see
 *   `src/app/sessions.ts`): scopes `read`, `trade` (+ `admin` for an admin), `sessionId` set.
 *
 * Errors it throws (before any body is read):
 * - AuthError `session-expired` (401): the access cookie is genuine but expired, or its session was revoked, on an
 *   `/api/` route that is not a sign-in or public route: `POST /api/v1/auth/refresh` and retry (the Desk does);
 * - ForbiddenError `insufficient-scope` (403): an API token without every scope of its user on a
 *   {@link SIGN_IN_METHOD_ROUTES} route;
 * - ForbiddenError `csrf-failed` (403): a POST/PUT/PATCH/DELETE authenticated by the session cookie without the
 *   session's CSRF token in `x-csrf-token` (the `testudo_csrf` cookie), or a write to a sign-in route from a foreign
 *   `Origin`. Bearer-token requests are exempt.
 */
export function authenticate(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('user', null);
  app.decorateRequest('authToken', null);
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url ?? req.url.split('?', 1)[0]!;
    const signIn = SIGN_IN_ROUTES.has(route);
    const write = WRITES.has(req.method);
    if (signIn && write) checkSignInOrigin(req);
    const bearer = bearerOf(req);
    if (bearer?.startsWith('tdo_')) {
      // An API token (H2, src/app/api-tokens.ts): effective scopes = its scopes ∩ what its user may do now.
      const p = await ctx.auth.tokens.authenticate(bearer, Date.now(), req.ip);
      if (!p) return;
      req.user = p.user;
      req.authToken = bearer;
      // req.user: isAdmin only with the admin scope; req.auth.user: the owner as stored (isAdmin: the role)
      req.auth = { user: p.owner, via: 'token', scopes: p.scopes, sessionId: null, tokenId: p.tokenId };
      if (SIGN_IN_METHOD_ROUTES.has(`${req.method} ${route}`)) {
        const missing = SCOPES.filter((s) => (s !== 'admin' || p.owner.isAdmin) && !p.scopes.has(s));
        if (missing.length > 0)
          throw new ForbiddenError(
            'insufficient-scope',
            `this changes how your account signs in, with every scope of it: this API token lacks ${missing.join(', ')}`,
          );
      }
      return;
    }
    if (req.headers.authorization) return; // a bearer that is not an API token: anonymous, the cookie is not used
    const c = req.cookies?.[SESSION_COOKIE];
    if (!c) return;
    const v = await ctx.auth.sessions.verifyAccess(c, Date.now());
    if (v.status === 'expired' && !signIn && route.startsWith('/api/') && !PUBLIC_ROUTES.has(route))
      throw new AuthError('session-expired', 'the session has expired: POST /api/v1/auth/refresh, then retry');
    if (v.status !== 'ok') return;
    if (write && !signIn) {
      const h = req.headers[CSRF_HEADER];
      if (!(await ctx.auth.sessions.checkCsrf(v.sessionId, typeof h === 'string' ? h : undefined)))
        throw new ForbiddenError('csrf-failed', `send the ${CSRF_COOKIE} cookie's value as ${CSRF_HEADER}`);
    }
    const scopes = new Set<Scope>(['read', 'trade']);
    if (v.user.isAdmin) scopes.add('admin');
    req.user = v.user;
    req.authToken = c;
    req.auth = { user: v.user, via: 'session', scopes, sessionId: v.sessionId, tokenId: null };
  });
}
