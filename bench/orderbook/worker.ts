/**
 * One measurement of one engine in a fresh process (forked by run.ts, which sends the streams over IPC):
 * timer overhead, warm-up on a separate stream (both loops), then a throughput-only run and a per-op timed run,
 * each on a fresh engine instance, with a forced GC before each.
 */
import { prepare, type EngineName, type LoopResult } from './engines.ts';
import { latency, type Latency } from './stats.ts';
import type { Stream } from './stream.ts';

/** What run.ts sends. */
export interface Job {
  engine: EngineName;
  warm: Stream;
  main: Stream;
  /** Skip the throughput-only loop (for a very slow engine: its timed loop then gives the throughput). */
  timedOnly: boolean;
}

/** What the worker sends back. */
export interface WorkerResult {
  engine: EngineName;
  /** Latency of an empty `hrtime.bigint()` pair, ns. */
  timer: Latency;
  warmMs: number;
  plain: LoopResult | null;
  timed: LoopResult;
  lat: Latency;
}

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

function timerOverhead(n: number): Latency {
  const lat = new Float64Array(n);
  for (let round = 0; round < 2; round++)
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      lat[i] = Number(process.hrtime.bigint() - t0);
    }
  return latency(lat);
}

function runJob(job: Job): WorkerResult {
  const timer = timerOverhead(1_000_000);

  const w = prepare(job.engine, job.warm);
  const warmLat = new Float64Array(job.warm.n);
  const tw = performance.now();
  if (!job.timedOnly) w.plain();
  w.timed(warmLat);
  const warmMs = performance.now() - tw;

  const r = prepare(job.engine, job.main);
  const lat = new Float64Array(job.main.n);
  gc();
  const plain = job.timedOnly ? null : r.plain();
  gc();
  const timed = r.timed(lat);
  return { engine: job.engine, timer, warmMs, plain, timed, lat: latency(lat) };
}

process.once('message', (job: Job) => {
  const res = runJob(job);
  process.send!(res, () => process.disconnect());
});
