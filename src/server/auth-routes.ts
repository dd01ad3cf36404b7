/**
 * Authentication routes: register (which signs the new user in), log in and out, the current user, onboarding,
 * API tokens.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { requireUser } from './guards.ts';
import { MeReply, NewTokenReply, OkReply, TokensReply, UserReply } from './journal-schemas.ts';
import { CredentialsBody, IdParams, TokenBody } from './schemas.ts';
import { SESSION_COOKIE } from './session.ts';

/** Registers `/api/v1/auth/*`. */
export function authRoutes(app: FastifyInstance, ctx: AppContext, opts: { secureCookies?: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const profiles = ctx.profiles;
  const setSession = (reply: FastifyReply, token: string, expiresAt: number): void => {
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: opts.secureCookies ?? false,
      expires: new Date(expiresAt),
    });
  };

  r.post(
    '/api/v1/auth/register',
    { schema: { body: CredentialsBody, tags: ['auth'], response: { 201: UserReply } } },
    async (req, reply) => {
      const user = await ctx.auth.register(req.body.email, req.body.password);
      const { token, expiresAt } = await ctx.auth.openSession(user.id, Date.now());
      setSession(reply, token, expiresAt);
      reply.code(201);
      return { user };
    },
  );
  r.post(
    '/api/v1/auth/login',
    { schema: { body: CredentialsBody, tags: ['auth'], response: { 200: UserReply } } },
    async (req, reply) => {
      const { user, token, expiresAt } = await ctx.auth.login(req.body.email, req.body.password, Date.now());
      setSession(reply, token, expiresAt);
      return { user };
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
  r.post(
    '/api/v1/auth/tokens',
    { schema: { body: TokenBody, tags: ['auth'], response: { 201: NewTokenReply } } },
    async (req, reply) => {
      const user = requireUser(req);
      const { id, token } = await ctx.auth.issueApiToken(user.id, req.body.name);
      reply.code(201);
      return {
        id,
        token,
        name: req.body.name,
        note: 'shown once: store it; send it as Authorization: Bearer <token>',
      };
    },
  );
  r.get('/api/v1/auth/tokens', { schema: { tags: ['auth'], response: { 200: TokensReply } } }, async (req) => ({
    tokens: await ctx.auth.listApiTokens(requireUser(req).id),
  }));
  r.delete(
    '/api/v1/auth/tokens/:id',
    { schema: { params: IdParams, tags: ['auth'], response: { 204: z.null().describe('revoked') } } },
    async (req, reply) => {
      await ctx.auth.deleteApiToken(requireUser(req).id, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
