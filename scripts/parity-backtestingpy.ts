/**
 * Developer script (not part of CI): runs backtesting.py itself and `testudo backtest` on the same inputs and diffs
 * every statistic and every trade.
 *
 *   npx tsx scripts/parity-backtestingpy.ts --backtesting-py ~/src/backtesting.py [--data FILE]... \
 *     [--case NAME]... [--python python3] [--rtol 1e-9] [--pandas-sma] [--list]
 *
 * - `--backtesting-py`: a checkout of kernc/backtesting.py (the reference is tag 0.6.6: `git checkout 0.6.6`).
 * - Python: pandas and numpy (Debian: `apt-get install python3-pandas`); bokeh is optional (the driver,
 *   `scripts/parity-backtestingpy.py`, stubs backtesting.py's plotting module when it is missing).
 * - `--data`: candle files as `testudo backtest --data` reads them (default ../shared/data/GOOG.csv and
 *   ../shared/data/coinbase-btcusd-1h.csv). Each is loaded once with Testudo's importer and handed to Python as a
 *   plain CSV of the same bars (ms UTC times, the file's decimal prices), so both sides see identical bars.
 * - Cases (`--case` picks some, `--list` prints them): sma-cross with several parameter sets, cash, commission
 *   (relative and fixed+relative), spread, `--finalize-trades` on and off, `--trade-on-close`, `--exclusive-orders`.
 *   The strategy on the Python side is backtesting.py's test-suite `SmaCross`. Its SMA values are Testudo's own
 *   (`sma` of indicators.ts, handed over as a CSV of shortest round-trip decimals that the driver reads bit-exactly,
 *   with pandas' `float_precision='round_trip'`), so the diff is the backtester's alone: the two libraries' averages
 *   differ in the last bit on many bars, which could flip a crossover at a near-tie (GOOG 12/26 crosses by one ulp at
 *   bar 697, a crossover that pandas' default CSV parser, one bit off, turned into a tie). `--pandas-sma` uses
 *   backtesting.py's test-suite SMA (pandas' rolling mean) instead.
 *
 * Compared: every statistic backtesting.py prints (numbers at relative tolerance `--rtol`, or 1e-12 absolute near
 * zero; text exactly) and every trade (size, entry/exit bar and time, prices, P&L, commission, return). The README's
 * documented representation differences are accepted and counted, not reported as differences: NaN or ±∞ there is
 * null here, an absent `Commissions [$]` (backtesting.py omits a zero) is 0 here, and a drawdown fraction that
 * backtesting.py puts in a duration field is null here.
 * Exit code: 0 when everything agrees, 1 on any difference, 2 when a side fails to run or on a bad flag.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { sma } from '../src/core/backtest/indicators.ts';
import { loadCandleFile } from '../src/feed/load.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'testudo.mjs');
const DRIVER = join(ROOT, 'scripts', 'parity-backtestingpy.py');
const SHARED = join(ROOT, '..', 'shared', 'data');

/** One comparison case: sma-cross parameters and broker options (the same on both sides). */
interface Case {
  name: string;
  fast: number;
  slow: number;
  cash?: string;
  commission?: string;
  spread?: string;
  finalize?: boolean;
  tradeOnClose?: boolean;
  exclusive?: boolean;
}

const CASES: Case[] = [
  { name: 'test-suite', fast: 10, slow: 30, finalize: true },
  { name: 'open-at-end', fast: 10, slow: 30 },
  { name: 'commission', fast: 5, slow: 20, commission: '0.002', finalize: true },
  { name: 'fixed-commission-spread', fast: 20, slow: 50, commission: '1+0.001', spread: '0.001', finalize: true },
  { name: 'trade-on-close', fast: 10, slow: 30, tradeOnClose: true, finalize: true },
  { name: 'trade-on-close-open-at-end', fast: 10, slow: 30, tradeOnClose: true, commission: '0.001' },
  { name: 'exclusive-big-cash', fast: 3, slow: 8, exclusive: true, spread: '0.0005', cash: '1000000' },
  { name: 'big-cash-finalize', fast: 12, slow: 26, cash: '1000000', commission: '0.0005', finalize: true },
];

const STAT_DURATIONS = new Set([
  'Duration',
  'Max. Drawdown Duration',
  'Avg. Drawdown Duration',
  'Max. Trade Duration',
  'Avg. Trade Duration',
]);

type Value = number | string | boolean | null;
interface PyTrade {
  size: number;
  entryBar: number;
  exitBar: number;
  entryPrice: Value;
  exitPrice: Value;
  pnl: Value;
  commission: Value;
  returnPct: Value;
  entryTime: string;
  exitTime: string;
}
interface PyResult {
  version: string;
  stats: Record<string, Value>;
  trades: PyTrade[];
}

/** Minimal RFC 4180 CSV reader (quoted fields, doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    if (quoted) {
      if (ch === '"' && text[k + 1] === '"') {
        field += '"';
        k++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

/** Numbers from either side: Python's "NaN"/"Infinity" strings and JSON null become NaN/±∞/null. */
function asNumber(v: Value | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  const n = Number(v);
  return Number.isFinite(n) && String(v).trim() !== '' ? n : null;
}

function close(a: number, b: number, rtol: number): boolean {
  if (a === b) return true;
  const d = Math.abs(a - b);
  return d <= rtol * Math.max(Math.abs(a), Math.abs(b)) || d <= 1e-12;
}

interface Outcome {
  diffs: string[];
  /** Accepted representation differences (see the README), counted. */
  accepted: number;
}

/** Compares one statistic; pushes a line into `diffs` when they differ. */
function compareStat(key: string, py: Value | undefined, ts: Value | undefined, rtol: number, out: Outcome): void {
  if (py === undefined) {
    if (key === 'Commissions [$]' && ts === 0) out.accepted++;
    else if (ts !== undefined) out.diffs.push(`${key}: absent in backtesting.py, ${JSON.stringify(ts)} here`);
    return;
  }
  if (ts === undefined) {
    out.diffs.push(`${key}: ${JSON.stringify(py)} in backtesting.py, absent here`);
    return;
  }
  if (typeof py === 'string' && asNumber(py) === null) {
    if (py !== ts) out.diffs.push(`${key}: ${JSON.stringify(py)} in backtesting.py, ${JSON.stringify(ts)} here`);
    return;
  }
  const p = asNumber(py);
  if (ts === null && (p === null || !Number.isFinite(p))) {
    out.accepted++;
    return;
  }
  if (ts === null && STAT_DURATIONS.has(key)) {
    out.accepted++; // backtesting.py's drawdown fraction in a duration field
    return;
  }
  const t = asNumber(ts);
  if (p === null || t === null || !close(p, t, rtol))
    out.diffs.push(`${key}: ${JSON.stringify(py)} in backtesting.py, ${JSON.stringify(ts)} here`);
}

const TRADE_FIELDS = ['size', 'entryBar', 'exitBar', 'entryPrice', 'exitPrice', 'pnl', 'commission', 'returnPct'];

function compareTrades(py: PyTrade[], csv: string, rtol: number, out: Outcome): void {
  const [head, ...rows] = parseCsv(csv);
  const col = (name: string): number => head!.indexOf(name);
  const ts = rows.map((f) => ({
    size: Number(f[col('size')]),
    entryBar: Number(f[col('entry_bar')]),
    exitBar: Number(f[col('exit_bar')]),
    entryPrice: Number(f[col('entry_price')]),
    exitPrice: Number(f[col('exit_price')]),
    pnl: Number(f[col('pnl')]),
    commission: Number(f[col('commission')]),
    returnPct: Number(f[col('return_pct')]) / 100,
    entryTime: f[col('entry_time')]!,
    exitTime: f[col('exit_time')]!,
  }));
  if (py.length !== ts.length) out.diffs.push(`# trades listed: ${py.length} in backtesting.py, ${ts.length} here`);
  let shown = 0;
  for (let k = 0; k < Math.min(py.length, ts.length); k++) {
    const p = py[k]!;
    const t = ts[k]!;
    const bad: string[] = [];
    for (const f of TRADE_FIELDS) {
      const a = asNumber(p[f as keyof PyTrade] as Value);
      const b = t[f as keyof typeof t] as number;
      if (a === null || !close(a, b, rtol)) bad.push(`${f} ${String(p[f as keyof PyTrade])} vs ${b}`);
    }
    if (p.entryTime !== t.entryTime) bad.push(`entryTime ${p.entryTime} vs ${t.entryTime}`);
    if (p.exitTime !== t.exitTime) bad.push(`exitTime ${p.exitTime} vs ${t.exitTime}`);
    if (bad.length && shown++ < 10) out.diffs.push(`trade ${k} (entry ${p.entryTime}): ${bad.join(', ')}`);
    else if (bad.length) out.diffs.push(`trade ${k}: differs`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'backtesting-py': { type: 'string' },
      data: { type: 'string', multiple: true },
      case: { type: 'string', multiple: true },
      python: { type: 'string', default: 'python3' },
      rtol: { type: 'string', default: '1e-9' },
      list: { type: 'boolean', default: false },
      'pandas-sma': { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const c of CASES) process.stdout.write(`${c.name}: ${JSON.stringify(c)}\n`);
    return 0;
  }
  const bpy = values['backtesting-py'];
  if (!bpy || !existsSync(join(bpy, 'backtesting', 'backtesting.py'))) {
    process.stderr.write('parity: give --backtesting-py CHECKOUT (a kernc/backtesting.py checkout, tag 0.6.6)\n');
    return 2;
  }
  const rtol = Number(values.rtol);
  const files = values.data?.length ? values.data : [join(SHARED, 'GOOG.csv'), join(SHARED, 'coinbase-btcusd-1h.csv')];
  const cases = values.case?.length ? CASES.filter((c) => values.case!.includes(c.name)) : CASES;
  if (cases.length === 0) {
    process.stderr.write(`parity: no such case; the cases are ${CASES.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  const dir = await mkdtemp(join(tmpdir(), 'testudo-parity-'));
  let differing = 0;
  try {
    for (const file of files) {
      const { candles } = await loadCandleFile(file);
      const csv = join(dir, `${basename(file)}.bars.csv`);
      await writeFile(
        csv,
        'time,Open,High,Low,Close,Volume\n' +
          candles.map((c) => `${c.time},${c.open},${c.high},${c.low},${c.close},${c.volume}`).join('\n') +
          '\n',
      );
      for (const c of cases) {
        const common: string[] = [];
        if (c.cash) common.push('--cash', c.cash);
        if (c.commission) common.push('--commission', c.commission);
        if (c.spread) common.push('--spread', c.spread);
        if (c.finalize) common.push('--finalize-trades');
        if (c.tradeOnClose) common.push('--trade-on-close');
        if (c.exclusive) common.push('--exclusive-orders');
        const tradesCsv = join(dir, `${basename(file)}.${c.name}.trades.csv`);
        const label = `${basename(file)} ${c.name}`;
        const py = [...common];
        if (!values['pandas-sma']) {
          const close = candles.map((k) => Number(k.close));
          const fast = sma(close, c.fast);
          const slow = sma(close, c.slow);
          const text = (x: number): string => (Number.isNaN(x) ? '' : String(x));
          const ind = join(dir, `${basename(file)}.${c.name}.sma.csv`);
          await writeFile(
            ind,
            'fast,slow\n' + close.map((_, k) => `${text(fast[k]!)},${text(slow[k]!)}`).join('\n') + '\n',
          );
          py.push('--indicators', ind);
        }
        let ours: Record<string, Value>;
        let theirs: PyResult;
        try {
          const [t, p] = await Promise.all([
            run(
              process.execPath,
              [
                BIN,
                'backtest',
                '--data',
                file,
                '--strategy',
                'sma-cross',
                '--param',
                `fast=${c.fast}`,
                '--param',
                `slow=${c.slow}`,
                ...common,
                '--json',
                '--trades-csv',
                tradesCsv,
              ],
              { maxBuffer: 1 << 28 },
            ),
            run(
              values.python!,
              [
                DRIVER,
                '--backtesting-py',
                bpy,
                '--data',
                csv,
                '--fast',
                String(c.fast),
                '--slow',
                String(c.slow),
                ...py,
              ],
              { maxBuffer: 1 << 28 },
            ),
          ]);
          ours = JSON.parse(t.stdout) as Record<string, Value>;
          theirs = JSON.parse(p.stdout) as PyResult;
        } catch (e) {
          const err = e as { stderr?: string; message?: string };
          process.stderr.write(`parity: ${label}: a side failed: ${(err.stderr || err.message || String(e)).trim()}\n`);
          return 2;
        }
        const out: Outcome = { diffs: [], accepted: 0 };
        const keys = new Set([...Object.keys(theirs.stats), ...Object.keys(ours)]);
        for (const k of keys) compareStat(k, theirs.stats[k], ours[k], rtol, out);
        compareTrades(theirs.trades, await readFile(tradesCsv, 'utf8'), rtol, out);
        const head = `${label} (backtesting.py ${theirs.version}, ${keys.size} statistics, ${theirs.trades.length} trades)`;
        const accepted = out.accepted ? `; ${out.accepted} documented representation difference(s)` : '';
        if (out.diffs.length === 0) process.stdout.write(`equal   ${head}${accepted}\n`);
        else {
          differing++;
          process.stdout.write(`DIFFER  ${head}${accepted}\n${out.diffs.map((d) => `        ${d}\n`).join('')}`);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    differing ? `${differing} case(s) differ\n` : `all ${files.length * cases.length} case(s) equal\n`,
  );
  return differing ? 1 : 0;
}

process.exitCode = await main();
