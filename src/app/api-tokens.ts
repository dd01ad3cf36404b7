/**
 * API tokens: bearer secrets (`tdo_…`) for scripts and bots, named, scoped (`read`, `trade`, `admin`), optionally
 * expiring, listed with their last use and revocable by id. The secret is shown once and stored only as its SHA-256
 * hash (in `auth_tokens`, kind `api`). Creating and revoking a token is audited (`token-created`, `token-revoked`).
 * A token made with a token is that token's child: revoking a token revokes its children too, transitively, and
 * {@link ApiTokens.onRevoked} tells this process's listeners (open WebSockets close on it: `src/server/ws-auth.ts`).
 *
 * A token's effective scopes are its own scopes cut down to what its user may do at the time of each request: the
 * user is looked up on every request, so an admin who is demoted loses `admin` on all their tokens at once, and a
 * revoked or expired token stops working at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { AuthError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { Listeners } from './listeners.ts';

/** What a token may do: `read` (GET/HEAD and WebSocket channels), `trade` (every other user action), `admin`. */
export type ApiScope = 'read' | 'trade' | 'admin';

/** Every scope, in order. */
export const API_SCOPES: readonly ApiScope[] = ['read', 'trade', 'admin'];

/** The default scopes of a token made through `POST /api/v1/auth/tokens` without `scopes`. */
export const DEFAULT_TOKEN_SCOPES: readonly ApiScope[] = ['read', 'trade'];

/** Longest expiry of a token: 3650 days (about ten years). */
export const MAX_TOKEN_DAYS = 3650;

/** A token's last use is written at most once per this many ms (60 s), so a busy token costs no writes. */
export const LAST_USE_WRITE_MS = 60_000;

const DAY_MS = 86_400_000;

/** One API token as its owner lists it (never the secret). */
export interface ApiTokenView {
  id: number;
  name: string;
  /** Scopes granted when it was made, in the order of {@link API_SCOPES}. */
  scopes: ApiScope[];
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC, or null: never expires. */
  expiresAt: string | null;
  /** ISO 8601 UTC of the last request made with it (precise to about a minute), or null: never used. */
  lastUsedAt: string | null;
  /** Client address of that request, or null. */
  lastUsedAddress: string | null;
  /** Whether it has expired (an expired token authenticates nobody; its owner can still list and revoke it). */
  expired: boolean;
}

/** A newly made token: its id and the secret (shown once). */
export interface IssuedApiToken extends ApiTokenView {
  /** The secret, `tdo_` + 43 base64url characters; never stored, never shown again. */
  token: string;
}

/** Options of {@link ApiTokens.issue}. */
export interface IssueOptions {
  /** 1–80 characters. */
  name: string;
  /** Wanted scopes; default: every scope in `allowed`. Must be a non-empty subset of `allowed`. */
  scopes?: readonly ApiScope[] | undefined;
  /**
   * The scopes the caller may hand out: a session's are everything its user may do, a token's its own effective
   * scopes (a token cannot make a token stronger than itself). Default: everything the user may do.
   */
  allowed?: ReadonlySet<ApiScope> | undefined;
  /** Expiry as ms UTC (in the future, at most {@link MAX_TOKEN_DAYS} ahead), or null/absent: never. */
  expiresAt?: number | null | undefined;
  /**
   * The token the request was made with, when a token makes a token: the new one may not outlive it (absent expiry:
   * the caller's; a later one: refused), so a short-lived token cannot mint a permanent one, and it is revoked with
   * it (recorded as its parent).
   */
  callerTokenId?: number | null | undefined;
  /** Who makes it, for the audit log (default: the user, no address). */
  actor?: Actor | undefined;
  /** Now, ms UTC (default `Date.now()`). */
  now?: number | undefined;
}

/** What a valid token resolves to on a request. */
export interface TokenPrincipal {
  /**
   * The token's user as the request acts: `isAdmin` is true only when the user is an admin now and the token has
   * the `admin` scope (so every role check on `req.user` honours the scope).
   */
  user: { id: number; email: string; isAdmin: boolean };
  /** The token's owner as stored: `isAdmin` is the user's role now, whatever the token's scopes. */
  owner: { id: number; email: string; isAdmin: boolean };
  /** Effective scopes: the token's scopes ∩ what the user may do now. */
  scopes: Set<ApiScope>;
  tokenId: number;
}

/** Tokens that this process has just revoked, as told to {@link ApiTokens.onRevoked} listeners. */
export interface TokensRevoked {
  /** The revoked tokens' ids (at least one): the one revoked by id first, then the tokens made with it. */
  tokenIds: number[];
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Orders and de-duplicates scopes. */
function normalize(scopes: Iterable<string>): ApiScope[] {
  const set = new Set(scopes);
  return API_SCOPES.filter((s) => set.has(s));
}

function parseScopes(v: unknown): ApiScope[] {
  if (v === null || v === undefined) return [...API_SCOPES];
  if (Array.isArray(v)) return normalize(v.map(String));
  // a text[] literal such as {read,trade}, should a driver hand it over unparsed
  return normalize(
    String(v)
      .replace(/^\{|\}$/g, '')
      .split(','),
  );
}

/** The scopes user may use at all: `read` and `trade`, plus `admin` for an admin. */
export function entitledScopes(isAdmin: boolean): Set<ApiScope> {
  return new Set<ApiScope>(isAdmin ? API_SCOPES : DEFAULT_TOKEN_SCOPES);
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(toMs(v)).toISOString());

/** API tokens over the database (no cache: each request reads its token and user in one indexed query). */
export class ApiTokens {
  /** ms UTC of the last last-use write per token id in this process (saves the conditional UPDATE). */
  private readonly lastWrite = new Map<number, number>();
  private readonly revokedListeners = new Listeners<TokensRevoked>();

  constructor(private readonly sql: Sql) {}

  /**
   * Calls `fn` whenever this process revokes tokens (after the change is committed). Tokens revoked by another
   * process on the same database are not announced here: they fail their next lookup instead. Returns the
   * unsubscribe function (idempotent). A throwing listener does not stop the others.
   */
  onRevoked(fn: (e: TokensRevoked) => void): () => void {
    return this.revokedListeners.on(fn);
  }

  /**
   * Makes a token for `userId` and audits `token-created` (details: id, name, scopes, expiresAt) in one
   * transaction.
   * @returns the token's view with the secret (shown once)
   * @throws NotFoundError `user-not-found`; ForbiddenError `insufficient-scope` when a wanted scope is not in
   *   `allowed` (or the user may not use it); ValidationError `validation-failed` (field `scopes`: empty; field
   *   `expiresAt`: not in the future or more than 3650 days ahead, or `after-caller-token`: later than the expiry of
   *   the token making it); AuthError `unauthenticated` when the token making it was revoked meanwhile
   */
  async issue(userId: number, o: IssueOptions): Promise<IssuedApiToken> {
    const now = o.now ?? Date.now();
    if (o.expiresAt !== null && o.expiresAt !== undefined) {
      if (!Number.isFinite(o.expiresAt) || o.expiresAt <= now)
        throw new ValidationError([{ field: 'expiresAt', code: 'in-the-past', message: 'must be in the future' }]);
      if (o.expiresAt > now + MAX_TOKEN_DAYS * DAY_MS)
        throw new ValidationError([
          { field: 'expiresAt', code: 'too-far', message: `must be at most ${MAX_TOKEN_DAYS} days ahead` },
        ]);
    }
    const token = `tdo_${randomBytes(32).toString('base64url')}`;
    return this.sql.tx(async (q) => {
      const [u] = await q.query('SELECT is_admin FROM users WHERE id = $1', [userId]);
      if (!u) throw new NotFoundError('user-not-found', `no user ${userId}`);
      const entitled = entitledScopes(u.is_admin === true);
      const allowed = new Set([...(o.allowed ?? entitled)].filter((s) => entitled.has(s)));
      const scopes = o.scopes === undefined ? normalize(allowed) : normalize(o.scopes);
      if (scopes.length === 0)
        throw new ValidationError([{ field: 'scopes', code: 'no-scopes', message: 'give at least one scope' }]);
      const missing = scopes.filter((s) => !allowed.has(s));
      if (missing.length > 0)
        throw new ForbiddenError(
          'insufficient-scope',
          `you may not grant the ${missing.join(', ')} scope${missing.length > 1 ? 's' : ''}`,
        );
      let expiresAt = o.expiresAt ?? null;
      if (o.callerTokenId !== null && o.callerTokenId !== undefined) {
        // locked against a concurrent revoke until the child (its row naming this parent) is committed
        const [c] = await q.query(
          `SELECT expires_at FROM auth_tokens WHERE id = $1 AND user_id = $2 AND kind = 'api' FOR KEY SHARE`,
          [o.callerTokenId, userId],
        );
        if (!c) throw new AuthError('unauthenticated', 'the API token making it has been revoked');
        const cap = c.expires_at !== null ? toMs(c.expires_at) : null;
        if (cap !== null && expiresAt === null) expiresAt = cap;
        else if (cap !== null && expiresAt !== null && expiresAt > cap)
          throw new ValidationError([
            {
              field: 'expiresAt',
              code: 'after-caller-token',
              message: `must not be later than the expiry of the token making it (${new Date(cap).toISOString()})`,
            },
          ]);
      }
      const [r] = await q.query(
        `INSERT INTO auth_tokens (token_hash, user_id, kind, name, scopes, expires_at, parent_id)
         VALUES ($1, $2, 'api', $3, $4, $5, $6) RETURNING id, created_at`,
        [
          sha256(token),
          userId,
          o.name,
          scopes,
          expiresAt === null ? null : new Date(expiresAt),
          o.callerTokenId ?? null,
        ],
      );
      const id = toInt(r!.id);
      const view: IssuedApiToken = {
        id,
        name: o.name,
        scopes,
        createdAt: iso(r!.created_at)!,
        expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
        lastUsedAt: null,
        lastUsedAddress: null,
        expired: false,
        token,
      };
      await audit(q, o.actor ?? { userId, address: null }, 'token-created', userId, {
        id,
        name: o.name,
        scopes,
        expiresAt: view.expiresAt,
      });
      return view;
    });
  }

  /** The user's API tokens (never the secret), newest first, expired ones included (marked `expired`). */
  async list(userId: number, now = Date.now()): Promise<ApiTokenView[]> {
    const rows = await this.sql.query(
      `SELECT id, name, scopes, created_at, expires_at, last_used_at, last_used_address FROM auth_tokens
       WHERE user_id = $1 AND kind = 'api' ORDER BY id DESC`,
      [userId],
    );
    return rows.map((r) => ({
      id: toInt(r.id),
      name: r.name === null ? '' : String(r.name),
      scopes: parseScopes(r.scopes),
      createdAt: iso(r.created_at)!,
      expiresAt: iso(r.expires_at),
      lastUsedAt: iso(r.last_used_at),
      lastUsedAddress: r.last_used_address === null ? null : String(r.last_used_address),
      expired: r.expires_at !== null && toMs(r.expires_at) <= now,
    }));
  }

  /**
   * Revokes one of the user's API tokens at once, and every token made with it (its children, theirs, …) in the
   * same transaction, each audited as `token-revoked` (details: id, name; a child's also `parentId` and `revokedWith`,
   * the id revoked by the caller). Then tells the {@link onRevoked} listeners.
   * @throws NotFoundError `token-not-found` when it is not one of the user's API tokens (another user's id too).
   */
  async revoke(userId: number, id: number, actor?: Actor): Promise<void> {
    const ids = await this.sql.tx(async (q) => {
      const rows = await q.query(
        `WITH RECURSIVE tree AS (
           SELECT id FROM auth_tokens WHERE id = $1 AND user_id = $2 AND kind = 'api'
           UNION SELECT t.id FROM auth_tokens t JOIN tree ON t.parent_id = tree.id
         )
         DELETE FROM auth_tokens WHERE id IN (SELECT id FROM tree) RETURNING id, name, parent_id`,
        [id, userId],
      );
      const root = rows.find((r) => toInt(r.id) === id);
      if (!root) throw new NotFoundError('token-not-found', `no API token ${id}`);
      const by = actor ?? { userId, address: null };
      const nameOf = (r: (typeof rows)[number]): string => (r.name === null ? '' : String(r.name));
      await audit(q, by, 'token-revoked', userId, { id, name: nameOf(root) });
      const children = rows.filter((r) => r !== root).sort((a, b) => toInt(a.id) - toInt(b.id));
      for (const r of children)
        await audit(q, by, 'token-revoked', userId, {
          id: toInt(r.id),
          name: nameOf(r),
          parentId: toInt(r.parent_id),
          revokedWith: id,
        });
      return [id, ...children.map((r) => toInt(r.id))];
    });
    for (const t of ids) this.lastWrite.delete(t);
    this.revokedListeners.emit({ tokenIds: ids });
  }

  /**
   * Resolves a bearer secret to its user and effective scopes, or null when it is no API token, revoked or
   * expired (at `now`, ms UTC). Records the use (time and `address`) when the last recorded one is a minute old
   * or more. An effective scope set can be empty (a read+admin token of a demoted admin still reads).
   */
  async authenticate(token: string, now: number, address: string | null): Promise<TokenPrincipal | null> {
    if (!token.startsWith('tdo_')) return null;
    const [r] = await this.sql.query(
      `SELECT t.id AS token_id, t.scopes, t.expires_at, t.last_used_at, u.id, u.email, u.is_admin
       FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.kind = 'api'`,
      [sha256(token)],
    );
    if (!r) return null;
    if (r.expires_at !== null && toMs(r.expires_at) <= now) return null;
    const tokenId = toInt(r.token_id);
    const isAdmin = r.is_admin === true;
    const entitled = entitledScopes(isAdmin);
    const scopes = new Set(parseScopes(r.scopes).filter((s) => entitled.has(s)));
    const last = Math.max(r.last_used_at === null ? 0 : toMs(r.last_used_at), this.lastWrite.get(tokenId) ?? 0);
    if (now - last >= LAST_USE_WRITE_MS) {
      this.lastWrite.set(tokenId, now);
      if (this.lastWrite.size > 10_000) this.lastWrite.delete(this.lastWrite.keys().next().value!);
      // conditional, so several processes sharing the database write at most about once a minute too
      await this.sql.query(
        `UPDATE auth_tokens SET last_used_at = $2, last_used_address = $3
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $4)`,
        [tokenId, new Date(now), address, new Date(now - LAST_USE_WRITE_MS)],
      );
    }
    const owner = { id: toInt(r.id), email: String(r.email), isAdmin };
    return {
      user: { ...owner, isAdmin: isAdmin && scopes.has('admin') },
      owner,
      scopes,
      tokenId,
    };
  }
}
