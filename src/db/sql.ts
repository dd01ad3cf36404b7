/**
 * One small interface over the two databases Testudo runs on: PGlite (embedded PostgreSQL 18, the default) and a
 * PostgreSQL server through `pg` (selected by `DATABASE_URL`). SQL is written once, with `$1` parameters, in the
 * dialect both accept.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { pgliteTemplate } from './pglite-template.ts';
import { from as copyFromStream, to as copyToStream } from 'pg-copy-streams';

/** A database row as returned by a query. */
export type Row = Record<string, unknown>;

/** A connection (or transaction) that runs SQL. */
export interface Sql {
  /** Which engine this is. */
  readonly kind: 'pglite' | 'postgres';
  /** Runs one parameterised statement and returns its rows. */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters. */
  exec(text: string): Promise<void>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (the error is rethrown).
   * Nested calls reuse the outer transaction.
   */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  /**
   * Bulk-loads rows with `COPY ... FROM STDIN`, the fastest way into a table on both engines.
   *
   * @param statement a complete `COPY table [(columns)] FROM STDIN [WITH (FORMAT text|csv|binary, ...)]`; on PGlite
   *   `FROM STDIN` is rewritten to PGlite's `FROM '/dev/blob'`.
   * @param data the payload in the statement's format, as chunks (strings are sent as UTF-8). Any chunk size works;
   *   64 KiB–1 MiB chunks are efficient. PGlite gathers every chunk into one in-memory blob first; PostgreSQL
   *   streams them.
   * @returns the number of rows copied.
   * @throws the database error (e.g. a malformed row, a constraint violation) — inside {@link Sql.tx} the
   *   transaction is then aborted.
   *
   * Always present on the connections {@link openDatabase}, {@link openPglite} and {@link openPostgres} return (and
   * their transactions); optional only so hand-written wrappers (test doubles) need not implement it. Callers use
   * {@link copyFrom}, which names the problem when it is missing.
   */
  copyFrom?(statement: string, data: CopyData): Promise<number>;
  /**
   * Reads a whole `COPY ... TO STDOUT` output into memory: the fastest way out of PGlite (no per-value text and
   * parsing; binary format gives bytea values as they are stored).
   *
   * @param statement a complete `COPY table|(query) TO STDOUT [WITH (FORMAT text|csv|binary, ...)]` without
   *   parameters; on PGlite `TO STDOUT` is rewritten to PGlite's `TO '/dev/blob'`.
   * @returns the output bytes.
   * @throws the database error. Optional like {@link Sql.copyFrom}; see {@link copyTo}.
   */
  copyTo?(statement: string): Promise<Uint8Array>;
  /** Closes the connection or pool. */
  close(): Promise<void>;
}

/**
 * Runs {@link Sql.copyTo} on `sql`.
 * @throws Error when `sql` is a wrapper without `copyTo`, or the database error of the COPY.
 */
export function copyTo(sql: Sql, statement: string): Promise<Uint8Array> {
  if (!sql.copyTo) throw new Error('this database connection does not support COPY (Sql.copyTo is missing)');
  return sql.copyTo(statement);
}

const STDOUT_RE = /\bTO\s+STDOUT\b/i;

/** The payload of {@link Sql.copyFrom}: chunks of text or bytes, sync or async. */
export type CopyData = Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

const STDIN_RE = /\bFROM\s+STDIN\b/i;

async function collectBlob(data: CopyData): Promise<Blob> {
  const parts: (string | Uint8Array)[] = [];
  for await (const chunk of data) parts.push(chunk);
  return new Blob(parts as unknown as ConstructorParameters<typeof Blob>[0]);
}

/**
 * Runs {@link Sql.copyFrom} on `sql`.
 * @returns the number of rows copied.
 * @throws Error when `sql` is a wrapper without `copyFrom`, or the database error of the COPY.
 */
export function copyFrom(sql: Sql, statement: string, data: CopyData): Promise<number> {
  if (!sql.copyFrom) throw new Error('this database connection does not support COPY (Sql.copyFrom is missing)');
  return sql.copyFrom(statement, data);
}

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** A `postgres://` URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite data directory; `memory://` (or absent) for an in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. Default 10. */
  poolSize?: number;
  /**
   * PGlite's `shared_buffers` for this process only (e.g. `'16MB'`; PostgreSQL's default 128MB when absent): a
   * short-lived command that reads little keeps its memory down with less. Ignored for PostgreSQL.
   */
  pgliteSharedBuffers?: string;
}

/** Opens PGlite (default) or PostgreSQL (when `url` is given). @throws like {@link openPglite} / the driver. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Sql> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10);
  return openPglite(
    opts.dataDir,
    opts.pgliteSharedBuffers === undefined ? {} : { sharedBuffers: opts.pgliteSharedBuffers },
  );
}

/** The PGlite data directory is open in another live process (PGlite serves one process only). */
export class DatabaseInUseError extends Error {
  override readonly name = 'DatabaseInUseError';
  readonly code = 'database-in-use';
}

/**
 * Takes the lock file `<dataDir>.lock` (holding this process id) so a second process cannot open the same PGlite
 * directory — two would each keep their own copy and lose the other's writes. A lock left by a dead process is taken
 * over. Returns the release function.
 * @throws DatabaseInUseError when a live process holds the lock.
 */
function lockDataDir(dataDir: string): () => void {
  const path = `${resolvePath(dataDir)}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      let alive = false;
      try {
        if (Number.isInteger(pid) && pid > 0) alive = process.kill(pid, 0);
      } catch (k) {
        alive = (k as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (alive)
        throw new DatabaseInUseError(
          `the database in ${dataDir} is in use by process ${pid} (a running testudo serve?): stop it first, or ` +
            'work through its API, or use PostgreSQL (--database-url) to share one database between processes',
        );
      unlinkSync(path); // left by a process that died
    }
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

/**
 * Opens an embedded PGlite database in `dataDir` (created when missing) or in memory. `opts.sharedBuffers`: the
 * `shared_buffers` setting for this process (a start parameter; the data directory's configuration is not changed).
 * @throws DatabaseInUseError when another live process has `dataDir` open; Error for a bad `sharedBuffers` text.
 */
export async function openPglite(dataDir?: string, opts: { sharedBuffers?: string } = {}): Promise<Sql> {
  if (opts.sharedBuffers !== undefined && !/^\d{1,6}(kB|MB|GB)$/.test(opts.sharedBuffers))
    throw new Error(`sharedBuffers must be like '16MB', not ${JSON.stringify(opts.sharedBuffers)}`);
  const onDisk = dataDir !== undefined && dataDir !== '' && dataDir !== 'memory://';
  const unlock = onDisk ? lockDataDir(dataDir) : () => {};
  let db: PGlite;
  try {
    // A new database starts from the pristine template instead of running initdb (see ./pglite-template.ts).
    const fresh = !onDisk || !existsSync(join(dataDir, 'PG_VERSION'));
    const loadDataDir = fresh ? await pgliteTemplate() : undefined;
    db = await PGlite.create({
      ...(onDisk ? { dataDir } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
      ...(opts.sharedBuffers
        ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffers}`] }
        : {}),
    });
  } catch (e) {
    unlock();
    throw e;
  }
  type Tx = Parameters<Parameters<PGlite['transaction']>[0]>[0];
  const copy = async (on: Tx | PGlite, statement: string, data: CopyData): Promise<number> => {
    if (!STDIN_RE.test(statement)) throw new Error(`copyFrom needs a COPY ... FROM STDIN statement: ${statement}`);
    const blob = await collectBlob(data);
    const r = await on.query(statement.replace(STDIN_RE, "FROM '/dev/blob'"), [], { blob });
    return r.affectedRows ?? 0;
  };
  const copyOut = async (on: Tx | PGlite, statement: string): Promise<Uint8Array> => {
    if (!STDOUT_RE.test(statement)) throw new Error(`copyTo needs a COPY ... TO STDOUT statement: ${statement}`);
    const r = await on.query(statement.replace(STDOUT_RE, "TO '/dev/blob'"));
    return r.blob ? new Uint8Array(await r.blob.arrayBuffer()) : new Uint8Array(0);
  };
  const wrapTx = (t: Tx): Sql => ({
    kind: 'pglite',
    query: async <T extends Row>(text: string, params?: readonly unknown[]) =>
      (await t.query<T>(text, params as unknown[])).rows,
    exec: async (text: string) => {
      await t.exec(text);
    },
    tx: (fn) => fn(wrapTx(t)),
    copyFrom: (statement, data) => copy(t, statement, data),
    copyTo: (statement) => copyOut(t, statement),
    close: async () => {},
  });
  return {
    kind: 'pglite',
    query: async <T extends Row>(text: string, params?: readonly unknown[]) =>
      (await db.query<T>(text, params as unknown[])).rows,
    exec: async (text: string) => {
      await db.exec(text);
    },
    tx: (fn) => db.transaction((t) => fn(wrapTx(t))),
    copyFrom: (statement, data) => copy(db, statement, data),
    copyTo: (statement) => copyOut(db, statement),
    close: async () => {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Named prepared statements for parameterised SQL: PostgreSQL parses and plans each statement once per connection
 * instead of on every call. Texts are named by first use; very long or too many distinct texts stay unnamed.
 */
const statementNames = new Map<string, string>();
/** Texts sent unnamed on every call: see {@link planEachTime}. */
const plannedEachTime = new Set<string>();

/**
 * Marks `text` to be sent as an unnamed statement on every call, so PostgreSQL plans it with the actual parameters
 * each time instead of switching a named statement to a generic plan after five runs (a generic plan chosen while a
 * table was small goes on scanning the whole table as it grows). For hot statements whose best plan depends on
 * their parameters; planning costs a fraction of a millisecond. Returns `text` unchanged. PGlite ignores it.
 */
export function planEachTime(text: string): string {
  plannedEachTime.add(text);
  return text;
}

function prepared(text: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (!params || params.length === 0 || text.length > 8192 || plannedEachTime.has(text))
    return { text, values: params as unknown[] };
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= 1000) return { text, values: params as unknown[] };
    name = `testudo_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params as unknown[] };
}

/** `COPY ... TO STDOUT` on one pg connection through pg-copy-streams; resolves with the whole output. */
async function copyOutPg(client: pg.PoolClient, statement: string): Promise<Uint8Array> {
  if (!STDOUT_RE.test(statement)) throw new Error(`copyTo needs a COPY ... TO STDOUT statement: ${statement}`);
  const chunks: Buffer[] = [];
  for await (const c of client.query(copyToStream(statement))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** `COPY ... FROM STDIN` on one pg connection through pg-copy-streams; resolves with the rows copied. */
async function copyPg(client: pg.PoolClient, statement: string, data: CopyData): Promise<number> {
  if (!STDIN_RE.test(statement)) throw new Error(`copyFrom needs a COPY ... FROM STDIN statement: ${statement}`);
  const stream = client.query(copyFromStream(statement));
  await pipeline(Readable.from(data, { objectMode: false }), stream);
  return stream.rowCount;
}

/** Opens a pool on a PostgreSQL server. */
export async function openPostgres(url: string, poolSize = 10): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Fail fast with a clear error when the server is not reachable.
  const c = await pool.connect();
  c.release();
  const wrapClient = (client: pg.PoolClient): Sql => ({
    kind: 'postgres',
    query: async <T extends Row>(text: string, params?: readonly unknown[]) =>
      (await client.query<T>(prepared(text, params))).rows,
    exec: async (text: string) => {
      await client.query(text);
    },
    tx: (fn) => fn(wrapClient(client)),
    copyFrom: (statement, data) => copyPg(client, statement, data),
    copyTo: (statement) => copyOutPg(client, statement),
    close: async () => {},
  });
  return {
    kind: 'postgres',
    query: async <T extends Row>(text: string, params?: readonly unknown[]) =>
      (await pool.query<T>(prepared(text, params))).rows,
    exec: async (text: string) => {
      await pool.query(text);
    },
    tx: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const v = await fn(wrapClient(client));
        await client.query('COMMIT');
        return v;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    copyFrom: async (statement, data) => {
      const client = await pool.connect();
      try {
        return await copyPg(client, statement, data);
      } finally {
        client.release();
      }
    },
    copyTo: async (statement) => {
      const client = await pool.connect();
      try {
        return await copyOutPg(client, statement);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Converts a timestamptz/int8 column value to ms since epoch (PGlite and pg return different JS types). */
export function toMs(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  throw new TypeError(`not a time: ${String(v)}`);
}

/** Like {@link toMs} but keeps null. */
export function toMsOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : toMs(v);
}

/** Converts an int8/int4 column value (number in PGlite, string in pg) to a JS number. */
export function toInt(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}
