/**
 * `testudo optimize` as a process over GOOG daily bars from ../shared/data (skipped with a message when missing):
 * locally, and through a real server listening on a local port (`--url`, `--token`), on PGlite by default or
 * PostgreSQL with `TESTUDO_TEST_DB=postgres` (where the job is cut into pg-boss chunks).
 */
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { barsFromCandles } from '../core/backtest/series.ts';
import { loadCandleFile } from '../feed/load.ts';
import { optimize, parseAxis, prepareGrid } from '../optimize/index.ts';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { TEST_DB, openTestDatabase } from '../db/testing.ts';
import { importCandles } from '../db/candles.ts';
import { buildServer } from '../server/app.ts';
import { RateLimiter } from '../server/ratelimit.ts';

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

describe('testudo optimize errors', () => {
  it('names a refused parameter and its value', async () => {
    const fail = async (...param: string[]): Promise<{ code: number; stderr: string }> =>
      (await run(process.execPath, [
        BIN,
        'optimize',
        '--data',
        'missing.csv',
        '--strategy',
        'sma-cross',
        ...param.flatMap((p) => ['--param', p]),
      ]).catch((e: { stderr: string; code: number }) => e)) as { code: number; stderr: string };
    const bad = await fail('fast=abc');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('testudo optimize: bad-param-range: --param fast: "abc" is not a whole number\n');
    expect((await fail('fast=5', 'slow=10,2.5')).stderr).toMatch(/--param slow: 2\.5 is not a whole number/);
    expect((await fail('fast=0,5')).stderr).toMatch(/--param fast: 0 is below the minimum 1/);
    expect((await fail('nope=1')).stderr).toMatch(/--param nope: sma-cross has no parameter "nope"/);
  });
});

describe.skipIf(!have)('testudo optimize --url (a real server)', () => {
  let sql: Sql;
  let ctx: AppContext;
  let app: FastifyInstance;
  let schema = 'public';
  let url: string;
  let token: string;
  let userId: number;

  beforeAll(async () => {
    sql = await openTestDatabase();
    schema = String((await sql.query('SELECT current_schema() AS s'))[0]!.s);
    ctx = await createContext({ sql, backtests: { threads: 2 } });
    app = await buildServer(ctx, { rateLimiter: new RateLimiter(() => 1_000_000) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await importCandles(sql, 'GOOG', '1d', (await loadCandleFile(GOOG)).candles);
    const u = await ctx.auth.register('quant@optimize-cli.test', 'password1');
    userId = u.id;
    token = await ctx.auth.createApiToken(u.id, 'cli');
  });

  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    if (TEST_DB === 'postgres') await sql?.query(`DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
    await sql?.close();
  });

  const grid = ['--param', 'fast=5:15:5', '--param', 'slow=20,30', '--constraint', 'fast<slow'];
  const common = ['--strategy', 'sma-cross', ...grid, '--maximize', 'Return [%]', '--commission', '0.001'];

  it('submits the grid as a job, follows it and prints the local ranking as JSON', async () => {
    const remote = await run(
      process.execPath,
      [BIN, 'optimize', '--symbol', 'GOOG', '--timeframe', '1d', ...common, '--json'],
      { env: { ...process.env, TESTUDO_URL: url, TESTUDO_TOKEN: token } },
    );
    const local = await run(process.execPath, [BIN, 'optimize', '--data', GOOG, ...common, '--workers', '2', '--json']);
    const r = JSON.parse(remote.stdout);
    const l = JSON.parse(local.stdout);
    expect(r).toMatchObject({ strategy: 'sma-cross', maximize: 'Return [%]', total: 6, skipped: 0, bars: 2148 });
    expect(r.server).toBe(url);
    expect(r.results).toEqual(l.results);
    expect((await ctx.backtests.get(userId, r.id)).status).toBe('done');
  });

  it('prints the same table with --url and --token, with Testudo options', async () => {
    const args = ['--strategy', 'breakout', '--param', 'rr=1.5,2', '--risk', '1', '--lot-size', '1', '--top', '2'];
    const remote = await run(process.execPath, [
      BIN,
      'optimize',
      '--url',
      url,
      '--token',
      token,
      '--symbol',
      'GOOG',
      '--timeframe',
      '1d',
      ...args,
    ]);
    const local = await run(process.execPath, [BIN, 'optimize', '--data', GOOG, ...args, '--workers', '1']);
    const table = (s: string): string => s.slice(s.indexOf('\n\n'));
    expect(remote.stdout).toMatch(
      /^breakout: 2 parameter sets over 2148 bars, on http:\/\/127\.0\.0\.1:\d+ \(optimisation \d+\)/,
    );
    expect(table(remote.stdout)).toBe(table(local.stdout));
    expect(table(local.stdout)).toMatch(/#\s+rr\s+SQN/);
  });

  it('reports a refusal of the server and a job that failed', async () => {
    const noToken = await run(
      process.execPath,
      [BIN, 'optimize', '--url', url, '--symbol', 'GOOG', '--timeframe', '1d', ...common],
      {
        env: { ...process.env, TESTUDO_TOKEN: '' },
      },
    ).catch((e: { stderr: string; code: number }) => e);
    expect((noToken as { stderr: string }).stderr).toMatch(/no API token/);
    const failed = await run(process.execPath, [
      BIN,
      'optimize',
      '--url',
      url,
      '--token',
      token,
      '--symbol',
      'NOPE',
      '--timeframe',
      '1d',
      ...common,
    ]).catch((e: { stderr: string; code: number }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/optimisation \d+ failed: no-data: /);
  });
});
