/**
 * Test helpers of strategy runs: the repository's sample of Coinbase BTC-USD hourly candles, a context over a test
 * database with a replay of them (BTC-USD seeded with equal maker and taker fees, so the backtester's one commission
 * rate is the paper exchange's), and the backtest a run must agree with.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createContext, type AppContext } from '../context.ts';
import type { Candle } from '../../core/marketdata/candle.ts';
import { parseCandles } from '../../core/marketdata/importers.ts';
import { DEFAULT_INSTRUMENTS, type Instrument } from '../../core/instruments/instrument.ts';
import type { Sql } from '../../db/sql.ts';
import { ReplayFeed } from '../../feed/replay.ts';

/** The repository's sample file (data/coinbase-btcusd-1h.csv.gz): Coinbase BTC-USD hourly candles, oldest first. */
export function sampleCandles(): Candle[] {
  const path = new URL('../../../data/coinbase-btcusd-1h.csv.gz', import.meta.url);
  return parseCandles(gunzipSync(readFileSync(path)).toString('utf8')).candles;
}

/** The fee rate of {@link PARITY_BTC_USD} on both sides (the backtest's `commission`). */
export const PARITY_FEE = '0.001';

/** BTC-USD as seeded by default but with maker fee = taker fee = {@link PARITY_FEE}. */
export const PARITY_BTC_USD: Instrument = {
  ...DEFAULT_INSTRUMENTS.find((i) => i.symbol === 'BTC-USD')!,
  makerFee: PARITY_FEE,
  takerFee: PARITY_FEE,
};

/** A context over `sql` with a replay of `candles` as BTC-USD 1h whose cursor starts at `startIndex`. */
export async function openReplayContext(
  sql: Sql,
  candles: Candle[],
  startIndex = 0,
): Promise<{ ctx: AppContext; feed: ReplayFeed }> {
  const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, startIndex });
  const ctx = await createContext({ sql, feed, instruments: [PARITY_BTC_USD] });
  return { ctx, feed };
}

/** Emits the next `n` bars one at a time, each processed by the trading service and every run before the next. */
export async function stepBars(ctx: AppContext, feed: ReplayFeed, n = 1): Promise<void> {
  for (let k = 0; k < n; k++) {
    if (feed.step(1) !== 1) throw new Error('the replay has ended');
    await ctx.trading.drain();
    await ctx.strategies.drain();
    if (ctx.trading.lastBarError) throw ctx.trading.lastBarError;
  }
}
