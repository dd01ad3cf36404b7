/**
 * REST routes of the exchange's auctions under `/api/v1/exchange/auctions` (see `src/app/exchange/auctions.ts`).
 * Every route needs a login; every mutating one is in the `expensive` rate-limit class. Amounts are decimal text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { AuctionService } from '../app/exchange/auctions.ts';
import { decimalText } from './exchange-routes.ts';
import { rateLimit, requireUser } from './guards.ts';
import type { RateLimiter } from './ratelimit.ts';
import { IdParams as Id } from './schemas.ts';
import { AuctionView, AuctionWithBids, BidResult, typed } from './exchange-responses.ts';
const AccountId = z.number().int().positive().optional().describe('default: your personal account');

const CreateBody = z
  .object({
    accountId: AccountId,
    title: z.string().min(1).max(200),
    description: z.string().max(5000).optional(),
    minBid: decimalText.optional(),
    buyNowPrice: decimalText.optional(),
  })
  .strict();

/**
 * Registers the auction routes:
 * - `GET /api/v1/exchange/auctions?status=&limit=` → `{ auctions }`, newest first;
 * - `GET /api/v1/exchange/auctions/:id` → the auction with its `bids`, newest first;
 * bidders' account ids (`bids[].accountId`, `bestBidderAccountId`, `winnerAccountId`) are null except for the
 * caller's own accounts, unless the caller owns the selling account or is an admin;
 * - `POST /api/v1/exchange/auctions` `{ accountId?, title, description?, minBid?, buyNowPrice? }` → 201 the auction;
 * - `POST /api/v1/exchange/auctions/:id/bids` `{ accountId?, amount }` → 201 `{ auction, bid }`;
 * - `POST /api/v1/exchange/auctions/:id/buy` `{ accountId? }` → the sold auction;
 * - `POST /api/v1/exchange/auctions/:id/settle` `{ buyerAccountId, price }` (admins) → the sold auction;
 * - `POST /api/v1/exchange/auctions/:id/cancel` (seller or admin) → the cancelled auction.
 * A missing `accountId` means the user's personal account.
 */
export function auctionRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  limiter: RateLimiter,
  auctions: AuctionService = AuctionService.over(ctx.sql, ctx.exchange),
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const user = (req: FastifyRequest): { id: number; isAdmin: boolean; address: string } => {
    const u = requireUser(req);
    return { id: u.id, isAdmin: u.isAdmin === true, address: req.ip };
  };
  const expensive = rateLimit(limiter, 'expensive');
  const accountOf = async (u: { id: number }, accountId: number | undefined): Promise<number> =>
    accountId ?? (await ctx.exchange.personalAccount(u.id));
  const base = '/api/v1/exchange/auctions';

  r.get(
    base,
    {
      schema: {
        tags: ['auctions'],
        querystring: z.object({
          status: z.enum(['open', 'sold', 'cancelled']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ auctions: z.array(AuctionView) }) },
      },
    },
    async (req) => ({ auctions: typed(z.array(AuctionView), await auctions.list(req.query, user(req))) }),
  );
  r.get(
    `${base}/:id`,
    { schema: { tags: ['auctions'], params: Id, response: { 200: AuctionWithBids } } },
    async (req) => typed(AuctionWithBids, await auctions.get(req.params.id, user(req))),
  );
  r.post(
    base,
    { schema: { tags: ['auctions'], body: CreateBody, response: { 201: AuctionView } }, preHandler: expensive },
    async (req, reply) => {
      const u = user(req);
      const out = typed(
        AuctionView,
        await auctions.create(u, { ...req.body, accountId: await accountOf(u, req.body.accountId) }),
      );
      reply.code(201);
      return out;
    },
  );
  r.post(
    `${base}/:id/bids`,
    {
      schema: {
        tags: ['auctions'],
        params: Id,
        body: z.object({ accountId: AccountId, amount: decimalText }).strict(),
        response: { 201: BidResult },
      },
      preHandler: expensive,
    },
    async (req, reply) => {
      const u = user(req);
      const out = typed(
        BidResult,
        await auctions.bid(u, req.params.id, await accountOf(u, req.body.accountId), req.body.amount),
      );
      reply.code(201);
      return out;
    },
  );
  r.post(
    `${base}/:id/buy`,
    {
      schema: {
        tags: ['auctions'],
        params: Id,
        body: z.object({ accountId: AccountId }).strict().nullish(),
        response: { 200: AuctionView },
      },
      preHandler: expensive,
    },
    async (req) => {
      const u = user(req);
      return typed(AuctionView, await auctions.buyNow(u, req.params.id, await accountOf(u, req.body?.accountId)));
    },
  );
  r.post(
    `${base}/:id/settle`,
    {
      schema: {
        tags: ['auctions'],
        params: Id,
        body: z.object({ buyerAccountId: z.number().int().positive(), price: decimalText }).strict(),
        response: { 200: AuctionView },
      },
      preHandler: expensive,
    },
    async (req) =>
      typed(AuctionView, await auctions.settle(user(req), req.params.id, req.body.buyerAccountId, req.body.price)),
  );
  r.post(
    `${base}/:id/cancel`,
    { schema: { tags: ['auctions'], params: Id, response: { 200: AuctionView } }, preHandler: expensive },
    async (req) => typed(AuctionView, await auctions.cancel(user(req), req.params.id)),
  );
}
