/**
 * The statistics sidebar's rows from `GET /journal/stats`: every figure formatted, `–` where it is undefined (no
 * trades, no losses for the profit factor, fewer than two trades for SQN) — an empty journal never shows `0.0%`.
 * Pure.
 */
import { money, pct, rMultiple } from '@/lib/format';
import type { JournalStats } from './api';

/** One row of the sidebar: a stable key (for tests), label, formatted value and the tone of its colour. */
export interface StatRow {
  key: string;
  label: string;
  value: string;
  tone: 'profit' | 'loss' | 'neutral';
}

const tone = (n: number | null | undefined): StatRow['tone'] =>
  n === null || n === undefined || !Number.isFinite(n) || n === 0 ? 'neutral' : n > 0 ? 'profit' : 'loss';

const fixed = (n: number | null | undefined, dp = 2): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(dp);

/** The rows of the sidebar, in display order. */
export function statRows(s: JournalStats): StatRow[] {
  const any = s.trades > 0;
  const dd = Number(s.maxDrawdown);
  return [
    { key: 'trades', label: 'Trades', value: String(s.trades), tone: 'neutral' },
    { key: 'win-rate', label: 'Win rate', value: any ? pct(s.winRate * 100, 1) : '–', tone: 'neutral' },
    {
      key: 'expectancy',
      label: 'Expectancy',
      value: any ? rMultiple(s.expectancyR) : '–',
      tone: any ? tone(s.expectancyR) : 'neutral',
    },
    { key: 'sqn', label: 'SQN', value: any ? fixed(s.sqn) : '–', tone: any ? tone(s.sqn) : 'neutral' },
    {
      key: 'profit-factor',
      label: 'Profit factor',
      value: any ? fixed(s.profitFactor) : '–',
      tone: 'neutral',
    },
    {
      key: 'max-drawdown',
      label: 'Max drawdown',
      value: any ? `${money(s.maxDrawdown)}${s.maxDrawdownPct === null ? '' : ` (${pct(s.maxDrawdownPct, 1)})`}` : '–',
      tone: any && dd > 0 ? 'loss' : 'neutral',
    },
    {
      key: 'total-r',
      label: 'Total R',
      value: any ? rMultiple(s.totalR) : '–',
      tone: any ? tone(s.totalR) : 'neutral',
    },
    { key: 'avg-win', label: 'Average win', value: any && s.wins > 0 ? rMultiple(s.avgWinR) : '–', tone: 'neutral' },
    {
      key: 'avg-loss',
      label: 'Average loss',
      value: any && s.losses > 0 ? rMultiple(s.avgLossR) : '–',
      tone: 'neutral',
    },
    {
      key: 'losing-streak',
      label: 'Longest losing streak',
      value: any ? String(s.longestLosingStreak) : '–',
      tone: 'neutral',
    },
    {
      key: 'net-pnl',
      label: 'Net P&L',
      value: any ? money(s.netPnl) : '–',
      tone: any ? tone(Number(s.netPnl)) : 'neutral',
    },
  ];
}
