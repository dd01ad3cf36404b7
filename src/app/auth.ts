/**
 * Users, sessions and API tokens. Passwords are hashed with argon2id (@node-rs/argon2, OWASP parameters);
 * session and API token secrets are random 32-byte values stored only as SHA-256 hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import { AuthError, ConflictError, NotFoundError } from './errors.ts';

/** A signed-in user. */
export interface User {
  id: number;
  email: string;
  /** Admins run the exchange: pause, close and settle markets, mint cash, higher rate limits. */
  isAdmin?: boolean;
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

/** Accounts, sessions and tokens over the database, with a small in-memory cache of token → user. */
export class AuthService {
  private readonly cache = new Map<string, { user: User; expires: number }>();

  constructor(private readonly sql: Sql) {}

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
   * Checks a password and opens a session. Returns the user and the session secret (for the cookie).
   * @throws AuthError `invalid-credentials` (the same for an unknown email and a wrong password).
   */
  async login(email: string, password: string, now: number): Promise<{ user: User; token: string; expiresAt: number }> {
    const [u] = await this.sql.query('SELECT id, email, password_hash FROM users WHERE email = $1', [
      email.trim().toLowerCase(),
    ]);
    if (!u || !(await verify(String(u.password_hash), password)))
      throw new AuthError('invalid-credentials', 'email or password is wrong');
    const user = { id: toInt(u.id), email: String(u.email) };
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + SESSION_TTL_MS;
    await this.sql.query(
      `INSERT INTO auth_tokens (token_hash, user_id, kind, expires_at) VALUES ($1, $2, 'session', $3)`,
      [sha256(token), user.id, new Date(expiresAt)],
    );
    return { user, token, expiresAt };
  }

  /** Creates a bearer API token for scripts (no expiry). The secret is returned once and never stored. */
  async createApiToken(userId: number, name: string): Promise<string> {
    const token = `tdo_${randomBytes(32).toString('base64url')}`;
    await this.sql.query(`INSERT INTO auth_tokens (token_hash, user_id, kind, name) VALUES ($1, $2, 'api', $3)`, [
      sha256(token),
      userId,
      name,
    ]);
    return token;
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

  /** Number of users (the server creates a demo user on an empty database). */
  async userCount(): Promise<number> {
    const [r] = await this.sql.query('SELECT count(*)::int AS n FROM users');
    return toInt(r!.n);
  }
}
