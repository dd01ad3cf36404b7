/**
 * Optional subscriptions through Stripe (off by default): an operator who hosts Testudo for others gates features by
 * plan. Stripe's webhook events keep each user's plan current; paper trading is never gated.
 *
 * Settings (environment):
 * - `TESTUDO_STRIPE_WEBHOOK_SECRET` (`whsec_...`): turns subscriptions on; the webhook's signatures are checked with it.
 * - `TESTUDO_STRIPE_PLANS`: Stripe price ids → plan names, `price_123=pro,price_456=team`. A subscription to a price
 *   not listed counts as no plan.
 *
 * What a plan unlocks when subscriptions are on ({@link GatedFeature}): exchange connections (live trading) and
 * server optimisation jobs. A user has a paid plan while a subscription of a listed price is `active` or `trialing`
 * (and its period has not ended).
 *
 * Events handled (idempotent on the event id; an older event delivered after a newer one is ignored, and a
 * cancellation is not undone by another event of the same second):
 * - `checkout.session.completed`: `client_reference_id` (the Testudo user id, set by the checkout link) → the customer.
 * - `customer.subscription.created|updated|deleted`: the customer's plan, status and current period end.
 */
import Stripe from 'stripe';
import type { Sql } from '../db/sql.ts';
import { toMs } from '../db/sql.ts';
import { ForbiddenError, ValidationError } from './errors.ts';

/** A feature that needs a paid plan when subscriptions are on. */
export type GatedFeature = 'live-trading' | 'optimization';

/** Subscription statuses that grant the plan. */
export const PAID_STATUSES: ReadonlySet<string> = new Set(['active', 'trialing']);

/** A user's plan as the API serves it. */
export interface PlanView {
  /** Whether subscriptions are on (when off, nothing is gated). */
  billing: boolean;
  /** The plan name (`TESTUDO_STRIPE_PLANS`), or null for none. */
  plan: string | null;
  /** The Stripe subscription status (`active`, `trialing`, `past_due`, `canceled`, ...), or null. */
  status: string | null;
  /** ISO 8601 UTC, or null. */
  currentPeriodEnd: string | null;
  /** Whether the gated features are open to the user (always true when subscriptions are off). */
  paid: boolean;
}

/** What one webhook delivery did. */
export interface WebhookResult {
  /** The event was handled before (not applied again). */
  duplicate: boolean;
  /** The event type was one this service acts on. */
  handled: boolean;
}

/** Options of {@link PlanService}. */
export interface PlanServiceOptions {
  sql: Sql;
  /** `TESTUDO_STRIPE_WEBHOOK_SECRET` and `TESTUDO_STRIPE_PLANS`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Wall clock, ms UTC (periods ending); default `Date.now`. */
  now?: () => number;
}

/**
 * Parses `TESTUDO_STRIPE_PLANS` (`price_id=plan` pairs, comma-separated) into a map.
 * @throws ValidationError `invalid-stripe-plans` for a pair without both sides
 */
export function parsePlans(text: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const [price, plan, ...rest] = part.split('=').map((s) => s.trim());
    if (!price || !plan || rest.length > 0)
      throw new ValidationError(
        [{ field: 'TESTUDO_STRIPE_PLANS', code: 'invalid-value', message: `"${part}" is not price_id=plan` }],
        'invalid-stripe-plans',
      );
    m.set(price, plan);
  }
  return m;
}

/** Users' plans from Stripe's webhook events, and the feature gate. */
export class PlanService {
  /** Whether subscriptions are on (`TESTUDO_STRIPE_WEBHOOK_SECRET` is set). */
  readonly enabled: boolean;
  private readonly secret: string;
  private readonly prices: Map<string, string>;
  private readonly sql: Sql;
  private readonly now: () => number;

  /** @throws ValidationError `invalid-stripe-plans` (see {@link parsePlans}) */
  constructor(o: PlanServiceOptions) {
    const env = o.env ?? process.env;
    this.sql = o.sql;
    this.now = o.now ?? (() => Date.now());
    this.secret = env.TESTUDO_STRIPE_WEBHOOK_SECRET?.trim() ?? '';
    this.enabled = this.secret !== '';
    this.prices = parsePlans(env.TESTUDO_STRIPE_PLANS);
  }

  /** The plan of `userId` (the best of its customers: a paid one first, then the latest). */
  async planOf(userId: number): Promise<PlanView> {
    const rows = await this.sql.query(
      `SELECT plan, status, current_period_end FROM stripe_customers WHERE user_id = $1
       ORDER BY state_at DESC NULLS LAST, updated_at DESC`,
      [userId],
    );
    const views = rows.map((r) => {
      const end = r.current_period_end === null ? null : toMs(r.current_period_end);
      const plan = r.plan === null ? null : String(r.plan);
      const status = r.status === null ? null : String(r.status);
      const paid = plan !== null && status !== null && PAID_STATUSES.has(status) && (end === null || end > this.now());
      return { plan, status, currentPeriodEnd: end === null ? null : new Date(end).toISOString(), paid };
    });
    const best = views.find((v) => v.paid) ?? views[0];
    return {
      billing: this.enabled,
      plan: best?.plan ?? null,
      status: best?.status ?? null,
      currentPeriodEnd: best?.currentPeriodEnd ?? null,
      paid: !this.enabled || (best?.paid ?? false),
    };
  }

  /**
   * Lets `userId` use `feature` when subscriptions are off or it has a paid plan.
   * @throws ForbiddenError `plan-required` otherwise
   */
  async requirePlan(userId: number, feature: GatedFeature): Promise<void> {
    if (!this.enabled) return;
    if ((await this.planOf(userId)).paid) return;
    const what = feature === 'live-trading' ? 'exchange connections (live trading)' : 'server optimisation jobs';
    throw new ForbiddenError('plan-required', `${what} need a paid plan; paper trading is free`);
  }

  /**
   * Verifies a webhook delivery's `Stripe-Signature` over the raw body with the webhook secret, then applies it.
   * @throws ValidationError `bad-signature` when the header is missing or does not match (or is too old: Stripe's
   *   default tolerance of 300 s), or the body is not an event
   */
  async handleWebhook(raw: Buffer, signature: string | undefined): Promise<WebhookResult> {
    let event: Stripe.Event;
    try {
      if (!this.enabled || !signature) throw new Error('no signature');
      event = Stripe.webhooks.constructEvent(raw, signature, this.secret);
    } catch {
      throw new ValidationError(
        [{ field: 'stripe-signature', code: 'bad-signature', message: 'missing or wrong Stripe signature' }],
        'bad-signature',
      );
    }
    return this.apply(event);
  }

  /** Applies a verified event once (by id), in one transaction. */
  private async apply(event: Stripe.Event): Promise<WebhookResult> {
    return this.sql.tx(async (q) => {
      const fresh = await q.query(
        'INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id',
        [event.id, event.type],
      );
      if (fresh.length === 0) return { duplicate: true, handled: false };
      switch (event.type) {
        case 'checkout.session.completed': {
          const s = event.data.object;
          const customer = idOf(s.customer);
          const userId = /^\d{1,18}$/.test(s.client_reference_id ?? '') ? s.client_reference_id : null;
          if (!customer || userId === null) return { duplicate: false, handled: false };
          const [u] = await q.query('SELECT id FROM users WHERE id = $1', [userId]);
          if (!u) return { duplicate: false, handled: false };
          await q.query(
            `INSERT INTO stripe_customers (customer_id, user_id, subscription_id) VALUES ($1, $2, $3)
             ON CONFLICT (customer_id) DO UPDATE SET user_id = $2,
               subscription_id = COALESCE(stripe_customers.subscription_id, $3), updated_at = now()`,
            [customer, userId, idOf(s.subscription)],
          );
          return { duplicate: false, handled: true };
        }
        case 'customer.subscription.created':
        case 'customer.subscription.updated':
        case 'customer.subscription.deleted': {
          const sub = event.data.object;
          const customer = idOf(sub.customer);
          if (!customer) return { duplicate: false, handled: false };
          const item = sub.items?.data?.[0];
          const priceId = item?.price?.id ?? null;
          const plan = priceId === null ? null : (this.prices.get(priceId) ?? null);
          const status = event.type === 'customer.subscription.deleted' ? 'canceled' : String(sub.status);
          // Newer API versions put the period on the item; older ones on the subscription.
          const legacy = (sub as unknown as { current_period_end?: number }).current_period_end;
          const endS = item?.current_period_end ?? legacy ?? null;
          const end = typeof endS === 'number' ? new Date(endS * 1000) : null;
          await q.query(
            `INSERT INTO stripe_customers (customer_id, subscription_id, price_id, plan, status, current_period_end,
               state_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (customer_id) DO UPDATE SET subscription_id = $2, price_id = $3, plan = $4, status = $5,
               current_period_end = $6, state_at = $7, updated_at = now()
             WHERE stripe_customers.state_at IS NULL OR stripe_customers.state_at < $7
               OR (stripe_customers.state_at = $7 AND stripe_customers.status IS DISTINCT FROM 'canceled')`,
            [customer, sub.id, priceId, plan, status, end, event.created],
          );
          return { duplicate: false, handled: true };
        }
        default:
          return { duplicate: false, handled: false };
      }
    });
  }
}

function idOf(x: string | { id: string } | null | undefined): string | null {
  if (typeof x === 'string') return x;
  return x?.id ?? null;
}
