/**
 * Strategy runs on a replayed feed against a real database (PGlite, or PostgreSQL with TESTUDO_TEST_DB=postgres):
 * the run's trades equal the backtester's on the same bars (Testudo mode, trade on close), a refusal mid-run is
 * recorded and the run carries on, and a restart (a new context on the same database) never doubles an order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../core/backtest/run.ts';
import { barsFromCandles } from '../../core/backtest/series.ts';
import { BUILTIN_STRATEGIES } from '../../core/backtest/strategies/index.ts';
import { DEFAULT_RISK_PROFILE, type RiskProfile } from '../../core/risk/profile.ts';
import type { Sql } from '../../db/sql.ts';
import { toMs } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import type { AppContext } from '../context.ts';
import type { ReplayFeed } from '../../feed/replay.ts';
import { PARITY_FEE, openReplayContext, sampleCandles, stepBars } from './testing.ts';

const HOUR = 3_600_000;
const N = 900;
const candles = sampleCandles().slice(0, N);

/** The backtest of breakout on `candles` as a run must reproduce it (the default rules, as a new account's). */
function backtest(profile: RiskProfile = DEFAULT_RISK_PROFILE) {
  return runBacktest(
    barsFromCandles(candles, { tickSize: '0.01' }),
    BUILTIN_STRATEGIES.breakout!,
    {},
    {
      cash: '10000',
      commission: PARITY_FEE,
      lotSize: '0.00001',
      tradeOnClose: true,
      testudo: { profile },
    },
  );
}

interface RunTrade {
  id: number;
  side: string;
  qty: string;
  entry: string;
  exit: string | null;
  opened: number;
  closed: number | null;
  reason: string | null;
}

async function runTrades(sql: Sql, runId: number): Promise<RunTrade[]> {
  const rows = await sql.query(
    `SELECT t.id, t.side, t.qty::text AS qty, t.entry_fill_price::text AS entry, t.exit_fill_price::text AS exit,
            t.opened_at, t.closed_at, t.exit_reason
       FROM strategy_orders so JOIN trades t ON t.id = so.trade_id WHERE so.run_id = $1 ORDER BY t.id`,
    [runId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    side: String(r.side),
    qty: String(r.qty),
    entry: String(r.entry),
    exit: r.exit === null ? null : String(r.exit),
    opened: toMs(r.opened_at),
    closed: r.closed_at === null ? null : toMs(r.closed_at),
    reason: (r.exit_reason as string | null) ?? null,
  }));
}

const num = (s: string): string => String(Number(s));

/** The backtest's closed trades in the run's terms: the paper fill of a bar-i close entry is stamped at i's close. */
function expected(profile: RiskProfile = DEFAULT_RISK_PROFILE) {
  return backtest(profile).trades.map((t) => ({
    side: t.size.startsWith('-') ? 'sell' : 'buy',
    qty: num(t.size.replace('-', '')),
    entry: num(t.entryPrice),
    exit: num(t.exitPrice),
    opened: t.entryTime + HOUR,
    closed: t.exitTime,
  }));
}

function comparable(ts: RunTrade[]) {
  return ts
    .filter((t) => t.closed !== null)
    .map((t) => ({
      side: t.side,
      qty: num(t.qty),
      entry: num(t.entry),
      exit: num(t.exit!),
      opened: t.opened,
      closed: t.closed!,
    }));
}

/** A new user whose paper account trades under `profile`. */
async function user(ctx: AppContext, name: string, profile: RiskProfile = DEFAULT_RISK_PROFILE): Promise<number> {
  const u = await ctx.auth.register(`${name}-${Math.random().toString(36).slice(2)}@example.com`, 'pw-pw-pw-pw');
  await ctx.sql.query('UPDATE accounts SET risk_profile = $2 WHERE user_id = $1', [u.id, JSON.stringify(profile)]);
  return u.id;
}

/** Opens a database and a replay context; returns them and a closer. */
async function world(startIndex = 0, sqlIn?: Sql) {
  const sql = sqlIn ?? (await openTestDatabase());
  const { ctx, feed } = await openReplayContext(sql, candles, startIndex);
  return { sql, ctx, feed };
}

async function startBreakout(ctx: AppContext, feed: ReplayFeed, uid: number) {
  await stepBars(ctx, feed, 5);
  return ctx.strategies.start(uid, { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' });
}

describe('a breakout run on the replayed Coinbase hours', () => {
  let sql: Sql;
  let ctx: AppContext;
  let feed: ReplayFeed;
  beforeAll(async () => {
    ({ sql, ctx, feed } = await world());
  });
  afterAll(async () => {
    await ctx.close();
    await sql.close();
  });

  it("places, bar for bar, the backtest's trades: same entry and exit times and prices, same sizes", async () => {
    const uid = await user(ctx, 'parity');
    const run = await startBreakout(ctx, feed, uid);
    expect(run).toMatchObject({
      status: 'running',
      host: 'server',
      historyFrom: new Date(candles[0]!.time).toISOString(),
    });
    await stepBars(ctx, feed, N - 5);
    const bt = backtest();
    expect(bt.trades.length).toBeGreaterThan(20);
    const mine = await runTrades(sql, run.id);
    expect(comparable(mine)).toEqual(expected());
    expect(mine.filter((t) => t.closed === null).length).toBeLessThanOrEqual(1);
    const view = await ctx.strategies.store.get({ id: uid }, run.id);
    expect(view.stats.trades).toBe(bt.trades.length);
    expect(view.stats.wins + view.stats.losses).toBe(bt.trades.length);
    expect(view.stats.rejections).toBe(Object.values(bt.rejections).reduce((a, b) => a + b, 0));
    expect(view.cursorTime).toBe(new Date(candles[N - 1]!.time).toISOString());
    expect(view.firstBarTime).toBe(new Date(candles[21]!.time).toISOString());
    const rSum = bt.trades.reduce((a, t) => a + (t.rMultiple ?? 0), 0);
    expect(view.stats.netR).toBeCloseTo(rSum, 4);
  });
});

describe('a breakout run under the default rules (loss-streak cooldown)', () => {
  it('records a rule refusal mid-run with its codes and carries on, trade for trade as the backtest', async () => {
    const { sql, ctx, feed } = await world();
    try {
      const uid = await user(ctx, 'cooldown', DEFAULT_RISK_PROFILE);
      const run = await startBreakout(ctx, feed, uid);
      await stepBars(ctx, feed, N - 5);
      const refused = await sql.query(
        `SELECT so.bar_time, so.decision_id, so.result FROM strategy_orders so WHERE so.run_id = $1 AND NOT so.approved`,
        [run.id],
      );
      expect(refused.length).toBeGreaterThan(0);
      const first = refused[0]!;
      expect(toMs(first.bar_time)).toBe(Date.parse('2017-07-23T11:00:00Z'));
      expect(first.decision_id).not.toBeNull();
      const [ev] = await sql.query(
        `SELECT data FROM strategy_events WHERE run_id = $1 AND kind = 'decision' AND bar_time = $2`,
        [run.id, first.bar_time],
      );
      expect(ev!.data).toMatchObject({ approved: false, codes: ['loss-streak-cooldown'] });
      const mine = comparable(await runTrades(sql, run.id));
      // the run carried on: trades after the refusal
      expect(mine.some((t) => t.opened > toMs(first.bar_time))).toBe(true);
      // The backtest restarts a served streak at the next loss, as the paper account does, and decides at the bar's
      // close: the same trades and the same refusals, including those after the first cooldown (2017-08-02 on).
      expect(mine).toEqual(expected(DEFAULT_RISK_PROFILE));
      expect(mine.some((t) => t.opened > Date.parse('2017-08-02T14:00:00Z'))).toBe(true);
      const bt = backtest(DEFAULT_RISK_PROFILE);
      expect(refused.length).toBe(Object.values(bt.rejections).reduce((a, b) => a + b, 0));
      expect(bt.rejections['loss-streak-cooldown']).toBeGreaterThan(0);
    } finally {
      await ctx.close();
      await sql.close();
    }
  });
});

describe('a restarted run', () => {
  it('resumes after its cursor on a new context over the same database and never doubles an order', async () => {
    const first = await world();
    const sql = first.sql;
    let { ctx, feed } = first;
    try {
      const uid = await user(ctx, 'restart');
      const run = await startBreakout(ctx, feed, uid);
      const half = 400;
      await stepBars(ctx, feed, half - 5);
      // the last bar that placed an order before `half`
      const [last] = await sql.query(
        `SELECT max(bar_time) AS t FROM strategy_orders WHERE run_id = $1 AND approved AND trade_id IS NOT NULL`,
        [run.id],
      );
      const crashBar = toMs(last!.t);
      const crashIndex = candles.findIndex((c) => c.time === crashBar);
      await ctx.close();
      // A crash between the submission and the bar's transaction: the bar's links, events and cursor never landed.
      await sql.query('DELETE FROM strategy_orders WHERE run_id = $1 AND bar_time >= $2', [run.id, new Date(crashBar)]);
      await sql.query('DELETE FROM strategy_events WHERE run_id = $1 AND bar_time >= $2', [run.id, new Date(crashBar)]);
      await sql.query('UPDATE strategy_runs SET cursor_time = $2 WHERE id = $1', [
        run.id,
        new Date(candles[crashIndex - 1]!.time),
      ]);
      const tradesBefore = await sql.query(`SELECT count(*)::int AS n FROM trades WHERE $1 = ANY(tags)`, [
        `strategy-run-${run.id}`,
      ]);
      // The new server replays from the crashed bar on.
      ({ ctx, feed } = await world(crashIndex, sql));
      await stepBars(ctx, feed, N - crashIndex);
      const tagged = await sql.query(`SELECT count(*)::int AS n FROM trades WHERE $1 = ANY(tags)`, [
        `strategy-run-${run.id}`,
      ]);
      const mine = await runTrades(sql, run.id);
      // every trade of the run is linked once; the crashed bar's order was replayed, not placed again
      expect(Number(tagged[0]!.n)).toBe(mine.length);
      expect(Number(tradesBefore[0]!.n)).toBeGreaterThan(0);
      expect(mine.filter((t) => t.opened === crashBar + HOUR)).toHaveLength(1);
      expect(comparable(mine)).toEqual(expected());
      const statuses = await sql.query(
        `SELECT data FROM strategy_events WHERE run_id = $1 AND kind = 'status' ORDER BY id`,
        [run.id],
      );
      expect(statuses.map((s) => (s.data as { resumed?: boolean }).resumed ?? false)).toEqual([false, true]);
    } finally {
      await ctx.close();
      await sql.close();
    }
  });
});

describe('a run started before the feed has a bar', () => {
  it('starts its history at the first bar it receives, so a restart rebuilds the same history', async () => {
    const { sql, ctx, feed } = await world();
    try {
      const uid = await user(ctx, 'early');
      const run = await ctx.strategies.start(uid, { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' });
      expect(run.historyFrom).toBeNull();
      await stepBars(ctx, feed, 30);
      const view = await ctx.strategies.store.get({ id: uid }, run.id);
      expect(view.historyFrom).toBe(new Date(candles[0]!.time).toISOString());
      expect(view.cursorTime).toBe(new Date(candles[29]!.time).toISOString());
      // breakout's first next call is at bar 21, as in a backtest from the first bar
      expect(view.firstBarTime).toBe(new Date(candles[21]!.time).toISOString());
      expect(await ctx.strategies.store.get({ id: uid + 1000, isAdmin: true }, run.id)).toMatchObject({ id: run.id });
      await expect(ctx.strategies.store.get({ id: uid + 1000 }, run.id)).rejects.toMatchObject({
        code: 'run-not-found',
      });
    } finally {
      await ctx.close();
      await sql.close();
    }
  });
});

describe('an sma-cross run (close and reverse on the same bar)', () => {
  it('matches the backtest in prices, times and sizes: a reversal is sized after its close has filled on both', async () => {
    const { sql, ctx, feed } = await world();
    try {
      const uid = await user(ctx, 'reverse');
      const params = { fast: 10, slow: 30, stopAtr: 2, rr: 2 };
      const bars = candles.slice(0, 600);
      const bt = runBacktest(barsFromCandles(bars, { tickSize: '0.01' }), BUILTIN_STRATEGIES['sma-cross']!, params, {
        cash: '10000',
        commission: PARITY_FEE,
        lotSize: '0.00001',
        tradeOnClose: true,
        testudo: { profile: DEFAULT_RISK_PROFILE },
      });
      await stepBars(ctx, feed, 5);
      const run = await ctx.strategies.start(uid, {
        strategy: 'sma-cross',
        symbol: 'BTC-USD',
        timeframe: '1h',
        params,
      });
      await stepBars(ctx, feed, bars.length - 5);
      const mine = (await runTrades(sql, run.id)).filter((t) => t.closed !== null);
      expect(mine.length).toBe(bt.trades.length);
      bt.trades.forEach((t, k) => {
        const m = mine[k]!;
        expect(num(m.entry), `trade ${k}`).toBe(num(t.entryPrice));
        expect(num(m.exit!), `trade ${k}`).toBe(num(t.exitPrice));
        expect(m.opened, `trade ${k}`).toBe(t.entryTime + HOUR);
        // a strategy's close fills at the bar's close: the backtest books it on the bar (its open time), the paper
        // exchange at the moment it fills (the bar's close time); stops and targets fill within the next bar, stamped
        // with that bar's open time on both sides
        expect(m.closed, `trade ${k}`).toBe(t.exitTime + (t.exitReason === 'signal' ? HOUR : 0));
        expect(m.reason).toBe(t.exitReason === 'signal' ? 'manual' : t.exitReason);
      });
      // The live run submits a reversal after its close has filled (TradingService.close, then submit); the
      // backtester (Testudo mode) sizes and checks it once the same bar's close has filled: the sizes agree.
      expect(mine.map((t) => num(t.qty))).toEqual(bt.trades.map((t) => num(t.size.replace('-', ''))));
      const refused = await sql.query(
        `SELECT count(*)::int AS n FROM strategy_orders WHERE run_id = $1 AND NOT approved`,
        [run.id],
      );
      expect(Number(refused[0]!.n)).toBe(Object.values(bt.rejections).reduce((a, b) => a + b, 0));
      // every fill of the run's trades is an event: the entries and the exits (stops, targets, closes)
      const fills = await sql.query(
        `SELECT count(*)::int AS n FROM strategy_events WHERE run_id = $1 AND kind = 'fill'`,
        [run.id],
      );
      const all = await runTrades(sql, run.id);
      expect(Number(fills[0]!.n)).toBe(all.length + mine.length);
    } finally {
      await ctx.close();
      await sql.close();
    }
  });
});
