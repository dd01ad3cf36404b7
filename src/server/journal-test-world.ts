/**
 * Test helper of the journal, risk-profile, auth and admin route tests: a context over a test database (PGlite, or
 * PostgreSQL with `TESTUDO_TEST_DB=postgres`) with a hand-set clock and no feed, its server, users signed in with
 * a session cookie (and its CSRF token), and closed trades written straight into the tables (known P&L, R and times).
 */
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer, SESSION_COOKIE, type ServerOptions } from './app.ts';
import { rateLimiterFromEnv } from './ratelimit.ts';
import { CSRF_COOKIE, CSRF_HEADER } from './session.ts';

/**
 * `TESTUDO_RATE_LIMITS` of the test worlds: the default limits, except registrations and sign-ins from one address
 * (every test user signs up from 127.0.0.1).
 */
export const TEST_RATE_LIMITS = 'register=1000/1h,auth=1000/10m';

/** A server over a fresh database with a settable clock. */
export interface ClockWorld {
  sql: Sql;
  ctx: AppContext;
  app: FastifyInstance;
  /** The server clock (ms UTC) as `ctx.now()` reads it; tests move it. */
  clock: { now: number };
  close(): Promise<void>;
}

/** A reply: status and parsed JSON body (null when empty). */
export interface Reply<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/** The body of an error answer (`./errors.ts`): a stable code, a message, and field issues of a validation error. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; code: string; message: string }[] };
}

/** A signed-in user. */
export interface Client {
  id: number;
  email: string;
  cookie: string;
  /** Headers that authenticate as this user's session: its cookies and `x-csrf-token`. */
  headers: Record<string, string>;
  call<T = Record<string, unknown>>(method: string, path: string, payload?: unknown): Promise<Reply<T>>;
}

/** Options of {@link openClockWorld}. */
export interface ClockWorldOptions {
  /**
   * Server options; by default rate limits in this process's memory (never a shared Redis) with registrations and
   * sign-ins from one address raised ({@link TEST_RATE_LIMITS}). `rateLimitFactor: Infinity` turns the limits off.
   */
  server?: ServerOptions;
  /** A database to use (a second server on the same database); the world's `close` leaves it open. */
  sql?: Sql;
}

/** Opens a world whose clock starts at `start` (ms UTC). */
export async function openClockWorld(start: number, o: ClockWorldOptions = {}): Promise<ClockWorld> {
  const sql = o.sql ?? (await openTestDatabase());
  const clock = { now: start };
  const ctx = await createContext({ sql, feed: null, now: () => clock.now });
  const limits =
    o.server?.rateLimiter === undefined && o.server?.rateLimitFactor === undefined
      ? { rateLimiter: rateLimiterFromEnv({ TESTUDO_RATE_LIMITS: TEST_RATE_LIMITS }) }
      : {};
  const app = await buildServer(ctx, { ...limits, ...o.server });
  return {
    sql,
    ctx,
    app,
    clock,
    close: async () => {
      await app.close();
      await ctx.close();
      if (o.sql === undefined) await sql.close();
    },
  };
}

/** Sends a request under `/api/v1` (unless the path starts with `/api/`). */
export async function call<T = Record<string, unknown>>(
  w: Pick<ClockWorld, 'app'>,
  method: string,
  path: string,
  opts: { payload?: unknown; headers?: Record<string, string>; remoteAddress?: string } = {},
): Promise<Reply<T>> {
  const r = await w.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1${path}`,
    ...(opts.remoteAddress === undefined ? {} : { remoteAddress: opts.remoteAddress }),
    ...(opts.payload === undefined ? {} : { payload: opts.payload as object }),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  return { status: r.statusCode, body: (r.body === '' ? null : r.json()) as T, headers: r.headers };
}

/** The `name=value` of the session cookie a reply sets, or undefined. */
export function sessionCookie(headers: Reply<unknown>['headers']): string | undefined {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  return list.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];
}

/**
 * Headers that authenticate as the session a reply started: `cookie` with every cookie it set (access, CSRF,
 * refresh) and the CSRF token as `x-csrf-token` (needed by cookie-authenticated writes). Empty when it set none.
 */
export function sessionHeaders(headers: Reply<unknown>['headers']): Record<string, string> {
  const raw = headers['set-cookie'];
  const pairs = (Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)])
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='));
  if (pairs.length === 0) return {};
  const csrf = pairs.find((c) => c.startsWith(`${CSRF_COOKIE}=`))?.slice(CSRF_COOKIE.length + 1);
  return { cookie: pairs.join('; '), ...(csrf ? { [CSRF_HEADER]: csrf } : {}) };
}

let seq = 0;

/** The password of every user {@link signUp} registers. */
export const TEST_PASSWORD = 'correct horse battery';

/** Options of {@link signUp}. */
export interface SignUpOptions {
  /** The client address of its requests, asked on each request (tests that move address per test); default inject's. */
  remoteAddress?: () => string;
}

/**
 * Registers a user with {@link TEST_PASSWORD} (registration signs in: its session's cookies and CSRF token are used
 * by `call`); `admin` grants admin rights directly.
 * @throws Error when the registration is not answered 201 with a session cookie
 */
export async function signUp(w: ClockWorld, name = 'trader', admin = false, o: SignUpOptions = {}): Promise<Client> {
  const email = `${name}-${++seq}@example.com`;
  const from = (): { remoteAddress?: string } => (o.remoteAddress ? { remoteAddress: o.remoteAddress() } : {});
  const reg = await call<{ user: { id: number } }>(w, 'POST', '/auth/register', {
    payload: { email, password: TEST_PASSWORD },
    ...from(),
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const cookie = sessionCookie(reg.headers);
  if (!cookie) throw new Error('register set no session cookie');
  const headers = sessionHeaders(reg.headers);
  if (admin) await w.ctx.auth.setAdmin(email, true);
  return {
    id: reg.body.user.id,
    email,
    cookie,
    headers,
    call: (method, path, payload) => call(w, method, path, { payload, headers, ...from() }),
  };
}

/**
 * Signs `c` in again with its password (a second session of the same user, as another device would): a client of
 * that session. @throws Error when the sign-in is not answered 200
 */
export async function signInAgain(w: ClockWorld, c: Client, headers: Record<string, string> = {}): Promise<Client> {
  const r = await call(w, 'POST', '/auth/login', { payload: { email: c.email, password: TEST_PASSWORD }, headers });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
  const h = sessionHeaders(r.headers);
  return {
    ...c,
    cookie: sessionCookie(r.headers)!,
    headers: h,
    call: (m, p, payload) => call(w, m, p, { payload, headers: h }),
  };
}

/** A closed trade to write: money as decimal text, times ms UTC. */
export interface ClosedTradeFixture {
  symbol?: string;
  side?: 'buy' | 'sell';
  setup?: string | null;
  tags?: string[];
  netPnl: string;
  r: number;
  maeR?: number | null;
  mfeR?: number | null;
  openedAt: number;
  closedAt: number;
}

/** Writes a closed trade (and the decision it needs) for `userId`'s account; returns the trade id. */
export async function insertClosedTrade(sql: Sql, userId: number, t: ClosedTradeFixture): Promise<number> {
  const [a] = await sql.query('SELECT id FROM accounts WHERE user_id = $1', [userId]);
  const side = t.side ?? 'buy';
  const [d] = await sql.query(
    `INSERT INTO decisions (account_id, market_time, symbol, side, approved, input, verdicts, sizing)
     VALUES ($1, $2, $3, $4, true, '{}', '[]', '{}') RETURNING id`,
    [a!.id, new Date(t.openedAt), t.symbol ?? 'BTC-USD', side],
  );
  const [row] = await sql.query(
    `INSERT INTO trades (account_id, decision_id, symbol, side, entry_type, entry_price, stop_price, qty, risk_pct,
       planned_risk, margin, setup, tags, status, submitted_at, opened_at, closed_at, net_pnl, r_multiple, mae_r,
       mfe_r, exit_reason)
     VALUES ($1, $2, $3, $4, 'market', 100, 95, 1, 1, 5, 100, $5, $6, 'closed', $7, $7, $8, $9, $10, $11, $12,
       'manual') RETURNING id`,
    [
      a!.id,
      d!.id,
      t.symbol ?? 'BTC-USD',
      side,
      t.setup ?? null,
      t.tags ?? [],
      new Date(t.openedAt),
      new Date(t.closedAt),
      t.netPnl,
      t.r,
      t.maeR ?? null,
      t.mfeR ?? null,
    ],
  );
  return Number(row!.id);
}
