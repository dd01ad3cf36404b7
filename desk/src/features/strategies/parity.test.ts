import { describe, expect, it } from 'vitest';
import { paritySummary } from './parity';

describe('paritySummary', () => {
  it('reads the totals and whether the run matched its backtest', () => {
    const s = paritySummary({
      equal: false,
      trades: [],
      totals: {
        backtestTrades: 3,
        liveTrades: 2,
        matched: 2,
        differing: 1,
        missed: 1,
        extra: 0,
        diffR: -1.5,
        liveR: 1,
      },
    });
    expect(s).toMatchObject({ equal: false, backtestTrades: 3, liveTrades: 2, missed: 1, diffR: -1.5, liveR: 1 });
    expect(s!.slippageR).toBe(0);
  });

  it('gives null for a body without totals', () => {
    expect(paritySummary(null)).toBeNull();
    expect(paritySummary({ error: { code: 'x' } })).toBeNull();
  });
});
