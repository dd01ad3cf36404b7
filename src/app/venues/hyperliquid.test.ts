/**
 * The Hyperliquid venue with CCXT's real `hyperliquid` class over real HTTP against the local server answering
 * Hyperliquid's documented `/info` and `/exchange` shapes (hyperliquid-server.ts), which verifies the signature of
 * every `/exchange` request. No database.
 */
import ccxt from 'ccxt';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSpec } from '../../core/instruments/instrument.ts';
import { createVenue } from './registry.ts';
import { HyperliquidVenue, fromCloid, perpTickSize, toCloid, validPerpPrice } from './hyperliquid.ts';
import {
  addressOfKey,
  hyperliquidTestConfig,
  hyperliquidTestVenue,
  startHyperliquidServer,
  type HyperliquidServer,
  type HyperliquidTestAccount,
} from './hyperliquid-server.ts';
import { VenueError, type VenueFill, type VenueOrder } from './types.ts';

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';

let server: HyperliquidServer;
const venues: HyperliquidVenue[] = [];

function open(a: HyperliquidTestAccount): HyperliquidVenue {
  const v = hyperliquidTestVenue(server, a);
  venues.push(v);
  return v;
}

async function refusal(p: Promise<unknown>): Promise<VenueError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VenueError) return e;
    throw e;
  }
  throw new Error('expected a VenueError');
}

async function until<T>(f: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const randomKey = (): string => '0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');

beforeAll(async () => {
  server = await startHyperliquidServer();
});

afterAll(async () => {
  await Promise.all(venues.map((v) => v.close()));
  await server.close();
});

describe('Hyperliquid market rules', () => {
  it('turns swap markets into instruments: lot 10^-szDecimals, a tick valid a decade up, $10 minimum, fees', async () => {
    const v = open(server.addAccount('1000'));
    const markets = await v.markets();
    expect(markets.map((m) => m.symbol)).toEqual([BTC, ETH, 'DOGE/USDC:USDC']);
    const btc = markets[0]!;
    expect(btc).toMatchObject({ id: 'BTC', type: 'swap', active: true });
    expect(btc.instrument).toEqual({
      symbol: BTC,
      base: 'BTC',
      quote: 'USDC',
      tickSize: '1',
      lotSize: '0.00001',
      minQty: '0.00001',
      minNotional: '10',
      makerFee: '0.00015',
      takerFee: '0.00045',
    });
    expect(markets[1]!.instrument).toMatchObject({ tickSize: '1', lotSize: '0.0001' });
    expect(markets[2]!.instrument).toMatchObject({ tickSize: '0.0001', lotSize: '1' });
    for (const m of markets) expect(() => toSpec(m.instrument)).not.toThrow();
    expect((await refusal(v.market('XYZ/USDC:USDC'))).code).toBe('unknown-symbol');
  });

  it('chooses ticks whose multiples are valid Hyperliquid prices up to a decade above the next power of ten', () => {
    expect(perpTickSize('150.25', 2)).toBe('0.1');
    expect(perpTickSize('0.00123', 0)).toBe('0.000001');
    expect(perpTickSize('9.5', 1)).toBe('0.001');
    expect(perpTickSize(undefined, 3)).toBe('1');
    // every multiple of the tick is a valid price from the smallest up to 10 × the next power of ten above the mark
    for (const [mark, sz] of [
      ['150.25', 2],
      ['0.31234', 0],
      ['9.5', 1],
      ['3500.5', 4],
      ['0.00123', 0],
    ] as const) {
      const tick = new Decimal(perpTickSize(mark, sz));
      const top = new Decimal(10).pow(new Decimal(mark).e + 2);
      for (const f of ['0.013', '0.5', '1', '1.37', '7.7', '9.99']) {
        const k = new Decimal(mark)
          .times(f)
          .times(top.div(new Decimal(mark).times(10)))
          .div(tick)
          .floor();
        const px = Decimal.max(tick, tick.times(k.minus(1)));
        expect(px.lt(top)).toBe(true);
        expect(validPerpPrice(px.toFixed(), sz), `${px.toFixed()} (tick ${tick.toFixed()})`).toBe(true);
      }
    }
    expect(validPerpPrice('95000.5', 5)).toBe(false);
    expect(validPerpPrice('123456', 5)).toBe(true);
    expect(validPerpPrice('1.23456', 2)).toBe(false);
    expect(validPerpPrice('0.012345', 0)).toBe(true);
  });

  it('packs client order ids into 16-byte cloids and back', () => {
    for (const id of ['tdo42e', 'tdo123456789012345s7', 'tdo9t0', 'abc_DEF-123']) {
      const c = toCloid(id);
      expect(c).toMatch(/^0x[0-9a-f]{32}$/);
      expect(fromCloid(c)).toBe(id);
    }
    const long = 'an-external-client-order-id-of-36ch';
    expect(fromCloid(toCloid(long))).toBeNull();
    expect(fromCloid(toCloid(long), new Map([[toCloid(long), long]]))).toBe(long);
    expect(fromCloid('0x' + '00'.repeat(16))).toBeNull();
  });
});

describe('Hyperliquid credentials and signatures', () => {
  it('test() accepts the approved agent and reports the USDC balance', async () => {
    const v = open(server.addAccount('2500.5'));
    const before = server.signatures.length;
    expect(await v.test()).toEqual({ balances: [{ asset: 'USDC', free: '2500.5', used: '0', total: '2500.5' }] });
    expect(server.signatures.slice(before)).toEqual([expect.objectContaining({ action: 'cancel', ok: true })]);
  });

  it('refuses an agent key that is not approved, or approved for another account, as invalid-credentials', async () => {
    const a = server.addAccount('100');
    const strangerKey = randomKey();
    const stranger = open({ ...a, agentKey: strangerKey });
    const e = await refusal(stranger.test());
    expect(e.code).toBe('invalid-credentials');
    expect(e.message).not.toContain(a.agentKey.slice(2));

    const b = server.addAccount('100');
    const crossed = open({ ...a, agentKey: b.agentKey });
    expect((await refusal(crossed.test())).code).toBe('invalid-credentials');

    // skipping test(): Hyperliquid itself refuses the signed order of an unknown signer
    const before = server.signatures.length;
    const placed = await refusal(
      stranger.placeOrder({
        clientOrderId: 'tdo1e',
        symbol: BTC,
        side: 'buy',
        type: 'limit',
        qty: '0.001',
        price: '90000',
      }),
    );
    expect(placed.code).toBe('invalid-credentials');
    expect(placed.message).toMatch(/User or API Wallet 0x[0-9a-f]{40} does not exist/);
    expect(server.signatures.slice(before)).toEqual([
      expect.objectContaining({ action: 'order', ok: false, signer: addressOfKey(strangerKey) }),
    ]);
  });

  it('rejects a tampered action: the recovered signer is no agent', async () => {
    const a = server.addAccount('1000');
    const ex = new ccxt.hyperliquid({ walletAddress: a.walletAddress, privateKey: a.agentKey });
    const action = { type: 'cancel', cancels: [{ a: 0, o: 1 }] };
    const nonce = Date.now();
    const signature = ex.signL1Action(action, nonce) as unknown;
    const post = async (body: unknown): Promise<unknown> =>
      (
        await fetch(`${server.url}/exchange`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json();
    const before = server.signatures.length;
    const tampered = await post({ action: { ...action, cancels: [{ a: 0, o: 2 }] }, nonce, signature });
    expect(tampered).toEqual({
      status: 'err',
      response: expect.stringMatching(/^User or API Wallet 0x[0-9a-f]{40} does not exist\.$/),
    });
    const genuine = await post({ action, nonce, signature });
    expect(genuine).toEqual({
      status: 'ok',
      response: {
        type: 'cancel',
        data: { statuses: [{ error: 'Order was never placed, already canceled, or filled. asset=0' }] },
      },
    });
    const replay = await post({ action, nonce, signature });
    expect(replay).toMatchObject({ status: 'err' });
    expect(server.signatures.slice(before).map((s) => [s.ok, s.user])).toEqual([
      [false, null],
      [true, a.walletAddress],
      [true, a.walletAddress],
    ]);
  });
});

describe('Hyperliquid orders', () => {
  it('places a limit order with its client id as cloid and fetches it by client id and by id', async () => {
    const v = open(server.addAccount('10000'));
    const placed = await v.placeOrder({
      clientOrderId: 'tdo42e',
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      qty: '0.01',
      price: '90000',
    });
    expect(placed).toMatchObject({
      clientOrderId: 'tdo42e',
      status: 'open',
      filled: '0',
      price: '90000',
      type: 'limit',
    });
    const byClient = await v.fetchOrder(BTC, { clientOrderId: 'tdo42e' });
    const byId = await v.fetchOrder(BTC, { id: placed.id });
    for (const o of [byClient, byId])
      expect(o).toMatchObject({
        id: placed.id,
        clientOrderId: 'tdo42e',
        symbol: BTC,
        side: 'buy',
        type: 'limit',
        status: 'open',
        qty: '0.01',
        filled: '0',
        price: '90000',
        stopPrice: null,
        reduceOnly: false,
      });
    expect(await v.fetchOrder(BTC, { clientOrderId: 'tdo43e' })).toBeNull();
    expect((await v.openOrders(BTC)).map((o) => o.clientOrderId)).toEqual(['tdo42e']);
    expect(await v.openOrders(ETH)).toEqual([]);
    const dup = await refusal(
      v.placeOrder({ clientOrderId: 'tdo42e', symbol: BTC, side: 'buy', type: 'limit', qty: '0.01', price: '89000' }),
    );
    expect(dup.code).toBe('duplicate-order');
    expect(await v.cancelOrder(BTC, placed.id)).toMatchObject({ status: 'canceled' });
  });

  it('cancels an order; a second cancel finds it no longer open', async () => {
    const v = open(server.addAccount('10000'));
    const placed = await v.placeOrder({
      clientOrderId: 'tdo50e',
      symbol: ETH,
      side: 'sell',
      type: 'limit',
      qty: '0.5',
      price: '3900',
    });
    const cancelled = await v.cancelOrder(ETH, placed.id);
    expect(cancelled).toMatchObject({ id: placed.id, clientOrderId: 'tdo50e', status: 'canceled' });
    expect(await v.cancelOrder(ETH, placed.id)).toBeNull();
    expect(await v.openOrders()).toEqual([]);
  });

  it('refuses off-grid prices before sending, and maps the $10 minimum and margin refusals', async () => {
    const v = open(server.addAccount('500'));
    const before = server.exchangeRequests;
    const base = { symbol: BTC, side: 'buy' as const, type: 'limit' as const };
    expect((await refusal(v.placeOrder({ ...base, clientOrderId: 'p1', qty: '0.01', price: '90000.5' }))).code).toBe(
      'precision',
    );
    expect((await refusal(v.placeOrder({ ...base, clientOrderId: 'p2', qty: '0.000001', price: '90000' }))).code).toBe(
      'precision',
    );
    expect(server.exchangeRequests).toBe(before);
    const small = await refusal(v.placeOrder({ ...base, clientOrderId: 'p3', qty: '0.0001', price: '90000' }));
    expect(small.code).toBe('min-notional');
    expect(small.message).toContain('minimum value of $10');
    const big = await refusal(v.placeOrder({ ...base, clientOrderId: 'p4', qty: '1', price: '90000' }));
    expect(big.code).toBe('insufficient-balance');
    expect(big.refused).toBe(true);
    const ro = await refusal(
      v.placeOrder({ ...base, side: 'sell', clientOrderId: 'p5', qty: '0.001', price: '99000', reduceOnly: true }),
    );
    expect(ro.code).toBe('rejected');
    expect(ro.message).toContain('Reduce only order would increase position');
    expect((await refusal(v.placeOco({} as never))).code).toBe('rejected');
  });
});

describe('Hyperliquid fills, stops, positions and balances', () => {
  let trader: HyperliquidVenue;
  let maker: HyperliquidVenue;
  const t0 = Date.now() - 1000;

  beforeAll(() => {
    trader = open(server.addAccount('10000'));
    maker = open(server.addAccount('100000'));
  });

  it('matches a crossing order against a resting one: both sides get their fill at the maker price', async () => {
    const ask = await maker.placeOrder({
      clientOrderId: 'mk1',
      symbol: BTC,
      side: 'sell',
      type: 'limit',
      qty: '0.02',
      price: '95100',
    });
    expect(ask.status).toBe('open');
    const bid = await trader.placeOrder({
      clientOrderId: 'tdo7e',
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      qty: '0.02',
      price: '95200',
    });
    expect(bid).toMatchObject({ status: 'closed', filled: '0.02', average: '95100' });
    const mine = await trader.fills(BTC, t0);
    expect(mine).toEqual([
      {
        id: expect.any(String) as string,
        orderId: bid.id,
        clientOrderId: 'tdo7e',
        symbol: BTC,
        side: 'buy',
        price: '95100',
        qty: '0.02',
        fee: '0.8559',
        feeCurrency: 'USDC',
        liquidity: 'taker',
        time: expect.any(Number) as number,
      },
    ]);
    const theirs = await maker.fills(BTC, t0);
    expect(theirs).toMatchObject([
      { orderId: ask.id, clientOrderId: 'mk1', side: 'sell', fee: '0.2853', liquidity: 'maker' },
    ]);
    expect(await maker.fetchOrder(BTC, { id: ask.id })).toMatchObject({ status: 'closed', filled: '0.02' });
    expect(await trader.fills(ETH, t0)).toEqual([]);
  });

  it('reports the position and the USDC balance after the fill', async () => {
    expect(await trader.positions()).toEqual([{ symbol: BTC, side: 'long', qty: '0.02', entryPrice: '95100' }]);
    expect(await maker.positions()).toEqual([{ symbol: BTC, side: 'short', qty: '0.02', entryPrice: '95100' }]);
    // 10000 − 0.8559 fee + 0.02 × (95000 mark − 95100) = 9997.1441; margin 0.02 × 95000 / 20 = 95
    expect(await trader.balances()).toEqual([{ asset: 'USDC', total: '9997.1441', used: '95', free: '9902.1441' }]);
  });

  it('places a reduce-only stop as a trigger order that closes the position when the mark falls through it', async () => {
    const stop = await trader.placeOrder({
      clientOrderId: 'tdo7s0',
      symbol: BTC,
      side: 'sell',
      type: 'stop-market',
      qty: '0.02',
      stopPrice: '94000',
      reduceOnly: true,
    });
    expect(stop).toMatchObject({ status: 'open', type: 'stop-market', stopPrice: '94000', reduceOnly: true });
    const open = await trader.openOrders(BTC);
    expect(open).toEqual([
      expect.objectContaining({
        id: stop.id,
        clientOrderId: 'tdo7s0',
        type: 'stop-market',
        status: 'open',
        stopPrice: '94000',
        price: null,
        reduceOnly: true,
        qty: '0.02',
      }),
    ]);
    const raw = (await (
      await fetch(`${server.url}/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'frontendOpenOrders', user: trader['wallet' as never] as string }),
      })
    ).json()) as Record<string, unknown>[];
    expect(raw[0]).toMatchObject({
      isTrigger: true,
      orderType: 'Stop Market',
      triggerCondition: 'Price below 94000',
      reduceOnly: true,
      limitPx: '89300',
    });

    server.setMark('BTC', '93900');
    expect(await trader.fetchOrder(BTC, { clientOrderId: 'tdo7s0' })).toMatchObject({
      status: 'closed',
      filled: '0.02',
    });
    expect(await trader.positions()).toEqual([]);
    const fills = await trader.fills(BTC, t0);
    expect(fills.at(-1)).toMatchObject({ clientOrderId: 'tdo7s0', side: 'sell', qty: '0.02', price: '93900' });
    server.setMark('BTC', '95000');
  });

  it('streams orders and fills by polling', async () => {
    const orders: VenueOrder[] = [];
    const fills: VenueFill[] = [];
    const stop = trader.watch({ onOrder: (o) => orders.push(o), onFill: (f) => fills.push(f) }, { pollMs: 30 });
    try {
      const o = await trader.placeOrder({
        clientOrderId: 'tdo8e',
        symbol: ETH,
        side: 'buy',
        type: 'limit',
        qty: '0.1',
        price: '3400',
      });
      await until(() => orders.find((x) => x.id === o.id && x.status === 'open'));
      server.setMark('ETH', '3399');
      const f = await until(() => fills.find((x) => x.orderId === o.id));
      expect(f).toMatchObject({ clientOrderId: 'tdo8e', price: '3400', qty: '0.1', liquidity: 'maker' });
      await until(() => orders.find((x) => x.id === o.id && x.status === 'closed'));
    } finally {
      await stop();
      server.setMark('ETH', '3500.5');
    }
    expect(await trader.positions()).toEqual([{ symbol: ETH, side: 'long', qty: '0.1', entryPrice: '3400' }]);
  });

  it('places a market order as an IOC limit through the mark', async () => {
    const o = await trader.placeOrder({
      clientOrderId: 'tdo8c0',
      symbol: ETH,
      side: 'sell',
      type: 'market',
      qty: '0.1',
      reduceOnly: true,
    });
    expect(o).toMatchObject({ status: 'closed', filled: '0.1', average: '3500.5' });
    expect(await trader.positions()).toEqual([]);
  });

  it('sent every /exchange request signed, and the server verified each signature', () => {
    expect(server.signatures.length).toBe(server.exchangeRequests);
    const refused = server.signatures.filter((s) => !s.ok);
    // the unknown agent's order and the tampered cancel only
    expect(refused.map((s) => s.action)).toEqual(['order', 'cancel']);
    expect(server.signatures.filter((s) => s.ok).every((s) => s.signer !== null && s.user !== null)).toBe(true);
  });
});

describe('Hyperliquid venue config', () => {
  it('uses the config of a connection (wallet address and agent key)', async () => {
    const a = server.addAccount('42');
    const v = new HyperliquidVenue(hyperliquidTestConfig(server, a), { rateLimit: false });
    venues.push(v);
    expect(v.capabilities).toEqual({ oco: false, reduceOnly: true, stopMarket: true, watch: false, positions: true });
    expect((await v.balances())[0]!.total).toBe('42');
    const fromRegistry = createVenue(hyperliquidTestConfig(server, a));
    expect(fromRegistry).toBeInstanceOf(HyperliquidVenue);
    expect(fromRegistry).toMatchObject({ kind: 'hyperliquid', exchange: 'hyperliquid', marketType: 'swap' });
    const bad = new HyperliquidVenue({ ...hyperliquidTestConfig(server, a), credentials: { walletAddress: 'nope' } });
    expect((await refusal(bad.test())).code).toBe('invalid-credentials');
  });
});
