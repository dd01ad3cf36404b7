/**
 * Starts the real server for the HTTP benchmark: `createContext` + `buildServer` + `listen` on 127.0.0.1:0, with a
 * ReplayFeed stepped once so market entries have a price. Also the PostgreSQL scratch schema and the bench users.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../src/app/context.ts';
import { buildServer } from '../src/server/app.ts';
import { ReplayFeed } from '../src/feed/replay.ts';
import type { Candle } from '../src/core/marketdata/candle.ts';

/** A running server. */
export interface BenchServer {
  ctx: AppContext;
  app: FastifyInstance;
  base: string;
  /** Last price of BTC-USD (decimal text). */
  lastPrice: string;
  close(): Promise<void>;
}

/** The symbol the benchmark trades. */
export const SYMBOL = 'BTC-USD';

/** Starts a server over PGlite in memory (`databaseUrl` absent) or PostgreSQL. */
export async function startServer(
  candles: readonly Candle[],
  db: { databaseUrl?: string; poolSize?: number },
): Promise<BenchServer> {
  const feed = new ReplayFeed({ symbol: SYMBOL, timeframe: '1h', candles, speed: 1 });
  const ctx = await createContext({ databaseUrl: db.databaseUrl, poolSize: db.poolSize, feed });
  // The bench loosens its users' profiles at once (an operator's setting): no cooling-off, the widest drawdown halt.
  await ctx.sql.query('UPDATE risk_settings SET cooling_off_seconds = 0, max_drawdown_pct = 100');
  feed.step(1); // one bar: there is a last price now (the feed is never started, so no fills happen during the run)
  await ctx.trading.drain();
  const app = await buildServer(ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    ctx,
    app,
    base: `http://127.0.0.1:${port}`,
    lastPrice: feed.lastPrice(SYMBOL)!,
    close: async () => {
      await app.close();
      await ctx.close();
    },
  };
}

/** Checks that the PostgreSQL server answers; returns the error message when it does not. */
export async function pgUnavailable(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Creates a fresh schema; returns the URL that selects it and a function that drops it. */
export async function scratchSchema(url: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const u = new URL(url);
  // Keep any `options` already in the URL (e.g. `-c synchronous_commit=off` for an experiment).
  const prior = u.searchParams.get('options');
  u.searchParams.set('options', `${prior ? `${prior} ` : ''}-c search_path=${schema}`);
  let dropped = false;
  return {
    url: u.toString(),
    schema,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/** A bench user with its bearer API token. */
export interface BenchUser {
  email: string;
  token: string;
  /** Open positions the server reported after the last run. */
  openPositions: number;
}

/** Risk-profile limits raised so the load is approved. `maxOpenPositions` is capped at 1000 by the API schema. */
export const BENCH_PROFILE = {
  riskPerTradePct: '0.001',
  maxOpenRiskPct: '100',
  maxOpenPositions: 1000,
  dailyLossLimitPct: '100',
  maxDrawdownPct: '100',
};

async function call(
  base: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: r.headers };
}

/** Registers a user over HTTP, logs in, creates an API token and raises the profile limits. */
export async function createUser(base: string, email: string): Promise<BenchUser> {
  const password = 'bench-password-1';
  const reg = await call(base, 'POST', '/api/v1/auth/register', { email, password });
  if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${JSON.stringify(reg.json)}`);
  const login = await call(base, 'POST', '/api/v1/auth/login', { email, password });
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (login.status !== 200 || !cookie) throw new Error(`login ${email}: ${login.status}`);
  const tok = await call(base, 'POST', '/api/v1/auth/tokens', { name: 'bench' }, { cookie });
  if (tok.status !== 201) throw new Error(`token ${email}: ${tok.status} ${JSON.stringify(tok.json)}`);
  const token = String(tok.json.token);
  const put = await call(base, 'PUT', '/api/v1/risk-profile', BENCH_PROFILE, { authorization: `Bearer ${token}` });
  if (put.status !== 200) throw new Error(`risk-profile ${email}: ${put.status} ${JSON.stringify(put.json)}`);
  return { email, token, openPositions: 0 };
}

/** Tries `maxOpenPositions: 1000000` once and returns the status and error code the API answers with. */
export async function probeMaxOpenPositions(base: string, token: string): Promise<string> {
  const r = await call(
    base,
    'PUT',
    '/api/v1/risk-profile',
    { maxOpenPositions: 1_000_000 },
    {
      authorization: `Bearer ${token}`,
    },
  );
  const err = r.json.error as { code?: string } | undefined;
  return `${r.status}${err?.code ? ` ${err.code}` : ''}`;
}

/** Refreshes each user's open-position count from `GET /api/v1/auth/me`. */
export async function refreshOpenPositions(base: string, users: BenchUser[]): Promise<void> {
  await Promise.all(
    users.map(async (u) => {
      const r = await call(base, 'GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${u.token}` });
      const acc = r.json.account as { openPositions?: number } | undefined;
      u.openPositions = Number(acc?.openPositions ?? u.openPositions);
    }),
  );
}

/** The most recent rejected decision of any of `users`: its failed rules, for the report. */
export async function lastRejection(base: string, users: BenchUser[]): Promise<string | null> {
  for (const u of users.slice(0, 20)) {
    const r = await call(base, 'GET', '/api/v1/decisions?approved=false&limit=1', undefined, {
      authorization: `Bearer ${u.token}`,
    });
    const d = (r.json.decisions as { verdicts?: { passed: boolean; code: string }[] }[] | undefined)?.[0];
    if (d?.verdicts)
      return d.verdicts
        .filter((v) => !v.passed)
        .map((v) => v.code)
        .join(', ');
  }
  return null;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
