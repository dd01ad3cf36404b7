/**
 * Users created by a sign-in method without a password (Sign-In with Ethereum, OpenID Connect): the same paper
 * account as registration gives, and no password hash (password login refuses such a user).
 */
import type { Sql } from '../db/sql.ts';
import { toInt } from '../db/sql.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import { PAPER_CURRENCY, PAPER_START_BALANCE, type User } from './auth.ts';

/**
 * Creates a user without a password and its paper account (10,000 USDT, default risk profile). Call it inside the
 * transaction that links the user's wallet or identity.
 * @param email lower-cased e-mail: a verified one from an identity provider, or a placeholder under the reserved
 *   `.invalid` top-level domain (RFC 2606) that can never collide with a real address
 * @throws the database's unique violation (code `23505`) when the e-mail is taken
 */
export async function createPasswordlessUser(q: Sql, email: string): Promise<User> {
  const [u] = await q.query('INSERT INTO users (email, password_hash) VALUES ($1, NULL) RETURNING id, email', [email]);
  const id = toInt(u!.id);
  await q.query(
    `INSERT INTO accounts (user_id, name, currency, initial_balance, balance, peak_equity, risk_profile)
     VALUES ($1, 'Paper', $2, $3, $3, $3, $4)`,
    [id, PAPER_CURRENCY, PAPER_START_BALANCE, JSON.stringify(DEFAULT_RISK_PROFILE)],
  );
  return { id, email: String(u!.email), isAdmin: false };
}

/**
 * The user `id` as a sign-in returns it (with the admin flag).
 * @throws Error when there is no such user (callers pass ids they just read under a foreign key)
 */
export async function loadUser(q: Sql, id: number): Promise<User> {
  const [u] = await q.query('SELECT id, email, is_admin FROM users WHERE id = $1', [id]);
  if (!u) throw new Error(`no user ${id}`);
  return { id: toInt(u.id), email: String(u.email), isAdmin: u.is_admin === true };
}

/**
 * How many ways user `userId` can sign in: a password (0 or 1) + linked wallets + OpenID Connect identities.
 * Unlinking refuses to take the last one away.
 */
export async function signInMethodCount(q: Sql, userId: number): Promise<number> {
  const [r] = await q.query(
    `SELECT (SELECT count(*) FROM users WHERE id = $1 AND password_hash IS NOT NULL)
          + (SELECT count(*) FROM user_wallets WHERE user_id = $1)
          + (SELECT count(*) FROM oidc_identities WHERE user_id = $1) AS n`,
    [userId],
  );
  return toInt(r!.n);
}
