import { describe, expect, it } from 'vitest';
import type { JournalStats } from './api';
import { statRows } from './stats';

const empty: JournalStats = {
  trades: 0,
  wins: 0,
  losses: 0,
  breakeven: 0,
  winRate: 0,
  avgWinR: 0,
  avgLossR: 0,
  expectancyR: 0,
  sqn: null,
  profitFactor: null,
  totalR: 0,
  grossProfit: '0',
  grossLoss: '0',
  netPnl: '0',
  maxDrawdown: '0',
  maxDrawdownPct: 0,
  longestLosingStreak: 0,
};

const value = (s: JournalStats, key: string) => statRows(s).find((r) => r.key === key)?.value;

describe('the statistics sidebar', () => {
  it('shows – for every figure of an empty journal, never 0.0%', () => {
    const rows = statRows(empty);
    expect(rows.find((r) => r.key === 'trades')?.value).toBe('0');
    for (const r of rows.filter((r) => r.key !== 'trades')) expect(r.value, r.key).toBe('–');
  });

  it('formats the figures of a journal with trades, with signed tones', () => {
    const s: JournalStats = {
      ...empty,
      trades: 4,
      wins: 1,
      losses: 3,
      winRate: 0.25,
      avgWinR: 2.5,
      avgLossR: -1,
      expectancyR: -0.125,
      sqn: -0.21,
      profitFactor: 0.8333,
      totalR: -0.5,
      netPnl: '-12.5',
      maxDrawdown: '31.2',
      maxDrawdownPct: 0.312,
      longestLosingStreak: 3,
    };
    expect(value(s, 'win-rate')).toBe('25.0%');
    expect(value(s, 'expectancy')).toBe('-0.13R');
    expect(value(s, 'sqn')).toBe('-0.21');
    expect(value(s, 'profit-factor')).toBe('0.83');
    expect(value(s, 'max-drawdown')).toBe('31.20 (0.3%)');
    expect(value(s, 'total-r')).toBe('-0.50R');
    expect(value(s, 'avg-win')).toBe('+2.50R');
    expect(value(s, 'losing-streak')).toBe('3');
    expect(statRows(s).find((r) => r.key === 'total-r')?.tone).toBe('loss');
    expect(statRows(s).find((r) => r.key === 'max-drawdown')?.tone).toBe('loss');
  });

  it('shows – for undefined SQN and profit factor (one winning trade)', () => {
    const s: JournalStats = { ...empty, trades: 1, wins: 1, winRate: 1, totalR: 2, expectancyR: 2, avgWinR: 2 };
    expect(value(s, 'sqn')).toBe('–');
    expect(value(s, 'profit-factor')).toBe('–');
    expect(value(s, 'avg-loss')).toBe('–');
    expect(value(s, 'win-rate')).toBe('100.0%');
  });
});
