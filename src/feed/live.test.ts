import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Candle } from '../core/marketdata/candle.ts';
import { startBinanceMock, type BinanceMock } from './binance-mock.ts';
import {
  LiveFeed,
  fetchInstruments,
  fromCcxtSymbol,
  normalizeDecimal,
  toCcxtSymbol,
  toDecimalText,
  type LiveFeedErrorContext,
} from './live.ts';

const MIN = 60_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % MIN); // a minute boundary

/** A Binance-style kline row: 8-decimal padded text, as the exchange sends it. */
function bar(i: number, close: string, volume = '1.50000000'): Candle {
  return {
    time: T0 + i * MIN,
    open: '67000.00000000',
    high: '67100.00000000',
    low: '66900.00000000',
    close,
    volume,
  };
}

let mock: BinanceMock | undefined;
let feed: LiveFeed | undefined;

afterEach(async () => {
  await feed?.stop();
  await mock?.close();
  feed = undefined;
  mock = undefined;
});

async function setup(): Promise<{
  mock: BinanceMock;
  feed: LiveFeed;
  emitted: Array<[string, Candle]>;
  errors: Array<{ error: Error; context: LiveFeedErrorContext }>;
}> {
  mock = await startBinanceMock({
    symbols: [
      'BTC-USDT',
      { base: 'ETH', quote: 'USDT', stepSize: '0.00010000', minNotional: '5.00000000', notionalFilter: 'MIN_NOTIONAL' },
    ],
    timeframe: '1m',
    // Bars 0..2 closed, bar 3 forming at T0 + 3m30s.
    now: T0 + 3 * MIN + 30_000,
    candles: {
      'BTC-USDT': [bar(0, '67010.00000000'), bar(1, '67020.00000000'), bar(2, '67030.00000000'), bar(3, '67035.5')],
      'ETH-USDT': [
        { time: T0 + 3 * MIN, open: '3500.00', high: '3501.00', low: '3499.00', close: '3500.25', volume: '2' },
      ],
    },
  });
  const emitted: Array<[string, Candle]> = [];
  const errors: Array<{ error: Error; context: LiveFeedErrorContext }> = [];
  feed = new LiveFeed({
    symbols: ['BTC-USDT', 'ETH-USDT'],
    timeframe: '1m',
    pollMs: 10,
    apiBaseUrl: mock.url,
    onError: (error, context) => errors.push({ error, context }),
  });
  feed.onCandle((symbol, candle) => emitted.push([symbol, candle]));
  return { mock, feed, emitted, errors };
}

describe('fetchInstruments', () => {
  it('maps Binance exchange filters and fees to instruments as exact decimal text', async () => {
    mock = await startBinanceMock({
      symbols: [
        'BTC-USDT',
        {
          base: 'ETH',
          quote: 'USDT',
          stepSize: '0.00010000',
          minNotional: '5.00000000',
          notionalFilter: 'MIN_NOTIONAL',
        },
      ],
    });
    const all = await fetchInstruments({ apiBaseUrl: mock.url });
    expect(all).toEqual([
      {
        symbol: 'BTC-USDT',
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.01',
        lotSize: '0.00001',
        minQty: '0.00001',
        minNotional: '5',
        makerFee: '0.001',
        takerFee: '0.001',
      },
      {
        symbol: 'ETH-USDT',
        base: 'ETH',
        quote: 'USDT',
        tickSize: '0.01',
        lotSize: '0.0001',
        minQty: '0.0001',
        minNotional: '5',
        makerFee: '0.001',
        takerFee: '0.001',
      },
    ]);
    const one = await fetchInstruments({ apiBaseUrl: mock.url }, { symbols: ['ETH-USDT'] });
    expect(one.map((i) => i.symbol)).toEqual(['ETH-USDT']);
    await expect(fetchInstruments({ apiBaseUrl: mock.url }, { symbols: ['DOGE-USDT'] })).rejects.toThrow(/DOGE-USDT/);
    // Only the spot exchangeInfo endpoint is used: no futures, margin or private (sapi) calls.
    expect(mock.requests.every((r) => r === 'GET /api/v3/exchangeInfo')).toBe(true);
  });
});

describe('LiveFeed', () => {
  it('emits no history on start but records the last price and the closed history bars', async () => {
    const { feed, emitted, mock } = await setup();
    await feed.start();
    await feed.pollNow();
    expect(emitted).toEqual([]);
    expect(feed.lastPrice('BTC-USDT')).toBe('67035.5');
    expect(feed.lastPrice('ETH-USDT')).toBe('3500.25');
    expect(feed.history('BTC-USDT').map((c) => c.close)).toEqual(['67010', '67020', '67030']);
    expect(feed.symbols()).toEqual(['BTC-USDT', 'ETH-USDT']);
    expect(feed.name).toBe('binance');
    expect(Math.abs(feed.now() - mock.now())).toBeLessThan(5_000);
    const paths = new Set(mock.requests.map((r) => r.split('?')[0]));
    expect([...paths].sort()).toEqual(['GET /api/v3/exchangeInfo', 'GET /api/v3/klines', 'GET /api/v3/time']);
  });

  it('emits each bar once, in order, only after it has closed, with exact decimal text', async () => {
    const { feed, emitted, mock } = await setup();
    await feed.start();

    // Bar 3 closes (BTC with final values that differ from what start() saw); BTC bar 4 starts forming.
    mock.pushBar('BTC-USDT', bar(3, '67040.12000000', '98765432.98765432'));
    mock.pushBar('BTC-USDT', bar(4, '67041.00000000'));
    mock.setNow(T0 + 4 * MIN + 1_000);
    await vi.waitFor(() => expect(emitted.length).toBe(2), { timeout: 10_000, interval: 10 });
    expect(emitted).toEqual([
      [
        'BTC-USDT',
        {
          time: T0 + 3 * MIN,
          open: '67000',
          high: '67100',
          low: '66900',
          close: '67040.12',
          volume: '98765432.98765432',
        },
      ],
      ['ETH-USDT', { time: T0 + 3 * MIN, open: '3500', high: '3501', low: '3499', close: '3500.25', volume: '2' }],
    ]);
    await vi.waitFor(() => expect(feed.lastPrice('BTC-USDT')).toBe('67041'), { timeout: 10_000, interval: 10 });

    // Several polls later nothing more: bar 4 is still forming and bar 3 is not repeated.
    const seen = mock.requests.length;
    await vi.waitFor(() => expect(mock.requests.length).toBeGreaterThan(seen + 6), { timeout: 10_000, interval: 10 });
    expect(emitted.length).toBe(2);

    // Two bars close at once (a slow poll): both come, oldest first.
    mock.pushBar('BTC-USDT', bar(4, '67050.00000000'));
    mock.pushBar('BTC-USDT', bar(5, '67060.00000000'));
    mock.pushBar('BTC-USDT', bar(6, '67070.00000000'));
    mock.setNow(T0 + 6 * MIN + 5_000);
    await vi.waitFor(() => expect(emitted.length).toBe(4), { timeout: 10_000, interval: 10 });
    await new Promise((r) => setTimeout(r, 100)); // a few more polls: still nothing new
    expect(emitted.map(([s, c]) => [s, c.time, c.close])).toEqual([
      ['BTC-USDT', T0 + 3 * MIN, '67040.12'],
      ['ETH-USDT', T0 + 3 * MIN, '3500.25'],
      ['BTC-USDT', T0 + 4 * MIN, '67050'],
      ['BTC-USDT', T0 + 5 * MIN, '67060'],
    ]);
    await vi.waitFor(() => expect(feed.lastPrice('BTC-USDT')).toBe('67070'), { timeout: 10_000, interval: 10 });
    expect(feed.errorCount).toBe(0);
  });

  it('reports HTTP 500 and 418 through onError without crashing, and keeps polling', async () => {
    const { feed, emitted, errors, mock } = await setup();
    await feed.start();
    mock.fail({ status: 500, path: '/klines' });
    mock.fail({ status: 418, path: '/time' });
    await vi.waitFor(() => expect(feed.errorCount).toBe(2), { timeout: 10_000, interval: 10 });
    expect(errors.map((e) => e.context)).toEqual(
      expect.arrayContaining([{ op: 'fetchOHLCV', symbol: 'BTC-USDT' }, { op: 'fetchTime' }]),
    );
    expect(errors.some((e) => e.error.name === 'DDoSProtection' && /418/.test(e.error.message))).toBe(true);
    expect(feed.lastError).toBe(errors.at(-1)?.error);

    // Polling carries on: the next closed bar still arrives.
    mock.pushBar('BTC-USDT', bar(4, '67045.00000000'));
    mock.setNow(T0 + 4 * MIN + 2_000);
    await vi.waitFor(() => expect(emitted.length).toBe(2), { timeout: 10_000, interval: 10 });
    expect(emitted.map(([s, c]) => [s, c.time, c.close])).toEqual([
      ['BTC-USDT', T0 + 3 * MIN, '67035.5'],
      ['ETH-USDT', T0 + 3 * MIN, '3500.25'],
    ]);
    expect(feed.errorCount).toBe(2);
  });

  it('stops polling on stop()', async () => {
    const { feed, mock } = await setup();
    await feed.start();
    const seen = mock.requests.length;
    await vi.waitFor(() => expect(mock.requests.length).toBeGreaterThan(seen), { timeout: 10_000, interval: 10 });
    await feed.stop();
    const after = mock.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(mock.requests.length).toBe(after);
  });

  it('fails start() for a symbol the exchange does not list, and can be started again', async () => {
    mock = await startBinanceMock({ symbols: ['BTC-USDT'] });
    feed = new LiveFeed({ symbols: ['DOGE-USDT'], timeframe: '1m', apiBaseUrl: mock.url });
    await expect(feed.start()).rejects.toThrow(/no spot market DOGE-USDT/);
    mock.fail({ status: 500 });
    await expect(feed.start()).rejects.toThrow();
    expect(feed.errorCount).toBe(1);
  });
});

describe('decimal text and symbol helpers', () => {
  it('turns exchange numbers and strings into plain decimal text without exponent', () => {
    expect(toDecimalText(1e-7)).toBe('0.0000001');
    expect(toDecimalText(0.001)).toBe('0.001');
    expect(toDecimalText(1.5e21)).toBe('1500000000000000000000');
    expect(toDecimalText('5.00000000')).toBe('5');
    expect(normalizeDecimal('00.01000000')).toBe('0.01');
    expect(normalizeDecimal('-0.000')).toBe('0');
    expect(() => toDecimalText(Number.NaN)).toThrow(RangeError);
    expect(() => normalizeDecimal('1e-7')).toThrow(RangeError);
  });

  it('maps platform symbols to CCXT spot symbols and back', () => {
    expect(toCcxtSymbol('BTC-USDT')).toBe('BTC/USDT');
    expect(fromCcxtSymbol('ETH/USDT')).toBe('ETH-USDT');
    expect(() => toCcxtSymbol('BTCUSDT')).toThrow();
    expect(() => fromCcxtSymbol('BTC/USDT:USDT')).toThrow();
  });
});
