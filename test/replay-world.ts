/**
 * Test helper: a full context and HTTP server over a test database (PGlite, or PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`) with a ReplayFeed of BTC-USD hourly candles stepped by hand.
 */
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../src/app/context.ts';
import type { Candle } from '../src/core/marketdata/candle.ts';
import type { Sql } from '../src/db/sql.ts';
import { openTestDatabase } from '../src/db/testing.ts';
import { ReplayFeed } from '../src/feed/replay.ts';
import { buildServer } from '../src/server/app.ts';

/** A database, context, server and replay feed; `close` tears all down. */
export interface World {
  sql: Sql;
  ctx: AppContext;
  app: FastifyInstance;
  feed: ReplayFeed;
  close(): Promise<void>;
}

/** Opens a world replaying `candles` as BTC-USD 1h. */
export async function openWorld(candles: Candle[]): Promise<World> {
  const sql = await openTestDatabase();
  const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles });
  const ctx = await createContext({ sql, feed });
  const app = await buildServer(ctx);
  return {
    sql,
    ctx,
    app,
    feed,
    close: async () => {
      await app.close();
      await ctx.close();
      await sql.close();
    },
  };
}

/** Emits the next `n` bars, waits until the trading service has processed them, and expects no bar error. */
export async function advance(w: World, n = 1): Promise<void> {
  expect(w.feed.step(n)).toBe(n);
  await w.ctx.trading.drain();
  expect(w.ctx.trading.lastBarError).toBeNull();
}
