/**
 * The live bracket engine end to end: real HTTP to Testudo's API, a `sim` connection (CCXT's real binance class
 * pointed at the simulated exchange's Binance gateway over HTTP and WebSocket), counterparties trading on the
 * simulated exchange, and a real database (PGlite, or PostgreSQL with TESTUDO_TEST_DB=postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cashUser,
  limitOrder,
  restUser,
  spotMarket,
  startGatewayWorld,
  type CashUser,
  type GatewayWorld,
  type Msg,
  type RestUser,
} from '../../server/binance/test-world.ts';
import type { TradingEvent } from '../events.ts';
import type { VenueOrder } from '../venues/types.ts';

let w: GatewayWorld;
let admin: number;
const events: TradingEvent[] = [];

/** Polls `fn` until it returns a truthy value; throws after `ms` naming `what`. */
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A market with a trader (API key, connection) and two funded counterparties. */
interface Setup {
  market: number;
  symbol: string;
  trader: RestUser;
  connectionId: number;
  buyer: CashUser;
  seller: CashUser;
}

let n = 0;
async function setup(settings: { missingStop?: 'place' | 'report' } = {}): Promise<Setup> {
  n++;
  const base = `LV${n}`;
  const market = await spotMarket(w.ctx, admin, { name: `Live ${n}`, symbol: `${base}USD`, baseAsset: base });
  const trader = await restUser(w, admin, `trader${n}@live.test`, [market]);
  const buyer = await cashUser(w.ctx, `buyer${n}@live.test`, false, '100000');
  const seller = await cashUser(w.ctx, `seller${n}@live.test`, false, '0');
  await w.ctx.exchange.depositAsset(market, seller.account, '1000');
  events.length = 0;
  w.ctx.events.subscribe(trader.id, (e) => events.push(e));
  const c = await w.ctx.connections.create(trader.id, {
    venue: 'sim',
    label: `sim ${n}`,
    credentials: { apiKey: trader.apiKey, secret: trader.secret },
    settings,
    import: false,
  });
  return { market, symbol: `${base}/USD`, trader, connectionId: c.id, buyer, seller };
}

async function api(
  u: RestUser,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Msg }> {
  const r = await fetch(`http://${w.host}${path}`, {
    method,
    headers: { ...u.h, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as Msg };
}

async function trade(s: Setup, id: number): Promise<Msg> {
  return (await api(s.trader, 'GET', `/api/v1/trades/${id}`)).body;
}

async function venueOpen(s: Setup): Promise<VenueOrder[]> {
  return (await w.ctx.connections.venue(s.connectionId)).openOrders(s.symbol);
}

async function account(s: Setup): Promise<Record<string, unknown>> {
  const [a] = await w.sql.query(
    `SELECT a.balance::text, a.open_risk::text, a.reserved::text, a.open_positions FROM accounts a
      JOIN connections c ON c.account_id = a.id WHERE c.id = $1`,
    [s.connectionId],
  );
  return a!;
}

const bracket = (s: Setup, o: Record<string, unknown> = {}): Record<string, unknown> => ({
  symbol: s.symbol,
  side: 'buy',
  entryPrice: '100',
  stopLoss: '95',
  takeProfit: '110',
  connectionId: s.connectionId,
  ...o,
});

beforeAll(async () => {
  w = await startGatewayWorld();
  admin = (await w.ctx.auth.register('admin@live.test', 'password1')).id;
  await w.ctx.auth.setAdmin('admin@live.test', true);
  w.ctx.connections.setSelfUrl(`http://${w.host}`);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('live bracket through a sim connection', () => {
  it('fills the entry on the venue, places an OCO sized to the fill, stops out, cancels the target and journals R = -1', async () => {
    const s = await setup();
    const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    const t = sub.body.trade;
    expect(t.connectionId).toBe(s.connectionId);
    expect(t.status).toBe('pending');
    const qty = t.qty as string;
    const entry = t.orders.find((o: { leg: string }) => o.leg === 'entry');
    expect(entry.clientOrderId).toBe(`tdo${sub.body.decision.id}e`);
    expect(entry.venueOrderId).not.toBeNull();
    // Resting on the venue; a counterparty's sell fills it.
    expect((await venueOpen(s)).map((o) => o.clientOrderId)).toEqual([entry.clientOrderId]);
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', qty);
    const opened = await until('exits placed', async () => {
      const v = await trade(s, t.id);
      return v.status === 'open' && v.orders.filter((o: Msg) => o.leg !== 'entry' && o.status === 'open').length === 2
        ? v
        : null;
    });
    expect(opened.entryFillPrice).toBe('100');
    const live = await venueOpen(s);
    expect(live).toHaveLength(2);
    expect(live.every((o) => o.listId !== null && o.qty === qty)).toBe(true);
    expect(live.map((o) => o.clientOrderId).sort()).toEqual([
      `tdo${sub.body.decision.id}s0`,
      `tdo${sub.body.decision.id}t0`,
    ]);
    // The market trades through the stop: a bid at 95, then a trade at 95.
    await limitOrder(w.ctx, s.buyer, s.market, 'buy', '95', String(Number(qty) * 2));
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '95', '0.1');
    const closed = await until('trade closed', async () => {
      const v = await trade(s, t.id);
      return v.status === 'closed' ? v : null;
    });
    expect(closed.exitReason).toBe('stop');
    expect(closed.exitPrice).toBe('95');
    // gross = (95 − 100) × qty; no fees on the sim; initial risk = (100 − 95) × qty → R = −1 exactly.
    const risk = (5 * Number(qty)).toString();
    expect(closed.grossPnl).toBe(`-${risk}`);
    expect(closed.initialRisk).toBe(risk);
    expect(closed.rMultiple).toBe(-1);
    // MAE/MFE from the venue's own bars over the trade's life: it went 5 against (the stop), never in favour.
    const measured = await until('MAE/MFE measured', async () => {
      const v = await trade(s, t.id);
      return v.maeR !== null ? v : null;
    });
    expect(measured.maeR).toBe(-1);
    expect(measured.mfeR).toBe(0);
    await until('target cancelled on the venue', async () => (await venueOpen(s)).length === 0);
    const target = (await trade(s, t.id)).orders.find((o: Msg) => o.leg === 'target');
    await until('target cancelled in the journal', async () =>
      ['cancelled'].includes((await trade(s, t.id)).orders.find((o: Msg) => o.id === target.id).status),
    );
    const a = await account(s);
    expect(a.open_positions).toBe(0);
    expect(Number(a.open_risk)).toBe(0);
    expect(events.some((e) => e.type === 'trade-closed')).toBe(true);
    expect(events.some((e) => e.type === 'fill')).toBe(true);
  });

  it('places exits for a partial entry fill, then resizes them when the rest fills', async () => {
    const s = await setup();
    const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    const id = sub.body.trade.id as number;
    const qty = Number(sub.body.trade.qty);
    const half = (Math.floor(qty * 5) / 10).toFixed(1); // half, on the 0.1 lot
    const rest = (qty - Number(half)).toFixed(1);
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', half);
    await until('exits for the partial fill', async () => {
      const o = await venueOpen(s);
      return o.filter((x) => x.listId !== null && Number(x.qty) === Number(half)).length === 2;
    });
    const partial = await trade(s, id);
    expect(partial.status).toBe('open');
    expect(Number(partial.orders.find((o: Msg) => o.leg === 'entry').filledQty)).toBe(Number(half));
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', rest);
    await until('exits resized to the whole fill', async () => {
      const o = (await venueOpen(s)).filter((x) => x.listId !== null);
      return o.length === 2 && o.every((x) => Number(x.qty) === qty) ? o : null;
    });
    const d = sub.body.decision.id as number;
    expect((await venueOpen(s)).map((o) => o.clientOrderId).sort()).toEqual([`tdo${d}s1`, `tdo${d}t1`]);
    const v = await trade(s, id);
    expect(v.orders.filter((o: Msg) => o.leg === 'stop' && o.status === 'open')).toHaveLength(1);
    expect(v.orders.filter((o: Msg) => o.leg === 'stop' && o.status === 'cancelled')).toHaveLength(1);
  });

  it('moves the stop on the venue: one stop at the new price, the decision stored', async () => {
    const s = await setup();
    const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
    const id = sub.body.trade.id as number;
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', sub.body.trade.qty);
    await until('exits placed', async () => (await venueOpen(s)).length === 2);
    const moved = await api(s.trader, 'POST', `/api/v1/trades/${id}/stop`, { price: '97' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.decision.kind).toBe('move-stop');
    expect(moved.body.decision.approved).toBe(true);
    const open = await venueOpen(s);
    const stops = open.filter((o) => o.stopPrice !== null);
    expect(stops).toHaveLength(1);
    expect(Number(stops[0]!.stopPrice)).toBe(97);
    expect(open).toHaveLength(2);
    const v = await trade(s, id);
    expect(v.currentStopLoss).toBe('97');
    expect(v.decisions.map((x: Msg) => x.kind)).toContain('move-stop');
  });

  it('answers a venue refusal with 422 venue-rejected, the trade rejected and the account unchanged', async () => {
    const s = await setup();
    // The trader's own resting bid locks most of the cash the entry needs.
    await limitOrder(w.ctx, { id: s.trader.id, account: s.trader.account }, s.market, 'buy', '1', '9900');
    const before = await account(s);
    const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
    expect(sub.status, JSON.stringify(sub.body)).toBe(422);
    expect(sub.body.error.code).toBe('venue-rejected');
    expect(sub.body.error.message).toMatch(/insufficient|balance/i);
    expect(sub.body.trade.status).toBe('rejected');
    expect(sub.body.trade.orders.every((o: Msg) => o.status === 'rejected')).toBe(true);
    expect(await account(s)).toEqual(before);
    const list = await api(s.trader, 'GET', '/api/v1/trades');
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    const listed = JSON.stringify(list.body);
    expect(listed).toContain('"status":"rejected"');
    expect(listed).toContain(`"connectionId":${s.connectionId}`);
    const rejected = await api(s.trader, 'GET', '/api/v1/trades?status=rejected');
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(JSON.stringify(rejected.body)).toContain(`"id":${sub.body.trade.id}`);
    const [d] = await w.sql.query(`SELECT * FROM decisions WHERE trade_id = $1 AND kind = 'venue'`, [
      sub.body.trade.id,
    ]);
    expect(d!.approved).toBe(false);
    expect((d!.change as Record<string, unknown>).reason).toMatch(/insufficient|balance/i);
  });

  it('never doubles an order: a retried submission replays, a re-sent client id is refused by the venue', async () => {
    const s = await setup();
    const key = { 'idempotency-key': 'live-retry-1' };
    const a = await api(s.trader, 'POST', '/api/v1/trades', bracket(s), key);
    const b = await api(s.trader, 'POST', '/api/v1/trades', bracket(s), key);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.trade.id).toBe(a.body.trade.id);
    const cid = `tdo${a.body.decision.id}e`;
    const venue = await w.ctx.connections.venue(s.connectionId);
    const again = await venue
      .placeOrder({
        clientOrderId: cid,
        symbol: s.symbol,
        side: 'buy',
        type: 'limit',
        qty: a.body.trade.qty,
        price: '100',
      })
      .then(
        () => null,
        (e: unknown) => e as { code: string },
      );
    expect(again?.code).toBe('duplicate-order');
    expect((await venueOpen(s)).filter((o) => o.clientOrderId === cid)).toHaveLength(1);
    const [{ n: trades }] = (await w.sql.query('SELECT count(*)::int AS n FROM trades WHERE connection_id = $1', [
      s.connectionId,
    ])) as [{ n: number }];
    expect(trades).toBe(1);
  });

  it('sizes a preview on the connection risk account and the venue instrument', async () => {
    const s = await setup();
    const r = await api(s.trader, 'POST', '/api/v1/sizing', bracket(s));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.approved).toBe(true);
    // 1 % of the venue's 10,000 USD over a 5 USD stop distance: 20 units on the 0.1 lot.
    expect(r.body.sizing.equity).toBe('10000');
    expect(r.body.sizing.qty).toBe('20');
    const other = await api(s.trader, 'POST', '/api/v1/sizing', { ...bracket(s), connectionId: 999_999 });
    expect(other.status).toBe(404);
  });

  it('closes a live position at market: exits cancelled, reduce-only close filled, journal closed as manual', async () => {
    const s = await setup();
    const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
    const id = sub.body.trade.id as number;
    const qty = sub.body.trade.qty as string;
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', qty);
    await until('exits placed', async () => (await venueOpen(s)).length === 2);
    const pos = await api(s.trader, 'GET', '/api/v1/positions');
    expect(pos.status, JSON.stringify(pos.body)).toBe(200);
    expect(JSON.stringify(pos.body)).toContain(`"connectionId":${s.connectionId}`);
    await limitOrder(w.ctx, s.buyer, s.market, 'buy', '102', qty); // a bid to close into
    const r = await api(s.trader, 'POST', `/api/v1/trades/${id}/close`, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const closed = await until('trade closed', async () => {
      const v = await trade(s, id);
      return v.status === 'closed' ? v : null;
    });
    expect(closed.exitReason).toBe('manual');
    expect(closed.exitPrice).toBe('102');
    expect(closed.rMultiple).toBe(0.4); // (102 − 100) ÷ (100 − 95)
    expect(closed.orders.find((o: Msg) => o.leg === 'manual').clientOrderId).toBe(`tdo${sub.body.decision.id}c0`);
    expect(await venueOpen(s)).toEqual([]);
    expect(closed.decisions.map((d: Msg) => d.kind)).toContain('close');
  });

  it('takes profit at the target: the stop leg goes with it and the journal shows R = 2', async () => {
    const s = await setup();
    const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
    const id = sub.body.trade.id as number;
    const qty = sub.body.trade.qty as string;
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', qty);
    await until('exits placed', async () => (await venueOpen(s)).length === 2);
    await limitOrder(w.ctx, s.buyer, s.market, 'buy', '110', qty);
    const closed = await until('trade closed', async () => {
      const v = await trade(s, id);
      return v.status === 'closed' ? v : null;
    });
    expect(closed.exitReason).toBe('target');
    expect(closed.exitPrice).toBe('110');
    expect(closed.rMultiple).toBe(2);
    await until('no exit left on the venue', async () => (await venueOpen(s)).length === 0);
    const stop = await until('stop leg cancelled in the journal', async () => {
      const o = (await trade(s, id)).orders.find((x: Msg) => x.leg === 'stop');
      return o.status === 'cancelled' ? o : null;
    });
    expect(stop.filledQty).toBe('0');
  });

  it('sends a market entry sized at the venue price; its fill opens the trade with exits', async () => {
    const s = await setup();
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', '50'); // the book's ask: the venue's price
    const body = { ...bracket(s), entryType: 'market' } as Msg;
    delete body.entryPrice;
    const sub = await api(s.trader, 'POST', '/api/v1/trades', body);
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    expect(sub.body.trade.entryType).toBe('market');
    expect(sub.body.trade.entryPrice).toBe('100');
    const opened = await until('opened with exits', async () => {
      const v = await trade(s, sub.body.trade.id as number);
      return v.status === 'open' && (await venueOpen(s)).filter((o) => o.listId !== null).length === 2 ? v : null;
    });
    expect(opened.entryFillPrice).toBe('100');
    expect(opened.orders.find((o: Msg) => o.leg === 'entry').status).toBe('filled');
  });
});
