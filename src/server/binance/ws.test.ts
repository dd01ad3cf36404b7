/**
 * The Binance-compatible market streams over a real listening server and the `ws` client, on PGlite by default or
 * PostgreSQL with `TESTUDO_TEST_DB=postgres`. Markets are bounded 0..1 with tick 0.01 and lot 1 (cash only, so any
 * account can buy and sell).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../app/context.ts';
import { bucketEnd as klineEnd, bucketStart as klineStart } from './market-data.ts';
import { marketDataHub, parseStream } from './ws.ts';
import {
  cashUser,
  connectWs,
  limitOrder,
  settle,
  startGatewayWorld,
  type CashUser,
  type GatewayWorld,
  type Msg,
  type WsConn,
} from './test-world.ts';

type User = CashUser;

let w: GatewayWorld;
let ctx: AppContext;
let base: string;
let admin: User;
let alice: User;
let bob: User;
let seq = 0;

const user = (email: string, isAdmin = false, cash = '1000'): Promise<User> => cashUser(ctx, email, isAdmin, cash);

/** A new bounded market; returns its id and lower-case gateway symbol. */
async function market(o: Record<string, unknown> = {}): Promise<{ id: number; sym: string }> {
  const v = await ctx.exchange.createMarket(admin.id, {
    name: `bws${++seq}`,
    kind: 'bounded',
    tickSize: '0.01',
    lotSize: '1',
    maxPrice: '1',
    ...o,
  });
  const symbol = typeof v.symbol === 'string' ? v.symbol : `BWS${seq}`;
  await marketDataHub(ctx).whenReady();
  return { id: v.id as number, sym: symbol.toLowerCase() };
}

const order = (who: User, marketId: number, side: 'buy' | 'sell', price: string, size = '1'): Promise<Msg> =>
  limitOrder(ctx, who, marketId, side, price, size);

const connect = (path: string): Promise<WsConn> => connectWs(base, path);

beforeAll(async () => {
  w = await startGatewayWorld();
  ({ ctx } = w);
  base = w.host;
  admin = await user('admin@bws.test', true, '0');
  alice = await user('alice@bws.test');
  bob = await user('bob@bws.test');
});

afterAll(async () => {
  await w?.close();
});

describe('stream names and kline intervals', () => {
  it('parses the stream names Binance documents and refuses others', () => {
    expect(parseStream('tudousd@trade')).toEqual({ kind: 'trade', symbol: 'tudousd' });
    expect(parseStream('tudousd@depth')).toEqual({ kind: 'depth', symbol: 'tudousd', ms: 1000 });
    expect(parseStream('tudousd@depth@100ms')).toEqual({ kind: 'depth', symbol: 'tudousd', ms: 100 });
    expect(parseStream('tudousd@depth20@100ms')).toEqual({ kind: 'partial', symbol: 'tudousd', levels: 20, ms: 100 });
    expect(parseStream('tudousd@kline_1M')).toEqual({ kind: 'kline', symbol: 'tudousd', interval: '1M' });
    for (const bad of ['TUDOUSD@trade', 'tudousd@depth7', 'tudousd@kline_7m', 'x@trade', 'tudousd@ticker_1h', '0'])
      expect(parseStream(bad)).toBeNull();
  });

  it('aligns klines on UTC: minutes, Monday weeks and calendar months', () => {
    const t = Date.UTC(2026, 1, 18, 13, 47, 12, 345); // Wednesday 18 Feb 2026
    expect(klineStart('1m', t)).toBe(Date.UTC(2026, 1, 18, 13, 47));
    expect(klineEnd('1m', klineStart('1m', t))).toBe(Date.UTC(2026, 1, 18, 13, 48) - 1);
    expect(klineStart('4h', t)).toBe(Date.UTC(2026, 1, 18, 12));
    expect(klineStart('1w', t)).toBe(Date.UTC(2026, 1, 16));
    expect(klineStart('1M', t)).toBe(Date.UTC(2026, 1, 1));
    expect(klineEnd('1M', Date.UTC(2026, 1, 1))).toBe(Date.UTC(2026, 2, 1) - 1);
  });
});

describe('control messages', () => {
  it('subscribes, lists, unsubscribes and sets the combined property as Binance answers them', async () => {
    const { sym } = await market();
    const s = await connect('/binance/ws');
    try {
      s.send({ method: 'SUBSCRIBE', params: [`${sym}@trade`, `${sym}@depth@100ms`], id: 1 });
      expect(await s.waitFor('subscribe', (m) => m.id === 1)).toEqual({ result: null, id: 1 });
      s.send({ method: 'LIST_SUBSCRIPTIONS', id: 'list2' });
      expect(await s.waitFor('list', (m) => m.id === 'list2')).toEqual({
        result: [`${sym}@trade`, `${sym}@depth@100ms`],
        id: 'list2',
      });
      s.send({ method: 'UNSUBSCRIBE', params: [`${sym}@trade`], id: 3 });
      expect(await s.waitFor('unsubscribe', (m) => m.id === 3)).toEqual({ result: null, id: 3 });
      s.send({ method: 'LIST_SUBSCRIPTIONS', id: 4 });
      expect((await s.waitFor('list', (m) => m.id === 4)).result).toEqual([`${sym}@depth@100ms`]);
      s.send({ method: 'GET_PROPERTY', params: ['combined'], id: 5 });
      expect(await s.waitFor('get', (m) => m.id === 5)).toEqual({ result: false, id: 5 });
      s.send({ method: 'SET_PROPERTY', params: ['combined', true], id: 6 });
      expect(await s.waitFor('set', (m) => m.id === 6)).toEqual({ result: null, id: 6 });
      s.send({ method: 'GET_PROPERTY', params: ['combined'], id: 7 });
      expect(await s.waitFor('get', (m) => m.id === 7)).toEqual({ result: true, id: 7 });
    } finally {
      s.close();
    }
  });

  it("answers bad messages with Binance's error codes and keeps the socket open", async () => {
    const s = await connect('/binance/ws/0');
    try {
      s.raw('{nope');
      expect(await s.waitFor('invalid JSON', (m) => m.error?.code === 3)).toMatchObject({ id: null });
      s.send({ params: [], id: 11 });
      expect(await s.waitFor('no method', (m) => m.id === 11)).toEqual({
        error: { code: 2, msg: 'Invalid request: missing field `method`' },
        id: 11,
      });
      s.send({ method: 'SUBSCRIBEE', params: ['x@trade'], id: 12 });
      expect((await s.waitFor('unknown method', (m) => m.id === 12)).error.msg).toMatch(
        /^Invalid request: unknown variant "SUBSCRIBEE", expected one of `SUBSCRIBE`/,
      );
      s.send({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: { x: 1 } });
      expect(await s.waitFor('bad id', (m) => m.error?.msg?.includes('request ID'))).toEqual({
        error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' },
        id: null,
      });
      s.send({ method: 'SUBSCRIBE', params: ['BTCUSDT@trade'], id: 13 });
      expect(await s.waitFor('invalid stream', (m) => m.id === 13)).toEqual({
        error: { code: 2, msg: 'Invalid request: invalid stream' },
        id: 13,
      });
      s.send({ method: 'SUBSCRIBE', params: 'tudousd@trade', id: 14 });
      expect((await s.waitFor('params not a list', (m) => m.id === 14)).error.code).toBe(2);
      s.send({ method: 'SET_PROPERTY', params: ['colour', true], id: 15 });
      expect(await s.waitFor('unknown property', (m) => m.id === 15)).toEqual({
        error: { code: 0, msg: 'Unknown property' },
        id: 15,
      });
      s.send({ method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 16 });
      expect(await s.waitFor('not boolean', (m) => m.id === 16)).toEqual({
        error: { code: 1, msg: 'Invalid value type: expected Boolean' },
        id: 16,
      });
      s.send({ method: 'LIST_SUBSCRIPTIONS', id: 17 });
      expect(await s.waitFor('still open', (m) => m.id === 17)).toEqual({ result: [], id: 17 });
      expect(s.closed()).toBeNull();
    } finally {
      s.close();
    }
  });

  it('closes a socket that floods control messages', async () => {
    const s = await connect('/binance/ws');
    for (let i = 0; i < 40; i++) s.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    await settle(200);
    expect(s.closed()).toBe(1008);
  });

  it('refuses a combined connection naming an invalid stream', async () => {
    const s = await connect('/binance/stream?streams=abc@trade/NOPE');
    await s.waitFor('error', (m) => m.error?.code === 2);
    await settle(100);
    expect(s.closed()).toBe(1008);
  });
});

describe('market data', () => {
  it('streams trades raw on /ws/<stream> and wrapped on /stream?streams=', async () => {
    const { id, sym } = await market();
    const raw = await connect(`/binance/ws/${sym}@trade`);
    const combined = await connect(`/binance/stream?streams=${sym}@trade/${sym}@aggTrade`);
    try {
      await settle(50);
      await order(alice, id, 'sell', '0.40', '3');
      await order(bob, id, 'buy', '0.45', '2');
      const t = await raw.waitFor('trade', (m) => m.e === 'trade');
      expect(t).toMatchObject({ e: 'trade', s: sym.toUpperCase(), p: '0.4', q: '2', m: false, M: true });
      expect(t.E).toEqual(expect.any(Number));
      expect(t.T).toEqual(expect.any(Number));
      expect(t.t).toEqual(expect.any(Number));
      const w = await combined.waitFor('wrapped trade', (m) => m.stream === `${sym}@trade`);
      expect(w.data).toMatchObject({ e: 'trade', s: sym.toUpperCase(), p: '0.4', q: '2' });
      const a = await combined.waitFor('aggTrade', (m) => m.stream === `${sym}@aggTrade`);
      expect(a.data).toMatchObject({ e: 'aggTrade', p: '0.4', q: '2', m: false });
      expect(a.data.f).toBe(a.data.a);
    } finally {
      raw.close();
      combined.close();
    }
  });

  it('keeps a local book in sync from diff events and the REST snapshot, as Binance describes', async () => {
    const { id, sym } = await market();
    await order(alice, id, 'buy', '0.30', '5');
    await order(bob, id, 'sell', '0.70', '4');
    const s = await connect(`/binance/ws/${sym}@depth@100ms`);
    const slow = await connect(`/binance/ws/${sym}@depth`);
    try {
      await settle(150);
      // 1. buffer events; 2. take the snapshot; 3. apply the events after it
      const snap = (await marketDataHub(ctx).depthSnapshot(id, 1000))!;
      const book = { bids: new Map(snap.bids), asks: new Map(snap.asks) };
      let last = snap.lastUpdateId;
      const prices = ['0.31', '0.32', '0.33', '0.34', '0.35', '0.65', '0.66', '0.67', '0.68', '0.69'];
      for (let i = 0; i < 30; i++) {
        const p = prices[i % prices.length]!;
        const side = Number(p) < 0.5 ? 'buy' : 'sell';
        await order(i % 2 ? alice : bob, id, side, p, String(1 + (i % 3)));
        if (i % 7 === 3) await order(alice, id, 'sell', '0.30', '2'); // takes bids
        if (i % 5 === 0) await settle(30);
      }
      // and bursts of concurrent orders, committed in shared batches
      for (let burst = 0; burst < 5; burst++) {
        await Promise.all(
          prices.map((p, j) =>
            order(j % 2 ? alice : bob, id, Number(p) < 0.5 ? 'buy' : 'sell', p, String(1 + ((j + burst) % 2))),
          ),
        );
        await Promise.all([order(bob, id, 'buy', '0.70', '3'), order(alice, id, 'sell', '0.30', '3')]);
      }
      await settle(400);
      const events = s.messages.filter((m) => m.e === 'depthUpdate');
      expect(events.length).toBeGreaterThan(1);
      let first = true;
      for (const ev of events) {
        expect(ev.s).toBe(sym.toUpperCase());
        if (ev.u <= last) continue; // already in the snapshot
        if (first) expect(ev.U).toBeLessThanOrEqual(last + 1);
        else expect(ev.U).toBe(last + 1);
        first = false;
        for (const [side, levels] of [
          [book.bids, ev.b],
          [book.asks, ev.a],
        ] as [Map<string, string>, [string, string][]][])
          for (const [p, q] of levels) {
            if (q === '0') side.delete(p);
            else side.set(p, q);
          }
        last = ev.u;
      }
      const truth = (await ctx.exchange.market(null, id, 1000)).book as {
        bids: { price: string; size: string }[];
        asks: { price: string; size: string }[];
      };
      const sorted = (m: Map<string, string>, desc: boolean): [string, string][] =>
        [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
      expect(sorted(book.bids, true)).toEqual(truth.bids.map((l) => [l.price, l.size]));
      expect(sorted(book.asks, false)).toEqual(truth.asks.map((l) => [l.price, l.size]));
      // the 1000 ms stream covers the same ids without gaps
      await settle(1100);
      const slowEvents = slow.messages.filter((m) => m.e === 'depthUpdate');
      expect(slowEvents.length).toBeGreaterThan(0);
      for (let i = 1; i < slowEvents.length; i++) expect(slowEvents[i]!.U).toBe(slowEvents[i - 1]!.u + 1);
      const snap2 = (await marketDataHub(ctx).depthSnapshot(id, 5))!;
      expect(snap2.lastUpdateId).toBeGreaterThanOrEqual(last);
      expect(snap2.bids).toEqual(truth.bids.slice(0, 5).map((l) => [l.price, l.size]));
    } finally {
      s.close();
      slow.close();
    }
  });

  it('pushes partial books with lastUpdateId and the best bid and ask on bookTicker', async () => {
    const { id, sym } = await market();
    await order(alice, id, 'buy', '0.20', '1');
    const s = await connect(`/binance/stream?streams=${sym}@depth5@100ms/${sym}@bookTicker`);
    try {
      const first = await s.waitFor('partial', (m) => m.stream === `${sym}@depth5@100ms`);
      expect(first.data).toEqual({ lastUpdateId: expect.any(Number), bids: [['0.2', '1']], asks: [] });
      for (const p of ['0.21', '0.22', '0.23', '0.24', '0.25', '0.26']) await order(bob, id, 'buy', p, '2');
      await order(alice, id, 'sell', '0.80', '7');
      const full = await s.waitFor(
        'six bids',
        (m) => m.stream === `${sym}@depth5@100ms` && m.data.asks.length === 1 && m.data.bids[0]?.[0] === '0.26',
      );
      expect(full.data.bids).toEqual([
        ['0.26', '2'],
        ['0.25', '2'],
        ['0.24', '2'],
        ['0.23', '2'],
        ['0.22', '2'],
      ]);
      expect(full.data.asks).toEqual([['0.8', '7']]);
      expect(full.data.lastUpdateId).toBeGreaterThan(first.data.lastUpdateId);
      const t = await s.waitFor('ticker', (m) => m.stream === `${sym}@bookTicker` && m.data.a === '0.8');
      expect(t.data).toEqual({ u: expect.any(Number), s: sym.toUpperCase(), b: '0.26', B: '2', a: '0.8', A: '7' });
    } finally {
      s.close();
    }
  });

  it('builds 1 s klines from the trades, with exact volumes', async () => {
    const { id, sym } = await market();
    const s = await connect(`/binance/ws/${sym}@kline_1s`);
    try {
      await settle(50);
      await order(alice, id, 'sell', '0.41', '3');
      await order(alice, id, 'sell', '0.43', '3');
      await order(bob, id, 'buy', '0.43', '5'); // 3 @ 0.41 and 2 @ 0.43
      // pushed while open (when the second's tick comes first), then once closed
      const k = await s.waitFor('closed kline', (m) => m.e === 'kline' && m.k.n === 2 && m.k.x === true, 3000);
      expect(k.s).toBe(sym.toUpperCase());
      expect(k.k).toMatchObject({ s: sym.toUpperCase(), i: '1s', o: '0.41', h: '0.43', l: '0.41', c: '0.43' });
      expect(k.k).toMatchObject({ v: '5', q: '2.09', V: '5', Q: '2.09', f: expect.any(Number), L: expect.any(Number) });
      expect(k.k.T - k.k.t).toBe(999);
      const klines = s.messages.filter((m) => m.e === 'kline' && m.k.t === k.k.t);
      expect(klines.filter((m) => m.k.x === true)).toHaveLength(1);
      expect(klines.at(-1)).toBe(k);
    } finally {
      s.close();
    }
  });

  it('starts a 1m kline stream from the trades already made in the current minute', async () => {
    const { id, sym } = await market();
    if (Date.now() % 60_000 > 50_000) await settle(60_000 - (Date.now() % 60_000) + 50);
    await order(alice, id, 'sell', '0.52', '2');
    await order(bob, id, 'buy', '0.52', '2');
    await order(alice, id, 'sell', '0.55', '1');
    await order(bob, id, 'buy', '0.55', '1');
    const s = await connect(`/binance/ws/${sym}@kline_1m`);
    try {
      const k = await s.waitFor('kline', (m) => m.e === 'kline', 4000);
      expect(k.k).toMatchObject({
        i: '1m',
        o: '0.52',
        h: '0.55',
        l: '0.52',
        c: '0.55',
        v: '3',
        q: '1.59',
        n: 2,
        x: false,
      });
      expect(k.k.t % 60_000).toBe(0);
      expect(k.k.L - k.k.f).toBe(1);
    } finally {
      s.close();
    }
  });

  it('pushes 24 h tickers and mini tickers from the trades, once a second when changed', async () => {
    const { id, sym } = await market();
    await order(alice, id, 'sell', '0.40', '2');
    await order(bob, id, 'buy', '0.40', '2');
    await order(alice, id, 'sell', '0.50', '1');
    await order(bob, id, 'buy', '0.50', '1');
    await order(bob, id, 'buy', '0.30', '4');
    const s = await connect(`/binance/stream?streams=${sym}@ticker/${sym}@miniTicker`);
    try {
      const t = await s.waitFor('ticker', (m) => m.stream === `${sym}@ticker`, 3000);
      expect(t.data).toMatchObject({
        e: '24hrTicker',
        s: sym.toUpperCase(),
        o: '0.4',
        c: '0.5',
        h: '0.5',
        l: '0.4',
        p: '0.1',
        P: '25.00',
        v: '3',
        q: '1.3',
        Q: '1',
        b: '0.3',
        B: '4',
        a: '0',
        n: 2,
      });
      const mini = await s.waitFor('mini', (m) => m.stream === `${sym}@miniTicker`, 3000);
      expect(mini.data).toMatchObject({
        e: '24hrMiniTicker',
        s: sym.toUpperCase(),
        c: '0.5',
        o: '0.4',
        v: '3',
        q: '1.3',
      });
      await settle(1200);
      expect(s.messages.filter((m) => m.stream === `${sym}@ticker`)).toHaveLength(1);
    } finally {
      s.close();
    }
  });

  it('starts the streams of a symbol subscribed before its market existed', async () => {
    const s = await connect('/binance/stream?streams=latecomer@trade/latecomer@depth5@100ms');
    try {
      const { id, sym } = await market({ symbol: 'LATECOMER' });
      expect(sym).toBe('latecomer');
      await order(alice, id, 'sell', '0.60', '2');
      await order(bob, id, 'buy', '0.60', '1');
      expect((await s.waitFor('trade', (m) => m.stream === 'latecomer@trade')).data).toMatchObject({
        p: '0.6',
        q: '1',
      });
      const book = await s.waitFor('partial', (m) => m.stream === 'latecomer@depth5@100ms' && m.data.asks.length > 0);
      expect(book.data.asks).toEqual([['0.6', '1']]);
    } finally {
      s.close();
    }
  });

  it('never streams a restricted market, which behaves like an unknown symbol', async () => {
    const { id } = await market({ visibleTo: [alice.account] });
    const sym = ((await ctx.exchange.market(alice.id, id)).symbol as string | undefined)?.toLowerCase() ?? `bws${seq}`;
    const s = await connect('/binance/ws');
    try {
      s.send({ method: 'SUBSCRIBE', params: [`${sym}@trade`, `${sym}@depth@100ms`, `${sym}@depth5`], id: 1 });
      expect(await s.waitFor('subscribed', (m) => m.id === 1)).toEqual({ result: null, id: 1 });
      await order(alice, id, 'sell', '0.5', '1');
      await order(alice, id, 'buy', '0.5', '1');
      await settle(1200);
      expect(s.messages).toEqual([{ result: null, id: 1 }]);
      expect(await marketDataHub(ctx).depthSnapshot(id, 10)).toBeNull();
    } finally {
      s.close();
    }
  });
});
