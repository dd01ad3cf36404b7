/**
 * `testudo backtest` end to end in a child process over real data (../shared/data/GOOG.csv, Alphabet daily,
 * 2,148 bars), with the built-in `sma-cross` and a strategy module written to a temporary directory.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAT_KEYS } from '../core/backtest/types.ts';
import { TRADE_CSV_COLUMNS } from '../report/format.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));
const GOOG = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
const hasData = existsSync(GOOG);
if (!hasData) console.log(`backtest.test.ts: skipped, no real data at ${GOOG} (the ../shared/data folder)`);

async function testudo(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** True when stderr holds nothing but warnings (GOOG's trading-day holidays are reported as gaps). */
function onlyWarnings(stderr: string): boolean {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .every((l) => l.startsWith('testudo backtest: warning: '));
}

/** Parses simple CSV (quoted fields allowed) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split('\n')) {
    const fields: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        fields.push(cur);
        cur = '';
      } else cur += ch;
    }
    fields.push(cur);
    rows.push(fields);
  }
  return rows;
}

describe.skipIf(!hasData)('testudo backtest over GOOG daily', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testudo-backtest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints with --json exactly one object whose keys are the statistics in order', async () => {
    const r = await testudo(
      'backtest',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--param',
      'fast=10',
      '--param',
      'slow=20',
      '--json',
    );
    expect(onlyWarnings(r.stderr)).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const stats = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(stats)).toEqual([...STAT_KEYS]);
    expect(stats['Start']).toMatch(/^2004-08-19/);
    expect(stats['End']).toMatch(/^2013-03-01/);
    expect(stats['# Trades']).toBeGreaterThan(0);
    expect(typeof stats['Equity Final [$]']).toBe('number');
  });

  it('prints an aligned table of every statistic without --json', async () => {
    const r = await testudo('backtest', '--data', GOOG, '--strategy', 'sma-cross');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sma-cross');
    const lines = r.stdout.split('\n');
    for (const k of STAT_KEYS) expect(lines.some((l) => l.startsWith(k + ' '))).toBe(true);
    const statLines = lines.filter((l) => STAT_KEYS.some((k) => l.startsWith(k + ' ')));
    expect(new Set(statLines.map((l) => l.length)).size).toBe(1); // right-aligned values end in one column
  });

  it('refuses a parameter that is not a number, naming it, exits 1 and writes no file', async () => {
    const out = join(dir, 'bad-param');
    const r = await testudo(
      'backtest',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--param',
      'fast=abc',
      '--trades-csv',
      `${out}-trades.csv`,
      '--equity-csv',
      `${out}-equity.csv`,
      '--report',
      `${out}.html`,
      '--json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('fast');
    expect(r.stderr).toContain('bad-param');
    expect((await readdir(dir)).filter((f) => f.startsWith('bad-param'))).toEqual([]);
  });

  it('refuses a parameter the strategy does not have, listing the ones it has', async () => {
    const r = await testudo('backtest', '--data', GOOG, '--strategy', 'sma-cross', '--param', 'speed=3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown-param.*speed.*fast.*slow/);
  });

  it('refuses an unknown strategy name and a missing strategy module with exit code 1', async () => {
    const byName = await testudo('backtest', '--data', GOOG, '--strategy', 'no-such-strategy');
    expect(byName.code).toBe(1);
    expect(byName.stdout).toBe('');
    expect(byName.stderr).toContain('unknown strategy "no-such-strategy"');
    expect(byName.stderr).toContain('sma-cross');
    const byPath = await testudo('backtest', '--data', GOOG, '--strategy', join(dir, 'missing.ts'));
    expect(byPath.code).toBe(1);
    expect(byPath.stderr).toContain('does not exist');
  });

  it('refuses a malformed candle file naming the line, with exit code 1', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,99,101,100,1\n');
    const r = await testudo('backtest', '--data', file, '--strategy', 'sma-cross');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('warns about rows out of order and gaps on stderr, and refuses them with --strict writing nothing', async () => {
    const rows = (await readFile(GOOG, 'utf8')).trimEnd().split('\n');
    // Swap two rows (out of order) and drop five trading days (a gap).
    [rows[101], rows[102]] = [rows[102]!, rows[101]!];
    rows.splice(500, 5);
    const file = join(dir, 'messy.csv');
    await writeFile(file, rows.join('\n') + '\n');
    const ok = await testudo('backtest', '--data', file, '--strategy', 'sma-cross', '--json');
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('1 row(s) out of time order were sorted into place (the first at line 103)');
    expect(ok.stderr).toMatch(/78 gap\(s\) in the bars, 84 bar\(s\) missing \(not filled\)/); // GOOG alone: 77 and 79
    const out = join(dir, 'strict-trades.csv');
    const strict = await testudo(
      'backtest',
      '--data',
      file,
      '--strategy',
      'sma-cross',
      '--strict',
      '--trades-csv',
      out,
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^testudo backtest: bad-bars: refused by --strict: .*line 103/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses malformed money flags and a --risk above the protocol maximum', async () => {
    const c = await testudo('backtest', '--data', GOOG, '--strategy', 'sma-cross', '--commission', '1+x');
    expect([c.code, c.stderr]).toEqual([
      2,
      expect.stringContaining('testudo backtest: invalid-option: --commission 1+x'),
    ]);
    const r = await testudo('backtest', '--data', GOOG, '--strategy', 'sma-cross', '--risk', '5');
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('hard maximum of 2%')]);
  });

  it('backtests only the bars of --from (inclusive) to --to (exclusive)', async () => {
    const r = await testudo(
      'backtest',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--from',
      '2010-01-01',
      '--to',
      '2011-01-03',
      '--json',
    );
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as Record<string, string>;
    expect([stats['Start'], stats['End']]).toEqual(['2010-01-04T00:00:00.000Z', '2010-12-31T00:00:00.000Z']);
  });

  it('writes trades and equity CSV that agree with the statistics, and the HTML report', async () => {
    const trades = join(dir, 'trades.csv');
    const equity = join(dir, 'equity.csv');
    const html = join(dir, 'report.html');
    const r = await testudo(
      'backtest',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--commission',
      '1+0.001',
      '--finalize-trades',
      '--trades-csv',
      trades,
      '--equity-csv',
      equity,
      '--report',
      html,
      '--json',
    );
    expect(r.code).toBe(0);
    const page = await readFile(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('TradingView Lightweight Charts');
    expect(page).toContain('<title>sma-cross on GOOG.csv</title>');
    const stats = JSON.parse(r.stdout) as Record<string, number>;

    const t = parseCsv(await readFile(trades, 'utf8'));
    expect(t[0]).toEqual([...TRADE_CSV_COLUMNS]);
    const rows = t.slice(1).map((f) => Object.fromEntries(TRADE_CSV_COLUMNS.map((c, i) => [c, f[i]!])));
    expect(rows).toHaveLength(stats['# Trades']!);
    let pnl = 0;
    let commission = 0;
    for (const row of rows) {
      expect(Date.parse(row.exit_time!)).toBeGreaterThanOrEqual(Date.parse(row.entry_time!));
      expect(Number(row.exit_bar)).toBeGreaterThanOrEqual(Number(row.entry_bar));
      expect(row.pnl).toMatch(/^-?\d+(\.\d+)?$/);
      expect(Number(row.commission)).toBeGreaterThanOrEqual(2); // the fixed 1 on entry and on exit
      pnl += Number(row.pnl);
      commission += Number(row.commission);
    }
    expect(commission).toBeCloseTo(stats['Commissions [$]']!, 6);
    // every trade is closed by the end (--finalize-trades): final equity = cash + net P&L
    expect(10_000 + pnl).toBeCloseTo(stats['Equity Final [$]']!, 6);

    const e = parseCsv(await readFile(equity, 'utf8'));
    expect(e[0]).toEqual(['time', 'equity', 'drawdown_pct']);
    const curve = e.slice(1);
    expect(curve).toHaveLength(2148);
    expect(curve[0]![0]).toBe('2004-08-19T00:00:00.000Z');
    expect(Number(curve.at(-1)![1])).toBeCloseTo(stats['Equity Final [$]']!, 6);
    expect(Math.max(...curve.map((row) => Number(row[1])))).toBeCloseTo(stats['Equity Peak [$]']!, 6);
    expect(Math.max(...curve.map((row) => Number(row[2])))).toBeCloseTo(-stats['Max. Drawdown [%]']!, 6);
  });

  it('reads the same bars from the candle store with --symbol as from the file with --data', async () => {
    const store = join(dir, 'store');
    const imported = await testudo(
      'candles',
      'import',
      GOOG,
      '--symbol',
      'GOOG',
      '--timeframe',
      '1d',
      '--data-dir',
      store,
      '--json',
    );
    expect(imported.code).toBe(0);
    const args = ['--strategy', 'sma-cross', '--from', '2008-01-01', '--json'];
    const fromStore = await testudo('backtest', '--symbol', 'GOOG', '--timeframe', '1d', '--data-dir', store, ...args);
    expect(onlyWarnings(fromStore.stderr)).toBe(true);
    const fromFile = await testudo('backtest', '--data', GOOG, ...args);
    expect(JSON.parse(fromStore.stdout)).toEqual(JSON.parse(fromFile.stdout));
    expect(JSON.parse(fromStore.stdout)['Start']).toBe('2008-01-02T00:00:00.000Z');

    const none = await testudo('backtest', '--symbol', 'MSFT', '--timeframe', '1d', '--data-dir', store, ...args);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no candles');
  });

  it('writes no output file when one of them cannot be written', async () => {
    const ok = join(dir, 'unwritten-trades.csv');
    const r = await testudo(
      'backtest',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--trades-csv',
      ok,
      '--report',
      join(dir, 'no-such-dir', 'report.html'),
      '--json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no-such-dir');
    expect((await readdir(dir)).filter((f) => f.startsWith('unwritten'))).toEqual([]);
  });

  it('runs a strategy module given by path (its default export)', async () => {
    const file = join(dir, 'buy-and-hold.mjs');
    await writeFile(
      file,
      `export default {
  name: 'buy-and-hold',
  description: 'buys everything on the first bar and holds',
  params: {},
  init() {
    // Without indicators the first next call is at bar 1, as in backtesting.py.
    return (ctx) => { if (ctx.positionSize === 0 && ctx.trades.length === 0 && ctx.i === 1) ctx.buy(); };
  },
};
`,
    );
    const r = await testudo('backtest', '--data', GOOG, '--strategy', file, '--finalize-trades', '--json');
    expect(onlyWarnings(r.stderr)).toBe(true);
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as Record<string, number>;
    expect(stats['# Trades']).toBe(1);
    expect(stats['Exposure Time [%]']).toBeGreaterThan(99);
  });
});
