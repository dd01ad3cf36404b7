/**
 * Optional Stripe subscriptions over the real server and database, with fixture events signed by the `stripe`
 * library's own `generateTestHeaderString` (no network): the signature checked over the raw body, a duplicate event
 * applied once, a late older event ignored, the plan gating exchange connections and optimisation jobs, a
 * cancellation gating them again, and nothing gated while subscriptions are off.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanService, parsePlans } from '../app/plans.ts';
import { openClockWorld, signUp, type Client, type ClockWorld } from './journal-test-world.ts';
import { STRIPE_WEBHOOK_PATH } from './billing-routes.ts';

interface ErrorBody {
  error: { code: string };
}
interface Plan {
  billing: boolean;
  plan: string | null;
  status: string | null;
  currentPeriodEnd: string | null;
  paid: boolean;
}

const SECRET = 'whsec_test_secret';
const env = { TESTUDO_STRIPE_WEBHOOK_SECRET: SECRET, TESTUDO_STRIPE_PLANS: 'price_pro=pro, price_team=team' };
let w: ClockWorld;
const T0 = Math.floor(Date.now() / 1000);
const PERIOD_END = T0 + 30 * 86_400;

beforeAll(async () => {
  w = await openClockWorld(Date.UTC(2024, 0, 2));
  w.ctx.plans = new PlanService({ sql: w.sql, env });
});
afterAll(async () => {
  await w.close();
});

let seq = 0;
function event(type: string, object: Record<string, unknown>, created = T0 + ++seq): Record<string, unknown> {
  return { id: `evt_${++seq}`, object: 'event', api_version: '2025-10-29', created, type, data: { object } };
}
const checkout = (userId: number, customer: string) =>
  event('checkout.session.completed', {
    id: `cs_${seq}`,
    object: 'checkout.session',
    client_reference_id: String(userId),
    customer,
    subscription: `sub_${customer}`,
  });
const subscription = (
  type: 'created' | 'updated' | 'deleted',
  customer: string,
  status: string,
  price = 'price_pro',
  created?: number,
) =>
  event(
    `customer.subscription.${type}`,
    {
      id: `sub_${customer}`,
      object: 'subscription',
      customer,
      status,
      items: { object: 'list', data: [{ id: 'si_1', price: { id: price }, current_period_end: PERIOD_END }] },
    },
    created,
  );

/** Posts `payload` (an event, as JSON text) to the webhook, signed with `secret` unless `signature` is given. */
async function deliver(
  payload: Record<string, unknown> | string,
  o: { secret?: string; signature?: string | null } = {},
) {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const sig =
    o.signature === undefined
      ? Stripe.webhooks.generateTestHeaderString({ payload: text, secret: o.secret ?? SECRET })
      : o.signature;
  const r = await w.app.inject({
    method: 'POST',
    url: STRIPE_WEBHOOK_PATH,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(sig === null ? {} : { 'stripe-signature': sig }),
    },
    payload: text,
  });
  return { status: r.statusCode, body: r.json() as { received?: true; duplicate?: boolean } & Partial<ErrorBody> };
}

const plan = async (u: Client): Promise<Plan> => (await u.call<Plan>('GET', '/billing/plan')).body;
const OPTIMIZATION = {
  strategy: 'sma-cross',
  grid: { fast: [5, 10] },
  maximize: 'Duration', // refused after the plan check (400 unknown-stat): no job is queued
  data: { symbol: 'GOOG', timeframe: '1d' },
};
const CONNECTION = { venue: 'sim', label: 'Sim', credentials: { apiKey: 'k', secret: 's' }, import: false };

describe('the Stripe webhook', () => {
  it('refuses a missing, wrong or re-signed-body signature with 400 bad-signature and changes nothing', async () => {
    const u = await signUp(w, 'sig');
    const ev = checkout(u.id, 'cus_sig');
    expect(await deliver(ev, { signature: null })).toMatchObject({
      status: 400,
      body: { error: { code: 'bad-signature' } },
    });
    expect((await deliver(ev, { secret: 'whsec_other' })).body.error?.code).toBe('bad-signature');
    const good = Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(ev), secret: SECRET });
    // the same signature over a body changed by one byte (re-serialised) does not hold
    const tampered = JSON.stringify(ev, null, 1);
    expect((await deliver(tampered, { signature: good })).body.error?.code).toBe('bad-signature');
    const old = Stripe.webhooks.generateTestHeaderString({
      payload: JSON.stringify(ev),
      secret: SECRET,
      timestamp: T0 - 3600,
    });
    expect((await deliver(ev, { signature: old })).body.error?.code).toBe('bad-signature');
    const rows = await w.sql.query('SELECT count(*)::int AS n FROM stripe_events');
    expect(rows[0]!.n).toBe(0);
  });

  it('keeps a plan current: checkout links the customer, subscription events set the plan, once per event id', async () => {
    const u = await signUp(w, 'sub');
    expect(await plan(u)).toEqual({ billing: true, plan: null, status: null, currentPeriodEnd: null, paid: false });
    // the subscription may arrive before the checkout that names the user
    const created = subscription('created', 'cus_sub', 'active');
    expect(await deliver(created)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect((await plan(u)).paid).toBe(false);
    expect((await deliver(checkout(u.id, 'cus_sub'))).status).toBe(200);
    expect(await plan(u)).toEqual({
      billing: true,
      plan: 'pro',
      status: 'active',
      currentPeriodEnd: new Date(PERIOD_END * 1000).toISOString(),
      paid: true,
    });
    // a duplicate delivery is acknowledged and not applied again
    expect(await deliver(created)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    const n = await w.sql.query('SELECT count(*)::int AS n FROM stripe_events WHERE id = $1', [created.id]);
    expect(n[0]!.n).toBe(1);
    // an older event delivered late does not overwrite the newer state
    await deliver(subscription('updated', 'cus_sub', 'past_due', 'price_pro', T0 - 1000));
    expect((await plan(u)).status).toBe('active');
    // a price not in TESTUDO_STRIPE_PLANS is no plan
    await deliver(subscription('updated', 'cus_sub', 'active', 'price_unknown'));
    expect(await plan(u)).toMatchObject({ plan: null, paid: false });
    await deliver(subscription('updated', 'cus_sub', 'trialing', 'price_team'));
    expect(await plan(u)).toMatchObject({ plan: 'team', status: 'trialing', paid: true });
  });

  it('is exempt from authentication, and answers 200 to event types it does not act on', async () => {
    const r = await deliver(event('invoice.paid', { id: 'in_1', object: 'invoice' }));
    expect(r).toEqual({ status: 200, body: { received: true, duplicate: false } });
  });
});

describe('feature gating by plan', () => {
  it('gates exchange connections and optimisation jobs until paid, and again after the cancellation', async () => {
    const u = await signUp(w, 'gate');
    const conn = await u.call<ErrorBody>('POST', '/connections', CONNECTION);
    expect([conn.status, conn.body.error.code]).toEqual([403, 'plan-required']);
    const opt = await u.call<ErrorBody>('POST', '/optimizations', OPTIMIZATION);
    expect([opt.status, opt.body.error.code]).toEqual([403, 'plan-required']);
    // backtests (paper) are not gated
    const bt = await u.call<ErrorBody>('POST', '/backtests', {
      strategy: 'nope',
      data: { symbol: 'GOOG', timeframe: '1d' },
    });
    expect(bt.body.error?.code).not.toBe('plan-required');

    await deliver(checkout(u.id, 'cus_gate'));
    await deliver(subscription('created', 'cus_gate', 'active'));
    const paidOpt = await u.call<ErrorBody>('POST', '/optimizations', OPTIMIZATION);
    expect(paidOpt.status).toBe(400); // past the gate: the unknown statistic is refused
    const paidConn = await u.call<ErrorBody>('POST', '/connections', CONNECTION);
    expect(paidConn.body.error?.code).not.toBe('plan-required');

    await deliver(subscription('deleted', 'cus_gate', 'canceled'));
    expect(await plan(u)).toMatchObject({ plan: 'pro', status: 'canceled', paid: false });
    const again = await u.call<ErrorBody>('POST', '/optimizations', OPTIMIZATION);
    expect([again.status, again.body.error.code]).toEqual([403, 'plan-required']);
    const audit = await w.sql.query("SELECT count(*)::int AS n FROM stripe_events WHERE type LIKE 'customer.%'");
    expect(audit[0]!.n).toBeGreaterThan(0);
  });

  it('gates nothing while subscriptions are off (the default), and the webhook route is absent', async () => {
    const plans = w.ctx.plans;
    w.ctx.plans = new PlanService({ sql: w.sql, env: {} });
    try {
      const u = await signUp(w, 'off');
      expect(await plan(u)).toMatchObject({ billing: false, paid: true });
      const opt = await u.call<ErrorBody>('POST', '/optimizations', OPTIMIZATION);
      expect(opt.status).toBe(400);
      const r = await deliver(checkout(u.id, 'cus_off'));
      expect([r.status, r.body.error?.code]).toEqual([404, 'billing-off']);
    } finally {
      w.ctx.plans = plans;
    }
  });
});

describe('TESTUDO_STRIPE_PLANS', () => {
  it('maps price ids to plan names and names a malformed pair', () => {
    expect([...parsePlans(' price_1=pro ,price_2=team')]).toEqual([
      ['price_1', 'pro'],
      ['price_2', 'team'],
    ]);
    expect(() => parsePlans('price_1')).toThrow(/price_id=plan/);
  });
});
