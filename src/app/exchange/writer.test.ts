/**
 * The batch writer's array parameters: what {@link pgArray} sends is read back by the database (PGlite, or
 * PostgreSQL with `TESTUDO_TEST_DB=postgres`) as exactly the values given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { pgArray } from './writer.ts';

let sql: Sql;
beforeAll(async () => {
  sql = await openTestDatabase();
});
afterAll(async () => {
  await sql.close();
});

describe('pgArray', () => {
  it('round-trips text with quotes, backslashes, commas, braces, spaces, NULL-like words and nulls', async () => {
    const values = ['plain', 'a"b', 'back\\slash', 'x,y', '{z}', ' lead', 'NULL', '', 'ünï', null];
    const [r] = await sql.query<{ v: (string | null)[] }>('SELECT $1::text[] AS v', [pgArray(values)]);
    expect(r!.v).toEqual(values);
  });

  it('round-trips integers, booleans, numerics and timestamps', async () => {
    const at = new Date('2026-12-02T15:04:05.678Z');
    const later = new Date('2026-12-02T15:04:05.679Z');
    const [r] = await sql.query<{ n: string[]; b: boolean[]; d: string[]; t: Date[]; e: number }>(
      `SELECT $1::bigint[]::text[] AS n, $2::boolean[] AS b, $3::numeric[]::text[] AS d, $4::timestamptz[] AS t,
         cardinality($5::bigint[]) AS e`,
      [
        pgArray([1, -2, 9007199254740991, null]),
        pgArray([true, false, null]),
        pgArray(['-0.000000000001', '12.500000000000']),
        pgArray([at, new Date(at.getTime()), later, null]),
        pgArray([]),
      ],
    );
    expect(r!.n).toEqual(['1', '-2', '9007199254740991', null]);
    expect(r!.b).toEqual([true, false, null]);
    expect(r!.d).toEqual(['-0.000000000001', '12.500000000000']);
    expect(r!.t.map((x) => (x === null ? null : new Date(x).getTime()))).toEqual([
      at.getTime(),
      at.getTime(),
      later.getTime(),
      null,
    ]);
    expect(Number(r!.e)).toBe(0);
  });
});
