/**
 * Security events of signing in, written to the audit trail by a hook on the sign-in routes' answers, so the routes
 * stay as they are: `login-succeeded` (a session started: details `method`, actor and subject the user) and
 * `login-failed` (`401` from the password login or the second-factor step: details `email` tried, `reason` the error
 * code, `method`; subject the user when the e-mail is registered, actor null). The client address is `req.ip`.
 * A password login that asks for a second factor writes nothing until that step answers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { audit } from '../app/journal-audit.ts';

/** Sign-in routes whose answers are audited, with the method they stand for. */
const SIGN_IN_ROUTES: Readonly<Record<string, string>> = {
  '/api/v1/auth/login': 'password',
  '/api/v1/auth/mfa/verify': 'mfa',
};

function parse(payload: unknown): Record<string, unknown> | null {
  if (typeof payload !== 'string') return null;
  try {
    const v: unknown = JSON.parse(payload);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Writes a sign-in event for `req` (other sign-in methods may call it when they do not go through the audited
 * routes). `ok`: `login-succeeded` of `userId`; otherwise `login-failed` with `email` (its user, if any, as subject).
 */
export async function auditSignIn(
  ctx: AppContext,
  req: FastifyRequest,
  e: { ok: boolean; method: string; userId?: number | null; email?: string | null; reason?: string | null },
): Promise<void> {
  const email = e.email?.trim().toLowerCase() ?? null;
  let subject = e.userId ?? null;
  if (subject === null && email) {
    const [u] = await ctx.sql.query('SELECT id FROM users WHERE email = $1', [email]);
    subject = u ? Number(u.id) : null;
  }
  await audit(
    ctx.sql,
    { userId: e.ok ? subject : null, address: req.ip },
    e.ok ? 'login-succeeded' : 'login-failed',
    subject,
    e.ok ? { method: e.method } : { method: e.method, email, reason: e.reason ?? null },
  );
}

/** Registers the `onSend` hook that audits the answers of the password login and the second-factor step. */
export function auditSignIns(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const method = req.method === 'POST' ? SIGN_IN_ROUTES[req.routeOptions.url ?? ''] : undefined;
    if (method === undefined) return payload;
    const status = reply.statusCode;
    const body = (req.body ?? {}) as { email?: unknown };
    const email = typeof body.email === 'string' ? body.email : null;
    try {
      if (status >= 200 && status < 300) {
        const p = parse(payload);
        const user = p?.user as { id?: unknown } | undefined;
        if (p && !p.mfaRequired && typeof user?.id === 'number')
          await auditSignIn(ctx, req, { ok: true, method, userId: user.id });
      } else if (status === 401) {
        const reason = (parse(payload)?.error as { code?: unknown } | undefined)?.code;
        await auditSignIn(ctx, req, { ok: false, method, email, reason: typeof reason === 'string' ? reason : null });
      }
    } catch (err) {
      req.log.error({ err }, 'sign-in audit failed');
    }
    return payload;
  });
}
