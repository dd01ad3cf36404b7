import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryCopyError, int8Field, parseBinaryCopy } from './copy-binary.ts';
import { copyTo, type Sql } from './sql.ts';
import { openTestDatabase } from './testing.ts';

let sql: Sql;
beforeAll(async () => {
  sql = await openTestDatabase();
});
afterAll(async () => {
  await sql?.close();
});

describe('binary COPY out', () => {
  it("reads the database's own binary COPY: int8, bytea as stored, NULL, an empty value", async () => {
    const bytes = await copyTo(
      sql,
      `COPY (SELECT * FROM (VALUES (1::int8, '\\x00ff7f'::bytea, NULL::bytea), (-9007199254740991, ''::bytea, '\\x01'::bytea))
               AS v(a, b, c)) TO STDOUT WITH (FORMAT binary)`,
    );
    const rows = parseBinaryCopy(bytes);
    expect(rows.length).toBe(2);
    expect(rows.map((r) => int8Field(r[0]!))).toEqual([1, -9007199254740991]);
    expect(Array.from(rows[0]![1]!)).toEqual([0, 255, 127]);
    expect(rows[0]![2]).toBe(null);
    expect(rows[1]![1]!.length).toBe(0);
    expect(Array.from(rows[1]![2]!)).toEqual([1]);
  });

  it('inside a transaction too, and an empty result is just the trailer', async () => {
    const rows = await sql.tx(async (q) =>
      parseBinaryCopy(await copyTo(q, 'COPY (SELECT 1::int8 WHERE false) TO STDOUT WITH (FORMAT binary)')),
    );
    expect(rows).toEqual([]);
  });

  it('refuses what is not a complete binary COPY with BinaryCopyError', async () => {
    const good = await copyTo(sql, 'COPY (SELECT 42::int8) TO STDOUT WITH (FORMAT binary)');
    expect(int8Field(parseBinaryCopy(good)[0]![0]!)).toBe(42);
    expect(() => parseBinaryCopy(good.subarray(0, good.length - 2))).toThrow(BinaryCopyError);
    expect(() => parseBinaryCopy(good.subarray(0, good.length - 5))).toThrow(BinaryCopyError);
    expect(() => parseBinaryCopy(new TextEncoder().encode('42\n'))).toThrow(BinaryCopyError);
    expect(() => int8Field(Uint8Array.of(1, 2))).toThrow(BinaryCopyError);
    expect(() => int8Field(Uint8Array.of(0x7f, 255, 255, 255, 255, 255, 255, 255))).toThrow(BinaryCopyError);
  });

  it('names a statement that is not COPY ... TO STDOUT', async () => {
    await expect(copyTo(sql, 'SELECT 1')).rejects.toThrow(/TO STDOUT/);
  });
});
