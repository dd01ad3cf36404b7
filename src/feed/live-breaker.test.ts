import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBinanceMock, type BinanceMock } from './binance-mock.ts';
import { LiveFeed } from './live.ts';
import { CircuitBreaker, type BreakerTransition } from '../core/risk/breaker.ts';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

describe('the circuit breaker around the live exchange', () => {
  let mock: BinanceMock | undefined;
  let feed: LiveFeed | undefined;
  afterEach(async () => {
    await feed?.stop();
    await mock?.close();
  });

  it('opens after repeated exchange errors, refuses calls while open, and closes when a probe succeeds', async () => {
    mock = await startBinanceMock({
      symbols: ['BTC-USDT'],
      timeframe: '1m',
      now: T0 + 2 * MIN + 1_000,
      candles: {
        'BTC-USDT': [0, 1, 2].map((i) => ({
          time: T0 + i * MIN,
          open: '100',
          high: '101',
          low: '99',
          close: `${100 + i}`,
          volume: '1',
        })),
      },
    });
    let clock = 0;
    const breaker = new CircuitBreaker(() => clock, { failureThreshold: 2, openMs: 1_000 });
    const transitions: BreakerTransition[] = [];
    breaker.onTransition((t) => transitions.push(t));
    feed = new LiveFeed({
      symbols: ['BTC-USDT'],
      timeframe: '1m',
      pollMs: 60_000, // polls are driven by pollNow() below
      apiBaseUrl: mock.url,
      wrapCall: (_op, call) => breaker.run(call),
    });
    await feed.start();
    expect(breaker.state()).toBe('closed');

    // Two failing polls (the exchange answers 500 to /time) open the breaker.
    mock.fail({ status: 500, path: '/time', times: 2 });
    await feed.pollNow();
    await feed.pollNow();
    expect(breaker.state()).toBe('open');
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['closed->open']);

    // While open, polls do not reach the exchange at all.
    const before = mock.requests.length;
    await feed.pollNow();
    expect(mock.requests.length).toBe(before);

    // After the open period the next poll is a probe; it succeeds and closes the breaker.
    clock += 1_000;
    await feed.pollNow();
    await vi.waitFor(() => expect(breaker.state()).toBe('closed'));
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });
});
