/**
 * Route guards shared by every route module: the logged-in user of a request, and the per-user rate limit as a
 * preHandler. The errors they throw are mapped to HTTP in one place (`errors.ts`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../app/auth.ts';
import { AuthError, RateLimitedError } from '../app/errors.ts';
import type { LimitClass, RateLimiter } from './ratelimit.ts';

/** The logged-in user of a request. @throws AuthError `unauthenticated` when there is none. */
export function requireUser(req: FastifyRequest): User {
  if (!req.user) throw new AuthError('unauthenticated', 'log in first, or send Authorization: Bearer <API token>');
  return req.user;
}

/**
 * A preHandler that takes one token of class `cls` from `limiter` for the logged-in user (AuthError when logged
 * out); when none is left, answers 429 `rate-limited` with `Retry-After` (seconds).
 */
export function rateLimit(
  limiter: RateLimiter,
  cls: LimitClass,
): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const u = requireUser(req);
    const wait = limiter.take(cls, u.id, u.isAdmin === true);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new RateLimitedError('rate-limited', `too many ${cls} requests: retry in ${wait} s`);
    }
  };
}
