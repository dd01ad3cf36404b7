/**
 * Users, sessions and API tokens. Passwords are hashed with argon2id (@node-rs/argon2, OWASP parameters);
 * session and API token secrets are random 32-byte values stored only as SHA-256 hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Row, Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import { AuthError, ConflictError, NotFoundError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { ApiTokens, type ApiScope, type ApiTokenView } from './api-tokens.ts';

/** A signed-in user. */
export interface User {
  id: number;
  email: string;
  /** Admins run the exchange: pause, close and settle markets, mint cash, higher rate limits. */
  isAdmin?: boolean;
}

/** A user as admins list them. */
export interface UserView {
  id: number;
  email: string;
  isAdmin: boolean;
  /** ISO 8601 UTC. */
  createdAt: string;
}

function userView(r: Row): UserView {
  return {
    id: toInt(r.id),
    email: String(r.email),
    isAdmin: r.is_admin === true,
    createdAt: new Date(toMs(r.created_at)).toISOString(),
  };
}

/** Session lifetime: 30 days. */
export const SESSION_TTL_MS = 30 * 24 * 3600_000;
/** Starting balance of a new paper account, quote currency. */
export const PAPER_START_BALANCE = '10000';
/** Currency of paper accounts. */
export const PAPER_CURRENCY = 'USDT';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
// Argon2id, variant 2 (0 = d, 1 = i, 2 = id); memory 19 MiB, 2 passes: the OWASP minimum.
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/**
 * An argon2id hash, with the {@link ARGON} parameters, of a random password nobody knows: `checkPassword` verifies
 * against it when the e-mail is unknown, so both paths cost one argon2id verification.
 */
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$jqkS0Q/hhZe6oChFmUr4Fw$D/pCjg404kcoqP2JxXkV6hz0+QPIHNmSRbBW5KpK9T4';

/** Accounts, sessions and tokens over the database, with a small in-memory cache of token → user. */
export class AuthService {
  private readonly cache = new Map<string, { user: User; expires: number }>();
  /** API tokens (scoped, expiring, listed with last use): see `api-tokens.ts`. */
  readonly tokens: ApiTokens;

  constructor(private readonly sql: Sql) {
    this.tokens = new ApiTokens(sql);
  }

  /**
   * Creates a user and its paper account (10,000 USDT, default risk profile) in one transaction.
   * @throws ConflictError `email-taken` when the email is registered already.
   */
  async register(email: string, password: string): Promise<User> {
    const normalized = email.trim().toLowerCase();
    const passwordHash = await hash(password, ARGON);
    try {
      return await this.sql.tx(async (q) => {
        const [u] = await q.query('INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id, email', [
          normalized,
          passwordHash,
        ]);
        const id = toInt(u!.id);
        await q.query(
          `INSERT INTO accounts (user_id, name, currency, initial_balance, balance, peak_equity, risk_profile)
           VALUES ($1, 'Paper', $2, $3, $3, $3, $4)`,
          [id, PAPER_CURRENCY, PAPER_START_BALANCE, JSON.stringify(DEFAULT_RISK_PROFILE)],
        );
        return { id, email: String(u!.email) };
      });
    } catch (e) {
      if (String((e as { code?: string }).code) === '23505')
        throw new ConflictError('email-taken', `${normalized} is registered already`);
      throw e;
    }
  }

  /**
   * Checks an e-mail and password and returns the user (the caller opens the session).
   * @throws AuthError `invalid-credentials` (the same for an unknown email and a wrong password).
   */
  async checkPassword(email: string, password: string): Promise<User> {
    const [u] = await this.sql.query('SELECT id, email, is_admin, password_hash FROM users WHERE email = $1', [
      email.trim().toLowerCase(),
    ]);
    // Constant work: an unknown e-mail (or a user without a password) is verified against a dummy hash of the same
    // cost, so the answer's timing does not tell which e-mails are registered.
    const stored = u && u.password_hash !== null ? String(u.password_hash) : null;
    const ok = await verify(stored ?? DUMMY_PASSWORD_HASH, password);
    if (!u || stored === null || !ok) throw new AuthError('invalid-credentials', 'email or password is wrong');
    return { id: toInt(u.id), email: String(u.email), isAdmin: u.is_admin === true };
  }

  /** Opens a session for a user (login, and registration, which signs the new user in). */
  async openSession(userId: number, now: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + SESSION_TTL_MS;
    await this.sql.query(
      `INSERT INTO auth_tokens (token_hash, user_id, kind, expires_at) VALUES ($1, $2, 'session', $3)`,
      [sha256(token), userId, new Date(expiresAt)],
    );
    return { token, expiresAt };
  }

  /**
   * Creates a bearer API token for scripts (no expiry) with `scopes`, by default every scope the user is entitled
   * to (`admin` included for an admin). The secret is returned once and never stored. See {@link ApiTokens.issue}.
   */
  async createApiToken(userId: number, name: string, scopes?: readonly ApiScope[]): Promise<string> {
    return (await this.tokens.issue(userId, { name, scopes })).token;
  }

  /** Like {@link AuthService.createApiToken}, with the token's id (for listing and revoking it). */
  async issueApiToken(
    userId: number,
    name: string,
    scopes?: readonly ApiScope[],
  ): Promise<{ id: number; token: string }> {
    const t = await this.tokens.issue(userId, { name, scopes });
    return { id: t.id, token: t.token };
  }

  /** Resolves a session or API token to its user, or null when unknown or expired. */
  async authenticate(token: string, now: number): Promise<User | null> {
    const h = sha256(token);
    const hit = this.cache.get(h);
    if (hit && hit.expires > now) return hit.user;
    const [r] = await this.sql.query(
      `SELECT u.id, u.email, u.is_admin, t.expires_at FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
      [h],
    );
    if (!r) return null;
    const expires = r.expires_at === null ? Infinity : toMs(r.expires_at);
    if (expires <= now) return null;
    const user = { id: toInt(r.id), email: String(r.email), isAdmin: r.is_admin === true };
    // Cache for at most a minute so a deleted token stops working quickly even across processes.
    this.cache.set(h, { user, expires: Math.min(expires, now + 60_000) });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return user;
  }

  /** Ends a session (or revokes a token). */
  async logout(token: string): Promise<void> {
    const h = sha256(token);
    this.cache.delete(h);
    await this.sql.query('DELETE FROM auth_tokens WHERE token_hash = $1', [h]);
  }

  /** Grants or revokes admin rights. @throws NotFoundError for an unknown email. */
  async setAdmin(email: string, admin: boolean): Promise<void> {
    const rows = await this.sql.query('UPDATE users SET is_admin = $2 WHERE email = $1 RETURNING id', [
      email.trim().toLowerCase(),
      admin,
    ]);
    if (!rows[0]) throw new NotFoundError('user-not-found', `no user ${email}`);
    this.cache.clear();
  }

  /**
   * The user's profile for `GET /auth/me`: admin flag, creation time and whether the Desk's first-run onboarding
   * is done. @throws NotFoundError `user-not-found`
   */
  async profile(userId: number): Promise<UserView & { onboarded: boolean }> {
    const [r] = await this.sql.query('SELECT id, email, is_admin, created_at, onboarded_at FROM users WHERE id = $1', [
      userId,
    ]);
    if (!r) throw new NotFoundError('user-not-found', `no user ${userId}`);
    return { ...userView(r), onboarded: r.onboarded_at !== null };
  }

  /** Records that the user finished the Desk's onboarding (idempotent: the first time is kept). */
  async setOnboarded(userId: number, now: number): Promise<void> {
    await this.sql.query('UPDATE users SET onboarded_at = COALESCE(onboarded_at, $2) WHERE id = $1', [
      userId,
      new Date(now),
    ]);
  }

  /** The user's API tokens (never the secret), newest first. See {@link ApiTokens.list}. */
  async listApiTokens(userId: number): Promise<ApiTokenView[]> {
    return this.tokens.list(userId);
  }

  /**
   * Revokes one of the user's API tokens at once (audited `token-revoked`).
   * @throws NotFoundError `token-not-found` when it is not one of the user's API tokens.
   */
  async deleteApiToken(userId: number, id: number): Promise<void> {
    await this.tokens.revoke(userId, id);
  }

  /** Users for admins, by id, `limit` from after id `after` (0: from the first). */
  async listUsers(limit: number, after = 0): Promise<{ users: UserView[]; nextCursor: string | null }> {
    const rows = await this.sql.query(
      'SELECT id, email, is_admin, created_at FROM users WHERE id > $1 ORDER BY id LIMIT $2',
      [after, limit + 1],
    );
    const users = rows.slice(0, limit).map(userView);
    return { users, nextCursor: rows.length > limit ? String(users.at(-1)!.id) : null };
  }

  /**
   * Grants or revokes admin rights of user `userId` (the caller checks that the actor is an admin), audited as
   * `admin-granted` / `admin-revoked` in the same transaction; a request that changes nothing writes nothing.
   * @throws NotFoundError `user-not-found`; ConflictError `last-admin` when it would revoke the last admin.
   */
  async setAdminById(actor: Actor, userId: number, admin: boolean): Promise<UserView> {
    const view = await this.sql.tx(async (q) => {
      // Lock every admin row so two concurrent revocations cannot both pass the last-admin check.
      const admins = await q.query('SELECT id FROM users WHERE is_admin ORDER BY id FOR UPDATE');
      const [u] = await q.query('SELECT id, email, is_admin, created_at FROM users WHERE id = $1 FOR UPDATE', [userId]);
      if (!u) throw new NotFoundError('user-not-found', `no user ${userId}`);
      if (u.is_admin === admin) return userView(u);
      if (!admin && admins.length <= 1)
        throw new ConflictError('last-admin', 'this is the last admin: grant admin rights to someone else first');
      const [r] = await q.query(
        'UPDATE users SET is_admin = $2 WHERE id = $1 RETURNING id, email, is_admin, created_at',
        [userId, admin],
      );
      await audit(q, actor, admin ? 'admin-granted' : 'admin-revoked', userId, { email: String(u.email) });
      return userView(r!);
    });
    this.cache.clear();
    return view;
  }

  /** Number of users (the server creates a demo user on an empty database). */
  async userCount(): Promise<number> {
    const [r] = await this.sql.query('SELECT count(*)::int AS n FROM users');
    return toInt(r!.n);
  }
}
