import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { pgliteTemplate } from './pglite-template.ts';
import { openPglite } from './sql.ts';

const dir = mkdtempSync(join(tmpdir(), 'testudo-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the PGlite template', () => {
  it('starts a data directory that equals a fresh initdb and keeps what was written across a reopen', async () => {
    const template = await pgliteTemplate();
    expect(template?.size).toBeGreaterThan(1_000_000);
    const fresh = await PGlite.create();
    const catalog = 'SELECT count(*)::int AS n, current_setting($1) AS v FROM pg_catalog.pg_class';
    const expected = (await fresh.query(catalog, ['server_version'])).rows;
    await fresh.close();

    const data = join(dir, 'data');
    const db = await openPglite(data);
    expect(await db.query(catalog, ['server_version'])).toEqual(expected);
    await db.query('CREATE TABLE kept (v text)');
    await db.query("INSERT INTO kept VALUES ('yes')");
    await db.close();
    const again = await openPglite(data);
    expect(await again.query('SELECT v FROM kept')).toEqual([{ v: 'yes' }]);
    await again.close();
  });
});
