/**
 * REST routes of the exchange's auctions under `/api/v1/exchange/auctions` (see `src/app/exchange/auctions.ts`).
 * Every route needs a login; every mutating one is in the `expensive` rate-limit class. Amounts are decimal text.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import { AuthError, RateLimitedError } from '../app/errors.ts';
import { AuctionService } from '../app/exchange/auctions.ts';
import type { LimitClass, RateLimiter } from './ratelimit.ts';

const decimalText = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .pipe(z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal such as "0.5"'));

const Id = z.object({ id: z.coerce.number().int().positive() });
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
  const user = (req: FastifyRequest): { id: number; isAdmin: boolean } => {
    const u: User | null | undefined = req.user;
    if (!u) throw new AuthError('unauthenticated', 'log in first, or send Authorization: Bearer <API token>');
    return { id: u.id, isAdmin: u.isAdmin === true };
  };
  const limit =
    (cls: LimitClass) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const u = user(req);
      const wait = limiter.take(cls, u.id, u.isAdmin);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new RateLimitedError('rate-limited', `too many ${cls} requests: retry in ${wait} s`);
      }
    };
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
      },
    },
    async (req) => {
      user(req);
      return { auctions: await auctions.list(req.query) };
    },
  );
  r.get(`${base}/:id`, { schema: { tags: ['auctions'], params: Id } }, async (req) => {
    user(req);
    return auctions.get(req.params.id);
  });
  r.post(
    base,
    { schema: { tags: ['auctions'], body: CreateBody }, preHandler: limit('expensive') },
    async (req, reply) => {
      const u = user(req);
      const out = await auctions.create(u, { ...req.body, accountId: await accountOf(u, req.body.accountId) });
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
      },
      preHandler: limit('expensive'),
    },
    async (req, reply) => {
      const u = user(req);
      const out = await auctions.bid(u, req.params.id, await accountOf(u, req.body.accountId), req.body.amount);
      reply.code(201);
      return out;
    },
  );
  r.post(
    `${base}/:id/buy`,
    {
      schema: { tags: ['auctions'], params: Id, body: z.object({ accountId: AccountId }).strict().nullish() },
      preHandler: limit('expensive'),
    },
    async (req) => {
      const u = user(req);
      return auctions.buyNow(u, req.params.id, await accountOf(u, req.body?.accountId));
    },
  );
  r.post(
    `${base}/:id/settle`,
    {
      schema: {
        tags: ['auctions'],
        params: Id,
        body: z.object({ buyerAccountId: z.number().int().positive(), price: decimalText }).strict(),
      },
      preHandler: limit('expensive'),
    },
    async (req) => auctions.settle(user(req), req.params.id, req.body.buyerAccountId, req.body.price),
  );
  r.post(
    `${base}/:id/cancel`,
    { schema: { tags: ['auctions'], params: Id }, preHandler: limit('expensive') },
    async (req) => auctions.cancel(user(req), req.params.id),
  );
}
