/** The pure parts of live MAE/MFE: the bar length for a trade's span, and the extremes of its life. */
import { describe, expect, it } from 'vitest';
import { excursionTimeframe, extremes } from './excursion.ts';

const MIN = 60_000;
const bar = (time: number, high: string, low: string) => ({ time, open: low, high, low, close: high, volume: '1' });

describe('live excursion', () => {
  it('picks the shortest bar length that covers the trade in fewer than 1,000 bars', () => {
    expect(excursionTimeframe(10 * MIN)).toBe('1m');
    expect(excursionTimeframe(997 * MIN)).toBe('1m');
    expect(excursionTimeframe(998 * MIN)).toBe('5m');
    expect(excursionTimeframe(3 * 24 * 60 * MIN)).toBe('5m');
    expect(excursionTimeframe(4 * 24 * 60 * MIN)).toBe('15m');
    expect(excursionTimeframe(400 * 24 * 60 * MIN)).toBe('1d');
  });

  it('takes the highs and lows of the bars overlapping the trade and the fill prices, and nothing else', () => {
    const bars = [bar(0, '200', '1'), bar(MIN, '105', '99'), bar(2 * MIN, '103', '97.5'), bar(3 * MIN, '300', '2')];
    // trade from 1m30s to 2m10s: bars 1 and 2 overlap it; bar 0 ended before, bar 3 starts after
    const r = extremes(bars, MIN, 1.5 * MIN, 2 * MIN + 10_000, ['100', '98']);
    expect(r?.high.toString()).toBe('105');
    expect(r?.low.toString()).toBe('97.5');
    // the fills' prices count even without bars; nothing at all is null
    expect(extremes([], MIN, 0, MIN, ['101', '99'])?.low.toString()).toBe('99');
    expect(extremes([], MIN, 0, MIN, [])).toBeNull();
  });
});
