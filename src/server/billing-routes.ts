/**
 * Subscription routes (`src/app/plans.ts`): Stripe's webhook, which reads the raw body to check its signature (the
 * route's own content-type parser keeps the bytes; no cookie, no session: exempt from authentication and CSRF),
 * and the signed-in user's plan.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { NotFoundError } from '../app/errors.ts';
import { requireUser } from './guards.ts';

/** Path of Stripe's webhook (configure it in the Stripe dashboard). */
export const STRIPE_WEBHOOK_PATH = '/api/v1/billing/stripe/webhook';

/** `GET /api/v1/billing/plan`. */
export const PlanReply = z.object({
  billing: z.boolean().describe('subscriptions are on (when off nothing is gated)'),
  plan: z.string().nullable(),
  status: z.string().nullable().describe("Stripe's subscription status"),
  currentPeriodEnd: z.string().nullable(),
  paid: z.boolean().describe('live trading and optimisation jobs are open to the user'),
});

/** Registers the billing routes. */
export async function billingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get('/api/v1/billing/plan', { schema: { tags: ['billing'], response: { 200: PlanReply } } }, async (req) =>
      ctx.plans.planOf(requireUser(req).id),
    );

  await app.register(async (scope) => {
    // Only this route: every body stays the exact bytes Stripe signed.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1_000_000 }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(
      STRIPE_WEBHOOK_PATH,
      {
        schema: {
          tags: ['billing'],
          summary: "Stripe's webhook (Stripe-Signature checked over the raw body)",
          security: [],
          response: { 200: z.object({ received: z.literal(true), duplicate: z.boolean() }) },
        },
      },
      async (req) => {
        if (!ctx.plans.enabled) throw new NotFoundError('billing-off', 'subscriptions are not enabled on this server');
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sig = req.headers['stripe-signature'];
        const r = await ctx.plans.handleWebhook(raw, typeof sig === 'string' ? sig : undefined);
        return { received: true as const, duplicate: r.duplicate };
      },
    );
  });
}
