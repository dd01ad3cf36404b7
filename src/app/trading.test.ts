import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from './context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { importCandles } from '../db/candles.ts';
import { ReplayFeed } from '../feed/replay.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import type { Sql } from '../db/sql.ts';

const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const bar = (time: number, o: string, h: string, l: string, c: string): Candle => ({
  time,
  open: o,
  high: h,
  low: l,
  close: c,
  volume: '1',
});

// Bar 0 sets the price at 100. Bar 1 touches both the stop (95) and the target (110).
const hourly: Candle[] = [
  bar(T0, '100', '100', '100', '100'),
  bar(T0 + HOUR, '100', '111', '94', '100'),
  bar(T0 + 2 * HOUR, '100', '100', '100', '100'),
];

describe('trading service', () => {
  let ctx: AppContext | null = null;
  let sql: Sql | null = null;
  afterEach(async () => {
    await ctx?.close();
    await sql?.close();
    ctx = null;
    sql = null;
  });

  async function setup(): Promise<{ feed: ReplayFeed; userId: number }> {
    sql = await openTestDatabase();
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: hourly });
    ctx = await createContext({ sql, feed });
    const user = await ctx.auth.register('t@example.com', 'password1');
    feed.step(1);
    await ctx.trading.drain();
    return { feed, userId: user.id };
  }

  const long = { symbol: 'BTC-USD', side: 'buy', entryType: 'market', stopLoss: '95', takeProfit: '110' } as const;

  it('assumes the stop filled first when one bar touches both exits and no finer data is stored', async () => {
    const { feed, userId } = await setup();
    const r = await ctx!.trading.submit(userId, long);
    expect(r.status).toBe(201);
    feed.step(1);
    await ctx!.trading.drain();
    const id = (r.body.trade as { id: number }).id;
    expect(await ctx!.trading.getTrade(userId, id)).toMatchObject({
      status: 'closed',
      exitReason: 'stop',
      exitPrice: '95',
    });
  });

  it('lets stored lower-timeframe bars decide that the target was reached first', async () => {
    const { feed, userId } = await setup();
    // 1m bars inside bar 1: the price rises to 111 first, then falls to 94.
    await importCandles(sql!, 'BTC-USD', '1m', [
      bar(T0 + HOUR, '100', '105', '100', '105'),
      bar(T0 + HOUR + MIN, '105', '111', '105', '108'),
      bar(T0 + HOUR + 2 * MIN, '108', '108', '94', '95'),
    ]);
    const r = await ctx!.trading.submit(userId, long);
    feed.step(1);
    await ctx!.trading.drain();
    const id = (r.body.trade as { id: number }).id;
    expect(await ctx!.trading.getTrade(userId, id)).toMatchObject({
      status: 'closed',
      exitReason: 'target',
      exitPrice: '110',
    });
  });

  it('rebuilds open brackets from the database after a restart', async () => {
    const { userId } = await setup();
    const r = await ctx!.trading.submit(userId, { ...long, stopLoss: '90', takeProfit: '120' });
    const id = (r.body.trade as { id: number }).id;
    // A new service over the same database, as after a crash: the open trade is active again and keeps filling.
    const feed2 = new ReplayFeed({
      symbol: 'BTC-USD',
      timeframe: '1h',
      candles: [bar(T0 + 3 * HOUR, '100', '121', '99', '120')],
    });
    const ctx2 = await createContext({ sql: sql!, feed: feed2 });
    try {
      expect(ctx2.trading.activeCount()).toBe(1);
      feed2.step(1);
      await ctx2.trading.drain();
      expect(await ctx2.trading.getTrade(userId, id)).toMatchObject({
        status: 'closed',
        exitReason: 'target',
        exitPrice: '120',
      });
    } finally {
      await ctx2.close();
    }
  });

  it('starts a new loss streak with a loss that comes after a served cooldown', async () => {
    sql = await openTestDatabase();
    // Each bar trades through a stop at 95 placed at 100.
    const bars = Array.from({ length: 8 }, (_, i) => bar(T0 + i * HOUR, '100', '100', '94', '100'));
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars });
    ctx = await createContext({ sql, feed });
    const user = await ctx.auth.register('streak@example.com', 'password1');
    await sql.query(
      `UPDATE accounts SET risk_profile = risk_profile || '{"lossStreakLimit": 1, "cooldownMinutes": 90, "requireTakeProfit": false}'::jsonb`,
    );
    const streak = async (): Promise<number> =>
      Number((await sql!.query('SELECT consecutive_losses FROM accounts'))[0]!.consecutive_losses);
    feed.step(1);
    await ctx.trading.drain();
    expect((await ctx.trading.submit(user.id, { ...long, takeProfit: undefined })).status).toBe(201);
    feed.step(1); // stopped out: one loss, cooldown of 90 minutes from this bar
    await ctx.trading.drain();
    expect(await streak()).toBe(1);
    const refused = await ctx.trading.submit(user.id, { ...long, takeProfit: undefined });
    expect(refused.status).toBe(422);
    feed.step(1); // an hour later the cooldown has been served
    await ctx.trading.drain();
    expect((await ctx.trading.submit(user.id, { ...long, takeProfit: undefined })).status).toBe(201);
    feed.step(1);
    await ctx.trading.drain();
    // the second loss starts a new streak rather than extending the served one
    expect(await streak()).toBe(1);
  });
});
