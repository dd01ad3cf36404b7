/**
 * Trade management over HTTP (fastify `inject`) on a real database and a ReplayFeed stepped by hand: journal edits,
 * stop and target moves, stop to breakeven, partial and full closes, each refusal code, another user's trades and
 * anonymous calls, the decision log and the events.
 *
 * Expected amounts are computed here from the candle prices and the BTC-USD instrument (tick 0.01, lot 0.00001,
 * maker 0.1 %, taker 0.2 %) with bigint arithmetic, never with the production fill code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../core/marketdata/candle.ts';
import type { TradingEvent } from '../app/events.ts';
import { advance, openWorld, type World } from '../../test/replay-world.ts';
import { SESSION_COOKIE } from './app.ts';

// Prices in cents, quantities in lots of 0.00001 BTC, money in atoms of 10^-12 USD.
const ATOMS_PER_CENT_LOT = 100_000n;
const TAKER = 2n; // per mille
const START = 10_000n * 10n ** 12n;

function scaled(t: string, dp: number): bigint {
  const [i = '0', f = ''] = t.split('.');
  return BigInt(i + f.padEnd(dp, '0'));
}
const lotsOf = (qty: string): bigint => scaled(qty, 5);
function text(v: bigint, dp: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const unit = 10n ** BigInt(dp);
  const frac = (a % unit).toString().padStart(dp, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / unit}${frac ? `.${frac}` : ''}`;
}
const money = (atoms: bigint): string => text(atoms, 12);
const qtyText = (lots: bigint): string => text(lots, 5);
/** Taker fee of a fill: notional × 0.2 %, rounded up to the atom. */
const takerFee = (cents: bigint, lots: bigint): bigint => (cents * lots * ATOMS_PER_CENT_LOT * TAKER + 999n) / 1000n;
/** R as stored: 8 decimals, truncated toward zero. */
const rOf = (net: bigint, risk: bigint): number => Number((net * 100_000_000n) / risk) / 1e8;

const T0 = Date.UTC(2024, 0, 2);
const HOUR = 3_600_000;
type Ohlc = readonly [string, string, string, string];
const BARS: Ohlc[] = [
  ['100', '100.5', '99.5', '100'], // 0: A (long 100, stop 95, target 110) and B (buy limit 90) submitted
  ['100', '102.5', '99.5', '102'], // 1: A to breakeven, target 108, 0.5 closed at 102; D (short 102) submitted
  ['102', '103', '101', '103'], // 2: D: 0.3 closed at 103, stop to 104.5; A's rest closed by hand at 103
  ['103', '103.5', '102.5', '103'], // 3: quiet
  ['103', '105', '102.9', '104.8'], // 4: D's stop at 104.5 fills on the rest
];
const candles: Candle[] = BARS.map(([open, high, low, close], i) => ({
  time: T0 + i * HOUR,
  open,
  high,
  low,
  close,
  volume: '1',
}));

interface Verdict {
  rule: string;
  passed: boolean;
  code: string;
  message: string;
}
interface Decision {
  id: number;
  kind: string;
  approved: boolean;
  verdicts: Verdict[];
  change: Record<string, unknown> | null;
  tradeId: number | null;
  input: Record<string, unknown>;
}
interface Order {
  id: number;
  leg: string;
  type: string;
  price: string | null;
  qty: string;
  status: string;
  reduceOnly: boolean;
}
interface Fill {
  orderId: number;
  price: string;
  qty: string;
  fee: string;
  liquidity: string;
}
interface Trade {
  id: number;
  status: string;
  side: string;
  qty: string;
  openQty: string;
  stopLoss: string;
  currentStopLoss: string;
  maeDistance: string | null;
  mfeDistance: string | null;
  takeProfit: string | null;
  currentTakeProfit: string | null;
  entryFillPrice: string | null;
  entryFee: string | null;
  exitPrice: string | null;
  exitFee: string | null;
  exitReason: string | null;
  grossPnl: string | null;
  fees: string | null;
  netPnl: string | null;
  initialRisk: string | null;
  rMultiple: number | null;
  maeR: number | null;
  mfeR: number | null;
  setup: string | null;
  tags: string[];
  notes: string | null;
  orders: Order[];
  fills: Fill[];
  decisions: Decision[];
}
interface Rejected {
  error: { code: string; message: string; rules?: Verdict[]; fields?: { field: string; code: string }[] };
  decision?: Decision;
}
interface Reply<T> {
  status: number;
  body: T;
}
type Method = 'GET' | 'POST' | 'PATCH';

let w: World;
let cookieA = '';
let cookieB = '';
let userA = 0;

async function call<T>(method: Method, path: string, payload?: object, cookie: string | null = cookieA) {
  const r = await w.app.inject({
    method,
    url: `/api/v1${path}`,
    ...(payload === undefined ? {} : { payload }),
    // the session's cookies, and its CSRF token (the testudo_csrf cookie) as the header writes need
    headers: cookie === null ? {} : { cookie, 'x-csrf-token': /testudo_csrf=([^;]*)/.exec(cookie)?.[1] ?? '' },
  });
  return { status: r.statusCode, body: (r.body === '' ? null : r.json()) as T } as Reply<T>;
}
async function signUp(email: string): Promise<{ id: number; cookie: string }> {
  const reg = await call<{ user: { id: number } }>(
    'POST',
    '/auth/register',
    { email, password: 'correct horse battery' },
    null,
  );
  expect(reg.status).toBe(201);
  const login = await w.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: 'correct horse battery' },
  });
  const raw = login.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : [String(raw)];
  expect(list.some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(true);
  return { id: reg.body.user.id, cookie: list.map((c) => c.split(';')[0]!).join('; ') };
}
async function trade(id: number): Promise<Trade> {
  const r = await call<Trade>('GET', `/trades/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}
async function open(body: object): Promise<Trade> {
  const r = await call<{ trade: Trade }>('POST', '/trades', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.trade;
}
const leg = (t: Trade, name: string): Order => t.orders.find((o) => o.leg === name && o.status !== 'cancelled')!;
const failed = (r: Reply<Rejected>): string[] => (r.body.error.rules ?? []).map((v) => v.code);
async function refused(method: Method, path: string, payload?: object): Promise<string[]> {
  const r = await call<Rejected>(method, path, payload);
  expect(r.status, JSON.stringify(r.body)).toBe(422);
  expect(r.body.error.code).toBe('rule-rejected');
  expect(r.body.decision).toMatchObject({ approved: false });
  expect(r.body.decision!.verdicts.filter((v) => !v.passed)).toEqual(r.body.error.rules);
  return failed(r);
}
async function balance(): Promise<string> {
  const [row] = await w.sql.query('SELECT balance FROM accounts WHERE user_id = $1', [userA]);
  return text(scaled(String(row!.balance), 12), 12);
}
/** The account's realized P&L of the current UTC day, as the daily loss limit reads it. */
async function realizedToday(): Promise<string> {
  const [row] = await w.sql.query('SELECT pnl_day, pnl_day_realized FROM accounts WHERE user_id = $1', [userA]);
  expect(row!.pnl_day).toBe('2024-01-02');
  return text(scaled(String(row!.pnl_day_realized), 12), 12);
}

// One world for the whole file: the scenario runs in order, bar by bar.
let A: Trade;
let B: Trade;
let D: Trade;
let lotsA = 0n;
let lotsD = 0n;
const events: TradingEvent[] = [];

beforeAll(async () => {
  w = await openWorld(candles);
  const a = await signUp('manager@example.com');
  const b = await signUp('other@example.com');
  userA = a.id;
  cookieA = a.cookie;
  cookieB = b.cookie;
  w.ctx.events.subscribe(userA, (e) => events.push(e));
  await advance(w); // bar 0: mark 100
  A = await open({ symbol: 'BTC-USD', side: 'buy', stopLoss: '95', takeProfit: '110', setup: 'breakout' });
  lotsA = lotsOf(A.qty);
  B = await open({ symbol: 'BTC-USD', side: 'buy', entryPrice: '90', stopLoss: '85', takeProfit: '110' });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('trade management routes', () => {
  it('edits setup, tags and notes with the limits of a submission, owner only', async () => {
    const r = await call<Trade>('PATCH', `/trades/${A.id}`, { setup: 'pullback', tags: ['a', 'b'], notes: 'late' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: A.id, setup: 'pullback', tags: ['a', 'b'], notes: 'late' });
    const cleared = await call<Trade>('PATCH', `/trades/${A.id}`, { notes: null });
    expect(cleared.body).toMatchObject({ setup: 'pullback', tags: ['a', 'b'], notes: null });
    const bad = await call<Rejected>('PATCH', `/trades/${A.id}`, { setup: 'x'.repeat(81), tags: [''], colour: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields!.map((f) => [f.field, f.code]).sort()).toEqual([
      ['colour', 'unknown-field'],
      ['setup', 'too-big'],
      ['tags.0', 'too-small'],
    ]);
    expect((await trade(A.id)).setup).toBe('pullback');
  });

  it('answers 404 for another user’s trade and 401 without a session, on every route', async () => {
    const paths: [Method, string, object?][] = [
      ['GET', `/trades/${A.id}`],
      ['PATCH', `/trades/${A.id}`, { notes: 'mine' }],
      ['POST', `/trades/${A.id}/stop`, { price: '96' }],
      ['POST', `/trades/${A.id}/target`, { price: '111' }],
      ['POST', `/trades/${A.id}/breakeven`],
      ['POST', `/trades/${A.id}/close`, { quantity: '0.1' }],
      ['POST', `/trades/${A.id}/close`],
    ];
    for (const [m, p, body] of paths) {
      const other = await call<Rejected>(m, p, body, cookieB);
      expect([p, other.status, other.body.error.code]).toEqual([p, 404, 'trade-not-found']);
      const anon = await call<Rejected>(m, p, body, null);
      expect([p, anon.status, anon.body.error.code]).toEqual([p, 401, 'unauthenticated']);
    }
    expect((await call<{ positions: Trade[] }>('GET', '/positions', undefined, cookieB)).body.positions).toEqual([]);
    expect((await call<{ decisions: Decision[] }>('GET', '/decisions', undefined, cookieB)).body.decisions).toEqual([]);
    const t = await trade(A.id);
    expect([t.status, t.currentStopLoss, t.notes, t.openQty]).toEqual(['open', '95', null, A.qty]);
  });

  it('refuses stop moves that add risk, cross the market or leave the tick grid, storing each refusal', async () => {
    expect(await refused('POST', `/trades/${A.id}/stop`, { price: '94.99' })).toEqual(['stop-adds-risk']);
    expect(await refused('POST', `/trades/${A.id}/stop`, { price: '100' })).toEqual(['stop-through-market']);
    expect(await refused('POST', `/trades/${A.id}/stop`, { price: '97.555' })).toEqual(['price-off-tick']);
    expect(await refused('POST', `/trades/${A.id}/breakeven`)).toEqual(['breakeven-not-in-profit']);
    expect(await refused('POST', `/trades/${A.id}/target`, { price: '99.5' })).toEqual([
      'target-wrong-side',
      'target-through-market',
    ]);
    const bad = await call<Rejected>('POST', `/trades/${A.id}/stop`, { price: '-1' });
    expect([bad.status, bad.body.error.fields![0]!.field]).toEqual([400, 'price']);
    const t = await trade(A.id);
    expect([t.currentStopLoss, leg(t, 'stop').price, t.currentTakeProfit]).toEqual(['95', '95', '110']);
  });

  it('moves the stop toward protection: decision, trade, resting leg and events in one change', async () => {
    events.length = 0;
    const r = await call<{ decision: Decision; trade: Trade }>('POST', `/trades/${A.id}/stop`, { price: '97' });
    expect(r.status).toBe(200);
    expect(r.body.decision).toMatchObject({
      kind: 'move-stop',
      approved: true,
      tradeId: A.id,
      input: { tradeId: A.id, price: '97' },
      change: { markPrice: '100', stopLoss: { from: '95', to: '97' } },
    });
    expect(r.body.decision.verdicts.every((v) => v.passed)).toBe(true);
    expect(r.body.trade).toMatchObject({ stopLoss: '95', currentStopLoss: '97', takeProfit: '110' });
    expect(leg(r.body.trade, 'stop')).toMatchObject({ type: 'stop-market', price: '97', qty: A.qty, status: 'open' });
    expect(events.map((e) => e.type)).toEqual(['decision', 'order', 'position']);
    expect(events[1]!.data).toMatchObject({ leg: 'stop', price: '97' });
  });

  it('keeps a pending entry out of management (trade-not-open) and cancels it on close', async () => {
    expect(await refused('POST', `/trades/${B.id}/stop`, { price: '86' })).toEqual(['trade-not-open']);
    expect(await refused('POST', `/trades/${B.id}/breakeven`)).toEqual(['trade-not-open']);
    expect(await refused('POST', `/trades/${B.id}/close`, { quantity: '0.1' })).toEqual(['trade-not-open']);
    const r = await call<Trade>('POST', `/trades/${B.id}/close`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('cancelled');
    expect(r.body.openQty).toBe('0');
    expect(r.body.decisions.map((d) => [d.kind, d.approved])).toEqual([
      ['submit', true],
      ['move-stop', false],
      ['breakeven', false],
      ['partial-close', false],
      ['close', true],
    ]);
    expect(await refused('POST', `/trades/${B.id}/target`, { price: '120' })).toEqual(['trade-not-open']);
    const again = await call<Rejected>('POST', `/trades/${B.id}/close`);
    expect([again.status, again.body.error.code]).toEqual([409, 'trade-not-active']);
  });

  it('moves the stop to breakeven once in profit, then refuses it again; moves the target', async () => {
    await advance(w); // bar 1: 99.5–102.5, mark 102
    const be = await call<{ decision: Decision; trade: Trade }>('POST', `/trades/${A.id}/breakeven`);
    expect(be.status).toBe(200);
    expect(be.body.decision).toMatchObject({ kind: 'breakeven', change: { stopLoss: { from: '97', to: '100' } } });
    expect(be.body.trade.currentStopLoss).toBe('100');
    expect(await refused('POST', `/trades/${A.id}/breakeven`)).toEqual(['stop-already-at-breakeven']);
    expect(await refused('POST', `/trades/${A.id}/stop`, { price: '99' })).toEqual(['stop-adds-risk']);
    expect(await refused('POST', `/trades/${A.id}/target`, { price: '101' })).toEqual(['target-through-market']);
    const tp = await call<{ decision: Decision; trade: Trade }>('POST', `/trades/${A.id}/target`, { price: '108' });
    expect(tp.status).toBe(200);
    expect(tp.body.decision.change).toEqual({ markPrice: '102', takeProfit: { from: '110', to: '108' } });
    expect(leg(tp.body.trade, 'target')).toMatchObject({ type: 'limit', price: '108', status: 'open' });
  });

  it('closes part of a position at market, resizing the stop and target to the rest', async () => {
    expect(await refused('POST', `/trades/${A.id}/close`, { quantity: qtyText(lotsA + 1n) })).toEqual([
      'quantity-exceeds-position',
    ]);
    expect(await refused('POST', `/trades/${A.id}/close`, { quantity: '0.000001' })).toEqual(['quantity-off-lot']);
    events.length = 0;
    const r = await call<Trade>('POST', `/trades/${A.id}/close`, { quantity: '0.5' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const rest = lotsA - 50_000n;
    expect(r.body).toMatchObject({ status: 'open', qty: A.qty, openQty: qtyText(rest) });
    expect(leg(r.body, 'stop')).toMatchObject({ price: '100', qty: qtyText(rest), status: 'open' });
    expect(leg(r.body, 'target')).toMatchObject({ price: '108', qty: qtyText(rest), status: 'open' });
    const partial = leg(r.body, 'partial');
    expect(partial).toMatchObject({ type: 'market', qty: '0.5', status: 'filled', reduceOnly: true });
    expect(r.body.fills.at(-1)).toMatchObject({
      orderId: partial.id,
      price: '102',
      qty: '0.5',
      fee: money(takerFee(10_200n, 50_000n)),
      liquidity: 'taker',
    });
    expect(r.body.decisions.at(-1)).toMatchObject({
      kind: 'partial-close',
      approved: true,
      change: { markPrice: '102', openQty: { from: A.qty, to: qtyText(rest) }, exitPrice: '102' },
    });
    expect(events.map((e) => e.type)).toEqual(['decision', 'order', 'fill', 'order', 'order', 'position']);
    // Realized at once: the partial's gross (2.00 × 0.5 = 1) less its fee, on top of the entry fee paid.
    const entryFee = takerFee(10_000n, lotsA);
    expect(await balance()).toBe(
      money(START - entryFee + 200n * 50_000n * ATOMS_PER_CENT_LOT - takerFee(10_200n, 50_000n)),
    );
    // The daily loss limit sees the partial's net at once (the entry fee counts when the trade closes).
    expect(await realizedToday()).toBe(money(200n * 50_000n * ATOMS_PER_CENT_LOT - takerFee(10_200n, 50_000n)));
    D = await open({ symbol: 'BTC-USD', side: 'sell', stopLoss: '105', takeProfit: '96' });
    lotsD = lotsOf(D.qty);
  });

  it('lists open positions with unrealized P&L of the open size in quote currency and in R', async () => {
    await advance(w); // bar 2: 101–103, mark 103
    const r = await call<{ positions: (Trade & { markPrice: string; unrealizedPnl: string; unrealizedR: number })[] }>(
      'GET',
      '/positions',
    );
    expect(r.status).toBe(200);
    const restA = lotsA - 50_000n;
    const riskA = 500n * lotsA * ATOMS_PER_CENT_LOT + takerFee(10_000n, lotsA) + takerFee(9_500n, lotsA);
    const riskD = 300n * lotsD * ATOMS_PER_CENT_LOT + takerFee(10_200n, lotsD) + takerFee(10_500n, lotsD);
    const uA = 300n * restA * ATOMS_PER_CENT_LOT;
    const uD = -100n * lotsD * ATOMS_PER_CENT_LOT;
    expect(
      r.body.positions.map((p) => [
        p.id,
        p.markPrice,
        p.openQty,
        p.currentStopLoss,
        p.currentTakeProfit,
        p.unrealizedPnl,
        p.unrealizedR,
        p.initialRisk,
        p.orders.map((o) => o.leg),
      ]),
    ).toEqual([
      [
        A.id,
        '103',
        qtyText(restA),
        '100',
        '108',
        money(uA),
        rOf(uA, riskA),
        money(riskA),
        ['entry', 'stop', 'target', 'partial'],
      ],
      [D.id, '103', D.qty, '105', '96', money(uD), rOf(uD, riskD), money(riskD), ['entry', 'stop', 'target']],
    ]);
  });

  it('accounts every exit when a partially closed trade finally closes: P&L, fees and R', async () => {
    const r = await call<Trade>('POST', `/trades/${A.id}/close`);
    expect(r.status).toBe(200);
    const restA = lotsA - 50_000n;
    const entryFee = takerFee(10_000n, lotsA);
    const partialFee = takerFee(10_200n, 50_000n);
    const exitFee = takerFee(10_300n, restA);
    const gross = 200n * 50_000n * ATOMS_PER_CENT_LOT + 300n * restA * ATOMS_PER_CENT_LOT;
    const fees = entryFee + partialFee + exitFee;
    const net = gross - fees;
    const risk = 500n * lotsA * ATOMS_PER_CENT_LOT + entryFee + takerFee(9_500n, lotsA);
    // Excursions from the entry at 100: low 99.5 (bar 1), high 103 (bar 2), on the entry size.
    expect(r.body).toMatchObject({
      status: 'closed',
      exitReason: 'manual',
      exitPrice: '103',
      exitFee: money(exitFee),
      grossPnl: money(gross),
      fees: money(fees),
      netPnl: money(net),
      initialRisk: money(risk),
      rMultiple: rOf(net, risk),
      maeR: -rOf(50n * lotsA * ATOMS_PER_CENT_LOT, risk),
      mfeR: rOf(300n * lotsA * ATOMS_PER_CENT_LOT, risk),
      openQty: '0',
      stopLoss: '95',
      currentStopLoss: '100',
      maeDistance: '0.5',
      mfeDistance: '3',
    });
    expect(r.body.orders.map((o) => [o.leg, o.qty, o.status])).toEqual([
      ['entry', A.qty, 'filled'],
      ['stop', qtyText(restA), 'cancelled'],
      ['target', qtyText(restA), 'cancelled'],
      ['partial', '0.5', 'filled'],
      ['manual', qtyText(restA), 'filled'],
    ]);
    expect(r.body.fills.map((f) => [f.price, f.qty])).toEqual([
      ['100', A.qty],
      ['102', '0.5'],
      ['103', qtyText(restA)],
    ]);
    expect(r.body.decisions.map((d) => [d.kind, d.approved])).toEqual([
      ['submit', true],
      ['move-stop', false],
      ['move-stop', false],
      ['move-stop', false],
      ['breakeven', false],
      ['move-target', false],
      ['move-stop', true],
      ['breakeven', true],
      ['breakeven', false],
      ['move-stop', false],
      ['move-target', false],
      ['move-target', true],
      ['partial-close', false],
      ['partial-close', false],
      ['partial-close', true],
      ['close', true],
    ]);
    expect(await refused('POST', `/trades/${A.id}/stop`, { price: '101' })).toEqual(['trade-not-open']);
    const journal = await call<{ netPnl: string; totalR: number }>('GET', '/journal/stats');
    expect(journal.body.netPnl).toBe(money(net));
    expect(await realizedToday()).toBe(money(net));
  });

  it('fills the resized stop of a partially closed short on the rest, with exact P&L and R', async () => {
    expect(await refused('POST', `/trades/${D.id}/stop`, { price: '105.5' })).toEqual(['stop-adds-risk']);
    expect(await refused('POST', `/trades/${D.id}/stop`, { price: '103' })).toEqual(['stop-through-market']);
    expect((await call('POST', `/trades/${D.id}/stop`, { price: '104.5' })).status).toBe(200);
    expect((await call('POST', `/trades/${D.id}/close`, { quantity: '0.3' })).status).toBe(200);
    await advance(w, 2); // bar 3 quiet; bar 4 trades up to 105 from 103: the stop at 104.5 fills
    const t = await trade(D.id);
    const rest = lotsD - 30_000n;
    const entryFee = takerFee(10_200n, lotsD);
    const partialFee = takerFee(10_300n, 30_000n);
    const exitFee = takerFee(10_450n, rest);
    const gross = -100n * 30_000n * ATOMS_PER_CENT_LOT - 250n * rest * ATOMS_PER_CENT_LOT;
    const net = gross - entryFee - partialFee - exitFee;
    const risk = 300n * lotsD * ATOMS_PER_CENT_LOT + entryFee + takerFee(10_500n, lotsD);
    expect(t).toMatchObject({
      status: 'closed',
      exitReason: 'stop',
      exitPrice: '104.5',
      grossPnl: money(gross),
      fees: money(entryFee + partialFee + exitFee),
      netPnl: money(net),
      initialRisk: money(risk),
      rMultiple: rOf(net, risk),
    });
    expect(t.fills.map((f) => [f.price, f.qty, f.liquidity])).toEqual([
      ['102', D.qty, 'taker'],
      ['103', '0.3', 'taker'],
      ['104.5', qtyText(rest), 'taker'],
    ]);
    const netA = scaled((await trade(A.id)).netPnl!, 12);
    expect(await balance()).toBe(money(START + netA + net));
    expect(await realizedToday()).toBe(money(netA + net));
    expect((await call<{ positions: Trade[] }>('GET', '/positions')).body.positions).toEqual([]);
  });

  it('lists every decision with its kind, filtered by kind and outcome', async () => {
    const all = await call<{ decisions: Decision[] }>('GET', '/decisions?limit=1000');
    expect(all.status).toBe(200);
    const kinds = new Set(all.body.decisions.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['breakeven', 'close', 'move-stop', 'move-target', 'partial-close', 'submit']);
    expect(all.body.decisions.every((d) => d.tradeId !== null)).toBe(true);
    const moves = await call<{ decisions: Decision[] }>('GET', '/decisions?kind=move-stop&approved=true');
    expect(moves.body.decisions.map((d) => [d.tradeId, (d.change!.stopLoss as { to: string }).to])).toEqual([
      [D.id, '104.5'],
      [A.id, '97'],
    ]);
    const submits = await call<{ decisions: (Decision & { sizing: { ok: boolean } })[] }>(
      'GET',
      '/decisions?kind=submit',
    );
    expect(submits.body.decisions.map((d) => [d.tradeId, d.sizing.ok, d.change])).toEqual([
      [D.id, true, null],
      [B.id, true, null],
      [A.id, true, null],
    ]);
  });
});
