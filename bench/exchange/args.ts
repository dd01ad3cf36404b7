/**
 * Command-line options of `npm run bench:exchange -- [options]`.
 */
import { parseArgs } from 'node:util';

/** A part of the benchmark. */
export type Part = 'ws' | 'rest' | 'md';

/** What to run, where and for how long. */
export interface ExchangeBenchOptions {
  /** Databases, in order. */
  databases: ('postgres' | 'pglite')[];
  parts: Part[];
  /** Seconds of each measured window (after a warm-up). */
  seconds: number;
  /** Seconds of warm-up before each measured window. */
  warmup: number;
  /** Order-sending clients (WebSocket and REST). */
  clients: number;
  /**
   * Requests each WebSocket client keeps in flight (the server answers one socket's requests in order): one
   * WebSocket run per value. The market-data driver uses the largest.
   */
  windows: number[];
  /** Market-data subscriber sockets. */
  subscribers: number;
  /** Order clients that trade while the market-data subscribers count messages. */
  mdDrivers: number;
  /** Child processes the clients are spread over. */
  procs: number;
  seed: number;
  /** PostgreSQL server for the scratch databases. */
  pgUrl: string;
  /** Directory for the server's CPU profiles, or null. */
  profileDir: string | null;
  /** Keep the scratch database / data directory for inspection instead of removing it. */
  keepDb: boolean;
  /** Make the traders admins (ten times the rate limits; for servers without `TESTUDO_RATE_LIMIT_FACTOR`). */
  admins: boolean;
  /** Keep the server's stderr/stdout lines in the output. */
  verbose: boolean;
  /** Checkout whose `bin/testudo.mjs` is started (default: this one). */
  serverRoot: string | null;
  /** A git revision to export and run instead of the working tree (see `checkoutOf` in server.ts). */
  commit: string | null;
}

export const USAGE = `usage: npm run bench:exchange -- [options]
  --db postgres|pglite|both   databases (default both: PostgreSQL, then PGlite)
  --only ws,rest,md           parts to run (default all: native WebSocket orders, CCXT REST orders, market data)
  --duration S                seconds of each measured window (default 5)
  --warmup S                  seconds of warm-up before each window (default 1)
  --clients N                 order clients (default 50)
  --window 1,8                requests in flight per WebSocket client, one WebSocket run per value (default 1,8)
  --subscribers N             market-data sockets (default 500)
  --md-drivers N              order clients trading during the market-data run (default 10)
  --procs N                   child processes the clients run in (default 2)
  --seed N                    PRNG seed (default 1)
  --pg-url URL                PostgreSQL server (default $TESTUDO_PG_URL or postgres://postgres@127.0.0.1:5432/test)
  --profile [DIR]             run the server under node --cpu-prof (profiles in DIR, default bench/.prof/exchange)
                              and print a summary of each
  --server-root DIR           start the server of another checkout (e.g. \`git archive HEAD\` unpacked next to a
                              node_modules link) instead of this working tree
  --commit REV                run the server of a committed revision (exported with git archive into a temporary
                              directory; node_modules and dist/desk linked), not the shared working tree
  --keep-db                   keep the scratch database (PostgreSQL) or data directory (PGlite) for inspection
  --admins                    make the traders admins (10× rate limits), for servers without TESTUDO_RATE_LIMIT_FACTOR
  --verbose                   show the server's output`;

const positive = (name: string, v: string | undefined, dflt: number, min = 1): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} ${v}: must be a number ≥ ${min}\n${USAGE}`);
  return n;
};

/** Parses `argv` (without node and script). @throws Error with the usage text on a bad option or `--help`. */
export function parseExchangeBenchArgs(argv: string[]): ExchangeBenchOptions {
  // `--profile` takes an optional directory: accept `--profile` alone by rewriting it before parseArgs.
  const args = [...argv];
  let profileDir: string | null = null;
  const pi = args.findIndex((a) => a === '--profile' || a.startsWith('--profile='));
  if (pi >= 0) {
    const a = args[pi]!;
    if (a.includes('=')) profileDir = a.slice(a.indexOf('=') + 1);
    else if (args[pi + 1] !== undefined && !args[pi + 1]!.startsWith('--')) profileDir = args.splice(pi + 1, 1)[0]!;
    else profileDir = new URL('../.prof/exchange', import.meta.url).pathname;
    args.splice(pi, 1);
  }
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      only: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      clients: { type: 'string' },
      window: { type: 'string' },
      subscribers: { type: 'string' },
      'md-drivers': { type: 'string' },
      procs: { type: 'string' },
      seed: { type: 'string' },
      'pg-url': { type: 'string' },
      verbose: { type: 'boolean' },
      admins: { type: 'boolean' },
      'keep-db': { type: 'boolean' },
      'server-root': { type: 'string' },
      commit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  if (values.commit !== undefined && values['server-root'] !== undefined)
    throw new Error(`--commit and --server-root exclude each other\n${USAGE}`);
  const db = values.db ?? 'both';
  if (db !== 'postgres' && db !== 'pglite' && db !== 'both') throw new Error(`--db ${db}\n${USAGE}`);
  const parts = (values.only ?? 'ws,rest,md').split(',').map((s) => s.trim());
  for (const p of parts) if (p !== 'ws' && p !== 'rest' && p !== 'md') throw new Error(`--only: ${p}\n${USAGE}`);
  return {
    databases: db === 'both' ? ['postgres', 'pglite'] : [db],
    parts: parts as Part[],
    seconds: positive('duration', values.duration, 5, 0.5),
    warmup: positive('warmup', values.warmup, 1, 0),
    clients: Math.floor(positive('clients', values.clients, 50)),
    windows: (values.window ?? '1,8').split(',').map((w) => Math.floor(positive('window', w.trim(), 1))),
    subscribers: Math.floor(positive('subscribers', values.subscribers, 500)),
    mdDrivers: Math.floor(positive('md-drivers', values['md-drivers'], 10)),
    procs: Math.floor(positive('procs', values.procs, 2)),
    seed: Math.floor(positive('seed', values.seed, 1, 0)),
    pgUrl: values['pg-url'] ?? process.env.TESTUDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    profileDir,
    verbose: values.verbose === true,
    admins: values.admins === true,
    keepDb: values['keep-db'] === true,
    serverRoot: values['server-root'] ?? null,
    commit: values.commit ?? null,
  };
}
