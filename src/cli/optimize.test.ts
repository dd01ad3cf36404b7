/** `testudo optimize` as a process over GOOG daily bars from ../shared/data (skipped with a message when missing). */
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { barsFromCandles } from '../core/backtest/series.ts';
import { loadCandleFile } from '../feed/load.ts';
import { optimize, parseAxis, prepareGrid } from '../optimize/index.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));
const GOOG = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
const have = existsSync(GOOG);
if (!have) console.warn(`skipping the testudo optimize tests: ${GOOG} is missing`);

describe.skipIf(!have)('testudo optimize', () => {
  it('prints the ranking of the serial loop as JSON', async () => {
    const args = ['--param', 'fast=5:15:5', '--param', 'slow=20,30', '--constraint', 'fast<slow'];
    const { stdout } = await run(process.execPath, [
      BIN,
      'optimize',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      ...args,
      '--maximize',
      'Return [%]',
      '--workers',
      '2',
      '--commission',
      '0.001',
      '--json',
    ]);
    const out = JSON.parse(stdout);
    const g = prepareGrid({
      strategy: 'sma-cross',
      axes: [parseAxis('fast=5:15:5'), parseAxis('slow=20,30')],
      constraint: 'fast<slow',
      maximize: 'Return [%]',
      options: { commission: '0.001' },
    });
    const serial = await optimize(
      barsFromCandles((await loadCandleFile(GOOG)).candles),
      g,
      { commission: '0.001' },
      {
        workers: 1,
      },
    );
    expect(out).toMatchObject({ strategy: 'sma-cross', maximize: 'Return [%]', total: 6, skipped: 0, workers: 2 });
    expect(out.results.map((r: { params: unknown }) => r.params)).toEqual(serial.ranked.map((r) => r.params));
    expect(out.results[0].stats).toEqual(JSON.parse(JSON.stringify(serial.ranked[0]!.stats)));
  });

  it('prints a table, and refuses a bad range with its reason', async () => {
    const { stdout } = await run(process.execPath, [
      BIN,
      'optimize',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--param',
      'fast=5,10',
      '--top',
      '1',
      '--workers',
      '1',
    ]);
    expect(stdout).toMatch(/2 parameter sets over 2148 bars/);
    expect(stdout).toMatch(/#\s+fast\s+SQN/);
    const bad = await run(process.execPath, [
      BIN,
      'optimize',
      '--data',
      GOOG,
      '--strategy',
      'sma-cross',
      '--param',
      'fast=9:1:1',
    ]).catch((e: { stderr: string; code: number }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/stop 1 is below start 9/);
  });
});
