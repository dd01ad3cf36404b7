/**
 * Route guards shared by every route module: the logged-in user of a request, the admin, the scopes of an API
 * token, and the per-user rate limit as a preHandler. The errors they throw are mapped to HTTP in one place
 * (`errors.ts`).
 *
 * Scopes: a request made with an API token needs `read` for GET and HEAD (WebSocket channels included), `trade`
 * for every other method ({@link enforceScopes}, one hook for every route), and `admin` on admin-only routes
 * ({@link requireAdmin}); a missing scope answers `403 insufficient-scope` naming it. A session has every scope
 * its user may use.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../app/auth.ts';
import { AuthError, ForbiddenError } from '../app/errors.ts';
import type { Scope } from './authenticate.ts';
import { applyDecision, OWN_LIMIT, type LimitClass, type RateLimiter } from './ratelimit.ts';

/** The logged-in user of a request. @throws AuthError `unauthenticated` when there is none. */
export function requireUser(req: FastifyRequest): User {
  if (!req.user) throw new AuthError('unauthenticated', 'log in first, or send Authorization: Bearer <API token>');
  return req.user;
}

/** The scope a request with `method` needs when made with an API token: `read` for GET and HEAD, else `trade`. */
export function scopeForMethod(method: string): Scope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'trade';
}

/**
 * Checks that the request's credentials carry `scope` (an anonymous request passes: {@link requireUser} decides).
 * @throws ForbiddenError `insufficient-scope` (message names the scope) when they do not
 */
export function requireScope(req: FastifyRequest, scope: Scope): void {
  const a = req.auth;
  if (!a || a.scopes.has(scope)) return;
  throw new ForbiddenError(
    'insufficient-scope',
    a.via === 'token' ? `this API token lacks the ${scope} scope` : `this needs the ${scope} scope`,
  );
}

/**
 * The signed-in admin, with the `admin` scope when signed in with an API token (a demoted admin's token has none).
 * @throws AuthError `unauthenticated`; ForbiddenError `forbidden` (the user is no admin, whatever the credentials)
 *   or `insufficient-scope` (an admin's API token without `admin`)
 */
export function requireAdmin(req: FastifyRequest): User {
  const u = requireUser(req);
  // req.auth.user is the user as stored (its role); req.user's isAdmin already honours a token's scopes
  if (!(req.auth?.user ?? u).isAdmin) throw new ForbiddenError('forbidden', 'only an admin may do this');
  requireScope(req, 'admin');
  if (!u.isAdmin) throw new ForbiddenError('insufficient-scope', 'this API token lacks the admin scope');
  return u;
}

/**
 * Registers the one `onRequest` hook that checks an API token's scope against the request's method
 * ({@link scopeForMethod}); OPTIONS needs none. Register it after `authenticate` (hooks run in order).
 */
export function enforceScopes(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (req.auth?.via !== 'token' || req.method === 'OPTIONS') return;
    requireScope(req, scopeForMethod(req.method));
  });
}

/**
 * A preHandler that counts one request of the exchange class `cls` (the `mutate` or `expensive` rate-limit group)
 * in `limiter` for the logged-in user (AuthError when logged out) and their address; sets the `RateLimit-*` fields,
 * and when the group's window is full answers 429 `rate-limited` with `Retry-After` (seconds). Marked with
 * `OWN_LIMIT`, so the route-wide hook of `rateLimits` does not count the request a second time.
 */
export function rateLimit(
  limiter: RateLimiter,
  cls: LimitClass,
): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const pre = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const u = requireUser(req);
    applyDecision(reply, await limiter.check(cls, { user: u, address: req.ip }), cls);
  };
  return Object.assign(pre, { [OWN_LIMIT]: cls });
}
