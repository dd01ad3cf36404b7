/**
 * One small interface over the two databases Testudo runs on: PGlite (embedded PostgreSQL 18, the default) and a
 * PostgreSQL server through `pg` (selected by `DATABASE_URL`). SQL is written once, with `$1` parameters, in the
 * dialect both accept.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

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
  /** Closes the connection or pool. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** A `postgres://` URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite data directory; `memory://` (or absent) for an in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. Default 10. */
  poolSize?: number;
}

/** Opens PGlite (default) or PostgreSQL (when `url` is given). */
export async function openDatabase(opts: OpenOptions = {}): Promise<Sql> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10);
  return openPglite(opts.dataDir);
}

/** Opens an embedded PGlite database in `dataDir` (created when missing) or in memory. */
export async function openPglite(dataDir?: string): Promise<Sql> {
  const db = await PGlite.create(dataDir && dataDir !== 'memory://' ? dataDir : undefined);
  type Tx = Parameters<Parameters<PGlite['transaction']>[0]>[0];
  const wrapTx = (t: Tx): Sql => ({
    kind: 'pglite',
    query: async <T extends Row>(text: string, params?: readonly unknown[]) =>
      (await t.query<T>(text, params as unknown[])).rows,
    exec: async (text: string) => {
      await t.exec(text);
    },
    tx: (fn) => fn(wrapTx(t)),
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
    close: () => db.close(),
  };
}

/**
 * Named prepared statements for parameterised SQL: PostgreSQL parses and plans each statement once per connection
 * instead of on every call. Texts are named by first use; very long or too many distinct texts stay unnamed.
 */
const statementNames = new Map<string, string>();
function prepared(text: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  if (!params || params.length === 0 || text.length > 8192) return { text, values: params as unknown[] };
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= 1000) return { text, values: params as unknown[] };
    name = `testudo_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params as unknown[] };
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
