import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_RISK_PROFILE } from '../risk/profile.ts';
import { runBacktest } from './run.ts';
import { barsFromCandles } from './series.ts';
import { bars, scripted } from './testing.ts';
import { BacktestError, STAT_KEYS, type BarContext } from './types.ts';

const FLAT = [
  [100, 110, 90, 105],
  [106, 112, 100, 110],
  [111, 115, 108, 114],
  [113, 116, 109, 115],
];

function errorOf(f: () => unknown): BacktestError {
  try {
    f();
  } catch (e) {
    if (e instanceof BacktestError) return e;
    throw e;
  }
  throw new Error('expected a BacktestError');
}

describe('runBacktest fills', () => {
  it('fills a market order placed on bar i at the open of bar i+1', () => {
    const r = runBacktest(bars(FLAT), scripted({ 0: (c) => c.buy({ size: 10 }), 2: (c) => c.closePosition() }), {});
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect([t.size, t.entryBar, t.exitBar, t.entryPrice, t.exitPrice, t.pnl]).toEqual(['10', 1, 3, '106', '113', '70']);
    expect(Array.from(r.equity)).toEqual([10000, 10040, 10080, 10070]);
    expect(r.stats['Exposure Time [%]']).toBe(75);
    expect(r.stats['Return [%]']).toBeCloseTo(0.7, 12);
    expect(t.exitReason).toBe('signal');
  });

  it('fills at the same bar close with tradeOnClose', () => {
    const r = runBacktest(
      bars(FLAT),
      scripted({ 0: (c) => c.buy({ size: 10 }), 2: (c) => c.closePosition() }),
      {},
      { tradeOnClose: true },
    );
    const t = r.trades[0]!;
    expect([t.entryBar, t.exitBar, t.entryPrice, t.exitPrice, t.pnl]).toEqual([0, 2, '105', '114', '90']);
  });

  it('sizes the default order to all available equity in whole units, as backtesting.py (one unit less when it divides exactly)', () => {
    const exact = runBacktest(
      bars([
        [100, 101, 99, 100],
        [100, 101, 99, 100],
        [100, 101, 99, 100],
      ]),
      scripted({ 0: (c) => c.buy() }),
      {},
      { finalizeTrades: true },
    );
    expect(exact.trades[0]!.size).toBe('99');
    const inexact = runBacktest(bars(FLAT), scripted({ 0: (c) => c.buy() }), {}, { finalizeTrades: true });
    expect(inexact.trades[0]!.size).toBe('94'); // floor(10000 / 106)
  });

  it('takes a fraction of available equity for 0 < size < 1', () => {
    const r = runBacktest(bars(FLAT), scripted({ 0: (c) => c.buy({ size: 0.5 }) }), {}, { finalizeTrades: true });
    expect(r.trades[0]!.size).toBe('47'); // floor(5000 / 106)
  });

  it('charges commission on entry (spread-adjusted price) and exit, exactly', () => {
    const r = runBacktest(
      bars([
        [100, 101, 99, 100],
        [100, 101, 99, 100],
        [110, 111, 109, 110],
        [110, 111, 109, 110],
      ]),
      scripted({ 0: (c) => c.buy({ size: 10 }), 1: (c) => c.closePosition() }),
      {},
      { commission: '0.01', spread: '0.001' },
    );
    const t = r.trades[0]!;
    expect(t.entryPrice).toBe('100.1');
    expect(t.commission).toBe('21.01'); // 10 × 100.1 × 1% + 10 × 110 × 1%
    expect(t.pnl).toBe('77.99'); // 10 × (110 − 100.1) − 21.01
    expect(t.returnPct).toBeCloseTo(110 / 100.1 - 1 - 21.01 / 1001, 14);
    expect(r.stats['Equity Final [$]']).toBe(10077.99);
    expect(r.stats['Commissions [$]']).toBeCloseTo(21.01, 10);
  });

  it('accepts a fixed plus proportional commission', () => {
    const r = runBacktest(
      bars(FLAT),
      scripted({ 0: (c) => c.buy({ size: 10 }), 1: (c) => c.closePosition() }),
      {},
      { commission: { fixed: '1', rate: '0.001' } },
    );
    // entry 1 + 10 × 106 × 0.1% = 2.06; exit 1 + 10 × 111 × 0.1% = 2.11
    expect(r.trades[0]!.commission).toBe('4.17');
    expect(r.trades[0]!.pnl).toBe('45.83');
  });
});

describe('runBacktest stop-loss and take-profit', () => {
  const entry = [100, 101, 99, 100];
  const sltp = (c: BarContext): void => c.buy({ size: 10, sl: 95, tp: 120 });

  it('exits at the stop when the bar trades through it', () => {
    const r = runBacktest(bars([entry, entry, [98, 99, 94, 96], entry]), scripted({ 0: sltp }), {});
    const t = r.trades[0]!;
    expect([t.exitBar, t.exitPrice, t.exitReason, t.sl, t.tp]).toEqual([2, '95', 'stop', '95', '120']);
    expect(t.rMultiple).toBe(-1);
    expect(r.rStats).toEqual({ trades: 1, expectancyR: -1, sqnR: null });
  });

  it('counts fees in the initial risk, so a stop-out at the stop is exactly -1R with commission', () => {
    const r = runBacktest(
      bars([entry, entry, [98, 99, 94, 96], entry]),
      scripted({ 0: sltp }),
      {},
      { commission: '0.001' },
    );
    const t = r.trades[0]!;
    expect(t.exitPrice).toBe('95');
    expect(t.rMultiple).toBeCloseTo(-1, 12);
  });

  it('exits at the gapped open when the bar opens beyond the stop', () => {
    const r = runBacktest(bars([entry, entry, [90, 92, 88, 91], entry]), scripted({ 0: sltp }), {});
    expect([r.trades[0]!.exitPrice, r.trades[0]!.exitReason]).toEqual(['90', 'stop']);
    expect(r.trades[0]!.rMultiple).toBe(-2);
  });

  it('takes the stop first when one bar touches both stop-loss and take-profit', () => {
    const r = runBacktest(bars([entry, entry, [100, 125, 90, 110], entry]), scripted({ 0: sltp }), {});
    expect([r.trades[0]!.exitPrice, r.trades[0]!.exitReason]).toEqual(['95', 'stop']);
  });

  it('fills the take-profit at the better gapped open', () => {
    const r = runBacktest(bars([entry, entry, [125, 130, 124, 126], entry]), scripted({ 0: sltp }), {});
    expect([r.trades[0]!.exitPrice, r.trades[0]!.exitReason]).toEqual(['125', 'target']);
    expect(r.trades[0]!.rMultiple).toBe(5);
  });

  it('can stop out on the entry bar itself', () => {
    const r = runBacktest(bars([entry, [100, 101, 94, 96], entry]), scripted({ 0: sltp }), {});
    expect([r.trades[0]!.entryBar, r.trades[0]!.exitBar, r.trades[0]!.exitPrice]).toEqual([1, 1, '95']);
  });

  it('rejects a long order whose stop-loss is above the price, naming the bar', () => {
    const e = errorOf(() => runBacktest(bars([entry, entry]), scripted({ 1: (c) => c.buy({ sl: 105 }) }), {}));
    expect(e.code).toBe('bad-order');
    expect(e.details.bar).toBe(1);
    expect(e.message).toContain('bar 1 (2024-01-02T00:00:00.000Z)');
  });
});

describe('runBacktest order handling', () => {
  it('closes the open position first with exclusiveOrders', () => {
    const r = runBacktest(
      bars(FLAT),
      scripted({ 0: (c) => c.buy({ size: 10 }), 1: (c) => c.sell({ size: 5 }) }),
      {},
      { exclusiveOrders: true, finalizeTrades: true },
    );
    expect(r.trades.map((t) => [t.size, t.entryBar, t.exitBar, t.exitPrice])).toEqual([
      ['10', 1, 2, '111'],
      ['-5', 2, 3, '115'],
    ]);
  });

  it('reduces open trades first in, first out when an opposite order is smaller', () => {
    const r = runBacktest(
      bars(FLAT),
      scripted({ 0: (c) => c.buy({ size: 10 }), 1: (c) => c.sell({ size: 4 }) }),
      {},
      { finalizeTrades: true },
    );
    expect(r.trades.map((t) => [t.size, t.exitBar, t.exitPrice, t.exitReason])).toEqual([
      ['4', 2, '111', 'signal'],
      ['6', 3, '115', 'end'],
    ]);
  });

  it('closes trades still open at the last close with finalizeTrades (or the last open, as backtesting.py)', () => {
    const s = scripted({ 0: (c) => c.buy({ size: 10 }) });
    const open = runBacktest(bars(FLAT), s, {});
    expect(open.trades).toHaveLength(0);
    expect(open.stats['# Trades']).toBe(0);
    expect(open.stats['Equity Final [$]']).toBe(10090);
    const fin = runBacktest(bars(FLAT), s, {}, { finalizeTrades: true });
    expect([fin.trades[0]!.exitPrice, fin.trades[0]!.exitReason]).toEqual(['115', 'end']);
    expect(fin.stats['# Trades']).toBe(1);
    const atOpen = runBacktest(bars(FLAT), s, {}, { finalizeTrades: true, finalizeAt: 'open' });
    expect(atOpen.trades[0]!.exitPrice).toBe('113');
    expect(atOpen.stats['Equity Final [$]']).toBe(10070);
  });

  it('stops when equity reaches zero and closes everything at that close', () => {
    const r = runBacktest(
      bars([
        [100, 101, 99, 100],
        [100, 101, 99, 100],
        [150, 260, 150, 250],
        [250, 260, 240, 250],
      ]),
      scripted({ 0: (c) => c.sell({ size: 10 }) }),
      {},
      { cash: '1000' },
    );
    expect(r.trades[0]!.exitReason).toBe('out-of-money');
    expect(r.trades[0]!.exitPrice).toBe('250');
    expect(Array.from(r.equity)).toEqual([1000, 1000, 0, 0]);
  });

  it('calls next first at the first bar where every indicator has a value', () => {
    const seen: number[] = [];
    const s = scripted({}, 2);
    const init = s.init;
    s.init = (ctx) => {
      const next = init(ctx);
      return (c) => {
        seen.push(c.i);
        next(c);
      };
    };
    const r = runBacktest(bars(FLAT), s, {});
    expect(seen).toEqual([2, 3]);
    expect(r.firstTradingBar).toBe(2);
    // Buy & Hold from the close of the first trading bar.
    expect(r.stats['Buy & Hold Return [%]']).toBeCloseTo((115 / 114 - 1) * 100, 12);
  });

  it('reports a strategy that throws with the bar and its time', () => {
    const e = errorOf(() =>
      runBacktest(
        bars(FLAT),
        scripted({
          2: () => {
            throw new Error('boom');
          },
        }),
        {},
      ),
    );
    expect(e.code).toBe('strategy-error');
    expect(e.details.bar).toBe(2);
    expect(e.message).toContain('bar 2 (2024-01-03T00:00:00.000Z): boom');
  });

  it('reports a strategy that throws something other than an Error', () => {
    const e = errorOf(() =>
      runBacktest(
        bars(FLAT),
        scripted({
          1: () => {
            throw null;
          },
        }),
        {},
      ),
    );
    expect([e.code, e.details.bar]).toEqual(['strategy-error', 1]);
    expect(e.message).toContain('threw null');
  });

  it('warns when an indicator never has a value, and when bars are missing', () => {
    const s = scripted({}, 10);
    const r = runBacktest(bars(FLAT), s, {});
    expect(r.warnings).toEqual([
      'the strategy never ran: indicator(s) warmup have no value in 4 bars (too few bars for the periods?)',
    ]);
    const h = 3_600_000;
    const gappy = barsFromCandles(
      [0, 1, 2, 5, 6].map((k) => ({ time: k * h, open: '1', high: '2', low: '1', close: '2', volume: '0' })),
    );
    expect(runBacktest(gappy, scripted({}), {}).warnings).toEqual([
      '1 gap(s) in the bars, 2 bar(s) missing (not filled): 2 after bar 2 (1970-01-01T02:00:00.000Z, next bar 1970-01-01T05:00:00.000Z)',
    ]);
  });

  it('rejects bad options with a stable code', () => {
    expect(errorOf(() => runBacktest(bars(FLAT), scripted({}), {}, { commission: 'abc' })).code).toBe('bad-option');
    expect(errorOf(() => runBacktest(bars(FLAT), scripted({}), {}, { commission: '1' })).code).toBe('bad-option');
    expect(errorOf(() => runBacktest(bars(FLAT), scripted({}), {}, { cash: '0' })).code).toBe('bad-option');
  });

  it('rejects a size that is not a whole number of lots', () => {
    const e = errorOf(() => runBacktest(bars(FLAT), scripted({ 0: (c) => c.buy({ size: 2.5 }) }), {}));
    expect([e.code, e.details.bar]).toEqual(['bad-order', 0]);
    const ok = runBacktest(
      bars(FLAT),
      scripted({ 0: (c) => c.buy({ size: 2.5 }) }),
      {},
      { lotSize: '0.1', finalizeTrades: true },
    );
    expect(ok.trades[0]!.size).toBe('2.5');
  });

  it('returns every statistic key, in order', () => {
    const r = runBacktest(bars(FLAT), scripted({}), {});
    expect(Object.keys(r.stats)).toEqual([...STAT_KEYS]);
    expect(r.stats['# Trades']).toBe(0);
    expect(r.stats['Win Rate [%]']).toBeNull();
    expect(r.stats['Max. Drawdown [%]']).toBe(-0);
  });
});

describe('runBacktest in Testudo mode', () => {
  const flatBars = (k: number) => bars(Array.from({ length: k }, () => [100, 101, 99, 100]));

  it('sizes from the stop with the main job sizing (1% of equity between entry and stop)', () => {
    const r = runBacktest(
      flatBars(4),
      scripted({ 0: (c) => c.buy({ sl: 95, tp: 110 }) }),
      {},
      { testudo: {}, finalizeTrades: true },
    );
    expect(r.trades[0]!.size).toBe('20'); // 10000 × 1% ÷ 5
  });

  it('refuses orders without a stop or with too little reward for the risk, and counts them by rule code', () => {
    const r = runBacktest(
      flatBars(4),
      scripted({ 0: (c) => c.buy({ size: 3 }), 1: (c) => c.buy({ sl: 95, tp: 105 }) }),
      {},
      { testudo: {} },
    );
    expect(r.trades).toHaveLength(0);
    expect(r.rejections).toEqual({ 'stop-required': 1, 'reward-risk-too-low': 1 });
  });

  it('halts after the maximum drawdown and refuses every later trade', () => {
    const rows = [
      [100, 101, 99, 100],
      [100, 101, 99, 100],
      [100, 101, 90, 92], // stop-out
      [92, 93, 91, 92],
      [92, 93, 91, 92],
      [92, 93, 91, 92],
    ];
    const r = runBacktest(
      bars(rows),
      scripted({
        0: (c) => c.buy({ sl: 95, tp: 120 }),
        3: (c) => c.buy({ sl: 90, tp: 100 }),
        4: (c) => c.buy({ sl: 90, tp: 100 }),
      }),
      {},
      { testudo: { profile: { ...DEFAULT_RISK_PROFILE, maxDrawdownPct: '0.5' } } },
    );
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]!.exitReason).toBe('stop');
    expect(r.rejections['max-drawdown-halt']).toBe(2);
  });

  it('stops new trades for the day once the daily loss limit is reached', () => {
    // Hourly bars on one day: two stop-outs of ~2% each breach the 3% daily limit; the third setup is refused.
    const rows: number[][] = [];
    for (let k = 0; k < 4; k++) rows.push([100, 101, 99, 100], [100, 101, 90, 92]);
    const script: Record<number, (c: BarContext) => void> = {};
    for (let k = 0; k < 4; k++) script[2 * k] = (c) => c.buy({ sl: 95, tp: 120 });
    const profile = { ...DEFAULT_RISK_PROFILE, riskPerTradePct: '2', lossStreakLimit: 10 };
    const r = runBacktest(bars(rows, 3_600_000), scripted(script), {}, { testudo: { profile } });
    expect(r.trades).toHaveLength(2);
    expect(r.rejections['daily-loss-limit-hit']).toBe(2);
  });

  it('applies the loss-streak cooldown', () => {
    const rows: number[][] = [];
    for (let k = 0; k < 8; k++) rows.push([100, 101, 99, 100], [100, 101, 90, 92]);
    const script: Record<number, (c: BarContext) => void> = {};
    for (let k = 0; k < 8; k++) script[2 * k] = (c) => c.buy({ sl: 95, tp: 120 });
    const r = runBacktest(bars(rows, 3_600_000), scripted(script), {}, { testudo: {} });
    // Three losses in a row, then 4 hours of cooldown (two-hour cycles): two setups refused, then trading resumes.
    expect(r.trades.slice(0, 3).every((t) => t.exitReason === 'stop')).toBe(true);
    expect(r.rejections['loss-streak-cooldown']).toBeGreaterThan(0);
    expect(r.trades.length).toBeLessThan(8);
  });
});

describe('runBacktest invariants', () => {
  const barArb = fc
    .array(
      fc.tuple(
        fc.integer({ min: 50, max: 150 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: -10, max: 10 }),
      ),
      {
        minLength: 3,
        maxLength: 40,
      },
    )
    .map((xs) => xs.map(([o, up, down, d]) => [o, o + up + Math.max(0, d), o - down + Math.min(0, d), o + d]));
  const actArb = fc.array(fc.constantFrom('buy', 'sell', 'close', 'none', 'bracket'), { minLength: 40, maxLength: 40 });

  it('is deterministic and conserves cash: final equity = cash + Σ trade P&L when everything is closed', () => {
    fc.assert(
      fc.property(barArb, actArb, (rows, acts) => {
        const script: Record<number, (c: BarContext) => void> = {};
        acts.forEach((a, i) => {
          script[i] = (c) => {
            const close = c.data.close[c.i]!;
            if (a === 'buy') c.buy({ size: 3 });
            else if (a === 'sell') c.sell({ size: 2 });
            else if (a === 'close') c.closePosition();
            else if (a === 'bracket') c.buy({ size: 1, sl: close - 5, tp: close + 5 });
          };
        });
        const opts = { finalizeTrades: true, commission: '0.001', spread: '0.0005', cash: '100000' };
        const a = runBacktest(bars(rows), scripted(script), {}, opts);
        const b = runBacktest(bars(rows), scripted(script), {}, opts);
        expect(b).toEqual(a);
        const total = a.trades.reduce((s, t) => s + Number(t.pnl), 0);
        expect(a.stats['Equity Final [$]']).toBeCloseTo(100000 + total, 6);
        for (const t of a.trades) expect(t.exitBar).toBeGreaterThanOrEqual(t.entryBar);
      }),
      { numRuns: 200 },
    );
  });
});
