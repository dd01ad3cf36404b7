/**
 * A pristine PGlite data directory, kept as a gzipped tarball, from which new databases start instead of running
 * `initdb` each time: PGlite's `initdb` costs about 3.7 s of CPU and ~900 MB of memory at its peak on this machine,
 * loading the tarball about 0.9 s and half the memory. Every new embedded database benefits: the first `npm start`,
 * `candles import` into a fresh data directory, and each test file's in-memory database.
 *
 * The tarball is made once per PGlite version (by `npm install`'s build step, or on first need) with PGlite's own
 * `dumpDataDir`, written atomically (temporary file, then rename) so parallel processes never read a partial one,
 * and loaded with PGlite's `loadDataDir`. Without it, PGlite runs `initdb` as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/** The PGlite version the template belongs to (a template never outlives an upgrade). */
export const PGLITE_VERSION: string = (
  JSON.parse(
    readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/testudo/', import.meta.url));

/** Where the template is kept: `node_modules/.cache/testudo/pglite-<version>.tar.gz`. */
export const TEMPLATE_FILE = join(CACHE_DIR, `pglite-${PGLITE_VERSION}.tar.gz`);

/**
 * The template as a Blob for `PGlite.create({ loadDataDir })`, made first when missing (unless `create` is false).
 * Resolves to undefined when it cannot be had (then the caller lets PGlite run `initdb`).
 */
export async function pgliteTemplate(create = true): Promise<Blob | undefined> {
  try {
    if (!existsSync(TEMPLATE_FILE)) {
      if (!create) return undefined;
      await writePgliteTemplate();
    }
    return new Blob([readFileSync(TEMPLATE_FILE)]);
  } catch {
    return undefined;
  }
}

/** Runs `initdb` once in memory and writes the data directory's tarball to {@link TEMPLATE_FILE}. */
export async function writePgliteTemplate(): Promise<void> {
  const db = await PGlite.create();
  try {
    const blob = await db.dumpDataDir('gzip');
    const tmp = `${TEMPLATE_FILE}.${process.pid}.tmp`;
    await mkdir(CACHE_DIR, { recursive: true });
    await writeFile(tmp, Buffer.from(await blob.arrayBuffer()));
    await rename(tmp, TEMPLATE_FILE);
  } finally {
    await db.close();
  }
}
