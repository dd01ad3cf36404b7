/**
 * Admin routes: users and their admin rights, the deployment's risk ceilings and cooling-off period, and the whole
 * audit trail. Every route answers `403 forbidden` to a signed-in non-admin and `401 unauthenticated` without
 * credentials; every change is audited in its own transaction.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { listAudit } from '../app/journal-audit.ts';
import { requireAdmin } from './guards.ts';
import { actorOf } from './journal-routes.ts';
import {
  AdminAuditQuery,
  AdminGrantBody,
  AdminUserReply,
  AdminUsersQuery,
  AdminUsersReply,
  AuditReply,
  CeilingsBody,
  CeilingsReply,
} from './journal-schemas.ts';
import { IdParams } from './schemas.ts';

/** Registers `/api/v1/admin/*`. */
export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const profiles = ctx.profiles;
  const tags = ['admin'];

  r.get(
    '/api/v1/admin/users',
    { schema: { tags, querystring: AdminUsersQuery, response: { 200: AdminUsersReply } } },
    async (req) => {
      requireAdmin(req);
      return ctx.auth.listUsers(req.query.limit, req.query.cursor ?? 0);
    },
  );
  r.post(
    '/api/v1/admin/users/:id/admin',
    { schema: { tags, params: IdParams, body: AdminGrantBody, response: { 200: AdminUserReply } } },
    async (req) => {
      requireAdmin(req);
      return { user: await ctx.auth.setAdminById(actorOf(req), req.params.id, req.body.admin) };
    },
  );
  r.get('/api/v1/admin/risk-ceilings', { schema: { tags, response: { 200: CeilingsReply } } }, async (req) => {
    requireAdmin(req);
    return profiles.settings();
  });
  r.put(
    '/api/v1/admin/risk-ceilings',
    { schema: { tags, body: CeilingsBody, response: { 200: CeilingsReply } } },
    async (req) => {
      requireAdmin(req);
      return profiles.setSettings(req.body, actorOf(req));
    },
  );
  r.get(
    '/api/v1/admin/audit',
    { schema: { tags, querystring: AdminAuditQuery, response: { 200: AuditReply } } },
    async (req) => {
      requireAdmin(req);
      return listAudit(ctx.sql, req.query);
    },
  );
}
