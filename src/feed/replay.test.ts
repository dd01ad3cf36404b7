import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Candle } from '../core/marketdata/candle.ts';
import { ReplayFeed, type ReplayTimers } from './replay.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2020, 0, 1);

/** `n` hourly bars starting at T0 whose close is `100 + i`. */
function bars(n: number): Candle[] {
  return Array.from({ length: n }, (_, i) => ({
    time: T0 + i * HOUR,
    open: String(100 + i),
    high: String(101 + i),
    low: String(99 + i),
    close: String(100 + i),
    volume: '1',
  }));
}

function record(feed: ReplayFeed): number[] {
  const seen: number[] = [];
  feed.onCandle((symbol, c) => {
    expect(symbol).toBe('BTC-USD');
    seen.push((c.time - T0) / HOUR);
  });
  return seen;
}

describe('ReplayFeed with vitest fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits bars in order at the chosen speed', async () => {
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(5), speed: 2 });
    const seen = record(feed);
    expect(feed.name).toBe('replay:BTC-USD');
    expect(feed.symbols()).toEqual(['BTC-USD']);
    expect(feed.now()).toBe(T0);
    expect(feed.lastPrice('BTC-USD')).toBeUndefined();
    await feed.start();
    vi.advanceTimersByTime(499);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([0]);
    expect(feed.lastPrice('BTC-USD')).toBe('100');
    expect(feed.lastPrice('ETH-USD')).toBeUndefined();
    expect(feed.now()).toBe(T0 + HOUR); // close time of bar 0
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([0, 1, 2]);
    await feed.stop();
  });

  it('emits several bars per tick at high speed, keeping the average rate', async () => {
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(1000), speed: 120 });
    const seen = record(feed);
    await feed.start();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(20); // one 20 ms tick carries 2.4 bars
    expect(seen).toHaveLength(2);
    vi.advanceTimersByTime(980);
    expect(seen).toHaveLength(120);
    expect(seen.every((v, i) => v === i)).toBe(true);
    await feed.stop();
  });

  it('pause stops emission, resume continues, setSpeed changes the rate', async () => {
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(10) });
    const seen = record(feed);
    await feed.start();
    vi.advanceTimersByTime(2000);
    expect(seen).toEqual([0, 1]);
    feed.pause();
    expect(feed.state().paused).toBe(true);
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([0, 1]);
    feed.resume();
    feed.setSpeed(10);
    vi.advanceTimersByTime(300);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(feed.state()).toEqual({
      symbol: 'BTC-USD',
      index: 5,
      total: 10,
      paused: false,
      speed: 10,
      time: T0 + 5 * HOUR,
      done: false,
    });
    await feed.stop();
    vi.advanceTimersByTime(5000);
    expect(seen).toHaveLength(5);
  });

  it('signals the end once and stops its timer', async () => {
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(3), speed: 5 });
    const seen = record(feed);
    const end = vi.fn();
    feed.onEnd(end);
    await feed.start();
    vi.advanceTimersByTime(10_000);
    expect(seen).toEqual([0, 1, 2]);
    expect(end).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(feed.state().done).toBe(true);
    expect(feed.step()).toBe(0);
    await feed.start();
    expect(end).toHaveBeenCalledTimes(1);
  });
});

describe('ReplayFeed with injected timers', () => {
  /** A manual timer: `fire()` runs every live interval callback once. */
  function manualTimers() {
    const live = new Map<number, { fn: () => void; ms: number }>();
    let next = 1;
    const timers: ReplayTimers = {
      setInterval: (fn, ms) => {
        live.set(next, { fn, ms });
        return next++;
      },
      clearInterval: (h) => {
        live.delete(h as number);
      },
    };
    return {
      timers,
      live,
      fire: () => [...live.values()].forEach((t) => t.fn()),
    };
  }

  it('uses the injected timers at 1000/speed ms per bar', async () => {
    const m = manualTimers();
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(3), speed: 4, timers: m.timers });
    const seen = record(feed);
    await feed.start();
    expect([...m.live.values()].map((t) => t.ms)).toEqual([250]);
    m.fire();
    m.fire();
    expect(seen).toEqual([0, 1]);
    await feed.stop();
    expect(m.live.size).toBe(0);
  });

  it('step emits synchronously while paused or not started', () => {
    const m = manualTimers();
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(5), timers: m.timers });
    const seen = record(feed);
    expect(feed.step()).toBe(1);
    feed.pause();
    expect(feed.step(2)).toBe(2);
    expect(seen).toEqual([0, 1, 2]);
    expect(feed.lastPrice('BTC-USD')).toBe('102');
    expect(feed.step(10)).toBe(2);
    expect(() => feed.step(-1)).toThrow(RangeError);
  });

  it('seek skips bars without emitting them', async () => {
    const m = manualTimers();
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(10), timers: m.timers });
    const seen = record(feed);
    await feed.start();
    m.fire();
    expect(feed.seek(T0 + 5.5 * HOUR)).toBe(6);
    expect(seen).toEqual([0]);
    expect(feed.lastPrice('BTC-USD')).toBe('105');
    expect(feed.now()).toBe(T0 + 6 * HOUR);
    m.fire();
    expect(seen).toEqual([0, 6]);
    feed.seek(T0 + 2 * HOUR); // backwards: next bar is 2
    feed.step();
    expect(seen).toEqual([0, 6, 2]);
    feed.seek(0);
    expect(feed.lastPrice('BTC-USD')).toBeUndefined();
    expect(feed.now()).toBe(T0);
    await feed.stop();
  });

  it('seeking past the last bar ends the replay; seeking back and finishing again signals again', () => {
    const m = manualTimers();
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(3), timers: m.timers });
    const seen = record(feed);
    const end = vi.fn();
    feed.onEnd(end);
    feed.seek(T0 + 100 * HOUR);
    expect(end).toHaveBeenCalledTimes(1);
    expect(feed.state()).toMatchObject({ index: 3, done: true, time: T0 + 3 * HOUR });
    feed.seek(T0 + 2 * HOUR);
    feed.step();
    expect(seen).toEqual([2]);
    expect(end).toHaveBeenCalledTimes(2);
  });

  it('unsubscribe stops delivery to that listener only', () => {
    const m = manualTimers();
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(4), timers: m.timers });
    const a = vi.fn();
    const b = vi.fn();
    const end = vi.fn();
    const offA = feed.onCandle(a);
    feed.onCandle(b);
    const offEnd = feed.onEnd(end);
    feed.step();
    offA();
    offA();
    offEnd();
    feed.step(3);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(4);
    expect(end).not.toHaveBeenCalled();
  });

  it('startIndex treats earlier bars as history', () => {
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(5), startIndex: 2, name: 'r' });
    const seen = record(feed);
    expect(feed.name).toBe('r');
    expect(feed.lastPrice('BTC-USD')).toBe('101');
    feed.step();
    expect(seen).toEqual([2]);
  });

  it('history holds the bars before the cursor only, in a time range, the newest `limit` of them', () => {
    const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles: bars(10), startIndex: 3 });
    const at = (cs: Candle[]): number[] => cs.map((c) => (c.time - T0) / HOUR);
    expect(at(feed.history('BTC-USD'))).toEqual([0, 1, 2]);
    feed.step(4);
    expect(at(feed.history('BTC-USD', { from: T0 + 2 * HOUR, to: T0 + 9 * HOUR }))).toEqual([2, 3, 4, 5, 6]);
    expect(at(feed.history('BTC-USD', { limit: 2 }))).toEqual([5, 6]);
    feed.seek(T0 + HOUR);
    expect(at(feed.history('BTC-USD'))).toEqual([0]);
    expect(feed.history('ETH-USD')).toEqual([]);
  });

  it('rejects empty or unsorted series and bad speeds', () => {
    const base = { symbol: 'BTC-USD', timeframe: '1h' as const };
    expect(() => new ReplayFeed({ ...base, candles: [] })).toThrow(RangeError);
    expect(() => new ReplayFeed({ ...base, candles: bars(3).reverse() })).toThrow(RangeError);
    expect(() => new ReplayFeed({ ...base, candles: bars(3), speed: 0 })).toThrow(RangeError);
    expect(() => new ReplayFeed({ ...base, candles: bars(3), startIndex: 4 })).toThrow(RangeError);
    const feed = new ReplayFeed({ ...base, candles: bars(3) });
    expect(() => feed.setSpeed(Number.NaN)).toThrow(RangeError);
  });
});
