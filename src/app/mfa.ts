/**
 * The optional second factor: a TOTP authenticator (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of
 * clock drift accepted either way) with ten single-use recovery codes, and the short-lived challenges that a sign-in
 * answers with when the user has it enabled.
 *
 * - The base32 secret is sealed at rest with the server's {@link SecretBox} (`src/app/secrets.ts`) and never logged.
 * - A code is accepted only for a time step later than the last accepted one, so no code works twice.
 * - Recovery codes are shown once when TOTP is enabled and stored as SHA-256 hashes (they carry 50 random bits).
 * - A challenge is an HS256 JWT (jose) bound to the user and the sign-in method, valid {@link CHALLENGE_TTL_S} seconds,
 *   signed with a random key kept sealed in `mfa_keys` so every process sharing the database accepts it.
 *
 * Time is the wall clock (not the market clock of a replay); tests inject it.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { Secret, TOTP } from 'otpauth';
import type { Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { AuthError, ConflictError } from './errors.ts';
import { audit, type Actor } from './journal-audit.ts';
import { openSecretBox, type SecretBox } from './secrets.ts';

/** TOTP parameters (what authenticator apps assume by default). */
export const TOTP_PARAMS = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 });
/** Steps of clock drift accepted either side of the current one. */
export const TOTP_WINDOW = 1;
/** How many recovery codes enabling TOTP hands out. */
export const RECOVERY_CODE_COUNT = 10;
/** Lifetime of a sign-in challenge, seconds. */
export const CHALLENGE_TTL_S = 300;
/** Wrong answers one challenge takes (in this process) before it is refused as expired; an answered one is refused too. */
export const CHALLENGE_MAX_FAILURES = 5;

const ISSUER = 'Testudo';
const CHALLENGE_KEY = 'mfa-challenge';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/** What the user has set up. */
export interface MfaStatus {
  totp: {
    /** Codes are asked for at sign-in. */
    enabled: boolean;
    /** A setup waits for its first code. */
    pending: boolean;
    /** ISO 8601 UTC, or null. */
    enabledAt: string | null;
    /** Unused recovery codes. */
    recoveryCodesLeft: number;
  };
}

/** A new TOTP setup: the secret to type in, or the URI to scan. */
export interface TotpSetup {
  /** Base32 (RFC 4648, no padding), 160 bits. */
  secret: string;
  /** `otpauth://totp/Testudo:<email>?secret=...&issuer=Testudo&algorithm=SHA1&digits=6&period=30`. */
  uri: string;
}

/** What a second-factor answer may carry: a TOTP code or a recovery code. */
export interface MfaAnswer {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/** A verified challenge: whose sign-in it is, and by which method. */
export interface ChallengeClaims {
  userId: number;
  method: string;
}

/** Options of {@link MfaService}. */
export interface MfaServiceOptions {
  sql: Sql;
  /** The secret box; default {@link openSecretBox} from the environment, opened on first use. */
  box?: SecretBox;
  /** Wall clock, ms UTC; default `Date.now`. */
  now?: () => number;
}

/** TOTP, recovery codes and sign-in challenges over the database. */
export class MfaService {
  private readonly sql: Sql;
  private boxValue: SecretBox | null;
  private readonly now: () => number;
  private challengeKey: Promise<Uint8Array> | null = null;
  private readonly failures = new Map<string, { n: number; until: number }>();

  constructor(o: MfaServiceOptions) {
    this.sql = o.sql;
    this.boxValue = o.box ?? null;
    this.now = o.now ?? (() => Date.now());
  }

  private get box(): SecretBox {
    return (this.boxValue ??= openSecretBox());
  }

  /** The user's second-factor status. */
  async status(userId: number): Promise<MfaStatus> {
    const [t] = await this.sql.query('SELECT enabled_at FROM mfa_totp WHERE user_id = $1', [userId]);
    const [c] = await this.sql.query(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    const enabled = t !== undefined && t.enabled_at !== null;
    return {
      totp: {
        enabled,
        pending: t !== undefined && !enabled,
        enabledAt: enabled ? new Date(toMs(t.enabled_at)).toISOString() : null,
        recoveryCodesLeft: enabled ? toInt(c?.n ?? 0) : 0,
      },
    };
  }

  /** Whether sign-ins of `userId` need a second factor. */
  async isEnabled(userId: number): Promise<boolean> {
    const [t] = await this.sql.query('SELECT 1 FROM mfa_totp WHERE user_id = $1 AND enabled_at IS NOT NULL', [userId]);
    return t !== undefined;
  }

  /**
   * Starts (or restarts) a TOTP setup: a fresh random secret, stored sealed and pending until {@link enableTotp}.
   * @param label shown in the authenticator app (the user's e-mail)
   * @throws ConflictError `mfa-already-enabled` when TOTP is on (disable it first)
   */
  async setupTotp(userId: number, label: string): Promise<TotpSetup> {
    const secret = new Secret({ size: 20 });
    const sealed = this.box.seal(secret.base32);
    const rows = await this.sql.query(
      `INSERT INTO mfa_totp (user_id, secret_sealed, key_id) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET secret_sealed = $2, key_id = $3, last_step = NULL, created_at = now()
         WHERE mfa_totp.enabled_at IS NULL
       RETURNING user_id`,
      [userId, sealed, this.box.keyId],
    );
    if (rows.length === 0) throw new ConflictError('mfa-already-enabled', 'TOTP is enabled already; disable it first');
    const totp = new TOTP({ issuer: ISSUER, label, secret, ...TOTP_PARAMS });
    return { secret: secret.base32, uri: totp.toString() };
  }

  /**
   * Confirms a pending setup with a current code: TOTP is on from now, and ten new recovery codes are returned (the
   * only time they can be seen). Audited `mfa-enabled`.
   * @throws ConflictError `mfa-already-enabled`, or `mfa-not-set-up` (no pending setup: call setup first)
   * @throws AuthError `mfa-invalid-code` when the code is not the current one
   */
  async enableTotp(actor: Actor, userId: number, code: string): Promise<{ recoveryCodes: string[] }> {
    return this.sql.tx(async (q) => {
      const [t] = await q.query(
        'SELECT secret_sealed, enabled_at, last_step FROM mfa_totp WHERE user_id = $1 FOR UPDATE',
        [userId],
      );
      if (!t) throw new ConflictError('mfa-not-set-up', 'start a TOTP setup first');
      if (t.enabled_at !== null) throw new ConflictError('mfa-already-enabled', 'TOTP is enabled already');
      const step = this.checkCode(String(t.secret_sealed), code, t.last_step === null ? null : toInt(t.last_step));
      if (step === null) throw invalidCode();
      await q.query('UPDATE mfa_totp SET enabled_at = now(), last_step = $2 WHERE user_id = $1', [userId, step]);
      const recoveryCodes = await this.replaceRecoveryCodes(q, userId);
      await audit(q, actor, 'mfa-enabled', userId, { method: 'totp' });
      return { recoveryCodes };
    });
  }

  /**
   * Turns TOTP off and deletes its secret and recovery codes, once the caller proves it is the user: `password`
   * (checked by the caller, which passes `passwordOk`) or a TOTP or recovery code. Audited `mfa-disabled`.
   * @throws ConflictError `mfa-not-enabled` when TOTP is off (a pending setup is dropped without proof instead)
   * @throws AuthError `mfa-invalid-code` when neither proof holds
   */
  async disableTotp(actor: Actor, userId: number, proof: MfaAnswer & { passwordOk?: boolean }): Promise<void> {
    if (!(await this.isEnabled(userId))) {
      const dropped = await this.sql.query('DELETE FROM mfa_totp WHERE user_id = $1 RETURNING user_id', [userId]);
      if (dropped.length > 0) return;
      throw new ConflictError('mfa-not-enabled', 'TOTP is not enabled');
    }
    if (proof.passwordOk !== true && !(await this.checkAnswer(actor, userId, proof))) throw invalidCode();
    await this.sql.tx(async (q) => {
      await q.query('DELETE FROM mfa_totp WHERE user_id = $1', [userId]);
      await q.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
      await audit(q, actor, 'mfa-disabled', userId, {
        method: 'totp',
        by: proof.passwordOk === true ? 'password' : 'code',
      });
    });
  }

  /**
   * Checks a second-factor answer of an enabled user and consumes it: a TOTP code (its time step is remembered) or a
   * recovery code (marked used, audited `recovery-code-used` with the number left). False when it does not hold.
   */
  async checkAnswer(actor: Actor, userId: number, a: MfaAnswer): Promise<boolean> {
    if (a.recoveryCode !== undefined && a.recoveryCode !== '') {
      const hash = sha256(normalizeRecoveryCode(a.recoveryCode));
      return this.sql.tx(async (q) => {
        const used = await q.query(
          `UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL
           RETURNING id`,
          [userId, hash],
        );
        if (used.length === 0) return false;
        const [c] = await q.query(
          'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
          [userId],
        );
        await audit(q, actor, 'recovery-code-used', userId, { left: toInt(c?.n ?? 0) });
        return true;
      });
    }
    if (a.code === undefined) return false;
    const [t] = await this.sql.query(
      'SELECT secret_sealed, last_step FROM mfa_totp WHERE user_id = $1 AND enabled_at IS NOT NULL',
      [userId],
    );
    if (!t) return false;
    const step = this.checkCode(String(t.secret_sealed), a.code, t.last_step === null ? null : toInt(t.last_step));
    if (step === null) return false;
    // Only one request can move the step forward: a code raced in parallel is accepted once.
    const moved = await this.sql.query(
      `UPDATE mfa_totp SET last_step = $2 WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2) RETURNING user_id`,
      [userId, step],
    );
    return moved.length > 0;
  }

  /**
   * A challenge for a sign-in of `userId` by `method` that waits for its second factor, valid
   * {@link CHALLENGE_TTL_S} seconds.
   */
  async issueChallenge(userId: number, method: string): Promise<string> {
    const now = Math.floor(this.now() / 1000);
    return new SignJWT({ method, purpose: 'mfa' })
      .setProtectedHeader({ alg: 'HS256', typ: 'testudo-mfa' })
      .setSubject(String(userId))
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + CHALLENGE_TTL_S)
      .sign(await this.key());
  }

  /**
   * Verifies a challenge made by {@link issueChallenge}.
   * @throws AuthError `mfa-challenge-expired` (too old, or too many wrong answers) or `mfa-challenge-invalid`
   *   (tampered with, or not a challenge)
   */
  async verifyChallenge(challenge: string): Promise<ChallengeClaims & { id: string }> {
    try {
      const { payload } = await jwtVerify(challenge, await this.key(), {
        algorithms: ['HS256'],
        typ: 'testudo-mfa',
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'jti'],
      });
      if (payload.purpose !== 'mfa' || typeof payload.method !== 'string' || !/^\d+$/.test(payload.sub ?? ''))
        throw new AuthError('mfa-challenge-invalid', 'not a sign-in challenge');
      const id = String(payload.jti);
      if ((this.failures.get(id)?.n ?? 0) >= CHALLENGE_MAX_FAILURES) throw expired();
      return { userId: Number(payload.sub), method: payload.method, id };
    } catch (e) {
      if (e instanceof AuthError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw expired();
      throw new AuthError('mfa-challenge-invalid', 'the sign-in challenge is not valid; sign in again');
    }
  }

  /** Marks challenge `id` answered: it is refused from now on (in this process; it expires within 5 minutes anyway). */
  consumeChallenge(id: string): void {
    this.noteFailure(id);
    this.failures.get(id)!.n = CHALLENGE_MAX_FAILURES;
  }

  /** Counts a wrong answer to challenge `id` (see {@link CHALLENGE_MAX_FAILURES}). */
  noteFailure(id: string): void {
    const now = this.now();
    for (const [k, v] of this.failures) if (v.until < now) this.failures.delete(k);
    const f = this.failures.get(id) ?? { n: 0, until: now + CHALLENGE_TTL_S * 1000 };
    f.n++;
    this.failures.set(id, f);
  }

  /** The step of `code` if it is valid for the sealed secret now and later than `lastStep`, else null. */
  private checkCode(sealed: string, code: string, lastStep: number | null): number | null {
    const token = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(token)) return null;
    const secret = Secret.fromBase32(this.box.open(sealed));
    const timestamp = this.now();
    const delta = TOTP.validate({ token, secret, timestamp, window: TOTP_WINDOW, ...TOTP_PARAMS });
    if (delta === null) return null;
    const step = TOTP.counter({ period: TOTP_PARAMS.period, timestamp }) + delta;
    return lastStep !== null && step <= lastStep ? null : step;
  }

  private async replaceRecoveryCodes(q: Sql, userId: number): Promise<string[]> {
    await q.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    const codes: string[] = [];
    while (codes.length < RECOVERY_CODE_COUNT) {
      const c = newRecoveryCode();
      if (!codes.includes(c)) codes.push(c);
    }
    for (const c of codes)
      await q.query('INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)', [userId, sha256(c)]);
    return codes;
  }

  /** The challenge HMAC key: made once, sealed in `mfa_keys`, shared by every process on the database. */
  private key(): Promise<Uint8Array> {
    this.challengeKey ??= (async () => {
      await this.sql.query('INSERT INTO mfa_keys (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        CHALLENGE_KEY,
        this.box.seal(randomBytes(32).toString('base64')),
      ]);
      const [r] = await this.sql.query('SELECT sealed FROM mfa_keys WHERE name = $1', [CHALLENGE_KEY]);
      return new Uint8Array(Buffer.from(this.box.open(String(r!.sealed)), 'base64'));
    })();
    this.challengeKey.catch(() => (this.challengeKey = null));
    return this.challengeKey;
  }
}

/** A recovery code as shown: two groups of five from a 31-letter alphabet (`xxxxx-xxxxx`, about 50 bits). */
export function newRecoveryCode(): string {
  let chars = '';
  for (let i = 0; i < 10; i++) chars += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** A recovery code as typed (any case, spaces, with or without the dash) in the form it was hashed in. */
export function normalizeRecoveryCode(s: string): string {
  const t = s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return t.length === 10 ? `${t.slice(0, 5)}-${t.slice(5)}` : t;
}

function invalidCode(): AuthError {
  return new AuthError('mfa-invalid-code', 'the code is wrong or was used already');
}

function expired(): AuthError {
  return new AuthError('mfa-challenge-expired', 'the sign-in challenge has expired; sign in again');
}
