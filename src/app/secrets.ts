/**
 * A box for secrets stored in the database (the HMAC secrets of exchange API keys): AES-256-GCM under a 32-byte
 * master key, each ciphertext tagged with the id of the key that sealed it, so a rotated key can still open old
 * ciphertexts and a wrong key is named instead of failing obscurely.
 *
 * Where the master key comes from ({@link openSecretBox}):
 * 1. `TESTUDO_SECRET_KEY`: 32 bytes as 64 hex digits or base64 (43/44 characters). Older keys that must still open
 *    existing ciphertexts go in `TESTUDO_SECRET_KEYS_OLD` (comma-separated, same encodings).
 * 2. Otherwise a key file: `TESTUDO_SECRET_KEY_FILE`, or `<data dir>.secret-key` beside the PGlite data directory
 *    (`TESTUDO_DATA_DIR`, default `.testudo/data`, as `testudo serve` uses). When the file is missing a random key is
 *    generated once into it with mode 0600, so the embedded default works offline with no setup.
 * Keys and plaintexts are never logged; errors name key ids only.
 *
 * Ciphertext text format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts; keyId = first 12 hex digits of
 * SHA-256 of the key; iv 12 random bytes; tag 16 bytes), as recommended for GCM by NIST SP 800-38D.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inspect } from 'node:util';

/** A key that cannot be used (bad encoding or length), or a ciphertext no known key opens. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(
    readonly code: 'invalid-key' | 'unknown-key' | 'malformed-ciphertext' | 'tampered',
    message: string,
  ) {
    super(message);
  }
}

/** The id under which a key seals: the first 12 hex digits of its SHA-256. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/**
 * Parses a 32-byte key written as 64 hex digits or base64/base64url.
 * @throws SecretBoxError `invalid-key` for anything else.
 */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32)
    throw new SecretBoxError('invalid-key', 'a secret key must be 32 bytes, as 64 hex digits or base64');
  return key;
}

/** Seals and opens short secrets with AES-256-GCM. */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** The id of the key new ciphertexts are sealed with. */
  readonly keyId: string;

  /** @param current the sealing key (32 bytes); @param old keys that may still open older ciphertexts. */
  constructor(current: Buffer, old: Buffer[] = []) {
    if (current.length !== 32) throw new SecretBoxError('invalid-key', 'a secret key must be 32 bytes');
    this.keyId = keyIdOf(current);
    for (const k of old) this.keys.set(keyIdOf(k), Buffer.from(k));
    this.keys.set(this.keyId, Buffer.from(current));
  }

  /** Encrypts `plaintext` (UTF-8) into the text format above; a fresh random IV each time. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    const parts = [iv, c.getAuthTag(), body].map((b) => b.toString('base64url'));
    return ['v1', this.keyId, ...parts].join('.');
  }

  /**
   * Decrypts a ciphertext made by {@link seal} under any known key.
   * @throws SecretBoxError `malformed-ciphertext`, `unknown-key` (sealed under a key this box lacks) or `tampered`
   *   (authentication failed).
   */
  open(sealed: string): string {
    const p = sealed.split('.');
    if (p.length !== 5 || p[0] !== 'v1') throw new SecretBoxError('malformed-ciphertext', 'not a v1 ciphertext');
    const key = this.keys.get(p[1]!);
    if (!key) throw new SecretBoxError('unknown-key', `sealed under key ${p[1]}, which is not configured`);
    const [iv, tag, body] = p.slice(2).map((x) => Buffer.from(x, 'base64url'));
    if (iv!.length !== 12 || tag!.length !== 16)
      throw new SecretBoxError('malformed-ciphertext', 'bad IV or tag length');
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv!);
      d.setAuthTag(tag!);
      return Buffer.concat([d.update(body!), d.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('tampered', 'the ciphertext failed authentication');
    }
  }

  /** Never reveal key material through inspection or JSON. */
  toJSON(): Record<string, unknown> {
    return { keyId: this.keyId };
  }

  /** What `util.inspect` (console.log, error causes) shows: the key id only, never the keys. */
  [inspect.custom](): string {
    return `SecretBox { keyId: '${this.keyId}' }`;
  }
}

/** The default key file: `<data dir>.secret-key`, beside the PGlite data directory. */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESTUDO_SECRET_KEY_FILE ?? `${resolve(env.TESTUDO_DATA_DIR ?? '.testudo/data')}.secret-key`;
}

/**
 * Reads the key file, or creates it with a random key (mode 0600, exclusive create so two processes agree).
 * @throws SecretBoxError `invalid-key` when the file holds no valid key.
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return parseKey(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first: read theirs
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return parseKey(readFileSync(path, 'utf8'));
}

/** Opens the box from the environment, as described at the top of this module. */
export function openSecretBox(env: NodeJS.ProcessEnv = process.env): SecretBox {
  const old = (env.TESTUDO_SECRET_KEYS_OLD ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(parseKey);
  if (env.TESTUDO_SECRET_KEY) return new SecretBox(parseKey(env.TESTUDO_SECRET_KEY), old);
  return new SecretBox(loadOrCreateKeyFile(defaultKeyFile(env)), old);
}
