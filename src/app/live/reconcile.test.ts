/**
 * Reconciliation and the connection breaker of the live engine, against the simulated exchange's Binance gateway
 * through CCXT's real binance class (a `sim` connection), over real HTTP and WebSocket, on a real database. The
 * venue outage goes through a TCP proxy in front of the gateway that the test closes and reopens.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
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
import { LiveEngine } from './engine.ts';

let w: GatewayWorld;
let admin: number;
const events: TradingEvent[] = [];

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
  const base = `RC${n}`;
  const market = await spotMarket(w.ctx, admin, { name: `Rec ${n}`, symbol: `${base}USD`, baseAsset: base });
  const trader = await restUser(w, admin, `rtrader${n}@live.test`, [market]);
  const buyer = await cashUser(w.ctx, `rbuyer${n}@live.test`, false, '100000');
  const seller = await cashUser(w.ctx, `rseller${n}@live.test`, false, '0');
  await w.ctx.exchange.depositAsset(market, seller.account, '1000');
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

async function api(u: RestUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: Msg }> {
  const r = await fetch(`http://${w.host}${path}`, {
    method,
    headers: { ...u.h, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as Msg };
}

const trade = async (s: Setup, id: number): Promise<Msg> => (await api(s.trader, 'GET', `/api/v1/trades/${id}`)).body;
const venueOpen = async (s: Setup): Promise<VenueOrder[]> =>
  (await w.ctx.connections.venue(s.connectionId)).openOrders(s.symbol);
const bracket = (s: Setup): Msg => ({
  symbol: s.symbol,
  side: 'buy',
  entryPrice: '100',
  stopLoss: '95',
  takeProfit: '110',
  riskPct: '0.5',
  connectionId: s.connectionId,
});

/** Submits a bracket and fills its entry; resolves once its OCO is on the venue. */
async function openBracket(s: Setup): Promise<Msg> {
  const sub = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', sub.body.trade.qty as string);
  await until('exits placed', async () => {
    const v = await trade(s, sub.body.trade.id as number);
    return v.orders.filter((o: Msg) => o.leg !== 'entry' && o.status === 'open' && o.venueOrderId).length === 2;
  });
  return sub.body;
}

/** A TCP proxy in front of the gateway that can be taken down (every connection dropped at once) and brought back. */
async function proxy(target: string): Promise<{ port: number; down(): void; up(): void; close(): Promise<void> }> {
  const [host, tport] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let isDown = false;
  const server: Server = createServer((c) => {
    if (isDown) return void c.destroy();
    const u = connect(Number(tport), host);
    for (const x of [c, u]) {
      sockets.add(x);
      x.on('close', () => sockets.delete(x));
      x.on('error', () => x.destroy());
    }
    c.pipe(u).pipe(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    down: () => {
      isDown = true;
      for (const x of sockets) x.destroy();
    },
    up: () => {
      isDown = false;
    },
    close: async () => {
      isDown = true;
      for (const x of sockets) x.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

beforeAll(async () => {
  w = await startGatewayWorld();
  admin = (await w.ctx.auth.register('admin@rec.test', 'password1')).id;
  await w.ctx.auth.setAdmin('admin@rec.test', true);
  w.ctx.connections.setSelfUrl(`http://${w.host}`);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('live reconciliation', () => {
  it('pauses trading through a failing venue (422 venue-paused) and resumes when it comes back', async () => {
    const p = await proxy(w.host);
    w.ctx.connections.setSelfUrl(`http://127.0.0.1:${p.port}`);
    let s: Setup;
    try {
      s = await setup();
      await w.ctx.connections.venue(s.connectionId); // opened (and cached) through the proxy
    } finally {
      w.ctx.connections.setSelfUrl(`http://${w.host}`);
    }
    const transitions: string[] = [];
    w.ctx.connections.breaker(s.connectionId).onTransition((t) => transitions.push(`${t.from}>${t.to}@${t.at}`));
    p.down();
    const codes: string[] = [];
    const pending: number[] = [];
    await until('the breaker opens', async () => {
      const r = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
      if (r.status === 201) pending.push(r.body.trade.id as number);
      else codes.push(`${r.status} ${r.body.error.code as string} ${r.body.error.message as string}`);
      if (codes.length + pending.length > 8) throw new Error(JSON.stringify({ codes, pending }));
      return r.status === 422 && r.body.error.code === 'venue-paused';
    });
    // Before it opened, placements of unknown outcome were left pending (never rejected, never doubled).
    for (const id of pending) expect((await trade(s, id)).status).toBe('pending');
    expect(w.ctx.connections.breaker(s.connectionId).state()).toBe('open');
    p.up();
    let last = '';
    // After the breaker's wait a probe goes through; reconciliation settles the pending entries.
    const ok = await until(
      'trading resumes',
      async () => {
        const r = await api(s.trader, 'POST', '/api/v1/trades', bracket(s));
        if (r.status !== 201) last = `${r.status} ${JSON.stringify(r.body.error)}`;
        return r.status === 201 ? r.body : null;
      },
      45_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}; last answer ${last}; ${transitions.join(' ')}`);
    });
    expect(ok.trade.orders.find((o: Msg) => o.leg === 'entry').venueOrderId).not.toBeNull();
    expect(w.ctx.connections.breaker(s.connectionId).state()).toBe('closed');
    // The breaker closing again starts a reconciliation by itself: the entries the venue never got are cancelled.
    await until('pending entries settled', async () => {
      for (const id of pending) if ((await trade(s, id)).status !== 'cancelled') return false;
      return true;
    });
    await w.ctx.connections.setStatus(s.trader.id, s.connectionId, 'disabled');
    await p.close();
  }, 90_000);

  it('replaces an exit cancelled on the venue while running, or only reports a missing stop when set to report', async () => {
    const s = await setup();
    const a = await openBracket(s);
    const venue = await w.ctx.connections.venue(s.connectionId);
    const list = (await venueOpen(s)).find((o) => o.clientOrderId === `tdo${a.decision.id}s0`)!.listId!;
    await venue.cancelOco(s.symbol, list);
    await until('a new OCO in place', async () =>
      (await venueOpen(s)).some((o) => o.clientOrderId === `tdo${a.decision.id}s1`),
    );
    const r = await until('stop-placed recorded', async () => {
      const rows = await w.sql.query(
        `SELECT change->>'action' AS action FROM decisions WHERE trade_id = $1 AND kind = 'reconcile'`,
        [a.trade.id],
      );
      return rows.some((x) => x.action === 'stop-placed') ? rows : null;
    });
    expect(r.map((x) => x.action)).toContain('exit-gone');

    const q = await setup({ missingStop: 'report' });
    const b = await openBracket(q);
    const qv = await w.ctx.connections.venue(q.connectionId);
    const bList = (await venueOpen(q)).find((o) => o.clientOrderId === `tdo${b.decision.id}s0`)!.listId!;
    await qv.cancelOco(q.symbol, bList);
    await until('stop-missing reported', async () => {
      const rows = await w.sql.query(
        `SELECT 1 FROM decisions WHERE trade_id = $1 AND kind = 'reconcile' AND change->>'action' = 'stop-missing'`,
        [b.trade.id],
      );
      return rows.length > 0;
    });
    expect(await venueOpen(q)).toEqual([]);
    const again = await w.ctx.live.reconcile(q.connectionId);
    expect(again).toEqual([]);
    expect(await venueOpen(q)).toEqual([]);
    expect(events.some((e) => e.type === 'reconcile' && (e.data as Msg).action === 'stop-missing')).toBe(true);
  }, 60_000);

  it('after a restart places the missing stop, cancels an orphaned exit and applies a fill made while offline', async () => {
    const s = await setup();
    const a = await openBracket(s); // its stop goes missing
    const b = await openBracket(s); // its trade ends while its exits stay on the venue
    const c = await api(s.trader, 'POST', '/api/v1/trades', bracket(s)); // filled while offline
    expect(c.status).toBe(201);
    const aId = a.trade.id as number;
    const bId = b.trade.id as number;
    const cId = c.body.trade.id as number;
    await w.ctx.live.stop();
    const venue = await w.ctx.connections.venue(s.connectionId);
    const aList = (await venueOpen(s)).find((o) => o.clientOrderId === `tdo${a.decision.id}s0`)!.listId!;
    await venue.cancelOco(s.symbol, aList);
    await w.sql.query(`UPDATE trades SET status = 'closed', closed_at = now() WHERE id = $1`, [bId]);
    await limitOrder(w.ctx, s.seller, s.market, 'sell', '100', c.body.trade.qty as string);
    await until('the offline fill on the venue', async () =>
      (await venueOpen(s)).every((o) => o.clientOrderId !== `tdo${c.body.decision.id}e`),
    );
    events.length = 0;
    const errors: unknown[] = [];
    const engine = new LiveEngine({
      sql: w.sql,
      events: w.ctx.events,
      connections: w.ctx.connections,
      onError: (e) => errors.push(e),
    });
    try {
      await engine.start();
      expect(errors).toEqual([]);
      const open = await venueOpen(s);
      // A: a new OCO (stop and target) in place of the cancelled one.
      expect(open.filter((o) => o.clientOrderId === `tdo${a.decision.id}s1`)).toHaveLength(1);
      // B: its exits are gone from the venue.
      expect(open.filter((o) => o.clientOrderId?.startsWith(`tdo${b.decision.id}`))).toEqual([]);
      // C: opened by the offline fill, with its exits.
      const cv = await trade(s, cId);
      expect(cv.status).toBe('open');
      expect(cv.entryFillPrice).toBe('100');
      expect(open.filter((o) => o.clientOrderId === `tdo${c.body.decision.id}s0`)).toHaveLength(1);
      const rec = await w.sql.query(
        `SELECT trade_id, change->>'action' AS action FROM decisions WHERE kind = 'reconcile' AND account_id =
          (SELECT account_id FROM connections WHERE id = $1) ORDER BY id`,
        [s.connectionId],
      );
      const got = rec.map((r) => `${String(r.trade_id)}:${String(r.action)}`);
      expect(got).toContain(`${aId}:exit-gone`);
      expect(got).toContain(`${aId}:stop-placed`);
      expect(got).toContain(`${bId}:orphan-cancelled`);
      expect(got).toContain(`${cId}:fill-applied`);
      const evs = events.filter((e) => e.type === 'reconcile').map((e) => (e.data as Msg).action as string);
      expect(evs).toEqual(expect.arrayContaining(['stop-placed', 'orphan-cancelled', 'fill-applied']));
      const log = await api(s.trader, 'GET', '/api/v1/decisions?kind=reconcile');
      expect(log.status, JSON.stringify(log.body)).toBe(200);
      expect(JSON.stringify(log.body)).toContain('"kind":"reconcile"');
      // Nothing left to repair.
      expect((await engine.reconcile(s.connectionId)).filter((x) => x.action !== 'exit-gone')).toEqual([]);
    } finally {
      await engine.stop();
    }
  }, 60_000);
});
