/**
 * Shared parts of the `kill -9` crash tests: the child processes and cleanups a test file leaves behind, and the
 * durable database a killed child writes and the parent reopens (a PGlite data directory, or with
 * `TESTUDO_TEST_DB=postgres` a fresh schema on the PostgreSQL test server).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import { openDatabase, type Sql } from '../src/db/sql.ts';
import { TEST_DB, TEST_PG_URL, openTestDatabase } from '../src/db/testing.ts';

/** What a crash test file tracks: processes to kill and cleanups to run (in reverse) after all its tests. */
export interface CrashHarness {
  children: ChildProcess[];
  cleanups: (() => Promise<void>)[];
}

/**
 * Registers an `afterAll` that SIGKILLs every tracked child still running, then runs the cleanups last-first.
 * @param opts.ignoreCleanupErrors a cleanup that rejects is passed over (else the rejection fails the hook).
 */
export function crashHarness(opts: { ignoreCleanupErrors?: boolean } = {}): CrashHarness {
  const h: CrashHarness = { children: [], cleanups: [] };
  afterAll(async () => {
    for (const c of h.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const f of h.cleanups.reverse()) await (opts.ignoreCleanupErrors ? f().catch(() => undefined) : f());
  });
  return h;
}

/** The database a child writes: `pgUrl` (PostgreSQL, search_path set to the fresh schema) or null (PGlite). */
export interface DurableDatabase {
  pgUrl: string | null;
  /** Opens the database as the parent sees it after the kill (PGlite: a new handle on the data directory). */
  reopen: () => Promise<Sql>;
}

/**
 * A durable database for a child process: on PostgreSQL a fresh test schema (its handle closed by a cleanup, and
 * `reopen` answers that same handle); on PGlite the data directory `dataDir()` (asked only then), each handle
 * `reopen` opens closed by a cleanup. @throws the database error.
 */
export async function durableDatabase(
  cleanups: CrashHarness['cleanups'],
  dataDir: () => string,
): Promise<DurableDatabase> {
  if (TEST_DB === 'postgres') {
    const sql = await openTestDatabase();
    cleanups.push(() => sql.close());
    const [{ schema }] = (await sql.query('SELECT current_schema() AS schema')) as [{ schema: string }];
    const url = new URL(TEST_PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return { pgUrl: url.toString(), reopen: async () => sql };
  }
  const dir = dataDir();
  return {
    pgUrl: null,
    reopen: async () => {
      const sql = await openDatabase({ dataDir: dir });
      cleanups.push(() => sql.close());
      return sql;
    },
  };
}
