import { describe, expect, it } from 'vitest';
import {
  computeRStats,
  computeStats,
  dataPeriod,
  drawdownEpisodes,
  drawdownSeries,
  formatDuration,
  geometricMean,
  periodReturns,
  resolutionMs,
} from './stats.ts';

const DAY = 86_400_000;
const MON = 1_704_067_200_000; // 2024-01-01, a Monday

describe('statistics helpers', () => {
  it('formats durations as pandas prints a Timedelta', () => {
    expect(formatDuration(584 * DAY)).toBe('584 days 00:00:00');
    expect(formatDuration(DAY + 3_661_001)).toBe('1 days 01:01:01.001000');
    expect(formatDuration(0)).toBe('0 days 00:00:00');
  });

  it("takes the geometric mean as backtesting.py's geometric_mean: NaN as zero (counted), 0 on a total loss", () => {
    expect(geometricMean([NaN, 0.1, -0.1])).toBeCloseTo(Math.exp((Math.log(1.1) + Math.log(0.9)) / 3) - 1, 15);
    expect(geometricMean([0.5, -1])).toBe(0);
    expect(geometricMean([])).toBeNaN();
  });

  it('annualises with 252 days for weekday data, 365 with weekends, 52/12/1 for weekly, monthly, yearly bars', () => {
    const daily = (k: number, step: number) => Array.from({ length: k }, (_, i) => MON + i * step);
    const weekdays = daily(30, DAY).filter((t) => (Math.floor(t / DAY) + 3) % 7 < 5);
    expect(
      periodReturns(
        weekdays,
        weekdays.map(() => 1),
      ).N,
    ).toBe(252);
    expect(
      periodReturns(
        daily(30, DAY),
        daily(30, DAY).map(() => 1),
      ).N,
    ).toBe(365);
    expect(
      periodReturns(
        daily(30, 7 * DAY),
        daily(30, 7 * DAY).map(() => 1),
      ).N,
    ).toBe(52);
    const monthEnds = Array.from({ length: 24 }, (_, i) => Date.UTC(2020, i + 1, 0));
    expect(
      periodReturns(
        monthEnds,
        monthEnds.map(() => 1),
      ).N,
    ).toBe(12);
  });

  it("samples equity at each calendar day's last bar and drops the undefined first change (pct_change().dropna())", () => {
    const time = [0, 1, 2, 24, 25, 48].map((h) => MON + h * 3_600_000);
    const { returns } = periodReturns(time, [100, 101, 102, 99, 110, 121]);
    expect(returns).toEqual([110 / 102 - 1, 121 / 110 - 1]);
    // After a total loss 0 ÷ 0 is NaN and dropped too; 0 ÷ x is −100%.
    const ruined = periodReturns(
      [0, 1, 2, 3].map((d) => MON + d * DAY),
      [100, 50, 0, 0],
    ).returns;
    expect(ruined).toEqual([-0.5, -1]);
  });

  it('annualises the geometric mean of the daily returns without the first change (hand-computed)', () => {
    // Four weekdays; equity 100 → 110 → 99 → 108.9: daily returns +10%, −10%, +10% (the first change is undefined).
    const time = [0, 1, 2, 3].map((d) => MON + d * DAY);
    const equity = [100, 110, 99, 108.9];
    const s = computeStats({ time, close: [1, 1, 1, 1], equity, trades: [], firstTradingBar: 0 });
    const g = (1.1 * 0.9 * 1.1) ** (1 / 3) - 1; // over 3 returns, not 4 with a 0
    expect(s['Return (Ann.) [%]']).toBeCloseTo(((1 + g) ** 252 - 1) * 100, 9);
    const r = [0.1, -0.1, 0.1];
    const m = 0.1 / 3;
    const v = r.reduce((a, x) => a + (x - m) ** 2, 0) / 2;
    const vol = Math.sqrt((v + (1 + g) ** 2) ** 252 - (1 + g) ** 504) * 100;
    expect(s['Volatility (Ann.) [%]']).toBeCloseTo(vol, 6);
    expect(s['Sortino Ratio']).toBeCloseTo(((1 + g) ** 252 - 1) / (Math.sqrt(0.01 / 3) * Math.sqrt(252)), 9);
    // CAGR over (days + seconds ÷ 86400) ÷ 365.25 years.
    expect(s['CAGR [%]']).toBeCloseTo((1.089 ** (365.25 / 3) - 1) * 100, 9);
  });

  it('finds drawdown episodes from the last peak to recovery, skipping a one-bar drawdown at the very end', () => {
    const time = Array.from({ length: 7 }, (_, i) => MON + i * DAY);
    const eq = [100, 110, 99, 104.5, 110, 121, 110];
    const dd = drawdownSeries(eq);
    expect(dd[2]).toBeCloseTo(0.1, 15);
    const ep = drawdownEpisodes(time, dd);
    expect(ep.durations).toEqual([3 * DAY]);
    expect(ep.peaks[0]).toBeCloseTo(0.1, 15);
  });

  it('rounds durations to the resolution of the bar spacing', () => {
    expect(resolutionMs(DAY)).toBe(DAY);
    expect(resolutionMs(3_600_000)).toBe(3_600_000);
    expect(resolutionMs(4 * 3_600_000)).toBe(3_600_000);
    expect(resolutionMs(300_000)).toBe(60_000);
    expect(dataPeriod([0, 1, 3, 6])).toBe(2);
  });
});

describe('computeStats', () => {
  const time = Array.from({ length: 6 }, (_, i) => MON + i * DAY);
  const close = [10, 11, 12, 11, 13, 14];
  const equity = [1000, 1000, 1010, 1005, 1025, 1025];
  const trades = [
    { entryBar: 1, exitBar: 2, entryTime: time[1]!, exitTime: time[2]!, pnl: 10, returnPct: 0.1, commission: 1 },
    { entryBar: 2, exitBar: 3, entryTime: time[2]!, exitTime: time[3]!, pnl: -5, returnPct: -0.05, commission: 1 },
    { entryBar: 3, exitBar: 5, entryTime: time[3]!, exitTime: time[5]!, pnl: 20, returnPct: 0.2, commission: 1 },
  ];
  const s = computeStats({ time, close, equity, trades, firstTradingBar: 1 });

  it('computes the trade statistics by their definitions', () => {
    expect(s['# Trades']).toBe(3);
    expect(s['Win Rate [%]']).toBeCloseTo(200 / 3, 12);
    expect(s['Best Trade [%]']).toBeCloseTo(20, 12);
    expect(s['Worst Trade [%]']).toBeCloseTo(-5, 12);
    expect(s['Profit Factor']).toBeCloseTo(0.3 / 0.05, 12);
    expect(s['Expectancy [%]']).toBeCloseTo((0.25 / 3) * 100, 12);
    expect(s['Avg. Trade [%]']).toBeCloseTo(((1.1 * 0.95 * 1.2) ** (1 / 3) - 1) * 100, 12);
    const mean = 25 / 3;
    const sd = Math.sqrt(((10 - mean) ** 2 + (-5 - mean) ** 2 + (20 - mean) ** 2) / 2);
    expect(s['SQN']).toBeCloseTo((Math.sqrt(3) * mean) / sd, 12);
    expect(s['Kelly Criterion']).toBeCloseTo(2 / 3 - 1 / 3 / (15 / 5), 12);
    expect(s['Commissions [$]']).toBe(3);
    expect(s['Max. Trade Duration']).toBe('2 days 00:00:00');
    expect(s['Avg. Trade Duration']).toBe('2 days 00:00:00'); // 4/3 days rounded up to the day
    expect(s['Exposure Time [%]']).toBeCloseTo((5 / 6) * 100, 12);
  });

  it('computes returns, risk and drawdown by their definitions', () => {
    expect(s['Return [%]']).toBeCloseTo(2.5, 12);
    expect(s['Buy & Hold Return [%]']).toBeCloseTo((14 / 11 - 1) * 100, 12);
    expect(s['Equity Peak [$]']).toBe(1025);
    // The first change is undefined and dropped: 5 daily returns.
    const real = [0, 0.01, 1005 / 1010 - 1, 1025 / 1005 - 1, 0];
    const g = Math.exp(real.reduce((a, x) => a + Math.log(1 + x), 0) / 5) - 1;
    // 6 consecutive days including a weekend day out of 6 → weekends 1/6 = 0.167 ≤ 0.171 → 252
    expect(s['Return (Ann.) [%]']).toBeCloseTo(((1 + g) ** 252 - 1) * 100, 9);
    const m = real.reduce((a, x) => a + x, 0) / 5;
    const v = real.reduce((a, x) => a + (x - m) ** 2, 0) / 4;
    const vol = Math.sqrt((v + (1 + g) ** 2) ** 252 - (1 + g) ** 504) * 100;
    expect(s['Volatility (Ann.) [%]']).toBeCloseTo(vol, 6);
    expect(s['Sharpe Ratio']).toBeCloseTo((((1 + g) ** 252 - 1) * 100) / vol, 9);
    const down = Math.sqrt((1005 / 1010 - 1) ** 2 / 5);
    expect(s['Sortino Ratio']).toBeCloseTo(((1 + g) ** 252 - 1) / (down * Math.sqrt(252)), 9);
    const maxDd = 1 - 1005 / 1010;
    expect(s['Max. Drawdown [%]']).toBeCloseTo(-maxDd * 100, 12);
    expect(s['Calmar Ratio']).toBeCloseTo(((1 + g) ** 252 - 1) / maxDd, 9);
    expect(s['Max. Drawdown Duration']).toBe('2 days 00:00:00');
    expect(s['CAGR [%]']).toBeCloseTo((1.025 ** (365.25 / 5) - 1) * 100, 9);
    const x = [0, 0.01, 1005 / 1010 - 1, 1025 / 1005 - 1, 0].map((q) => Math.log(1 + q));
    const y = [11 / 10, 12 / 11, 11 / 12, 13 / 11, 14 / 13].map(Math.log);
    const mx = x.reduce((a, q) => a + q, 0) / 5;
    const my = y.reduce((a, q) => a + q, 0) / 5;
    const beta = x.reduce((a, q, i) => a + (q - mx) * (y[i]! - my), 0) / y.reduce((a, q) => a + (q - my) ** 2, 0);
    expect(s['Beta']).toBeCloseTo(beta, 12);
    expect(s['Alpha [%]']).toBeCloseTo(2.5 - beta * (14 / 11 - 1) * 100, 9);
  });

  it('reports R statistics with Van Tharp SQN', () => {
    expect(computeRStats([null, null])).toBeNull();
    const r = computeRStats([1, -1, 2, null]);
    expect(r!.trades).toBe(3);
    expect(r!.expectancyR).toBeCloseTo(2 / 3, 12);
    const sd = Math.sqrt(((1 - 2 / 3) ** 2 + (-1 - 2 / 3) ** 2 + (2 - 2 / 3) ** 2) / 2);
    expect(r!.sqnR).toBeCloseTo((Math.sqrt(3) * (2 / 3)) / sd, 12);
  });
});
