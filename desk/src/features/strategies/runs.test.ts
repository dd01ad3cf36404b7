import { describe, expect, it } from 'vitest';
import { canStop, paramsText, statsText, statusTone } from './runs';

describe('statsText', () => {
  it('shows trades with the open ones, win rate in percent, signed R and rejections', () => {
    const t = statsText({
      trades: 4,
      open: 1,
      wins: 3,
      losses: 1,
      rejections: 2,
      netPnl: '12.5',
      netR: 2.5,
      expectancyR: 0.625,
      winRate: 0.75,
    });
    expect(t.map((s) => [s.label, s.text])).toEqual([
      ['Trades', '4 (+1 open)'],
      ['Win rate', '75.0%'],
      ['Net R', '+2.50R'],
      ['Expectancy', '+0.63R'],
      ['Rejections', '2'],
    ]);
    expect(t.find((s) => s.key === 'rejections')!.sign).toBe(-1);
  });

  it('shows dashes before the first closed trade', () => {
    const t = statsText({
      trades: 0,
      open: 0,
      wins: 0,
      losses: 0,
      rejections: 0,
      netPnl: '0',
      netR: 0,
      expectancyR: null,
      winRate: null,
    });
    expect(t.map((s) => s.text)).toEqual(['0', '–', '0.00R', '–', '0']);
  });
});

describe('run helpers', () => {
  it('writes parameters, status tones and stoppability', () => {
    expect(paramsText({ fast: 10, slow: 30, shorts: true, mode: 'x' })).toBe(
      'fast=10 · slow=30 · shorts=true · mode=x',
    );
    expect(paramsText({})).toBe('defaults');
    expect(statusTone('running')).toBe('profit');
    expect(statusTone('failed')).toBe('loss');
    expect(statusTone('stopped')).toBe('neutral');
    expect(canStop('running')).toBe(true);
    expect(canStop('stopped')).toBe(false);
  });
});
