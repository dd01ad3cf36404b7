/**
 * Test helpers for the backtester: bars from compact tuples and a scripted strategy.
 */
import type { Candle } from '../marketdata/candle.ts';
import { barsFromCandles } from './series.ts';
import type { BarContext, BarSeries, StrategyDefinition } from './types.ts';

const DAY = 86_400_000;

/**
 * Daily bars from `[open, high, low, close]` tuples (decimal text or numbers), starting 2024-01-01 UTC.
 * @param stepMs bar spacing, ms (default one day).
 */
export function bars(
  rows: readonly (readonly (string | number)[])[],
  stepMs = DAY,
  start = 1_704_067_200_000 /* 2024-01-01T00:00Z */,
): BarSeries {
  const candles: Candle[] = rows.map((r, k) => ({
    time: start + k * stepMs,
    open: String(r[0]),
    high: String(r[1]),
    low: String(r[2]),
    close: String(r[3]),
    volume: '0',
  }));
  return barsFromCandles(candles);
}

/** A strategy that runs `script[i]` at bar i (and declares an indicator that is NaN before `warmup`). */
export function scripted(
  script: Record<number, (ctx: BarContext) => void>,
  warmup = 0,
): StrategyDefinition<Record<string, never>> {
  return {
    name: 'scripted',
    description: 'test script',
    params: {},
    init({ data, indicator }) {
      if (warmup > 0) {
        const v = new Float64Array(data.length).fill(1);
        v.fill(NaN, 0, warmup);
        indicator('warmup', v);
      }
      return (ctx) => script[ctx.i]?.(ctx);
    },
  };
}
