/**
 * The breaker guard around a real CCXT venue: unreachable venues (a closed port) open the breaker after the threshold
 * and further calls are not sent; refusals of the simulated exchange's gateway never open it; a probe after the
 * open period closes it again. PGlite by default, PostgreSQL with `TESTUDO_TEST_DB=postgres`.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../core/risk/breaker.ts';
import {
  cashUser,
  restUser,
  spotMarket,
  startGatewayWorld,
  type GatewayWorld,
  type RestUser,
} from '../../server/binance/test-world.ts';
import { CcxtVenue } from './ccxt.ts';
import { guardVenue } from './guard.ts';
import { VenueError, type VenueConfig } from './types.ts';

let w: GatewayWorld;
let alice: RestUser;
let deadPort: number;
const open: CcxtVenue[] = [];
const PAIR = 'GTUDO/USD';

/** A sim venue at `base` (the gateway by default). */
function venue(base = `http://${w.host}/binance`): CcxtVenue {
  const config: VenueConfig = {
    kind: 'sim',
    exchange: 'testudo',
    marketType: 'spot',
    sandbox: false,
    baseUrl: base,
    credentials: { apiKey: alice.apiKey, secret: alice.secret },
  };
  const v = new CcxtVenue(config);
  open.push(v);
  return v;
}

/** The VenueError `p` rejects with. */
async function venueError(p: Promise<unknown>): Promise<VenueError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VenueError);
    return e as VenueError;
  }
  throw new Error('expected a VenueError');
}

beforeAll(async () => {
  w = await startGatewayWorld();
  const admin = await cashUser(w.ctx, 'admin@guard.test', true, '0');
  const m = await spotMarket(w.ctx, admin.id, { name: 'Guard Tudo', symbol: 'GTUDOUSD', baseAsset: 'GTUDO' });
  alice = await restUser(w, admin.id, 'alice@guard.test', [m]);
  // a port nobody listens on: bound, then released
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  deadPort = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
}, 60_000);

afterAll(async () => {
  for (const v of open) await v.close();
  await w?.close();
});

describe('guardVenue', () => {
  it('opens after the threshold of unreachable calls, then refuses without sending; a later probe closes it', async () => {
    let now = 1_000_000;
    const breaker = new CircuitBreaker(() => now, { failureThreshold: 3, openMs: 10_000 });
    const inner = venue(`http://127.0.0.1:${deadPort}/binance`);
    const v = guardVenue(inner, breaker);
    for (let i = 0; i < 3; i++) expect((await venueError(v.balances())).code).toBe('unavailable');
    expect(breaker.state()).toBe('open');
    const refused = await venueError(v.balances());
    expect(refused.code).toBe('breaker-open');
    expect(refused.retryAt).toBe(1_010_000);
    expect(refused.refused).toBe(false);
    expect(refused.message).toMatch(/paused until/);
    // the venue is back (its urls now reach the gateway) and the open period is over: the probe closes the breaker
    const live = venue();
    const api = inner.client.urls.api as Record<string, unknown>;
    const liveApi = live.client.urls.api as Record<string, unknown>;
    for (const k of Object.keys(api)) api[k] = liveApi[k];
    now += 10_000;
    expect(breaker.state()).toBe('half-open');
    // the probe: CCXT loads the markets it failed to load before (a failed load is not kept)
    expect((await v.test()).balances.length).toBeGreaterThan(0);
    expect(breaker.state()).toBe('closed');
    expect((await v.markets()).map((m) => m.symbol)).toContain(PAIR);
    expect((await v.test()).balances.length).toBeGreaterThan(0);
  });

  it('refusals are answers: they never open the breaker and reset the failure count', async () => {
    const breaker = new CircuitBreaker(() => 0, { failureThreshold: 2 });
    const v = guardVenue(venue(), breaker);
    for (let i = 0; i < 4; i++) {
      const e = await venueError(
        v.placeOrder({
          clientOrderId: `tdog${i}`,
          symbol: PAIR,
          side: 'buy',
          type: 'limit',
          qty: '100000',
          price: '9',
        }),
      );
      expect(e.code).toBe('insufficient-balance');
    }
    // one outage (the same connection's breaker), then a refusal: the consecutive count starts again
    const down = guardVenue(venue(`http://127.0.0.1:${deadPort}/binance`), breaker);
    expect((await venueError(down.balances())).code).toBe('unavailable');
    expect(breaker.failureCount()).toBe(1);
    expect((await venueError(v.market('NOPE/USD'))).code).toBe('unknown-symbol');
    expect(breaker.failureCount()).toBe(1); // a cached lookup says nothing about the venue's health
    // the venue answers "unknown order": an answer
    expect(await v.cancelOrder(PAIR, '987654321')).toBeNull();
    expect(breaker.state()).toBe('closed');
    expect(breaker.failureCount()).toBe(0);
  });

  it('cached market lookups between failures do not reset the count: the breaker still opens', async () => {
    const breaker = new CircuitBreaker(() => 0, { failureThreshold: 3 });
    const inner = venue();
    const v = guardVenue(inner, breaker);
    await v.markets();
    // the venue goes away; its markets stay cached
    const api = inner.client.urls.api as Record<string, unknown>;
    for (const k of Object.keys(api)) if (typeof api[k] === 'string') api[k] = `http://127.0.0.1:${deadPort}/binance`;
    for (let i = 0; i < 3; i++) {
      expect((await v.market(PAIR)).id).toBe('GTUDOUSD');
      expect((await venueError(v.openOrders(PAIR))).code).toBe('unavailable');
    }
    expect(breaker.state()).toBe('open');
    expect((await v.market(PAIR)).id).toBe('GTUDOUSD');
    expect((await venueError(v.openOrders(PAIR))).code).toBe('breaker-open');
  });
});
