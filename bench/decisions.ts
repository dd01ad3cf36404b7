/**
 * Benchmark 1: sizing + rule decisions per second, in process.
 *
 * Pre-generates varied setups and account states with a seeded PRNG (so every run decides the same inputs), warms
 * `decide()` up, then times it over the whole set for a few seconds. Also times sizing alone and the approved and
 * rejected subsets separately, to show where the cost of a decision goes.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_INSTRUMENTS, toSpec, type InstrumentSpec } from '../src/core/instruments/instrument.ts';
import { decide, RULES, type AccountRiskState, type Setup } from '../src/core/risk/decide.ts';
import { compileProfile, DEFAULT_RISK_PROFILE, type CompiledProfile } from '../src/core/risk/profile.ts';
import { sizePosition } from '../src/core/sizing/size.ts';
import type { BreakerState } from '../src/core/risk/breaker.ts';
import { heading, int, num, ratio, table } from './format.ts';
import { Prng } from './prng.ts';
import { WindowProfiler } from './profiler.ts';
import { summarise } from './profile-summary.ts';

/** Goal: decisions per second on one core. */
export const DECISIONS_GOAL = 1_000_000;

/** One pre-generated decision input. */
export interface Case {
  spec: InstrumentSpec;
  setup: Setup;
  profile: CompiledProfile;
  state: AccountRiskState;
}

const ATOMS_PER_CENT = 10n ** 10n; // money atoms are 10^-12
const usd = (x: number): bigint => BigInt(Math.round(x * 100)) * ATOMS_PER_CENT;
const frac = (pct: number): bigint => BigInt(Math.round(pct * 1e6)); // 1% = 1_000_000 fraction units
const NOW = Date.UTC(2024, 5, 3, 14, 30);

/** Generates `n` varied cases: long/short, market/limit, stops 0.2–5 %, reward:risk 1–6, overrides, states. */
export function generateCases(n: number, seed: number): Case[] {
  const rng = new Prng(seed);
  const specs = DEFAULT_INSTRUMENTS.map(toSpec);
  const priceRange: Record<string, [number, number]> = {
    'BTC-USD': [15_000, 110_000],
    'BTC-USDT': [15_000, 110_000],
    'ETH-USDT': [800, 5_000],
  };
  const profiles = [
    compileProfile(DEFAULT_RISK_PROFILE),
    compileProfile({ ...DEFAULT_RISK_PROFILE, requireTakeProfit: false, minRewardRisk: '1.5' }),
    compileProfile({ ...DEFAULT_RISK_PROFILE, riskPerTradePct: '0.5', maxLeverage: '3', maxOpenPositions: 10 }),
    compileProfile({ ...DEFAULT_RISK_PROFILE, riskPerTradePct: '2', maxRiskPerTradePct: '3', maxOpenRiskPct: '10' }),
  ];
  const breakers: BreakerState[] = ['closed', 'half-open', 'open'];
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const spec = rng.pick(specs);
    const [lo, hi] = priceRange[spec.symbol] ?? [100, 1000];
    const entry = BigInt(Math.round(rng.float(lo, hi) * 100)); // tick = 0.01 for every default instrument
    const long = rng.chance(0.5);
    const dir = long ? 1n : -1n;
    const stopDist = (entry * BigInt(rng.int(20, 500))) / 10_000n; // 0.2 % .. 5 %
    const wrongStop = rng.chance(0.03);
    const stop = entry - (wrongStop ? -dir : dir) * (stopDist > 0n ? stopDist : 1n);
    let target: bigint | null = null;
    if (!rng.chance(0.1)) {
      const rr = rng.float(1, 6);
      const dist = BigInt(Math.round(Number(stopDist) * rr)) + 1n;
      target = entry + (rng.chance(0.03) ? -dir : dir) * dist;
    }
    const setup: Setup = {
      side: long ? 'buy' : 'sell',
      entryTicks: entry,
      entryIsMarket: rng.chance(0.5),
      stopTicks: stop,
      targetTicks: target,
      riskFraction: rng.chance(0.6) ? null : frac(rng.float(0.1, 2.6)),
    };
    const equityUsd = Math.exp(rng.float(Math.log(500), Math.log(2_000_000)));
    const equity = usd(equityUsd);
    const lossToday = rng.chance(0.85) ? rng.float(-0.01, 0.02) : rng.float(-0.06, 0);
    const ddPct = rng.chance(0.9) ? rng.float(0, 0.05) : rng.float(0.05, 0.15);
    const lossStreak = rng.pick([0, 0, 0, 0, 1, 2, 3, 4]);
    const state: AccountRiskState = {
      equity,
      available: usd(equityUsd * rng.float(0.1, 1)),
      realizedPnlToday: usd(equityUsd * lossToday),
      peakEquity: usd(equityUsd * (1 + ddPct)),
      haltedAt: rng.chance(0.02) ? NOW - 3_600_000 : null,
      openRisk: usd(equityUsd * rng.float(0, 0.055)),
      openPositions: rng.pick([0, 0, 1, 1, 2, 2, 3, 4, 5]),
      consecutiveLosses: lossStreak,
      lastLossAt: lossStreak > 0 ? NOW - rng.int(60_000, 8 * 3_600_000) : null,
      breaker: rng.chance(0.97) ? 'closed' : rng.pick(breakers),
      now: NOW,
    };
    out.push({ spec, setup, profile: rng.pick(profiles), state });
  }
  return out;
}

interface Timed {
  ops: number;
  seconds: number;
  approved: number;
  /** Throughput of each chunk (ops/s), to show the spread. */
  chunkRates: number[];
}

/** Runs `decide` over `cases` repeatedly for about `seconds`, in chunks. */
function timeDecide(cases: Case[], seconds: number, chunk = 20_000): Timed {
  const n = cases.length;
  let ops = 0;
  let approved = 0;
  let i = 0;
  const rates: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  while (now < end) {
    const c0 = now;
    for (let k = 0; k < chunk; k++) {
      const c = cases[i]!;
      if (decide(c.spec, c.setup, c.profile, c.state).approved) approved++;
      if (++i === n) i = 0;
    }
    ops += chunk;
    now = performance.now();
    rates.push((chunk / (now - c0)) * 1000);
  }
  return { ops, seconds: (now - t0) / 1000, approved, chunkRates: rates };
}

/** Runs `sizePosition` alone over the same inputs. */
function timeSizing(cases: Case[], seconds: number, chunk = 20_000): Timed {
  const n = cases.length;
  let ops = 0;
  let ok = 0;
  let i = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  while (now < end) {
    for (let k = 0; k < chunk; k++) {
      const c = cases[i]!;
      const r = sizePosition({
        spec: c.spec,
        side: c.setup.side,
        entryTicks: c.setup.entryTicks,
        stopTicks: c.setup.stopTicks,
        entryIsMarket: c.setup.entryIsMarket,
        equity: c.state.equity,
        available: c.state.available,
        riskFraction: c.setup.riskFraction ?? c.profile.riskPerTrade,
        maxLeverage: c.profile.maxLeverage,
      });
      if (r.ok) ok++;
      if (++i === n) i = 0;
    }
    ops += chunk;
    now = performance.now();
  }
  return { ops, seconds: (now - t0) / 1000, approved: ok, chunkRates: [] };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** Runs benchmark 1 and prints its figures. Returns decisions/s. */
export async function runDecisionsBench(opts: {
  setups: number;
  seed: number;
  seconds: number;
  profileDir: string | null;
}): Promise<number> {
  console.log(heading('1. Sizing + rule decisions per second (in process, decide())'));
  const g0 = performance.now();
  const cases = generateCases(opts.setups, opts.seed);
  const genMs = performance.now() - g0;

  // Which rules fail over the data set (one pass, outside the timing).
  const failures = new Map<string, number>();
  let approvedSet = 0;
  const approvedCases: Case[] = [];
  const rejectedCases: Case[] = [];
  for (const c of cases) {
    const d = decide(c.spec, c.setup, c.profile, c.state);
    if (d.approved) {
      approvedSet++;
      approvedCases.push(c);
    } else rejectedCases.push(c);
    for (const v of d.verdicts) if (!v.passed) failures.set(v.rule, (failures.get(v.rule) ?? 0) + 1);
  }
  console.log(
    `  inputs: ${int(cases.length)} setups + account states (seed ${opts.seed}, generated in ${num(genMs, 0)} ms): ` +
      `${int(approvedSet)} approved / ${int(cases.length - approvedSet)} rejected ` +
      `(${num((approvedSet / cases.length) * 100)} % approved)`,
  );
  console.log(
    '  rejections by rule (a setup can fail several): ' +
      RULES.filter((r) => failures.has(r))
        .map((r) => `${r} ${int(failures.get(r)!)}`)
        .join(', '),
  );

  // Warm-up: let V8 optimise decide(), sizePosition() and the formatting paths.
  timeDecide(cases, 0.5);

  const profiler = new WindowProfiler(opts.profileDir);
  await profiler.start();
  const main = timeDecide(cases, opts.seconds);
  const profile = await profiler.stop('decisions');
  const rate = main.ops / main.seconds;
  const sizing = timeSizing(cases, Math.min(1, opts.seconds));
  const sizingRate = sizing.ops / sizing.seconds;
  const splitSeconds = Math.min(0.75, opts.seconds / 2);
  const app = approvedCases.length ? timeDecide(approvedCases, splitSeconds) : null;
  const rej = rejectedCases.length ? timeDecide(rejectedCases, splitSeconds) : null;
  const sorted = [...main.chunkRates].sort((a, b) => a - b);

  console.log(
    `  timed: ${int(main.ops)} decisions in ${num(main.seconds, 2)} s: ${int(main.approved)} approved, ` +
      `${int(main.ops - main.approved)} rejected`,
  );
  console.log(
    table([
      ['measure', 'ops/s', 'ns/op', 'goal'],
      ['decide() over the mixed set', int(rate), num(1e9 / rate, 0), ratio(rate, DECISIONS_GOAL)],
      [
        '  chunk spread (min / median / max)',
        `${int(sorted[0] ?? 0)} / ${int(median(sorted))} / ${int(sorted.at(-1) ?? 0)}`,
        '',
        '',
      ],
      ['sizePosition() alone', int(sizingRate), num(1e9 / sizingRate, 0), ''],
      ...(app
        ? [['decide(), approved inputs only', int(app.ops / app.seconds), num((app.seconds * 1e9) / app.ops, 0), '']]
        : []),
      ...(rej
        ? [['decide(), rejected inputs only', int(rej.ops / rej.seconds), num((rej.seconds * 1e9) / rej.ops, 0), '']]
        : []),
    ]),
  );
  console.log(`  goal: ≥ ${int(DECISIONS_GOAL)} decisions/s → ${int(rate)}/s = ${ratio(rate, DECISIONS_GOAL)}`);
  if (profile) {
    console.log(`  (timed run was CPU-profiled, so the figures above include the profiler's overhead)`);
    summarise(profile, 15, false);
  }
  return rate;
}
