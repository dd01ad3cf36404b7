/**
 * API keys of exchange accounts, for the Binance-compatible gateway (`src/server/binance`).
 *
 * - A key belongs to one account and acts as the user who created it; that user must still own the account when the
 *   key is used (removing an owner silences the keys they made).
 * - `apiKey` and `secret` are 64 random base62 characters each (like Binance's). The secret is returned once, by
 *   {@link ApiKeyService.create}; it is stored sealed by {@link SecretBox} (AES-256-GCM) and opened in memory only to
 *   verify HMAC signatures. Neither is ever logged.
 * - Permissions: `read` (account, orders, trades: Binance's USER_DATA) or `trade` (also place and cancel orders:
 *   TRADE). Revoked keys stop working at once (the in-memory cache is dropped with the revocation).
 * - `last used` is written at most once a minute per key, so authenticating a request costs no write.
 */
import { randomInt } from 'node:crypto';
import type { Row, Sql } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { SecretBox } from '../secrets.ts';

/** What a key may do. */
export type ApiKeyPermission = 'read' | 'trade';

/** A key as listed to its account's owners (never the secret). */
export interface ApiKeyView {
  id: number;
  accountId: number;
  label: string;
  apiKey: string;
  permission: ApiKeyPermission;
  createdBy: number;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A key resolved for a request: who acts, for which account, and the secret to check the signature with. */
export interface ResolvedApiKey {
  id: number;
  apiKey: string;
  accountId: number;
  userId: number;
  permission: ApiKeyPermission;
  secret: string;
}

/** At most this many live keys per account (Binance allows 30 per account too). */
export const MAX_KEYS_PER_ACCOUNT = 30;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 64 random base62 characters (381 bits), from the CSPRNG. */
export function randomToken(): string {
  let s = '';
  for (let i = 0; i < 64; i++) s += BASE62[randomInt(62)];
  return s;
}

/** Creates, lists, revokes and resolves API keys. */
export class ApiKeyService {
  private readonly cache = new Map<string, ResolvedApiKey | null>();
  private readonly touched = new Map<number, number>();
  private readonly boxOf: () => SecretBox;

  /**
   * @param box the secret box, or a function giving it (called on first use, so a server that never touches keys
   *   never opens or creates a key file).
   */
  constructor(
    private readonly sql: Sql,
    box: SecretBox | (() => SecretBox),
    private readonly now: () => number = () => Date.now(),
  ) {
    let opened: SecretBox | null = typeof box === 'function' ? null : box;
    this.boxOf = () => (opened ??= (box as () => SecretBox)());
  }

  private async requireOwner(userId: number, accountId: number): Promise<void> {
    if (!(await this.owns(userId, accountId)))
      throw new NotFoundError('account-not-found', `no account ${accountId} of yours`);
  }

  /** True when `userId` owns `accountId`. */
  async owns(userId: number, accountId: number): Promise<boolean> {
    const [r] = await this.sql.query('SELECT 1 FROM ex_account_owners WHERE account_id = $1 AND user_id = $2', [
      accountId,
      userId,
    ]);
    return r !== undefined;
  }

  /**
   * Creates a key for an account the user owns; the secret is in the result and nowhere else readable.
   * `fixed` sets the key and secret instead of random ones (tests with Binance's documented signature examples, or
   * moving a bot's existing credentials); both must be 64 base62 characters and the key unused.
   * @throws NotFoundError `account-not-found`; ConflictError `too-many-api-keys` or `api-key-taken`;
   *   ValidationError for a malformed fixed key.
   */
  async create(
    userId: number,
    accountId: number,
    input: { label?: string | undefined; permission: ApiKeyPermission },
    fixed?: { apiKey: string; secret: string },
  ): Promise<ApiKeyView & { secret: string }> {
    await this.requireOwner(userId, accountId);
    if (fixed) {
      const bad = (['apiKey', 'secret'] as const).filter((f) => !/^[A-Za-z0-9]{64}$/.test(fixed[f]));
      if (bad.length)
        throw new ValidationError(
          bad.map((field) => ({ field, code: 'invalid-format', message: 'must be 64 letters and digits' })),
        );
    }
    const apiKey = fixed?.apiKey ?? randomToken();
    const secret = fixed?.secret ?? randomToken();
    const row = await this.sql.tx(async (q) => {
      // one creation at a time per account, so the cap holds under concurrency
      await q.query('SELECT id FROM ex_accounts WHERE id = $1 FOR UPDATE', [accountId]);
      const [n] = await q.query(
        'SELECT count(*)::int AS n FROM ex_api_keys WHERE account_id = $1 AND revoked_at IS NULL',
        [accountId],
      );
      if (Number(n!.n) >= MAX_KEYS_PER_ACCOUNT)
        throw new ConflictError('too-many-api-keys', `an account has at most ${MAX_KEYS_PER_ACCOUNT} live API keys`);
      const [taken] = await q.query('SELECT 1 FROM ex_api_keys WHERE api_key = $1', [apiKey]);
      if (taken) throw new ConflictError('api-key-taken', 'this API key is already in use');
      const [r] = await q.query(
        `INSERT INTO ex_api_keys (account_id, created_by, label, api_key, secret_sealed, permission)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [accountId, userId, input.label ?? '', apiKey, this.boxOf().seal(secret), input.permission],
      );
      return r!;
    });
    this.cache.delete(apiKey);
    return { ...view(row), secret };
  }

  /** The account's live keys, oldest first (no secrets). @throws NotFoundError `account-not-found`. */
  async list(userId: number, accountId: number): Promise<ApiKeyView[]> {
    await this.requireOwner(userId, accountId);
    const rows = await this.sql.query(
      'SELECT * FROM ex_api_keys WHERE account_id = $1 AND revoked_at IS NULL ORDER BY id',
      [accountId],
    );
    return rows.map(view);
  }

  /**
   * Revokes a live key of an account the user owns; it stops working at once.
   * @throws NotFoundError `account-not-found` or `api-key-not-found` (unknown, of another account, or revoked).
   */
  async revoke(userId: number, accountId: number, keyId: number): Promise<ApiKeyView> {
    await this.requireOwner(userId, accountId);
    const [r] = await this.sql.query(
      `UPDATE ex_api_keys SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL RETURNING *`,
      [keyId, accountId],
    );
    if (!r) throw new NotFoundError('api-key-not-found', `no live API key ${keyId} on account ${accountId}`);
    this.cache.delete(String(r.api_key));
    return view(r);
  }

  /**
   * Resolves a key for a request: null when unknown, revoked, or its creator no longer owns the account. The key
   * itself is cached in memory; ownership is checked on every call.
   */
  async resolve(apiKey: string): Promise<ResolvedApiKey | null> {
    if (!/^[A-Za-z0-9]{64}$/.test(apiKey)) return null;
    let k = this.cache.get(apiKey);
    if (k === undefined) {
      const [r] = await this.sql.query('SELECT * FROM ex_api_keys WHERE api_key = $1 AND revoked_at IS NULL', [apiKey]);
      k = r
        ? {
            id: toInt(r.id),
            apiKey,
            accountId: toInt(r.account_id),
            userId: toInt(r.created_by),
            permission: r.permission as ApiKeyPermission,
            secret: this.boxOf().open(String(r.secret_sealed)),
          }
        : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(apiKey, k);
    }
    if (k === null || !(await this.owns(k.userId, k.accountId))) return null;
    return k;
  }

  /** Records that a key was used now (written at most once a minute per key). */
  async touch(keyId: number): Promise<void> {
    const t = this.now();
    if (t - (this.touched.get(keyId) ?? -Infinity) < 60_000) return;
    this.touched.set(keyId, t);
    await this.sql.query('UPDATE ex_api_keys SET last_used_at = $2 WHERE id = $1', [keyId, new Date(t)]);
  }
}

function view(r: Row): ApiKeyView {
  return {
    id: toInt(r.id),
    accountId: toInt(r.account_id),
    label: String(r.label),
    apiKey: String(r.api_key),
    permission: r.permission as ApiKeyPermission,
    createdBy: toInt(r.created_by),
    createdAt: new Date(r.created_at as string | Date).toISOString(),
    lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at as string | Date).toISOString(),
  };
}
