/**
 * Command-line options of `npm run bench -- [options]`.
 */
import { parseArgs } from 'node:util';

/** What to run and for how long. */
export interface BenchOptions {
  only: 'all' | 'decisions' | 'http';
  /** Seconds of each timed decisions measurement. */
  decisionSeconds: number;
  /** Seconds of each measured HTTP run (a 1 s warm-up precedes it). */
  httpSeconds: number;
  /** Number of pre-generated setups for the decisions benchmark. */
  setups: number;
  seed: number;
  /** autocannon connection counts to try. */
  connections: number[];
  /** PostgreSQL pool sizes to try. */
  pools: number[];
  /** Which databases the HTTP benchmark runs on. */
  databases: ('pglite' | 'postgres')[];
  pgUrl: string;
  dataFile: string;
  /** Directory for CPU profiles of the measured windows, or null when not profiling. */
  profileDir: string | null;
}

export const USAGE = `usage: npm run bench -- [options]
  --only decisions|http     run one part only (default: both)
  --duration S              seconds of each timed measurement (default: 3 for decisions, 10 per HTTP run)
  --setups N                pre-generated setups for the decisions benchmark (default 200000)
  --seed N                  PRNG seed (default 42)
  --connections 10,50       autocannon connection counts to try (default 10,50)
  --pools 10,25             PostgreSQL pool sizes to try (default 10,25)
  --db pglite,postgres      databases for the HTTP benchmark (default both)
  --pg-url URL              PostgreSQL server (default $TESTUDO_PG_URL or postgres://postgres@127.0.0.1:5432/test)
  --data FILE               candle file for the replay feed (default ../shared/data/coinbase-btcusd-1h.csv)
  --profile                 CPU-profile this process over each measured window and print a summary
  --profile-dir DIR         where profiles go (default bench/.prof)`;

const list = (s: string): number[] =>
  s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);

/** Parses `argv` (without node and script). @throws Error with the usage text on a bad option. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      duration: { type: 'string' },
      setups: { type: 'string' },
      seed: { type: 'string' },
      connections: { type: 'string' },
      pools: { type: 'string' },
      db: { type: 'string' },
      'pg-url': { type: 'string' },
      data: { type: 'string' },
      profile: { type: 'boolean' },
      'profile-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  const only = values.only ?? 'all';
  if (only !== 'all' && only !== 'decisions' && only !== 'http') throw new Error(`--only: ${only}\n${USAGE}`);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new Error(`--duration must be a positive number\n${USAGE}`);
  const databases = (values.db ?? 'pglite,postgres').split(',').map((s) => s.trim());
  for (const d of databases)
    if (d !== 'pglite' && d !== 'postgres') throw new Error(`--db: unknown database ${d}\n${USAGE}`);
  const connections = list(values.connections ?? '10,50');
  const pools = list(values.pools ?? '10,25');
  if (!connections.length || !pools.length) throw new Error(`--connections/--pools need positive integers\n${USAGE}`);
  return {
    only,
    decisionSeconds: duration ?? 3,
    httpSeconds: duration ?? 10,
    setups: Math.max(1000, Number(values.setups ?? 200_000) | 0),
    seed: Number(values.seed ?? 42) | 0,
    connections,
    pools,
    databases: databases as ('pglite' | 'postgres')[],
    pgUrl: values['pg-url'] ?? process.env.TESTUDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    dataFile: values.data ?? new URL('../../shared/data/coinbase-btcusd-1h.csv', import.meta.url).pathname,
    profileDir:
      values.profile || values['profile-dir']
        ? (values['profile-dir'] ?? new URL('./.prof', import.meta.url).pathname)
        : null,
  };
}
