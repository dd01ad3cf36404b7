/**
 * `testudo run` against a real server over real HTTP and WebSockets on a replay (PGlite, or PostgreSQL with
 * TESTUDO_TEST_DB=postgres): a built-in strategy runs on the server and the command follows its stream, leaving it
 * running on Ctrl-C unless --stop-on-exit; a module runs on the client, places through the risk gate exactly the
 * trades the same strategy places server-hosted, and resumes after a kill -9 without doubling an order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, openRunWorld, type RunWorld } from './run-testing.ts';

/** A spawned `testudo` with its output so far. */
interface Cli {
  proc: ChildProcess;
  out: () => string;
  /** Resolves when stdout has a line matching `re` (rejects after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
}

function cli(args: string[], w: RunWorld, token = w.user.token): Cli {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TESTUDO_URL: w.url, TESTUDO_TOKEN: token },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    out: () => out + err,
    exited,
    waitFor: async (re, ms = 20_000) => {
      const t0 = Date.now();
      for (;;) {
        const m = out.split('\n').find((l) => re.test(l));
        if (m) return m;
        if (Date.now() - t0 > ms || proc.exitCode !== null)
          throw new Error(`no line matching ${String(re)} in:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe('testudo run (a built-in strategy on the server)', () => {
  let w: RunWorld;
  beforeAll(async () => {
    w = await openRunWorld(400);
    await w.step(5);
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('starts a server-hosted run, prints its stream, and leaves it running on Ctrl-C; --stop-on-exit stops it', async () => {
    const c = cli(['run', '--strategy', 'breakout', '--symbol', 'BTC-USD', '--timeframe', '1h'], w);
    const started = await c.waitFor(/^run \d+ started on the server/);
    const id = Number(/^run (\d+)/.exec(started)![1]);
    await c.waitFor(/^run \d+ running:/); // the stream's first message: subscribed
    await w.step(250);
    await c.waitFor(/ decision /, 60_000);
    await c.waitFor(/ fill /, 60_000);
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
    expect(c.out()).toMatch(new RegExp(`run ${id} keeps running on the server`));
    expect((await w.ctx.strategies.store.get({ id: w.user.id }, id)).status).toBe('running');

    const again = cli(['run', '--strategy', 'breakout', '--resume', String(id), '--stop-on-exit'], w);
    await again.waitFor(new RegExp(`^run ${id} followed`));
    await again.waitFor(/^run \d+ running:/); // the run view comes first
    again.proc.kill('SIGINT');
    expect(await again.exited).toBe(0);
    expect(again.out()).toContain(`run ${id} stopped`);
    expect((await w.ctx.strategies.store.get({ id: w.user.id }, id)).status).toBe('stopped');
  }, 120_000);

  it('refuses an unknown strategy name and a bad --account before calling the server (exit 2)', async () => {
    const a = cli(['run', '--strategy', 'nope', '--symbol', 'BTC-USD', '--timeframe', '1h'], w);
    expect(await a.exited).toBe(2);
    expect(a.out()).toMatch(/unknown-strategy/);
    const b = cli(['run', '--strategy', 'breakout', '--symbol', 'BTC-USD', '--timeframe', '1h', '--account', 'x'], w);
    expect(await b.exited).toBe(2);
    expect(b.out()).toMatch(/invalid-option/);
  });
});

describe('testudo run PATH (a module on the client)', () => {
  let w: RunWorld;
  let module: string;
  beforeAll(async () => {
    w = await openRunWorld(330);
    await w.step(5);
    const dir = mkdtempSync(join(tmpdir(), 'testudo-run-'));
    module = join(dir, 'my-breakout.mts');
    const breakout = fileURLToPath(new URL('../core/backtest/strategies/breakout.ts', import.meta.url));
    writeFileSync(
      module,
      `import { breakout } from ${JSON.stringify(breakout)};\nexport default { ...breakout, name: 'my-breakout' };\n`,
    );
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  /** Steps one bar at a time, each after the client has evaluated the previous one. */
  async function stepWith(c: Cli, n: number): Promise<void> {
    for (let k = 0; k < n; k++) {
      await w.step(1);
      const t = new Date(w.feed.now() - 3_600_000).toISOString();
      await c.waitFor(new RegExp(`^bar ${t.replace(/[.]/g, '\\.')} evaluated`));
    }
  }

  const trades = async (runId: number) =>
    (
      await w.sql.query(
        `SELECT t.side, t.qty::text AS qty, t.entry_fill_price::text AS entry, t.exit_fill_price::text AS exit,
                so.bar_time, t.closed_at
           FROM strategy_orders so JOIN trades t ON t.id = so.trade_id WHERE so.run_id = $1 ORDER BY so.bar_time`,
        [runId],
      )
    ).map((r) => ({ ...r, bar_time: String(r.bar_time), closed_at: String(r.closed_at) }));

  it('places the trades the server-hosted strategy places, and resumes after kill -9 without doubling an order', async () => {
    const other = await w.newUser('server-side');
    const serverRun = await w.ctx.strategies.start(other.id, {
      strategy: 'breakout',
      symbol: 'BTC-USD',
      timeframe: '1h',
    });
    const args = ['run', '--strategy', module, '--symbol', 'BTC-USD', '--timeframe', '1h', '--verbose'];
    const c = cli(args, w);
    const started = await c.waitFor(/^run \d+ started here \(client-hosted\)/);
    const id = Number(/^run (\d+)/.exec(started)![1]);
    await c.waitFor(/^warmed up with 5 bars/);
    await stepWith(c, 160);
    c.proc.kill('SIGKILL');
    await c.exited;
    const before = await trades(id);
    expect(before.length).toBeGreaterThan(0);

    const r = cli(['run', '--strategy', module, '--resume', String(id), '--verbose'], w);
    await r.waitFor(new RegExp(`^run ${id} resumed here`));
    await r.waitFor(/^bar .* evaluated/); // the cursor's bar, evaluated again (its orders answered from storage)
    await stepWith(r, 160);
    r.proc.kill('SIGINT');
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain(`continue it with --resume ${id}`);

    const mine = await trades(id);
    const orders = await w.sql.query('SELECT bar_time, seq FROM strategy_orders WHERE run_id = $1', [id]);
    expect(new Set(orders.map((o) => `${String(o.bar_time)}:${String(o.seq)}`)).size).toBe(orders.length);
    expect(mine.slice(0, before.length)).toEqual(before);
    expect(mine.length).toBeGreaterThan(before.length);
    expect(mine).toEqual(await trades(serverRun.id));
    const [run] = await w.sql.query('SELECT host, strategy FROM strategy_runs WHERE id = $1', [id]);
    expect(run).toMatchObject({ host: 'client', strategy: 'my-breakout' });
  }, 240_000);

  it('does not act on the warm-up history: a strategy that buys on every bar places nothing until a new bar', async () => {
    const eager = join(mkdtempSync(join(tmpdir(), 'testudo-run-')), 'eager.mjs');
    writeFileSync(
      eager,
      "export default { name: 'eager', description: 'buys on every bar', params: {}, init() { return (c) => c.buy({ sl: c.data.close[c.i] * 0.9, tp: c.data.close[c.i] * 1.5 }); } };\n",
    );
    const c = cli(['run', '--strategy', eager, '--symbol', 'BTC-USD', '--timeframe', '1h', '--warmup', '50'], w);
    const started = await c.waitFor(/^run \d+ started here/);
    const id = Number(/^run (\d+)/.exec(started)![1]);
    await c.waitFor(/^warmed up with 50 bars/);
    const none = await w.sql.query('SELECT count(*)::int AS n FROM strategy_orders WHERE run_id = $1', [id]);
    expect(Number(none[0]!.n)).toBe(0);
    await w.step(1);
    await c.waitFor(/ buy approved: trade #\d+/);
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
    const one = await w.sql.query('SELECT bar_time FROM strategy_orders WHERE run_id = $1', [id]);
    expect(one.map((r) => new Date(String(r.bar_time)).getTime())).toEqual([w.feed.now() - 3_600_000]);
  }, 120_000);
});
