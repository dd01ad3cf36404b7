/**
 * `npm run bench [-- --only decisions|http] [--duration S] …`: prints throughput and latency figures, never asserts.
 *
 *   1. decide() (sizing + every rule) per second in process, over pre-generated seeded inputs.
 *   2. POST /api/v1/trades over HTTP with autocannon (forked), on PGlite and on PostgreSQL.
 *
 * Profiling: `npm run bench:profile [-- --only decisions|http …]` CPU-profiles this process (the decide() loop;
 * the server, not the forked load generator) over each measured window only, writes bench/.prof/*.cpuprofile
 * (open them in Chrome DevTools) and prints their top functions; `npm run bench:profile-summary` re-prints them.
 */
import { parseBenchArgs, type BenchOptions } from './args.ts';
import { runDecisionsBench } from './decisions.ts';
import { runHttpBench } from './http.ts';
import { machineLine, totalTime } from './format.ts';

let opts: BenchOptions;
try {
  opts = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}

const t0 = performance.now();
console.log(machineLine('Testudo bench'));
console.log(
  `options: --only ${opts.only}, decisions ${opts.decisionSeconds} s, HTTP ${opts.httpSeconds} s per run, ` +
    `connections ${opts.connections.join(',')}, pools ${opts.pools.join(',')}, db ${opts.databases.join(',')}`,
);

if (opts.only !== 'http')
  await runDecisionsBench({
    setups: opts.setups,
    seed: opts.seed,
    seconds: opts.decisionSeconds,
    profileDir: opts.profileDir,
  });
if (opts.only !== 'decisions') await runHttpBench(opts);

console.log(totalTime(t0));
