import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import rsiReversion from '../examples/strategies/rsi-reversion.ts';
import { runBacktest } from '../src/core/backtest/run.ts';
import { barsFromCandles } from '../src/core/backtest/series.ts';
import { loadCandleFile } from '../src/feed/load.ts';

const GOOG = new URL('../../shared/data/GOOG.csv', import.meta.url).pathname;

describe.skipIf(!existsSync(GOOG))('the example strategy (init, next; needs ../shared/data/GOOG.csv)', () => {
  it('trades GOOG with a stop on every entry and sells when RSI is overbought', async () => {
    const { candles } = await loadCandleFile(GOOG);
    const r = runBacktest(barsFromCandles(candles), rsiReversion, { period: '14' }, { finalizeTrades: true });
    expect(r.firstTradingBar).toBe(14);
    expect(r.trades.length).toBeGreaterThan(3);
    for (const t of r.trades) {
      expect(t.sl).not.toBeNull();
      expect(['signal', 'stop', 'end']).toContain(t.exitReason);
      expect(Number(t.size)).toBeGreaterThan(0);
    }
    expect(r.rStats!.trades).toBe(r.trades.length);
  });
});
