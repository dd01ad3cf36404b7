/**
 * The parity report against a real database (PGlite, or PostgreSQL with TESTUDO_TEST_DB=postgres): a breakout run on
 * the replayed Coinbase hours (BTC-USD with a maker fee below the taker fee) has zero differences against its
 * backtest; a seeded worse fill and a missed trade are found and reported; the refusals of a run under the default
 * rules are listed with their bars and codes and agree with the backtest's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INSTRUMENTS, type Instrument } from '../../core/instruments/instrument.ts';
import { DEFAULT_RISK_PROFILE, type RiskProfile } from '../../core/risk/profile.ts';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { ReplayFeed } from '../../feed/replay.ts';
import { createContext, type AppContext } from '../context.ts';
import { computeParity, parityView } from './parity.ts';
import { sampleCandles, stepBars } from './testing.ts';

const N = 700;
const candles = sampleCandles().slice(0, N);
/** BTC-USD with different maker and taker fees, so the backtest must charge each fill as the paper exchange does. */
const BTC: Instrument = {
  ...DEFAULT_INSTRUMENTS.find((i) => i.symbol === 'BTC-USD')!,
  makerFee: '0.0005',
  takerFee: '0.0015',
};

async function user(ctx: AppContext, name: string, profile: RiskProfile): Promise<number> {
  const u = await ctx.auth.register(`${name}-${Math.random().toString(36).slice(2)}@example.com`, 'pw-pw-pw-pw');
  await ctx.sql.query('UPDATE accounts SET risk_profile = $2 WHERE user_id = $1', [u.id, JSON.stringify(profile)]);
  return u.id;
}

describe('the parity report of breakout runs on the replayed Coinbase hours', () => {
  let sql: Sql;
  let ctx: AppContext;
  let feed: ReplayFeed;
  let clean: { uid: number; run: number };
  let cooled: { uid: number; run: number };
  const parity = (uid: number, run: number, range = {}) =>
    computeParity({ sql, now: ctx.now(), instruments: ctx.trading.listInstruments(), feed: ctx.feed }, uid, run, range);

  beforeAll(async () => {
    sql = await openTestDatabase();
    feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, startIndex: 0 });
    ctx = await createContext({ sql, feed, instruments: [BTC] });
    await stepBars(ctx, feed, 5);
    const a = await user(ctx, 'parity', DEFAULT_RISK_PROFILE);
    const b = await user(ctx, 'cooldown', DEFAULT_RISK_PROFILE);
    const start = (uid: number) =>
      ctx.strategies.start(uid, { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' });
    clean = { uid: a, run: (await start(a)).id };
    cooled = { uid: b, run: (await start(b)).id };
    await stepBars(ctx, feed, N - 5);
  }, 300_000);
  afterAll(async () => {
    await ctx?.close();
    await sql?.close();
  });

  it('shows zero differences between a paper run and its backtest (maker/taker fees, sizes, times, prices, R)', async () => {
    const c = await parity(clean.uid, clean.run);
    const v = parityView(c);
    expect(v.totals.backtestTrades).toBeGreaterThan(15);
    expect(v.rows.filter((r) => !r.equal).map((r) => [r.status, r.differences, r.backtest?.entryTime])).toEqual([]);
    expect(v.equal).toBe(true);
    expect(v.totals).toMatchObject({ missed: 0, extra: 0, differing: 0, fees: '0', pnl: '0', slippageR: 0 });
    expect(v.totals.diffR).toBeCloseTo(0, 6);
    // the fees differ by liquidity: some exits paid the maker rate (targets), entries the taker rate
    expect(v.rows.some((r) => r.backtest!.exitReason === 'target')).toBe(true);
    expect(v.settings).toMatchObject({ cash: '10000', fees: { maker: '0.0005', taker: '0.0015' }, lotSize: '0.00001' });
    expect(v.run).toMatchObject({ strategy: 'breakout', historyFrom: new Date(candles[0]!.time).toISOString() });
  });

  it('finds a seeded fill at a worse price and a missed trade, and totals them in R', async () => {
    const before = parityView(await parity(clean.uid, clean.run));
    const [first, second] = before.rows.filter((r) => r.status === 'matched' && r.live!.exitPrice !== null);
    const worse = first!.live!;
    const long = worse.side === 'buy';
    // the entry filled 5.00 worse for the trader, and the second trade never reached the journal (missed)
    const seeded = (Number(worse.entryPrice) + (long ? 5 : -5)).toFixed(2);
    await sql.query('UPDATE trades SET entry_fill_price = $2 WHERE id = $1', [worse.tradeId, seeded]);
    await sql.query('DELETE FROM strategy_orders WHERE run_id = $1 AND trade_id = $2', [
      clean.run,
      second!.live!.tradeId,
    ]);
    try {
      const v = parityView(await parity(clean.uid, clean.run));
      expect(v.equal).toBe(false);
      const row = v.rows.find((r) => r.live?.tradeId === worse.tradeId)!;
      expect(row.differences).toEqual(['entryPrice']);
      expect(row.diff!.entryPrice).toBe(long ? '5' : '-5');
      const risk = Number(first!.live!.size) * 5;
      expect(row.diff!.entrySlippageR).toBeGreaterThan(0); // a cost to the trader
      expect(row.diff!.entrySlippageR).toBeLessThan(risk); // in R: divided by the initial risk
      const missed = v.rows.filter((r) => r.status === 'missed');
      expect(missed.map((r) => r.backtest!.entryTime)).toEqual([second!.backtest!.entryTime]);
      expect(v.totals).toMatchObject({ missed: 1, extra: 0, differing: 1 });
      expect(v.totals.missedR).toBeCloseTo(second!.backtest!.r!, 12);
      expect(v.totals.slippageR).toBeCloseTo(row.diff!.slippageR!, 12);
      // a range without those two trades is equal again
      const after = Date.parse(second!.backtest!.entryTime) + 1;
      expect(parityView(await parity(clean.uid, clean.run, { from: after })).equal).toBe(true);
    } finally {
      await sql.query('UPDATE trades SET entry_fill_price = $2 WHERE id = $1', [worse.tradeId, worse.entryPrice]);
    }
  });

  it('lists the refusals of a run under the default rules with their bars and codes, as the backtest counts them', async () => {
    const v = parityView(await parity(cooled.uid, cooled.run));
    expect(v.liveRejections.length).toBeGreaterThan(0);
    expect(v.liveRejections[0]!.codes).toEqual(['loss-streak-cooldown']);
    const live: Record<string, number> = {};
    for (const r of v.liveRejections) for (const code of r.codes) live[code] = (live[code] ?? 0) + 1;
    expect(live).toEqual(v.backtestRejections);
    expect(v.totals.liveRejections).toBe(v.totals.backtestRejections);
    expect(v.equal).toBe(true);
  });

  it('answers run-not-found for another user’s run and strategy-not-on-server for a client module', async () => {
    await expect(parity(cooled.uid, clean.run)).rejects.toMatchObject({ code: 'run-not-found' });
    const client = await ctx.strategies.start(clean.uid, {
      strategy: 'my-module.ts',
      symbol: 'BTC-USD',
      timeframe: '1h',
      host: 'client',
    });
    await expect(parity(clean.uid, client.id)).rejects.toMatchObject({ code: 'strategy-not-on-server' });
  });
});
