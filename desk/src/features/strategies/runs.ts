/**
 * Pure display logic of strategy runs: live statistics as text (trades, win rate, net R, expectancy in R,
 * rejections), parameters as `k=v` text, the status badge's tone, and whether a run can still be stopped.
 */
import { pct, rMultiple } from '@/lib/format';
import type { Tone } from './events';
import type { RunStats } from './types';

/** One statistic as shown: a label, its text, and the sign its colour follows (null: neutral). */
export interface StatText {
  key: 'trades' | 'winRate' | 'netR' | 'expectancyR' | 'rejections';
  label: string;
  text: string;
  sign: number | null;
}

/**
 * The five statistics of a run, in display order. Trades counts closed trades, with the open ones in brackets
 * (`3 (+1 open)`); the win rate is a percentage of closed trades (`–` before the first); R values signed.
 */
export function statsText(s: RunStats): StatText[] {
  return [
    {
      key: 'trades',
      label: 'Trades',
      text: s.open > 0 ? `${s.trades} (+${s.open} open)` : String(s.trades),
      sign: null,
    },
    { key: 'winRate', label: 'Win rate', text: s.winRate === null ? '–' : pct(s.winRate * 100, 1), sign: null },
    { key: 'netR', label: 'Net R', text: rMultiple(s.netR), sign: s.netR },
    { key: 'expectancyR', label: 'Expectancy', text: rMultiple(s.expectancyR), sign: s.expectancyR },
    { key: 'rejections', label: 'Rejections', text: String(s.rejections), sign: s.rejections > 0 ? -1 : null },
  ];
}

/** Parameters as `fast=10 · slow=30` in key order; `defaults` when there are none. */
export function paramsText(params: Record<string, unknown> | null | undefined): string {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return 'defaults';
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}

/** Tone of a run status badge: running green, failed red, stopped neutral. */
export function statusTone(status: string): Tone {
  return status === 'running' ? 'profit' : status === 'failed' ? 'loss' : 'neutral';
}

/** Whether a run in `status` can be stopped (only a running one). */
export function canStop(status: string): boolean {
  return status === 'running';
}
