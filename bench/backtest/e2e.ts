/**
 * End-to-end timing of the whole `testudo backtest` command as a user runs it (process start to exit: start-up,
 * reading and validating the data, the backtest, the output), beside backtesting.py's whole run on the same bars
 * when its Python side is available. Wall time and peak RSS come from `/usr/bin/time` (GNU time's %e and %M) when
 * it exists, else wall time from this process and no RSS. Each case runs `runs` times; the median and the range
 * [min–max] are reported, because a shared machine's load moves single runs a lot.
 *
 * CPU seconds (user + system, from GNU time) are shown too: on a busy machine they move less than the wall time.
 *
 * Cases (sma-cross 10/30, `--json`): the benchmark's 1M-bar hourly CSV (see ./bars-file.ts), the same bars from the
 * candle store (a PGlite store in the temp folder, imported once and reused; timed once on its first read, which
 * builds the store's column cache from the rows, then `runs` times from the cache), ../shared/data/coinbase-btcusd-1h.csv
 * (20,111 bars) and ../shared/data/GOOG.csv (2,148 bars).
 *
 * The command is bin/testudo.mjs on the compiled CLI (dist/cli; built first with scripts/build-cli.mjs when it is
 * older than a source file, as `npm run build:cli` does), forced with TESTUDO_CLI=dist.
 *
 * backtesting.py: scripts/parity-backtestingpy.py (its test-suite SmaCross with pandas' rolling mean) with a
 * backtesting.py 0.6.6 checkout (`--backtesting-py DIR` or $TESTUDO_BACKTESTING_PY) and a Python with pandas
 * (`--python`, default /usr/bin/python3 with Debian's python3-pandas). The CSV formats backtesting.py does not read
 * are handed to it as the plain `time,Open,High,Low,Close,Volume` CSV of the same bars, written beforehand (untimed).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/sql.ts';
import { loadCandleFile } from '../../src/feed/load.ts';
import { benchBarsFile } from './bars-file.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = join(ROOT, '..', 'shared', 'data');
const BIN = join(ROOT, 'bin', 'testudo.mjs');
const DRIVER = join(ROOT, 'scripts', 'parity-backtestingpy.py');
const GNU_TIME = '/usr/bin/time';
const WORK = join(tmpdir(), 'testudo-bench');

/** One process run: wall seconds, peak RSS in MB and CPU seconds (user + system; null without GNU time), stdout. */
interface Run {
  seconds: number;
  rssMb: number | null;
  cpuSeconds: number | null;
  stdout: string;
}

/** Median and range of some runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One side's figures: wall seconds, peak RSS (MB), CPU seconds, and what the run computed. */
export interface Side {
  seconds: Spread;
  rssMb: Spread | null;
  cpuSeconds: Spread | null;
  trades: number;
  finalEquity: number;
}

/** One row of the end-to-end table. */
export interface E2eRow {
  case: string;
  bars: number;
  testudo: Side;
  /** Null when backtesting.py was not run (see `pythonNote`). */
  python: Side | null;
}

/** Options of {@link benchEndToEnd}. */
export interface E2eOptions {
  /** Runs of each testudo case (default 5). */
  runs?: number;
  /** Runs of each backtesting.py case (default 3: a million bars take about half a minute there). */
  pythonRuns?: number;
  /** Bars of the big CSV (default 1,000,000). */
  bars?: number;
  /** backtesting.py checkout; default $TESTUDO_BACKTESTING_PY. */
  backtestingPy?: string;
  python?: string;
  /** Leave out the candle store case (its one-off import takes about half a minute). */
  noStore?: boolean;
  log?: (line: string) => void;
}

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

function figures(runs: Run[]): Pick<Side, 'seconds' | 'rssMb' | 'cpuSeconds'> {
  const gnu = runs[0]!.rssMb !== null;
  return {
    seconds: spread(runs.map((x) => x.seconds)),
    rssMb: gnu ? spread(runs.map((x) => x.rssMb!)) : null,
    cpuSeconds: gnu ? spread(runs.map((x) => x.cpuSeconds!)) : null,
  };
}

/** Runs `cmd args` once, timed. @throws when it exits non-zero (with its stderr). */
async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const gnu = existsSync(GNU_TIME);
  const out = join(WORK, `time.${process.pid}.txt`);
  const t0 = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const [c, a] = gnu ? [GNU_TIME, ['-f', '%e %M %U %S', '-o', out, cmd, ...args]] : [cmd, args];
    execFile(c, a, { env: { ...process.env, ...env }, maxBuffer: 1 << 28 }, (e, so, se) =>
      e ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${se || e.message}`)) : resolve(so),
    );
  });
  const wall = (performance.now() - t0) / 1000;
  if (!gnu) return { seconds: wall, rssMb: null, cpuSeconds: null, stdout };
  const [e, m, u, s] = (await readFile(out, 'utf8')).trim().split('\n').pop()!.split(' ');
  return { seconds: Number(e), rssMb: Number(m) / 1024, cpuSeconds: Number(u) + Number(s), stdout };
}

/** The newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newest(p) : statSync(p).mtimeMs;
    if (t > max) max = t;
  }
  return max;
}

/** Builds dist/cli when it is missing or older than a source file; returns a note saying which CLI runs. */
function ensureBuilt(log: (l: string) => void): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(ROOT, 'src'))) return;
  log('building the CLI (scripts/build-cli.mjs): dist/cli is older than src/');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { stdio: 'ignore' });
}

/** `--json` statistics → trades and final equity (to show both sides computed the same run). */
function outcome(json: string): { trades: number; finalEquity: number } {
  const s = JSON.parse(json) as Record<string, unknown>;
  return { trades: Number(s['# Trades']), finalEquity: Number(s['Equity Final [$]']) };
}

/** A candle file as the plain `time,Open,...` CSV the Python driver reads (written once to the temp folder). */
async function plainCsv(file: string): Promise<string> {
  const out = join(WORK, `${basename(file)}.bars.csv`);
  if (existsSync(out)) return out;
  const { candles } = await loadCandleFile(file);
  const lines = candles.map((c) => `${c.time},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
  await writeFile(out, `time,Open,High,Low,Close,Volume\n${lines.join('\n')}\n`);
  return out;
}

/** A PGlite store holding the big CSV as BENCH 1h (imported once, kept in the temp folder). */
async function benchStore(csv: string, log: (l: string) => void): Promise<string> {
  const dir = join(WORK, `store-${basename(csv, '.csv')}`);
  if (existsSync(join(dir, '.imported'))) return dir;
  await rm(dir, { recursive: true, force: true });
  log(`importing ${basename(csv)} into a PGlite candle store in ${dir} (once)`);
  await timed(
    process.execPath,
    [BIN, 'candles', 'import', csv, '--symbol', 'BENCH', '--timeframe', '1h'].concat([
      '--no-rollup',
      '--data-dir',
      dir,
    ]),
    { TESTUDO_CLI: 'dist' },
  );
  await writeFile(join(dir, '.imported'), '');
  return dir;
}

/** Empties the store's column cache (candle_blocks), so the next read builds it from the rows. */
async function dropColumnCache(dir: string): Promise<void> {
  const sql = await openDatabase({ dataDir: dir });
  try {
    await migrate(sql);
    await sql.exec('DELETE FROM candle_blocks; DELETE FROM candle_block_extents;');
  } finally {
    await sql.close();
  }
}

/**
 * Times the whole `testudo backtest` command (and backtesting.py when available) on the cases above.
 * @returns the rows and a note on backtesting.py (why it did not run), null when it ran.
 * @throws when a command fails.
 */
export async function benchEndToEnd(opts: E2eOptions = {}): Promise<{ rows: E2eRow[]; pythonNote: string | null }> {
  const log = opts.log ?? console.log;
  const runs = opts.runs ?? 5;
  const pythonRuns = opts.pythonRuns ?? 3;
  await mkdir(WORK, { recursive: true });
  ensureBuilt(log);
  const big = await benchBarsFile(opts.bars ?? 1_000_000);
  const btpy = opts.backtestingPy ?? process.env.TESTUDO_BACKTESTING_PY;
  const python = opts.python ?? '/usr/bin/python3';
  let pythonNote: string | null = null;
  if (!btpy) pythonNote = 'no backtesting.py checkout: give --backtesting-py DIR or $TESTUDO_BACKTESTING_PY';
  else if (!existsSync(join(btpy, 'backtesting', 'backtesting.py')))
    pythonNote = `${btpy} is not a backtesting.py checkout`;
  else {
    try {
      execFileSync(python, ['-c', 'import pandas, numpy'], { stdio: 'ignore' });
    } catch {
      pythonNote = `${python} has no pandas (Debian: apt-get install python3-pandas)`;
    }
  }
  const sma = ['--strategy', 'sma-cross', '--param', 'fast=10', '--param', 'slow=30', '--json'];
  const cases: {
    name: string;
    bars: number;
    args: string[];
    file?: string;
    /** Runs instead of `runs`. */
    once?: boolean;
    /** Done before the runs, untimed. */
    prepare?: () => Promise<void>;
  }[] = [{ name: `${basename(big.path)} (CSV)`, bars: big.bars, args: ['--data', big.path], file: big.path }];
  if (!opts.noStore) {
    const dir = await benchStore(big.path, log);
    const args = ['--symbol', 'BENCH', '--timeframe', '1h', '--data-dir', dir];
    cases.push(
      {
        name: 'candle store (PGlite), first read: builds the cache',
        bars: big.bars,
        args,
        once: true,
        prepare: () => dropColumnCache(dir),
      },
      { name: 'the same bars from the candle store (PGlite)', bars: big.bars, args },
    );
  }
  for (const [f, n] of [
    ['coinbase-btcusd-1h.csv', 20_111],
    ['GOOG.csv', 2_148],
  ] as const) {
    const path = join(SHARED, f);
    if (existsSync(path)) cases.push({ name: f, bars: n, args: ['--data', path], file: path });
  }
  const rows: E2eRow[] = [];
  for (const c of cases) {
    const t: Run[] = [];
    await c.prepare?.();
    for (let r = 0; r < (c.once ? 1 : runs); r++)
      t.push(await timed(process.execPath, [BIN, 'backtest', ...c.args, ...sma], { TESTUDO_CLI: 'dist' }));
    const row: E2eRow = {
      case: c.name,
      bars: c.bars,
      testudo: { ...figures(t), ...outcome(t[0]!.stdout) },
      python: null,
    };
    if (pythonNote === null && c.file) {
      const csv = c.file === big.path ? big.path : await plainCsv(c.file);
      const p: Run[] = [];
      const args = [DRIVER, '--backtesting-py', btpy!, '--data', csv, '--fast', '10', '--slow', '30'];
      for (let r = 0; r < pythonRuns; r++) p.push(await timed(python, args));
      const stats = (JSON.parse(p[0]!.stdout) as { stats: Record<string, unknown> }).stats;
      row.python = {
        ...figures(p),
        trades: Number(stats['# Trades']),
        finalEquity: Number(stats['Equity Final [$]']),
      };
    }
    rows.push(row);
    log(`  measured ${c.name}`);
  }
  return { rows, pythonNote };
}
