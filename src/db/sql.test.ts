/**
 * Statement naming on the PostgreSQL server: parameterised texts become named prepared statements, except those
 * marked with `planEachTime`, which are planned afresh on every call.
 */
import { describe, expect, it } from 'vitest';
import { openPostgres, planEachTime } from './sql.ts';
import { TEST_DB, TEST_PG_URL } from './testing.ts';

describe.runIf(TEST_DB === 'postgres')('statement naming (needs TESTUDO_TEST_DB=postgres)', () => {
  it('names a parameterised statement once per connection, but never one marked planEachTime', async () => {
    const sql = await openPostgres(TEST_PG_URL, 1);
    try {
      const named = 'SELECT $1::int + 1 AS v /* sql.test named */';
      const fresh = planEachTime('SELECT $1::int + 2 AS v /* sql.test planned each time */');
      const statements = await sql.tx(async (q) => {
        for (let i = 0; i < 7; i++) {
          expect((await q.query(named, [i]))[0]!.v).toBe(i + 1);
          expect((await q.query(fresh, [i]))[0]!.v).toBe(i + 2);
        }
        return (await q.query('SELECT statement FROM pg_prepared_statements')).map((r) => String(r.statement));
      });
      expect(statements).toContain(named);
      expect(statements).not.toContain(fresh);
    } finally {
      await sql.close();
    }
  });
});
