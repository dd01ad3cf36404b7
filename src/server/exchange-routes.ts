/**
 * REST routes of the simulated exchange under `/api/v1/exchange`. Mutating routes (orders, transfers) are in the
 * `mutate` rate-limit class, costly ones (full trade history, creating markets) in `expensive`. Creating, pausing,
 * settling markets and depositing assets are admin-only (403 `forbidden`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { numberToDecimalText } from '../core/money/decimal.ts';
import type { AppContext } from '../app/context.ts';
import { rateLimit, requireAdmin, requireUser } from './guards.ts';
import type { LimitClass, RateLimiter } from './ratelimit.ts';
import { IdParams as Id } from './schemas.ts';
import {
  AccountOwnerView,
  AccountView,
  AltAccountView,
  DepositView,
  FillView,
  MarketView,
  MarketWithBook,
  NewTransferView,
  OrderResult,
  OrderView,
  PortfolioView,
  RemovedOwnerView,
  SettledMarket,
  TradeView,
  TransferView,
  typed,
} from './exchange-responses.ts';

/**
 * A positive decimal amount: string or JSON number in, trimmed decimal text out. At most 50 characters (36 integer
 * digits with the 12 decimals of money fit): longer text is no price, size or amount, and NUMERIC columns and the
 * engine's integers have limits (`too-big`).
 */
export const decimalText = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? numberToDecimalText(v) : v.trim()))
  .pipe(
    z
      .string()
      .max(50, 'must be at most 50 characters')
      .regex(/^\d+(\.\d+)?$/, 'must be a positive decimal such as "0.5"'),
  );

/** Body of `POST /api/v1/exchange/orders` (and the WebSocket `place_order`). */
export const OrderBody = z
  .object({
    accountId: z.number().int().positive().optional().describe('default: your personal account'),
    marketId: z.number().int().positive(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['limit', 'market', 'stop-market', 'stop-limit', 'take-profit', 'take-profit-limit']).default('limit'),
    size: decimalText,
    price: decimalText.optional(),
    stopPrice: decimalText.optional(),
    tif: z.enum(['GTC', 'IOC', 'FOK']).optional(),
    postOnly: z.boolean().optional(),
    stp: z.enum(['cancel-resting', 'cancel-incoming', 'cancel-both']).optional(),
    clientOrderId: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,36}$/)
      .optional()
      .describe("the client's own id; unique among the account's live orders"),
  })
  .strict();

const MarketBody = z
  .object({
    name: z.string().min(1).max(80),
    description: z.string().max(2000).optional(),
    kind: z.enum(['spot', 'bounded']),
    symbol: z
      .string()
      .regex(/^[A-Z0-9]{2,20}$/)
      .optional()
      .describe('gateway symbol; default: from the name'),
    baseAsset: z
      .string()
      .regex(/^[A-Z0-9]{1,20}$/)
      .optional(),
    quoteAsset: z
      .string()
      .regex(/^[A-Z0-9]{1,20}$/)
      .optional()
      .describe("default: the exchange's cash asset"),
    tickSize: decimalText,
    lotSize: decimalText,
    minPrice: decimalText.optional(),
    maxPrice: decimalText.optional(),
    hideAccounts: z.boolean().optional(),
    visibleTo: z.array(z.number().int().positive()).max(1000).optional(),
  })
  .strict();

/** Body of `POST /api/v1/exchange/transfers` (and the WebSocket `transfer`). */
export const TransferBody = z
  .object({
    fromAccountId: z.number().int().positive().nullable().optional().describe('null (admins): mint'),
    toAccountId: z.number().int().positive(),
    amount: decimalText,
    note: z.string().max(500).optional(),
  })
  .strict();

/** The signed-in admin (`guards.ts`: an API token needs the admin scope). */
const admin = requireAdmin;

/** Registers the exchange routes. */
export function exchangeRoutes(app: FastifyInstance, ctx: AppContext, limiter: RateLimiter): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const ex = ctx.exchange;
  const limit = (cls: LimitClass): ReturnType<typeof rateLimit> => rateLimit(limiter, cls);

  r.get(
    '/api/v1/exchange/markets',
    { schema: { tags: ['exchange'], response: { 200: z.object({ markets: z.array(MarketView) }) } } },
    async (req) => ({
      markets: typed(z.array(MarketView), await ex.listMarkets(req.user?.id ?? null)),
    }),
  );
  r.post(
    '/api/v1/exchange/markets',
    { schema: { tags: ['exchange'], body: MarketBody, response: { 201: MarketView } }, preHandler: limit('expensive') },
    async (req, reply) => {
      reply.code(201);
      return typed(MarketView, await ex.createMarket(admin(req).id, req.body, req.ip));
    },
  );
  r.get(
    '/api/v1/exchange/markets/:id',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        querystring: z.object({ levels: z.coerce.number().int().min(1).max(500).default(20) }),
        response: { 200: MarketWithBook },
      },
    },
    async (req) => typed(MarketWithBook, await ex.market(req.user?.id ?? null, req.params.id, req.query.levels)),
  );
  r.get(
    '/api/v1/exchange/markets/:id/trades',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
          beforeId: z.coerce.number().int().positive().optional().describe('older page: trades with a smaller id'),
          afterId: z.coerce.number().int().nonnegative().optional().describe('newer page: trades with a larger id'),
        }),
        response: { 200: z.object({ trades: z.array(TradeView) }) },
      },
      preHandler: limit('expensive'),
    },
    async (req) => ({
      trades: typed(
        z.array(TradeView),
        await ex.trades(req.user?.id ?? null, req.params.id, req.query.limit, {
          beforeId: req.query.beforeId,
          afterId: req.query.afterId,
        }),
      ),
    }),
  );
  r.post(
    '/api/v1/exchange/markets/:id/status',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        body: z.object({ status: z.enum(['open', 'paused', 'closed']) }).strict(),
        response: { 200: MarketView },
      },
    },
    async (req) => {
      const by = admin(req);
      return typed(MarketView, await ex.setStatus(req.params.id, req.body.status, { userId: by.id, address: req.ip }));
    },
  );
  r.post(
    '/api/v1/exchange/markets/:id/settle',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        body: z.object({ price: decimalText }).strict(),
        response: { 200: SettledMarket },
      },
    },
    async (req) => typed(SettledMarket, await ex.settle(req.params.id, req.body.price, admin(req).id, req.ip)),
  );
  r.post(
    '/api/v1/exchange/markets/:id/deposits',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        body: z.object({ accountId: z.number().int().positive(), size: decimalText }).strict(),
        response: { 201: DepositView },
      },
    },
    async (req, reply) => {
      const by = admin(req);
      reply.code(201);
      return typed(
        DepositView,
        await ex.depositAsset(req.params.id, req.body.accountId, req.body.size, { userId: by.id, address: req.ip }),
      );
    },
  );

  r.get(
    '/api/v1/exchange/accounts',
    { schema: { tags: ['exchange'], response: { 200: z.object({ accounts: z.array(AccountView) }) } } },
    async (req) => ({
      accounts: typed(z.array(AccountView), await ex.accounts(requireUser(req).id)),
    }),
  );
  r.post(
    '/api/v1/exchange/accounts',
    {
      schema: {
        tags: ['exchange'],
        body: z.object({ name: z.string().min(1).max(80) }).strict(),
        response: { 201: AltAccountView },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return typed(AltAccountView, await ex.createAltAccount(requireUser(req).id, req.body.name));
    },
  );
  r.post(
    '/api/v1/exchange/accounts/:id/owners',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        body: z.object({ email: z.string().min(3).max(200) }).strict(),
        response: { 200: AccountOwnerView },
      },
    },
    async (req) => typed(AccountOwnerView, await ex.shareAccount(requireUser(req).id, req.params.id, req.body.email)),
  );
  r.delete(
    '/api/v1/exchange/accounts/:id/owners/:userId',
    {
      schema: {
        tags: ['exchange'],
        params: z.object({ id: z.coerce.number().int().positive(), userId: z.coerce.number().int().positive() }),
        response: { 200: RemovedOwnerView },
      },
    },
    async (req) => typed(RemovedOwnerView, await ex.removeOwner(requireUser(req).id, req.params.id, req.params.userId)),
  );
  r.get(
    '/api/v1/exchange/fills',
    {
      schema: {
        tags: ['exchange'],
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          beforeId: z.coerce.number().int().positive().optional().describe('older page: fills of smaller trade ids'),
        }),
        response: { 200: z.object({ fills: z.array(FillView) }) },
      },
      preHandler: limit('expensive'),
    },
    async (req) => ({
      fills: typed(z.array(FillView), await ex.fills(requireUser(req).id, null, req.query.limit, req.query.beforeId)),
    }),
  );
  r.get(
    '/api/v1/exchange/accounts/:id/portfolio',
    { schema: { tags: ['exchange'], params: Id, response: { 200: PortfolioView } } },
    async (req) => typed(PortfolioView, await ex.portfolio(requireUser(req).id, req.params.id)),
  );

  r.post(
    '/api/v1/exchange/orders',
    { schema: { tags: ['exchange'], body: OrderBody, response: { 201: OrderResult } }, preHandler: limit('mutate') },
    async (req, reply) => {
      const u = requireUser(req);
      const accountId = req.body.accountId ?? (await ex.personalAccount(u.id));
      reply.code(201);
      return typed(OrderResult, await ex.placeOrder(u.id, { ...req.body, accountId }));
    },
  );
  r.get(
    '/api/v1/exchange/orders',
    {
      schema: {
        tags: ['exchange'],
        querystring: z.object({
          live: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ orders: z.array(OrderView) }) },
      },
    },
    async (req) => ({ orders: typed(z.array(OrderView), await ex.orders(requireUser(req).id, req.query)) }),
  );
  r.delete(
    '/api/v1/exchange/orders/:id',
    { schema: { tags: ['exchange'], params: Id, response: { 200: OrderResult } }, preHandler: limit('mutate') },
    async (req) => typed(OrderResult, await ex.cancelOrder(requireUser(req).id, req.params.id)),
  );
  r.patch(
    '/api/v1/exchange/orders/:id',
    {
      schema: {
        tags: ['exchange'],
        params: Id,
        body: z.object({ size: decimalText.optional(), price: decimalText.optional() }).strict(),
        response: { 200: OrderResult },
      },
      preHandler: limit('mutate'),
    },
    async (req) => typed(OrderResult, await ex.amendOrder(requireUser(req).id, req.params.id, req.body)),
  );

  r.post(
    '/api/v1/exchange/transfers',
    {
      schema: { tags: ['exchange'], body: TransferBody, response: { 201: NewTransferView } },
      preHandler: limit('mutate'),
    },
    async (req, reply) => {
      const u = requireUser(req);
      reply.code(201);
      const out = await ex.transfer(
        { id: u.id, isAdmin: u.isAdmin === true },
        req.body.fromAccountId === undefined ? await ex.personalAccount(u.id) : req.body.fromAccountId,
        req.body.toAccountId,
        req.body.amount,
        req.body.note,
        req.ip,
      );
      return typed(NewTransferView, out);
    },
  );
  r.get(
    '/api/v1/exchange/transfers',
    { schema: { tags: ['exchange'], response: { 200: z.object({ transfers: z.array(TransferView) }) } } },
    async (req) => ({
      transfers: typed(z.array(TransferView), await ex.transfers(requireUser(req).id)),
    }),
  );
}
