/**
 * Risk-profile and journal routes: the Testudo Protocol of the account, its risk state, statistics in R and equity.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { getRiskProfile, resetHalt, updateRiskProfile } from '../app/profile.ts';
import { requireUser } from './guards.ts';
import { RiskProfileBody, StatsQuery } from './schemas.ts';

/** Registers `/api/v1/risk-profile*`, `/api/v1/journal/*` and `/api/v1/equity`. */
export function journalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // --- risk profile ---
  r.get('/api/v1/risk-profile', { schema: { tags: ['risk'] } }, async (req) =>
    getRiskProfile(ctx.sql, requireUser(req).id),
  );
  r.put('/api/v1/risk-profile', { schema: { body: RiskProfileBody, tags: ['risk'] } }, async (req) =>
    updateRiskProfile(ctx.sql, requireUser(req).id, req.body),
  );
  r.post('/api/v1/risk-profile/reset-halt', { schema: { tags: ['risk'] } }, async (req) =>
    resetHalt(ctx.sql, requireUser(req).id),
  );

  // --- journal ---
  r.get('/api/v1/journal/stats', { schema: { querystring: StatsQuery, tags: ['journal'] } }, async (req) =>
    ctx.journal.stats(requireUser(req).id, req.query),
  );
  r.get('/api/v1/equity', { schema: { tags: ['journal'] } }, async (req) => ctx.journal.equity(requireUser(req).id));
}
