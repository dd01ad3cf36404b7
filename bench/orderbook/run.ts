/**
 * `npm run bench:orderbook [-- options]`: our matching engine (src/core/orderbook) against the npm package
 * nodejs-order-book on the same pre-generated operation stream.
 *
 * For each profile, the stream (and a separate warm-up stream) is generated before any timing, by simulating it
 * on our engine (see stream.ts). Then each engine runs `--runs` times, each time in a fresh forked process
 * (worker.ts: timer overhead → warm-up → throughput-only run → per-op timed run, fresh instances), alternating
 * which engine goes first. The tables report the median over the runs.
 *
 * Options:
 *   --ops N            operations per stream (default 1,000,000)
 *   --profile P        default | deep | all (default all)
 *   --runs R           processes per engine and profile (default 3)
 *   --warmup N         operations of the warm-up stream (default 200,000)
 *   --seed S           PRNG seed (default 42; the warm-up stream uses another seed)
 *   --engines LIST     testudo,nodejs-order-book (default); testudo-reused-out is opt-in (our engine given one
 *                      reusable `out` array reset with `out.length = 0` instead of a new array per call)
 *   --full-baseline    run nodejs-order-book on the deep profile like everything else. By default it runs there
 *                      once, timed loop only (its ops/s then come from that loop: ~100 µs/op against a 0.05 µs
 *                      timer pair), because one 1M-op loop of it takes ~100 s.
 *   --cpu-prof         write a V8 CPU profile of every worker to bench/orderbook/.prof (summarise with
 *                      `npm run bench:profile-summary -- bench/orderbook/.prof/FILE`)
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ENGINES, ENGINES, type EngineName } from './engines.ts';
import { int, median, table, us } from './stats.ts';
import { generate, GOAL_P99_US, PROFILES, type BookDigest, type Profile, type StreamStats } from './stream.ts';
import type { Job, WorkerResult } from './worker.ts';

const USAGE =
  'usage: npm run bench:orderbook -- [--ops N] [--profile default|deep|all] [--runs R] [--warmup N] [--seed S] ' +
  '[--engines testudo,nodejs-order-book,testudo-reused-out] [--full-baseline] [--cpu-prof]';

interface Options {
  ops: number;
  profiles: Profile[];
  runs: number;
  warmup: number;
  seed: number;
  engines: EngineName[];
  fullBaseline: boolean;
  cpuProf: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      ops: { type: 'string', default: '1000000' },
      profile: { type: 'string', default: 'all' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '200000' },
      seed: { type: 'string', default: '42' },
      engines: { type: 'string', default: DEFAULT_ENGINES.join(',') },
      'full-baseline': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const posInt = (name: string, v: string): number => {
    const x = Number(v.replace(/_/g, ''));
    if (!Number.isSafeInteger(x) || x <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return x;
  };
  const profiles =
    values.profile === 'all'
      ? [PROFILES.default, PROFILES.deep]
      : values.profile === 'default' || values.profile === 'deep'
        ? [PROFILES[values.profile]]
        : null;
  if (!profiles) throw new Error(`--profile must be default, deep or all, got ${values.profile}`);
  const engines = values.engines.split(',').map((e) => e.trim());
  for (const e of engines)
    if (!(ENGINES as readonly string[]).includes(e))
      throw new Error(`unknown engine ${e}; known: ${ENGINES.join(', ')}`);
  return {
    ops: posInt('ops', values.ops),
    profiles,
    runs: posInt('runs', values.runs),
    warmup: posInt('warmup', values.warmup),
    seed: posInt('seed', values.seed),
    engines: engines as EngineName[],
    fullBaseline: values['full-baseline'],
    cpuProf: values['cpu-prof'],
  };
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const PROF_DIR = fileURLToPath(new URL('./.prof', import.meta.url));

function runWorker(job: Job, cpuProfName: string | null): Promise<WorkerResult> {
  const execArgv = ['--import', 'tsx', '--expose-gc'];
  if (cpuProfName)
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${PROF_DIR}`,
      `--cpu-prof-name=${cpuProfName}`,
      '--cpu-prof-interval=50',
    );
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: WorkerResult | null = null;
    child.once('message', (m) => (result = m as WorkerResult));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`worker for ${job.engine} exited (code ${code}, signal ${signal}) without a result`));
    });
    child.send(job);
  });
}

const sameBook = (a: BookDigest, b: BookDigest): boolean => JSON.stringify(a) === JSON.stringify(b);

function describeStream(p: Profile, st: StreamStats, genMs: number): string {
  const pct = (x: number): string => `${((100 * x) / st.ops).toFixed(1)}%`;
  return [
    `stream: ${int(st.ops)} ops = ${int(st.limits)} limit orders (${int(st.crossing)} crossing, ` +
      `${pct(st.crossing)} of ops / ${((100 * st.crossing) / st.limits).toFixed(1)}% of limits) + ` +
      `${int(st.cancels)} cancels (${pct(st.cancels)}${st.cancelFallbacks ? `, ${st.cancelFallbacks} fell back to limits` : ''})`,
    `        resting orders ${p.restMean}-tick mean behind the mid (max ${p.maxDepth}); mid range ${st.midMin}–${st.midMax}; ` +
      `generated (reference run on testudo) in ${(genMs / 1000).toFixed(2)} s`,
    `        ${int(st.trades)} trades, ${int(st.tradedVolume)} lots traded; max resting orders ${int(st.maxResting)}; ` +
      `max queue ${int(st.maxQueue)} orders at one level; max levels ${st.maxLevels} (bids ${st.maxBidLevels}, asks ${st.maxAskLevels}); ` +
      `final book ${st.final.bidLevels}+${st.final.askLevels} levels, ${st.final.bestBid}/${st.final.bestAsk}`,
  ].join('\n');
}

async function runProfile(p: Profile, o: Options): Promise<void> {
  console.log(`\n=== profile ${p.name} ===`);
  const t0 = performance.now();
  const { stream: main, stats } = generate(p, o.ops, o.seed);
  const genMs = performance.now() - t0;
  const { stream: warm } = generate(p, Math.min(o.warmup, o.ops), o.seed + 7919);
  console.log(describeStream(p, stats, genMs));

  const results = new Map<EngineName, WorkerResult[]>(o.engines.map((e) => [e, []]));
  /** The slow baseline on the deep profile: one run, timed loop only (see --full-baseline). */
  const reduced = (e: EngineName): boolean => e === 'nodejs-order-book' && p.name === 'deep' && !o.fullBaseline;
  const runsOf = (e: EngineName): number => (reduced(e) ? 1 : o.runs);
  /** Whole-run throughput: the throughput-only loop, or the timed loop when that was skipped. */
  const tput = (r: WorkerResult): number => (o.ops * 1e9) / (r.plain ?? r.timed).ns;
  for (let r = 0; r < o.runs; r++) {
    const order = r % 2 === 0 ? o.engines : [...o.engines].reverse();
    for (const engine of order) {
      if (r >= runsOf(engine)) continue;
      const res = await runWorker(
        { engine, warm, main, timedOnly: reduced(engine) },
        o.cpuProf ? `${p.name}-${engine}-run${r + 1}.cpuprofile` : null,
      );
      results.get(engine)!.push(res);
      const loops = res.plain ? [res.plain, res.timed] : [res.timed];
      const ok = loops.every(
        (l) =>
          l.misses + l.divergences + l.errors === 0 &&
          l.filled === stats.tradedVolume &&
          sameBook(l.final, stats.final),
      );
      console.log(
        `  run ${r + 1}/${runsOf(engine)} ${engine.padEnd(17)} ` +
          (res.plain
            ? `${int(tput(res)).padStart(11)} ops/s untimed, `
            : `${'(skipped)'.padStart(11)} untimed loop,  `) +
          `${int((o.ops * 1e9) / res.timed.ns).padStart(11)} ops/s timed, p50/p99/p99.9 ${us(res.lat.p50)}/${us(res.lat.p99)}/${us(res.lat.p999)} µs` +
          `; warm-up ${(res.warmMs / 1000).toFixed(1)} s; ${ok ? 'agrees with reference' : 'DIVERGES from reference'}`,
      );
    }
  }

  const opsPerSec = (e: EngineName): number => median(results.get(e)!.map(tput));
  const nobOps = results.has('nodejs-order-book') ? opsPerSec('nodejs-order-book') : NaN;
  const rows: string[][] = [];
  for (const e of o.engines) {
    const rs = results.get(e)!;
    const m = (f: (r: WorkerResult) => number): number => median(rs.map(f));
    const ops = opsPerSec(e);
    const loops = rs.flatMap((r) => (r.plain ? [r.plain, r.timed] : [r.timed]));
    const books = loops.every((l) => sameBook(l.final, stats.final) && l.filled === stats.tradedVolume);
    rows.push([
      e,
      int(ops) + (rs.every((r) => r.plain) ? '' : '*'),
      int(m((r) => (o.ops * 1e9) / r.timed.ns)),
      us(m((r) => r.lat.p50)),
      us(m((r) => r.lat.p99)),
      us(m((r) => r.lat.p999)),
      us(m((r) => r.lat.max)),
      us(m((r) => r.lat.mean)),
      Number.isNaN(nobOps) ? '–' : `${(ops / nobOps).toFixed(1)}×`,
      int(Math.max(...loops.map((l) => l.misses))),
      int(Math.max(...loops.map((l) => l.divergences + l.errors))),
      books ? 'same' : 'DIFFERENT',
      String(rs.length),
    ]);
  }
  console.log(
    `\nprofile ${p.name} — ${int(o.ops)} ops; median over runs (fresh process each); latency = hrtime.bigint() pair ` +
      `around each op, timer overhead included; load average now ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}\n`,
  );
  console.log(
    table(
      [
        'engine',
        'ops/s',
        'ops/s (timed loop)',
        'p50 µs',
        'p99 µs',
        'p99.9 µs',
        'max µs',
        'mean µs',
        'vs nob',
        'cancel misses',
        'divergent ops',
        'final book + volume',
        'runs',
      ],
      rows,
    ),
  );
  if (o.engines.some(reduced))
    console.log('* ops/s of the timed loop (throughput-only loop skipped for this slow baseline; see --full-baseline)');
  const timers = [...results.values()].flat().map((r) => r.timer);
  if (timers.length)
    console.log(
      `\ntimer overhead (empty hrtime.bigint() pair, median over workers): p50 ${us(median(timers.map((t) => t.p50)))} µs, ` +
        `p99 ${us(median(timers.map((t) => t.p99)))} µs, p99.9 ${us(median(timers.map((t) => t.p999)))} µs, mean ${us(median(timers.map((t) => t.mean)))} µs`,
    );
  if (results.has('testudo')) {
    const ours = results.get('testudo')!;
    const p99 = median(ours.map((r) => r.lat.p99)) / 1000;
    const ratio = opsPerSec('testudo') / nobOps;
    const verdict = (ok: boolean): string => (ok ? 'MET' : 'NOT MET');
    console.log(
      `goal (${p.name}): throughput ≥ ${p.goalRatio}× nodejs-order-book: ` +
        (Number.isNaN(ratio) ? 'not measured' : `${ratio.toFixed(1)}× — ${verdict(ratio >= p.goalRatio)}`) +
        `; testudo p99 < ${GOAL_P99_US} µs: ${p99.toFixed(3)} µs — ${verdict(p99 < GOAL_P99_US)}`,
    );
  }
}

let opts: Options;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  process.exit(2);
}

const cpu = os.cpus();
const t0 = performance.now();
console.log(
  `order-book bench — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${os.platform()} ${os.arch()}, ` +
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
);
console.log(
  `ops ${int(opts.ops)}, profiles ${opts.profiles.map((p) => p.name).join(',')}, runs ${opts.runs} (fresh process each), ` +
    `warm-up ${int(Math.min(opts.warmup, opts.ops))} ops (separate stream), seed ${opts.seed}, engines ${opts.engines.join(',')}` +
    (opts.cpuProf ? `, CPU profiles → ${PROF_DIR}` : ''),
);
for (const p of opts.profiles) await runProfile(p, opts);
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
