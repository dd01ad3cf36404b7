import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/run.ts';
import { barsFromCandles } from '../backtest/series.ts';
import { BUILTIN_STRATEGIES } from '../backtest/strategies/index.ts';
import type { BacktestOptions, StrategyDefinition } from '../backtest/types.ts';
import { evaluateLatestBar, snapToTick } from './driver.ts';
import { BarHistory } from './history.ts';
import { spyStrategy, type SpiedBar } from './testing.ts';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseCandles } from '../marketdata/importers.ts';

/** The repository's sample file: Coinbase BTC-USD hourly candles, oldest first. */
function sampleCandles() {
  const path = new URL('../../../data/coinbase-btcusd-1h.csv.gz', import.meta.url);
  return parseCandles(gunzipSync(readFileSync(path)).toString('utf8')).candles;
}

const candles = sampleCandles().slice(0, 700);

/** Runs the backtest with a spy, then the driver bar by bar on a growing history with the trades the spy saw. */
function compare(
  def: StrategyDefinition<any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  params: Record<string, unknown>,
  options: BacktestOptions,
): { spied: SpiedBar[]; acted: number } {
  const spied: SpiedBar[] = [];
  runBacktest(barsFromCandles(candles), spyStrategy(def, spied), params, options);
  const byBar = new Map(spied.map((s) => [s.i, s]));
  const history = new BarHistory('0.01');
  let acted = 0;
  for (let i = 0; i < candles.length; i++) {
    history.append(candles[i]!);
    const seen = byBar.get(i);
    const ev = evaluateLatestBar(def, params, history.series(), seen?.trades ?? []);
    expect(ev.acted, `bar ${i}`).toBe(seen !== undefined);
    if (seen) {
      acted++;
      expect(ev.intents, `bar ${i}`).toEqual(seen.intents);
    }
  }
  return { spied, acted };
}

describe('evaluateLatestBar on a growing series', () => {
  it('gives on every bar the calls breakout makes in the backtest (Testudo mode, trade on close)', () => {
    const { spied, acted } = compare(BUILTIN_STRATEGIES.breakout!, {}, { tradeOnClose: true, testudo: {} });
    expect(acted).toBe(spied.length);
    // breakout's warm-up: High(20)/Low(20) have a value from bar 20, ATR(14) from bar 14: next from bar 21
    expect(spied[0]!.i).toBe(21);
    expect(spied.filter((s) => s.intents.length > 0).length).toBeGreaterThan(5);
    expect(spied.some((s) => s.trades.length > 0)).toBe(true);
  });

  it('gives on every bar the calls sma-cross (close then buy/sell, with stops) makes in a plain backtest', () => {
    const { spied } = compare(BUILTIN_STRATEGIES['sma-cross']!, { fast: 5, slow: 15, stopAtr: 2, rr: 2 }, {});
    expect(spied.some((s) => s.intents.some((x) => x.kind === 'close'))).toBe(true);
    expect(spied[0]!.i).toBe(15);
  });

  it('does not call next before bar 1 + warm-up, and reports indicators without a value', () => {
    const h = new BarHistory('0.01', candles.slice(0, 10));
    const ev = evaluateLatestBar(BUILTIN_STRATEGIES.breakout!, {}, h.series(), []);
    expect(ev).toMatchObject({ acted: false, intents: [], warmup: 0 });
    expect(ev.valueless).toEqual(['High(20)', 'Low(20)', 'ATR(14)']);
    // at 20 bars ATR(14) has values but the 20-bar channel none yet: still waiting
    const h20 = new BarHistory('0.01', candles.slice(0, 20));
    expect(evaluateLatestBar(BUILTIN_STRATEGIES.breakout!, {}, h20.series(), []).acted).toBe(false);
  });

  it('refuses unknown parameters and names a strategy failure with its bar', () => {
    const h = new BarHistory('0.01', candles.slice(0, 40));
    expect(() => evaluateLatestBar(BUILTIN_STRATEGIES.breakout!, { nope: 1 }, h.series(), [])).toThrow(/nope/);
    const broken: StrategyDefinition = {
      name: 'broken',
      description: 'throws',
      params: {},
      init: () => () => {
        throw new Error('boom');
      },
    };
    expect(() => evaluateLatestBar(broken, {}, h.series(), [])).toThrow(/bar 39 .*boom/);
  });
});

describe('snapToTick', () => {
  it('rounds to the nearest tick as the backtester does and writes exact decimal text', () => {
    expect(snapToTick(8035.884999, '0.01')).toBe('8035.88');
    expect(snapToTick(8035.885001, '0.01')).toBe('8035.89');
    expect(snapToTick(12.3, '0.5')).toBe('12.5');
    expect(snapToTick(17, '5')).toBe('15');
    expect(snapToTick(null, '0.01')).toBeNull();
    expect(() => snapToTick(-1, '0.01')).toThrow(RangeError);
  });
});

describe('BarHistory', () => {
  it('refuses a bar at or before the last one and keeps earlier series views unchanged', () => {
    const h = new BarHistory('0.01', candles.slice(0, 3));
    const before = h.series();
    expect(h.append(candles[1]!)).toBe(false);
    expect(h.append(candles[3]!)).toBe(true);
    expect(before.length).toBe(3);
    expect(h.series().close[3]).toBe(Number(candles[3]!.close));
    expect(h.indexOf(candles[2]!.time)).toBe(2);
    expect(h.indexOf(candles[2]!.time + 1)).toBe(-1);
  });
});
