import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findGaps } from './gaps.ts';
import { parseCandles } from './importers.ts';

const REAL_1M = new URL('../../../../shared/data/freqtrade-unittest-btc-1m.json', import.meta.url);
const haveData = existsSync(REAL_1M);
if (!haveData) console.warn(`skipping real-data gap test: ${REAL_1M.pathname} is absent`);

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

describe('findGaps', () => {
  it('reports nothing for a contiguous series and for fewer than two bars', () => {
    expect(findGaps([T0, T0 + H, T0 + 2 * H], '1h')).toEqual([]);
    expect(findGaps([T0], '1h')).toEqual([]);
    expect(findGaps([], '1h')).toEqual([]);
  });

  it('reports each hole as the first missing bar, the next present bar and the bars missing', () => {
    expect(findGaps([T0, T0 + H, T0 + 4 * H, T0 + 6 * H], '1h')).toEqual([
      { from: T0 + 2 * H, to: T0 + 4 * H, missingBars: 2 },
      { from: T0 + 5 * H, to: T0 + 6 * H, missingBars: 1 },
    ]);
  });

  it('counts whole bars when the times are off the grid', () => {
    expect(findGaps([T0, T0 + 2.5 * H], '1h')).toEqual([{ from: T0 + H, to: T0 + 2.5 * H, missingBars: 1 }]);
    expect(findGaps([T0, T0 + 1.5 * H], '1h')).toEqual([]);
  });

  it('rejects unsorted or duplicated times naming the index', () => {
    expect(() => findGaps([T0, T0], '1h')).toThrow(/time 1/);
    expect(() => findGaps([T0, T0 + H, T0], '1h')).toThrow(/time 2/);
  });

  it.skipIf(!haveData)('finds the holes of real 1m data and they account for every missing minute', () => {
    const { candles } = parseCandles(readFileSync(REAL_1M, 'utf8'));
    const times = candles.map((c) => c.time);
    const gaps = findGaps(times, '1m');
    expect(gaps.length).toBeGreaterThan(0);
    const span = (times.at(-1)! - times[0]!) / 60_000 + 1;
    expect(gaps.reduce((n, g) => n + g.missingBars, 0)).toBe(span - times.length);
    for (const g of gaps) expect(times.includes(g.to) && !times.includes(g.from)).toBe(true);
  });
});
