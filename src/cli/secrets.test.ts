/**
 * `testudo secrets rotate` as a user runs it (the real binary, a PGlite data directory): a connection sealed under
 * the old key is resealed under the new one; the output names a count and a key id, never a secret or a key. The
 * resealing itself is tested on both databases in src/app/connections.test.ts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { AuthService } from '../app/auth.ts';
import { SecretBox, keyIdOf } from '../app/secrets.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));
const A = randomBytes(32);
const B = randomBytes(32);
const SECRET = 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tAbCd';
let dir: string;

async function testudo(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  const clean: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: '',
    TESTUDO_SECRET_KEY: '',
    TESTUDO_SECRET_KEYS_OLD: '',
  };
  delete clean.TESTUDO_DATA_DIR;
  delete clean.TESTUDO_SECRET_KEY_FILE;
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...clean, ...env } });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testudo-rotate-'));
  const sql = await openDatabase({ dataDir: join(dir, 'db') });
  try {
    await migrate(sql);
    const u = await new AuthService(sql).register('rotate@cli.test', 'password1');
    const [acct] = await sql.query('SELECT id FROM accounts WHERE user_id = $1', [u.id]);
    const box = new SecretBox(A);
    await sql.query(
      `INSERT INTO connections (user_id, account_id, venue, exchange, label, credentials, key_id)
       VALUES ($1, $2, 'ccxt', 'binance', 'Main', $3, $4)`,
      [u.id, acct!.id, box.seal(JSON.stringify({ apiKey: 'k', secret: SECRET })), box.keyId],
    );
  } finally {
    await sql.close();
  }
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('testudo secrets rotate', () => {
  it('reseals under TESTUDO_SECRET_KEY what the old key sealed, printing only a count and a key id', async () => {
    const keys = { TESTUDO_SECRET_KEY: B.toString('hex'), TESTUDO_SECRET_KEYS_OLD: A.toString('hex') };
    const r = await testudo(keys, 'secrets', 'rotate', '--data-dir', join(dir, 'db'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ resealed: 1, keyId: keyIdOf(B) });
    for (const s of [SECRET, A.toString('hex'), B.toString('hex')]) expect(r.stdout + r.stderr).not.toContain(s);
    const again = await testudo(keys, 'secrets', 'rotate', '--data-dir', join(dir, 'db'));
    expect(again.stdout).toBe(`resealed 0 secret(s) under key ${keyIdOf(B)}\n`);
    const sql = await openDatabase({ dataDir: join(dir, 'db') });
    try {
      const [c] = await sql.query('SELECT credentials, key_id FROM connections');
      expect(c!.key_id).toBe(keyIdOf(B));
      expect(JSON.parse(new SecretBox(B).open(String(c!.credentials)))).toEqual({ apiKey: 'k', secret: SECRET });
    } finally {
      await sql.close();
    }
  });

  it('fails with a clear code, changing nothing, when no configured key opens a secret or no key is set', async () => {
    const other = randomBytes(32).toString('hex');
    const r = await testudo({ TESTUDO_SECRET_KEY: other }, 'secrets', 'rotate', '--data-dir', join(dir, 'db'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^testudo secrets rotate: unknown-key: connections row \d+: sealed under key/);
    expect(r.stderr).not.toContain(other);
    const sql = await openDatabase({ dataDir: join(dir, 'db') });
    try {
      const [c] = await sql.query('SELECT key_id FROM connections');
      expect(c!.key_id).toBe(keyIdOf(B)); // still under B: the failed rotation changed nothing
    } finally {
      await sql.close();
    }
    const none = await testudo({}, 'secrets', 'rotate', '--data-dir', join(dir, 'db2'));
    expect([none.code, none.stderr]).toEqual([1, expect.stringContaining('secret-key-missing')]);
  });
});
