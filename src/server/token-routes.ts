/**
 * API tokens of the signed-in user: `POST /api/v1/auth/tokens` (the secret shown once), `GET /api/v1/auth/tokens`
 * (scopes, expiry, last use), `DELETE /api/v1/auth/tokens/:id`. Registering them also registers the one hook that
 * checks every API-token request's scope against its method ({@link enforceScopes}).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_SCOPES, DEFAULT_TOKEN_SCOPES, MAX_TOKEN_DAYS, type ApiScope } from '../app/api-tokens.ts';
import type { AppContext } from '../app/context.ts';
import { enforceScopes, requireUser } from './guards.ts';
import { IdParams } from './schemas.ts';

const DAY_MS = 86_400_000;

const scopeEnum = z.enum(API_SCOPES as [ApiScope, ...ApiScope[]]);

/** Body of `POST /api/v1/auth/tokens`. */
export const NewTokenBody = z.preprocess(
  (v) => v ?? {},
  z
    .object({
      name: z.string().trim().min(1).max(80).default('api'),
      scopes: z
        .array(scopeEnum)
        .min(1)
        .max(3)
        .optional()
        .describe(
          'read: GET requests and WebSocket channels; trade: every other request; admin: admin-only routes (admins ' +
            'only). Default read and trade. A token can only make tokens with scopes it has itself.',
        ),
      expiresInDays: z
        .number()
        .int()
        .min(1)
        .max(MAX_TOKEN_DAYS)
        .optional()
        .describe('expires this many days from now; absent (and no expiresAt): never expires'),
      expiresAt: z.iso
        .datetime({ offset: true })
        .optional()
        .describe('ISO 8601 expiry, in the future and at most 3650 days ahead; not with expiresInDays'),
    })
    .strict()
    .refine((b) => b.expiresInDays === undefined || b.expiresAt === undefined, {
      message: 'give expiresInDays or expiresAt, not both',
      path: ['expiresAt'],
    }),
);

const isoTime = z.string().describe('ISO 8601 UTC');

/** One API token as listed (never the secret). */
export const TokenView = z.object({
  id: z.number().int(),
  name: z.string(),
  scopes: z.array(scopeEnum),
  createdAt: isoTime,
  expiresAt: isoTime.nullable().describe('null: never expires'),
  lastUsedAt: isoTime.nullable().describe('last request made with it, precise to about a minute; null: never used'),
  lastUsedAddress: z.string().nullable().describe('client address of that request'),
  expired: z.boolean().describe('an expired token authenticates nobody'),
});

/** `GET /api/v1/auth/tokens`. */
export const TokensListReply = z.object({ tokens: z.array(TokenView) });

/** `POST /api/v1/auth/tokens`: the token with its secret, shown once. */
export const NewTokenCreatedReply = TokenView.extend({
  token: z.string().describe('the secret (tdo_…): shown once, stored only hashed'),
  note: z.string(),
});

/** Registers the API token routes under `/api/v1/auth/tokens`, and the scope hook. */
export function tokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  enforceScopes(app);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];
  r.post(
    '/api/v1/auth/tokens',
    {
      schema: {
        tags,
        description:
          'Makes an API token (send it as Authorization: Bearer <token>, or ?token= on a WebSocket). 403 ' +
          'insufficient-scope when asking for a scope the caller may not hand out (admin for a non-admin, or more ' +
          'than the calling token has); 400 validation-failed for an expiry in the past or too far ahead, or (made with a ' +
          "token) later than that token's expiry; made with an expiring token and no expiry, it expires with it. " +
          'A token made with a token is revoked with it.',
        body: NewTokenBody,
        response: { 201: NewTokenCreatedReply },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const now = Date.now();
      const b = req.body;
      // A token may hand out only what it has; a session everything its user may do.
      const allowed = req.auth?.via === 'token' ? req.auth.scopes : undefined;
      const scopes = b.scopes ?? DEFAULT_TOKEN_SCOPES.filter((s) => allowed === undefined || allowed.has(s));
      const expiresAt =
        b.expiresInDays !== undefined
          ? now + b.expiresInDays * DAY_MS
          : b.expiresAt !== undefined
            ? Date.parse(b.expiresAt)
            : null;
      const t = await ctx.auth.tokens.issue(user.id, {
        name: b.name,
        scopes,
        allowed,
        expiresAt,
        callerTokenId: req.auth?.via === 'token' ? req.auth.tokenId : null,
        actor: { userId: user.id, address: req.ip },
        now,
      });
      reply.code(201);
      return { ...t, note: 'shown once: store it; send it as Authorization: Bearer <token>' };
    },
  );
  r.get(
    '/api/v1/auth/tokens',
    {
      schema: {
        tags,
        description: 'Your API tokens, newest first, expired ones included.',
        response: { 200: TokensListReply },
      },
    },
    async (req) => ({ tokens: await ctx.auth.tokens.list(requireUser(req).id) }),
  );
  r.delete(
    '/api/v1/auth/tokens/:id',
    {
      schema: {
        tags,
        description:
          'Revokes one of your API tokens at once, and every token made with it (and theirs, transitively); their ' +
          'open WebSockets close with 4401 token-revoked. 404 token-not-found for an id that is not yours.',
        params: IdParams,
        response: { 204: z.null().describe('revoked') },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      await ctx.auth.tokens.revoke(user.id, req.params.id, { userId: user.id, address: req.ip });
      return reply.code(204).send(null);
    },
  );
}
