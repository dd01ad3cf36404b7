import { describe, expect, it } from 'vitest';
import { diffParity, parityVerdict, type LiveTrade } from './parity.ts';
import type { BacktestTrade } from './types.ts';

const H = 3_600_000;
const T0 = 1_704_067_200_000;
const at = (k: number): number => T0 + k * H;

/** A backtest trade: long unless the size is negative. */
function bt(p: Partial<BacktestTrade> & { entryBar: number; exitBar: number }): BacktestTrade {
  return {
    size: '10',
    entryTime: at(p.entryBar),
    exitTime: at(p.exitBar),
    entryPrice: '110',
    exitPrice: '120',
    sl: '100',
    tp: '120',
    pnl: '96.6',
    commission: '3.4',
    returnPct: 0,
    rMultiple: 96.6 / 104.2,
    exitReason: 'target',
    tag: null,
    ...p,
  };
}

/** The live copy of {@link bt}'s default trade (entry 110, target 120, fees 0.2% taker / 0.1% maker). */
function live(p: Partial<LiveTrade> & { tradeId: number; entryTime: number }): LiveTrade {
  return {
    side: 'buy',
    exitTime: p.entryTime + 2 * H,
    size: '10',
    entryPrice: '110',
    exitPrice: '120',
    fees: '3.4',
    netPnl: '96.6',
    initialRisk: '104.2',
    r: 96.6 / 104.2,
    exitReason: 'target',
    ...p,
  };
}

describe('diffParity', () => {
  it('reports zero differences when the live record equals the backtest (decimal text compared exactly)', () => {
    const r = diffParity({
      backtest: [bt({ entryBar: 1, exitBar: 3 }), bt({ entryBar: 5, exitBar: 7 })],
      live: [
        live({ tradeId: 7, entryTime: at(1), entryPrice: '110.00', fees: '3.40000' }),
        live({ tradeId: 8, entryTime: at(5) }),
      ],
    });
    expect(r.equal).toBe(true);
    expect(r.rows.map((x) => [x.status, x.equal, x.live?.tradeId])).toEqual([
      ['matched', true, 7],
      ['matched', true, 8],
    ]);
    expect(r.rows[0]!.diff).toMatchObject({
      entryTimeMs: 0,
      exitTimeMs: 0,
      entryPrice: '0',
      exitPrice: '0',
      size: '0',
      fees: '0',
      pnl: '0',
      slippageR: 0,
      feesR: 0,
      r: 0,
    });
    expect(r.totals).toMatchObject({ matched: 2, differing: 0, missed: 0, extra: 0, diffR: 0, slippageR: 0 });
  });

  it('finds a seeded worse fill and a missed trade, with the rejection that caused it, and totals them in R', () => {
    const missedR = -1;
    const r = diffParity({
      backtest: [
        bt({ entryBar: 1, exitBar: 3 }),
        bt({ entryBar: 5, exitBar: 6, exitPrice: '100', exitReason: 'stop', pnl: '-104.2', rMultiple: missedR }),
      ],
      backtestRejections: {},
      live: [
        // Entry filled 0.5 higher: fees 10 × 110.5 × 0.2% + 10 × 120 × 0.1% = 3.41, P&L 95 − 3.41 = 91.59,
        // initial risk 10 × 10.5 + 2.21 + 2 = 109.21.
        live({
          tradeId: 1,
          entryTime: at(1),
          entryPrice: '110.5',
          fees: '3.41',
          netPnl: '91.59',
          initialRisk: '109.21',
          r: 91.59 / 109.21,
        }),
      ],
      liveRejections: [{ time: at(5), codes: ['daily-loss-limit-hit'], decisionId: 42 }],
    });
    expect(r.equal).toBe(false);
    const [worse, missed] = r.rows;
    expect(worse!.status).toBe('matched');
    expect(worse!.differences).toEqual(['entryPrice', 'fees', 'pnl']);
    expect(worse!.diff).toMatchObject({ entryPrice: '0.5', exitPrice: '0', fees: '0.01', pnl: '-5.01', exitTimeMs: 0 });
    // 0.5 × 10 ÷ 109.21: a cost, so positive
    expect(worse!.diff!.entrySlippageR).toBeCloseTo(5 / 109.21, 9);
    expect(worse!.diff!.exitSlippageR).toBe(0);
    expect(worse!.diff!.slippageR).toBeCloseTo(5 / 109.21, 9);
    expect(worse!.diff!.feesR).toBeCloseTo(0.01 / 109.21, 9);
    expect(worse!.diff!.r).toBeCloseTo(91.59 / 109.21 - 96.6 / 104.2, 12);
    expect(missed).toMatchObject({ status: 'missed', live: null, rejectedBy: ['daily-loss-limit-hit'] });
    expect(r.totals).toMatchObject({
      backtestTrades: 2,
      liveTrades: 1,
      matched: 1,
      differing: 1,
      missed: 1,
      extra: 0,
      liveRejections: 1,
      missedR: -1,
      fees: '0.01',
      pnl: '-5.01',
    });
    expect(r.totals.backtestR).toBeCloseTo(96.6 / 104.2 - 1, 12);
    expect(r.totals.liveR).toBeCloseTo(91.59 / 109.21, 12);
    expect(r.totals.diffR).toBeCloseTo(91.59 / 109.21 - (96.6 / 104.2 - 1), 12);
  });

  it('signs slippage against the trader on shorts: a lower entry and a higher exit are costs', () => {
    const r = diffParity({
      backtest: [
        bt({ entryBar: 1, exitBar: 2, size: '-2', entryPrice: '100', exitPrice: '90', pnl: '20', rMultiple: 2 }),
      ],
      live: [
        live({
          tradeId: 3,
          side: 'sell',
          entryTime: at(1),
          exitTime: at(2),
          size: '2',
          entryPrice: '99',
          exitPrice: '91',
          fees: '3.4',
          netPnl: '16',
          initialRisk: '20',
          r: 0.8,
          exitReason: 'target',
        }),
      ],
    });
    const d = r.rows[0]!.diff!;
    expect(d.entryPrice).toBe('-1');
    expect(d.exitPrice).toBe('1');
    expect(d.entrySlippageR).toBe(0.1); // 1 × 2 ÷ 20
    expect(d.exitSlippageR).toBe(0.1);
    expect(d.slippageR).toBeCloseTo(0.2, 12);
  });

  it('matches by exact entry time first, then by the nearest one within the gap, never across directions', () => {
    const r = diffParity({
      backtest: [bt({ entryBar: 1, exitBar: 3 }), bt({ entryBar: 10, exitBar: 12 }), bt({ entryBar: 20, exitBar: 22 })],
      live: [
        live({ tradeId: 1, entryTime: at(2), exitTime: at(3) }), // one bar late: the nearest to bar 1
        live({ tradeId: 2, entryTime: at(10), side: 'sell' }), // wrong direction: extra
        live({ tradeId: 3, entryTime: at(30) }), // 10 bars from bar 20: beyond the 5-bar gap
      ],
      maxEntryGapMs: 5 * H,
    });
    expect(r.rows.map((x) => [x.status, x.backtest?.entryTime ?? null, x.live?.tradeId ?? null])).toEqual([
      ['matched', at(1), 1],
      ['missed', at(10), null],
      ['extra', null, 2],
      ['missed', at(20), null],
      ['extra', null, 3],
    ]);
    expect(r.rows[0]!.diff!.entryTimeMs).toBe(H);
    expect(r.rows[0]!.differences).toEqual(['entryTime']);
    expect(r.totals).toMatchObject({ matched: 1, missed: 2, extra: 2 });
    expect(r.totals.extraR).toBeCloseTo((2 * 96.6) / 104.2, 12);
  });

  it('pairs exact-time trades before nearest ones, so a late duplicate does not steal a match', () => {
    const r = diffParity({
      backtest: [bt({ entryBar: 4, exitBar: 6 }), bt({ entryBar: 5, exitBar: 7 })],
      live: [live({ tradeId: 1, entryTime: at(5) }), live({ tradeId: 2, entryTime: at(9) })],
    });
    expect(r.rows.map((x) => [x.backtest?.entryTime, x.live?.tradeId])).toEqual([
      [at(4), 2],
      [at(5), 1],
    ]);
    expect(r.rows[1]!.equal).toBe(true);
  });

  it('does not compare the exit of a trade still open live against the backtest’s end-of-data close', () => {
    const r = diffParity({
      backtest: [bt({ entryBar: 1, exitBar: 9, exitPrice: '115', exitReason: 'end', pnl: '47', rMultiple: 0.45 })],
      live: [
        live({
          tradeId: 1,
          entryTime: at(1),
          exitTime: null,
          exitPrice: null,
          netPnl: null,
          r: null,
          exitReason: null,
          fees: '2.2',
        }),
      ],
    });
    expect(r.equal).toBe(true);
    expect(r.rows[0]!.diff).toMatchObject({ exitPrice: null, exitTimeMs: null, pnl: null, feesR: null, r: null });
    expect(r.totals).toMatchObject({ fees: '0', pnl: '0', liveR: 0, backtestR: 0, diffR: 0, openLive: 1 });
    // the verdict says the exit is still to come instead of a plain "no differences"
    expect(parityVerdict(r.equal, r.totals)).toBe(
      'no differences so far: the live record equals the backtest (1 trade still open live, its exit not compared yet)',
    );
  });

  it('words the verdict from the totals: differences with their counts, or none once every trade has closed', () => {
    const base = diffParity({
      backtest: [bt({ entryBar: 1, exitBar: 3 })],
      live: [live({ tradeId: 1, entryTime: at(1) })],
    });
    expect(base.totals.openLive).toBe(0);
    expect(parityVerdict(base.equal, base.totals)).toBe('no differences: the live record equals the backtest');
    const t = { ...base.totals, differing: 1, missed: 2, extra: 0, openLive: 3 };
    expect(parityVerdict(false, t)).toBe('differences: 1 differing, 2 missed, 0 extra');
    expect(parityVerdict(true, { ...base.totals, openLive: 2 })).toContain('(2 trades still open live, their exits');
  });

  it('counts only trades and rejections that entered within [from, to)', () => {
    const r = diffParity({
      backtest: [bt({ entryBar: 1, exitBar: 3 }), bt({ entryBar: 5, exitBar: 7 }), bt({ entryBar: 9, exitBar: 11 })],
      live: [live({ tradeId: 1, entryTime: at(5) })],
      liveRejections: [
        { time: at(1), codes: ['stop-required'], decisionId: null },
        { time: at(6), codes: ['max-open-positions'], decisionId: 5 },
      ],
      backtestRejections: { 'stop-required': 2 },
      from: at(5),
      to: at(9),
    });
    expect(r.equal).toBe(true);
    expect(r.rows).toHaveLength(1);
    expect(r.liveRejections.map((x) => x.codes)).toEqual([['max-open-positions']]);
    expect(r.totals).toMatchObject({ backtestTrades: 1, liveTrades: 1, liveRejections: 1, backtestRejections: 2 });
  });

  it('reports an exit at another bar, price and reason (a stop live where the backtest reached its target)', () => {
    const r = diffParity({
      backtest: [bt({ entryBar: 1, exitBar: 3 })],
      live: [
        live({
          tradeId: 1,
          entryTime: at(1),
          exitTime: at(2),
          exitPrice: '100',
          exitReason: 'stop',
          fees: '4.2',
          netPnl: '-104.2',
          r: -1,
        }),
      ],
    });
    const row = r.rows[0]!;
    expect(row.differences).toEqual(['exitTime', 'exitPrice', 'fees', 'pnl', 'exitReason']);
    expect(row.diff).toMatchObject({ exitTimeMs: -H, exitPrice: '-20', fees: '0.8', pnl: '-200.8' });
    expect(row.diff!.exitSlippageR).toBeCloseTo(200 / 104.2, 9); // 20 × 10 ÷ 104.2, a cost
  });

  it('refuses a price that is not decimal text', () => {
    expect(() =>
      diffParity({
        backtest: [bt({ entryBar: 1, exitBar: 2 })],
        live: [live({ tradeId: 1, entryTime: at(1), entryPrice: 'x' })],
      }),
    ).toThrow(RangeError);
  });
});
