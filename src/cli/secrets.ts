/**
 * `testudo secrets rotate`: reseals every stored secret (exchange connections' credentials and the simulated
 * exchange's API-key secrets) under the current key.
 *
 * Rotation: put the new key in `TESTUDO_SECRET_KEY` and the previous one(s) in `TESTUDO_SECRET_KEYS_OLD`
 * (comma-separated), run this command, then drop the old keys. Without `TESTUDO_SECRET_KEY` the key file is used as
 * `testudo serve` does (`TESTUDO_SECRET_KEY_FILE`, or `<data dir>.secret-key`); it must exist (this command never
 * creates a key). One transaction: every row is resealed, or none (a row no configured key opens aborts it, naming
 * the table and row). Prints the number of rows resealed; never a secret or a key.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openDatabase } from '../db/sql.ts';
import { migrate } from '../db/migrate.ts';
import { defaultKeyFile, openSecretBox } from '../app/secrets.ts';
import { rotateConnectionSecrets } from '../app/connections.ts';
import { CliError } from './errors.ts';

/** Flags of `testudo secrets rotate`. */
export interface RotateFlags {
  dataDir: string;
  databaseUrl?: string;
  json?: boolean;
}

/**
 * Runs the rotation and prints `{ resealed }` (JSON with `--json`, else a sentence).
 * @throws CliError `secret-key-missing` when no key is configured and the key file does not exist; SecretBoxError
 *   (`unknown-key`, `tampered`, ...) when a stored ciphertext cannot be opened (nothing is changed then).
 */
export async function runSecretsRotate(f: RotateFlags): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.TESTUDO_SECRET_KEY && !env.TESTUDO_SECRET_KEY_FILE && !env.TESTUDO_DATA_DIR)
    env.TESTUDO_SECRET_KEY_FILE = `${resolve(f.dataDir)}.secret-key`;
  if (!env.TESTUDO_SECRET_KEY && !existsSync(defaultKeyFile(env)))
    throw new CliError(
      'secret-key-missing',
      `no secret key: set TESTUDO_SECRET_KEY (and TESTUDO_SECRET_KEYS_OLD), or create ${defaultKeyFile(env)}`,
    );
  const box = openSecretBox(env);
  if (!f.databaseUrl) await mkdir(f.dataDir, { recursive: true });
  const sql = await openDatabase({ url: f.databaseUrl, dataDir: f.databaseUrl ? undefined : f.dataDir });
  try {
    await migrate(sql);
    const r = await rotateConnectionSecrets(sql, box);
    process.stdout.write(
      f.json
        ? `${JSON.stringify({ resealed: r.resealed, keyId: box.keyId })}\n`
        : `resealed ${r.resealed} secret(s) under key ${box.keyId}\n`,
    );
  } finally {
    await sql.close();
  }
}
