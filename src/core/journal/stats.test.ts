import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MONEY_SCALE, toAtoms } from '../money/decimal.ts';
import { dailyStats, equityCurve, journalStats, utcDay, type ClosedTradeForStats } from './stats.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Whole quote units → atoms. */
const units = (n: number): bigint => BigInt(n) * MONEY_SCALE;

/**
 * Hand-computed table: risk 100 per trade, R = [2, -1, -1, 3, -1, 0.5], P&L = [200, -100, -100, 300, -100, 50].
 * - wins 3 (2, 3, 0.5), losses 3, breakeven 0, win rate 0.5; avgWinR = 5.5/3, avgLossR = -1
 * - ΣR = 2.5, expectancy = 2.5/6 = 5/12
 * - ΣR² = 16.25, Σ(R − 5/12)² = 16.25 − 6·(25/144) = 365/24, sample variance = (365/24)/5 = 73/24
 * - SQN = √6 · (5/12) ÷ √(73/24) = (5/12)·√(144/73) = 5/√73 ≈ 0.5852
 * - gross profit 550, gross loss −300, net 250, profit factor 550/300 = 11/6
 * - streaks W L L W L W: longest losing 2, longest winning 1
 * - cumulative P&L 200, 100, 0, 300, 200, 250: peak 200 → trough 0 = drawdown 200 (peak equity 1000+200 → 1/6);
 *   later 300 → 200 is only 100
 * - cumulative R 2, 1, 0, 3, 2, 2.5: max R drawdown 2
 */
const T0 = Date.UTC(2024, 0, 1, 9); // 2024-01-01T09:00Z
const TABLE: ClosedTradeForStats[] = [
  { r: 2, netPnl: units(200), closedAt: T0 },
  { r: -1, netPnl: units(-100), closedAt: T0 + 2 * HOUR },
  { r: -1, netPnl: units(-100), closedAt: T0 + DAY },
  { r: 3, netPnl: units(300), closedAt: T0 + DAY + HOUR },
  { r: -1, netPnl: units(-100), closedAt: T0 + DAY + 5 * HOUR },
  { r: 0.5, netPnl: units(50), closedAt: T0 + 3 * DAY },
];

describe('journalStats', () => {
  it('matches a hand-computed table: expectancy, sample-stdev SQN, profit factor, streaks and drawdowns', () => {
    const s = journalStats(TABLE, { startEquity: units(1000) });
    expect(s.trades).toBe(6);
    expect(s.wins).toBe(3);
    expect(s.losses).toBe(3);
    expect(s.breakeven).toBe(0);
    expect(s.winRate).toBe(0.5);
    expect(s.avgWinR).toBeCloseTo(5.5 / 3, 12);
    expect(s.avgLossR).toBe(-1);
    expect(s.totalR).toBe(2.5);
    expect(s.expectancyR).toBeCloseTo(5 / 12, 12);
    expect(s.sqn).toBeCloseTo(5 / Math.sqrt(73), 12);
    expect(s.profitFactor).toBeCloseTo(11 / 6, 12);
    expect(s.grossProfit).toBe(units(550));
    expect(s.grossLoss).toBe(units(-300));
    expect(s.netPnl).toBe(units(250));
    expect(s.maxDrawdown).toBe(units(200));
    expect(s.maxDrawdownPct).toBeCloseTo(1 / 6, 12);
    expect(s.maxDrawdownR).toBe(2);
    expect(s.longestLosingStreak).toBe(2);
    expect(s.longestWinningStreak).toBe(1);
  });

  it('returns null maxDrawdownPct without a start equity', () => {
    expect(journalStats(TABLE).maxDrawdownPct).toBeNull();
  });

  it('returns zeros and nulls for no trades', () => {
    expect(journalStats([])).toEqual({
      trades: 0,
      wins: 0,
      losses: 0,
      breakeven: 0,
      winRate: 0,
      avgWinR: 0,
      avgLossR: 0,
      expectancyR: 0,
      totalR: 0,
      sqn: null,
      profitFactor: null,
      grossProfit: 0n,
      grossLoss: 0n,
      netPnl: 0n,
      maxDrawdown: 0n,
      maxDrawdownPct: null,
      maxDrawdownR: 0,
      longestLosingStreak: 0,
      longestWinningStreak: 0,
    });
    expect(journalStats([], { startEquity: units(1) }).maxDrawdownPct).toBe(0);
  });

  it('gives a single losing trade a null SQN, a zero profit factor and a drawdown from the start equity', () => {
    const s = journalStats([{ r: -1, netPnl: units(-50), closedAt: T0 }], { startEquity: units(1000) });
    expect(s.sqn).toBeNull();
    expect(s.profitFactor).toBe(0);
    expect(s.maxDrawdown).toBe(units(50));
    expect(s.maxDrawdownPct).toBe(0.05);
    expect(s.maxDrawdownR).toBe(1);
    expect(s.longestLosingStreak).toBe(1);
    expect(s.avgWinR).toBe(0);
    expect(s.winRate).toBe(0);
  });

  it('returns a null profit factor when there is no losing trade', () => {
    const s = journalStats([
      { r: 1, netPnl: units(10), closedAt: T0 },
      { r: 2, netPnl: units(20), closedAt: T0 + 1 },
      { r: 0, netPnl: 0n, closedAt: T0 + 2 },
    ]);
    expect(s.profitFactor).toBeNull();
    expect(s.winRate).toBeCloseTo(2 / 3, 12);
    expect(s.breakeven).toBe(1);
    expect(s.avgLossR).toBe(0);
    expect(s.maxDrawdown).toBe(0n);
    expect(s.maxDrawdownR).toBe(0);
  });

  it('returns a null SQN when every R is equal (stdev 0), even for values with no exact binary form', () => {
    const trades = Array.from({ length: 7 }, (_, i) => ({ r: 0.1, netPnl: units(1), closedAt: T0 + i }));
    expect(journalStats(trades).sqn).toBeNull();
  });

  it('caps N at 100 in the SQN: 200 alternating trades of +2R and −1R give 10 × 0.5 ÷ √(450/199)', () => {
    // mean 0.5, every deviation ±1.5, Σ(R − mean)² = 200 × 2.25 = 450, sample variance 450/199.
    const trades = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0 ? { r: 2, netPnl: units(2), closedAt: T0 + i } : { r: -1, netPnl: units(-1), closedAt: T0 + i },
    );
    const s = journalStats(trades);
    expect(s.sqn).toBeCloseTo((10 * 0.5) / Math.sqrt(450 / 199), 12);
    expect(s.sqn).not.toBeCloseTo((Math.sqrt(200) * 0.5) / Math.sqrt(450 / 199), 3);
  });

  it('ends winning and losing streaks at a breakeven trade', () => {
    const pnl = [1, 1, 0, 1, -1, -1, 0, -1, 1, 1, 1];
    const s = journalStats(pnl.map((p, i) => ({ r: p, netPnl: units(p), closedAt: T0 + i })));
    expect(s.longestWinningStreak).toBe(3);
    expect(s.longestLosingStreak).toBe(2);
  });

  it('classifies by netPnl, not by R', () => {
    // A trade with positive R but a tiny negative net P&L (inconsistent input) still counts as a loss.
    const s = journalStats([{ r: 0.01, netPnl: -1n, closedAt: T0 }]);
    expect(s.losses).toBe(1);
    expect(s.avgLossR).toBe(0.01);
  });

  it('keeps money exact beyond 2^53 atoms', () => {
    const big = toAtoms('123456789.123456789123'); // ≈ 1.2e20 atoms
    const s = journalStats([
      { r: 1, netPnl: big, closedAt: T0 },
      { r: 1, netPnl: 1n, closedAt: T0 + 1 },
      { r: -1, netPnl: -big - 1n, closedAt: T0 + 2 },
    ]);
    expect(s.netPnl).toBe(0n);
    expect(s.grossProfit).toBe(big + 1n);
    expect(s.maxDrawdown).toBe(big + 1n);
    expect(s.profitFactor).toBe(1);
  });

  it('reports the fraction of the largest fall in atoms, taking the first of equal falls', () => {
    // Start 1000: +100 → 1100, then −200 → 900: a fall of 200 from peak equity 1100.
    const s = journalStats(
      [
        { r: 1, netPnl: units(100), closedAt: T0 },
        { r: -1, netPnl: units(-100), closedAt: T0 + 1 },
        { r: -1, netPnl: units(-100), closedAt: T0 + 2 },
      ],
      { startEquity: units(1000) },
    );
    expect(s.maxDrawdown).toBe(units(200));
    expect(s.maxDrawdownPct).toBeCloseTo(200 / 1100, 12);
    // Start 1000: −200 (200 of 1000 = 0.2), +400 → 1200, −200 (200 of 1200): the first fall counts.
    const tie = journalStats(
      [
        { r: -2, netPnl: units(-200), closedAt: T0 },
        { r: 4, netPnl: units(400), closedAt: T0 + 1 },
        { r: -2, netPnl: units(-200), closedAt: T0 + 2 },
      ],
      { startEquity: units(1000) },
    );
    expect(tie.maxDrawdown).toBe(units(200));
    expect(tie.maxDrawdownPct).toBe(0.2);
  });

  it('rejects non-finite R, out-of-order trades and a non-positive start equity', () => {
    expect(() => journalStats([{ r: Number.NaN, netPnl: 0n, closedAt: T0 }])).toThrow(RangeError);
    expect(() => journalStats([{ r: Infinity, netPnl: 0n, closedAt: T0 }])).toThrow(RangeError);
    expect(() =>
      journalStats([
        { r: 1, netPnl: 1n, closedAt: T0 + 1 },
        { r: 1, netPnl: 1n, closedAt: T0 },
      ]),
    ).toThrow(RangeError);
    expect(() => journalStats([], { startEquity: 0n })).toThrow(RangeError);
  });
});

describe('equityCurve', () => {
  it('starts at the start equity at startTime and tracks drawdown below the running peak', () => {
    const curve = equityCurve(units(1000), TABLE, T0 - HOUR);
    expect(curve.map((p) => [p.time, p.equity, p.drawdown])).toEqual([
      [T0 - HOUR, units(1000), 0n],
      [T0, units(1200), 0n],
      [T0 + 2 * HOUR, units(1100), units(100)],
      [T0 + DAY, units(1000), units(200)],
      [T0 + DAY + HOUR, units(1300), 0n],
      [T0 + DAY + 5 * HOUR, units(1200), units(100)],
      [T0 + 3 * DAY, units(1250), units(50)],
    ]);
  });

  it('has one point per trade without startTime, the peak still starting at the start equity', () => {
    const curve = equityCurve(units(10), [{ r: -1, netPnl: units(-3), closedAt: T0 }]);
    expect(curve).toEqual([{ time: T0, equity: units(7), drawdown: units(3), peak: units(10) }]);
    expect(equityCurve(5n, [], T0)).toEqual([{ time: T0, equity: 5n, drawdown: 0n, peak: 5n }]);
    expect(equityCurve(5n, [])).toEqual([]);
  });

  it('rejects a startTime after the first close', () => {
    expect(() => equityCurve(0n, TABLE, T0 + 1)).toThrow(RangeError);
  });
});

describe('utcDay', () => {
  it('formats UTC days with Hinnant civil-from-days, including leap days and times before 1970', () => {
    expect(utcDay(0)).toBe('1970-01-01');
    expect(utcDay(-1)).toBe('1969-12-31');
    expect(utcDay(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('2024-02-29');
    expect(utcDay(Date.UTC(2000, 1, 29))).toBe('2000-02-29');
    expect(utcDay(Date.UTC(2100, 2, 1))).toBe('2100-03-01');
    expect(utcDay(Date.UTC(1900, 1, 28, 12))).toBe('1900-02-28');
  });

  it('agrees with Date.prototype.toISOString over years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(utcDay(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('dailyStats', () => {
  it('groups the hand-computed table by UTC day with end-of-day equity and daily return', () => {
    expect(dailyStats(TABLE, units(1000))).toEqual([
      {
        day: '2024-01-01',
        trades: 2,
        netPnl: units(100),
        r: 1,
        wins: 1,
        losses: 1,
        endEquity: units(1100),
        returnPct: 0.1,
      },
      {
        day: '2024-01-02',
        trades: 3,
        netPnl: units(100),
        r: 1,
        wins: 1,
        losses: 2,
        endEquity: units(1200),
        returnPct: 100 / 1100,
      },
      {
        day: '2024-01-04',
        trades: 1,
        netPnl: units(50),
        r: 0.5,
        wins: 1,
        losses: 0,
        endEquity: units(1250),
        returnPct: 50 / 1200,
      },
    ]);
  });

  it('splits days at UTC midnight and gives a null return when the day starts with non-positive equity', () => {
    const midnight = Date.UTC(2024, 5, 1);
    const days = dailyStats(
      [
        { r: -1, netPnl: units(-10), closedAt: midnight - 1 },
        { r: 1, netPnl: units(10), closedAt: midnight },
      ],
      0n,
    );
    expect(days.map((d) => [d.day, d.returnPct, d.endEquity])).toEqual([
      ['2024-05-31', null, units(-10)],
      ['2024-06-01', null, 0n],
    ]);
    expect(dailyStats([], 0n)).toEqual([]);
  });
});

/** Consistent random trades: R = netPnl ÷ risk with risk > 0, closes non-decreasing over a few days. */
const tradesArb = fc
  .array(
    fc.record({
      pnl: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
      risk: fc.bigInt({ min: 1n, max: 10n ** 18n }),
      gap: fc.integer({ min: 0, max: 12 * HOUR }),
      flat: fc.boolean(),
    }),
    { maxLength: 150 },
  )
  .map((rows) => {
    let t = Date.UTC(2024, 0, 1);
    return rows.map(({ pnl, risk, gap, flat }) => {
      t += gap;
      const netPnl = flat ? 0n : pnl;
      return { r: Number(netPnl) / Number(risk), netPnl, closedAt: t };
    });
  });

describe('journalStats properties', () => {
  it('sums R and P&L exactly, partitions trades into wins, losses and breakeven', () => {
    fc.assert(
      fc.property(tradesArb, (trades) => {
        const s = journalStats(trades);
        expect(s.totalR).toBe(trades.reduce((a, t) => a + t.r, 0));
        expect(s.netPnl).toBe(trades.reduce((a, t) => a + t.netPnl, 0n));
        expect(s.netPnl).toBe(s.grossProfit + s.grossLoss);
        expect(s.wins + s.losses + s.breakeven).toBe(s.trades);
        expect(s.grossProfit >= 0n && s.grossLoss <= 0n).toBe(true);
        expect(s.winRate >= 0 && s.winRate <= 1).toBe(true);
        expect(s.longestWinningStreak).toBeLessThanOrEqual(s.wins);
        expect(s.longestLosingStreak).toBeLessThanOrEqual(s.losses);
        expect(s.profitFactor === null).toBe(s.losses === 0);
      }),
    );
  });

  it('bounds the drawdown by zero and the gross loss, and matches the equity curve', () => {
    fc.assert(
      fc.property(tradesArb, fc.bigInt({ min: 1n, max: 10n ** 20n }), (trades, startEquity) => {
        const s = journalStats(trades, { startEquity });
        expect(s.maxDrawdown >= 0n).toBe(true);
        expect(s.maxDrawdown <= -s.grossLoss).toBe(true);
        expect(s.maxDrawdownR).toBeGreaterThanOrEqual(0);
        expect(s.maxDrawdownPct).not.toBeNull();
        expect(s.maxDrawdownPct!).toBeGreaterThanOrEqual(0);
        const curve = equityCurve(startEquity, trades);
        expect(curve.length).toBe(trades.length);
        expect(curve.reduce((m, p) => (p.drawdown > m ? p.drawdown : m), 0n)).toBe(s.maxDrawdown);
        expect(curve.at(-1)?.equity ?? startEquity).toBe(startEquity + s.netPnl);
      }),
    );
  });

  it('gives the SQN the sign of the expectancy, and null only for fewer than 2 trades or constant R', () => {
    fc.assert(
      fc.property(tradesArb, (trades) => {
        const s = journalStats(trades);
        const constant = trades.every((t) => t.r === trades[0]?.r);
        if (trades.length < 2 || constant) expect(s.sqn).toBeNull();
        else {
          expect(s.sqn).not.toBeNull();
          expect(Math.sign(s.sqn!) === Math.sign(s.expectancyR)).toBe(true);
        }
      }),
    );
  });

  it('splits into daily totals that add up to the journal totals, in ascending day order', () => {
    fc.assert(
      fc.property(tradesArb, fc.bigInt({ min: 0n, max: 10n ** 20n }), (trades, startEquity) => {
        const s = journalStats(trades);
        const days = dailyStats(trades, startEquity);
        expect(days.reduce((a, d) => a + d.trades, 0)).toBe(s.trades);
        expect(days.reduce((a, d) => a + d.netPnl, 0n)).toBe(s.netPnl);
        expect(days.reduce((a, d) => a + d.wins, 0)).toBe(s.wins);
        expect(days.reduce((a, d) => a + d.losses, 0)).toBe(s.losses);
        for (let i = 1; i < days.length; i++) expect(days[i]!.day > days[i - 1]!.day).toBe(true);
        expect(days.at(-1)?.endEquity ?? startEquity).toBe(startEquity + s.netPnl);
      }),
    );
  });
});
