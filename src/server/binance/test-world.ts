/**
 * The shared setup of the Binance gateway's tests (plugin, security, ws, user-stream, ccxt-pro): a listening Testudo
 * server on a real database (PGlite by default, PostgreSQL with `TESTUDO_TEST_DB=postgres`, see src/db/testing.ts),
 * spot markets, funded trading users with API keys, a `ws` client that records what it receives, and signed REST
 * requests as a plain client sends them. Test-only: imported by `*.test.ts` files beside it.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createContext, type AppContext } from '../../app/context.ts';
import type { Sql } from '../../db/sql.ts';
import { openTestDatabase } from '../../db/testing.ts';
import { buildServer } from '../app.ts';
import { gatewayOf } from './plugin.ts';
import { hmacHex } from './signing.ts';

/** A JSON message or reply, loosely typed (Binance shapes vary by endpoint and event). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

/** A JSON reply of the gateway's REST API, with Binance's error `code` and `msg` when it refuses. */
export type Json = Record<string, unknown> & { code?: number; msg?: string };

/** A running test server. */
export interface GatewayWorld {
  sql: Sql;
  ctx: AppContext;
  app: FastifyInstance;
  /** `127.0.0.1:<port>` of the listening server (no scheme, no path). */
  host: string;
  /** Closes the server, the context and the database, in that order. */
  close(): Promise<void>;
}

/**
 * Opens a test database, builds the server and listens on a free port of 127.0.0.1. Sets `TESTUDO_SECRET_KEY` to
 * a random key when unset (the API key secrets' box; never a key file in tests).
 */
export async function startGatewayWorld(): Promise<GatewayWorld> {
  process.env.TESTUDO_SECRET_KEY ??= randomBytes(32).toString('hex');
  const sql = await openTestDatabase();
  const ctx = await createContext({ sql });
  const app = await buildServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    sql,
    ctx,
    app,
    host: `127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      await app.close();
      await ctx.close();
      await sql.close();
    },
  };
}

/**
 * Creates a spot market (as `adminId`) with tick 0.01 and lot 0.1, gateway `symbol` and `baseAsset` against USD;
 * returns its id.
 */
export async function spotMarket(
  ctx: AppContext,
  adminId: number,
  m: { name: string; symbol: string; baseAsset: string },
): Promise<number> {
  const v = await ctx.exchange.createMarket(adminId, {
    ...m,
    kind: 'spot',
    tickSize: '0.01',
    lotSize: '0.1',
    quoteAsset: 'USD',
  } as Parameters<typeof ctx.exchange.createMarket>[1]);
  return v.id as number;
}

/** A user and their personal account. */
export interface CashUser {
  id: number;
  account: number;
}

/**
 * Registers `email` (an admin when `isAdmin`) and credits `cash` USD to their personal account from outside the
 * exchange (none when `'0'`).
 */
export async function cashUser(ctx: AppContext, email: string, isAdmin = false, cash = '1000'): Promise<CashUser> {
  const u = await ctx.auth.register(email, 'password1');
  if (isAdmin) await ctx.auth.setAdmin(email, true);
  const accounts = await ctx.exchange.accounts(u.id);
  const me = { id: u.id, account: accounts[0]!.id as number };
  if (cash !== '0') await ctx.exchange.transfer({ id: u.id, isAdmin: true }, null, me.account, cash);
  return me;
}

/** Places a GTC limit order of `size` at `price` on `marketId` for `who`'s account, through the exchange service. */
export async function limitOrder(
  ctx: AppContext,
  who: CashUser,
  marketId: number,
  side: 'buy' | 'sell',
  price: string,
  size: string,
): Promise<Msg> {
  return ctx.exchange.placeOrder(who.id, {
    accountId: who.account,
    marketId,
    side,
    type: 'limit',
    size,
    price,
    tif: 'GTC',
  });
}

/** A trading user of the REST tests: a bearer header `h` for the native API, an account and its API key. */
export interface RestUser {
  id: number;
  h: Record<string, string>;
  account: number;
  apiKey: string;
  secret: string;
}

/**
 * Registers `email`, opens an alt account funded with 10,000 USD (from `adminId`) and 100 base units of each market
 * in `marketIds`, and creates a trade-permission API key through `POST /api/v1/exchange/accounts/:id/api-keys` as
 * its owner would. Throws when that route does not answer 201.
 */
export async function restUser(
  w: GatewayWorld,
  adminId: number,
  email: string,
  marketIds: number[],
): Promise<RestUser> {
  const { ctx } = w;
  const u = await ctx.auth.register(email, 'password1');
  const h = { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` };
  const account = (await ctx.exchange.createAltAccount(u.id, `${email} bot`)).id as number;
  await ctx.exchange.transfer({ id: adminId, isAdmin: true }, null, account, '10000');
  for (const m of marketIds) await ctx.exchange.depositAsset(m, account, '100');
  const r = await fetch(`http://${w.host}/api/v1/exchange/accounts/${account}/api-keys`, {
    method: 'POST',
    headers: { ...h, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'ccxt', permission: 'trade' }),
  });
  if (r.status !== 201) throw new Error(`api key for ${email}: ${r.status} ${await r.text()}`);
  const k = (await r.json()) as { apiKey: string; secret: string };
  return { id: u.id, h, account, apiKey: k.apiKey, secret: k.secret };
}

/**
 * A signed REST request as a plain client sends it: `params` plus `timestamp` (the gateway's clock unless given),
 * HMAC-SHA256 hex `signature` over that query string, in the query string or (`inBody`) as a form body.
 * `base` is `http://host/binance`.
 */
export async function signedFetch(
  w: GatewayWorld,
  u: { apiKey: string; secret: string },
  method: string,
  path: string,
  params: Record<string, string>,
  o: { inBody?: boolean; signature?: string; timestamp?: number; contentType?: string } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const q = new URLSearchParams({ ...params, timestamp: String(o.timestamp ?? gatewayOf(w.ctx).now()) }).toString();
  const sig = o.signature ?? hmacHex(u.secret, q);
  const full = `${q}&signature=${sig}`;
  const r = await fetch(`http://${w.host}/binance${path}${o.inBody ? '' : `?${full}`}`, {
    method,
    headers: {
      'X-MBX-APIKEY': u.apiKey,
      ...(o.inBody ? { 'content-type': o.contentType ?? 'application/x-www-form-urlencoded' } : {}),
    },
    ...(o.inBody ? { body: full } : {}),
  });
  return { status: r.status, body: (await r.json()) as Json, headers: r.headers };
}

/** The number of rows in `table` (a trusted, literal table name). */
export async function countRows(sql: Sql, table: string): Promise<number> {
  const [r] = await sql.query(`SELECT count(*)::int AS n FROM ${table}`);
  return Number(r!.n);
}

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;

/** An open WebSocket client that keeps every JSON message it received, in order. */
export interface WsConn {
  messages: Msg[];
  /** Sends `body` as JSON text. */
  send(body: unknown): void;
  /** Sends `text` as is (malformed frames). */
  raw(text: string): void;
  /** The first received message that `ok` accepts, polling every 10 ms; throws after `ms` (5,000) naming `what`. */
  waitFor(what: string, ok: (m: Msg) => boolean, ms?: number): Promise<Msg>;
  /** The close code the server sent, or null while open. */
  closed(): number | null;
  close(): void;
}

/** Opens `ws://<host><path>` and resolves once it is open. */
export async function connectWs(host: string, path: string): Promise<WsConn> {
  const ws = new WebSocket(`ws://${host}${path}`);
  const messages: Msg[] = [];
  let closedWith: number | null = null;
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Msg));
  ws.on('close', (code) => {
    closedWith = code;
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve) => ws.on('open', resolve));
  return {
    messages,
    send: (body) => ws.send(JSON.stringify(body)),
    raw: (text) => ws.send(text),
    waitFor: async (what, ok, ms = 5000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = messages.find(ok);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    closed: () => closedWith,
    close: () => ws.close(),
  };
}

/** Resolves after `ms` (250) milliseconds: time for the server to push what a step caused. */
export const settle = (ms = 250): Promise<void> => new Promise((r) => setTimeout(r, ms));
