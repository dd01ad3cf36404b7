/**
 * Testudo mode follows the paper account (src/app/trading): a loss after a served cooldown starts a new streak, the
 * rules' clock is the close of the bar a decision is made on (cooldown ends, the daily-loss day, a fill at the
 * close), and an entry placed after a close on the same bar is sized and checked once that close has filled.
 * Hand-computed on small hourly series.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_PROFILE, compileProfile, type RiskProfile } from '../risk/profile.ts';
import { lossStreakAfterClose } from '../risk/loss-streak.ts';
import { runBacktest } from './run.ts';
import { bars, scripted } from './testing.ts';
import type { BarContext } from './types.ts';

const HOUR = 3_600_000;
const FLAT = [100, 101, 99, 100];
/** A bar that stops out a long with its stop at 95 (fill at 95). */
const STOP = [100, 101, 90, 92];
const buy = (c: BarContext): void => c.buy({ sl: 95, tp: 110 });

function run(rows: number[][], script: Record<number, (c: BarContext) => void>, profile: RiskProfile, more = {}) {
  return runBacktest(bars(rows, HOUR), scripted(script), {}, { testudo: { profile }, ...more });
}

describe('lossStreakAfterClose', () => {
  const p = compileProfile({ ...DEFAULT_RISK_PROFILE, lossStreakLimit: 2, cooldownMinutes: 60 });
  it('counts losses in a row, resets on a win and keeps the streak on a break-even trade', () => {
    const s0 = { consecutiveLosses: 0, lastLossAt: null };
    const s1 = lossStreakAfterClose(s0, -1n, 1000, p);
    expect(s1).toEqual({ consecutiveLosses: 1, lastLossAt: 1000 });
    expect(lossStreakAfterClose(s1, 0n, 2000, p)).toEqual(s1);
    expect(lossStreakAfterClose(s1, 5n, 2000, p)).toEqual({ consecutiveLosses: 0, lastLossAt: 1000 });
  });
  it('restarts at 1 on a loss once the streak has served its cooldown, and keeps counting before', () => {
    const s = { consecutiveLosses: 2, lastLossAt: 0 };
    expect(lossStreakAfterClose(s, -1n, HOUR - 1, p)).toEqual({ consecutiveLosses: 3, lastLossAt: HOUR - 1 });
    expect(lossStreakAfterClose(s, -1n, HOUR, p)).toEqual({ consecutiveLosses: 1, lastLossAt: HOUR });
  });
});

describe('runBacktest in Testudo mode, as the paper account', () => {
  it('starts a new streak with the first loss after a served cooldown', () => {
    // Limit 2 losses, cooldown 2.5 h. Losses at t2 and t4 (cooling until t6.5); the bar-6 entry is decided at t7 and
    // stopped out at t7: the streak restarts at 1, so the bar-8 entry (decided at t9) trades. Counting on (3 losses,
    // cooling until t9.5) would refuse it. Its loss at t9 makes 2 again: the bar-10 entry (t11 < t11.5) is refused,
    // the bar-11 one (t12) trades.
    const profile = { ...DEFAULT_RISK_PROFILE, lossStreakLimit: 2, cooldownMinutes: 150, dailyLossLimitPct: '50' };
    const rows = [FLAT, FLAT, STOP, FLAT, STOP, FLAT, FLAT, STOP, FLAT, STOP, FLAT, FLAT, FLAT, FLAT];
    const script = { 1: buy, 3: buy, 6: buy, 8: buy, 10: buy, 11: buy };
    const r = run(rows, script, profile, { finalizeTrades: true });
    expect(r.trades.map((t) => [t.entryBar, t.exitReason])).toEqual([
      [2, 'stop'],
      [4, 'stop'],
      [7, 'stop'],
      [9, 'stop'],
      [12, 'end'],
    ]);
    expect(r.rejections).toEqual({ 'loss-streak-cooldown': 1 });
  });

  it("decides on bar i at its close: a cooldown that ends inside bar i no longer refuses bar i's entry", () => {
    // Limit 1, cooldown 90 min: the loss at t2 cools until t3.5; the bar-3 entry is decided at t4 (its close).
    const profile = { ...DEFAULT_RISK_PROFILE, lossStreakLimit: 1, cooldownMinutes: 90 };
    const rows = [FLAT, FLAT, STOP, FLAT, FLAT, FLAT];
    const r = run(rows, { 1: buy, 3: buy }, profile);
    expect(r.rejections).toEqual({});
    expect(r.trades.map((t) => t.entryBar)).toEqual([2]); // the second is still open at the end
    // with an explicit bar length of 1 ms, the decision is at t3 + 1 ms, inside the cooldown
    const tiny = run(rows, { 1: buy, 3: buy }, profile, { testudo: { profile, barMs: 1 } });
    expect(tiny.rejections).toEqual({ 'loss-streak-cooldown': 1 });
  });

  it("counts a loss in the day of the bar's close: an entry on the bar that closes at midnight sees a new day", () => {
    // Bars from 20:00 UTC; the stop-out at 22:00 loses 1% = the daily limit. The bar opening at 23:00 closes at
    // 00:00 the next day, where today's realized loss is 0.
    const profile = { ...DEFAULT_RISK_PROFILE, dailyLossLimitPct: '1', lossStreakLimit: 10 };
    const start = Date.parse('2024-01-01T20:00:00Z');
    const rows = [FLAT, FLAT, STOP, FLAT, FLAT, FLAT];
    const ok = runBacktest(bars(rows, HOUR, start), scripted({ 1: buy, 3: buy }), {}, { testudo: { profile } });
    expect(ok.rejections).toEqual({});
    // the same bars an hour earlier (the entry's bar closes at 23:00, the same day): the limit refuses it
    const earlier = bars(rows, HOUR, start - HOUR);
    const refused = runBacktest(earlier, scripted({ 1: buy, 3: buy }), {}, { testudo: { profile } });
    expect(refused.rejections).toEqual({ 'daily-loss-limit-hit': 1 });
  });

  it("books a strategy's close at the close of its bar (trade on close) for the cooldown", () => {
    // Limit 1, cooldown 90 min. The close on bar 2 fills at its close (96 < 100: a loss) at t3, cooling until t4.5:
    // the bar-3 entry (t4) is refused, the bar-4 one (t5) trades.
    const profile = { ...DEFAULT_RISK_PROFILE, lossStreakLimit: 1, cooldownMinutes: 90 };
    const rows = [FLAT, FLAT, [100, 101, 96, 96], [96, 97, 95.5, 96], [96, 97, 95.5, 96], [96, 97, 95.5, 96]];
    const script = {
      1: buy,
      2: (c: BarContext) => c.closePosition(),
      3: (c: BarContext) => c.buy({ sl: 91, tp: 106 }),
      4: (c: BarContext) => c.buy({ sl: 91, tp: 106 }),
    };
    const r = run(rows, script, profile, { tradeOnClose: true, finalizeTrades: true });
    expect(r.rejections).toEqual({ 'loss-streak-cooldown': 1 });
    expect(r.trades.map((t) => [t.entryBar, t.exitBar, t.exitReason, t.pnl])).toEqual([
      [1, 2, 'signal', '-80'],
      [4, 4, 'end', '0'],
    ]);
  });

  describe('a same-bar reversal (close, then sell)', () => {
    // Long 20 at 100 (1% of 10,000 over a 5 stop); bar 2 closes at 150: the close realizes +1,000. The short at
    // 150 with its stop at 160 is sized from 11,000: 110 ÷ 10 = 11 (from 10,000 before the close: 10).
    const rows = [FLAT, FLAT, [100, 151, 99, 150], [150, 151, 149, 150], [150, 151, 149, 150]];
    const script = {
      1: (c: BarContext) => c.buy({ sl: 95, tp: 200 }),
      2: (c: BarContext) => {
        c.closePosition();
        c.sell({ sl: 160, tp: 120 });
      },
    };
    const opts = { tradeOnClose: true, finalizeTrades: true };

    it('is sized after the close has filled, from the equity it realized', () => {
      // (finalizeTrades with trade on close: the short ends at the previous bar's close, booked on bar 3)
      const r = run(rows, script, DEFAULT_RISK_PROFILE, opts);
      expect(r.trades.map((t) => [t.size, t.entryBar, t.entryPrice, t.exitBar, t.pnl])).toEqual([
        ['20', 1, '100', 2, '1000'],
        ['-11', 2, '150', 3, '0'],
      ]);
    });

    it('is rule-checked after the close: the closed trade no longer counts as an open position', () => {
      const r = run(rows, script, { ...DEFAULT_RISK_PROFILE, maxOpenPositions: 1 }, opts);
      expect(r.rejections).toEqual({});
      expect(r.trades.map((t) => t.size)).toEqual(['20', '-11']);
    });

    it('an entry placed before the close on the same bar is decided with the trade still open', () => {
      const before = {
        ...script,
        2: (c: BarContext) => {
          c.sell({ sl: 160, tp: 120 });
          c.closePosition();
        },
      };
      const r = run(rows, before, { ...DEFAULT_RISK_PROFILE, maxOpenPositions: 1 }, opts);
      expect(r.rejections).toEqual({ 'max-open-positions': 1 });
    });

    it('without trade on close, is sized after the close fills at the next open', () => {
      // the close fills at bar 3's open (150): the same +1,000, so the short is 11 at bar 3's open
      const r = run(rows, script, DEFAULT_RISK_PROFILE, { finalizeTrades: true });
      expect(r.trades.map((t) => [t.size, t.entryBar, t.exitBar, t.pnl])).toEqual([
        ['20', 2, 3, '1000'],
        ['-11', 3, 4, '0'],
      ]);
    });
  });
});

describe('runBacktest in Testudo mode: the drawdown halt', () => {
  it('starts when a close reaches the maximum drawdown and stays after the equity recovers', () => {
    // Max drawdown 1%. A (20 at 100, stop 95) and B (10 at 100, stop 90, target 120) open on bar 2; A's stop-out
    // loses 100 = 1% of the 10,000 peak (halt), B's target then wins 200 (equity 10,100, a new peak): the bar-4
    // entry is still refused, as on the paper account (halted_at is set by the close, not by a refusal).
    const profile = { ...DEFAULT_RISK_PROFILE, maxDrawdownPct: '1' };
    const rows = [FLAT, FLAT, [100, 101, 94, 100], [100, 121, 99, 120], [120, 121, 119, 120], [120, 121, 119, 120]];
    const script = {
      1: (c: BarContext) => {
        c.buy({ sl: 95, tp: 110 });
        c.buy({ sl: 90, tp: 120 });
      },
      4: (c: BarContext) => c.buy({ sl: 110, tp: 140 }),
    };
    const r = run(rows, script, profile);
    expect(r.trades.map((t) => [t.size, t.exitReason, t.pnl])).toEqual([
      ['20', 'stop', '-100'],
      ['10', 'target', '200'],
    ]);
    expect(r.rejections).toEqual({ 'max-drawdown-halt': 1 });
  });
});
