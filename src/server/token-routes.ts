/**
 * API tokens of the signed-in user: `POST /api/v1/auth/tokens` (the secret shown once), `GET /api/v1/auth/tokens`,
 * `DELETE /api/v1/auth/tokens/:id`.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { requireUser } from './guards.ts';
import { NewTokenReply, TokensReply } from './journal-schemas.ts';
import { IdParams, TokenBody } from './schemas.ts';

/** Registers the API token routes under `/api/v1/auth/tokens`. */
export function tokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
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
