/**
 * Schema migrations: numbered SQL files in `./migrations`, applied in order, each in its own transaction, recorded
 * in `schema_migrations`. Run on every start; a migration already applied is skipped.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from './sql.ts';

const DIR = new URL('./migrations/', import.meta.url);

/** Applies every pending migration. Returns the versions applied now. */
export async function migrate(sql: Sql): Promise<string[]> {
  await sql.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set(
    (await sql.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const f of files) {
    const version = f.replace(/\.sql$/, '');
    if (done.has(version)) continue;
    const text = await readFile(new URL(f, DIR), 'utf8');
    await sql.tx(async (q) => {
      await q.exec(text);
      await q.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    });
    applied.push(version);
  }
  return applied;
}
