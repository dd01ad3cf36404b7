/**
 * Admin routes: users and their admin rights, the deployment's risk ceilings and cooling-off period, and the whole
 * audit trail. Every route answers `403 forbidden` to a signed-in non-admin (`403 insufficient-scope` to an API
 * token without the `admin` scope) and `401 unauthenticated` without credentials; every change is audited in its
 * own transaction. Registering them also registers the sign-in audit hook ({@link auditSignIns}).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { listAudit } from '../app/journal-audit.ts';
import { requireAdmin } from './guards.ts';
import { actorOf } from './journal-routes.ts';
import {
  AdminGrantBody,
  AdminUserReply,
  AdminUsersQuery,
  AdminUsersReply,
  AuditReply,
  CeilingsBody,
  CeilingsReply,
} from './journal-schemas.ts';
import { IdParams } from './schemas.ts';
import { auditSignIns } from './sign-in-audit.ts';

const userId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const time = z
  .string()
  .max(40)
  .refine(
    (v) => /^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(Date.parse(v)),
    'must be an ISO 8601 date or date-time',
  )
  .transform((v) => Date.parse(v));

/** Query of `GET /api/v1/admin/audit`: every filter given must hold; newest first, paged by `cursor`. */
export const AdminAuditQuery = z
  .object({
    action: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a kebab-case action')
      .max(60)
      .optional()
      .describe('e.g. login-failed, token-created, admin-granted, market-created'),
    actor: userId.optional().describe('entries this user made'),
    subject: userId.optional().describe('entries about this user'),
    userId: userId.optional().describe('entries where this user is actor or subject'),
    from: time.optional().describe('ISO 8601: entries at or after this time'),
    to: time.optional().describe('ISO 8601: entries before this time'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: userId.optional().describe('the previous page’s nextCursor'),
  })
  .strict();

/** Registers `/api/v1/admin/*`. */
export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const profiles = ctx.profiles;
  const tags = ['admin'];
  auditSignIns(app, ctx);

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
    {
      schema: {
        tags,
        description:
          'The audit trail, admins only: admin actions (market, replay, minting, deposits, settlement, users, risk ' +
          'ceilings) and security events (login-succeeded, login-failed with the address and e-mail tried, ' +
          'token-created, token-revoked, session and second-factor events), newest first. Filters: action, actor, ' +
          'subject, userId (actor or subject), from (inclusive), to (exclusive); pages of `limit`, the next one with ' +
          '`cursor` = nextCursor.',
        querystring: AdminAuditQuery,
        response: { 200: AuditReply },
      },
    },
    async (req) => {
      requireAdmin(req);
      return listAudit(ctx.sql, req.query);
    },
  );
}
