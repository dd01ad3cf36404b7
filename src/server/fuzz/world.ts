/**
 * A populated server for the generated authorization test and the fuzzer: a listening Testudo server on a given
 * database (a replay feed of 60 hourly BTC-USD bars around 100, the same bars stored for backtests, rate limits of
 * the exchange off), an admin, an owner (`alice`), another user (`bob`) and a co-owner (`carol`), each with a full
 * API token, and one real resource of each kind owned by alice (a trade, a journal entry, a strategy, a backtest, an
 * optimisation, an alt account with a gateway API key and a co-owner, a resting exchange order, an auction, a sim
 * connection, a spare API token) plus an admin's public market and candle import, so every path parameter of the
 * API can be filled with an id that exists.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../../app/context.ts';
import type { Candle } from '../../core/marketdata/candle.ts';
import { importCandles } from '../../db/candles.ts';
import type { Sql } from '../../db/sql.ts';
import { ReplayFeed } from '../../feed/replay.ts';
import { buildServer } from '../app.ts';

/** A JSON reply, loosely typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A reply of {@link World.call}: status, parsed JSON body (or `{}`) and the raw text. */
export interface Reply {
  status: number;
  body: Json;
  text: string;
}

/** The users of a world, by role. */
export type Who = 'admin' | 'alice' | 'bob' | 'carol';

/** The ids of the resources created by {@link startWorld} (all alice's unless named otherwise). */
export interface WorldIds {
  user: Record<Who, number>;
  /** Personal exchange account of each user. */
  account: Record<Who, number>;
  trade: number;
  journalEntry: number;
  /** A research message of alice's. */
  message: number;
  strategy: number;
  backtest: number;
  optimization: number;
  /** Alice's alt account (carol is a co-owner), with a gateway API key. */
  altAccount: number;
  apiKey: number;
  /** That key's Binance-gateway credentials. */
  gatewayKey: { apiKey: string; secret: string };
  /** A resting limit order of alice's on the public market. */
  order: number;
  /** Alice's auction (open). */
  auction: number;
  /** Alice's sim connection. */
  connection: number;
  /** A spare API token of alice's (safe to revoke). */
  spareToken: number;
  /** Alice's server-hosted strategy run (built-in `breakout`). */
  strategyRun: number;
  /** Alice's client-hosted strategy run (a module on her machine posts its orders). */
  clientRun: number;
  /** A browser session of alice's (from a password login), or null when the server has no session list. */
  session: number | null;
  /** The admin's public spot market. */
  market: number;
  /** The admin's candle import job (a UUID). */
  candleImport: string;
}

/** A running, populated server. */
export interface World {
  sql: Sql;
  ctx: AppContext;
  app: FastifyInstance;
  feed: ReplayFeed;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** Full API token of each user. */
  token: Record<Who, string>;
  ids: WorldIds;
  /**
   * Calls the API in process (`inject`) with `authorization` (null: anonymous; a {@link Who}: that user's full token;
   * any other string: `Bearer <it>`) and a JSON body when `body` is not undefined (a string is sent as is, with
   * `contentType` when given).
   */
  call(auth: Who | string | null, method: string, url: string, body?: unknown, contentType?: string): Promise<Reply>;
  /** Closes the server, the context and the database. */
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
/** 60 hourly bars oscillating around 100 (so sma-cross backtests trade). */
export const WORLD_CANDLES: Candle[] = Array.from({ length: 60 }, (_, i) => {
  const c = 100 + 5 * Math.sin(i / 4);
  return {
    time: T0 + i * HOUR,
    open: c.toFixed(2),
    high: (c + 1).toFixed(2),
    low: (c - 1).toFixed(2),
    close: (c + 0.5).toFixed(2),
    volume: '1',
  };
});

/** Throws unless `r` has status `want`; returns its body. */
function expectStatus(what: string, r: Reply, ...want: number[]): Json {
  if (!want.includes(r.status)) throw new Error(`world setup: ${what} answered ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

/**
 * Builds and populates a world on `sql` (which it closes on `close`). Sets `TESTUDO_SECRET_KEY` to a random key when
 * unset. @throws Error when a setup request does not answer as expected.
 */
export async function startWorld(sql: Sql): Promise<World> {
  process.env.TESTUDO_SECRET_KEY ??= randomBytes(32).toString('hex');
  const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: WORLD_CANDLES, speed: 1 });
  const ctx = await createContext({ sql, feed, backtests: { threads: 1 } });
  await importCandles(sql, 'BTC-USD', '1h', WORLD_CANDLES);
  const app = await buildServer(ctx, { rateLimitFactor: Infinity });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  feed.pause();
  feed.step(5);
  await ctx.trading.drain();

  const token = {} as Record<Who, string>;
  const user = {} as Record<Who, number>;
  const account = {} as Record<Who, number>;
  for (const who of ['admin', 'alice', 'bob', 'carol'] as const) {
    const u = await ctx.auth.register(`${who}@world.test`, 'password1');
    if (who === 'admin') await ctx.auth.setAdmin(`${who}@world.test`, true);
    user[who] = u.id;
    token[who] = await ctx.auth.createApiToken(u.id, 'world');
    account[who] = await ctx.exchange.personalAccount(u.id);
  }

  const call: World['call'] = async (auth, method, url, body, contentType) => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers.authorization = `Bearer ${auth in token ? token[auth as Who] : auth}`;
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const r = await app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let parsed: Json = {};
    try {
      parsed = r.body ? (JSON.parse(r.body) as Json) : {};
    } catch {
      parsed = {};
    }
    return { status: r.statusCode, body: parsed, text: r.body };
  };

  const api = '/api/v1';
  for (const who of ['alice', 'bob', 'carol'] as const)
    expectStatus(
      'mint',
      await call('admin', 'POST', `${api}/exchange/transfers`, {
        fromAccountId: null,
        toAccountId: account[who],
        amount: '100000',
      }),
      201,
    );
  const market = expectStatus(
    'market',
    await call('admin', 'POST', `${api}/exchange/markets`, {
      name: 'World Coin',
      kind: 'spot',
      symbol: 'WORLDUSD',
      baseAsset: 'WORLD',
      tickSize: '0.01',
      lotSize: '0.1',
    }),
    201,
  ).id as number;
  const trade = expectStatus(
    'trade',
    await call('alice', 'POST', `${api}/trades`, {
      symbol: 'BTC-USD',
      side: 'buy',
      entryType: 'limit',
      entryPrice: '90',
      stopLoss: '85',
      takeProfit: '120',
    }),
    201,
  ).trade.id as number;
  const journalEntry = expectStatus(
    'journal entry',
    await call('alice', 'POST', `${api}/journal/entries`, { title: 'alice-secret-entry', body: 'private' }),
    201,
  ).id as number;
  const message = expectStatus(
    'message',
    await call('alice', 'POST', `${api}/messages`, { title: 'alice-secret-message', body: 'private' }),
    201,
  ).id as number;
  const strategy = expectStatus(
    'strategy',
    await call('alice', 'POST', `${api}/strategies`, { name: 'alice-strategy', strategy: 'sma-cross' }),
    201,
  ).id as number;
  const data = { symbol: 'BTC-USD', timeframe: '1h' };
  const backtest = expectStatus(
    'backtest',
    await call('alice', 'POST', `${api}/backtests`, { strategy: 'sma-cross', params: { fast: 3, slow: 8 }, data }),
    201,
    202,
  ).id as number;
  const optimization = expectStatus(
    'optimization',
    await call('alice', 'POST', `${api}/optimizations`, {
      strategy: 'sma-cross',
      grid: { fast: [2, 3], slow: [8, 10] },
      data,
    }),
    201,
    202,
  ).id as number;
  const altAccount = expectStatus(
    'alt account',
    await call('alice', 'POST', `${api}/exchange/accounts`, { name: 'alice-bot' }),
    201,
  ).id as number;
  expectStatus(
    'co-owner',
    await call('alice', 'POST', `${api}/exchange/accounts/${altAccount}/owners`, { email: 'carol@world.test' }),
    200,
    201,
  );
  expectStatus(
    'fund alt',
    await call('alice', 'POST', `${api}/exchange/transfers`, {
      fromAccountId: account.alice,
      toAccountId: altAccount,
      amount: '1000',
    }),
    201,
  );
  const key = expectStatus(
    'api key',
    await call('alice', 'POST', `${api}/exchange/accounts/${altAccount}/api-keys`, {
      label: 'bot',
      permission: 'trade',
    }),
    201,
  );
  const order = expectStatus(
    'order',
    await call('alice', 'POST', `${api}/exchange/orders`, { marketId: market, side: 'buy', price: '1', size: '1' }),
    201,
  ).order.id as number;
  const auction = expectStatus(
    'auction',
    await call('alice', 'POST', `${api}/exchange/auctions`, { title: 'alice-auction', minBid: '1' }),
    201,
  ).id as number;
  const connection = expectStatus(
    'connection',
    await call('alice', 'POST', `${api}/connections`, {
      venue: 'sim',
      label: 'alice-sim',
      credentials: { apiKey: key.apiKey, secret: key.secret },
      import: false,
    }),
    201,
  ).id as number;
  const spareToken = expectStatus(
    'spare token',
    await call('alice', 'POST', `${api}/auth/tokens`, { name: 'spare' }),
    201,
  ).id as number;
  const strategyRun = expectStatus(
    'strategy run',
    await call('alice', 'POST', `${api}/strategy-runs`, { strategy: 'breakout', symbol: 'BTC-USD', timeframe: '1h' }),
    201,
  ).id as number;
  const clientRun = expectStatus(
    'client strategy run',
    await call('alice', 'POST', `${api}/strategy-runs`, {
      strategy: 'alice-module',
      symbol: 'BTC-USD',
      timeframe: '1h',
      host: 'client',
    }),
    201,
  ).id as number;
  const imp = await app.inject({
    method: 'POST',
    url: `${api}/candles/import?symbol=WORLD-USD&timeframe=1h`,
    headers: { authorization: `Bearer ${token.admin}`, 'content-type': 'text/csv' },
    payload: 'time,open,high,low,close\n2024-01-01T00:00:00Z,1,1,1,1\n',
  });
  if (imp.statusCode !== 202) throw new Error(`world setup: candle import answered ${imp.statusCode} ${imp.body}`);
  const candleImport = (JSON.parse(imp.body) as Json).id as string;
  for (let i = 0; ; i++) {
    const job = await call('admin', 'GET', `${api}/candles/imports/${candleImport}`);
    if (job.body.status === 'done') break;
    if (job.body.status === 'failed' || i > 500) throw new Error(`world setup: candle import ${job.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  expectStatus(
    'login',
    await call(null, 'POST', `${api}/auth/login`, { email: 'alice@world.test', password: 'password1' }),
    200,
  );
  const sessions = await call('alice', 'GET', `${api}/auth/sessions`);
  const session =
    sessions.status === 200 ? (((sessions.body.sessions as Json[])[0]?.id as number | undefined) ?? null) : null;
  // every user's paper account exists from here on (it is made on first use)
  for (const who of ['admin', 'alice', 'bob', 'carol'] as const) await call(who, 'GET', `${api}/risk-profile`);
  await ctx.trading.drain();

  return {
    sql,
    ctx,
    app,
    feed,
    base,
    token,
    call,
    ids: {
      user,
      account,
      trade,
      journalEntry,
      message,
      strategy,
      backtest,
      optimization,
      altAccount,
      apiKey: key.id as number,
      gatewayKey: { apiKey: key.apiKey as string, secret: key.secret as string },
      order,
      auction,
      connection,
      spareToken,
      strategyRun,
      clientRun,
      session,
      market,
      candleImport,
    },
    close: async () => {
      await app.close();
      await ctx.close();
      await sql.close();
    },
  };
}
