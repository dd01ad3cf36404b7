/**
 * A listening Testudo server for bot tests: spot markets with gateway symbols, accounts funded with cash and base
 * units, and one trade-permission API key per account (made by its owner through
 * `POST /api/v1/exchange/accounts/:id/api-keys`, as a student would). PGlite by default, PostgreSQL with
 * TESTUDO_TEST_DB=postgres (see src/db/testing.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { createContext, type AppContext } from '../app/context.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from '../server/app.ts';

/** The running world. */
export interface BotWorld {
  ctx: AppContext;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` of the listening server. */
  url: string;
  /** Market id by gateway symbol. */
  market: Record<string, number>;
  /** `KEY:SECRET` of each named account's API key. */
  key: Record<string, string>;
  /** A native API call as the named user (bearer token); throws on a status ≥ 300. */
  call(who: string, method: 'GET' | 'POST', path: string, payload?: object): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts the server and sets up `symbols` (spot, tick 0.01, lot 1, base asset = symbol without `USD`) and the
 * `traders` (each with 100,000 USD and 200 units of every market's base asset, and an API key); plus an `admin`.
 */
export async function startBotWorld(symbols: string[], traders: string[]): Promise<BotWorld> {
  process.env.TESTUDO_SECRET_KEY ??= '5e'.repeat(32); // the API key secrets' box; never a key file in tests
  const ctx = await createContext({ sql: await openTestDatabase() });
  const app = await buildServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const token: Record<string, string> = {};
  const account: Record<string, number> = {};
  const call: BotWorld['call'] = async (who, method, path, payload) => {
    const r = await app.inject({ method, url: path, headers: { authorization: `Bearer ${token[who]}` }, payload });
    if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${r.body}`);
    return r.json() as Record<string, unknown>;
  };
  for (const name of ['admin', ...traders]) {
    const u = await ctx.auth.register(`${name}@example.com`, 'password1');
    if (name === 'admin') await ctx.auth.setAdmin(`${name}@example.com`, true);
    token[name] = await ctx.auth.createApiToken(u.id, 't');
    account[name] = await ctx.exchange.personalAccount(u.id);
  }
  const market: Record<string, number> = {};
  for (const symbol of symbols) {
    const m = await call('admin', 'POST', '/api/v1/exchange/markets', {
      name: symbol,
      symbol,
      baseAsset: symbol.replace(/USD$/, ''),
      kind: 'spot',
      tickSize: '0.01',
      lotSize: '1',
    });
    market[symbol] = m.id as number;
  }
  const key: Record<string, string> = {};
  for (const name of traders) {
    await call('admin', 'POST', '/api/v1/exchange/transfers', {
      fromAccountId: null,
      toAccountId: account[name],
      amount: '100000',
    });
    for (const id of Object.values(market))
      await call('admin', 'POST', `/api/v1/exchange/markets/${id}/deposits`, { accountId: account[name], size: '200' });
    const k = await call(name, 'POST', `/api/v1/exchange/accounts/${account[name]}/api-keys`, {
      label: `${name} bot`,
      permission: 'trade',
    });
    key[name] = `${k.apiKey as string}:${k.secret as string}`;
  }
  return {
    ctx,
    app,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    market,
    key,
    call,
    close: async () => {
      await app.close();
      await ctx.close();
      await ctx.sql.close();
    },
  };
}
