/**
 * Databases for tests: PGlite in memory by default, or a fresh schema on the PostgreSQL server when
 * `TESTUDO_TEST_DB=postgres` (URL from `TESTUDO_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`).
 * Each call gets its own empty database or schema, dropped again on close, so test files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite, openPostgres, type Sql } from './sql.ts';

/** The engine the test suite runs on. */
export const TEST_DB: 'pglite' | 'postgres' = process.env.TESTUDO_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
/** The PostgreSQL server used when {@link TEST_DB} is `postgres`. */
export const TEST_PG_URL = process.env.TESTUDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Opens an empty database for one test file. */
export async function openTestDatabase(): Promise<Sql> {
  if (TEST_DB === 'pglite') return openPglite();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const sql = await openPostgres(url.toString(), 5);
  return {
    ...sql,
    close: async () => {
      await sql.close();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
