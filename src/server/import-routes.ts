/**
 * History imports of a connection (see src/app/live/import.ts): `POST /api/v1/connections/:id/import` queues one
 * (202 with the job; 409 `import-running` while one of the connection is queued or running) and
 * `GET /api/v1/connections/:id/imports` lists them, newest first. Owners only: another user's connection is 404
 * `connection-not-found`. Progress arrives on `/ws` as `import-progress` and `import-complete` events.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { DEFAULT_IMPORT_DAYS, MAX_IMPORT_DAYS } from '../app/live/import.ts';
import { requireUser, rateLimit } from './guards.ts';
import type { RateLimiter } from './ratelimit.ts';
import { IdParams } from './schemas.ts';

/** An import job. */
export const ImportView = z.object({
  id: z.number().int(),
  connectionId: z.number().int(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  since: z.string().describe('start of the history window (ISO 8601)'),
  fillsSeen: z.number().int().describe('fills the venue reported'),
  fillsNew: z.number().int().describe('fills stored for the first time'),
  tradesCreated: z.number().int().describe('round-trip trades added to the journal'),
  error: z.string().nullable().describe('why it failed, or the symbols skipped'),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const ImportBody = z
  .object({
    days: z
      .number()
      .int()
      .min(1)
      .max(MAX_IMPORT_DAYS)
      .default(DEFAULT_IMPORT_DAYS)
      .describe(`history window in days (default ${DEFAULT_IMPORT_DAYS})`),
  })
  .strict()
  .nullish();

/** Registers the import routes (authenticated; owners of the connection only). */
export function importRoutes(app: FastifyInstance, ctx: AppContext, limiter?: RateLimiter): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['connections'];
  const pre = limiter ? { preHandler: rateLimit(limiter, 'mutate') } : {};
  r.post(
    '/api/v1/connections/:id/import',
    {
      schema: { tags, params: IdParams, body: ImportBody, response: { 202: z.object({ import: ImportView }) } },
      ...pre,
    },
    async (req, reply) => {
      const job = await ctx.imports.enqueue(requireUser(req).id, req.params.id, req.body?.days ?? DEFAULT_IMPORT_DAYS);
      reply.code(202);
      return { import: job };
    },
  );
  r.get(
    '/api/v1/connections/:id/imports',
    { schema: { tags, params: IdParams, response: { 200: z.object({ imports: z.array(ImportView) }) } } },
    async (req) => ({ imports: await ctx.imports.list(requireUser(req).id, req.params.id) }),
  );
}
