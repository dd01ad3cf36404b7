/**
 * Users, sessions and API tokens. Passwords are hashed with argon2id (@node-rs/argon2, OWASP parameters);
 * session and API token secrets are random 32-byte values stored only as SHA-256 hashes.
 */
import { hash, verify } from '@node-rs/argon2';
import type { Row, Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import { AuthError, ConflictError, NotFoundError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { ApiTokens, type ApiScope, type ApiTokenView } from './api-tokens.ts';
import { SessionService } from './sessions.ts';

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

/** Starting balance of a new paper account, quote currency. */
export const PAPER_START_BALANCE = '10000';
/** Currency of paper accounts. */
export const PAPER_CURRENCY = 'USDT';

// Argon2id, variant 2 (0 = d, 1 = i, 2 = id); memory 19 MiB, 2 passes: the OWASP minimum.
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/**
 * An argon2id hash, with the {@link ARGON} parameters, of a random password nobody knows: `checkPassword` verifies
 * against it when the e-mail is unknown, so both paths cost one argon2id verification.
 */
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$jqkS0Q/hhZe6oChFmUr4Fw$D/pCjg404kcoqP2JxXkV6hz0+QPIHNmSRbBW5KpK9T4';

/** Accounts over the database, with their API tokens (`tokens`) and browser sessions (`sessions`). */
export class AuthService {
  /** API tokens (scoped, expiring, listed with last use): see `api-tokens.ts`. */
  readonly tokens: ApiTokens;
  /** Browser sessions: signed access tokens, rotating refresh tokens, listing, revocation (`sessions.ts`). */
  readonly sessions: SessionService;

  constructor(private readonly sql: Sql) {
    this.tokens = new ApiTokens(sql);
    this.sessions = new SessionService(sql);
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

  /** Grants or revokes admin rights. @throws NotFoundError for an unknown email. */
  async setAdmin(email: string, admin: boolean): Promise<void> {
    const rows = await this.sql.query('UPDATE users SET is_admin = $2 WHERE email = $1 RETURNING id', [
      email.trim().toLowerCase(),
      admin,
    ]);
    if (!rows[0]) throw new NotFoundError('user-not-found', `no user ${email}`);
    this.sessions.clearCache();
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
    this.sessions.clearCache();
    return view;
  }

  /** Number of users (the server creates a demo user on an empty database). */
  async userCount(): Promise<number> {
    const [r] = await this.sql.query('SELECT count(*)::int AS n FROM users');
    return toInt(r!.n);
  }
}
