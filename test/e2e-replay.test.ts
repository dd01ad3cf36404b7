/**
 * End to end on real data: Coinbase BTC/USD hourly bars (`../shared/data/coinbase-btcusd-1h.csv`) replayed through a
 * ReplayFeed into a full context and HTTP server on a real database (PGlite, or PostgreSQL with
 * `TESTUDO_TEST_DB=postgres`). Trades are submitted over the API at chosen bars and the feed is stepped until each
 * closes.
 *
 * The expected fills, sizes, P&L and R are derived here, independently of the production code: a plain loop walks
 * the candles with the documented fill rules (market entries at the last close, limit entries when a bar trades
 * through them, stop first when a bar touches both exits, gaps fill at the open, maker fee for limit and target
 * fills, taker fee for market entries and stops) in bigint cents, lots and 10^-12 USD atoms.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../src/core/marketdata/candle.ts';
import { loadCandleFile } from '../src/feed/load.ts';
import { advance, openWorld, type World } from './replay-world.ts';
import { sessionHeaders } from '../src/server/journal-test-world.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = resolve(REPO_ROOT, '..', 'shared', 'data');
const FILE = resolve(DATA_DIR, 'coinbase-btcusd-1h.csv');
const HAVE_DATA = existsSync(FILE);
if (!HAVE_DATA) console.warn(`e2e replay skipped: ${FILE} is absent (../shared/data holds the real market data)`);

// --- independent arithmetic (BTC-USD: tick 0.01, lot 0.00001, maker 0.1 %, taker 0.2 %) -------------------------

/** Atoms (10^-12 USD) in one cent × one lot of 0.00001 BTC. */
const ATOMS_PER_CENT_LOT = 100_000n;
const MAKER = 1n; // per mille
const TAKER = 2n;
const START_BALANCE = 10_000n * 10n ** 12n;
const HOUR = 3_600_000;

/** Decimal price text → cents, rounding half away from zero beyond two decimals. */
function toCents(price: string): bigint {
  const [int = '0', frac = ''] = price.split('.');
  const head = BigInt(int + frac.slice(0, 2).padEnd(2, '0'));
  return frac.length > 2 && Number(frac[2]) >= 5 ? head + 1n : head;
}
function text(v: bigint, dp: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const unit = 10n ** BigInt(dp);
  const frac = (a % unit).toString().padStart(dp, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / unit}${frac ? `.${frac}` : ''}`;
}
const money = (atoms: bigint): string => text(atoms, 12);
const price = (cents: bigint): string => text(cents, 2);
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
const abs = (a: bigint): bigint => (a < 0n ? -a : a);
const fee = (cents: bigint, lots: bigint, perMille: bigint): bigint =>
  ceilDiv(cents * lots * ATOMS_PER_CENT_LOT * perMille, 1000n);

/** Percent-risk size: 1 % of equity over the loss per lot at the stop (fees included), capped by 1× and the balance. */
function sizeLots(equity: bigint, entry: bigint, stop: bigint, entryFee: bigint): bigint {
  const budget = equity / 100n;
  const lossPerLot =
    abs(entry - stop) * ATOMS_PER_CENT_LOT + ceilDiv((entry * entryFee + stop * TAKER) * ATOMS_PER_CENT_LOT, 1000n);
  const notionalPerLot = entry * ATOMS_PER_CENT_LOT;
  const caps = [budget / lossPerLot, equity / notionalPerLot, (equity * 1000n) / (notionalPerLot * (1000n + entryFee))];
  return caps.reduce((m, x) => (x < m ? x : m));
}

// --- the fill rules, walked by hand ------------------------------------------------------------------------------

interface Bar {
  time: number;
  open: bigint;
  high: bigint;
  low: bigint;
}
interface Leg {
  idx: number;
  price: bigint;
  perMille: bigint;
}
interface Walked {
  entry: Leg;
  exit: Leg & { reason: 'stop' | 'target' };
}

/**
 * Walks the bars from `from` until the bracket closes. A market entry is already filled at `entry`; a limit entry
 * fills when a bar trades at or through it, at the limit or at the open when the bar opened through it (maker). On a
 * bar where a limit entry filled mid-bar only the stop is checked. Then, per bar: an open through the stop fills the
 * stop at the open, an open through the target fills the target at the open; otherwise a stop touch fills at the stop
 * (taker), and wins when the target is touched in the same bar; a target touch fills at the target (maker).
 */
function walk(
  bars: readonly Bar[],
  o: { side: 'buy' | 'sell'; market: boolean; entry: bigint; stop: bigint; target: bigint; from: number },
): Walked | null {
  const long = o.side === 'buy';
  let entry: Leg | null = o.market ? { idx: o.from - 1, price: o.entry, perMille: TAKER } : null;
  const exit = (idx: number, p: bigint, reason: 'stop' | 'target'): Walked => ({
    entry: entry!,
    exit: { idx, price: p, perMille: reason === 'stop' ? TAKER : MAKER, reason },
  });
  for (let i = o.from; i < bars.length; i++) {
    const b = bars[i]!;
    if (entry === null) {
      if (long ? b.low > o.entry : b.high < o.entry) continue;
      const gapped = long ? b.open <= o.entry : b.open >= o.entry;
      entry = { idx: i, price: gapped ? b.open : o.entry, perMille: MAKER };
      if (!gapped) {
        if (long ? b.low <= o.stop : b.high >= o.stop) return exit(i, o.stop, 'stop');
        continue;
      }
    }
    if (long ? b.open <= o.stop : b.open >= o.stop) return exit(i, b.open, 'stop');
    if (long ? b.open >= o.target : b.open <= o.target) return exit(i, b.open, 'target');
    if (long ? b.low <= o.stop : b.high >= o.stop) return exit(i, o.stop, 'stop');
    if (long ? b.high >= o.target : b.low <= o.target) return exit(i, o.target, 'target');
  }
  return null;
}

// --- the plan ----------------------------------------------------------------------------------------------------

interface Plan {
  name: string;
  atBar: number;
  side: 'buy' | 'sell';
  market: boolean;
  /** Limit offset from the last close, per mille (limit entries only; towards a better price). */
  limitPerMille?: bigint;
  /** Stop distance from the entry, per mille; the target is twice as far on the other side. */
  stopPerMille: bigint;
  /** A fill rule the chosen bar is known to exercise in this data (checked on the walk). */
  exercises?: 'entry-gap' | 'stop-gap' | 'both-touched';
}

// Bars chosen in the data: 2001 opens 0.8 % above the previous close, 3209 opens 2.2 % below it, and bar 12030's
// range covers both a 0.5 % stop and a 1 % target around the previous close.
const PLANS: Plan[] = [
  { name: 'market-long', atBar: 500, side: 'buy', market: true, stopPerMille: 20n },
  {
    name: 'gapped-limit-short',
    atBar: 2001,
    side: 'sell',
    market: false,
    limitPerMille: 5n,
    stopPerMille: 20n,
    exercises: 'entry-gap',
  },
  { name: 'market-short', atBar: 3000, side: 'sell', market: true, stopPerMille: 20n },
  { name: 'gapped-stop-long', atBar: 3209, side: 'buy', market: true, stopPerMille: 5n, exercises: 'stop-gap' },
  { name: 'limit-long', atBar: 6000, side: 'buy', market: false, limitPerMille: 5n, stopPerMille: 20n },
  { name: 'limit-short', atBar: 9000, side: 'sell', market: false, limitPerMille: 5n, stopPerMille: 20n },
  { name: 'both-touched-long', atBar: 12030, side: 'buy', market: true, stopPerMille: 5n, exercises: 'both-touched' },
  { name: 'tight-short', atBar: 15000, side: 'sell', market: true, stopPerMille: 5n },
];

interface TradeJson {
  id: number;
  status: string;
  side: string;
  qty: string;
  entryPrice: string;
  stopLoss: string;
  takeProfit: string;
  setup: string | null;
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
  fills: { price: string; fee: string; liquidity: string }[];
}
interface StatsJson {
  trades: number;
  wins: number;
  losses: number;
  winRate: number;
  totalR: number;
  expectancyR: number;
  netPnl: string;
}

describe.skipIf(!HAVE_DATA)(
  'end to end: replaying coinbase-btcusd-1h.csv (skipped when ../shared/data is absent)',
  () => {
    let candles: Candle[];
    let bars: Bar[];
    let w: World;
    let session: Record<string, string>;
    const results: {
      plan: Plan;
      trade: TradeJson;
      walked: Walked;
      net: bigint;
      r: number;
      stop: bigint;
      target: bigint;
    }[] = [];

    const api = async <T>(
      method: 'GET' | 'POST',
      path: string,
      payload?: object,
    ): Promise<{ status: number; body: T }> => {
      const r = await w.app.inject({
        method,
        url: `/api/v1${path}`,
        headers: session,
        ...(payload === undefined ? {} : { payload }),
      });
      return { status: r.statusCode, body: r.json() as T };
    };
    const step = (n: number): Promise<void> => advance(w, n);

    beforeAll(async () => {
      ({ candles } = await loadCandleFile(FILE));
      expect(candles.length).toBe(20_111);
      bars = candles.map((c) => ({ time: c.time, open: toCents(c.open), high: toCents(c.high), low: toCents(c.low) }));
      w = await openWorld(candles);
      const { app, feed, ctx } = w;
      const creds = { email: 'replay@example.com', password: 'replay password' };
      expect((await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: creds })).statusCode).toBe(201);
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: creds });
      session = sessionHeaders(login.headers); // the session's cookies and its CSRF token

      let equity = START_BALANCE;
      for (const plan of PLANS) {
        expect(feed.state().index).toBeLessThanOrEqual(plan.atBar);
        await step(plan.atBar - feed.state().index);
        const last = toCents(candles[plan.atBar - 1]!.close);
        expect(feed.lastPrice('BTC-USD')).toBe(candles[plan.atBar - 1]!.close);

        const dir = plan.side === 'buy' ? 1n : -1n;
        const entry = plan.market ? last : last - (dir * last * plan.limitPerMille!) / 1000n;
        const d = (entry * plan.stopPerMille) / 1000n;
        const stop = entry - dir * d;
        const target = entry + dir * 2n * d;
        const walked = walk(bars, { side: plan.side, market: plan.market, entry, stop, target, from: plan.atBar });
        expect(walked, `${plan.name} closes within the data`).not.toBeNull();

        const submitted = await api<{ trade: TradeJson }>('POST', '/trades', {
          symbol: 'BTC-USD',
          side: plan.side,
          ...(plan.market ? {} : { entryPrice: price(entry) }),
          stopLoss: price(stop),
          takeProfit: price(target),
          setup: plan.name,
        });
        expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
        const lots = sizeLots(equity, entry, stop, plan.market ? TAKER : MAKER);
        expect(submitted.body.trade.qty).toBe(text(lots, 5));

        // Step one bar at a time until the service has no active bracket left.
        while (ctx.trading.activeCount() > 0) await step(1);
        const closedAt = feed.state().index - 1;
        expect(closedAt, `${plan.name} closes on the bar the walk predicts`).toBe(walked!.exit.idx);

        const trade = (await api<TradeJson>('GET', `/trades/${submitted.body.trade.id}`)).body;
        const entryFee = fee(walked!.entry.price, lots, walked!.entry.perMille);
        const exitFee = fee(walked!.exit.price, lots, walked!.exit.perMille);
        const gross = dir * (walked!.exit.price - walked!.entry.price) * lots * ATOMS_PER_CENT_LOT;
        const net = gross - entryFee - exitFee;
        const initialRisk =
          abs(walked!.entry.price - stop) * lots * ATOMS_PER_CENT_LOT + entryFee + fee(stop, lots, TAKER);
        const r = Number((net * 100_000_000n) / initialRisk) / 1e8;
        expect(trade, plan.name).toMatchObject({
          status: 'closed',
          exitReason: walked!.exit.reason,
          entryFillPrice: price(walked!.entry.price),
          exitPrice: price(walked!.exit.price),
          entryFee: money(entryFee),
          exitFee: money(exitFee),
          grossPnl: money(gross),
          fees: money(entryFee + exitFee),
          netPnl: money(net),
          initialRisk: money(initialRisk),
          rMultiple: r,
          openedAt: new Date(
            plan.market ? candles[plan.atBar - 1]!.time + HOUR : candles[walked!.entry.idx]!.time,
          ).toISOString(),
          closedAt: new Date(candles[walked!.exit.idx]!.time).toISOString(),
        });
        expect(trade.fills.map((f) => [f.price, f.fee])).toEqual([
          [price(walked!.entry.price), money(entryFee)],
          [price(walked!.exit.price), money(exitFee)],
        ]);
        results.push({ plan, trade, walked: walked!, net, r, stop, target });
        equity += net;
      }
    });

    afterAll(async () => {
      await w?.close();
    });

    it('closes every planned trade where the hand-walked fill rules say, with exact P&L and R', () => {
      expect(results.map((x) => x.plan.name)).toEqual(PLANS.map((p) => p.name));
      // The plan exercises both exits, and a stop-out costs exactly 1 R unless the bar gapped through the stop.
      const reasons = new Set(results.map((x) => x.trade.exitReason));
      expect(reasons).toEqual(new Set(['stop', 'target']));
      for (const x of results) {
        if (x.trade.exitReason === 'stop' && x.walked.exit.price === x.stop) expect(x.r, x.plan.name).toBe(-1);
        if (x.trade.exitReason === 'target') expect(x.r, x.plan.name).toBeGreaterThan(1.5);
      }
    });

    it('exercises the gap and same-bar rules on the bars chosen for them', () => {
      const by = (name: string) => results.find((x) => x.plan.name === name)!;

      const entryGap = by('gapped-limit-short');
      const limit = toCents(entryGap.trade.entryPrice);
      expect(entryGap.walked.entry.price).toBe(bars[entryGap.walked.entry.idx]!.open);
      expect(entryGap.walked.entry.price).toBeGreaterThan(limit); // a short filled above its limit: better than asked
      expect(entryGap.trade.fills[0]).toMatchObject({ price: price(entryGap.walked.entry.price), liquidity: 'maker' });

      const stopGap = by('gapped-stop-long');
      expect(stopGap.trade.exitReason).toBe('stop');
      expect(stopGap.walked.exit.price).toBe(bars[stopGap.walked.exit.idx]!.open);
      expect(stopGap.walked.exit.price).toBeLessThan(stopGap.stop);
      expect(stopGap.r).toBeLessThan(-1);

      const both = by('both-touched-long');
      const bar = bars[both.walked.exit.idx]!;
      expect(bar.low).toBeLessThanOrEqual(both.stop);
      expect(bar.high).toBeGreaterThanOrEqual(both.target);
      expect(both.trade.exitReason).toBe('stop');
      expect(both.r).toBe(-1);
    });

    it('keeps the account balance equal to the start plus the sum of the net P&L', async () => {
      const sum = results.reduce((s, x) => s + x.net, 0n);
      const me = await api<{ account: { balance: string; openPositions: number; openRisk: string } }>(
        'GET',
        '/auth/me',
      );
      expect(me.body.account).toMatchObject({ balance: money(START_BALANCE + sum), openPositions: 0, openRisk: '0' });
      const eq = await api<{ curve: { equity: string }[] }>('GET', '/equity');
      expect(eq.body.curve.at(-1)!.equity).toBe(money(START_BALANCE + sum));
    });

    it('reports journal statistics whose total R is the sum of the trades’ R', async () => {
      const s = (await api<StatsJson>('GET', '/journal/stats')).body;
      const rs = results.map((x) => x.r);
      const total = rs.reduce((a, b) => a + b, 0);
      expect(s.trades).toBe(PLANS.length);
      expect(s.wins).toBe(results.filter((x) => x.net > 0n).length);
      expect(s.losses).toBe(results.filter((x) => x.net < 0n).length);
      expect(s.winRate).toBeCloseTo(s.wins / PLANS.length, 12);
      expect(s.totalR).toBeCloseTo(total, 9);
      expect(s.expectancyR).toBeCloseTo(total / PLANS.length, 9);
      expect(s.netPnl).toBe(money(results.reduce((a, x) => a + x.net, 0n)));
      for (const x of results) {
        const one = (await api<StatsJson>('GET', `/journal/stats?setup=${x.plan.name}`)).body;
        expect(one.trades).toBe(1);
        expect(one.totalR).toBe(x.r);
      }
    });
  },
);
