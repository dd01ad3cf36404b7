/**
 * API keys of exchange accounts, managed by the account's owners:
 * `POST /api/v1/exchange/accounts/:id/api-keys` → `{ apiKey, secret, ... }` (the secret is shown this once),
 * `GET` the live keys (never secrets), `DELETE .../api-keys/:keyId` revokes at once. Keys sign requests to the
 * Binance-compatible gateway under `/binance` (see `./binance/plugin.ts`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { requireUser, rateLimit } from './guards.ts';
import type { RateLimiter } from './ratelimit.ts';
import { apiKeysOf } from './binance/keys.ts';

/** A key as listed (no secret). */
export const ApiKeyView = z.object({
  id: z.number().int(),
  accountId: z.number().int(),
  label: z.string(),
  apiKey: z.string(),
  permission: z.enum(['read', 'trade']).describe('read: account, orders, trades; trade: also place and cancel'),
  createdBy: z.number().int(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

const NewApiKeyView = ApiKeyView.extend({
  secret: z.string().describe('the HMAC-SHA256 secret; shown once, store it now'),
});

const KeyBody = z
  .object({
    label: z.string().max(100).optional(),
    // least privilege, as Binance's own keys: reading unless trading is asked for
    permission: z.enum(['read', 'trade']).default('read'),
  })
  .strict();

const AccountParams = z.object({ id: z.coerce.number().int().positive() });
const KeyParams = AccountParams.extend({ keyId: z.coerce.number().int().positive() });

/** Registers the API key routes (owners of the account only; others get 404 `account-not-found`). */
export function exchangeKeyRoutes(app: FastifyInstance, ctx: AppContext, limiter?: RateLimiter): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const keys = apiKeysOf(ctx);
  const pre = limiter ? { preHandler: rateLimit(limiter, 'mutate') } : {};
  r.post(
    '/api/v1/exchange/accounts/:id/api-keys',
    {
      schema: { tags: ['exchange'], params: AccountParams, body: KeyBody, response: { 201: NewApiKeyView } },
      ...pre,
    },
    async (req, reply) => {
      const k = await keys.create(requireUser(req).id, req.params.id, req.body);
      reply.header('cache-control', 'no-store');
      reply.code(201);
      return k;
    },
  );
  r.get(
    '/api/v1/exchange/accounts/:id/api-keys',
    {
      schema: {
        tags: ['exchange'],
        params: AccountParams,
        response: { 200: z.object({ keys: z.array(ApiKeyView) }) },
      },
    },
    async (req) => ({ keys: await keys.list(requireUser(req).id, req.params.id) }),
  );
  r.delete(
    '/api/v1/exchange/accounts/:id/api-keys/:keyId',
    { schema: { tags: ['exchange'], params: KeyParams, response: { 200: ApiKeyView } }, ...pre },
    async (req) => keys.revoke(requireUser(req).id, req.params.id, req.params.keyId),
  );
}
