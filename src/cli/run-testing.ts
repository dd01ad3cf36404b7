/**
 * Test world of `testudo run` and `testudo parity`: a real server listening on a local port over a replay of the
 * repository's Coinbase BTC-USD hours (BTC-USD with a maker fee below the taker fee), a user with an API token whose
 * paper account trades under the default rules without the loss-streak cooldown, and the `testudo` binary.
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import { sampleCandles, stepBars } from '../app/strategies/testing.ts';
import { DEFAULT_INSTRUMENTS, type Instrument } from '../core/instruments/instrument.ts';
import { DEFAULT_RISK_PROFILE } from '../core/risk/profile.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { ReplayFeed } from '../feed/replay.ts';
import { buildServer } from '../server/app.ts';
import { RateLimiter } from '../server/ratelimit.ts';

/** The CLI's entry point. */
export const BIN = fileURLToPath(new URL('../../bin/testudo.mjs', import.meta.url));

/** BTC-USD with a maker fee below the taker fee. */
export const BTC_MAKER_TAKER: Instrument = {
  ...DEFAULT_INSTRUMENTS.find((i) => i.symbol === 'BTC-USD')!,
  makerFee: '0.0005',
  takerFee: '0.0015',
};

/** An open world; `close` ends it. */
export interface RunWorld {
  sql: Sql;
  ctx: AppContext;
  feed: ReplayFeed;
  app: FastifyInstance;
  url: string;
  /** A user and their API token (read and trade scopes). */
  user: { id: number; token: string };
  /** Emits the next `n` bars, each processed by the trading service and every server-hosted run. */
  step(n: number): Promise<void>;
  /** Registers another user; answers their id and API token. */
  newUser(name: string): Promise<{ id: number; token: string }>;
  close(): Promise<void>;
}

/** Opens the world over the first `bars` sample hours (the replay's cursor at `startIndex`). */
export async function openRunWorld(bars: number, startIndex = 0): Promise<RunWorld> {
  const sql = await openTestDatabase();
  const feed = new ReplayFeed({
    symbol: 'BTC-USD',
    timeframe: '1h',
    candles: sampleCandles().slice(0, bars),
    startIndex,
  });
  const ctx = await createContext({ sql, feed, instruments: [BTC_MAKER_TAKER] });
  const app = await buildServer(ctx, { rateLimiter: new RateLimiter(() => 1_000_000) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const newUser = async (name: string) => {
    const u = await ctx.auth.register(`${name}-${Math.random().toString(36).slice(2)}@run-cli.test`, 'pw-pw-pw-pw');
    const profile = { ...DEFAULT_RISK_PROFILE, lossStreakLimit: 1000 };
    await sql.query('UPDATE accounts SET risk_profile = $2 WHERE user_id = $1', [u.id, JSON.stringify(profile)]);
    return { id: u.id, token: await ctx.auth.createApiToken(u.id, 'cli') };
  };
  const user = await newUser('trader');
  return {
    sql,
    ctx,
    feed,
    app,
    url,
    user,
    newUser,
    step: (n) => stepBars(ctx, feed, n),
    close: async () => {
      await app.close();
      await ctx.close();
      await sql.close();
    },
  };
}
