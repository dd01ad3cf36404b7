/**
 * The last step of every sign-in method (password, registration, Sign-In with Ethereum, OpenID Connect): where a
 * second factor is enabled it is asked for, otherwise the session starts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import { startSession, type SignInMethod } from './session.ts';

/** A sign-in's answer when a second factor is needed: answer `challenge` with a code at `POST /api/v1/auth/mfa/verify`. */
export const MfaChallengeReply = z.object({
  mfaRequired: z.literal(true),
  challenge: z.string().describe('short-lived; send it back with the code'),
});

/** What a sign-in answers: the user with a session started, or a second-factor challenge to answer first. */
export type SignInResult = { user: User } | { mfaRequired: true; challenge: string };

/**
 * Completes a sign-in of `user` by `method`. When the user has a second factor on (TOTP, `src/app/mfa.ts`) no
 * session starts: the answer is `{ mfaRequired: true, challenge }`, a signed token bound to the user and the method,
 * valid 5 minutes, to send with a code to `POST /api/v1/auth/mfa/verify` (a redirect flow such as OpenID Connect
 * sends the browser to `/login?mfa=<challenge>`, where the Desk asks for the code). Otherwise the session starts
 * (cookies on `reply`) and the answer is `{ user }`.
 * @throws whatever {@link startSession} throws
 */
export async function completeSignIn(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  method: SignInMethod,
  o: { secure: boolean },
): Promise<SignInResult> {
  if (method !== 'register' && (await ctx.mfa.isEnabled(user.id)))
    return { mfaRequired: true, challenge: await ctx.mfa.issueChallenge(user.id, method) };
  await startSession(ctx, req, reply, user, { method, secure: o.secure });
  return { user };
}
