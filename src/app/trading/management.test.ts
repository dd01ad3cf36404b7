import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { ReplayFeed } from '../../feed/replay.ts';
import type { Candle } from '../../core/marketdata/candle.ts';
import type { Sql } from '../../db/sql.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const bar = (time: number, o: string, h: string, l: string, c: string): Candle => ({
  time,
  open: o,
  high: h,
  low: l,
  close: c,
  volume: '1',
});
// Lots of 0.00001 BTC, prices in cents, money in atoms (10^-12): one cent × one lot = 10^5 atoms.
const ATOMS = 100_000n;
const taker = (cents: bigint, lots: bigint): bigint => (cents * lots * ATOMS * 2n + 999n) / 1000n;
const lotsOf = (qty: string): bigint => {
  const [i = '0', f = ''] = qty.split('.');
  return BigInt(i + f.padEnd(5, '0'));
};
const money = (atoms: bigint): string => {
  const neg = atoms < 0n;
  const a = neg ? -atoms : atoms;
  const frac = (a % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / 10n ** 12n}${frac ? `.${frac}` : ''}`;
};

describe('trade management across a restart', () => {
  let ctx: AppContext | null = null;
  let sql: Sql | null = null;
  afterEach(async () => {
    await ctx?.close();
    await sql?.close();
    ctx = null;
    sql = null;
  });

  it('gives a trade submitted without a take-profit one that fills as a maker limit on the open size', async () => {
    sql = await openTestDatabase();
    const feed = new ReplayFeed({
      symbol: 'BTC-USD',
      timeframe: '1h',
      candles: [bar(T0, '100', '100', '100', '100'), bar(T0 + HOUR, '100', '106', '99', '105')],
    });
    ctx = await createContext({ sql, feed });
    const { id: userId } = await ctx.auth.register('t@example.com', 'password1');
    await sql.query(`UPDATE accounts SET risk_profile = risk_profile || '{"requireTakeProfit": false}'::jsonb`);
    feed.step(1);
    await ctx.trading.drain();
    const r = await ctx.trading.submit(userId, { symbol: 'BTC-USD', side: 'buy', entryType: 'market', stopLoss: '95' });
    expect(r.status).toBe(201);
    const id = (r.body.trade as { id: number }).id;
    const lots = lotsOf((r.body.trade as { qty: string }).qty);
    expect((await ctx.trading.close(userId, id, '0.5')).status).toBe(200);
    const set = await ctx.trading.moveTarget(userId, id, '105.5');
    expect(set.status).toBe(200);
    const trade = set.body.trade as { takeProfit: string | null; currentTakeProfit: string; orders: { leg: string }[] };
    expect([trade.takeProfit, trade.currentTakeProfit]).toEqual([null, '105.5']);
    expect(trade.orders.find((o) => o.leg === 'target')).toMatchObject({
      type: 'limit',
      side: 'sell',
      price: '105.5',
      qty: (Number(lots - 50_000n) / 1e5).toFixed(5).replace(/0+$/, ''),
      reduceOnly: true,
      oco: true,
      status: 'open',
    });
    feed.step(1); // trades up to 106: the target at 105.5 fills, maker
    await ctx.trading.drain();
    const rest = lots - 50_000n;
    expect(await ctx.trading.getTrade(userId, id)).toMatchObject({
      status: 'closed',
      exitReason: 'target',
      exitPrice: '105.5',
      exitFee: money((10_550n * rest * ATOMS + 999n) / 1000n),
    });
  });

  it('queues a change behind the bars already received: a stop move after a stop-out is refused, not applied', async () => {
    sql = await openTestDatabase();
    const feed = new ReplayFeed({
      symbol: 'BTC-USD',
      timeframe: '1h',
      candles: [bar(T0, '100', '100', '100', '100'), bar(T0 + HOUR, '100', '100', '94', '94')],
    });
    ctx = await createContext({ sql, feed });
    const { id: userId } = await ctx.auth.register('q@example.com', 'password1');
    feed.step(1);
    await ctx.trading.drain();
    const r = await ctx.trading.submit(userId, {
      symbol: 'BTC-USD',
      side: 'buy',
      entryType: 'market',
      stopLoss: '95',
      takeProfit: '110',
    });
    const id = (r.body.trade as { id: number }).id;
    feed.step(1); // stops the trade out at 95; not drained: the move below waits for it
    const moved = await ctx.trading.moveStop(userId, id, '93');
    expect(moved.status).toBe(422);
    expect((moved.body.error as { rules: { code: string }[] }).rules.map((v) => v.code)).toEqual(['trade-not-open']);
    expect(await ctx.trading.getTrade(userId, id)).toMatchObject({
      status: 'closed',
      exitReason: 'stop',
      exitPrice: '95',
      currentStopLoss: '95',
    });
  });

  it('rebuilds the moved stop, the moved target and the open size after a partial close', async () => {
    sql = await openTestDatabase();
    const feed = new ReplayFeed({
      symbol: 'BTC-USD',
      timeframe: '1h',
      candles: [bar(T0, '100', '100', '100', '100'), bar(T0 + HOUR, '100', '103', '100', '102')],
    });
    ctx = await createContext({ sql, feed });
    const { id: userId } = await ctx.auth.register('m@example.com', 'password1');
    feed.step(1);
    await ctx.trading.drain();
    const r = await ctx.trading.submit(userId, {
      symbol: 'BTC-USD',
      side: 'buy',
      entryType: 'market',
      stopLoss: '95',
      takeProfit: '110',
    });
    const id = (r.body.trade as { id: number }).id;
    const lots = lotsOf((r.body.trade as { qty: string }).qty);
    feed.step(1);
    await ctx.trading.drain();
    expect((await ctx.trading.moveStop(userId, id, '99')).status).toBe(200);
    expect((await ctx.trading.moveTarget(userId, id, '104')).status).toBe(200);
    expect((await ctx.trading.close(userId, id, '1')).status).toBe(200);
    await ctx.close();
    ctx = null;

    // A new service over the same database, as after a crash: the bracket keeps its stop, target and open size.
    // The bar gaps down through the moved stop at 99: the rest fills at the open, 98.
    const feed2 = new ReplayFeed({
      symbol: 'BTC-USD',
      timeframe: '1h',
      candles: [bar(T0 + 2 * HOUR, '98', '98', '97', '97')],
    });
    ctx = await createContext({ sql, feed: feed2 });
    expect(ctx.trading.activeCount()).toBe(1);
    feed2.step(1);
    await ctx.trading.drain();
    expect(ctx.trading.lastBarError).toBeNull();
    const rest = lots - 100_000n;
    const entryFee = taker(10_000n, lots);
    const fees = entryFee + taker(10_200n, 100_000n) + taker(9_800n, rest);
    const gross = 200n * 100_000n * ATOMS - 200n * rest * ATOMS;
    const risk = 500n * lots * ATOMS + entryFee + taker(9_500n, lots);
    expect(await ctx.trading.getTrade(userId, id)).toMatchObject({
      status: 'closed',
      exitReason: 'stop',
      exitPrice: '98',
      grossPnl: money(gross),
      fees: money(fees),
      netPnl: money(gross - fees),
      initialRisk: money(risk),
      rMultiple: Number(((gross - fees) * 100_000_000n) / risk) / 1e8,
    });
  });
});
