import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseInUseError, openPglite } from './sql.ts';

describe('a PGlite data directory', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('is refused to a second opener while open, and free again once closed', async () => {
    const base = await mkdtemp(join(tmpdir(), 'testudo-lock-'));
    dirs.push(base);
    const dir = join(base, 'data');
    const first = await openPglite(dir);
    await first.query(`CREATE TABLE t (x int)`);
    const second = openPglite(dir);
    await expect(second).rejects.toBeInstanceOf(DatabaseInUseError);
    await expect(second).rejects.toThrow(`the database in ${dir} is in use by process ${process.pid}`);
    await first.close();
    const again = await openPglite(dir);
    expect(await again.query(`SELECT count(*)::int AS n FROM t`)).toEqual([{ n: 0 }]);
    await again.close();
  });
});
