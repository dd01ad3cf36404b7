/**
 * Authentication routes: register, log in and out, the current user, API tokens.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { getRiskProfile } from '../app/profile.ts';
import { requireUser } from './guards.ts';
import { CredentialsBody, TokenBody } from './schemas.ts';
import { SESSION_COOKIE } from './session.ts';

/** Registers `/api/v1/auth/*`. */
export function authRoutes(app: FastifyInstance, ctx: AppContext, opts: { secureCookies?: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // --- auth ---
  r.post('/api/v1/auth/register', { schema: { body: CredentialsBody, tags: ['auth'] } }, async (req, reply) => {
    const user = await ctx.auth.register(req.body.email, req.body.password);
    reply.code(201);
    return { user };
  });
  r.post('/api/v1/auth/login', { schema: { body: CredentialsBody, tags: ['auth'] } }, async (req, reply) => {
    const { user, token, expiresAt } = await ctx.auth.login(req.body.email, req.body.password, Date.now());
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: opts.secureCookies ?? false,
      expires: new Date(expiresAt),
    });
    return { user };
  });
  r.post('/api/v1/auth/logout', { schema: { tags: ['auth'] } }, async (req, reply) => {
    if (req.authToken) await ctx.auth.logout(req.authToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
  r.get('/api/v1/auth/me', { schema: { tags: ['auth'] } }, async (req) => {
    const user = requireUser(req);
    const risk = await getRiskProfile(ctx.sql, user.id);
    return { user, account: risk.state };
  });
  r.post('/api/v1/auth/tokens', { schema: { body: TokenBody, tags: ['auth'] } }, async (req, reply) => {
    const user = requireUser(req);
    const token = await ctx.auth.createApiToken(user.id, req.body.name);
    reply.code(201);
    return { token, name: req.body.name, note: 'shown once: store it; send it as Authorization: Bearer <token>' };
  });
}
