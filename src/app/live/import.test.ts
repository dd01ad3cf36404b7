/**
 * The history import on a real database (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`) against the
 * simulated exchange's Binance gateway over real HTTP, with CCXT's real binance class (a `sim` connection): real
 * trades between two users of the simulated exchange become round-trip trades in the journal; importing twice adds
 * nothing; progress reaches the owner's `/ws`; a job left queued by a stopped process is resumed by the next start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService, type ConnectionView } from '../connections.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import {
  connectWs,
  countRows,
  limitOrder,
  restUser,
  spotMarket,
  startGatewayWorld,
  type GatewayWorld,
  type RestUser,
  type WsConn,
} from '../../server/binance/test-world.ts';
import { ImportService, type ImportView } from './import.ts';

let w: GatewayWorld;
let svc: ConnectionService;
let imports: ImportService;
let market: number;
let alice: RestUser;
let bob: RestUser;
let conn: ConnectionView;
let ws: WsConn;

const who = (u: RestUser) => ({ id: u.id, account: u.account });

/** `alice` takes `qty` at `price` from `bob`'s resting order (bob rests first, alice crosses). */
async function trade(side: 'buy' | 'sell', price: string, qty: string): Promise<void> {
  await limitOrder(w.ctx, who(bob), market, side === 'buy' ? 'sell' : 'buy', price, qty);
  await limitOrder(w.ctx, who(alice), market, side, price, qty);
}

/** Polls until the import `id` has ended; returns its view. */
async function ended(s: ImportService, userId: number, connectionId: number, id: number): Promise<ImportView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = (await s.list(userId, connectionId)).find((x) => x.id === id);
    if (v && (v.status === 'done' || v.status === 'failed')) return v;
    if (Date.now() > deadline) throw new Error(`import ${id} did not end: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rejects(p: Promise<unknown>, cls: abstract new (...a: never[]) => Error, code: string): Promise<void> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(cls);
  expect((e as { code: string }).code).toBe(code);
}

const importedTrades = async (connectionId: number) =>
  w.sql.query(`SELECT * FROM trades WHERE connection_id = $1 AND source = 'import' ORDER BY closed_at, id`, [
    connectionId,
  ]);

beforeAll(async () => {
  w = await startGatewayWorld();
  const admin = (await w.ctx.auth.register('admin@import.test', 'password1')).id;
  await w.ctx.auth.setAdmin('admin@import.test', true);
  market = await spotMarket(w.ctx, admin, { name: 'Import Tudo', symbol: 'IMPUSD', baseAsset: 'IMP' });
  alice = await restUser(w, admin, 'alice@import.test', [market]);
  bob = await restUser(w, admin, 'bob@import.test', [market]);
  svc = new ConnectionService({ sql: w.sql, events: w.ctx.events, env: {} });
  svc.setSelfUrl(`http://${w.host}`);
  imports = new ImportService({ sql: w.sql, events: w.ctx.events, connections: svc, days: 2 });
  await imports.start();
  // alice: long 2 @ 100, out 1 @ 110 and 1 @ 120 (one round trip); then long 1 @ 105, still open
  await trade('buy', '100', '2');
  await trade('sell', '110', '1');
  await trade('sell', '120', '1');
  await trade('buy', '105', '1');
  ws = await connectWs(w.host, `/ws?token=${alice.h.authorization!.slice('Bearer '.length)}`);
}, 60_000);

afterAll(async () => {
  ws?.close();
  await imports?.close();
  await svc?.close();
  await w?.close();
});

describe('history import', () => {
  it('groups the venue fills into round-trip trades in the journal, with progress on /ws', async () => {
    conn = await svc.create(alice.id, {
      venue: 'sim',
      label: 'Sim',
      credentials: { apiKey: alice.apiKey, secret: alice.secret },
      import: false,
    });
    const job = await imports.enqueue(alice.id, conn.id);
    expect(job).toMatchObject({ connectionId: conn.id, status: 'queued', fillsSeen: 0, error: null });
    expect(Date.parse(job.since)).toBeLessThan(Date.now() - 2 * 86_400_000 + 60_000);
    const done = await ended(imports, alice.id, conn.id, job.id);
    expect(done).toMatchObject({ status: 'done', fillsSeen: 4, fillsNew: 4, tradesCreated: 1, error: null });

    const [t, ...rest] = await importedTrades(conn.id);
    expect(rest).toEqual([]);
    expect(Number(t!.account_id)).toBe(conn.accountId);
    expect(t).toMatchObject({
      symbol: 'IMP/USD',
      side: 'buy',
      status: 'closed',
      source: 'import',
      decision_id: null,
      stop_price: null,
      planned_risk: null,
      r_multiple: null,
    });
    expect([t!.qty, t!.entry_fill_price, t!.exit_fill_price, t!.gross_pnl, t!.fees, t!.net_pnl].map(Number)).toEqual([
      2, 100, 115, 30, 0, 30,
    ]);
    // its three fills are linked; the open buy is not
    const fills = await w.sql.query(
      `SELECT side, price, trade_id, source FROM venue_fills WHERE connection_id = $1 ORDER BY filled_at, id`,
      [conn.id],
    );
    expect(fills.map((f) => [f.side, Number(f.price), f.trade_id === null ? null : String(f.trade_id)])).toEqual([
      ['buy', 100, String(t!.id)],
      ['sell', 110, String(t!.id)],
      ['sell', 120, String(t!.id)],
      ['buy', 105, null],
    ]);
    expect(fills.every((f) => f.source === 'import')).toBe(true);

    const progress = await ws.waitFor('import-progress', (m) => m.type === 'import-progress');
    expect(progress.data).toMatchObject({ connectionId: conn.id, importId: job.id, symbol: 'IMP/USD', fillsSeen: 4 });
    const complete = await ws.waitFor('import-complete', (m) => m.type === 'import-complete');
    expect(complete.data).toEqual({
      connectionId: conn.id,
      importId: job.id,
      status: 'done',
      fillsSeen: 4,
      fillsNew: 4,
      tradesCreated: 1,
    });
  });

  it('adds nothing when run twice, and records a round trip once its closing fill arrives', async () => {
    const again = await ended(imports, alice.id, conn.id, (await imports.enqueue(alice.id, conn.id)).id);
    expect(again).toMatchObject({ status: 'done', fillsSeen: 4, fillsNew: 0, tradesCreated: 0 });
    expect(await importedTrades(conn.id)).toHaveLength(1);
    expect(await countRows(w.sql, 'venue_fills')).toBe(4);

    await trade('sell', '130', '1'); // closes the long opened at 105
    const third = await ended(imports, alice.id, conn.id, (await imports.enqueue(alice.id, conn.id)).id);
    expect(third).toMatchObject({ status: 'done', fillsSeen: 5, fillsNew: 1, tradesCreated: 1 });
    const trades = await importedTrades(conn.id);
    expect(
      trades.map((t) => [Number(t.qty), Number(t.entry_fill_price), Number(t.exit_fill_price), Number(t.net_pnl)]),
    ).toEqual([
      [2, 100, 115, 30],
      [1, 105, 130, 25],
    ]);
    const fourth = await ended(imports, alice.id, conn.id, (await imports.enqueue(alice.id, conn.id)).id);
    expect(fourth).toMatchObject({ fillsNew: 0, tradesCreated: 0 });
    expect(await importedTrades(conn.id)).toHaveLength(2);
  });

  it('shows imported trades in the journal: detail with no decision, P&L stats counted, R unknown', async () => {
    const [first] = await importedTrades(conn.id);
    const get = (url: string) => w.app.inject({ method: 'GET', url, headers: alice.h });
    const detail = await get(`/api/v1/trades/${String(first!.id)}`);
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json()).toMatchObject({
      decisionId: null,
      stopLoss: null,
      plannedRisk: null,
      rMultiple: null,
      source: 'import',
      connectionId: conn.id,
      entryFillPrice: '100',
      exitPrice: '115',
      netPnl: '30',
      decisions: [],
    });
    const stats = await get('/api/v1/journal/stats');
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      trades: 2,
      rTrades: 0,
      wins: 2,
      netPnl: '55',
      expectancyR: 0,
      totalR: 0,
      sqn: null,
    });
  });

  it('refuses a second job while one is queued, another user, and a bad window; a restart resumes the queued job once its server listens', async () => {
    await rejects(imports.enqueue(bob.id, conn.id), NotFoundError, 'connection-not-found');
    await rejects(imports.list(bob.id, conn.id), NotFoundError, 'connection-not-found');
    await rejects(imports.enqueue(alice.id, conn.id, 0), ValidationError, 'validation-failed');
    // a process that stops before running its job leaves the row queued
    const stopped = new ImportService({ sql: w.sql, events: w.ctx.events, connections: svc, days: 2 });
    await stopped.close();
    const queued = await stopped.enqueue(alice.id, conn.id, 1);
    await rejects(imports.enqueue(alice.id, conn.id), ConflictError, 'import-running');
    expect((await imports.list(alice.id, conn.id))[0]).toMatchObject({ id: queued.id, status: 'queued' });
    // the next process starts before its server listens: the sim venue's URL is not known yet, the job waits queued
    const restarted = new ConnectionService({ sql: w.sql, events: w.ctx.events, env: {} });
    const next = new ImportService({ sql: w.sql, events: w.ctx.events, connections: restarted, days: 2 });
    try {
      await next.start();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [r] = await w.sql.query('SELECT status, started_at FROM venue_imports WHERE id = $1', [queued.id]);
        if (r!.started_at !== null && r!.status === 'queued') break;
        if (Date.now() > deadline) throw new Error(`the job was not tried: ${JSON.stringify(r)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      restarted.setSelfUrl(`http://${w.host}`);
      expect(await ended(next, alice.id, conn.id, queued.id)).toMatchObject({ status: 'done', tradesCreated: 0 });
    } finally {
      await next.close();
      await restarted.close();
    }
  });

  it("reads only the connection's symbols, skips one the venue does not know, and stores a fill once per user", async () => {
    const picked = await svc.create(alice.id, {
      venue: 'sim',
      label: 'Sim picked',
      credentials: { apiKey: alice.apiKey, secret: alice.secret },
      settings: { symbols: ['NOPE/USD', 'IMP/USD'] },
      import: false,
    });
    const job = await ended(imports, alice.id, picked.id, (await imports.enqueue(alice.id, picked.id)).id);
    // the same account's fills came through the first connection: seen again, stored and journaled once
    expect(job).toMatchObject({ status: 'done', fillsSeen: 5, fillsNew: 0, tradesCreated: 0 });
    expect(job.error).toMatch(/^skipped NOPE\/USD: /);
    expect(await importedTrades(picked.id)).toEqual([]);
  });

  it("imports a new connection's history unless created with import: false", async () => {
    const bobConn = await svc.create(bob.id, {
      venue: 'sim',
      label: 'Bob sim',
      credentials: { apiKey: bob.apiKey, secret: bob.secret },
    });
    const deadline = Date.now() + 20_000;
    let list: ImportView[] = [];
    while (Date.now() < deadline) {
      list = await imports.list(bob.id, bobConn.id);
      if (list[0]?.status === 'done') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // bob: short 2 @ 100 on spot is a sale of coins he held before: unmatched, no trade; he then bought 2 back
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'done', fillsSeen: 5, fillsNew: 5, tradesCreated: 0 });
    const other = await svc.create(bob.id, {
      venue: 'sim',
      label: 'Bob quiet',
      credentials: { apiKey: bob.apiKey, secret: bob.secret },
      import: false,
    });
    await imports.idle();
    expect(await imports.list(bob.id, other.id)).toEqual([]);
  });
});
