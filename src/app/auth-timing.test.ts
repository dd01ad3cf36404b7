/**
 * Login costs the same whether or not the e-mail exists: `checkPassword` verifies an unknown e-mail against a dummy
 * argon2id hash of the same parameters. Checked as a property of the code path (the dummy hash has the parameters
 * real hashes get) and, loosely, in time: over several interleaved tries an unknown e-mail takes at least half as long
 * as a wrong password (before the fix: a tenth). Both answer the same error.
 */
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { migrate } from '../db/migrate.ts';
import { AuthService, DUMMY_PASSWORD_HASH } from './auth.ts';

let sql: Sql;
let auth: AuthService;
beforeAll(async () => {
  sql = await openTestDatabase();
  await migrate(sql);
  auth = new AuthService(sql);
  await auth.register('known@example.com', 'correct horse battery');
});
afterAll(async () => {
  await sql.close();
});

const params = (h: string): string => h.split('$').slice(1, 4).join('$');

async function timed(email: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await expect(auth.checkPassword(email, 'wrong password!')).rejects.toMatchObject({ code: 'invalid-credentials' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

describe('checkPassword', () => {
  it('verifies an unknown e-mail against a dummy hash of the same parameters as a real one', async () => {
    const [u] = await sql.query('SELECT password_hash FROM users WHERE email = $1', ['known@example.com']);
    expect(params(DUMMY_PASSWORD_HASH)).toBe(params(String(u!.password_hash)));
    expect(params(DUMMY_PASSWORD_HASH)).toBe('argon2id$v=19$m=19456,t=2,p=1');
    // and it matches no password a caller could guess
    expect(params(await hash('x', { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }))).toBe(
      params(DUMMY_PASSWORD_HASH),
    );
    await expect(auth.checkPassword('nobody@example.com', '')).rejects.toMatchObject({ code: 'invalid-credentials' });
  });

  it('takes as long for an unknown e-mail as for a wrong password (same order, interleaved tries)', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    await timed('known@example.com'); // warm up
    for (let i = 0; i < 6; i++) {
      known.push(await timed('known@example.com'));
      unknown.push(await timed(`nobody-${i}@example.com`));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    expect(median(unknown)).toBeGreaterThanOrEqual(median(known) / 2);
  });
});
