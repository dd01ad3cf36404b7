/**
 * The market data feed seen by the trading service: a source of closed OHLCV bars and last prices per symbol.
 * Implemented by the replay feed (a file played back as live) and the live feed (an exchange through CCXT).
 */
import type { Candle, Timeframe } from '../core/marketdata/candle.ts';

/** Called for every bar once it has closed, in time order per symbol. */
export type CandleListener = (symbol: string, candle: Candle) => void;

/** A market data feed. */
export interface MarketFeed {
  /** Human-readable name, e.g. `replay:coinbase-btcusd-1h.csv` or `binance`. */
  readonly name: string;
  /** Bar length of the candles this feed emits. */
  readonly timeframe: Timeframe;
  /** Symbols this feed serves (platform symbols such as `BTC-USD`). */
  symbols(): string[];
  /** Latest price for `symbol` (close of the last emitted bar or last trade), decimal text; undefined before any. */
  lastPrice(symbol: string): string | undefined;
  /** Time (ms UTC) of the feed's "now": the close time of the last emitted bar for replay, the wall clock live. */
  now(): number;
  /** Registers a listener for closed bars; returns a function that removes it. */
  onCandle(listener: CandleListener): () => void;
  /** Starts emitting. */
  start(): Promise<void>;
  /** Stops emitting and releases timers and connections. */
  stop(): Promise<void>;
}
