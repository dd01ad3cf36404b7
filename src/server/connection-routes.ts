/**
 * Exchange connections of the logged-in user (not to be confused with the simulated exchange's own accounts under
 * `/api/v1/exchange/accounts`):
 * `POST /api/v1/connections` (tests the credentials with the venue first; 422 `invalid-credentials` stores nothing),
 * `GET /api/v1/connections`, `GET /:id`, `POST /:id/test`, `POST /:id/disable`, `POST /:id/enable`, `DELETE /:id`
 * (409 `connection-has-open-trades`), `GET /:id/markets`. Owners only: another user's id is 404
 * `connection-not-found`. Credentials go in and never come out (no response schema has them, no log line).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { VenueMarket } from '../app/venues/types.ts';
import { requireUser } from './guards.ts';
import { IdParams } from './schemas.ts';

const Settings = z
  .object({
    missingStop: z
      .enum(['place', 'report'])
      .optional()
      .describe('an open position without a stop on the venue: place one (default) or report it'),
    symbols: z.array(z.string().min(1).max(40)).max(200).optional().describe('venue symbols this connection trades'),
  })
  .strict();

/** A connection as its owner sees it (never credentials). */
export const ConnectionView = z.object({
  id: z.number().int(),
  venue: z.enum(['sim', 'ccxt', 'hyperliquid']),
  exchange: z.string().describe('CCXT exchange id (binance, bybit, okx, hyperliquid) or testudo'),
  marketType: z.enum(['spot', 'swap']),
  label: z.string(),
  sandbox: z.boolean(),
  baseUrl: z.string().nullable().describe('the allowlisted API origin, or null for the exchange’s own'),
  status: z.enum(['active', 'disabled']),
  accountId: z.number().int().describe('the risk account trades through this connection are sized on'),
  currency: z.string().describe('quote currency of the risk account'),
  settings: Settings,
  lastTestedAt: z.string().nullable(),
  lastError: z.string().nullable().describe('the venue’s reason the last test failed'),
  createdAt: z.string(),
  breaker: z.enum(['closed', 'open', 'half-open']).describe('the connection’s circuit breaker'),
});

const Balance = z.object({ asset: z.string(), free: z.string(), used: z.string(), total: z.string() });

const Market = z.object({
  symbol: z.string().describe('the venue’s unified symbol, e.g. BTC/USDT'),
  type: z.enum(['spot', 'swap']),
  tickSize: z.string(),
  lotSize: z.string(),
  minQty: z.string(),
  minNotional: z.string(),
  makerFee: z.string(),
  takerFee: z.string(),
  active: z.boolean(),
});

const secretText = (what: string): z.ZodOptional<z.ZodString> => z.string().max(512).optional().describe(what);

/** Body of `POST /api/v1/connections` (cross-field rules — per-venue exchange and credentials — in the service). */
export const ConnectionBody = z
  .object({
    venue: z.enum(['sim', 'ccxt', 'hyperliquid']),
    exchange: z.string().max(32).optional().describe('ccxt: binance | bybit | okx; implied for sim and hyperliquid'),
    label: z.string().min(1).max(64).describe('unique among your connections'),
    marketType: z.enum(['spot', 'swap']).optional().describe('default spot (hyperliquid: swap)'),
    sandbox: z.boolean().optional().describe('use the exchange’s testnet'),
    baseUrl: z.string().max(200).optional().describe('an API origin allowlisted by the server (TESTUDO_VENUE_URLS)'),
    currency: z
      .string()
      .max(12)
      .optional()
      .describe('quote currency of the risk account: USDT; sim USD; hyperliquid USDC'),
    credentials: z
      .object({
        apiKey: secretText('API key (ccxt, sim)'),
        secret: secretText('API secret (ccxt, sim)'),
        password: secretText('API passphrase (okx)'),
        walletAddress: secretText('main account address, 0x + 40 hex (hyperliquid)'),
        privateKey: secretText('agent wallet private key, 0x + 64 hex (hyperliquid)'),
      })
      .strict()
      .describe('sealed at rest (AES-256-GCM), never returned'),
    settings: Settings.optional(),
    import: z.boolean().optional().describe('import the last 90 days of fills (default true)'),
  })
  .strict();

/** A venue market as listed: its symbol and the rules of its instrument. */
function toMarket(m: VenueMarket): z.infer<typeof Market> {
  const i = m.instrument;
  return {
    symbol: m.symbol,
    type: m.type,
    tickSize: i.tickSize,
    lotSize: i.lotSize,
    minQty: i.minQty,
    minNotional: i.minNotional,
    makerFee: i.makerFee,
    takerFee: i.takerFee,
    active: m.active,
  };
}

/**
 * The server's own origin from its listening addresses (IPv4 first; a wildcard address becomes the loopback one),
 * e.g. `http://127.0.0.1:3000`; null when it listens on none.
 */
export function selfUrlOf(addresses: (string | { address: string; family: string; port: number })[]): string | null {
  const inet = addresses.filter((x) => typeof x !== 'string'); // a string is a Unix socket path
  const a = inet.find((x) => x.family === 'IPv4') ?? inet[0];
  if (!a) return null;
  if (a.family === 'IPv4') return `http://${a.address === '0.0.0.0' ? '127.0.0.1' : a.address}:${a.port}`;
  return `http://[${a.address === '::' ? '::1' : a.address}]:${a.port}`;
}

/**
 * Registers the connection routes (authenticated; owners only), and tells the connection service the server's own
 * URL once it listens (the `sim` venue is this server's Binance gateway), then attaches and reconciles every active
 * connection at once.
 */
export function connectionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onListen', async () => {
    const url = selfUrlOf(app.addresses());
    if (url) ctx.connections.setSelfUrl(url);
    // A `sim` connection could not attach before the server knew its own URL: attach and reconcile now, not in a minute.
    void ctx.live.reconcileAll();
  });
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['connections'];
  r.post(
    '/api/v1/connections',
    { schema: { tags, body: ConnectionBody, response: { 201: ConnectionView } } },
    async (req, reply) => {
      await ctx.plans.requirePlan(requireUser(req).id, 'live-trading'); // 403 plan-required when Stripe plans are on
      const v = await ctx.connections.create(requireUser(req).id, req.body);
      reply.code(201);
      return v;
    },
  );
  r.get(
    '/api/v1/connections',
    { schema: { tags, response: { 200: z.object({ connections: z.array(ConnectionView) }) } } },
    async (req) => ({ connections: await ctx.connections.list(requireUser(req).id) }),
  );
  r.get(
    '/api/v1/connections/:id',
    { schema: { tags, params: IdParams, response: { 200: ConnectionView } } },
    async (req) => ctx.connections.get(requireUser(req).id, req.params.id),
  );
  r.post(
    '/api/v1/connections/:id/test',
    {
      schema: {
        tags,
        params: IdParams,
        response: { 200: z.object({ ok: z.literal(true), balances: z.array(Balance) }) },
      },
    },
    async (req) => ctx.connections.test(requireUser(req).id, req.params.id),
  );
  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const)
    r.post(
      `/api/v1/connections/:id/${action}`,
      { schema: { tags, params: IdParams, response: { 200: ConnectionView } } },
      async (req) => {
        if (status === 'active') await ctx.plans.requirePlan(requireUser(req).id, 'live-trading');
        return ctx.connections.setStatus(requireUser(req).id, req.params.id, status);
      },
    );
  r.delete(
    '/api/v1/connections/:id',
    { schema: { tags, params: IdParams, response: { 204: z.null().describe('deleted') } } },
    async (req, reply) => {
      await ctx.connections.remove(requireUser(req).id, req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/v1/connections/:id/markets',
    { schema: { tags, params: IdParams, response: { 200: z.object({ markets: z.array(Market) }) } } },
    async (req) => ({
      markets: (await ctx.connections.markets(requireUser(req).id, req.params.id)).map(toMarket),
    }),
  );
}
