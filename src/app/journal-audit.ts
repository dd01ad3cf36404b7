/**
 * The audit trail (`audit_log`): who did what to whose account, written in the same transaction as the change it
 * records, and read back by the owner (their own entries) or by admins (everything, filtered).
 *
 * Actions (kebab-case): `risk-profile-changed` (tightened at once), `risk-profile-change-scheduled` (a loosening
 * waiting out the cooling-off period), `risk-profile-change-applied`, `risk-profile-change-cancelled` (details
 * `reason`: `owner`, `superseded`, `ceiling`), `halt-reset`, `admin-granted`, `admin-revoked`,
 * `risk-ceilings-changed`; the replay controls (`replay-pause`, `replay-resume`, `replay-step`, `replay-seek`,
 * `replay-speed`) and `candles-import`; the simulated exchange's admin actions: `market-created`, `market-paused`,
 * `market-resumed`, `market-closed`, `market-settled`, `asset-deposited`, `cash-minted`, `auction-settled`.
 *
 * Security events: `login-succeeded` (details `method`; subject and actor: the user), `login-failed` (details
 * `email` tried, `reason`; subject: the user when the e-mail is registered, actor null), `token-created` (details
 * `id`, `name`, `scopes`, `expiresAt`), `token-revoked` (details `id`, `name`).
 * Sessions: `session-revoked` (details `sessionId`), `logout-all` (details `count`), `refresh-token-reused` (details
 * `sessionId`; actor null: the session is revoked).
 * Second factor (`mfa.ts`): `mfa-enabled` (details `method`), `mfa-disabled` (`method`, `by`: password or code),
 * `recovery-code-used` (`left`).
 * Wallets and identities (`siwe.ts`, `oidc.ts`): `wallet-linked` / `wallet-unlinked` (`address`), `user-created-siwe`
 * (`address`), `user-created-oidc` / `oidc-linked` (`issuer`, `subject`); `login-*` details `method` `siwe` / `oidc`.
 */
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';

/** Who acts and from where: the signed-in user (null for the system, e.g. a lazily applied change) and address. */
export interface Actor {
  userId: number | null;
  /** The client's IP address, or null. */
  address: string | null;
}

/** The system acting on its own (a pending change applied when it falls due). */
export const SYSTEM: Actor = Object.freeze({ userId: null, address: null });

/** One audit entry as served by the API. */
export interface AuditEntry {
  id: number;
  /** ISO 8601 UTC. */
  at: string;
  actorUserId: number | null;
  subjectUserId: number | null;
  action: string;
  details: Record<string, unknown>;
  address: string | null;
}

/**
 * Appends an entry. Call it with the transaction that makes the change.
 * @param q the transaction
 * @param action kebab-case action (the table checks the form)
 * @param subjectUserId whose account the change is about (null for deployment-wide changes)
 */
export async function audit(
  q: Sql,
  actor: Actor,
  action: string,
  subjectUserId: number | null,
  details: Record<string, unknown>,
): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (actor_user_id, subject_user_id, action, details, address) VALUES ($1, $2, $3, $4, $5)`,
    [actor.userId, subjectUserId, action, JSON.stringify(details), actor.address],
  );
}

/** Filters of {@link listAudit} (all given ones must hold). */
export interface AuditFilter {
  /** Entries where this user is the actor or the subject. */
  userId?: number | undefined;
  /** Entries this user made. */
  actor?: number | undefined;
  /** Entries about this user's account. */
  subject?: number | undefined;
  action?: string | undefined;
  /** Entries at or after this time, ms UTC. */
  from?: number | undefined;
  /** Entries before this time, ms UTC. */
  to?: number | undefined;
  /** Page size, 1–500. */
  limit: number;
  /** Only entries with an id below this (the previous page's `nextCursor`). */
  cursor?: number | undefined;
}

/** Entries matching `f`, newest first, with the cursor of the next page (null on the last page). */
export async function listAudit(
  sql: Sql,
  f: AuditFilter,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  const parts: string[] = [];
  const add = (cond: (p: string) => string, v: unknown): void => {
    params.push(v);
    parts.push(cond(`$${params.length}`));
  };
  if (f.userId !== undefined) add((p) => `(actor_user_id = ${p} OR subject_user_id = ${p})`, f.userId);
  if (f.actor !== undefined) add((p) => `actor_user_id = ${p}`, f.actor);
  if (f.subject !== undefined) add((p) => `subject_user_id = ${p}`, f.subject);
  if (f.action !== undefined) add((p) => `action = ${p}`, f.action);
  if (f.from !== undefined) add((p) => `at >= ${p}`, new Date(f.from));
  if (f.to !== undefined) add((p) => `at < ${p}`, new Date(f.to));
  if (f.cursor !== undefined) add((p) => `id < ${p}`, f.cursor);
  params.push(f.limit + 1);
  const rows = await sql.query(
    `SELECT * FROM audit_log ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > f.limit;
  const entries = rows.slice(0, f.limit).map((r) => ({
    id: toInt(r.id),
    at: new Date(toMs(r.at)).toISOString(),
    actorUserId: r.actor_user_id === null ? null : toInt(r.actor_user_id),
    subjectUserId: r.subject_user_id === null ? null : toInt(r.subject_user_id),
    action: String(r.action),
    details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>,
    address: r.address === null ? null : String(r.address),
  }));
  return { entries, nextCursor: more ? String(entries.at(-1)!.id) : null };
}
