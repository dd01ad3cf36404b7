/**
 * The HTTP API in-process (fastify `inject`, and a real socket for `/ws`) over a real database: PGlite by default,
 * PostgreSQL with `TESTUDO_TEST_DB=postgres`. Market data is a ReplayFeed over candles written here, stepped by hand.
 *
 * Every expected amount is derived in this file from the candle prices and the BTC-USD instrument (tick 0.01,
 * lot 0.00001, maker 0.1 %, taker 0.2 %) with bigint arithmetic, never with the production sizing or fill code.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../core/marketdata/candle.ts';
import type { Sql } from '../db/sql.ts';
import { advance, openWorld, type World } from '../../test/replay-world.ts';
import { SESSION_COOKIE } from './app.ts';
import { sessionHeaders } from './journal-test-world.ts';

// ---------------------------------------------------------------------------------------------------------------
// Independent arithmetic: prices in cents, quantities in lots of 0.00001 BTC, money in atoms of 10^-12 USD.
// ---------------------------------------------------------------------------------------------------------------

/** Atoms in one cent × one lot: 0.01 USD × 0.00001 = 10^-7 USD = 10^5 atoms. */
const ATOMS_PER_CENT_LOT = 100_000n;
/** Fee rates in per mille: maker 0.1 %, taker 0.2 %. */
const MAKER = 1n;
const TAKER = 2n;
const ATOMS_PER_USD = 10n ** 12n;
const START_BALANCE = 10_000n * ATOMS_PER_USD;

/** Positive decimal text at `dp` decimals → integer ("101.37", 2 → 10137n). */
function scaled(text: string, dp: number): bigint {
  const [int = '0', frac = ''] = text.split('.');
  if (frac.length > dp) throw new Error(`${text} has more than ${dp} decimals`);
  return BigInt(int + frac.padEnd(dp, '0'));
}
const cents = (price: string): bigint => scaled(price, 2);
const lotsOf = (qty: string): bigint => scaled(qty, 5);

/** Integer → decimal text with `dp` decimals, trailing zeros trimmed. */
function text(v: bigint, dp: number): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const unit = 10n ** BigInt(dp);
  const frac = (abs % unit).toString().padStart(dp, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / unit}${frac ? `.${frac}` : ''}`;
}
const money = (atoms: bigint): string => text(atoms, 12);
const qtyText = (lots: bigint): string => text(lots, 5);

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
const abs = (a: bigint): bigint => (a < 0n ? -a : a);
const minOf = (...xs: bigint[]): bigint => xs.reduce((m, x) => (x < m ? x : m));

/** Fee of a fill: notional × rate, rounded up to the atom. */
function fee(priceCents: bigint, lots: bigint, perMille: bigint): bigint {
  return ceilDiv(priceCents * lots * ATOMS_PER_CENT_LOT * perMille, 1000n);
}

/**
 * Size of a setup by the percent-risk model: the budget (equity × risk %) over the loss per lot at the stop (price
 * distance plus the entry fee and the stop's taker fee per lot, rounded up), capped by 1× leverage and the balance.
 */
function sizeLots(o: { equity: bigint; riskPct: bigint; entry: bigint; stop: bigint; entryFee: bigint }): bigint {
  const budget = (o.equity * o.riskPct) / 100n;
  const feesPerLot = ceilDiv((o.entry * o.entryFee + o.stop * TAKER) * ATOMS_PER_CENT_LOT, 1000n);
  const lossPerLot = abs(o.entry - o.stop) * ATOMS_PER_CENT_LOT + feesPerLot;
  const notionalPerLot = o.entry * ATOMS_PER_CENT_LOT;
  return minOf(
    budget / lossPerLot,
    o.equity / notionalPerLot,
    (o.equity * 1000n) / (notionalPerLot * (1000n + o.entryFee)),
  );
}

/** Loss per lot of a setup, as {@link sizeLots} uses it (for the previewed risk). */
function lossPerLot(entry: bigint, stop: bigint, entryFee: bigint): bigint {
  return (
    abs(entry - stop) * ATOMS_PER_CENT_LOT + ceilDiv((entry * entryFee + stop * TAKER) * ATOMS_PER_CENT_LOT, 1000n)
  );
}

interface Outcome {
  entryFee: bigint;
  exitFee: bigint;
  gross: bigint;
  fees: bigint;
  net: bigint;
  initialRisk: bigint;
  r: number;
}

/**
 * P&L of a closed bracket: gross = side × (exit − entry) × qty; net = gross − both fees; initial risk = the loss had
 * it stopped at the stop (distance × qty + entry fee + taker fee at the stop); R = net ÷ initial risk, stored with 8
 * decimals truncated toward zero.
 */
function outcome(o: {
  side: 'buy' | 'sell';
  lots: bigint;
  entry: bigint;
  entryFee: bigint;
  exit: bigint;
  exitFee: bigint;
  stop: bigint;
}): Outcome {
  const entryFee = fee(o.entry, o.lots, o.entryFee);
  const exitFee = fee(o.exit, o.lots, o.exitFee);
  const dir = o.side === 'buy' ? 1n : -1n;
  const gross = dir * (o.exit - o.entry) * o.lots * ATOMS_PER_CENT_LOT;
  const fees = entryFee + exitFee;
  const net = gross - fees;
  const initialRisk = abs(o.entry - o.stop) * o.lots * ATOMS_PER_CENT_LOT + entryFee + fee(o.stop, o.lots, TAKER);
  return { entryFee, exitFee, gross, fees, net, initialRisk, r: Number((net * 100_000_000n) / initialRisk) / 1e8 };
}

// ---------------------------------------------------------------------------------------------------------------
// Candles, worlds (database + context + server + feed) and clients.
// ---------------------------------------------------------------------------------------------------------------

/** 2024-01-02 00:00 UTC. Scenarios stay within this UTC day unless they say otherwise. */
const T0 = Date.UTC(2024, 0, 2);
const HOUR = 3_600_000;

type Ohlc = readonly [open: string, high: string, low: string, close: string];
/** A quiet bar around 100 that touches no stop or target used here. */
const FLAT: Ohlc = ['100', '100.5', '99.5', '100'];

function candleAt(time: number, [open, high, low, close]: Ohlc): Candle {
  return { time, open, high, low, close, volume: '1' };
}
/** Hourly candles from {@link T0}. */
function hourly(...bars: Ohlc[]): Candle[] {
  return bars.map((b, i) => candleAt(T0 + i * HOUR, b));
}

/** Worlds opened by the running test; closed after it. */
const testWorlds: World[] = [];
async function scenario(candles: Candle[]): Promise<World> {
  const w = await openWorld(candles);
  testWorlds.push(w);
  return w;
}
afterEach(async () => {
  for (const w of testWorlds.splice(0)) await w.close();
});

/** Rows in the tables a request could write to. */
async function rowCounts(sql: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['decisions', 'trades', 'orders', 'fills', 'idempotency_keys']) {
    const [r] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = Number(r!.n);
  }
  return out;
}

type Method = 'GET' | 'POST' | 'PUT';
interface Reply<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

async function call<T>(
  w: World,
  method: Method,
  path: string,
  opts: { payload?: string | object; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const r = await w.app.inject({
    method,
    url: path.startsWith('/api/') ? path : `/api/v1${path}`,
    ...(opts.payload === undefined ? {} : { payload: opts.payload }),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  return { status: r.statusCode, body: (r.body === '' ? null : r.json()) as T, headers: r.headers };
}

const PASSWORD = 'correct horse battery';
let emailSeq = 0;

interface Client {
  id: number;
  email: string;
  /** The session's cookies (`name=value; …`). */
  cookie: string;
  call<T>(method: Method, path: string, payload?: string | object, headers?: Record<string, string>): Promise<Reply<T>>;
}

function sessionCookieOf(headers: Reply<unknown>['headers']): string | undefined {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  return list.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
}

/** Registers a new user and logs in; its requests carry the session's cookies and CSRF token. */
async function signUp(w: World, name = 'trader'): Promise<Client> {
  const email = `${name}-${++emailSeq}@example.com`;
  // registered directly: POST /auth/register allows 10 an hour per address (its own tests below use it)
  const reg = { body: { user: await w.ctx.auth.register(email, PASSWORD) } };
  const login = await call(w, 'POST', '/auth/login', { payload: { email, password: PASSWORD } });
  expect(login.status).toBe(200);
  const session = sessionHeaders(login.headers);
  return {
    id: reg.body.user.id,
    email,
    cookie: session.cookie!,
    call: (method, path, payload, headers) =>
      call(w, method, path, { ...(payload === undefined ? {} : { payload }), headers: { ...session, ...headers } }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Response shapes.
// ---------------------------------------------------------------------------------------------------------------

interface FieldIssueJson {
  field: string;
  code: string;
  message: string;
}
interface VerdictJson {
  rule: string;
  passed: boolean;
  code: string;
  message: string;
}
interface SizingJson {
  ok: boolean;
  qty: string;
  entryPrice: string;
  rewardRisk: number | null;
  risk?: string;
  entryFee?: string;
  notional?: string;
}
interface DecisionJson {
  id: number;
  approved: boolean;
  symbol: string;
  side: string;
  verdicts: VerdictJson[];
  sizing: SizingJson;
  tradeId: number | null;
}
interface ErrorJson {
  error: { code: string; message: string; fields?: FieldIssueJson[]; rules?: VerdictJson[] };
  decision?: DecisionJson;
}
interface OrderJson {
  id: number;
  leg: string;
  type: string;
  side: string;
  price: string | null;
  qty: string;
  reduceOnly: boolean;
  oco: boolean;
  status: string;
}
interface FillJson {
  orderId: number;
  price: string;
  qty: string;
  fee: string;
  liquidity: string;
  filledAt: string;
}
interface TradeJson {
  id: number;
  status: string;
  side: string;
  entryType: string;
  entryPrice: string;
  stopLoss: string;
  takeProfit: string | null;
  qty: string;
  plannedRisk: string;
  setup: string | null;
  tags: string[];
  openedAt: string | null;
  entryFillPrice: string | null;
  entryFee: string | null;
  closedAt: string | null;
  exitPrice: string | null;
  exitFee: string | null;
  exitReason: string | null;
  grossPnl: string | null;
  fees: string | null;
  netPnl: string | null;
  initialRisk: string | null;
  rMultiple: number | null;
  orders: OrderJson[];
  fills: FillJson[];
}
interface SubmitJson {
  decision: DecisionJson;
  trade: TradeJson;
}
interface AccountStateJson {
  balance: string;
  peakEquity: string;
  haltedAt: string | null;
  consecutiveLosses: number;
  lastLossAt: string | null;
  realizedPnlToday: string;
  openRisk: string;
  openPositions: number;
  reserved: string;
}
interface RiskProfileJson {
  profile: Record<string, unknown>;
  state: AccountStateJson;
}

function leg(t: TradeJson, name: string): OrderJson {
  const o = t.orders.find((x) => x.leg === name);
  if (!o) throw new Error(`trade ${t.id} has no ${name} leg`);
  return o;
}
const failedCodes = (r: Reply<ErrorJson>): string[] => (r.body.error.rules ?? []).map((v) => v.code);

const LONG_100 = { symbol: 'BTC-USD', side: 'buy', stopLoss: '95', takeProfit: '110' } as const;

async function submit(u: Client, body: object, headers?: Record<string, string>): Promise<Reply<SubmitJson>> {
  return u.call<SubmitJson>('POST', '/trades', body, headers);
}
async function openTrade(u: Client, body: object): Promise<TradeJson> {
  const r = await submit(u, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.trade;
}
async function getTrade(u: Client, id: number): Promise<TradeJson> {
  const r = await u.call<TradeJson>('GET', `/trades/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}
async function accountState(u: Client): Promise<AccountStateJson> {
  const r = await u.call<RiskProfileJson>('GET', '/risk-profile');
  expect(r.status).toBe(200);
  return r.body.state;
}

/** Checks a closed trade's money fields against an independently computed outcome. */
function expectClosed(t: TradeJson, reason: string, exitPrice: string, o: Outcome): void {
  expect(t.status).toBe('closed');
  expect(t.exitReason).toBe(reason);
  expect(t.exitPrice).toBe(exitPrice);
  expect(t.entryFee).toBe(money(o.entryFee));
  expect(t.exitFee).toBe(money(o.exitFee));
  expect(t.grossPnl).toBe(money(o.gross));
  expect(t.fees).toBe(money(o.fees));
  expect(t.netPnl).toBe(money(o.net));
  expect(t.initialRisk).toBe(money(o.initialRisk));
  expect(t.rMultiple).toBe(o.r);
}

// ---------------------------------------------------------------------------------------------------------------

describe('authentication', () => {
  let w: World;
  beforeAll(async () => {
    w = await openWorld(hourly(FLAT, FLAT));
  });
  afterAll(async () => {
    await w.close();
  });

  it('registers a user with 201 and refuses a second registration of the same email with 409 email-taken', async () => {
    const r = await call<{ user: { id: number; email: string } }>(w, 'POST', '/auth/register', {
      payload: { email: 'Ada@Example.com', password: PASSWORD },
    });
    expect(r.status).toBe(201);
    expect(r.body.user).toEqual({ id: expect.any(Number), email: 'ada@example.com' });

    const again = await call<ErrorJson>(w, 'POST', '/auth/register', {
      payload: { email: 'ada@example.com', password: 'another password' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('email-taken');
  });

  it('logs in with an HttpOnly session cookie that authenticates GET /auth/me', async () => {
    await call(w, 'POST', '/auth/register', { payload: { email: 'bob@example.com', password: PASSWORD } });
    const login = await call<{ user: { email: string } }>(w, 'POST', '/auth/login', {
      payload: { email: 'bob@example.com', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe('bob@example.com');
    const setCookie = sessionCookieOf(login.headers);
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\//);

    const me = await call<{ user: { email: string }; account: AccountStateJson }>(w, 'GET', '/auth/me', {
      headers: { cookie: setCookie!.split(';')[0]! },
    });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('bob@example.com');
    expect(me.body.account.balance).toBe('10000');
    expect(me.body.account.openPositions).toBe(0);
  });

  it('refuses a wrong password and an unknown email alike with 401 invalid-credentials', async () => {
    await call(w, 'POST', '/auth/register', { payload: { email: 'carol@example.com', password: PASSWORD } });
    for (const payload of [
      { email: 'carol@example.com', password: 'wrong password' },
      { email: 'nobody@example.com', password: PASSWORD },
    ]) {
      const r = await call<ErrorJson>(w, 'POST', '/auth/login', { payload });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('invalid-credentials');
      expect(sessionCookieOf(r.headers)).toBeUndefined();
    }
  });

  it('issues a bearer API token that authenticates GET /auth/me without a cookie', async () => {
    const u = await signUp(w, 'scripter');
    const t = await u.call<{ token: string; name: string }>('POST', '/auth/tokens', { name: 'bot' });
    expect(t.status).toBe(201);
    expect(t.body.name).toBe('bot');
    expect(t.body.token).toMatch(/^tdo_/);

    const me = await call<{ user: { id: number; email: string } }>(w, 'GET', '/auth/me', {
      headers: { authorization: `Bearer ${t.body.token}` },
    });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: u.id, email: u.email, isAdmin: false });

    const forged = await call<ErrorJson>(w, 'GET', '/auth/me', { headers: { authorization: 'Bearer tdo_forged' } });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('unauthenticated');
  });

  it('logout ends the session: the cookie stops working while an API token keeps working', async () => {
    const u = await signUp(w, 'leaver');
    const t = await u.call<{ token: string }>('POST', '/auth/tokens', { name: 'cli' });
    expect((await u.call('GET', '/auth/me')).status).toBe(200);

    const out = await u.call<{ ok: boolean }>('POST', '/auth/logout');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ ok: true });

    const me = await u.call<ErrorJson>('GET', '/auth/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthenticated');
    const bearer = await call(w, 'GET', '/auth/me', { headers: { authorization: `Bearer ${t.body.token}` } });
    expect(bearer.status).toBe(200);
  });

  it('answers 401 unauthenticated on every protected route without credentials', async () => {
    const routes: [Method, string, object?][] = [
      ['GET', '/auth/me'],
      ['POST', '/auth/tokens', { name: 'x' }],
      ['POST', '/sizing', LONG_100],
      ['POST', '/trades', LONG_100],
      ['GET', '/trades'],
      ['GET', '/trades/1'],
      ['POST', '/trades/1/close'],
      ['GET', '/positions'],
      ['GET', '/decisions'],
      ['GET', '/risk-profile'],
      ['PUT', '/risk-profile', { maxOpenPositions: 1 }],
      ['POST', '/risk-profile/reset-halt'],
      ['GET', '/journal/stats'],
      ['GET', '/equity'],
    ];
    const before = await rowCounts(w.sql);
    for (const [method, path, payload] of routes) {
      const r = await call<ErrorJson>(w, method, path, payload === undefined ? {} : { payload });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error.code, `${method} ${path}`).toBe('unauthenticated');
    }
    expect(await rowCounts(w.sql)).toEqual(before);
  });

  it('refuses a market entry before the feed has delivered any price with 422 no-market-price, writing nothing', async () => {
    const u = await signUp(w);
    const before = await rowCounts(w.sql);
    const r = await u.call<ErrorJson>('POST', '/trades', LONG_100);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('no-market-price');
    expect(await rowCounts(w.sql)).toEqual(before);
  });

  it('serves the OpenAPI document with the API paths', async () => {
    const r = await call<{ openapi: string; paths: Record<string, unknown> }>(w, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/sizing',
      '/api/v1/trades',
      '/api/v1/trades/{id}',
      '/api/v1/trades/{id}/close',
      '/api/v1/positions',
      '/api/v1/decisions',
      '/api/v1/risk-profile',
      '/api/v1/journal/stats',
      '/api/v1/equity',
    ])
      expect(Object.keys(r.body.paths)).toContain(p);
  });
});

describe('with a steady market at 100', () => {
  let w: World;
  beforeAll(async () => {
    w = await openWorld(hourly(FLAT, FLAT, FLAT));
    await advance(w);
  });
  afterAll(async () => {
    await w.close();
  });

  describe('POST /sizing', () => {
    it('previews the size and every verdict and persists nothing', async () => {
      const u = await signUp(w);
      const before = await rowCounts(w.sql);
      const r = await u.call<{ approved: boolean; verdicts: VerdictJson[]; failed: VerdictJson[]; sizing: SizingJson }>(
        'POST',
        '/sizing',
        LONG_100,
      );
      expect(r.status).toBe(200);
      expect(r.body.approved).toBe(true);
      expect(r.body.verdicts).toHaveLength(11);
      expect(r.body.verdicts.every((v) => v.passed)).toBe(true);
      expect(r.body.failed).toEqual([]);

      // 1 % of 10,000 over (5 + 100 × 0.2 % + 95 × 0.2 %) per BTC at a market entry of 100.
      const lots = sizeLots({ equity: START_BALANCE, riskPct: 1n, entry: 10000n, stop: 9500n, entryFee: TAKER });
      expect(lots).toBe(1_855_287n);
      expect(r.body.sizing).toMatchObject({
        ok: true,
        entryPrice: '100',
        qty: qtyText(lots),
        rewardRisk: 2,
        notional: money(10000n * lots * ATOMS_PER_CENT_LOT),
        entryFee: money(fee(10000n, lots, TAKER)),
        risk: money(lots * lossPerLot(10000n, 9500n, TAKER)),
      });
      expect(await rowCounts(w.sql)).toEqual(before);
    });

    it('previews a rejection with its failed rules, still persisting nothing', async () => {
      const u = await signUp(w);
      const before = await rowCounts(w.sql);
      const r = await u.call<{ approved: boolean; failed: VerdictJson[] }>('POST', '/sizing', {
        ...LONG_100,
        stopLoss: '105',
      });
      expect(r.status).toBe(200);
      expect(r.body.approved).toBe(false);
      expect(r.body.failed.map((v) => v.code)).toEqual(['stop-wrong-side']);
      expect(await rowCounts(w.sql)).toEqual(before);
    });
  });

  describe('risk rules through the API', () => {
    async function rejected(u: Client, body: object): Promise<Reply<ErrorJson>> {
      const r = await u.call<ErrorJson>('POST', '/trades', body);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.error.code).toBe('rule-rejected');
      expect(r.body.decision?.approved).toBe(false);
      return r;
    }

    it('rejects a long with its stop above the entry: stop-wrong-side', async () => {
      const u = await signUp(w);
      const r = await rejected(u, { ...LONG_100, stopLoss: '105' });
      expect(failedCodes(r)).toEqual(['stop-wrong-side']);
    });

    it('rejects a setup without a take-profit: take-profit-required', async () => {
      const u = await signUp(w);
      const r = await rejected(u, { symbol: 'BTC-USD', side: 'buy', stopLoss: '95' });
      expect(failedCodes(r)).toEqual(['take-profit-required']);
    });

    it('rejects a reward:risk of 1.5 against the minimum of 2: reward-risk-too-low', async () => {
      const u = await signUp(w);
      const r = await rejected(u, { ...LONG_100, takeProfit: '107.5' });
      expect(failedCodes(r)).toEqual(['reward-risk-too-low']);
      expect(r.body.error.rules![0]!.message).toContain('1.50');
    });

    it('rejects a 3 % risk override above the 2 % maximum: risk-per-trade-exceeded', async () => {
      const u = await signUp(w);
      const r = await rejected(u, { ...LONG_100, riskPct: '3' });
      expect(failedCodes(r)).toEqual(['risk-per-trade-exceeded']);
    });

    it('lists every failed rule together when several fail', async () => {
      const u = await signUp(w);
      const r = await rejected(u, { symbol: 'BTC-USD', side: 'long', stopLoss: '105', riskPct: 5 });
      expect(failedCodes(r)).toEqual(['stop-wrong-side', 'risk-per-trade-exceeded', 'take-profit-required']);
      expect(r.body.error.message).toMatch(/^rejected by 3 rules/);
    });

    it('enforces maxOpenPositions edited through PUT /risk-profile', async () => {
      const u = await signUp(w);
      const put = await u.call<RiskProfileJson>('PUT', '/risk-profile', { maxOpenPositions: 1 });
      expect(put.status).toBe(200);
      expect(put.body.profile.maxOpenPositions).toBe(1);
      await openTrade(u, LONG_100);
      const r = await rejected(u, LONG_100);
      expect(failedCodes(r)).toEqual(['max-open-positions']);
    });

    it('refuses every setup while the exchange circuit breaker is open, and trades again once it closes', async () => {
      const u = await signUp(w);
      try {
        for (let i = 0; i < 5; i++) w.ctx.breaker.onFailure();
        expect(w.ctx.breaker.state()).toBe('open');
        const r = await rejected(u, LONG_100);
        expect(failedCodes(r)).toEqual(['circuit-breaker-open']);
      } finally {
        w.ctx.breaker.onSuccess();
      }
      expect(w.ctx.breaker.state()).toBe('closed');
      await openTrade(u, LONG_100);
    });

    it('persists every decision: GET /decisions?approved=false lists each rejection, newest first', async () => {
      const u = await signUp(w);
      const ids: number[] = [];
      for (const body of [
        { ...LONG_100, stopLoss: '105' },
        { ...LONG_100, takeProfit: '107.5' },
        { ...LONG_100, riskPct: '3' },
      ])
        ids.push((await rejected(u, body)).body.decision!.id);
      const ok = await submit(u, LONG_100);
      expect(ok.status).toBe(201);

      const no = await u.call<{ decisions: DecisionJson[] }>('GET', '/decisions?approved=false');
      expect(no.status).toBe(200);
      expect(no.body.decisions.map((d) => d.id)).toEqual([...ids].reverse());
      expect(no.body.decisions.every((d) => !d.approved && d.tradeId === null)).toBe(true);
      expect(no.body.decisions.map((d) => d.verdicts.filter((v) => !v.passed).map((v) => v.code))).toEqual([
        ['risk-per-trade-exceeded'],
        ['reward-risk-too-low'],
        ['stop-wrong-side'],
      ]);
      const yes = await u.call<{ decisions: DecisionJson[] }>('GET', '/decisions?approved=true');
      expect(yes.body.decisions.map((d) => [d.id, d.tradeId])).toEqual([[ok.body.decision.id, ok.body.trade.id]]);
      const all = await u.call<{ decisions: DecisionJson[] }>('GET', '/decisions');
      expect(all.body.decisions).toHaveLength(4);
    });
  });

  describe('bad input', () => {
    const cases: {
      name: string;
      payload: string | object;
      contentType?: string;
      status: number;
      code: string;
      field?: string;
      fieldCode?: string;
      message?: string;
    }[] = [
      {
        name: 'malformed JSON',
        payload: '{bad',
        contentType: 'application/json',
        status: 400,
        code: 'malformed-json',
      },
      { name: 'an empty JSON body', payload: '', contentType: 'application/json', status: 400, code: 'empty-body' },
      {
        name: 'a form-encoded body',
        payload: 'symbol=BTC-USD&side=buy',
        contentType: 'application/x-www-form-urlencoded',
        status: 415,
        code: 'unsupported-media-type',
      },
      {
        name: 'a plain-text body',
        payload: 'buy BTC-USD',
        contentType: 'text/plain',
        status: 400,
        code: 'validation-failed',
        field: 'body',
        fieldCode: 'invalid-type',
      },
      {
        name: 'a missing stopLoss',
        payload: { symbol: 'BTC-USD', side: 'buy', takeProfit: '110' },
        status: 400,
        code: 'validation-failed',
        field: 'stopLoss',
        fieldCode: 'required',
        message: 'is required',
      },
      {
        name: 'a missing symbol',
        payload: { side: 'buy', stopLoss: '95', takeProfit: '110' },
        status: 400,
        code: 'validation-failed',
        field: 'symbol',
        fieldCode: 'required',
      },
      {
        name: 'a stopLoss of the wrong type',
        payload: { ...LONG_100, stopLoss: true },
        status: 400,
        code: 'validation-failed',
        field: 'stopLoss',
        fieldCode: 'invalid-type',
      },
      {
        name: 'tags of the wrong type',
        payload: { ...LONG_100, tags: 'breakout' },
        status: 400,
        code: 'validation-failed',
        field: 'tags',
        fieldCode: 'invalid-type',
      },
      {
        name: 'a side outside its options',
        payload: { ...LONG_100, side: 'up' },
        status: 400,
        code: 'validation-failed',
        field: 'side',
        fieldCode: 'invalid-value',
      },
      {
        name: 'a zero stopLoss',
        payload: { ...LONG_100, stopLoss: '0' },
        status: 400,
        code: 'validation-failed',
        field: 'stopLoss',
        fieldCode: 'invalid-value',
        message: 'must be greater than zero',
      },
      {
        name: 'a negative entryPrice (JSON number)',
        payload: { ...LONG_100, entryPrice: -98 },
        status: 400,
        code: 'validation-failed',
        field: 'entryPrice',
        fieldCode: 'invalid-value',
        message: 'must be greater than zero',
      },
      {
        name: 'a negative takeProfit (text)',
        payload: { ...LONG_100, takeProfit: '-110' },
        status: 400,
        code: 'validation-failed',
        field: 'takeProfit',
        fieldCode: 'invalid-value',
        message: 'must be greater than zero',
      },
      {
        name: 'a price that is not a number',
        payload: { ...LONG_100, stopLoss: '9five' },
        status: 400,
        code: 'validation-failed',
        field: 'stopLoss',
        fieldCode: 'invalid-value',
      },
      {
        name: 'an unknown field',
        payload: { ...LONG_100, leverage: 10 },
        status: 400,
        code: 'validation-failed',
        field: 'leverage',
        fieldCode: 'unknown-field',
      },
      {
        name: 'an unknown symbol',
        payload: { ...LONG_100, symbol: 'DOGE-USD' },
        status: 400,
        code: 'validation-failed',
        field: 'symbol',
        fieldCode: 'unknown-symbol',
      },
      {
        name: 'a price off the tick grid',
        payload: { ...LONG_100, stopLoss: '95.005' },
        status: 400,
        code: 'validation-failed',
        field: 'stopLoss',
        fieldCode: 'price-off-tick',
      },
      {
        name: 'a limit entry without its price',
        payload: { ...LONG_100, entryType: 'limit' },
        status: 400,
        code: 'validation-failed',
        field: 'entryPrice',
        fieldCode: 'required',
      },
    ];

    for (const c of cases) {
      it(`answers ${c.name} with ${c.status} ${c.code}${c.field ? ` on ${c.field}` : ''} and writes nothing`, async () => {
        const u = await signUp(w);
        const before = await rowCounts(w.sql);
        for (const path of ['/trades', '/sizing']) {
          const r = await u.call<ErrorJson>(
            'POST',
            path,
            c.payload,
            c.contentType ? { 'content-type': c.contentType } : undefined,
          );
          expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(c.status);
          expect(r.body.error.code).toBe(c.code);
          expect(r.body.error.message.length).toBeGreaterThan(0);
          if (c.field) {
            expect(r.body.error.fields).toContainEqual({
              field: c.field,
              code: c.fieldCode,
              message: c.message ?? expect.any(String),
            });
          }
        }
        expect(await rowCounts(w.sql)).toEqual(before);
      });
    }

    it('answers malformed path and query parameters with 400 on the field, never a 500', async () => {
      const u = await signUp(w);
      for (const [method, path, field] of [
        ['GET', '/trades/abc', 'id'],
        ['GET', '/trades/99999999999999999999', 'id'],
        ['POST', '/trades/0/close', 'id'],
        ['GET', '/decisions?approved=maybe', 'approved'],
        ['GET', '/decisions?limit=0', 'limit'],
        ['GET', '/journal/stats?from=yesterday', 'from'],
        ['GET', '/journal/stats?colour=red', 'colour'],
      ] as const) {
        const r = await u.call<ErrorJson>(method, path);
        expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.error.code).toBe('validation-failed');
        expect(r.body.error.fields?.map((f) => f.field)).toContain(field);
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the same key and body with the same status and body, creating no second trade', async () => {
      const u = await signUp(w);
      const key = { 'idempotency-key': 'order-42' };
      const first = await submit(u, LONG_100, key);
      expect(first.status).toBe(201);
      const before = await rowCounts(w.sql);

      const again = await submit(u, LONG_100, key);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await rowCounts(w.sql)).toEqual(before);
      const trades = await u.call<{ trades: TradeJson[] }>('GET', '/trades');
      expect(trades.body.trades.map((t) => t.id)).toEqual([first.body.trade.id]);
    });

    it('replays a rejected submission as the same 422 without a second decision', async () => {
      const u = await signUp(w);
      const key = { 'idempotency-key': 'bad-rr' };
      const first = await u.call<ErrorJson>('POST', '/trades', { ...LONG_100, takeProfit: '107.5' }, key);
      expect(first.status).toBe(422);
      const before = await rowCounts(w.sql);
      const again = await u.call<ErrorJson>('POST', '/trades', { ...LONG_100, takeProfit: '107.5' }, key);
      expect(again.status).toBe(422);
      expect(again.body).toEqual(first.body);
      expect(await rowCounts(w.sql)).toEqual(before);
    });

    it('refuses the same key with a different body with 409 idempotency-key-reused, writing nothing', async () => {
      const u = await signUp(w);
      const key = { 'idempotency-key': 'order-43' };
      expect((await submit(u, LONG_100, key)).status).toBe(201);
      const before = await rowCounts(w.sql);
      const r = await u.call<ErrorJson>('POST', '/trades', { ...LONG_100, takeProfit: '111' }, key);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('idempotency-key-reused');
      expect(await rowCounts(w.sql)).toEqual(before);
    });

    it('scopes keys to the user: another user may use the same key', async () => {
      const a = await signUp(w);
      const b = await signUp(w);
      const key = { 'idempotency-key': 'shared-key' };
      const ra = await submit(a, LONG_100, key);
      const rb = await submit(b, LONG_100, key);
      expect([ra.status, rb.status]).toEqual([201, 201]);
      expect(rb.body.trade.id).not.toBe(ra.body.trade.id);
    });
  });
});

describe('POST /trades', () => {
  it('opens an approved market bracket: entry filled, reduce-only OCO stop and target open, entry fee charged', async () => {
    const w = await scenario(hourly(FLAT, FLAT));
    await advance(w);
    const u = await signUp(w);
    const r = await submit(u, { ...LONG_100, setup: 'breakout', tags: ['trend'], notes: 'first' });
    expect(r.status).toBe(201);
    const lots = sizeLots({ equity: START_BALANCE, riskPct: 1n, entry: 10000n, stop: 9500n, entryFee: TAKER });
    const entryFee = fee(10000n, lots, TAKER);

    const t = r.body.trade;
    expect(t).toMatchObject({
      status: 'open',
      side: 'buy',
      entryType: 'market',
      entryPrice: '100',
      stopLoss: '95',
      takeProfit: '110',
      qty: qtyText(lots),
      entryFillPrice: '100',
      entryFee: money(entryFee),
      setup: 'breakout',
      tags: ['trend'],
      openedAt: new Date(T0 + HOUR).toISOString(),
    });
    expect(t.orders).toHaveLength(3);
    expect(leg(t, 'entry')).toMatchObject({ type: 'market', side: 'buy', status: 'filled', reduceOnly: false });
    expect(leg(t, 'stop')).toMatchObject({
      type: 'stop-market',
      side: 'sell',
      price: '95',
      qty: qtyText(lots),
      reduceOnly: true,
      oco: true,
      status: 'open',
    });
    expect(leg(t, 'target')).toMatchObject({
      type: 'limit',
      side: 'sell',
      price: '110',
      qty: qtyText(lots),
      reduceOnly: true,
      oco: true,
      status: 'open',
    });

    const full = await getTrade(u, t.id);
    expect(full.fills).toEqual([
      expect.objectContaining({
        orderId: leg(t, 'entry').id,
        price: '100',
        qty: qtyText(lots),
        fee: money(entryFee),
        liquidity: 'taker',
      }),
    ]);
    const state = await accountState(u);
    expect(state.balance).toBe(money(START_BALANCE - entryFee));
    expect(state.openPositions).toBe(1);
    expect(state.openRisk).toBe(money(lots * lossPerLot(10000n, 9500n, TAKER)));

    const decisions = await u.call<{ decisions: DecisionJson[] }>('GET', '/decisions');
    expect(decisions.body.decisions).toEqual([
      expect.objectContaining({ id: r.body.decision.id, approved: true, tradeId: t.id, symbol: 'BTC-USD' }),
    ]);
  });

  it('keeps a limit entry pending with stop and target held until a bar trades through the limit', async () => {
    const w = await scenario(hourly(FLAT, FLAT, ['100', '100.5', '97.5', '99']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, {
      symbol: 'BTC-USD',
      side: 'buy',
      entryPrice: '98',
      stopLoss: '93',
      takeProfit: '108',
    });
    const lots = sizeLots({ equity: START_BALANCE, riskPct: 1n, entry: 9800n, stop: 9300n, entryFee: MAKER });
    expect(t).toMatchObject({ status: 'pending', entryType: 'limit', entryPrice: '98', qty: qtyText(lots) });
    expect(t.entryFillPrice).toBeNull();
    expect(leg(t, 'entry')).toMatchObject({ type: 'limit', price: '98', status: 'open' });
    expect(leg(t, 'stop').status).toBe('held');
    expect(leg(t, 'target').status).toBe('held');
    expect((await getTrade(u, t.id)).fills).toEqual([]);
    expect((await accountState(u)).balance).toBe('10000');

    await advance(w); // 99.5–100.5: the limit at 98 is not reached
    expect((await getTrade(u, t.id)).status).toBe('pending');

    await advance(w); // low 97.5 trades through 98: filled at the limit as maker
    const open = await getTrade(u, t.id);
    expect(open.status).toBe('open');
    expect(open.entryFillPrice).toBe('98');
    expect(open.openedAt).toBe(new Date(T0 + 2 * HOUR).toISOString());
    expect(leg(open, 'entry').status).toBe('filled');
    expect(leg(open, 'stop').status).toBe('open');
    expect(leg(open, 'target').status).toBe('open');
    expect(open.fills).toEqual([
      expect.objectContaining({ price: '98', fee: money(fee(9800n, lots, MAKER)), liquidity: 'maker' }),
    ]);
    expect((await accountState(u)).balance).toBe(money(START_BALANCE - fee(9800n, lots, MAKER)));
  });
});

describe('bracket exits', () => {
  const lots100 = sizeLots({ equity: START_BALANCE, riskPct: 1n, entry: 10000n, stop: 9500n, entryFee: TAKER });

  it('closes at the take-profit as maker with P&L and R computed from the prices and fees', async () => {
    const w = await scenario(hourly(FLAT, ['100', '104', '98', '103'], ['103', '111', '102', '108']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);

    await advance(w);
    expect((await getTrade(u, t.id)).status).toBe('open');
    await advance(w);

    const closed = await getTrade(u, t.id);
    const o = outcome({
      side: 'buy',
      lots: lots100,
      entry: 10000n,
      entryFee: TAKER,
      exit: 11000n,
      exitFee: MAKER,
      stop: 9500n,
    });
    expectClosed(closed, 'target', '110', o);
    expect(o.r).toBeGreaterThan(1.75); // 2 R of price, less the fees
    expect(o.r).toBeLessThan(2);
    expect(closed.closedAt).toBe(new Date(T0 + 2 * HOUR).toISOString());
    expect(leg(closed, 'target').status).toBe('filled');
    expect(leg(closed, 'stop').status).toBe('cancelled');
    expect(closed.fills.map((f) => [f.price, f.liquidity, f.fee])).toEqual([
      ['100', 'taker', money(o.entryFee)],
      ['110', 'maker', money(o.exitFee)],
    ]);

    const state = await accountState(u);
    expect(state.balance).toBe(money(START_BALANCE + o.net));
    expect(state).toMatchObject({ openPositions: 0, openRisk: '0', reserved: '0', consecutiveLosses: 0 });
    const positions = await u.call<{ positions: unknown[] }>('GET', '/positions');
    expect(positions.body.positions).toEqual([]);
  });

  it('closes at the stop as taker for exactly -1 R', async () => {
    const w = await scenario(hourly(FLAT, ['100', '101', '94', '96']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);
    await advance(w);

    const closed = await getTrade(u, t.id);
    const o = outcome({
      side: 'buy',
      lots: lots100,
      entry: 10000n,
      entryFee: TAKER,
      exit: 9500n,
      exitFee: TAKER,
      stop: 9500n,
    });
    expectClosed(closed, 'stop', '95', o);
    expect(closed.rMultiple).toBe(-1);
    expect(closed.netPnl).toBe(money(-o.initialRisk));
    expect(leg(closed, 'stop').status).toBe('filled');
    expect(leg(closed, 'target').status).toBe('cancelled');
    const state = await accountState(u);
    expect(state.balance).toBe(money(START_BALANCE - o.initialRisk));
    expect(state.consecutiveLosses).toBe(1);
  });

  it('assumes the stop filled first when one bar touches both the stop and the take-profit', async () => {
    const w = await scenario(hourly(FLAT, ['100', '111', '94', '100']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);
    await advance(w);
    const closed = await getTrade(u, t.id);
    expect(closed.exitReason).toBe('stop');
    expect(closed.exitPrice).toBe('95');
    expect(closed.rMultiple).toBe(-1);
  });

  it('fills a stop gapped through at the bar open, losing more than 1 R', async () => {
    const w = await scenario(hourly(FLAT, ['93', '94', '90', '92']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);
    await advance(w);
    const o = outcome({
      side: 'buy',
      lots: lots100,
      entry: 10000n,
      entryFee: TAKER,
      exit: 9300n,
      exitFee: TAKER,
      stop: 9500n,
    });
    expectClosed(await getTrade(u, t.id), 'stop', '93', o);
    expect(o.r).toBeLessThan(-1);
  });

  it('closes a short at its take-profit below the entry', async () => {
    const w = await scenario(hourly(FLAT, ['100', '101', '89', '90']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, { symbol: 'BTC-USD', side: 'short', stopLoss: '105', takeProfit: '90' });
    const lots = sizeLots({ equity: START_BALANCE, riskPct: 1n, entry: 10000n, stop: 10500n, entryFee: TAKER });
    expect(t.qty).toBe(qtyText(lots));
    expect(leg(t, 'stop').side).toBe('buy');
    await advance(w);
    const o = outcome({
      side: 'sell',
      lots,
      entry: 10000n,
      entryFee: TAKER,
      exit: 9000n,
      exitFee: MAKER,
      stop: 10500n,
    });
    expectClosed(await getTrade(u, t.id), 'target', '90', o);
  });

  it('closes by hand at the last close as taker; closing again answers 409 trade-not-active', async () => {
    const w = await scenario(hourly(FLAT, ['100', '102', '99', '101.37']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);
    await advance(w);

    const r = await u.call<TradeJson>('POST', `/trades/${t.id}/close`);
    expect(r.status).toBe(200);
    const o = outcome({
      side: 'buy',
      lots: lots100,
      entry: 10000n,
      entryFee: TAKER,
      exit: 10137n,
      exitFee: TAKER,
      stop: 9500n,
    });
    expectClosed(r.body, 'manual', '101.37', o);
    expect(leg(r.body, 'manual')).toMatchObject({ type: 'market', side: 'sell', status: 'filled', reduceOnly: true });
    expect(leg(r.body, 'stop').status).toBe('cancelled');
    expect(leg(r.body, 'target').status).toBe('cancelled');
    expect((await accountState(u)).balance).toBe(money(START_BALANCE + o.net));

    const again = await u.call<ErrorJson>('POST', `/trades/${t.id}/close`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('trade-not-active');
  });

  it('cancels a pending limit entry on close, releasing its risk and charging nothing', async () => {
    const w = await scenario(hourly(FLAT, FLAT));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, {
      symbol: 'BTC-USD',
      side: 'buy',
      entryPrice: '90',
      stopLoss: '85',
      takeProfit: '100',
    });
    expect((await accountState(u)).openPositions).toBe(1);

    const r = await u.call<TradeJson>('POST', `/trades/${t.id}/close`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('cancelled');
    expect(r.body.orders.map((o) => o.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(r.body.fills).toEqual([]);
    expect(await accountState(u)).toMatchObject({ balance: '10000', openPositions: 0, openRisk: '0', reserved: '0' });

    await advance(w);
    expect((await getTrade(u, t.id)).status).toBe('cancelled');
    const again = await u.call<ErrorJson>('POST', `/trades/${t.id}/close`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('trade-not-active');
  });

  it("answers 404 trade-not-found for an unknown trade and for another user's trade, leaving it untouched", async () => {
    const w = await scenario(hourly(FLAT, FLAT));
    await advance(w);
    const owner = await signUp(w, 'owner');
    const other = await signUp(w, 'other');
    const t = await openTrade(owner, LONG_100);
    for (const [method, path] of [
      ['GET', `/trades/${t.id}`],
      ['POST', `/trades/${t.id}/close`],
      ['GET', '/trades/999999'],
      ['POST', '/trades/999999/close'],
    ] as const) {
      const r = await other.call<ErrorJson>(method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe('trade-not-found');
    }
    expect((await getTrade(owner, t.id)).status).toBe('open');
  });

  it('closes a position once when two closes arrive together: one succeeds, the other answers 409', async () => {
    const w = await scenario(hourly(FLAT, ['100', '102', '99', '101']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);
    await advance(w);

    const replies = await Promise.all([
      u.call<TradeJson | ErrorJson>('POST', `/trades/${t.id}/close`),
      u.call<TradeJson | ErrorJson>('POST', `/trades/${t.id}/close`),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    const closed = await getTrade(u, t.id);
    expect(closed.fills).toHaveLength(2);
    const o = outcome({
      side: 'buy',
      lots: lots100,
      entry: 10000n,
      entryFee: TAKER,
      exit: 10100n,
      exitFee: TAKER,
      stop: 9500n,
    });
    expectClosed(closed, 'manual', '101', o);
    expect(await accountState(u)).toMatchObject({
      balance: money(START_BALANCE + o.net),
      openPositions: 0,
      openRisk: '0',
      reserved: '0',
    });
  });

  it('lets a bar already received settle before a close: the stop wins and the close answers 409', async () => {
    const w = await scenario(hourly(FLAT, ['100', '101', '94', '96']));
    await advance(w);
    const u = await signUp(w);
    const t = await openTrade(u, LONG_100);

    expect(w.feed.step(1)).toBe(1); // the stop-out bar is queued, not yet processed
    const r = await u.call<ErrorJson>('POST', `/trades/${t.id}/close`);
    await w.ctx.trading.drain();
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('trade-not-active');

    const closed = await getTrade(u, t.id);
    expect(closed.exitReason).toBe('stop');
    expect(closed.fills).toHaveLength(2);
    const o = outcome({
      side: 'buy',
      lots: lots100,
      entry: 10000n,
      entryFee: TAKER,
      exit: 9500n,
      exitFee: TAKER,
      stop: 9500n,
    });
    expect((await accountState(u)).balance).toBe(money(START_BALANCE + o.net));
  });
});

describe('loss limits through the API', () => {
  // Everyone buys at 100 (stop 95, target 110); the next bar stops them all out; the market then idles at 96.
  const IDLE: Ohlc = ['96', '96.5', '95.5', '96'];
  const NEXT = { symbol: 'BTC-USD', side: 'buy', stopLoss: '91', takeProfit: '106' };
  let w: World;
  const users = {} as Record<'daily' | 'drawdown' | 'cooldown' | 'control', Client>;

  beforeAll(async () => {
    w = await openWorld(hourly(FLAT, ['100', '101', '94', '96'], IDLE, IDLE, IDLE, IDLE));
    await advance(w);
    const profiles = {
      daily: { dailyLossLimitPct: '0.5' },
      drawdown: { maxDrawdownPct: '0.5' },
      cooldown: { lossStreakLimit: 1 },
      control: {},
    };
    for (const [name, patch] of Object.entries(profiles) as [keyof typeof users, object][]) {
      const u = await signUp(w, name);
      expect((await u.call('PUT', '/risk-profile', patch)).status).toBe(200);
      await openTrade(u, LONG_100);
      users[name] = u;
    }
    await advance(w);
    for (const u of Object.values(users)) {
      const trades = await u.call<{ trades: TradeJson[] }>('GET', '/trades');
      expect(trades.body.trades.map((t) => [t.exitReason, t.rMultiple])).toEqual([['stop', -1]]);
    }
  });
  afterAll(async () => {
    await w.close();
  });

  async function refusedWith(u: Client, code: string): Promise<void> {
    const r = await u.call<ErrorJson>('POST', '/trades', NEXT);
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(failedCodes(r)).toEqual([code]);
  }

  it('trades on after a 1 % loss under the default limits', async () => {
    await openTrade(users.control, NEXT);
  });

  it('refuses new trades once the realized loss today reaches dailyLossLimitPct', async () => {
    const state = await accountState(users.daily);
    expect(Number(state.realizedPnlToday)).toBeLessThan(-99);
    await refusedWith(users.daily, 'daily-loss-limit-hit');
  });

  it('halts on max drawdown until POST /risk-profile/reset-halt lifts it', async () => {
    const u = users.drawdown;
    expect((await accountState(u)).haltedAt).toBe(new Date(T0 + HOUR).toISOString());
    await refusedWith(u, 'max-drawdown-halt');

    const reset = await u.call<RiskProfileJson>('POST', '/risk-profile/reset-halt');
    expect(reset.status).toBe(200);
    expect(reset.body.state.haltedAt).toBeNull();
    expect(reset.body.state.peakEquity).toBe(reset.body.state.balance);
    await openTrade(u, NEXT);
  });

  it('cools down after lossStreakLimit losses in a row until cooldownMinutes have passed', async () => {
    const u = users.cooldown;
    const state = await accountState(u);
    expect(state.consecutiveLosses).toBe(1);
    expect(state.lastLossAt).toBe(new Date(T0 + HOUR).toISOString());
    await refusedWith(u, 'loss-streak-cooldown');
    await advance(w, 2); // market time T0+4h: still within 240 minutes of the loss at T0+1h
    await refusedWith(u, 'loss-streak-cooldown');
    await advance(w, 1); // T0+5h: the cooldown is over
    await openTrade(u, NEXT);
  });
});

describe('journal, equity and positions', () => {
  const D2 = T0 + 24 * HOUR;
  let w: World;
  let u: Client;
  const results: Outcome[] = [];

  beforeAll(async () => {
    w = await openWorld([
      candleAt(T0, FLAT),
      candleAt(T0 + HOUR, ['100', '111', '99', '110']), // T1 long hits 110
      candleAt(T0 + 2 * HOUR, ['110', '111', '104', '105']), // T2 long stops at 105
      candleAt(D2 + 10 * HOUR, ['105', '106', '94', '96']), // T3 short hits 95 the next day
      candleAt(D2 + 11 * HOUR, ['96', '97', '95.5', '96.5']),
    ]);
    u = await signUp(w);
    await advance(w);
    const plan = [
      { body: { ...LONG_100, setup: 'breakout', tags: ['trend'] }, exit: 11000n, exitFee: MAKER },
      {
        body: {
          symbol: 'BTC-USD',
          side: 'buy',
          stopLoss: '105',
          takeProfit: '120',
          setup: 'pullback',
          tags: ['range'],
        },
        exit: 10500n,
        exitFee: TAKER,
      },
      {
        body: {
          symbol: 'BTC-USD',
          side: 'sell',
          stopLoss: '110',
          takeProfit: '95',
          setup: 'breakout',
          tags: ['trend', 'news'],
        },
        exit: 9500n,
        exitFee: MAKER,
      },
    ];
    let equity = START_BALANCE;
    for (const p of plan) {
      const entry = cents(w.feed.lastPrice('BTC-USD')!);
      const stop = cents(p.body.stopLoss);
      const lots = sizeLots({ equity, riskPct: 1n, entry, stop, entryFee: TAKER });
      const t = await openTrade(u, p.body);
      expect(t.qty).toBe(qtyText(lots));
      await advance(w);
      const o = outcome({
        side: t.side as 'buy' | 'sell',
        lots,
        entry,
        entryFee: TAKER,
        exit: p.exit,
        exitFee: p.exitFee,
        stop,
      });
      expectClosed(await getTrade(u, t.id), p.exitFee === MAKER ? 'target' : 'stop', text(p.exit, 2), o);
      results.push(o);
      equity += o.net;
    }
  });
  afterAll(async () => {
    await w.close();
  });

  interface StatsJson {
    trades: number;
    wins: number;
    losses: number;
    winRate: number;
    avgLossR: number;
    expectancyR: number;
    totalR: number;
    netPnl: string;
    grossProfit: string;
    grossLoss: string;
    profitFactor: number | null;
  }
  const stats = async (query = ''): Promise<StatsJson> => {
    const r = await u.call<StatsJson>('GET', `/journal/stats${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const sumR = (idx: number[]): number => idx.reduce((s, i) => s + results[i]!.r, 0);

  it('computes win rate, expectancy and total R from the closed trades', async () => {
    const [r1, r2, r3] = results.map((o) => o.r) as [number, number, number];
    expect(r1).toBeGreaterThan(1.75);
    expect(r2).toBe(-1);
    expect(r3).toBeGreaterThan(1.75);
    const s = await stats();
    expect(s).toMatchObject({ trades: 3, wins: 2, losses: 1, avgLossR: -1 });
    expect(s.winRate).toBeCloseTo(2 / 3, 12);
    expect(s.totalR).toBeCloseTo(r1 + r2 + r3, 9);
    expect(s.expectancyR).toBeCloseTo((r1 + r2 + r3) / 3, 9);
    const nets = results.map((o) => o.net);
    expect(s.netPnl).toBe(money(nets.reduce((a, b) => a + b)));
    expect(s.grossProfit).toBe(money(nets[0]! + nets[2]!));
    expect(s.grossLoss).toBe(money(nets[1]!));
  });

  it('filters the statistics by symbol, setup, tag and close date', async () => {
    const check = async (query: string, idx: number[]): Promise<void> => {
      const s = await stats(query);
      expect(s.trades, query).toBe(idx.length);
      expect(s.totalR, query).toBeCloseTo(sumR(idx), 9);
    };
    await check('?symbol=BTC-USD', [0, 1, 2]);
    await check('?symbol=ETH-USDT', []);
    await check('?setup=breakout', [0, 2]);
    await check('?setup=pullback', [1]);
    await check('?tag=trend', [0, 2]);
    await check('?tag=range', [1]);
    await check('?from=2024-01-03', [2]);
    await check('?to=2024-01-03', [0, 1]);
    await check('?from=2024-01-02T01:30:00Z&to=2024-01-03T10:00:00Z', [1]);
    await check('?setup=breakout&from=2024-01-03', [2]);
  });

  it('serves the equity curve and the daily results of GET /equity', async () => {
    const r = await u.call<{
      startEquity: string;
      balance: string;
      curve: { time: string; equity: string }[];
      daily: { day: string; trades: number; r: number; netPnl: string }[];
    }>('GET', '/equity');
    expect(r.status).toBe(200);
    const [n1, n2, n3] = results.map((o) => o.net) as [bigint, bigint, bigint];
    expect(r.body.startEquity).toBe('10000');
    expect(r.body.balance).toBe(money(START_BALANCE + n1 + n2 + n3));
    expect(r.body.curve.map((p) => p.equity)).toEqual([
      '10000',
      money(START_BALANCE + n1),
      money(START_BALANCE + n1 + n2),
      money(START_BALANCE + n1 + n2 + n3),
    ]);
    expect(r.body.curve.at(-1)!.time).toBe(new Date(D2 + 10 * HOUR).toISOString());
    expect(r.body.daily.map((d) => [d.day, d.trades, d.netPnl])).toEqual([
      ['2024-01-02', 2, money(n1 + n2)],
      ['2024-01-03', 1, money(n3)],
    ]);
    expect(r.body.daily[0]!.r).toBeCloseTo(sumR([0, 1]), 9);
  });

  it('lists open positions with their mark price and unrealized P&L', async () => {
    const t = await openTrade(u, { symbol: 'BTC-USD', side: 'buy', stopLoss: '91', takeProfit: '106' });
    const lots = lotsOf(t.qty);
    type PositionsJson = { positions: (TradeJson & { markPrice: string; unrealizedPnl: string })[] };
    let r = await u.call<PositionsJson>('GET', '/positions');
    expect(r.status).toBe(200);
    expect(r.body.positions.map((p) => [p.id, p.entryFillPrice, p.markPrice, p.unrealizedPnl])).toEqual([
      [t.id, '96', '96', '0'],
    ]);

    await advance(w); // closes at 96.5
    r = await u.call<PositionsJson>('GET', '/positions');
    expect(r.body.positions.map((p) => [p.markPrice, p.unrealizedPnl])).toEqual([
      ['96.5', money(50n * lots * ATOMS_PER_CENT_LOT)],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// WebSocket: `ws` has no type declarations installed here, so describe the little this test uses.
// ---------------------------------------------------------------------------------------------------------------

interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  close(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsSocket;

interface WsMessage {
  type: string;
  data: Record<string, unknown>;
}

/** A socket that records its messages and its close code. */
function connect(url: string): {
  messages: WsMessage[];
  closed: () => number | null;
  waitFor(what: string, ok: (ms: WsMessage[]) => boolean): Promise<void>;
  waitClosed(): Promise<number>;
  close(): void;
} {
  const ws = new WebSocket(url);
  const messages: WsMessage[] = [];
  let code: number | null = null;
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as WsMessage));
  ws.on('close', (c) => {
    code = c;
  });
  ws.on('error', () => {});
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!ok()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${messages.map((m) => m.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    messages,
    closed: () => code,
    waitFor: (what, ok) => until(what, () => ok(messages)),
    waitClosed: async () => {
      await until('close', () => code !== null);
      return code!;
    },
    close: () => ws.close(),
  };
}

describe('WebSocket /ws', () => {
  let w: World;
  let base: string;
  beforeAll(async () => {
    w = await openWorld(hourly(FLAT, ['100', '111', '99', '110']));
    await advance(w);
    await w.app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await w.close();
  });

  async function apiToken(u: Client): Promise<string> {
    const r = await u.call<{ token: string }>('POST', '/auth/tokens', { name: 'ws' });
    return r.body.token;
  }

  it('streams decision, order and position on submission, then fill and trade-closed as bars fill the bracket', async () => {
    const u = await signUp(w, 'streamer');
    const token = await apiToken(u);
    const bystander = await signUp(w, 'bystander');
    const s = connect(`ws://${base}/ws?token=${token}`);
    const other = connect(`ws://${base}/ws?token=${await apiToken(bystander)}`);
    try {
      await s.waitFor('hello', (ms) => ms.some((m) => m.type === 'hello'));
      await other.waitFor('hello', (ms) => ms.some((m) => m.type === 'hello'));
      expect(s.messages[0]!.data).toMatchObject({ user: { id: u.id }, breaker: 'closed' });

      const res = await fetch(`http://${base}/api/v1/trades`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(LONG_100),
      });
      expect(res.status).toBe(201);
      const { trade } = (await res.json()) as SubmitJson;

      const has = (ms: WsMessage[], type: string, pred: (d: Record<string, unknown>) => boolean = () => true) =>
        ms.some((m) => m.type === type && pred(m.data));
      await s.waitFor('decision, orders and position', (ms) => has(ms, 'decision') && has(ms, 'position'));
      expect(s.messages.find((m) => m.type === 'decision')!.data).toMatchObject({ approved: true, tradeId: trade.id });
      expect(
        s.messages
          .filter((m) => m.type === 'order')
          .map((m) => [m.data.leg, m.data.status])
          .sort(),
      ).toEqual([
        ['entry', 'filled'],
        ['stop', 'open'],
        ['target', 'open'],
      ]);
      expect(s.messages.find((m) => m.type === 'position')!.data).toMatchObject({ id: trade.id, status: 'open' });
      // the market entry's own fill is streamed on submission
      expect(s.messages.filter((m) => m.type === 'fill').map((m) => m.data)).toEqual([
        expect.objectContaining({ tradeId: trade.id, price: '100', liquidity: 'taker' }),
      ]);

      await advance(w); // high 111 reaches the take-profit at 110
      await s.waitFor('trade-closed', (ms) => has(ms, 'trade-closed'));
      expect(s.messages.filter((m) => m.type === 'fill').map((m) => m.data)[1]).toMatchObject({
        tradeId: trade.id,
        price: '110',
        liquidity: 'maker',
      });
      expect(s.messages.find((m) => m.type === 'trade-closed')!.data).toMatchObject({
        id: trade.id,
        status: 'closed',
        exitReason: 'target',
        exitPrice: '110',
      });
      expect(has(s.messages, 'order', (d) => d.leg === 'stop' && d.status === 'cancelled')).toBe(true);

      // Events are per user: the bystander saw none of them (only the market's, sent to everyone: bars, replay state).
      expect(other.messages.map((m) => m.type).filter((t) => t !== 'candle' && t !== 'replay')).toEqual(['hello']);
      expect(other.messages.some((m) => m.type === 'candle')).toBe(true);
    } finally {
      s.close();
      other.close();
    }
  });

  it('broadcasts circuit breaker transitions', async () => {
    const u = await signUp(w);
    const s = connect(`ws://${base}/ws?token=${await apiToken(u)}`);
    try {
      await s.waitFor('hello', (ms) => ms.some((m) => m.type === 'hello'));
      for (let i = 0; i < 5; i++) w.ctx.breaker.onFailure();
      w.ctx.breaker.onSuccess();
      await s.waitFor('two breaker events', (ms) => ms.filter((m) => m.type === 'breaker').length === 2);
      expect(s.messages.filter((m) => m.type === 'breaker').map((m) => [m.data.from, m.data.to])).toEqual([
        ['closed', 'open'],
        ['open', 'closed'],
      ]);
    } finally {
      w.ctx.breaker.onSuccess();
      s.close();
    }
  });

  it('closes an unauthenticated socket with 4401 after an unauthenticated error', async () => {
    for (const url of [`ws://${base}/ws`, `ws://${base}/ws?token=tdo_not-a-token`]) {
      const s = connect(url);
      expect(await s.waitClosed()).toBe(4401);
      expect(s.messages).toEqual([{ type: 'error', data: expect.objectContaining({ code: 'unauthenticated' }) }]);
    }
  });
});
