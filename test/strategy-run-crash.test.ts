/**
 * A server-hosted strategy run survives a real `kill -9` of the server without a duplicate or a lost order.
 *
 * The real server (`node bin/testudo.mjs serve`) runs as a child process on a durable database — a PGlite data
 * directory, or a fresh schema on the PostgreSQL test server with `TESTUDO_TEST_DB=postgres` — replaying the
 * repository's Coinbase BTC-USD hours fast. With the first start's API token the test starts a `breakout` run through
 * the REST API, waits until it has placed an order and kills the server with SIGKILL at once or a few milliseconds
 * later (while the run is submitting and recording orders), several times, restarting it on the same database in
 * between; after the last restart the run resumes and carries on for a stretch of bars, and the server is stopped.
 *
 * Asserted on the database: every trade of the run (tagged `strategy-run-<id>`) has exactly one `strategy_orders`
 * row and no row has two trades; each Idempotency-Key `strategy-run:<run>:<bar>:<seq>` names at most one trade and
 * no trade answers two keys; and the run's orders — bar, seq, side, size, entry, stop and target, with each exit
 * that happened by the run's last processed bar — equal an uninterrupted run over the same bars (the same built-in
 * strategy started in-process at the same bar with the same history on a fresh database, stepped bar by bar to the
 * same cursor).
 *
 * The replayed clock is the market clock: a market entry fills at the feed's price when it is submitted, so the
 * replay runs slowly enough (25 bars/s on PGlite, 10 on PostgreSQL) for the run to act on each bar before the next
 * one closes. On a machine too loaded for that, a late entry fills at a later bar's price (as it would live), and
 * every later size follows from the changed equity: the decisions (bar, seq, side, stop, target, approval) are then
 * still compared in full, the fills up to the first late entry (a warning names it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../src/app/context.ts';
import { sampleCandles, stepBars } from '../src/app/strategies/testing.ts';
import { toMs, type Sql } from '../src/db/sql.ts';
import { TEST_DB, openTestDatabase } from '../src/db/testing.ts';
import { ReplayFeed } from '../src/feed/replay.ts';
import { crashHarness, durableDatabase } from './crash-harness.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE = join(ROOT, 'data', 'coinbase-btcusd-1h.csv.gz');
/** Replayed bars per second: slow enough for the run to act on a bar before the next closes. */
const SPEED = TEST_DB === 'postgres' ? 10 : 25;
const HOUR = 3_600_000;
/** Kills, each this many ms after the run was seen to have placed a new order. */
const KILL_DELAYS = [0, 10];
/** Bars the run processes after the last restart before the server is stopped. */
const FINAL_BARS = 120;
const ADMIN = { email: 'crash@example.com', password: 'crash-test-password-1' };

const candles = sampleCandles();
const { children, cleanups } = crashHarness({ ignoreCleanupErrors: true });

/** A running server: its base URL and its process. */
interface Server {
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output: () => string;
}

/** Starts `testudo serve` on the database in `args` and resolves once it listens. */
async function startServer(args: string[]): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'testudo.mjs'),
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--replay',
      SAMPLE,
      '--symbol',
      'BTC-USD',
      '--timeframe',
      '1h',
      '--speed',
      String(SPEED),
      ...args,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TESTUDO_CLI: 'src',
        TESTUDO_ADMIN_EMAIL: ADMIN.email,
        TESTUDO_ADMIN_PASSWORD: ADMIN.password,
        TESTUDO_RATE_LIMIT_FACTOR: 'off',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) =>
    child.on('close', (code, signal) => res({ code, signal })),
  );
  const url = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      out += l + '\n';
      const m = /listening on (http:\/\/\S+?)\/ /.exec(l);
      if (m) res(m[1]!);
    });
    void exited.then(({ code, signal }) =>
      rej(new Error(`server ended (${code ?? signal}) before listening:\n${out}`)),
    );
  });
  return { url, child, exited, output: () => out };
}

/** Kills a server with SIGKILL and waits until it is gone. */
async function kill9(s: Server): Promise<void> {
  s.child.kill('SIGKILL');
  expect((await s.exited).signal).toBe('SIGKILL');
}

/** A JSON call with the API token. */
async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await r.json()) as T;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

interface RunView {
  id: number;
  status: string;
  cursorTime: string | null;
  historyFrom: string | null;
  stats: { trades: number; open: number; rejections: number };
}

/** Orders of the run (strategy_orders rows) ahead of `after`, polled until `until` holds or `ms` pass. */
async function poll<T>(read: () => Promise<T>, until: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (until(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Entries placed by the run (approved or not), and its trades' outcomes up to `cutoff` (ms, a bar's close). */
async function runRecord(sql: Sql, runId: number, cutoff: number) {
  const orders = await sql.query(
    `SELECT so.bar_time, so.seq, so.kind, so.approved, t.side, t.qty::text AS qty, t.entry_fill_price::text AS entry,
            t.stop_price::text AS sl, t.target_price::text AS tp, t.opened_at, t.closed_at,
            t.exit_fill_price::text AS exit, t.exit_reason
       FROM strategy_orders so LEFT JOIN trades t ON t.id = so.trade_id
      WHERE so.run_id = $1 ORDER BY so.bar_time, so.seq`,
    [runId],
  );
  return orders.map((r) => {
    const closed = r.closed_at === null ? null : toMs(r.closed_at);
    const exited = closed !== null && closed <= cutoff;
    return {
      bar: new Date(toMs(r.bar_time)).toISOString(),
      seq: Number(r.seq),
      kind: String(r.kind),
      approved: Boolean(r.approved),
      side: r.side ?? null,
      qty: r.qty === null ? null : Number(r.qty),
      entry: r.entry === null ? null : Number(r.entry),
      sl: r.sl === null ? null : Number(r.sl),
      tp: r.tp === null ? null : Number(r.tp),
      opened: r.opened_at === null ? null : toMs(r.opened_at),
      closed: exited ? closed : null,
      exit: exited ? Number(r.exit) : null,
      reason: exited ? String(r.exit_reason) : null,
    };
  });
}

/** The part of an order the bars alone decide: bar, seq, kind, side, stop and target, approval. */
const decision = (o: Awaited<ReturnType<typeof runRecord>>[number]) => ({
  bar: o.bar,
  seq: o.seq,
  kind: o.kind,
  approved: o.approved,
  side: o.side,
  sl: o.sl,
  tp: o.tp,
});

/** The same strategy, uninterrupted, in-process on a fresh database: started at `startIndex`, stepped to `cursor`. */
async function uninterrupted(startIndex: number, cursor: number, params: Record<string, unknown>) {
  const sql = await openTestDatabase();
  cleanups.push(() => sql.close());
  const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, startIndex });
  const ctx: AppContext = await createContext({ sql, feed, instruments: [] });
  cleanups.push(() => ctx.close());
  const user = await ctx.auth.register(ADMIN.email, ADMIN.password);
  await ctx.auth.setAdmin(ADMIN.email, true);
  const run = await ctx.strategies.start(user.id, {
    strategy: 'breakout',
    symbol: 'BTC-USD',
    timeframe: '1h',
    params: params as Record<string, number>,
  });
  const last = candles.findIndex((c) => c.time === cursor);
  await stepBars(ctx, feed, last - startIndex + 1);
  const view = await ctx.strategies.store.get({ id: user.id }, run.id);
  expect(view.cursorTime).toBe(new Date(cursor).toISOString());
  return { sql, runId: run.id, view };
}

describe('a strategy run across kill -9 of the server', () => {
  it(
    'resumes after each SIGKILL and restart without a duplicate or lost order, placing the uninterrupted run’s orders',
    { timeout: 300_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'testudo-run-crash-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const dataDir = join(dir, 'data');
      const { pgUrl, reopen } = await durableDatabase(cleanups, () => dataDir);
      const args = pgUrl !== null ? ['--data-dir', dataDir, '--database-url', pgUrl] : ['--data-dir', dataDir];

      let server = await startServer(args);
      // written just after the server starts listening
      const login = await poll(
        async () => {
          try {
            return readFileSync(`${resolve(dataDir)}.first-login.txt`, 'utf8');
          } catch {
            return '';
          }
        },
        (t) => /API token: \S+/.test(t),
        10_000,
        'the first login file',
      );
      const token = /API token: (\S+)/.exec(login)![1]!;
      const run = await api<RunView & { params: Record<string, unknown> }>(
        server.url,
        token,
        'POST',
        '/strategy-runs',
        { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' },
      );
      const { events } = await api<{ events: { kind: string; data: { warmupBars?: number } }[] }>(
        server.url,
        token,
        'GET',
        `/strategy-runs/${run.id}/events?limit=1`,
      );
      const warmup = events[0]!.data.warmupBars!;
      const historyFrom = Date.parse(run.historyFrom!);

      const orders = (base: string) =>
        api<RunView>(base, token, 'GET', `/strategy-runs/${run.id}`).then((v) => v.stats.trades + v.stats.open);
      let seen = 0;
      for (const delay of KILL_DELAYS) {
        // wait for a new order of the run, then kill at once or a few ms later (its next orders are under way)
        const base = server.url;
        seen = await poll(
          () => orders(base),
          (n) => n > seen,
          40_000,
          'a new order of the run',
        );
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        await kill9(server);
        server = await startServer(args);
      }
      // the last restart: the run resumes and carries on for a stretch of bars
      const resumed = await api<RunView>(server.url, token, 'GET', `/strategy-runs/${run.id}`);
      expect(resumed.status).toBe('running');
      const from = Date.parse(resumed.cursorTime!);
      const final = await poll(
        () => api<RunView>(server.url, token, 'GET', `/strategy-runs/${run.id}`),
        (v) => v.status !== 'running' || Date.parse(v.cursorTime!) >= from + FINAL_BARS * 3_600_000,
        40_000,
        'the resumed run to process its bars',
      );
      expect(final.status).toBe('running');
      await api(server.url, token, 'POST', `/strategy-runs/${run.id}/stop`);
      server.child.kill('SIGTERM');
      await server.exited;
      expect(server.output()).not.toMatch(/"level":"error"/);

      const sql = await reopen();
      const [row] = await sql.query('SELECT cursor_time, params FROM strategy_runs WHERE id = $1', [run.id]);
      const cursor = toMs(row!.cursor_time);

      // no two trades share a strategy-order key, and every trade of the run has exactly one strategy_orders row
      const tagged = await sql.query(
        `SELECT t.id, count(so.trade_id)::int AS rows FROM trades t
           LEFT JOIN strategy_orders so ON so.trade_id = t.id AND so.run_id = $1
          WHERE $2 = ANY(t.tags) GROUP BY t.id ORDER BY t.id`,
        [run.id, `strategy-run-${run.id}`],
      );
      expect(tagged.length).toBeGreaterThan(KILL_DELAYS.length);
      expect(tagged.filter((t) => Number(t.rows) !== 1)).toEqual([]);
      const perRow = await sql.query(
        `SELECT so.bar_time, so.seq, count(t.id)::int AS n FROM strategy_orders so
           LEFT JOIN trades t ON t.id = so.trade_id WHERE so.run_id = $1 GROUP BY so.bar_time, so.seq`,
        [run.id],
      );
      expect(perRow.filter((r) => Number(r.n) > 1)).toEqual([]);
      const keys = await sql.query(
        `SELECT key, response->'trade'->>'id' AS trade FROM idempotency_keys WHERE key LIKE $1`,
        [`strategy-run:${run.id}:%`],
      );
      const keyed = keys.filter((k) => k.trade !== null).map((k) => Number(k.trade));
      expect(new Set(keyed).size).toBe(keyed.length);
      expect(keyed.sort((a, b) => a - b)).toEqual(tagged.map((t) => Number(t.id)));

      // the orders equal an uninterrupted run's over the same bars, started at the same bar with the same history
      const start = candles.findIndex((c) => c.time === historyFrom) + warmup;
      const ref = await uninterrupted(start, cursor, row!.params as Record<string, unknown>);
      const cutoff = cursor + 3_600_000;
      const mine = await runRecord(sql, run.id, cutoff);
      const theirs = await runRecord(ref.sql, ref.runId, cutoff);
      expect(mine.length).toBeGreaterThan(KILL_DELAYS.length);
      // what the strategy decided on each bar depends on the bars only: always equal
      expect(mine.map(decision)).toEqual(theirs.map(decision));
      // fills (time, price, size) too, up to the first entry the run submitted after its bar's successor closed
      const lagged = mine.findIndex((o) => o.opened !== null && o.opened !== Date.parse(o.bar) + HOUR);
      const upTo = lagged < 0 ? mine.length : lagged;
      expect(mine.slice(0, upTo)).toEqual(theirs.slice(0, upTo));
      if (lagged >= 0) console.warn(`the run fell behind the replay at ${mine[lagged]!.bar}: fills compared before it`);
    },
  );

  it(
    'a crash between an order and its bar’s record, restarted as the server restarts (the replay sought past that bar): the order is linked once, none is placed twice',
    { timeout: 120_000 },
    async () => {
      const sql = await openTestDatabase();
      cleanups.push(() => sql.close());
      let feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles });
      let ctx: AppContext = await createContext({ sql, feed, instruments: [] });
      const user = await ctx.auth.register(ADMIN.email, ADMIN.password);
      await ctx.auth.setAdmin(ADMIN.email, true);
      await stepBars(ctx, feed, 5);
      const run = await ctx.strategies.start(user.id, { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' });
      await stepBars(ctx, feed, 300);
      const [last] = await sql.query(
        `SELECT max(bar_time) AS t FROM strategy_orders WHERE run_id = $1 AND approved AND trade_id IS NOT NULL`,
        [run.id],
      );
      const crashBar = toMs(last!.t);
      await ctx.close();
      // The kill landed after the bar's submission, before its transaction: no link, no events, the cursor before it.
      await sql.query('DELETE FROM strategy_orders WHERE run_id = $1 AND bar_time >= $2', [run.id, new Date(crashBar)]);
      await sql.query('DELETE FROM strategy_events WHERE run_id = $1 AND bar_time >= $2', [run.id, new Date(crashBar)]);
      await sql.query('UPDATE strategy_runs SET cursor_time = $2 WHERE id = $1', [run.id, new Date(crashBar - HOUR)]);
      // Restarted as `testudo serve` restarts: the replay at its first bar while the context (and the run) resumes,
      // then sought to the latest submission, which is after the crashed bar: the feed never emits that bar again.
      feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles });
      feed.step(1);
      ctx = await createContext({ sql, feed, instruments: [] });
      cleanups.push(() => ctx.close());
      const resume = (await ctx.trading.lastSubmission('BTC-USD'))!;
      expect(resume).toBe(crashBar + HOUR);
      feed.seek(resume);
      await stepBars(ctx, feed, 100);
      const [row] = await sql.query('SELECT cursor_time FROM strategy_runs WHERE id = $1', [run.id]);
      const cursor = toMs(row!.cursor_time);
      expect(cursor).toBe(crashBar + 100 * HOUR);

      const tagged = await sql.query(
        `SELECT t.id, count(so.trade_id)::int AS rows FROM trades t
           LEFT JOIN strategy_orders so ON so.trade_id = t.id AND so.run_id = $1
          WHERE $2 = ANY(t.tags) GROUP BY t.id ORDER BY t.id`,
        [run.id, `strategy-run-${run.id}`],
      );
      expect(tagged.filter((t) => Number(t.rows) !== 1)).toEqual([]);
      const crashed = await sql.query('SELECT trade_id FROM strategy_orders WHERE run_id = $1 AND bar_time = $2', [
        run.id,
        new Date(crashBar),
      ]);
      expect(crashed).toHaveLength(1);
      const ref = await uninterrupted(5, cursor, { lookback: 20 });
      const cutoff = cursor + HOUR;
      expect(await runRecord(sql, run.id, cutoff)).toEqual(await runRecord(ref.sql, ref.runId, cutoff));
    },
  );
});
