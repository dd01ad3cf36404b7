/**
 * Benchmark 2: `POST /api/v1/trades` over HTTP with autocannon, on PGlite and on PostgreSQL.
 *
 * The server (this process) runs the real stack; the load generator runs in a forked child (see `loadgen.ts`).
 * Each run: a 1 s warm-up, then the measured window. The server's CPU, event-loop utilisation and the whole
 * machine's CPU are sampled over the measured window only.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { loadCandleFile } from '../src/feed/load.ts';
import { priceToNearestTicks, ticksToPrice, toSpec, DEFAULT_INSTRUMENTS } from '../src/core/instruments/instrument.ts';
import type { Candle } from '../src/core/marketdata/candle.ts';
import type { BenchOptions } from './args.ts';
import { heading, int, num, ratio, table } from './format.ts';
import type { LoadRequest, LoadResult } from './loadgen.ts';
import { WindowProfiler } from './profiler.ts';
import { summarise } from './profile-summary.ts';
import {
  BENCH_PROFILE,
  SYMBOL,
  createUser,
  lastRejection,
  mapLimit,
  pgUnavailable,
  probeMaxOpenPositions,
  refreshOpenPositions,
  scratchSchema,
  startServer,
  type BenchServer,
  type BenchUser,
} from './server.ts';

/** PostgreSQL goal: trades per second and p99 latency. */
export const PG_GOAL = { rps: 1_000, p99Ms: 20 };

const WARMUP_SECONDS = 1;
let probeReported = false;
/** Leave some room under the 1000-position cap so a user never trips `max-open-positions`. */
const ROOM_PER_USER = 950;

/** One measured run. */
export interface HttpRun {
  db: 'pglite' | 'postgres';
  pool: number | null;
  connections: number;
  users: number;
  load: LoadResult;
  rps: number;
  approved: number;
  rejected: number;
  other: number;
  /** Server process CPU over the window, in cores (1 = one core busy). */
  serverCores: number;
  /** Part of `serverCores` spent in the kernel (socket writes/reads: the PostgreSQL and HTTP round trips). */
  serverSysCores: number;
  /** Event-loop utilisation of the server's main thread over the window (0..1). */
  elu: number;
  /** Whole machine busy share over the window (0..1), all cores. */
  systemBusy: number;
  /** CPU of the local postgres processes over the window, in cores; null when not measurable. */
  pgCores: number | null;
  rejection: string | null;
}

/**
 * CPU seconds used so far by the local `postgres` processes (Linux /proc; USER_HZ = 100), or null when there are
 * none visible (remote server, other OS). Backends that exit during a window are not counted.
 */
function postgresCpuSeconds(): number | null {
  let ticks = 0;
  let seen = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15 of the full line)
      seen = true;
    } catch {
      // the process exited meanwhile
    }
  }
  return seen ? ticks / 100 : null;
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

/** Forks the load generator, runs one load, and samples (and maybe profiles) the server over the measured window. */
function runLoad(
  req: LoadRequest,
  profiler: WindowProfiler,
  profileName: string,
): Promise<{
  profile: string | null;
  load: LoadResult;
  serverCores: number;
  serverSysCores: number;
  elu: number;
  systemBusy: number;
  pgCores: number | null;
}> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./loadgen.ts', import.meta.url).pathname, [], {
      // Explicit execArgv: the child must not inherit e.g. --cpu-prof from a profiled server process.
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let elu0: EventLoopUtilization | null = null;
    let cpu0: NodeJS.CpuUsage | null = null;
    let sys0: { busy: number; total: number } | null = null;
    let pg0: number | null = null;
    let t0 = 0;
    let done = false;
    child.on('message', (m: { type: string; message?: string } | LoadResult) => {
      if (m.type === 'measuring') {
        void profiler.start();
        elu0 = performance.eventLoopUtilization();
        cpu0 = process.cpuUsage();
        sys0 = cpuTimes();
        pg0 = postgresCpuSeconds();
        t0 = performance.now();
      } else if (m.type === 'result') {
        done = true;
        const wall = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0 ?? undefined);
        const sys = cpuTimes();
        const pg1 = postgresCpuSeconds();
        const elu = performance.eventLoopUtilization(elu0 ?? undefined).utilization;
        profiler.stop(profileName).then(
          (profile) =>
            resolve({
              profile,
              load: m as LoadResult,
              serverCores: (cpu.user + cpu.system) / 1e6 / wall,
              serverSysCores: cpu.system / 1e6 / wall,
              elu,
              systemBusy: sys0 ? (sys.busy - sys0.busy) / Math.max(1, sys.total - sys0.total) : NaN,
              pgCores: pg0 !== null && pg1 !== null ? (pg1 - pg0) / wall : null,
            }),
          reject,
        );
      } else if (m.type === 'error') {
        done = true;
        reject(new Error(`load generator: ${(m as { message?: string }).message}`));
      }
    });
    child.on('exit', (code) => {
      if (!done) reject(new Error(`load generator exited with ${code} before reporting`));
    });
    child.send(req);
  });
}

/** Keeps enough users with room for `trades` more positions; registers new ones as needed. */
async function ensureCapacity(
  server: BenchServer,
  users: BenchUser[],
  trades: number,
  minUsers: number,
  prefix: string,
): Promise<BenchUser[]> {
  const room = (u: BenchUser) => Math.max(0, ROOM_PER_USER - u.openPositions);
  const usable = users.filter((u) => room(u) > ROOM_PER_USER / 4);
  let capacity = usable.reduce((a, u) => a + room(u), 0);
  const fresh: number[] = [];
  while (capacity < trades || usable.length + fresh.length < minUsers) {
    fresh.push(users.length + fresh.length);
    capacity += ROOM_PER_USER;
  }
  const created = await mapLimit(fresh, 4, (i) => createUser(server.base, `${prefix}-${i}@bench.test`));
  users.push(...created);
  return [...usable, ...created];
}

/** The body of every request: a market long with the stop 1 % below and the target 3 % above the last price. */
function tradeBody(lastPrice: string): string {
  const spec = toSpec(DEFAULT_INSTRUMENTS.find((i) => i.symbol === SYMBOL)!);
  const last = priceToNearestTicks(spec, lastPrice);
  return JSON.stringify({
    symbol: SYMBOL,
    side: 'buy',
    entryType: 'market',
    stopLoss: ticksToPrice(spec, (last * 99n) / 100n),
    takeProfit: ticksToPrice(spec, (last * 103n) / 100n),
    setup: 'bench',
  });
}

async function benchOneServer(
  db: 'pglite' | 'postgres',
  pool: number | null,
  server: BenchServer,
  opts: BenchOptions,
  estimate: { rps: number },
  out: HttpRun[],
  profiles: string[],
): Promise<void> {
  const users: BenchUser[] = [];
  const body = tradeBody(server.lastPrice);
  for (const connections of opts.connections) {
    const need = Math.ceil(estimate.rps * (opts.httpSeconds + WARMUP_SECONDS) * 1.3);
    const t0 = performance.now();
    const active = await ensureCapacity(server, users, need, Math.max(8, connections), `${db}${pool ?? ''}`);
    const setupMs = performance.now() - t0;
    if (!probeReported) {
      probeReported = true;
      const probe = await probeMaxOpenPositions(server.base, users[0]!.token);
      console.log(
        `  PUT /risk-profile {maxOpenPositions: 1000000} → ${probe}` +
          `${probe.startsWith('400') ? ' (the API schema caps it at 1000)' : ''}; every bench user gets ` +
          `${JSON.stringify(BENCH_PROFILE)}\n  and the load is spread over enough users (≤ ${ROOM_PER_USER} positions ` +
          `each; fresh users are registered before a run as needed)`,
      );
    }
    const label = `${db}${pool === null ? '' : ` pool=${pool}`} connections=${connections}`;
    process.stdout.write(
      `  running ${label}: ${active.length} users (${users.length - active.length} retired/full; ` +
        `setup ${num(setupMs / 1000, 1)} s), ${WARMUP_SECONDS} s warm-up + ${opts.httpSeconds} s … `,
    );
    const r = await runLoad(
      {
        type: 'run',
        url: server.base,
        path: '/api/v1/trades',
        body,
        tokens: active.map((u) => u.token),
        connections,
        seconds: opts.httpSeconds,
        warmupSeconds: WARMUP_SECONDS,
      },
      new WindowProfiler(opts.profileDir),
      `http-${db}${pool === null ? '' : `-pool${pool}`}-c${connections}`,
    );
    const sc = r.load.statusCounts;
    const approved = sc['201'] ?? 0;
    const rejected = sc['422'] ?? 0;
    const other = r.load.responses - approved - rejected;
    const rps = r.load.responses / r.load.seconds;
    estimate.rps = Math.max(200, rps);
    await refreshOpenPositions(server.base, active);
    const rejection = rejected > 0 ? await lastRejection(server.base, active) : null;
    console.log(`${int(rps)} req/s, p99 ${num(r.load.latency.p99, 1)} ms`);
    if (r.profile) profiles.push(r.profile);
    out.push({
      db,
      pool,
      connections,
      users: active.length,
      load: r.load,
      rps,
      approved,
      rejected,
      other,
      serverCores: r.serverCores,
      serverSysCores: r.serverSysCores,
      elu: r.elu,
      systemBusy: r.systemBusy,
      pgCores: r.pgCores,
      rejection,
    });
  }
}

function printRuns(runs: HttpRun[]): void {
  console.log(
    table([
      [
        'run',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        '201',
        '422',
        'other non-2xx',
        'errors',
        'server CPU',
        'server ELU',
        'loadgen CPU',
        'postgres CPU',
        'other procs',
        'machine busy',
      ],
      ...runs.map((r) => [
        `${r.db}${r.pool === null ? '' : ` pool=${r.pool}`} c=${r.connections} users=${r.users}`,
        int(r.rps),
        num(r.load.latency.p50, 2),
        num(r.load.latency.p90, 2),
        num(r.load.latency.p99, 2),
        num(r.load.latency.max, 1),
        int(r.approved),
        int(r.rejected),
        int(r.other),
        int(r.load.errors + r.load.timeouts),
        `${num(r.serverCores * 100, 0)} % (sys ${num(r.serverSysCores * 100, 0)} %)`,
        `${num(r.elu * 100, 0)} %`,
        `${num(r.load.cpuCores * 100, 0)} %`,
        r.pgCores === null ? 'n/a' : `${num(r.pgCores * 100, 0)} %`,
        `${num(Math.max(0, r.systemBusy * os.cpus().length - r.serverCores - r.load.cpuCores - (r.pgCores ?? 0)) * 100, 0)} %`,
        `${num(r.systemBusy * 100, 0)} % of ${os.cpus().length}`,
      ]),
    ]),
  );
  for (const r of runs) {
    const codes = Object.entries(r.load.statusCounts)
      .map(([c, n]) => `${c}: ${int(n)}`)
      .join(', ');
    const ac = r.load.autocannon;
    console.log(
      `  ${r.db}${r.pool === null ? '' : ` pool=${r.pool}`} c=${r.connections}: status codes {${codes}}; ` +
        `non-2xx ${int(ac.non2xx)}; approved ${num((r.approved / Math.max(1, r.load.responses)) * 100, 1)} %` +
        `${r.rejection ? ` (last rejection: ${r.rejection})` : ''}; autocannon's own view: ${int(ac.rpsAverage)} req/s avg, ` +
        `p50 ${ac.p50} ms, p99 ${ac.p99} ms (integer ms)`,
    );
  }
}

/**
 * Best run: among the runs meeting the p99 goal (all runs when none does), those within 5 % of the highest
 * throughput, and of those the lowest p99.
 */
function best(runs: HttpRun[], p99Goal = Infinity): HttpRun | undefined {
  const ok = runs.filter((r) => r.load.latency.p99 <= p99Goal);
  const pool = ok.length ? ok : runs;
  const top = Math.max(...pool.map((r) => r.rps));
  return pool.filter((r) => r.rps >= top * 0.95).sort((a, b) => a.load.latency.p99 - b.load.latency.p99)[0];
}

/** Runs benchmark 2 and prints its figures. */
export async function runHttpBench(opts: BenchOptions): Promise<void> {
  console.log(heading('2. POST /api/v1/trades over HTTP (autocannon)'));
  if (!existsSync(opts.dataFile)) {
    console.log(
      `  SKIPPED: candle file ${opts.dataFile} not found (pass --data FILE); the server needs a market price.`,
    );
    return;
  }
  const { candles } = await loadCandleFile(opts.dataFile);
  console.log(
    `  load generator: autocannon in a forked child process (node --import tsx bench/loadgen.ts), not in the server process:\n` +
      `    in process, autocannon's request building, HTTP parsing and histograms would run on the server's event loop and\n` +
      `    inflate its latency; the child gets its own event loop. It still shares this machine's ${os.cpus().length} CPU(s) ` +
      `with the server and the database, so\n    its CPU is reported per run ("loadgen CPU"). Latency percentiles come ` +
      `from per-response hrtime (sub-ms), over all statuses.`,
  );
  console.log(
    `  requests: market long ${SYMBOL}, stop 1 % below / target 3 % above the replay's last price; bearer tokens rotate ` +
      `over the users per request.`,
  );
  const runs: HttpRun[] = [];
  const profiles: string[] = [];

  if (opts.databases.includes('pglite')) {
    const server = await startServer(candles as Candle[], {});
    console.log(
      `  [pglite] in-memory PGlite, last price ${server.lastPrice} (pool size does not apply: one embedded connection)`,
    );
    try {
      await benchOneServer('pglite', null, server, opts, { rps: 1500 }, runs, profiles);
    } finally {
      await server.close();
    }
  }

  if (opts.databases.includes('postgres')) {
    const why = await pgUnavailable(opts.pgUrl);
    if (why) console.log(`  [postgres] SKIPPED: ${opts.pgUrl} not reachable (${why})`);
    else {
      const estimate = { rps: 2500 };
      for (const pool of opts.pools) {
        const schema = await scratchSchema(opts.pgUrl);
        const onSignal = () => void schema.drop().finally(() => process.exit(130));
        process.once('SIGINT', onSignal);
        let server: BenchServer | null = null;
        try {
          server = await startServer(candles as Candle[], { databaseUrl: schema.url, poolSize: pool });
          console.log(
            `  [postgres] ${opts.pgUrl} schema ${schema.schema}, pool size ${pool}, last price ${server.lastPrice}`,
          );
          await benchOneServer('postgres', pool, server, opts, estimate, runs, profiles);
        } finally {
          await server?.close();
          await schema.drop();
          process.off('SIGINT', onSignal);
        }
      }
    }
  }

  if (!runs.length) return;
  if (profiles.length) {
    console.log('\n  server CPU profiles of the measured windows (figures above include the profiler overhead):');
    for (const p of profiles) summarise(p, 15, false);
  }
  console.log('');
  printRuns(runs);
  console.log('');
  console.log(
    '  CPU columns are in cores (100 % = one core busy) over the measured window; "other procs" is machine busy minus\n' +
      '  server, load generator and postgres: anything else running on the machine at the time (it skews the figures).\n' +
      '  "best" = highest throughput (within 5 %) with the lowest p99, preferring runs that meet the p99 goal.',
  );
  const lite = best(runs.filter((r) => r.db === 'pglite'));
  if (lite)
    console.log(
      `  PGlite best: c=${lite.connections}: ${int(lite.rps)} trades/s, p99 ${num(lite.load.latency.p99, 2)} ms ` +
        `(no goal for PGlite; for reference against the PostgreSQL goal: ${ratio(lite.rps, PG_GOAL.rps)})`,
    );
  const pgb = best(
    runs.filter((r) => r.db === 'postgres'),
    PG_GOAL.p99Ms,
  );
  if (pgb) {
    console.log(
      `  PostgreSQL best: pool=${pgb.pool} c=${pgb.connections}: ${int(pgb.rps)} trades/s, p50 ` +
        `${num(pgb.load.latency.p50, 2)} ms, p99 ${num(pgb.load.latency.p99, 2)} ms`,
    );
    console.log(
      `  PostgreSQL goal: ≥ ${int(PG_GOAL.rps)} trades/s with p99 ≤ ${PG_GOAL.p99Ms} ms → throughput ` +
        `${ratio(pgb.rps, PG_GOAL.rps)}, p99 ${ratio(pgb.load.latency.p99, PG_GOAL.p99Ms, false)}`,
    );
  }
}
