/**
 * Sign-In with Ethereum (EIP-4361), checked with the `siwe` library: single-use nonces the server hands out, the
 * message's domain, URI origin, chain id, validity window and signature; wallet addresses (lower-cased, one user
 * each) linked to users, a user created on a wallet's first sign-in.
 *
 * Audit actions: `wallet-linked`, `wallet-unlinked` (details `address`), `user-created-siwe`.
 */
import { randomBytes } from 'node:crypto';
import { SiweErrorType, SiweMessage } from 'siwe';
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import type { User } from './auth.ts';
import { AuthError, ConflictError, NotFoundError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { createPasswordlessUser, loadUser, signInMethodCount } from './sign-in-users.ts';

/** How long a nonce from {@link SiweService.issueNonce} can be used: 10 minutes. */
export const SIWE_NONCE_TTL_MS = 10 * 60_000;

/**
 * Why a SIWE message was refused (all answered 401): `siwe-malformed` (not an EIP-4361 message),
 * `siwe-bad-nonce` (unknown, used or expired), `siwe-wrong-domain`, `siwe-wrong-uri` (another origin),
 * `siwe-wrong-chain` (not in the allowlist), `siwe-expired`, `siwe-not-yet-valid`, `siwe-bad-signature`.
 */
export type SiweErrorCode =
  | 'siwe-malformed'
  | 'siwe-bad-nonce'
  | 'siwe-wrong-domain'
  | 'siwe-wrong-uri'
  | 'siwe-wrong-chain'
  | 'siwe-expired'
  | 'siwe-not-yet-valid'
  | 'siwe-bad-signature';

/** What a message must match: the server's public host and origin, and the time to check the window at. */
export interface SiweExpectation {
  /** The server's public host with its port when not the default (`testudo.example.com`, `127.0.0.1:8080`). */
  domain: string;
  /** The server's public origin (`https://testudo.example.com`); the message's `URI` must be on it. */
  origin: string;
  /** ms UTC (the wall clock). */
  now: number;
}

/** A wallet linked to a user. */
export interface WalletView {
  /** Lower-case `0x` address. */
  address: string;
  chainId: number;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC of the last sign-in with it, or null. */
  lastUsedAt: string | null;
}

/** A checked message: its lower-cased address and chain. */
interface Verified {
  address: string;
  chainId: number;
  nonce: string;
}

const fail = (code: SiweErrorCode, message: string): AuthError => new AuthError(code, message);

/** Nonces, message checks and wallets over the database. */
export class SiweService {
  private readonly chains: ReadonlySet<number>;

  /** @param o.chains chain ids a message may name (EIP-155; 1 is Ethereum mainnet) */
  constructor(
    private readonly sql: Sql,
    o: { chains: readonly number[] },
  ) {
    this.chains = new Set(o.chains);
  }

  /**
   * A new random nonce (32 hex characters) valid for {@link SIWE_NONCE_TTL_MS}; expired ones are dropped.
   * @param now ms UTC
   */
  async issueNonce(now: number): Promise<{ nonce: string; expiresAt: string }> {
    const nonce = randomBytes(16).toString('hex');
    const expiresAt = new Date(now + SIWE_NONCE_TTL_MS);
    await this.sql.query('DELETE FROM siwe_nonces WHERE expires_at < $1', [new Date(now)]);
    await this.sql.query('INSERT INTO siwe_nonces (nonce, expires_at) VALUES ($1, $2)', [nonce, expiresAt]);
    return { nonce, expiresAt: expiresAt.toISOString() };
  }

  /**
   * Signs in with a signed message: the wallet's user, created (with a paper account) on its first sign-in. The
   * nonce is consumed in the same transaction; nothing is written when any check fails.
   * @throws AuthError with a {@link SiweErrorCode}
   */
  async signIn(
    message: string,
    signature: string,
    expect: SiweExpectation,
    actor: Actor,
  ): Promise<{ user: User; created: boolean }> {
    const v = await this.check(message, signature, expect);
    return this.sql.tx(async (q) => {
      await this.consumeNonce(q, v.nonce, expect.now);
      const [w] = await q.query('UPDATE user_wallets SET last_used_at = $2 WHERE address = $1 RETURNING user_id', [
        v.address,
        new Date(expect.now),
      ]);
      if (w) return { user: await loadUser(q, toInt(w.user_id)), created: false };
      const user = await createPasswordlessUser(q, `${v.address}@wallet.invalid`);
      await q.query('INSERT INTO user_wallets (address, user_id, chain_id, last_used_at) VALUES ($1, $2, $3, $4)', [
        v.address,
        user.id,
        v.chainId,
        new Date(expect.now),
      ]);
      await audit(q, { ...actor, userId: user.id }, 'user-created-siwe', user.id, { address: v.address });
      return { user, created: true };
    });
  }

  /**
   * Links the wallet of a signed message to signed-in user `userId` (idempotent for a wallet already theirs).
   * @throws AuthError with a {@link SiweErrorCode}; ConflictError `wallet-taken` when another user has it
   */
  async linkWallet(
    userId: number,
    message: string,
    signature: string,
    expect: SiweExpectation,
    actor: Actor,
  ): Promise<WalletView> {
    const v = await this.check(message, signature, expect);
    return this.sql.tx(async (q) => {
      await this.consumeNonce(q, v.nonce, expect.now);
      const [owner] = await q.query('SELECT user_id FROM user_wallets WHERE address = $1 FOR UPDATE', [v.address]);
      if (owner && toInt(owner.user_id) !== userId)
        throw new ConflictError('wallet-taken', 'this wallet is linked to another user');
      if (!owner) {
        await q.query('INSERT INTO user_wallets (address, user_id, chain_id) VALUES ($1, $2, $3)', [
          v.address,
          userId,
          v.chainId,
        ]);
        await audit(q, actor, 'wallet-linked', userId, { address: v.address, chainId: v.chainId });
      }
      const [r] = await q.query('SELECT * FROM user_wallets WHERE address = $1', [v.address]);
      return walletView(r!);
    });
  }

  /** The user's wallets, oldest first. */
  async listWallets(userId: number): Promise<WalletView[]> {
    const rows = await this.sql.query('SELECT * FROM user_wallets WHERE user_id = $1 ORDER BY created_at, address', [
      userId,
    ]);
    return rows.map(walletView);
  }

  /**
   * Unlinks one of the user's wallets.
   * @throws NotFoundError `wallet-not-found`; ConflictError `last-sign-in-method` when the user would be left with
   *   no way to sign in (no password, no other wallet, no OpenID Connect identity)
   */
  async unlinkWallet(userId: number, address: string, actor: Actor): Promise<void> {
    const a = address.toLowerCase();
    await this.sql.tx(async (q) => {
      await q.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const [w] = await q.query('SELECT address FROM user_wallets WHERE address = $1 AND user_id = $2', [a, userId]);
      if (!w) throw new NotFoundError('wallet-not-found', `no wallet ${a}`);
      if ((await signInMethodCount(q, userId)) <= 1)
        throw new ConflictError('last-sign-in-method', 'this wallet is your only way to sign in');
      await q.query('DELETE FROM user_wallets WHERE address = $1', [a]);
      await audit(q, actor, 'wallet-unlinked', userId, { address: a });
    });
  }

  /** Parses and checks a message (everything but consuming its nonce). @throws AuthError with a code */
  private async check(message: string, signature: string, expect: SiweExpectation): Promise<Verified> {
    let m: SiweMessage;
    try {
      m = new SiweMessage(message);
    } catch {
      throw fail('siwe-malformed', 'not an EIP-4361 Sign-In with Ethereum message');
    }
    if (m.domain !== expect.domain) throw fail('siwe-wrong-domain', `the message is for ${m.domain}`);
    let origin: string | null = null;
    try {
      origin = new URL(m.uri).origin;
    } catch {
      origin = null;
    }
    if (origin !== expect.origin) throw fail('siwe-wrong-uri', `the message's URI is not on ${expect.origin}`);
    if (!this.chains.has(m.chainId)) throw fail('siwe-wrong-chain', `chain ${m.chainId} is not accepted`);
    if (m.expirationTime && Date.parse(m.expirationTime) <= expect.now)
      throw fail('siwe-expired', 'the message has expired');
    if (m.notBefore && Date.parse(m.notBefore) > expect.now)
      throw fail('siwe-not-yet-valid', 'the message is not valid yet');
    const [n] = await this.sql.query('SELECT expires_at, used_at FROM siwe_nonces WHERE nonce = $1', [m.nonce]);
    if (!n || n.used_at !== null || toMs(n.expires_at) <= expect.now)
      throw fail('siwe-bad-nonce', 'unknown, used or expired nonce: ask for a new one');
    const res = await m.verify(
      { signature, domain: expect.domain, nonce: m.nonce, time: new Date(expect.now).toISOString() },
      { suppressExceptions: true },
    );
    if (!res.success) {
      const type = res.error?.type;
      if (type === SiweErrorType.EXPIRED_MESSAGE) throw fail('siwe-expired', 'the message has expired');
      if (type === SiweErrorType.NOT_YET_VALID_MESSAGE) throw fail('siwe-not-yet-valid', 'not valid yet');
      throw fail('siwe-bad-signature', 'the signature does not match the message and address');
    }
    return { address: m.address.toLowerCase(), chainId: m.chainId, nonce: m.nonce };
  }

  /** Marks the nonce used. @throws AuthError `siwe-bad-nonce` when another request used it first or it expired */
  private async consumeNonce(q: Sql, nonce: string, now: number): Promise<void> {
    const rows = await q.query(
      'UPDATE siwe_nonces SET used_at = $2 WHERE nonce = $1 AND used_at IS NULL AND expires_at > $2 RETURNING nonce',
      [nonce, new Date(now)],
    );
    if (!rows[0]) throw fail('siwe-bad-nonce', 'unknown, used or expired nonce: ask for a new one');
  }
}

function walletView(r: Record<string, unknown>): WalletView {
  return {
    address: String(r.address),
    chainId: toInt(r.chain_id),
    createdAt: new Date(toMs(r.created_at)).toISOString(),
    lastUsedAt:
      r.last_used_at === null || r.last_used_at === undefined ? null : new Date(toMs(r.last_used_at)).toISOString(),
  };
}

/**
 * The chain allowlist from `TESTUDO_SIWE_CHAINS` (comma-separated EIP-155 ids), default `[1]`.
 * @throws Error naming the variable when an entry is not a positive integer
 */
export function siweChainsFromEnv(env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env.TESTUDO_SIWE_CHAINS?.trim();
  if (!raw) return [1];
  return raw.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`TESTUDO_SIWE_CHAINS: "${s}" is not a chain id`);
    return n;
  });
}
