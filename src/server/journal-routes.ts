/**
 * Risk-profile and journal routes: the Testudo Protocol of the account (with its cooling-off period and ceilings)
 * and risk state, statistics in R, equity, analytics, journal entries, and the user's own audit trail.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Actor } from '../app/journal-audit.ts';
import { listAudit } from '../app/journal-audit.ts';
import { JournalAnalytics } from '../app/journal-analytics.ts';
import { JournalEntries } from '../app/journal-entries.ts';
import type { RiskProfile } from '../core/risk/profile.ts';
import { requireUser } from './guards.ts';
import {
  as,
  AuditQuery,
  AuditReply,
  BreakdownQuery,
  BreakdownReply,
  DailyReply,
  EntryBody,
  EntryListQuery,
  EntryListReply,
  EntryPatchBody,
  EntrySchema,
  EquityReply,
  ExcursionsReply,
  PendingFieldParams,
  RDistributionQuery,
  RDistributionReply,
  RiskProfileReply,
  RiskProfileUpdateReply,
  StatsReply,
} from './journal-schemas.ts';
import { IdParams, RiskProfileBody, StatsQuery } from './schemas.ts';

/** The signed-in user as the audit trail records them. @throws AuthError `unauthenticated` */
export function actorOf(req: FastifyRequest): Actor {
  return { userId: requireUser(req).id, address: req.ip ?? null };
}

/** Registers `/api/v1/risk-profile*`, `/api/v1/journal/*`, `/api/v1/equity` and `/api/v1/audit`. */
export function journalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const profiles = ctx.profiles;
  const entries = new JournalEntries(ctx.sql);
  const analytics = new JournalAnalytics(ctx.sql);

  // --- risk profile ---
  r.get('/api/v1/risk-profile', { schema: { tags: ['risk'], response: { 200: RiskProfileReply } } }, async (req) =>
    as(RiskProfileReply, await profiles.get(requireUser(req).id)),
  );
  r.put(
    '/api/v1/risk-profile',
    { schema: { body: RiskProfileBody, tags: ['risk'], response: { 200: RiskProfileUpdateReply } } },
    async (req) =>
      as(
        RiskProfileUpdateReply,
        await profiles.update(requireUser(req).id, req.body as Partial<RiskProfile>, actorOf(req)),
      ),
  );
  r.delete(
    '/api/v1/risk-profile/pending',
    { schema: { tags: ['risk'], response: { 200: RiskProfileReply } } },
    async (req) => as(RiskProfileReply, await profiles.cancelPending(requireUser(req).id, undefined, actorOf(req))),
  );
  r.delete(
    '/api/v1/risk-profile/pending/:field',
    { schema: { params: PendingFieldParams, tags: ['risk'], response: { 200: RiskProfileReply } } },
    async (req) =>
      as(
        RiskProfileReply,
        await profiles.cancelPending(requireUser(req).id, req.params.field as keyof RiskProfile, actorOf(req)),
      ),
  );
  r.post(
    '/api/v1/risk-profile/reset-halt',
    { schema: { tags: ['risk'], response: { 200: RiskProfileReply } } },
    async (req) => as(RiskProfileReply, await profiles.resetHalt(requireUser(req).id, actorOf(req))),
  );

  // --- journal statistics and analytics ---
  r.get(
    '/api/v1/journal/stats',
    { schema: { querystring: StatsQuery, tags: ['journal'], response: { 200: StatsReply } } },
    async (req) => as(StatsReply, await ctx.journal.stats(requireUser(req).id, req.query)),
  );
  r.get('/api/v1/equity', { schema: { tags: ['journal'], response: { 200: EquityReply } } }, async (req) =>
    as(EquityReply, await ctx.journal.equity(requireUser(req).id)),
  );
  r.get(
    '/api/v1/journal/breakdown',
    { schema: { querystring: BreakdownQuery, tags: ['journal'], response: { 200: BreakdownReply } } },
    async (req) => {
      const { by, ...f } = req.query;
      return as(BreakdownReply, await analytics.breakdown(requireUser(req).id, f, by));
    },
  );
  r.get(
    '/api/v1/journal/r-distribution',
    { schema: { querystring: RDistributionQuery, tags: ['journal'], response: { 200: RDistributionReply } } },
    async (req) => {
      const { width, ...f } = req.query;
      return as(RDistributionReply, await analytics.rDistribution(requireUser(req).id, f, width));
    },
  );
  r.get(
    '/api/v1/journal/excursions',
    { schema: { querystring: StatsQuery, tags: ['journal'], response: { 200: ExcursionsReply } } },
    async (req) => as(ExcursionsReply, await analytics.excursions(requireUser(req).id, req.query)),
  );
  r.get(
    '/api/v1/journal/daily',
    { schema: { querystring: StatsQuery, tags: ['journal'], response: { 200: DailyReply } } },
    async (req) => as(DailyReply, await analytics.daily(requireUser(req).id, req.query)),
  );

  // --- journal entries ---
  r.post(
    '/api/v1/journal/entries',
    { schema: { body: EntryBody, tags: ['journal'], response: { 201: EntrySchema } } },
    async (req, reply) => {
      const e = await entries.create(requireUser(req).id, req.body);
      reply.code(201);
      return e;
    },
  );
  r.get(
    '/api/v1/journal/entries',
    { schema: { querystring: EntryListQuery, tags: ['journal'], response: { 200: EntryListReply } } },
    async (req) => entries.list(requireUser(req).id, req.query),
  );
  r.get(
    '/api/v1/journal/entries/:id',
    { schema: { params: IdParams, tags: ['journal'], response: { 200: EntrySchema } } },
    async (req) => entries.get(requireUser(req).id, req.params.id),
  );
  r.patch(
    '/api/v1/journal/entries/:id',
    { schema: { params: IdParams, body: EntryPatchBody, tags: ['journal'], response: { 200: EntrySchema } } },
    async (req) => entries.update(requireUser(req).id, req.params.id, req.body),
  );
  r.delete(
    '/api/v1/journal/entries/:id',
    { schema: { params: IdParams, tags: ['journal'], response: { 204: z.null().describe('deleted') } } },
    async (req, reply) => {
      await entries.delete(requireUser(req).id, req.params.id);
      return reply.code(204).send(null);
    },
  );

  // --- the user's own audit trail ---
  r.get(
    '/api/v1/audit',
    { schema: { querystring: AuditQuery, tags: ['audit'], response: { 200: AuditReply } } },
    async (req) => listAudit(ctx.sql, { ...req.query, userId: requireUser(req).id }),
  );
}
