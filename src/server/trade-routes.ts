/**
 * Trading routes: instruments, sizing previews, trade submission and management, positions and the decision log.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { ValidationError } from '../app/errors.ts';
import { requireUser } from './guards.ts';
import { DecisionsQuery, IdParams, JournalQuery, SetupBody } from './schemas.ts';

/** Registers `/api/v1/instruments`, `/api/v1/sizing`, `/api/v1/trades*`, `/api/v1/positions` and `/api/v1/decisions`. */
export function tradeRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // --- market ---
  r.get('/api/v1/instruments', { schema: { tags: ['market'] } }, async () =>
    ctx.trading.listInstruments().map((i) => ({ ...i, lastPrice: ctx.trading.lastPrice(i.symbol) ?? null })),
  );

  // --- sizing and trades ---
  r.post('/api/v1/sizing', { schema: { body: SetupBody, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return ctx.trading.preview(user.id, req.body);
  });
  r.post('/api/v1/trades', { schema: { body: SetupBody, tags: ['trading'] } }, async (req, reply) => {
    const user = requireUser(req);
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && key.length > 200)
      throw new ValidationError([
        { field: 'Idempotency-Key', code: 'invalid-idempotency-key', message: 'must be at most 200 characters' },
      ]);
    const k = typeof key === 'string' && key.length > 0 ? key : undefined;
    const r = await ctx.trading.submit(user.id, req.body, k);
    reply.code(r.status);
    if ('replayed' in r) reply.header('idempotent-replayed', 'true');
    return r.body;
  });
  r.get('/api/v1/trades', { schema: { querystring: JournalQuery, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return { trades: await ctx.journal.list(user.id, req.query) };
  });
  r.get('/api/v1/trades/:id', { schema: { params: IdParams, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return ctx.trading.getTrade(user.id, req.params.id);
  });
  r.post('/api/v1/trades/:id/close', { schema: { params: IdParams, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return ctx.trading.close(user.id, req.params.id);
  });
  r.get('/api/v1/positions', { schema: { tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return { positions: await ctx.trading.positions(user.id) };
  });
  r.get('/api/v1/decisions', { schema: { querystring: DecisionsQuery, tags: ['trading'] } }, async (req) => {
    const user = requireUser(req);
    return { decisions: await ctx.trading.decisions(user.id, req.query) };
  });
}
