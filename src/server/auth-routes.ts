/**
 * Authentication routes: register (which signs the new user in), log in and out, the current user, onboarding.
 * API tokens are in `token-routes.ts`.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { requireUser } from './guards.ts';
import { MeReply, OkReply, UserReply } from './journal-schemas.ts';
import { CredentialsBody } from './schemas.ts';
import { SESSION_COOKIE, startSession } from './session.ts';
import { completeSignIn, MfaChallengeReply } from './sign-in.ts';

/** Registers `/api/v1/auth/*`. */
export function authRoutes(app: FastifyInstance, ctx: AppContext, opts: { secureCookies?: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const profiles = ctx.profiles;
  const secure = opts.secureCookies ?? false;

  r.post(
    '/api/v1/auth/register',
    { schema: { body: CredentialsBody, tags: ['auth'], response: { 201: UserReply } } },
    async (req, reply) => {
      const user = await ctx.auth.register(req.body.email, req.body.password);
      await startSession(ctx, req, reply, user, { method: 'register', secure });
      reply.code(201);
      return { user };
    },
  );
  r.post(
    '/api/v1/auth/login',
    { schema: { body: CredentialsBody, tags: ['auth'], response: { 200: UserReply.or(MfaChallengeReply) } } },
    async (req, reply) => {
      const user = await ctx.auth.checkPassword(req.body.email, req.body.password);
      const res = await completeSignIn(ctx, req, reply, user, 'password', { secure });
      return 'mfaRequired' in res ? res : { user: { id: user.id, email: user.email } };
    },
  );
  r.post('/api/v1/auth/logout', { schema: { tags: ['auth'], response: { 200: OkReply } } }, async (req, reply) => {
    if (req.authToken) await ctx.auth.logout(req.authToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
  r.get('/api/v1/auth/me', { schema: { tags: ['auth'], response: { 200: MeReply } } }, async (req) => {
    const user = requireUser(req);
    const [p, account] = await Promise.all([ctx.auth.profile(user.id), profiles.accountState(user.id)]);
    return {
      user: { id: user.id, email: user.email, isAdmin: p.isAdmin },
      isAdmin: p.isAdmin,
      onboarded: p.onboarded,
      createdAt: p.createdAt,
      account: account as z.infer<typeof MeReply>['account'],
    };
  });
  r.post('/api/v1/auth/onboarded', { schema: { tags: ['auth'], response: { 200: OkReply } } }, async (req) => {
    await ctx.auth.setOnboarded(requireUser(req).id, Date.now());
    return { ok: true };
  });
}
