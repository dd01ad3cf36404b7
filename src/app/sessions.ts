/**
 * Browser sessions (issue 11): a short-lived signed access token (a JWT, HS256, claims `sub` = user id, `sid` =
 * session id, `iat`, `exp`) and a long-lived opaque refresh token that is single-use and rotated on every refresh.
 *
 * - A session (`sessions` row) is a family of refresh tokens (`refresh_tokens`, stored as SHA-256 only). Presenting
 *   a refresh token that was already exchanged revokes the whole session (`refresh-token-reused`, audited), except
 *   within {@link SessionOptions.reuseGraceMs} of its first use: two tabs of one browser refreshing at the same time
 *   then both get a new access token (the second gets no new refresh token; the browser keeps the first one's).
 * - Every access token is checked against its session row (revoked, expired, user deleted), cached at most
 *   {@link SessionOptions.checkCacheMs} per process, so revoking a session or logging out everywhere takes effect
 *   within that time in every process on the database.
 * - The signing key is random, stored in `server_keys` (`session-jwt`) and shared by every process on the database;
 *   created on first use. The CSRF token of a session is HMAC-SHA256(key, `csrf:<sid>`): constant for the session's
 *   life, so concurrent refreshes cannot invalidate a page's token. No secret is ever logged.
 *
 * Ending a session (logout, revocation by id, log out everywhere, refresh-token reuse) is announced at once to
 * this process's {@link SessionService.onEnded} listeners (open WebSockets close on it: `src/server/ws-auth.ts`).
 *
 * Times are ms UTC from the caller's wall clock (`Date.now()`), not the market clock.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { AuthError, NotFoundError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { Listeners } from './listeners.ts';
import type { User } from './auth.ts';

/** Lifetimes and caching of sessions (all ms). */
export interface SessionOptions {
  /** Lifetime of an access token (the JWT in the session cookie). Default 15 minutes. */
  accessTtlMs: number;
  /** Lifetime of a refresh token; each refresh slides the session's expiry this far. Default 30 days. */
  refreshTtlMs: number;
  /** How long one process trusts a session check (revoked? expired?). Default 2 s. */
  checkCacheMs: number;
  /** How long after its first use a refresh token may be presented again without counting as reuse. Default 10 s. */
  reuseGraceMs: number;
}

/** The defaults of {@link SessionOptions}. */
export const DEFAULT_SESSION_OPTIONS: Readonly<SessionOptions> = Object.freeze({
  accessTtlMs: 15 * 60_000,
  refreshTtlMs: 30 * 24 * 3600_000,
  checkCacheMs: 2_000,
  reuseGraceMs: 10_000,
});

/** Where a sign-in came from: how (`password`, `register`, `siwe`, `oidc`), second factor, browser and address. */
export interface SessionMeta {
  method: string;
  mfa?: boolean;
  /** The `User-Agent` header (kept to 512 characters), or null. */
  userAgent: string | null;
  /** The client's IP address (`req.ip`), or null. */
  address: string | null;
}

/** Credentials issued by {@link SessionService.open} and {@link SessionService.refresh}. */
export interface IssuedSession {
  sessionId: number;
  userId: number;
  /** The access JWT. */
  access: string;
  /** When the access token expires, ms UTC. */
  accessExpiresAt: number;
  /** The new refresh token, or null when a refresh within the reuse grace window issued an access token only. */
  refresh: string | null;
  /** When the session (its newest refresh token) expires, ms UTC. */
  expiresAt: number;
  /** The session's CSRF token (send it as `x-csrf-token` with every cookie-authenticated write). */
  csrf: string;
}

/** The outcome of checking an access token. */
export type AccessCheck =
  | { status: 'ok'; user: User; sessionId: number }
  /** Genuine but past its `exp`: refresh it. */
  | { status: 'expired'; sessionId: number }
  /** Genuine, but its session has ended (logged out, revoked, expired, user deleted): sign in again. */
  | { status: 'ended'; sessionId: number }
  /** Not a token this server signed. */
  | { status: 'invalid' };

/** A session as its owner lists it. */
export interface SessionView {
  id: number;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC, updated at most once a minute. */
  lastSeenAt: string;
  /** ISO 8601 UTC: when the session ends unless refreshed. */
  expiresAt: string;
  /** Browser and system read from the User-Agent, e.g. `Chrome on Linux`; `unknown` without one. */
  device: string;
  /** The IP address of the sign-in or the latest refresh, or null. */
  address: string | null;
  /** How the session was opened: `password`, `register`, `siwe`, `oidc`. */
  method: string;
  /** Whether a second factor was checked at sign-in. */
  mfa: boolean;
  /** Whether this is the session of the request that lists them. */
  current: boolean;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const LAST_SEEN_EVERY_MS = 60_000;
const KEY_NAME = 'session-jwt';

/**
 * A short description of the browser and system of a User-Agent, e.g. `Firefox on Windows`, `Safari on iOS`,
 * `curl`; `unknown` for null or an empty string.
 */
export function deviceOf(userAgent: string | null): string {
  const ua = userAgent ?? '';
  if (!ua.trim()) return 'unknown';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\/|Opera/.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /HeadlessChrome\//.test(ua)
          ? 'Headless Chrome'
          : /Chrom(e|ium)\//.test(ua)
            ? 'Chrome'
            : /Safari\//.test(ua)
              ? 'Safari'
              : (/^([A-Za-z][\w.-]*)\//.exec(ua)?.[1] ?? 'unknown');
  const os = /iPhone|iPad|iPod/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux|X11/.test(ua)
              ? 'Linux'
              : null;
  return os ? `${browser} on ${os}` : browser;
}

/** Sessions that this process has just ended, as told to {@link SessionService.onEnded} listeners. */
export interface SessionsEnded {
  /** The ended sessions' ids (at least one). */
  sessionIds: number[];
  /** Why: `logout`, `revoked` (by id), `logout-all`, `refresh-token-reused`. */
  reason: 'logout' | 'revoked' | 'logout-all' | 'refresh-token-reused';
}

interface Checked {
  /** null: the session is gone (revoked, expired, or its user deleted). */
  user: User | null;
  until: number;
}

/** Opens, checks, refreshes, lists and revokes browser sessions. */
export class SessionService {
  private opts: SessionOptions = { ...DEFAULT_SESSION_OPTIONS };
  private keyPromise: Promise<Buffer> | null = null;
  private readonly checked = new Map<number, Checked>();
  private readonly endedListeners = new Listeners<SessionsEnded>();

  /** @param sql the database (the session tables of migration 012). */
  constructor(private readonly sql: Sql) {}

  /** The current options. */
  get options(): Readonly<SessionOptions> {
    return this.opts;
  }

  /** Changes lifetimes or caching (tests use seconds); unspecified options keep their values. */
  configure(o: Partial<SessionOptions> = {}): void {
    const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<SessionOptions>;
    this.opts = { ...this.opts, ...defined };
  }

  /**
   * Calls `fn` whenever this process ends sessions (after the change is committed). Sessions ended by another
   * process on the same database are not announced here: they fail their next check instead. Returns the
   * unsubscribe function (idempotent). A throwing listener does not stop the others.
   */
  onEnded(fn: (e: SessionsEnded) => void): () => void {
    return this.endedListeners.on(fn);
  }

  /** Forgets the cached checks of `sessionIds` and tells the {@link onEnded} listeners. */
  private ended(sessionIds: number[], reason: SessionsEnded['reason']): void {
    for (const id of sessionIds) this.checked.delete(id);
    if (sessionIds.length === 0) return;
    this.endedListeners.emit({ sessionIds, reason });
  }

  /** The signing key shared by every process on the database (created on first use). */
  private key(): Promise<Buffer> {
    this.keyPromise ??= (async () => {
      await this.sql.query('INSERT INTO server_keys (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        KEY_NAME,
        randomBytes(32).toString('base64url'),
      ]);
      const [r] = await this.sql.query('SELECT secret FROM server_keys WHERE name = $1', [KEY_NAME]);
      return Buffer.from(String(r!.secret), 'base64url');
    })().catch((e: unknown) => {
      this.keyPromise = null;
      throw e;
    });
    return this.keyPromise;
  }

  /** The CSRF token of session `sessionId`: base64url HMAC-SHA256 of `csrf:<id>` under the signing key. */
  async csrfToken(sessionId: number): Promise<string> {
    return createHmac('sha256', await this.key())
      .update(`csrf:${sessionId}`)
      .digest('base64url');
  }

  /** Whether `token` is the CSRF token of session `sessionId` (constant-time comparison). */
  async checkCsrf(sessionId: number, token: string | undefined): Promise<boolean> {
    if (!token) return false;
    const want = Buffer.from(await this.csrfToken(sessionId));
    const got = Buffer.from(token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async issue(
    userId: number,
    sessionId: number,
    now: number,
    refresh: string | null,
    expiresAt: number,
  ): Promise<IssuedSession> {
    const key = await this.key();
    const accessExpiresAt = Math.min(now + this.opts.accessTtlMs, expiresAt);
    const access = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setJti(randomBytes(12).toString('base64url'))
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(accessExpiresAt / 1000))
      .sign(key);
    return {
      sessionId,
      userId,
      access,
      accessExpiresAt,
      refresh,
      expiresAt,
      csrf: await this.csrfToken(sessionId),
    };
  }

  /**
   * Opens a session for `userId` with its first refresh token and an access token.
   * @throws the database's error (nothing is stored then)
   */
  async open(userId: number, now: number, meta: SessionMeta): Promise<IssuedSession> {
    const refresh = randomBytes(32).toString('base64url');
    const expiresAt = now + this.opts.refreshTtlMs;
    const sessionId = await this.sql.tx(async (q) => {
      const [s] = await q.query(
        `INSERT INTO sessions (user_id, method, mfa, user_agent, address, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id`,
        [
          userId,
          meta.method,
          meta.mfa === true,
          meta.userAgent?.slice(0, 512) ?? null,
          meta.address,
          new Date(now),
          new Date(expiresAt),
        ],
      );
      const id = toInt(s!.id);
      await q.query(
        'INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [sha256(refresh), id, new Date(now), new Date(expiresAt)],
      );
      return id;
    });
    return this.issue(userId, sessionId, now, refresh, expiresAt);
  }

  /**
   * Checks an access token: its signature, its `exp`, and its session row (cached per process for at most
   * `checkCacheMs`). Updates the session's `lastSeenAt` at most once a minute.
   */
  async verifyAccess(token: string, now: number): Promise<AccessCheck> {
    let sessionId: number;
    let userId: number;
    try {
      const { payload } = await jwtVerify(token, await this.key(), {
        algorithms: ['HS256'],
        currentDate: new Date(now),
        requiredClaims: ['sub', 'sid', 'exp'],
      });
      sessionId = Number(payload.sid);
      userId = Number(payload.sub);
    } catch (e) {
      const sid = e instanceof joseErrors.JWTExpired ? Number(e.payload.sid) : NaN;
      return Number.isSafeInteger(sid) ? { status: 'expired', sessionId: sid } : { status: 'invalid' };
    }
    if (!Number.isSafeInteger(sessionId) || !Number.isSafeInteger(userId)) return { status: 'invalid' };
    const user = await this.sessionUser(sessionId, now);
    if (!user || user.id !== userId) return { status: 'ended', sessionId };
    return { status: 'ok', user, sessionId };
  }

  /**
   * The session id a genuine access token names, whether or not it has expired (logout with an expired access
   * token); null for anything else.
   */
  async sessionIdOf(token: string): Promise<number | null> {
    let sid = NaN;
    try {
      const { payload } = await jwtVerify(token, await this.key(), { algorithms: ['HS256'] });
      sid = Number(payload.sid);
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) sid = Number(e.payload.sid);
    }
    return Number.isSafeInteger(sid) ? sid : null;
  }

  private async sessionUser(sessionId: number, now: number): Promise<User | null> {
    const hit = this.checked.get(sessionId);
    if (hit && hit.until > now) return hit.user;
    const [r] = await this.sql.query(
      `SELECT s.user_id, s.revoked_at, s.expires_at, s.last_seen_at, u.email, u.is_admin
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
      [sessionId],
    );
    const live = r !== undefined && r.revoked_at === null && toMs(r.expires_at) > now;
    const user = live ? { id: toInt(r.user_id), email: String(r.email), isAdmin: r.is_admin === true } : null;
    this.checked.set(sessionId, { user, until: now + this.opts.checkCacheMs });
    if (this.checked.size > 10_000) this.checked.delete(this.checked.keys().next().value!);
    if (live && toMs(r.last_seen_at) < now - LAST_SEEN_EVERY_MS)
      await this.sql.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [sessionId, new Date(now)]);
    return user;
  }

  /**
   * Exchanges a refresh token for a new refresh token and access token (rotation). A token presented again within
   * `reuseGraceMs` of its first use gets a new access token only; later, the whole session is revoked and audited
   * as `refresh-token-reused`.
   * @throws AuthError `refresh-invalid` (unknown, expired, or its session ended: sign in again);
   *   AuthError `refresh-token-reused` (the session has just been revoked)
   */
  async refresh(token: string, now: number, meta: Pick<SessionMeta, 'address'>): Promise<IssuedSession> {
    const h = sha256(token);
    const out = await this.sql.tx(async (q) => {
      const [r] = await q.query(
        `SELECT r.session_id, r.expires_at, r.used_at, s.user_id, s.revoked_at, s.expires_at AS session_expires_at
           FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = $1 FOR UPDATE OF r, s`,
        [h],
      );
      if (!r || r.revoked_at !== null || toMs(r.expires_at) <= now || toMs(r.session_expires_at) <= now)
        return { kind: 'invalid' as const };
      const sessionId = toInt(r.session_id);
      const userId = toInt(r.user_id);
      if (r.used_at !== null) {
        if (now - toMs(r.used_at) <= this.opts.reuseGraceMs)
          return { kind: 'grace' as const, sessionId, userId, expiresAt: toMs(r.session_expires_at) };
        await q.query(`UPDATE sessions SET revoked_at = $2, revoked_reason = 'refresh-token-reused' WHERE id = $1`, [
          sessionId,
          new Date(now),
        ]);
        await audit(q, { userId: null, address: meta.address }, 'refresh-token-reused', userId, { sessionId });
        return { kind: 'reused' as const, sessionId };
      }
      const next = randomBytes(32).toString('base64url');
      const expiresAt = now + this.opts.refreshTtlMs;
      await q.query('UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1', [h, new Date(now)]);
      await q.query(
        'INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [sha256(next), sessionId, new Date(now), new Date(expiresAt)],
      );
      await q.query(
        'UPDATE sessions SET expires_at = $2, last_seen_at = $3, address = COALESCE($4, address) WHERE id = $1',
        [sessionId, new Date(expiresAt), new Date(now), meta.address],
      );
      return { kind: 'rotated' as const, sessionId, userId, next, expiresAt };
    });
    switch (out.kind) {
      case 'invalid':
        throw new AuthError('refresh-invalid', 'the session has ended: sign in again');
      case 'reused':
        this.ended([out.sessionId], 'refresh-token-reused');
        throw new AuthError('refresh-token-reused', 'this refresh token was used before: the session is revoked');
      case 'grace':
        return this.issue(out.userId, out.sessionId, now, null, out.expiresAt);
      case 'rotated':
        return this.issue(out.userId, out.sessionId, now, out.next, out.expiresAt);
    }
  }

  /** The session a refresh token belongs to (whatever its state), or null for an unknown token. */
  async sessionOfRefresh(token: string): Promise<number | null> {
    const [r] = await this.sql.query('SELECT session_id FROM refresh_tokens WHERE token_hash = $1', [sha256(token)]);
    return r ? toInt(r.session_id) : null;
  }

  /** Ends session `sessionId` (logout); nothing happens when it has ended already. */
  async end(sessionId: number, now: number): Promise<void> {
    const rows = await this.sql.query(
      `UPDATE sessions SET revoked_at = $2, revoked_reason = 'logout' WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [sessionId, new Date(now)],
    );
    this.checked.delete(sessionId);
    this.ended(
      rows.map((r) => toInt(r.id)),
      'logout',
    );
  }

  /**
   * Revokes one of user `userId`'s live sessions, audited as `session-revoked` (details `sessionId`).
   * @throws NotFoundError `session-not-found` when it is not one of the user's live sessions
   */
  async revoke(actor: Actor, userId: number, sessionId: number, now: number): Promise<void> {
    await this.sql.tx(async (q) => {
      const rows = await q.query(
        `UPDATE sessions SET revoked_at = $3, revoked_reason = 'revoked'
          WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 RETURNING id`,
        [sessionId, userId, new Date(now)],
      );
      if (!rows[0]) throw new NotFoundError('session-not-found', `no session ${sessionId}`);
      await audit(q, actor, 'session-revoked', userId, { sessionId });
    });
    this.ended([sessionId], 'revoked');
  }

  /**
   * Revokes every live session of user `userId` (the current one included), audited as `logout-all` (details
   * `count`). Other processes notice within `checkCacheMs`. Returns how many sessions were revoked.
   */
  async revokeAll(actor: Actor, userId: number, now: number): Promise<number> {
    const ids = await this.sql.tx(async (q) => {
      const rows = await q.query(
        `UPDATE sessions SET revoked_at = $2, revoked_reason = 'logout-all'
          WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
        [userId, new Date(now)],
      );
      await audit(q, actor, 'logout-all', userId, { count: rows.length });
      return rows.map((r) => toInt(r.id));
    });
    this.ended(ids, 'logout-all');
    return ids.length;
  }

  /** User `userId`'s live sessions, most recently seen first; `currentId` is flagged `current`. */
  async list(userId: number, now: number, currentId: number | null): Promise<SessionView[]> {
    const rows = await this.sql.query(
      `SELECT id, method, mfa, user_agent, address, created_at, last_seen_at, expires_at FROM sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC, id DESC`,
      [userId, new Date(now)],
    );
    return rows.map((r) => ({
      id: toInt(r.id),
      createdAt: new Date(toMs(r.created_at)).toISOString(),
      lastSeenAt: new Date(toMs(r.last_seen_at)).toISOString(),
      expiresAt: new Date(toMs(r.expires_at)).toISOString(),
      device: deviceOf(r.user_agent === null ? null : String(r.user_agent)),
      address: r.address === null ? null : String(r.address),
      method: String(r.method),
      mfa: r.mfa === true,
      current: toInt(r.id) === currentId,
    }));
  }

  /** Forgets every cached session check of this process (admin rights changed). */
  clearCache(): void {
    this.checked.clear();
  }
}
