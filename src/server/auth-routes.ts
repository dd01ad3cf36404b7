/**
 * Authentication routes: register (which signs the new user in), log in, refresh, log out (this session or every
 * session), the sessions of the user (listed, revoked one by one), the current user, onboarding. API tokens are in
 * `token-routes.ts`; cookies and CSRF in `session.ts` and `authenticate.ts`.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { AuthError } from '../app/errors.ts';
import { requireUser } from './guards.ts';
import { MeReply, OkReply, UserReply } from './journal-schemas.ts';
import { CredentialsBody, IdParams } from './schemas.ts';
import {
  clearSessionCookies,
  REFRESH_COOKIE,
  secureFor,
  SESSION_COOKIE,
  setSessionCookies,
  startSession,
} from './session.ts';
import { completeSignIn, MfaChallengeReply } from './sign-in.ts';

/** The answer of `POST /auth/refresh` (the tokens themselves are in the cookies). */
export const RefreshReply = z.object({
  ok: z.boolean(),
  accessExpiresAt: z.string().describe('ISO 8601 UTC: when the new access token expires'),
});

/** A session as `GET /auth/sessions` lists it. */
export const SessionItem = z.object({
  id: z.number().int(),
  createdAt: z.string(),
  lastSeenAt: z.string().describe('updated at most once a minute'),
  expiresAt: z.string().describe('when the session ends unless refreshed'),
  device: z.string().describe('browser and system from the User-Agent, e.g. "Firefox on Linux"'),
  address: z.string().nullable().describe('IP address of the sign-in or the latest refresh'),
  method: z.string().describe('password, register, siwe, oidc'),
  mfa: z.boolean(),
  current: z.boolean().describe('the session of this request'),
});

/** The answer of `GET /auth/sessions`. */
export const SessionsReply = z.object({ sessions: z.array(SessionItem) });

/** The answer of `POST /auth/logout-all`. */
export const LogoutAllReply = z.object({ ok: z.boolean(), revoked: z.number().int() });

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
  r.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        description:
          'Exchanges the refresh cookie for new access, refresh and CSRF cookies. 401 refresh-invalid: sign in ' +
          'again; 401 refresh-token-reused: the refresh token was used before and the session is now revoked.',
        response: { 200: RefreshReply },
      },
    },
    async (req, reply) => {
      const token = req.cookies[REFRESH_COOKIE];
      const secureNow = secureFor(req, secure);
      try {
        if (!token) throw new AuthError('refresh-invalid', 'no refresh cookie: sign in again');
        const s = await ctx.auth.sessions.refresh(token, Date.now(), { address: req.ip });
        setSessionCookies(reply, s, secureNow);
        return { ok: true, accessExpiresAt: new Date(s.accessExpiresAt).toISOString() };
      } catch (e) {
        if (e instanceof AuthError) clearSessionCookies(reply, secureNow);
        throw e;
      }
    },
  );
  r.post('/api/v1/auth/logout', { schema: { tags: ['auth'], response: { 200: OkReply } } }, async (req, reply) => {
    const access = req.cookies[SESSION_COOKIE];
    const refresh = req.cookies[REFRESH_COOKIE];
    const sid =
      req.auth?.sessionId ??
      (access ? await ctx.auth.sessions.sessionIdOf(access) : null) ??
      (refresh ? await ctx.auth.sessions.sessionOfRefresh(refresh) : null);
    if (sid !== null) await ctx.auth.sessions.end(sid, Date.now());
    clearSessionCookies(reply, secureFor(req, secure));
    return { ok: true };
  });
  r.post(
    '/api/v1/auth/logout-all',
    {
      schema: {
        tags: ['auth'],
        description: 'Ends every session of the user, this one included (audited logout-all).',
        response: { 200: LogoutAllReply },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const revoked = await ctx.auth.sessions.revokeAll({ userId: user.id, address: req.ip }, user.id, Date.now());
      if (req.auth?.via === 'session') clearSessionCookies(reply, secureFor(req, secure));
      return { ok: true, revoked };
    },
  );
  r.get('/api/v1/auth/sessions', { schema: { tags: ['auth'], response: { 200: SessionsReply } } }, async (req) => {
    const user = requireUser(req);
    return { sessions: await ctx.auth.sessions.list(user.id, Date.now(), req.auth?.sessionId ?? null) };
  });
  r.delete(
    '/api/v1/auth/sessions/:id',
    {
      schema: {
        tags: ['auth'],
        description: "Revokes one of the user's sessions (audited session-revoked); another user's id: 404.",
        params: IdParams,
        response: { 200: OkReply },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      await ctx.auth.sessions.revoke({ userId: user.id, address: req.ip }, user.id, req.params.id, Date.now());
      if (req.auth?.sessionId === req.params.id) clearSessionCookies(reply, secureFor(req, secure));
      return { ok: true };
    },
  );
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
