import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

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
