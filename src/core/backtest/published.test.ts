/**
 * The backtester and its indicators against published reference values on real data from ../shared/data:
 * backtesting.py 0.6.6's own test suite (`backtesting/test/_test.py`, `TestBacktest.test_compute_stats`: GOOG,
 * `SmaCross(10, 30)`, `finalize_trades=True`, default cash 10,000, no commission), and backtrader's test-suite values
 * of SMA(30) and RSI(14).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCandleFile } from '../../feed/load.ts';
import { rsi, sma } from './indicators.ts';
import { runBacktest } from './run.ts';
import { barsFromCandles } from './series.ts';
import { smaCross } from './strategies/sma-cross.ts';

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
const have = existsSync(`${DATA}GOOG.csv`);
if (!have) console.warn(`skipping published-value tests: ${DATA} is absent (it sits beside the checkout in CI)`);

/**
 * `test_compute_stats`'s expected values, verbatim. The test there compares with `np.isclose(a, b, rtol=1e-8)`;
 * here every value is compared at a relative tolerance of 1e-9 (Equity Final, Return and Equity Peak are printed
 * from Python's float sums, e.g. 51422.98999999996 for 51422.99, and differ from the exact money by ~1e-15).
 */
const TEST_COMPUTE_STATS: [string, number][] = [
  ['# Trades', 66],
  ['Avg. Drawdown [%]', -5.925851581948801],
  ['Avg. Trade [%]', 2.531715975158555],
  ['Best Trade [%]', 53.59595229490424],
  ['Buy & Hold Return [%]', 522.0601851851852],
  ['Calmar Ratio', 0.44166409202994605],
  ['Equity Final [$]', 51422.98999999996],
  ['Equity Peak [$]', 75787.44],
  ['Expectancy [%]', 3.2748078066748834],
  ['Exposure Time [%]', 96.74115456238361],
  ['Max. Drawdown [%]', -47.98012705007589],
  ['Profit Factor', 2.167945974262033],
  ['Return (Ann.) [%]', 21.191099249053224],
  ['Return [%]', 414.2298999999996],
  ['Volatility (Ann.) [%]', 36.49716090702389],
  ['CAGR [%]', 21.160245705962623],
  ['SQN', 1.0766187356697705],
  ['Kelly Criterion', 0.1518705127029717],
  ['Sharpe Ratio', 0.5806232244485349],
  ['Sortino Ratio', 1.0853434352488662],
  ['Win Rate [%]', 46.96969696969697],
  ['Worst Trade [%]', -18.39887353835481],
  ['Alpha [%]', 394.37391142027462],
  ['Beta', 0.03803390709192],
];

describe.skipIf(!have)('published reference values', () => {
  it("equals backtesting.py 0.6.6's test_compute_stats (GOOG, SmaCross(10, 30), finalize_trades) to 1e-9", async () => {
    const { candles } = await loadCandleFile(`${DATA}GOOG.csv`);
    const r = runBacktest(barsFromCandles(candles), smaCross, { fast: 10, slow: 30 }, { finalizeTrades: true });
    const s = r.stats;
    for (const [k, v] of TEST_COMPUTE_STATS) {
      const got = s[k as keyof typeof s] as number;
      expect(Math.abs(got - v), `${k}: ${got} vs published ${v}`).toBeLessThanOrEqual(1e-9 * Math.abs(v));
    }
    expect(s['Start']).toBe('2004-08-19T00:00:00.000Z');
    expect(s['End']).toBe('2013-03-01T00:00:00.000Z');
    expect(s['Duration']).toBe('3116 days 00:00:00');
    expect(s['Max. Drawdown Duration']).toBe('584 days 00:00:00');
    expect(s['Avg. Drawdown Duration']).toBe('41 days 00:00:00');
    expect(s['Max. Trade Duration']).toBe('183 days 00:00:00');
    expect(s['Avg. Trade Duration']).toBe('46 days 00:00:00');
    // backtesting.py leaves 'Commissions [$]' out when there were none.
    expect(s['Commissions [$]']).toBe(0);
    // first_trading_bar = 29 (SMA(30)'s first value, close 129.6); next first runs at bar 30.
    expect(r.firstTradingBar).toBe(29);
    // The last trade is closed by finalize_trades at the last bar's open, on the last bar.
    const last = r.trades.at(-1)!;
    expect([last.exitBar, last.exitReason, last.exitPrice]).toEqual([candles.length - 1, 'end', candles.at(-1)!.open]);
  });

  it("matches backtrader's published SMA(30) and RSI(14) values", async () => {
    const { candles } = await loadCandleFile(`${DATA}backtrader-2006-day-001.csv`);
    const close = candles.map((c) => Number(c.close));
    const at = (day: string): number => candles.findIndex((c) => new Date(c.time).toISOString().startsWith(day));
    const s = sma(close, 30);
    const r = rsi(close, 14);
    expect(s[at('2006-12-29')]).toBeCloseTo(4063.463, 6);
    expect(s[at('2006-02-10')]).toBeCloseTo(3644.444667, 6);
    expect(s[at('2006-07-21')]).toBeCloseTo(3554.693333, 6);
    expect(r[at('2006-12-29')]).toBeCloseTo(57.644284, 6);
    expect(r[at('2006-01-20')]).toBeCloseTo(41.630968, 6);
    expect(r[at('2006-07-12')]).toBeCloseTo(53.352553, 6);
  });
});
