/**
 * `sma-cross` and `crossover` at ties: strict on both bars as backtesting.py 0.6.6's `lib.crossover`
 * (`series1[-2] < series2[-2] and series1[-1] > series2[-1]`), values compared as they are (one ulp is a crossover).
 * The last test is the real-data case behind the parity script's one-time GOOG 12/26 difference: a crossover by one
 * ulp at bar 697 that backtesting.py also trades (pandas' rolling mean gives the same doubles there).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCandleFile } from '../../../feed/load.ts';
import { crossover, sma } from '../indicators.ts';
import { runBacktest } from '../run.ts';
import { barsFromCandles } from '../series.ts';
import { bars } from '../testing.ts';
import { smaCross } from './sma-cross.ts';

const DATA = new URL('../../../../../shared/data/', import.meta.url).pathname;
const haveGoog = existsSync(`${DATA}GOOG.csv`);

/** Bars whose open, high, low and close are all `c` (the strategy reads closes only). */
const flat = (closes: number[]): ReturnType<typeof bars> => bars(closes.map((c) => [c, c, c, c]));

describe('crossover', () => {
  it('is true only when a was strictly below b on the previous bar and is strictly above it now', () => {
    expect(crossover([1, 3], [2, 2], 1)).toBe(true);
    expect(crossover([3, 1], [2, 2], 1)).toBe(false); // crossed below
    expect(crossover([1, 1.5], [2, 2], 1)).toBe(false); // still below
  });

  it('is false when the series tie on the current bar, and false again on the next bar when they part', () => {
    const a = [1, 2, 3];
    const b = [2, 2, 2];
    expect(crossover(a, b, 1)).toBe(false); // 1 < 2, then 2 = 2: a tie is not above
    expect(crossover(a, b, 2)).toBe(false); // 2 = 2 is not below, then 3 > 2
    expect(crossover(b, a, 2)).toBe(false);
  });

  it('counts a difference of one ulp (no rounding): GOOG SMA(12) vs SMA(26) at bar 697', () => {
    const fast = [470, 472.15000000000003];
    const slow = [472, 472.15];
    expect(fast[1]! - slow[1]!).toBe(2 ** -44); // one ulp at 472
    expect(crossover(fast, slow, 1)).toBe(true);
    expect(crossover([470, 472.15], slow, 1)).toBe(false); // the same value read one bit off: a tie
  });

  it('is false with NaN on either bar and at the first index or beyond either series', () => {
    expect(crossover([NaN, 3], [2, 2], 1)).toBe(false);
    expect(crossover([1, 3], [2, NaN], 1)).toBe(false);
    expect(crossover([1, 3], [2, 2], 0)).toBe(false);
    expect(crossover([1, 3, 4], [2, 2], 2)).toBe(false);
  });
});

describe('sma-cross at ties', () => {
  // fast = SMA(1) = the close, slow = SMA(2): fast − slow = (c[i] − c[i−1]) ÷ 2, an exact tie when a close repeats.
  // The first `next` call is at bar 2 (SMA(2) has its first value at bar 1).
  const run = (closes: number[]) =>
    runBacktest(flat(closes), smaCross, { fast: 1, slow: 2 }, { finalizeTrades: true }).trades;
  const side = (size: string): number => Math.sign(Number(size));

  it('buys on a strict crossover, at the next bar open', () => {
    const trades = run([10, 9, 10, 11, 11]);
    expect(trades.map((t) => [side(t.size), t.entryBar, t.entryPrice])).toEqual([[1, 3, '11']]);
  });

  it('does not trade when fast touches slow (tie) and then rises above it, nor when it falls back to a tie', () => {
    expect(run([10, 9, 9, 10, 10, 10])).toEqual([]);
  });

  it('sells on a strict crossover below, but not after a tie', () => {
    expect(run([10, 11, 10, 9, 9]).map((t) => [side(t.size), t.entryBar, t.entryPrice])).toEqual([[-1, 3, '9']]);
    expect(run([10, 11, 11, 10, 10])).toEqual([]);
  });
});

describe.skipIf(!haveGoog)('sma-cross on GOOG, 12/26 (../shared/data)', () => {
  it('buys after the one-ulp crossover at bar 697 (2007-05-29), as backtesting.py 0.6.6 does with these SMA values', async () => {
    const { candles } = await loadCandleFile(`${DATA}GOOG.csv`);
    const data = barsFromCandles(candles);
    const fast = sma(data.close, 12);
    const slow = sma(data.close, 26);
    expect([fast[697], slow[697]]).toEqual([472.15000000000003, 472.15]);
    expect(fast[696]! < slow[696]!).toBe(true);
    const r = runBacktest(
      data,
      smaCross,
      { fast: 12, slow: 26 },
      { cash: '1000000', commission: '0.0005', finalizeTrades: true },
    );
    const k = r.trades.findIndex((t) => t.entryBar === 698);
    expect(k).toBeGreaterThan(0);
    expect(r.trades[k - 1]).toMatchObject({ exitBar: 698, exitPrice: '484.5' }); // the short from 2007-05-11
    expect(r.trades[k]).toMatchObject({ entryPrice: '484.5', exitBar: 740 });
    expect(new Date(r.trades[k]!.entryTime).toISOString()).toBe('2007-05-30T00:00:00.000Z');
    expect(r.trades).toHaveLength(74); // backtesting.py 0.6.6: 74 (parity script, exact SMA hand-over or pandas')
  });
});
