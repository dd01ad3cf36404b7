/**
 * OpenID Connect login routes and the list of sign-in methods:
 * - `GET /api/v1/auth/methods`: which methods the Desk shows (`{ password, siwe, oidc: { name } | null }`);
 * - `GET /api/v1/auth/oidc/login`: redirects to the provider (state, nonce, PKCE S256); the state is kept in a
 *   short-lived HttpOnly cookie bound to this browser, the nonce and verifier in the database;
 * - `GET /api/v1/auth/oidc/callback`: exchanges the code, signs in, and redirects to `/` (errors: to
 *   `/login?error=<code>`; a second factor: to `/login?mfa=<challenge>`).
 * Settings: `TESTUDO_OIDC_ISSUER`, `TESTUDO_OIDC_CLIENT_ID`, `TESTUDO_OIDC_CLIENT_SECRET` (optional),
 * `TESTUDO_OIDC_NAME`, `TESTUDO_PUBLIC_URL` (the redirect URI is `<public url>/api/v1/auth/oidc/callback`; without
 * it, the request's origin).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { NotFoundError, TestudoError } from '../app/errors.ts';
import { OidcService, oidcSettingsFromEnv, type OidcSettings } from '../app/oidc.ts';
import { completeSignIn } from './sign-in.ts';
import { auditSignIn } from './sign-in-audit.ts';
import { publicOrigin } from './siwe-routes.ts';

/** Cookie holding the state of a login in progress (HttpOnly, SameSite=Lax, 10 minutes, callback path only). */
export const OIDC_STATE_COOKIE = 'testudo_oidc_state';
/** Path of the callback (append it to the public URL to get the redirect URI to register at the provider). */
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

const text = z.string().max(4000).optional();
/** The callback's query: the provider's answer (other parameters a provider adds, e.g. `session_state`, pass). */
const CallbackQuery = z.looseObject({
  code: text,
  state: text,
  iss: text,
  error: text,
  error_description: text,
});

/** Options of {@link oidcRoutes}. */
export interface OidcRouteOptions {
  /** Mark the cookies Secure (also done for a request that came over https). */
  secureCookies?: boolean | undefined;
  /** The provider; default: from `env` ({@link oidcSettingsFromEnv}); null turns OIDC off. */
  oidc?: OidcSettings | null | undefined;
  /** Where settings are read (default `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
}

/** Registers `/api/v1/auth/methods` and the OpenID Connect login routes (which answer 404 when OIDC is off). */
export function oidcRoutes(app: FastifyInstance, ctx: AppContext, opts: OidcRouteOptions = {}): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const env = opts.env ?? process.env;
  const settings = opts.oidc === undefined ? oidcSettingsFromEnv(env) : opts.oidc;
  const service = settings ? new OidcService(ctx.sql, settings) : null;
  const publicUrl = env.TESTUDO_PUBLIC_URL?.trim() || undefined;
  const redirectUri = (req: FastifyRequest): string => publicOrigin(req, publicUrl).origin + OIDC_CALLBACK_PATH;
  const secure = (req: FastifyRequest): boolean => (opts.secureCookies ?? false) || req.protocol === 'https';
  const fail = (reply: FastifyReply, e: unknown): FastifyReply => {
    if (!(e instanceof TestudoError)) throw e;
    return reply.redirect(`/login?error=${encodeURIComponent(e.code)}`, 302);
  };

  r.get(
    '/api/v1/auth/methods',
    {
      schema: {
        tags: ['auth'],
        security: [],
        description: 'The sign-in methods this server offers (the Desk shows a button for each).',
        response: {
          200: z.object({
            password: z.boolean(),
            siwe: z.boolean(),
            oidc: z.object({ name: z.string() }).nullable(),
          }),
        },
      },
    },
    async () => ({ password: true, siwe: true, oidc: settings ? { name: settings.name } : null }),
  );

  r.get(
    '/api/v1/auth/oidc/login',
    {
      schema: {
        tags: ['auth'],
        security: [],
        description: 'Redirects (302) to the identity provider; 404 oidc-not-configured when OIDC is off.',
      },
    },
    async (req, reply) => {
      if (!service) throw notConfigured();
      try {
        const { url, state } = await service.start(redirectUri(req), Date.now());
        reply.setCookie(OIDC_STATE_COOKIE, state, {
          httpOnly: true,
          sameSite: 'lax',
          path: OIDC_CALLBACK_PATH,
          secure: secure(req),
          maxAge: 600,
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(url, 302);
      } catch (e) {
        return fail(reply, e);
      }
    },
  );

  r.get(
    OIDC_CALLBACK_PATH,
    {
      schema: {
        tags: ['auth'],
        security: [],
        description:
          'Where the provider sends the browser back: signs in and redirects to / (errors: /login?error=oidc-bad-state, ' +
          'oidc-denied, oidc-exchange-failed, oidc-unavailable).',
        querystring: CallbackQuery,
      },
    },
    async (req, reply) => {
      if (!service) throw notConfigured();
      reply.clearCookie(OIDC_STATE_COOKIE, { path: OIDC_CALLBACK_PATH });
      reply.header('cache-control', 'no-store');
      try {
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') query.set(k, v);
        const { user } = await service.finish(
          query,
          req.cookies[OIDC_STATE_COOKIE] ?? null,
          redirectUri(req),
          Date.now(),
          { userId: null, address: req.ip },
        );
        const res = await completeSignIn(ctx, req, reply, user, 'oidc', { secure: secure(req) });
        if ('mfaRequired' in res) return reply.redirect(`/login?mfa=${encodeURIComponent(res.challenge)}`, 302);
        await auditSignIn(ctx, req, { ok: true, method: 'oidc', userId: user.id });
        return reply.redirect('/', 302);
      } catch (e) {
        if (e instanceof TestudoError) await auditSignIn(ctx, req, { ok: false, method: 'oidc', reason: e.code });
        return fail(reply, e);
      }
    },
  );
}

const notConfigured = (): NotFoundError =>
  new NotFoundError('oidc-not-configured', 'OpenID Connect login is not configured on this server');
