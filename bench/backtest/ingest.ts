/**
 * Candle store ingest benchmark: real candles (by default ../shared/data/coinbase-btcusd-1h.csv, 20,111 hourly bars)
 * repeated back to back with shifted timestamps to about a million rows, ingested with `ingestCandles` (COPY) into a
 * fresh schema on the PostgreSQL server and into an in-memory PGlite. Prints candles/s; never asserts.
 *
 * Standalone: `node --import tsx bench/backtest/ingest.ts [--rows N] [--db postgres,pglite] [--rollup]
 * [--format binary|text] [--file F] [--pg-url URL]`.
 *
 * What is timed: `ingestCandles` on an array of already-parsed candles (validation, encoding, COPY, commit), into an
 * empty (symbol, timeframe), so the direct COPY path. The yearly partitions the data needs are created first and
 * timed apart (`partitionSeconds`): that is one-off schema work, not per-row cost. With `rollup` the higher
 * timeframes (4h, 1d, 1w from 1h data) are rolled up in the same transaction and included in the time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { timeframeOfLength, type Candle } from '../../src/core/marketdata/candle.ts';
import { medianSpacing } from '../../src/core/marketdata/gaps.ts';
import { bucketStart } from '../../src/core/marketdata/resample.ts';
import { ensureCandlePartitions, ingestCandles } from '../../src/db/candles.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite, openPostgres, type Sql } from '../../src/db/sql.ts';
import { loadCandleFile } from '../../src/feed/load.ts';

/** Options of {@link benchIngest}. */
export interface IngestBenchOptions {
  /** Candle file to repeat (default ../shared/data/coinbase-btcusd-1h.csv beside the checkout). */
  file?: string;
  /** About how many candles to ingest (whole copies of the file, at least one). Default 1,000,000. */
  rows?: number;
  /** Databases to measure, in order. Default `['postgres', 'pglite']`. */
  databases?: ('postgres' | 'pglite')[];
  /** PostgreSQL server (default $TESTUDO_PG_URL or postgres://postgres@127.0.0.1:5432/test). */
  pgUrl?: string;
  /** Also roll up the higher timeframes inside the timed ingest (default false: the raw ingest). */
  rollup?: boolean;
  /** COPY format (default binary). */
  copyFormat?: 'binary' | 'text';
  /** Where progress lines go (default console.log); pass `() => {}` for silence. */
  log?: (line: string) => void;
}

/** One measurement of {@link benchIngest}. */
export interface IngestBenchResult {
  /** Candles ingested. */
  candles: number;
  /** Wall-clock seconds of the ingest (partition creation excluded, see `partitionSeconds`). */
  seconds: number;
  candlesPerSecond: number;
  /** `postgres` or `pglite`. */
  driver: string;
  /** Seconds spent creating the yearly partitions beforehand. */
  partitionSeconds: number;
  /** Whether the rollup of higher timeframes was included. */
  rollup: boolean;
  /** CPU seconds of this Node process during the ingest (validation, encoding; PGlite's whole engine). */
  clientCpuSeconds: number;
  /**
   * CPU seconds of the PostgreSQL backend during the ingest, read from /proc when the server runs on this machine;
   * null for PGlite or a remote server. With other work on the machine, `candles / max(client, server CPU)` is the
   * throughput the ingest reaches when it has both cores to itself (client and server run in parallel).
   */
  serverCpuSeconds: number | null;
  copyFormat: 'binary' | 'text';
}

const DEFAULT_FILE = fileURLToPath(new URL('../../../shared/data/coinbase-btcusd-1h.csv', import.meta.url));
const DEFAULT_PG_URL = process.env.TESTUDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `candles` repeated `times` times back to back, each copy shifted by the series' span plus one bar. */
export function repeatCandles(candles: readonly Candle[], times: number): Candle[] {
  if (candles.length === 0) return [];
  const step = candles.length > 1 ? candles[1]!.time - candles[0]!.time : 3_600_000;
  const span = candles[candles.length - 1]!.time - candles[0]!.time + step;
  const out: Candle[] = new Array(candles.length * times);
  let k = 0;
  for (let r = 0; r < times; r++) for (const c of candles) out[k++] = { ...c, time: c.time + r * span };
  return out;
}

async function openFresh(
  driver: 'postgres' | 'pglite',
  pgUrl: string,
): Promise<{ sql: Sql; drop: () => Promise<void> }> {
  if (driver === 'pglite') {
    const sql = await openPglite();
    return { sql, drop: () => sql.close() };
  }
  const schema = `bench_ingest_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  // one connection, so the backend whose CPU is measured is the one doing the ingest
  const sql = await openPostgres(url.toString(), 1);
  return {
    sql,
    drop: async () => {
      await sql.close();
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** CPU seconds (user + system) of a local process from /proc, or null when unreadable. */
function procCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Measures candle ingest throughput on each database of `opts.databases`.
 * @returns one result per database, in the order measured.
 * @throws when the file cannot be read or a database cannot be opened.
 */
export async function benchIngest(opts: IngestBenchOptions = {}): Promise<IngestBenchResult[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const file = opts.file ?? DEFAULT_FILE;
  const rows = opts.rows ?? 1_000_000;
  const rollup = opts.rollup ?? false;
  const copyFormat = opts.copyFormat ?? 'binary';
  const { candles: base } = await loadCandleFile(file);
  const times = Math.max(1, Math.round(rows / base.length));
  const candles = repeatCandles(base, times);
  // the file's timeframe from its median bar spacing (1h when it matches none)
  const timeframe = timeframeOfLength(medianSpacing(base.slice(0, 2001).map((c) => c.time))) ?? '1h';
  const first = candles[0]!.time;
  const last = candles[candles.length - 1]!.time;
  log(
    `\ncandle ingest: ${candles.length.toLocaleString('en')} ${timeframe} candles (${file.split('/').pop()} × ${times}), ` +
      `COPY ${copyFormat}${rollup ? ', with rollups' : ''}`,
  );
  const results: IngestBenchResult[] = [];
  for (const driver of opts.databases ?? ['postgres', 'pglite']) {
    const { sql, drop } = await openFresh(driver, opts.pgUrl ?? DEFAULT_PG_URL);
    try {
      await migrate(sql);
      let t = performance.now();
      await ensureCandlePartitions(sql, bucketStart(first, '1w'), last);
      const partitionSeconds = (performance.now() - t) / 1000;
      let backend: number | null = null;
      if (driver === 'postgres') {
        const [row] = await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        backend = row?.pid ?? null;
      }
      const server0 = backend === null ? null : procCpuSeconds(backend);
      const client0 = process.cpuUsage();
      t = performance.now();
      const r = await ingestCandles(sql, 'BENCH-USD', timeframe, candles, { rollup, copyFormat });
      const seconds = (performance.now() - t) / 1000;
      const client = process.cpuUsage(client0);
      const server1 = backend === null ? null : procCpuSeconds(backend);
      if (r.inserted !== candles.length) throw new Error(`inserted ${r.inserted} of ${candles.length}`);
      const res: IngestBenchResult = {
        candles: candles.length,
        seconds,
        candlesPerSecond: candles.length / seconds,
        driver,
        partitionSeconds,
        rollup,
        copyFormat,
        clientCpuSeconds: (client.user + client.system) / 1e6,
        serverCpuSeconds: server0 === null || server1 === null ? null : server1 - server0,
      };
      results.push(res);
      log(
        `  ${driver.padEnd(8)} ${Math.round(res.candlesPerSecond).toLocaleString('en').padStart(9)} candles/s ` +
          `(${seconds.toFixed(2)} s; partitions ${partitionSeconds.toFixed(2)} s beforehand; CPU: node ` +
          `${res.clientCpuSeconds.toFixed(2)} s` +
          (res.serverCpuSeconds === null
            ? ')'
            : `, server ${res.serverCpuSeconds.toFixed(2)} s → ` +
              `${Math.round(candles.length / Math.max(res.clientCpuSeconds, res.serverCpuSeconds)).toLocaleString('en')} ` +
              `candles/s with two idle cores)`),
      );
    } finally {
      await drop();
    }
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      db: { type: 'string' },
      rollup: { type: 'boolean' },
      format: { type: 'string' },
      file: { type: 'string' },
      'pg-url': { type: 'string' },
    },
  });
  await benchIngest({
    rows: values.rows ? Number(values.rows) : undefined,
    databases: values.db ? (values.db.split(',') as ('postgres' | 'pglite')[]) : undefined,
    rollup: values.rollup,
    copyFormat: values.format === 'text' ? 'text' : 'binary',
    file: values.file,
    pgUrl: values['pg-url'],
  });
}
