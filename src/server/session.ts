/**
 * The browser session: its cookie, and {@link startSession}, which every sign-in method (password, Sign-In with
 * Ethereum, OpenID Connect, after a second factor) calls once the user is known.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'testudo_session';

/** How a session was opened (stored with it, shown in the session list). */
export type SignInMethod = 'password' | 'register' | 'siwe' | 'oidc';

/** Options of {@link startSession}. */
export interface StartSessionOptions {
  method: SignInMethod;
  /** Mark the cookies Secure (the server's `secureCookies` option, or the request came over HTTPS). */
  secure: boolean;
  /** Whether a second factor was checked for this sign-in. */
  mfa?: boolean;
}

/**
 * Opens a session for `user` and sets its cookies on `reply` (HttpOnly, SameSite=Lax, path `/`).
 * @throws whatever the database throws (nothing is set then)
 */
export async function startSession(
  ctx: AppContext,
  _req: FastifyRequest,
  reply: FastifyReply,
  user: User,
  o: StartSessionOptions,
): Promise<void> {
  const { token, expiresAt } = await ctx.auth.openSession(user.id, Date.now());
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: o.secure,
    expires: new Date(expiresAt),
  });
}
