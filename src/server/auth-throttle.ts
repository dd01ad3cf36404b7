/**
 * Sign-in throttling (routes of the `auth` rate-limit group, `ratelimit.ts`), as hooks so the sign-in routes need
 * no change:
 * - `preValidation`: the account's own sliding window (the `email` of the body, lower-cased; 20 per 10 min by
 *   default) and, on routes that check something guessable, the exponential back-off of the address and of the
 *   account: after 5 failures each further failure
 *   makes the next attempt wait 1 s, 2 s, 4 s … up to 15 min (`BACKOFF`), answered `429 rate-limited` with
 *   `Retry-After` before the password is even checked;
 * - `onSend`: a `401` answer of a route that checks something guessable (password, second-factor code, SIWE
 *   signature; not the refresh cookie nor an OIDC callback, whose secrets are random) counts one failure for the
 *   address and the account; a `2xx` answer clears the account's failures (not the address's: signing in to one's
 *   own account does not buy more guesses at others).
 * The per-address window of the group is checked earlier by the `onRequest` hook of `rateLimits`. The same keys are
 * used whether or not the e-mail has an account, so the answers tell nothing about which e-mails exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../app/errors.ts';
import { applyDecision, routeGroupOf, type RateLimiter } from './ratelimit.ts';

/** The account an auth request names: the body's `email`, trimmed and lower-cased, or null. */
export function accountOf(req: FastifyRequest): string | null {
  const b = req.body as { email?: unknown } | null | undefined;
  if (!b || typeof b !== 'object' || typeof b.email !== 'string') return null;
  const e = b.email.trim().toLowerCase();
  return e === '' ? null : e.slice(0, 320);
}

/** The back-off keys of a request: its address (`a:`), and its account (`e:`) when it names one. */
function keysOf(req: FastifyRequest): string[] {
  const account = accountOf(req);
  return account ? [`a:${req.ip}`, `e:${account}`] : [`a:${req.ip}`];
}

/** Sign-in routes whose `401` is not a guess (random secrets): their failures are not counted for back-off. */
const NOT_GUESSES = /^\/api\/v1\/auth\/(refresh|oidc\/)/;

/** Whether `req` checks a guessable credential (back-off applies), i.e. is not a {@link NOT_GUESSES} route. */
function isGuess(req: FastifyRequest): boolean {
  return !NOT_GUESSES.test(req.routeOptions.url ?? req.url);
}

/** Registers the sign-in throttle hooks on `app` (with `limiter`, the one `rateLimits` uses). */
export function authThrottle(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('preValidation', async (req, reply) => {
    if (routeGroupOf(req) !== 'auth' || limiter.off) return;
    const account = accountOf(req);
    if (account) applyDecision(reply, await limiter.check('auth', { account }), 'auth');
    if (!isGuess(req)) return;
    const wait = await limiter.backoffWait(keysOf(req));
    if (wait > 0) {
      const s = Math.max(1, Math.ceil(wait / 1000));
      reply.header('retry-after', String(s));
      throw new RateLimitedError('rate-limited', `too many failed sign-ins: retry in ${s} s`);
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (routeGroupOf(req) !== 'auth' || limiter.off) return payload;
    if (reply.statusCode === 401) {
      if (isGuess(req)) await limiter.failed(keysOf(req));
    } else if (reply.statusCode >= 200 && reply.statusCode < 300) {
      const account = accountOf(req);
      if (account) await limiter.succeeded(`e:${account}`);
    }
    return payload;
  });
}
