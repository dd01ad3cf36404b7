import { describe, expect, it } from 'vitest';
import type { DailyResult, Excursion } from './api';
import {
  breakdownBars,
  breakdownLabel,
  breakdownSummary,
  cumulativeSummary,
  underwaterSummary,
  bucketR,
  calendarGrid,
  cumulativeR,
  equitySeries,
  filteredEquity,
  withAlpha,
  excursionPoints,
  hasTrades,
  heatIntensity,
  histogramBars,
  holdingPoints,
  underwaterFromEquity,
  underwaterR,
} from './transforms';

const ex = (id: number, r: number, closedAt: string, more: Partial<Excursion> = {}): Excursion => ({
  id,
  r,
  maeR: -0.5,
  mfeR: 1,
  holdingSeconds: 7200,
  side: 'buy',
  symbol: 'BTC-USD',
  setup: null,
  closedAt,
  ...more,
});

const day = (d: string, netPnl: string, r: number): DailyResult => ({
  day: d,
  trades: 1,
  wins: r > 0 ? 1 : 0,
  losses: r < 0 ? 1 : 0,
  netPnl,
  r,
});

describe('cumulative R and the underwater curve', () => {
  it('sums R in close order (ties by id) without binary noise', () => {
    const cum = cumulativeR([
      ex(3, 0.2, '2024-01-02T00:00:00.000Z'),
      ex(1, 0.1, '2024-01-01T00:00:00.000Z'),
      ex(2, -1, '2024-01-02T00:00:00.000Z'),
    ]);
    expect(cum.map((p) => [p.n, p.id, p.cumR])).toEqual([
      [1, 1, 0.1],
      [2, 2, -0.9],
      [3, 3, -0.7],
    ]);
  });

  it('measures the drawdown below the running peak of ΣR, under water from a first loss', () => {
    const cum = cumulativeR([
      ex(1, -1, '2024-01-01T00:00:00Z'),
      ex(2, 3, '2024-01-02T00:00:00Z'),
      ex(3, -1, '2024-01-03T00:00:00Z'),
      ex(4, -0.5, '2024-01-04T00:00:00Z'),
      ex(5, 2, '2024-01-05T00:00:00Z'),
    ]);
    expect(underwaterR(cum).map((p) => p.ddR)).toEqual([0, -1, 0, -1, -1.5, 0]);
  });

  it('is flat at zero for an empty journal', () => {
    expect(cumulativeR([])).toEqual([]);
    expect(underwaterR([])).toEqual([{ n: 0, time: '', ddR: 0 }]);
  });

  it('turns the equity curve into percent below its peak', () => {
    const pts = underwaterFromEquity([
      { time: 'a', equity: '10000', drawdown: '0' },
      { time: 'b', equity: '9000', drawdown: '1000' },
      { time: 'c', equity: '9500', drawdown: '1000', peak: '10500' },
    ]);
    expect(pts.map((p) => p.pct)).toEqual([0, -10, -9.52381]);
  });
});

describe('the calendar heat map', () => {
  it('lays out whole Monday-first weeks in columns with each day in its weekday row', () => {
    // 2024-01-03 is a Wednesday, 2024-01-09 a Tuesday.
    const g = calendarGrid([day('2024-01-03', '12.5', 1), day('2024-01-09', '-40', -2)]);
    expect(g.weeks).toBe(2);
    expect(g.cells).toHaveLength(14);
    expect(g.cells[0]).toMatchObject({ day: '2024-01-01', col: 0, row: 0, result: null });
    expect(g.cells.find((c) => c.day === '2024-01-03')).toMatchObject({ col: 0, row: 2 });
    expect(g.cells.find((c) => c.day === '2024-01-09')).toMatchObject({ col: 1, row: 1 });
    expect(g.cells[13]).toMatchObject({ day: '2024-01-14', row: 6 });
    expect(g.maxAbsPnl).toBe(40);
    expect(g.maxAbsR).toBe(2);
    expect(g.months).toEqual([{ col: 0, label: 'Jan' }]);
  });

  it('labels the week in which a month starts and keeps only the latest weeks', () => {
    const g = calendarGrid([day('2024-01-29', '1', 1), day('2024-02-05', '1', 1)]);
    expect(g.months).toEqual([{ col: 0, label: 'Feb' }]);
    const long = calendarGrid([day('2023-01-02', '1', 1), day('2024-06-30', '1', 1)], 10);
    expect(long.weeks).toBe(10);
    expect(long.cells.at(-1)!.day).toBe('2024-06-30');
    expect(long.cells.some((c) => c.day === '2023-01-02')).toBe(false);
  });

  it('is empty without days, and scales colour with a visible floor', () => {
    expect(calendarGrid([])).toEqual({ weeks: 0, cells: [], months: [], maxAbsPnl: 0, maxAbsR: 0 });
    expect(heatIntensity(0, 10)).toBe(0);
    expect(heatIntensity(5, 0)).toBe(0);
    expect(heatIntensity(-10, 10)).toBe(1);
    expect(heatIntensity(0.001, 10)).toBeCloseTo(0.15, 3);
  });
});

describe('histogram, breakdowns and scatter points', () => {
  it('buckets R on multiples of the width, a stop-out in [-1, -0.5), contiguous', () => {
    expect(bucketR([-1, 0.3, 2.2], 0.5)).toEqual([
      { from: -1, to: -0.5, count: 1 },
      { from: -0.5, to: 0, count: 0 },
      { from: 0, to: 0.5, count: 1 },
      { from: 0.5, to: 1, count: 0 },
      { from: 1, to: 1.5, count: 0 },
      { from: 1.5, to: 2, count: 0 },
      { from: 2, to: 2.5, count: 1 },
    ]);
    expect(bucketR([0.3], 0.1)).toEqual([{ from: 0.3, to: 0.4, count: 1 }]);
    expect(bucketR([])).toEqual([]);
    expect(() => bucketR([1], 0)).toThrow(RangeError);
  });

  it('labels histogram bars, open end buckets included', () => {
    const bars = histogramBars([
      { from: null, to: -50, count: 1 },
      { from: -1, to: -0.5, count: 2 },
      { from: 0, to: 0.5, count: 1 },
      { from: 49.5, to: null, count: 1 },
    ]);
    expect(bars.map((b) => [b.label, b.positive])).toEqual([
      ['< -50', false],
      ['-1 to -0.5', false],
      ['0 to 0.5', true],
      ['≥ 49.5', true],
    ]);
  });

  it('labels breakdown groups, converts win rate to percent and keeps every hour', () => {
    const bars0 = { key: '', trades: 0, wins: 0, losses: 0, winRate: 0, totalR: 0, expectancyR: 0, netPnl: '0' };
    expect(breakdownLabel('weekday', 'monday')).toBe('Mon');
    expect(breakdownLabel('hour', '07')).toBe('07h');
    expect(breakdownLabel('side', 'sell')).toBe('Short');
    expect(breakdownLabel('tag', null)).toBe('(no tags)');
    const bars = breakdownBars('setup', [
      { key: 'breakout', trades: 4, wins: 3, losses: 1, winRate: 0.75, totalR: 5, expectancyR: 1.25, netPnl: '-1.5' },
    ]);
    expect(bars[0]).toMatchObject({ label: 'breakout', winRatePct: 75, netPnl: -1.5 });
    expect(hasTrades([{ trades: 0 }, { trades: 0 }])).toBe(false);
    const hours = Array.from({ length: 24 }, (_, h) => ({ ...bars0, key: String(h).padStart(2, '0') }));
    expect(breakdownBars('hour', hours)).toHaveLength(24);
    expect(breakdownBars('tag', hours, 20)).toHaveLength(20);
  });

  it('keeps trades with both excursions for MAE/MFE and converts holding time to hours', () => {
    const trades = [ex(1, 2, 'x'), ex(2, -1, 'y', { maeR: null, holdingSeconds: null })];
    expect(excursionPoints(trades)).toEqual([{ id: 1, mae: -0.5, mfe: 1, r: 2, win: true, symbol: 'BTC-USD' }]);
    expect(holdingPoints(trades)).toEqual([{ id: 1, hours: 2, r: 2, win: true, symbol: 'BTC-USD' }]);
  });
});

describe('text summaries of the charts', () => {
  it('names the best and worst group, ignoring empty ones', () => {
    const bars = breakdownBars('weekday', [
      { key: 'monday', trades: 2, wins: 1, losses: 1, winRate: 0.5, totalR: 1, expectancyR: 0.5, netPnl: '1' },
      { key: 'tuesday', trades: 0, wins: 0, losses: 0, winRate: 0, totalR: 0, expectancyR: 0, netPnl: '0' },
      { key: 'friday', trades: 1, wins: 0, losses: 1, winRate: 0, totalR: -1, expectancyR: -1, netPnl: '-1' },
    ]);
    expect(breakdownSummary('weekday', bars)).toBe(
      '2 weekday groups with trades. Best: Mon +1.00R over 2 trades; worst: Fri -1.00R over 1 trade.',
    );
    expect(breakdownSummary('tag', [])).toBe('No closed trades by tag.');
  });

  it('describes the cumulative R line and its drawdown', () => {
    const cum = cumulativeR([ex(1, 2, 'a'), ex(2, -1, 'b')]);
    expect(cumulativeSummary(cum)).toBe('2 closed trades end at +1.00R cumulative; highest +2.00R, lowest +1.00R.');
    expect(underwaterSummary(underwaterR(cum))).toBe(
      'Deepest drawdown -1.00R below the peak of cumulative R; now -1.00R below it.',
    );
  });
});

describe('the equity series for lightweight-charts', () => {
  it('gives strictly increasing seconds, a later point in the same second replacing the earlier', () => {
    expect(
      equitySeries([
        { time: '2024-01-01T00:00:00.000Z', equity: '10000', drawdown: '0' },
        { time: '2024-01-01T01:00:00.200Z', equity: '9900', drawdown: '100' },
        { time: '2024-01-01T01:00:00.900Z', equity: '10100.5', drawdown: '0' },
      ]),
    ).toEqual([
      { time: 1704067200, value: 10000 },
      { time: 1704070800, value: 10100.5 },
    ]);
  });

  it('adds an alpha channel to hex colours only', () => {
    expect(withAlpha('#3b82f6', 0.5)).toBe('#3b82f680');
    expect(withAlpha('rgb(1,2,3)', 0.5)).toBe('rgb(1,2,3)');
  });
});

describe('the equity of filtered trades', () => {
  it('adds the daily net P&L of the matching trades to the start equity, day by day', () => {
    const pts = filteredEquity('10000', [day('2024-01-03', '-40.5', -1), day('2024-01-02', '100.25', 2)]);
    expect(pts).toEqual([
      { time: '2024-01-02T00:00:00.000Z', equity: '10000', drawdown: '0' },
      { time: '2024-01-02T23:59:59.000Z', equity: '10100.25', drawdown: '0' },
      { time: '2024-01-03T23:59:59.000Z', equity: '10059.75', drawdown: '40.5' },
    ]);
    expect(filteredEquity('10000', [])).toEqual([]);
  });
});
