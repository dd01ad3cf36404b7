/**
 * The server under test, run the way `npm start` runs it (`node bin/testudo.mjs serve`) in a child process, on a fresh
 * database: a scratch PostgreSQL database (created and dropped here) or a PGlite data directory in a temporary
 * directory. Also the HTTP set-up the benchmark needs: users with API tokens, a spot market, cash and assets.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Rate limits off for the benchmark: the exchange's per-user limits (`TESTUDO_RATE_LIMIT_FACTOR`, src/cli/serve.ts)
 * and the gateway's Binance limits (src/server/binance/limits.ts; the benchmark is one IP).
 */
export const BENCH_ENV: Record<string, string> = {
  TESTUDO_RATE_LIMIT_FACTOR: 'off',
  TESTUDO_BINANCE_WEIGHT_LIMIT: '0',
  TESTUDO_BINANCE_ORDER_LIMIT_10S: '0',
  TESTUDO_BINANCE_ORDER_LIMIT_1D: '0',
};

/** A fresh database: the flags that select it for `testudo serve`, and how to remove it. */
export interface FreshDatabase {
  kind: 'postgres' | 'pglite';
  /** The PostgreSQL URL of the scratch database (null for PGlite). */
  url: string | null;
  flags: string[];
  /** What it is, for the report. */
  label: string;
  drop(): Promise<void>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Creates a scratch database `bench_ex_<hex>` on the PostgreSQL server of `pgUrl` (PostgreSQL) or a temporary PGlite
 * data directory. @throws when the PostgreSQL server does not answer.
 */
export async function freshDatabase(kind: 'postgres' | 'pglite', pgUrl: string): Promise<FreshDatabase> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-bench-ex-'));
    return {
      kind,
      url: null,
      flags: ['--data-dir', dir],
      label: `PGlite in ${dir}`,
      // The server keeps its secret-box key file beside the data directory (src/app/secrets.ts).
      drop: async () => {
        await rm(dir, { recursive: true, force: true });
        await rm(`${dir}.secret-key`, { force: true });
      },
    };
  }
  const name = `bench_ex_${randomBytes(4).toString('hex')}`;
  await adminQuery(pgUrl, `CREATE DATABASE ${name}`);
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    kind,
    url: u.toString(),
    flags: ['--database-url', u.toString()],
    label: `PostgreSQL database ${name} at ${u.host}`,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await adminQuery(pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Latency of a durable commit on the PostgreSQL database at `url` (`n` transactions each inserting one row into a
 * temporary table, one after another): the floor of any acknowledge-after-commit latency. Milliseconds, sorted.
 */
export async function commitLatencies(url: string, n = 50): Promise<number[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    // A temporary table's rows are not WAL-logged: use a real one, dropped afterwards.
    await c.query('CREATE TABLE bench_commit_probe (a int)');
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await c.query('BEGIN');
      await c.query('INSERT INTO bench_commit_probe VALUES ($1)', [i]);
      await c.query('COMMIT');
      out.push(performance.now() - t);
    }
    await c.query('DROP TABLE bench_commit_probe');
    return out.sort((a, b) => a - b);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Counters of a PostgreSQL database (`pg_stat_database`). */
export interface DbCounters {
  commits: number;
  rollbacks: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * The counters of the database at `url`, read after 1.1 s: backends publish their statistics at most once a second
 * (PostgreSQL 15), so a reading taken right after a run would miss its last second.
 */
export async function dbCounters(url: string): Promise<DbCounters> {
  await new Promise((r) => setTimeout(r, 1100));
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    const r = rows[0] as Record<string, string>;
    return {
      commits: Number(r.xact_commit),
      rollbacks: Number(r.xact_rollback),
      inserted: Number(r.tup_inserted),
      updated: Number(r.tup_updated),
      deleted: Number(r.tup_deleted),
    };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * A checkout of the git revision `rev` to run the server from: `git archive` of it unpacked into
 * `<tmpdir>/testudo-bench-<sha>` (reused when present), with this checkout's node_modules and built Desk linked in
 * (so `serve` neither lacks packages nor rebuilds the Desk). Returns its path.
 * @throws when `rev` is not a revision of this repository.
 */
export async function checkoutOf(rev: string): Promise<string> {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const sha = git('rev-parse', '--short=12', `${rev}^{commit}`);
  const dir = join(tmpdir(), `testudo-bench-${sha}`);
  if (existsSync(join(dir, 'bin/testudo.mjs'))) return dir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'dist'), { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', sha], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  if (existsSync(join(ROOT, 'dist/desk'))) await symlink(join(ROOT, 'dist/desk'), join(dir, 'dist/desk'));
  return dir;
}

/** A running server child. */
export interface ServerChild {
  child: ChildProcess;
  /** The PostgreSQL database it runs on (null: PGlite). */
  dbUrl: string | null;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The first-run admin's API token (written to its first-login file by `testudo serve` on an empty database). */
  adminToken: string;
  /** Stops the server with SIGINT (it closes and exits; a CPU profile is written then) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts `node [--cpu-prof] bin/testudo.mjs serve --port 0 --no-feed <db flags>` and waits for its "listening" line
 * and first-run token. @throws when it exits or does not listen within 120 s.
 */
export async function startServerChild(
  db: FreshDatabase,
  opts: {
    profileDir: string | null;
    verbose: boolean;
    /** Checkout to run (default: this one). */
    root?: string | null;
    extraArgs?: string[];
    env?: Record<string, string>;
  },
): Promise<ServerChild> {
  const root = opts.root ?? ROOT;
  const nodeArgs = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(root, 'bin/testudo.mjs'),
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--no-feed',
      ...db.flags,
      ...(opts.extraArgs ?? []),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn', ...BENCH_ENV, ...opts.env },
    },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d: Buffer) => {
    if (opts.verbose) process.stderr.write(`[server] ${d.toString()}`);
  });
  const ready = new Promise<{ base: string; token: string }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (opts.verbose) process.stdout.write(`[server] ${d.toString()}`);
      const listen = /listening on (http:\/\/[^/\s]+)\//.exec(out);
      // the first start writes the admin's token to an owner-only file and prints only its path (revisions before
      // that printed the token)
      const printed = /API token: (\S+)/.exec(out);
      if (listen && printed) resolve({ base: listen[1]!, token: printed[1]! });
      const file = /are in (.+) \(readable only by you\)/.exec(out);
      if (listen && file)
        readFile(file[1]!, 'utf8').then((login) => {
          const token = /API token: (\S+)/.exec(login);
          if (token) resolve({ base: listen[1]!, token: token[1]! });
          else reject(new Error(`no API token in ${file[1]}`));
        }, reject);
    });
    void exited.then((code) => reject(new Error(`the server exited (code ${code}) before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`the server did not listen within 120 s:\n${out}`)), 120_000).unref();
  });
  let r: { base: string; token: string };
  try {
    r = await ready;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    child,
    dbUrl: db.url,
    base: r.base,
    adminToken: r.token,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The answer of {@link api}. */
export interface ApiReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  headers: Headers;
}

/** One JSON request to the server. */
export async function api(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; cookie?: string; body?: unknown } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const r = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : {}, headers: r.headers };
}

/** Like {@link api} but throws unless the status is `expect`. */
export async function apiOk(
  base: string,
  method: string,
  path: string,
  expect: number,
  opts: { token?: string; cookie?: string; body?: unknown } = {},
): Promise<ApiReply> {
  const r = await api(base, method, path, opts);
  if (r.status !== expect) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json).slice(0, 500)}`);
  return r;
}

/** A trading user of the benchmark. */
export interface BenchTrader {
  id: number;
  email: string;
  token: string;
  /** Personal exchange account. */
  accountId: number;
}

/** The spot market the benchmark trades: tick 0.01, lot 1, mid 100. */
export interface BenchMarket {
  id: number;
  symbol: string | null;
}

/** Creates the spot market `name` (as the admin). */
export async function createMarket(base: string, adminToken: string, name: string): Promise<BenchMarket> {
  const r = await apiOk(base, 'POST', '/api/v1/exchange/markets', 201, {
    token: adminToken,
    body: { name, kind: 'spot', tickSize: '0.01', lotSize: '1' },
  });
  return { id: Number(r.json.id), symbol: typeof r.json.symbol === 'string' ? r.json.symbol : null };
}

/**
 * Registers `n` users, gives each an API token, optionally makes them admins (ten times the per-user rate limits, for
 * servers older than `TESTUDO_RATE_LIMIT_FACTOR`), mints `cash` into their personal accounts and deposits `units` of
 * the market's base asset.
 */
export async function createTraders(
  base: string,
  adminToken: string,
  market: BenchMarket,
  n: number,
  opts: { cash: string; units: string; admins: boolean },
): Promise<BenchTrader[]> {
  const tag = randomBytes(3).toString('hex');
  const one = async (i: number): Promise<BenchTrader> => {
    const email = `bench-${tag}-${i}@bench.local`;
    const reg = await apiOk(base, 'POST', '/api/v1/auth/register', 201, {
      body: { email, password: 'bench-password-1' },
    });
    const cookie = reg.headers.get('set-cookie')?.split(';')[0];
    const id = Number(reg.json.user.id);
    const tok = await apiOk(base, 'POST', '/api/v1/auth/tokens', 201, { cookie, body: { name: 'bench' } });
    const token = String(tok.json.token);
    if (opts.admins)
      await apiOk(base, 'POST', `/api/v1/admin/users/${id}/admin`, 200, { token: adminToken, body: { admin: true } });
    const acc = await apiOk(base, 'GET', '/api/v1/exchange/accounts', 200, { token });
    const personal = (acc.json.accounts as { id: number; kind: string }[]).find((a) => a.kind !== 'alt');
    const accountId = Number((personal ?? acc.json.accounts[0]).id);
    await apiOk(base, 'POST', '/api/v1/exchange/transfers', 201, {
      token: adminToken,
      body: { fromAccountId: null, toAccountId: accountId, amount: opts.cash, note: 'bench' },
    });
    await apiOk(base, 'POST', `/api/v1/exchange/markets/${market.id}/deposits`, 201, {
      token: adminToken,
      body: { accountId, size: opts.units },
    });
    return { id, email, token, accountId };
  };
  const out: BenchTrader[] = [];
  // A few at a time: registration hashes a password (argon2) on the server.
  for (let i = 0; i < n; i += 8)
    out.push(...(await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => one(i + k)))));
  return out;
}
