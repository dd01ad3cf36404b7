/**
 * `testudo parity` against a real server over real HTTP on a replay (PGlite, or PostgreSQL with
 * TESTUDO_TEST_DB=postgres): the report of a breakout paper run shows zero differences as text, JSON and a
 * self-contained HTML page; a seeded worse fill and a missed trade are reported; refusals exit with the server's code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, openRunWorld, type RunWorld } from './run-testing.ts';

const exec = promisify(execFile);

describe('testudo parity', () => {
  let w: RunWorld;
  let runId: number;
  const testudo = async (args: string[], token = w.user.token) => {
    try {
      const r = await exec(process.execPath, [BIN, ...args], {
        env: { ...process.env, TESTUDO_URL: w.url, TESTUDO_TOKEN: token },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  beforeAll(async () => {
    w = await openRunWorld(450);
    await w.step(5);
    runId = (await w.ctx.strategies.start(w.user.id, { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' })).id;
    await w.step(445);
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  });

  it('prints no differences for a paper run, as text, JSON and an offline HTML report', async () => {
    const html = join(mkdtempSync(join(tmpdir(), 'testudo-parity-')), 'parity.html');
    const text = await testudo(['parity', '--run', String(runId), '--html', html]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`run ${runId}: breakout on BTC-USD 1h (server, running)`);
    // the run is still going: its last trade is open live, so the verdict says its exit is not compared yet
    expect(text.stdout).toContain('no differences so far: the live record equals the backtest (1 trade still open');
    expect(text.stdout).toMatch(/R {13}backtest -?\d+\.\d{3} {2}live -?\d+\.\d{3} {2}difference -?0\.000/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('No differences so far: the live record equals the backtest (1 trade still open');
    expect(page).toContain('LightweightCharts');
    expect(page).toContain('connect-src &#39;none&#39;');
    const json = await testudo(['parity', '--run', String(runId), '--json']);
    const v = JSON.parse(json.stdout) as {
      equal: boolean;
      totals: { matched: number; backtestTrades: number; openLive: number };
    };
    expect(v.equal).toBe(true);
    expect(v.totals.openLive).toBe(1);
    expect(v.totals.matched).toBe(v.totals.backtestTrades);
  });

  it('reports a seeded worse fill and a missed trade, trade by trade', async () => {
    const rows = await w.sql.query(
      `SELECT t.id, t.side, t.entry_fill_price::text AS entry FROM strategy_orders so JOIN trades t ON t.id = so.trade_id
        WHERE so.run_id = $1 AND t.status = 'closed' ORDER BY so.bar_time`,
      [runId],
    );
    const [a, b] = rows;
    const worse = (Number(a!.entry) + (a!.side === 'buy' ? 2 : -2)).toFixed(2);
    await w.sql.query('UPDATE trades SET entry_fill_price = $2 WHERE id = $1', [a!.id, worse]);
    await w.sql.query('DELETE FROM strategy_orders WHERE run_id = $1 AND trade_id = $2', [runId, b!.id]);
    try {
      const r = await testudo(['parity', '--run', String(runId)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('differences: 1 differing, 1 missed, 0 extra');
      expect(r.stdout).toMatch(new RegExp(`differs .* trade #${String(a!.id)}: entryPrice; entry [\\d.]+→${worse}`));
      expect(r.stdout).toMatch(/^missed {2}(buy|sell) /m);
    } finally {
      await w.sql.query('UPDATE trades SET entry_fill_price = $2 WHERE id = $1', [a!.id, a!.entry]);
    }
  });

  it("exits 1 with run-not-found for another user's run and 2 for a malformed --run", async () => {
    const other = await w.newUser('other');
    const foreign = await testudo(['parity', '--run', String(runId)], other.token);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/^testudo parity: run-not-found: /);
    const bad = await testudo(['parity', '--run', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid-option/);
  });
});
