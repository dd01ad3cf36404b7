import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
