import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { openTestDatabase } from '../db/testing.ts';
import { migrate } from '../db/migrate.ts';
import { ingestCandles, readCandlePage } from '../db/candles.ts';
import type { Sql } from '../db/sql.ts';
import { parseCandles } from '../core/marketdata/importers.ts';
import { TIMEFRAME_CHAIN } from '../core/marketdata/resample.ts';
import { createContext, type AppContext } from '../app/context.ts';
import { buildServer } from '../server/app.ts';
import { importCandleFile } from './candles.ts';
import { bracketFromPercent, statsLines } from './client.ts';
import { firstAdminOf, firstLoginFile, firstRunMessage } from './serve.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));

async function testudo(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: '' },
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

describe('testudo size', () => {
  it('prints 20 units and the risk taken for the Van Tharp example', async () => {
    const r = await testudo('size', '--equity', '10000', '--risk', '1', '--entry', '100', '--stop', '95');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('long 20 units');
    expect(r.stdout).toContain('risk taken 100 = 1% of equity');
  });

  it('prints one JSON document with --json', async () => {
    const r = await testudo('size', '--equity', '10000', '--entry', '100', '--stop', '105', '--target', '90', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      side: 'sell',
      qty: '20',
      risk: '100',
      riskPct: '1',
      rewardRisk: 2,
    });
  });

  it('rounds down to the lot and includes fees in the risk', async () => {
    // loss per unit = 3 + 100 × 0.001 + 97 × 0.001 = 3.197 → floor(100 / 3.197) = 31 units, risk 99.107
    const r = await testudo(
      'size',
      '--equity',
      '10000',
      '--entry',
      '100',
      '--stop',
      '97',
      '--lot',
      '1',
      '--taker-fee',
      '0.001',
      '--json',
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ qty: '31', risk: '99.107' });
  });

  it('reports a size below the minimum as no trade with its reason and exit code 1', async () => {
    const r = await testudo('size', '--equity', '100', '--entry', '100', '--stop', '95', '--lot', '1', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'quantity-zero' });
  });

  it('rejects a stop equal to the entry with a usage error', async () => {
    const r = await testudo('size', '--equity', '100', '--entry', '100', '--stop', '100');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--stop must differ from --entry');
  });
});

describe('testudo candles import', () => {
  it('imports a file once and skips the rows already stored on a second import', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
    try {
      const file = join(dir, 'bars.csv');
      await writeFile(
        file,
        'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,101,99,100.5,10\n2024-01-01T01:00:00Z,100.5,102,100,101,12\n',
      );
      const args = [
        'candles',
        'import',
        file,
        '--symbol',
        'TEST-USD',
        '--timeframe',
        '1h',
        '--data-dir',
        join(dir, 'db'),
        '--json',
      ];
      const first = JSON.parse((await testudo(...args)).stdout);
      expect(first).toMatchObject({
        format: 'csv',
        candles: 2,
        inserted: 2,
        skipped: 0,
        first: '2024-01-01T00:00:00.000Z',
      });
      const second = JSON.parse((await testudo(...args)).stdout);
      expect(second).toMatchObject({ candles: 2, inserted: 0, skipped: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed file naming the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
    try {
      const file = join(dir, 'bad.csv');
      await writeFile(file, 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,99,101,100,1\n');
      const r = await testudo(
        'candles',
        'import',
        file,
        '--symbol',
        'X-USD',
        '--timeframe',
        '1h',
        '--data-dir',
        join(dir, 'db'),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/line 2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const TRADES = fileURLToPath(new URL('../../../shared/data/freqtrade-xrp-eth-trades.json.gz', import.meta.url));
const haveTrades = existsSync(TRADES);
if (!haveTrades) console.warn(`skipping the trades CLI test: ${TRADES} is absent`);

describe('testudo candles from trades, gaps, export and resample', () => {
  it.skipIf(!haveTrades)(
    'builds 1m candles from real trades, reports gaps and exports a re-importable range',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
      const db = ['--data-dir', join(dir, 'db')];
      try {
        const imp = await testudo('candles', 'import', '--from-trades', TRADES, '--symbol', 'XRP/ETH', ...db, '--json');
        expect(imp.code).toBe(0);
        expect(JSON.parse(imp.stdout)).toMatchObject({
          format: 'freqtrade-trades',
          timeframe: '1m',
          trades: 12_477,
          candles: 2469,
          inserted: 2469,
          first: '2019-10-11T00:00:00.000Z',
          rolledUp: { '1h': 60, '1d': 3, '1w': 1 },
        });
        expect(imp.stderr).toBe(''); // no progress bar when stderr is not a terminal

        const gaps = JSON.parse(
          (await testudo('candles', 'gaps', '--symbol', 'XRP/ETH', '--timeframe', '1m', ...db, '--json')).stdout,
        );
        expect(gaps).toMatchObject({ bars: 2469, first: '2019-10-11T00:00:00.000Z', last: '2019-10-13T11:19:00.000Z' });
        // every minute of the span is either a bar or inside a reported gap
        const span = (Date.parse(gaps.last) - Date.parse(gaps.first)) / 60_000 + 1;
        expect(gaps.bars + gaps.missingBars).toBe(span);
        expect(gaps.gaps[0]).toEqual({
          from: expect.any(String),
          to: expect.any(String),
          missingBars: expect.any(Number),
        });

        const out = join(dir, 'xrp-1h.csv');
        const exp = await testudo(
          'candles',
          'export',
          '--symbol',
          'XRP/ETH',
          '--timeframe',
          '1h',
          '--from',
          '2019-10-12',
          '--to',
          '2019-10-13',
          '--out',
          out,
          ...db,
          '--json',
        );
        expect(JSON.parse(exp.stdout)).toMatchObject({ candles: 24, out });
        const csv = await readFile(out, 'utf8');
        expect(csv.split('\n')[0]).toBe('time,open,high,low,close,volume');
        expect(csv.split('\n')[1]).toMatch(/^2019-10-12T00:00:00\.000Z,0\.\d+,/);
        // the export imports again (timeframe inferred from the spacing) with the same values
        const again = JSON.parse(
          (await testudo('candles', 'import', out, '--symbol', 'XRP-COPY', ...db, '--json')).stdout,
        );
        expect(again).toMatchObject({ format: 'csv', timeframe: '1h', inserted: 24 });
        const json = await testudo(
          'candles',
          'export',
          '--symbol',
          'XRP-COPY',
          '--timeframe',
          '1h',
          '--format',
          'json',
          ...db,
        );
        const orig = await testudo(
          'candles',
          'export',
          '--symbol',
          'XRP/ETH',
          '--timeframe',
          '1h',
          '--from',
          '2019-10-12',
          '--to',
          '2019-10-13',
          '--format',
          'json',
          ...db,
        );
        expect(JSON.parse(json.stdout)).toEqual(JSON.parse(orig.stdout));

        const rs = JSON.parse(
          (await testudo('candles', 'resample', '--symbol', 'XRP/ETH', '--from-timeframe', '1m', ...db, '--json'))
            .stdout,
        );
        expect(rs).toEqual({
          symbol: 'XRP/ETH',
          fromTimeframe: '1m',
          written: { '5m': 0, '15m': 0, '1h': 0, '4h': 0, '1d': 0, '1w': 0 },
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses an unsorted file naming the line and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
    const db = ['--data-dir', join(dir, 'db')];
    try {
      const file = join(dir, 'dup.csv');
      await writeFile(
        file,
        'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,101,99,100,1\n2024-01-01T00:00:00Z,100,101,99,100,1\n',
      );
      const r = await testudo('candles', 'import', file, '--symbol', 'DUP', '--timeframe', '1h', ...db);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/line 3: duplicate time/);
      const gaps = JSON.parse(
        (await testudo('candles', 'gaps', '--symbol', 'DUP', '--timeframe', '1h', ...db, '--json')).stdout,
      );
      expect(gaps.bars).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs the CLI and measures how long it took (ms). */
async function timed(...args: string[]): Promise<{ stdout: string; stderr: string; code: number; ms: number }> {
  const t = Date.now();
  const r = await testudo(...args);
  return { ...r, ms: Date.now() - t };
}

/** The one error shape: `testudo <command>: <code>: <message>`. */
const ERROR_LINE = /^testudo( [a-z]+)*: [a-z][a-z0-9]*(-[a-z0-9]+)*: \S/;

describe('testudo --version and the error shape', () => {
  it('prints the package version with --version and -V, exit code 0', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await testudo(flag);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `${pkg.version}\n`, '']);
    }
  });

  it('reports usage errors as testudo <command>: <code>: <message> with exit code 2', async () => {
    const unknown = await testudo('serve', '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^testudo serve: unknown-option: unknown option '--bogus'/);
    const missing = await testudo('size', '--entry', '100', '--stop', '95');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^testudo size: missing-option: required option '--equity <amount>' not specified/);
    const command = await testudo('nope');
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^testudo: unknown-command: unknown command 'nope'/);
    const value = await testudo('size', '--equity', '100', '--entry', '100', '--stop', '100');
    expect([value.code, value.stderr]).toEqual([2, 'testudo size: invalid-option: --stop must differ from --entry\n']);
    for (const r of [unknown, missing, command, value]) {
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(ERROR_LINE);
    }
  });

  it('reports bad input (a malformed file) with its code and exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
    try {
      const file = join(dir, 'bad.csv');
      await writeFile(file, 'time,open,high,low,close\n2024-01-01T00:00:00Z,100,99,101,100\n');
      const r = await testudo(
        'candles',
        'import',
        file,
        '--symbol',
        'X',
        '--timeframe',
        '1h',
        '--data-dir',
        join(dir, 'db'),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`testudo candles import: high-below-low: ${file}: line 2: high 99 is below low 101\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('testudo serve refuses bad flags at once', () => {
  it('exits with code 2 for --port 99999, a bad --speed, --timeframe or --start, before opening the database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
    const db = join(dir, 'db');
    try {
      const cases: [string[], RegExp][] = [
        [['--port', '99999'], /^testudo serve: invalid-option: --port 99999: must be a port number, 0 to 65535/],
        [['--port', 'abc'], /^testudo serve: invalid-option: --port abc/],
        [['--speed', '0'], /^testudo serve: invalid-option: --speed 0: must be a positive number/],
        [['--timeframe', '7m'], /^testudo serve: invalid-option: --timeframe 7m: use 1m 5m/],
        [['--start', 'yesterday'], /^testudo serve: invalid-option: --start yesterday: not an ISO 8601/],
        [['--symbols', 'BTCUSDT'], /^testudo serve: invalid-option: --symbols: BTCUSDT is not BASE-QUOTE/],
        [['--database-url', 'mysql://x'], /^testudo serve: invalid-option: --database-url mysql:\/\/x/],
      ];
      const runs = await Promise.all(cases.map(([flags]) => timed('serve', ...flags, '--data-dir', db)));
      runs.forEach((r, i) => {
        expect(r.code, cases[i]![0].join(' ')).toBe(2);
        expect(r.stderr).toMatch(cases[i]![1]);
        expect(r.stdout).toBe('');
        // no database, no feed, no port: the process ends by itself (a hang would hit the test's timeout)
        expect(r.ms).toBeLessThan(20_000);
      });
      expect(existsSync(db)).toBe(false); // refused before the data directory was made or migrated

      // a port in use: bad input (exit 1), also found before the database opens
      const other = createServer();
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
      const busy = (other.address() as AddressInfo).port;
      const taken = await testudo('serve', '--port', String(busy), '--no-feed', '--data-dir', db);
      other.close();
      expect(taken.code).toBe(1);
      expect(taken.stderr).toMatch(new RegExp(`^testudo serve: port-in-use: --port ${busy} --host 127\\.0\\.0\\.1: `));
      expect(existsSync(db)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('missing files are a friendly error everywhere', () => {
  it('says file-not-found (exit code 1) for candles import, serve --replay and backtest --data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-cli-'));
    const db = join(dir, 'db');
    const gone = join(dir, 'missing.csv');
    try {
      const [imp, trades, serve, backtest] = await Promise.all([
        testudo('candles', 'import', gone, '--symbol', 'X', '--data-dir', db),
        testudo('candles', 'import', '--from-trades', gone, '--symbol', 'X', '--data-dir', db),
        testudo('serve', '--replay', gone, '--data-dir', db),
        testudo('backtest', '--data', gone, '--strategy', 'sma-cross'),
      ]);
      expect([imp.code, imp.stderr]).toEqual([1, `testudo candles import: file-not-found: ${gone}: no such file\n`]);
      expect([trades.code, trades.stderr]).toEqual([
        1,
        `testudo candles import: file-not-found: ${gone}: no such file\n`,
      ]);
      expect([serve.code, serve.stderr]).toEqual([
        1,
        `testudo serve: file-not-found: --replay ${gone}: no such file\n`,
      ]);
      expect([backtest.code, backtest.stderr]).toEqual([
        1,
        `testudo backtest: file-not-found: --data ${gone}: no such file\n`,
      ]);
      for (const r of [imp, trades, serve, backtest]) expect(r.stderr).not.toMatch(/ENOENT/);
      expect(existsSync(db)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('testudo journal stats and trade against a real server', () => {
  let sql: Sql;
  let ctx: AppContext;
  let app: FastifyInstance;
  let url = '';
  let token = '';

  beforeAll(async () => {
    sql = await openTestDatabase();
    ctx = await createContext({ sql });
    app = await buildServer(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const u = await ctx.auth.register('newcomer@cli.test', 'password1');
    token = await ctx.auth.createApiToken(u.id, 'cli');
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await sql?.close();
  });

  it('prints an en dash, not 0.0%, for the statistics of an empty journal', async () => {
    const r = await testudo('journal', 'stats', '--url', url, '--token', token);
    expect(r.code).toBe(0);
    const rows = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, 22).trim(), l.slice(23)]),
    );
    expect(rows).toMatchObject({
      trades: '0',
      'win rate': '–',
      'avg win': '–',
      'avg loss': '–',
      expectancy: '–',
      SQN: '–',
      'profit factor': '–',
    });
    expect(r.stdout).not.toMatch(/0\.0%/);
  });

  it('refuses a bad token with the server code in the CLI shape and exit code 1', async () => {
    const r = await testudo('journal', 'stats', '--url', url, '--token', 'tdo_wrong');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^testudo journal stats: [a-z-]+: /);
  });

  it('says server-unreachable when nothing listens at --url', async () => {
    const r = await testudo('journal', 'stats', '--url', 'http://127.0.0.1:1', '--token', token);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^testudo journal stats: server-unreachable: cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});

describe('statistics and brackets the CLI computes', () => {
  it('shows – for undefined statistics and numbers otherwise', () => {
    const lines = statsLines({
      trades: 2,
      winRate: 0.5,
      avgWinR: 2,
      avgLossR: -1,
      expectancyR: 0.5,
      sqn: null,
      profitFactor: 2,
      totalR: 1,
      netPnl: '50',
      maxDrawdown: '10',
      maxDrawdownPct: 0.1,
      longestLosingStreak: 1,
    });
    expect(lines).toContain('win rate               50.0%');
    expect(lines).toContain('SQN                    –');
  });

  it('prints the CLI line of the first start with --url only when the server is not at the default address', () => {
    const o = { email: 'demo@testudo.local', password: 'pw', token: 'tdo_x', symbol: 'BTC-USD' };
    const home = firstRunMessage({ ...o, url: 'http://127.0.0.1:3000' }).join('\n');
    expect(home).toContain('Desk:      http://127.0.0.1:3000/  (log in as demo@testudo.local, password pw)');
    expect(home).toContain('npx testudo trade --symbol BTC-USD --side buy --stop-pct 2 --target-r 3 --preview');
    expect(home).not.toContain('--url');
    const other = firstRunMessage({ ...o, url: 'http://127.0.0.1:8080' }).join('\n');
    expect(other).toContain('npx testudo journal stats --url http://127.0.0.1:8080');
  });

  it('takes the first admin from TESTUDO_ADMIN_EMAIL and TESTUDO_ADMIN_PASSWORD when both are set, else the demo user', () => {
    const named = { TESTUDO_ADMIN_EMAIL: ' ops@example.com ', TESTUDO_ADMIN_PASSWORD: 'long secret 1' };
    expect(firstAdminOf(named)).toEqual({ email: 'ops@example.com', password: 'long secret 1', generated: false });
    for (const env of [{}, { TESTUDO_ADMIN_EMAIL: 'ops@example.com' }, { TESTUDO_ADMIN_PASSWORD: 'x' }]) {
      const a = firstAdminOf(env);
      expect([a.email, a.generated, a.password.length]).toEqual(['demo@testudo.local', true, 12]);
    }
    expect(firstAdminOf({}).password).not.toBe(firstAdminOf({}).password);
  });

  it('prices --stop-pct and --target-r from the current price on the tick grid', () => {
    // long at 2445.99: stop 2% below rounded down to the tick, target 3 × the distance above rounded up
    expect(bracketFromPercent('buy', '2445.99', '0.01', '2', '3')).toEqual({ stop: '2397.07', target: '2592.75' });
    expect(bracketFromPercent('sell', '100', '0.5', '1', '2')).toEqual({ stop: '101', target: '98' });
    expect(bracketFromPercent('buy', '100', '0.01', undefined, '2', '95')).toEqual({ target: '110' });
    expect(() => bracketFromPercent('buy', '100', '0.01', '150', undefined)).toThrow(/--stop-pct 150/);
  });
});

/** Every stored candle of `symbol`, every timeframe, as comparable rows. */
async function storedRows(sql: Sql, symbol: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const timeframe of TIMEFRAME_CHAIN) {
    const rows = await readCandlePage(sql, { symbol, timeframe }, undefined, 1_000_000);
    out.push(...rows.map((r) => [timeframe, r.time, r.open, r.high, r.low, r.close, r.volume, r.complete]));
  }
  return out;
}

describe('candles import streams the file', () => {
  let sql: Sql;
  let dir = '';
  beforeAll(async () => {
    sql = await openTestDatabase();
    await migrate(sql);
    dir = await mkdtemp(join(tmpdir(), 'testudo-stream-'));
  });
  afterAll(async () => {
    await sql?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** `n` hourly bars from 2023-12-20 (across a year end, so several yearly partitions and weeks), newest first. */
  function cddFile(n: number): string {
    const rows: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = Date.UTC(2023, 11, 20) + i * 3_600_000;
      const d = new Date(t);
      const h = d.getUTCHours();
      const stamp = `${d.toISOString().slice(0, 10)} ${String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0')}-${h < 12 ? 'AM' : 'PM'}`;
      const o = 100 + (i % 17);
      rows.push(`${stamp},BTCUSD,${o},${o + 2.5},${o - 1.25},${o + 1},${(i % 7) + 0.125},1`);
    }
    return (
      [
        'Timestamps are UTC timezone,https://www.CryptoDataDownload.com',
        'date,symbol,open,high,low,close,volume_btc,volume',
        ...rows.reverse(),
      ].join('\n') + '\n'
    );
  }

  it('parses and stores a multi-chunk file in batches with progress, exactly as a whole-file import', async () => {
    const file = join(dir, 'cdd.csv');
    const text = cddFile(3000);
    await writeFile(file, text);
    const progress: [number, number, number][] = [];
    const r = await importCandleFile(sql, file, {
      symbol: 'STREAM',
      batchRows: 500,
      chunkBytes: 16 * 1024,
      onProgress: (done, total, rows) => progress.push([done, total, rows]),
    });
    expect(r).toMatchObject({ format: 'cryptodatadownload', timeframe: '1h', candles: 3000, inserted: 3000 });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every(([, total]) => total === Buffer.byteLength(text))).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    expect(progress[progress.length - 1]).toEqual([Buffer.byteLength(text), Buffer.byteLength(text), 3000]);

    // the same bars through the whole-array path: the same rows at every timeframe (the rollups included)
    const whole = await ingestCandles(sql, 'WHOLE', '1h', parseCandles(text).candles);
    expect(r.rolledUp).toEqual(whole.rolledUp);
    expect(await storedRows(sql, 'STREAM')).toEqual(await storedRows(sql, 'WHOLE'));

    // idempotent: a second import stores nothing new and changes nothing
    const again = await importCandleFile(sql, file, { symbol: 'STREAM', batchRows: 500, chunkBytes: 16 * 1024 });
    expect(again).toMatchObject({ candles: 3000, inserted: 0, updated: 0 });
    expect(await storedRows(sql, 'STREAM')).toEqual(await storedRows(sql, 'WHOLE'));
  });

  it('writes nothing when a late row of the file is bad (one transaction over every batch)', async () => {
    const file = join(dir, 'late-error.csv');
    const lines = cddFile(2000).split('\n');
    lines[1500] = lines[1500]!.replace(/,BTCUSD,(\d+),/, ',BTCUSD,$1,1,'); // a row with an extra field
    await writeFile(file, lines.join('\n'));
    const err = await importCandleFile(sql, file, { symbol: 'LATE', batchRows: 200, chunkBytes: 8 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'wrong-column-count', line: 1501 });
    expect(await storedRows(sql, 'LATE')).toEqual([]);
  });
});

describe('npm start offline (testudo serve without feed flags)', () => {
  it('replays the shipped sample, says so, prints a Desk URL, and writes the login and a CLI line that works as printed to an owner-only file, never to stdout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testudo-serve-'));
    // the exchange's API is pointed at a closed port: the probe fails at once, as on a machine without a network
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', join(dir, 'db')], {
      env: { ...process.env, DATABASE_URL: '', TESTUDO_EXCHANGE_API: 'http://127.0.0.1:1' },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no first-run message:\n${out}`)), 90_000);
        child.stdout.on('data', () => {
          if (out.includes('(readable only by you)')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
      });
      expect(out).toMatch(/binance is not reachable .*: this machine looks offline/);
      expect(out).toMatch(/replaying the bundled sample instead: 20111 1h bars of BTC-USD/);
      // stdout says where the login is, never the password or a token (stdout ends up in logs)
      const file = firstLoginFile(join(dir, 'db'));
      expect(out).toContain(`Login: the password, an API token and CLI commands are in ${file} (readable only by you)`);
      expect(out).not.toMatch(/tdo_|password \S/);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const login = await readFile(file, 'utf8');
      const url = /Desk: +(http:\/\/127\.0\.0\.1:\d+)\/ +\(log in as demo@testudo\.local, password (\S+)\)/.exec(login);
      expect(url).not.toBeNull();
      const base = url![1]!;
      expect(out).toContain(`Desk:  ${base}/`);
      // usable at once: BTC-USD has a price, and the replay moves it
      const price = async (): Promise<string | null> => {
        const list = (await (await fetch(`${base}/api/v1/instruments`)).json()) as {
          symbol: string;
          lastPrice: string | null;
        }[];
        return list.find((i) => i.symbol === 'BTC-USD')?.lastPrice ?? null;
      };
      const first = await price();
      expect(first).toMatch(/^\d+(\.\d+)?$/);
      let later = first;
      for (let i = 0; i < 40 && later === first; i++) {
        await new Promise((r) => setTimeout(r, 250));
        later = await price();
      }
      expect(later).not.toBe(first); // bars arrive (1 per second)
      // the printed CLI line works as printed (with --url, the port not being 3000), here as a preview
      const token = /export TESTUDO_TOKEN=(tdo_\S+)/.exec(login)![1]!;
      const line = /npx testudo (trade --url \S+ .*--preview)/.exec(login)![1]!;
      expect(line).toContain(`--url ${base}`);
      const { stdout } = await run(process.execPath, [BIN, ...line.split(' ')], {
        env: { ...process.env, TESTUDO_TOKEN: token },
      });
      expect(stdout).toMatch(/^at \d+(\.\d+)?: stop \d+(\.\d+)?, target \d+(\.\d+)?\nwould be approved/);
      const signIn = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'demo@testudo.local', password: url![2] }),
      });
      expect(signIn.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the compiled CLI (npm run build:cli)', () => {
  it('builds, and finds package.json, the migrations and its lazily loaded commands from its own folder', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const out = join(root, 'dist', `cli-test-${process.pid}`);
    const dir = await mkdtemp(join(tmpdir(), 'testudo-built-'));
    try {
      await run(process.execPath, [join(root, 'scripts/build-cli.mjs'), '--outdir', out]);
      await writeFile(join(out, 'run.mjs'), "const { main } = await import('./main.js');\nawait main(process.argv);\n");
      const built = async (...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> =>
        run(process.execPath, [join(out, 'run.mjs'), ...args], { env: { ...process.env, DATABASE_URL: '' } }).then(
          (r) => ({ ...r, code: 0 }),
          (e: { stdout: string; stderr: string; code: number }) => e,
        );
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
      expect((await built('--version')).stdout).toBe(`${pkg.version}\n`);
      expect((await built('size', '--equity', '10000', '--entry', '100', '--stop', '95')).stdout).toContain(
        'long 20 units',
      );
      const file = join(dir, 'bars.csv');
      await writeFile(
        file,
        'time,open,high,low,close,volume\n2024-01-01T00:00,1,2,1,2,5\n2024-01-01T01:00,2,3,2,3,5\n',
      );
      const imp = await built('candles', 'import', file, '--symbol', 'B', '--data-dir', join(dir, 'db'), '--json');
      expect(imp.code).toBe(0); // the migrations were found from dist (src/db/migrations)
      expect(JSON.parse(imp.stdout)).toMatchObject({ inserted: 2, timeframe: '1h' });
      const bad = await built('serve', '--replay', join(dir, 'none.csv'), '--data-dir', join(dir, 'db2'));
      expect([bad.code, bad.stderr]).toEqual([
        1,
        `testudo serve: file-not-found: --replay ${join(dir, 'none.csv')}: no such file\n`,
      ]);
    } finally {
      await rm(out, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
