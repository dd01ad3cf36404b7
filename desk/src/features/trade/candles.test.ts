import { describe, expect, it } from 'vitest';
import { bucketStart, foldCandle, replayAfterBar, toChart, type Bar, type CandleEvent } from './candles';

const H = 3600;
const t0 = Date.UTC(2017, 6, 3, 0) / 1000; // a Monday 00:00 UTC
const ev = (time: number, o: Partial<CandleEvent> = {}): CandleEvent => ({
  symbol: 'BTC-USD',
  timeframe: '1h',
  time,
  open: '100',
  high: '110',
  low: '95',
  close: '105',
  volume: '1.5',
  ...o,
});

describe('chart bars from candle events', () => {
  it('buckets times in UTC, weeks from Monday', () => {
    expect(bucketStart(t0 + 5 * H + 12, '4h')).toBe(t0 + 4 * H);
    expect(bucketStart(t0 + 3 * 86_400 + 7, '1w')).toBe(t0);
    expect(bucketStart(t0 + 23 * H, '1d')).toBe(t0);
    expect(() => bucketStart(0, '2h')).toThrow(RangeError);
  });

  it('appends a new bar and replaces a bar of the same time at the feed timeframe', () => {
    const last: Bar = { time: t0, open: '1', high: '2', low: '1', close: '2', volume: '3' };
    expect(foldCandle(last, ev(t0 + H), 'BTC-USD', '1h')).toEqual({
      kind: 'append',
      bar: { time: t0 + H, open: '100', high: '110', low: '95', close: '105', volume: '1.5' },
    });
    expect(foldCandle(last, ev(t0), 'BTC-USD', '1h').kind).toBe('update');
    expect(foldCandle(undefined, ev(t0), 'BTC-USD', '1h').kind).toBe('append');
  });

  it('aggregates hourly bars into a 4h bucket exactly (max high, min low, last close, summed volume)', () => {
    const last: Bar = { time: t0, open: '100', high: '110', low: '95', close: '105', volume: '0.1' };
    const a = foldCandle(last, ev(t0 + H, { high: '120.5', low: '99', close: '118', volume: '0.2' }), 'BTC-USD', '4h');
    expect(a).toEqual({
      kind: 'update',
      bar: { time: t0, open: '100', high: '120.5', low: '95', close: '118', volume: '0.3' },
    });
    const next = foldCandle(last, ev(t0 + 4 * H), 'BTC-USD', '4h');
    expect(next).toEqual({ kind: 'append', bar: expect.objectContaining({ time: t0 + 4 * H, open: '100' }) });
  });

  it('ignores other symbols and refetches after a jump back in time or on a chart finer than the feed', () => {
    const last: Bar = { time: t0 + 10 * H, open: '1', high: '1', low: '1', close: '1', volume: '1' };
    expect(foldCandle(last, ev(t0, { symbol: 'ETH-USD' }), 'BTC-USD', '1h')).toEqual({ kind: 'ignore' });
    expect(foldCandle(last, ev(t0), 'BTC-USD', '1h')).toEqual({ kind: 'refetch' });
    expect(foldCandle(last, ev(t0 + 11 * H), 'BTC-USD', '15m')).toEqual({ kind: 'refetch' });
  });

  it('turns decimal strings into numbers for drawing, volume coloured by direction', () => {
    const c = toChart({ time: 1, open: '10', high: '12', low: '9', close: '9.5', volume: '2' }, 'g', 'r');
    expect(c).toEqual({
      candle: { time: 1, open: 10, high: 12, low: 9, close: 9.5 },
      volume: { time: 1, value: 2, color: 'r' },
    });
  });
});

describe('the replay clock follows the bars', () => {
  const clock = {
    symbol: 'BTC-USD',
    index: 10,
    time: new Date((t0 + H) * 1000).toISOString(),
    lastPrice: '1',
    paused: false,
  };

  it('moves to the close of a newer bar and counts it', () => {
    expect(replayAfterBar(clock, ev(t0 + H))).toEqual({
      ...clock,
      index: 11,
      time: new Date((t0 + 2 * H) * 1000).toISOString(),
      lastPrice: '105',
    });
    expect(replayAfterBar(clock, ev(t0 + 3 * H))?.index).toBe(13);
  });

  it('leaves the state alone for a bar already counted, another symbol, or no replay', () => {
    expect(replayAfterBar(clock, ev(t0))).toBe(clock);
    expect(replayAfterBar(clock, ev(t0 + 5 * H, { symbol: 'ETH-USD' }))).toBe(clock);
    expect(replayAfterBar(null, ev(t0))).toBeNull();
  });
});
