/**
 * The backtester's public shapes: bars, strategies, options, results and errors.
 *
 * Units: prices seen by strategies are numbers in quote currency (for indicators); the broker works on integer
 * ticks (`price = ticks × tickSize`) and integer lots (`units = lots × lotSize`) and keeps cash in bigint money
 * atoms (10^-12); what leaves the backtester as money (prices, P&L, commissions) is decimal text. Statistics are
 * floats (see `stats.ts` for their definitions). Times are ms since the epoch, UTC.
 */
import type { RiskProfile } from '../risk/profile.ts';

/**
 * OHLCV bars in columns. `open..close` are quote-currency numbers for strategies and indicators; `ticks` holds the
 * same prices as whole numbers of `tickSize` (exact), which is what the broker fills at.
 */
export interface BarSeries {
  readonly length: number;
  /** Bar open times, ms UTC, strictly ascending. */
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Volume in base units (0 when the source has none). Not money: a float. */
  readonly volume: Float64Array;
  /** The same prices in integer ticks (each element a whole number). */
  readonly ticks: {
    readonly open: Float64Array;
    readonly high: Float64Array;
    readonly low: Float64Array;
    readonly close: Float64Array;
  };
  /** Tick size as decimal text, e.g. "0.01". */
  readonly tickSize: string;
}

/** Type of a strategy parameter. `int` accepts whole numbers only. */
export type ParamType = 'int' | 'number' | 'boolean' | 'string';

/** A strategy parameter: its type, default and optional bounds (inclusive). */
export interface ParamSpec {
  type: ParamType;
  default: number | boolean | string;
  min?: number;
  max?: number;
  description: string;
}

/** Resolved parameter values by name. */
export type Params = Record<string, number | boolean | string>;

/** Options of an order placed in `next`. Prices are quote-currency numbers, snapped to the nearest tick. */
export interface OrderOptions {
  /**
   * Size: omitted = all available equity in whole lots; `0 < size < 1` = that fraction of available equity;
   * `size ≥ 1` = that many units (whole lots). In Testudo mode the size comes from the stop and this is ignored.
   */
  size?: number;
  /** Limit price: the order rests until the bar trades at or through it. */
  limit?: number;
  /** Stop price: the order becomes a market (or limit, with `limit`) order when the bar trades at or through it. */
  stop?: number;
  /** Stop-loss attached to the trade the order opens (a stop-market, reduce-only). */
  sl?: number;
  /** Take-profit attached to the trade the order opens (a limit, reduce-only). */
  tp?: number;
  /** Free text carried to the trade (e.g. the setup name). */
  tag?: string;
}

/** An open trade as a strategy sees it. */
export interface OpenTradeView {
  /** Signed size in units (negative = short). */
  readonly size: number;
  readonly entryPrice: number;
  readonly entryBar: number;
  readonly sl: number | null;
  readonly tp: number | null;
}

/** What `next` receives; the same object every bar, with `i` advanced. */
export interface BarContext {
  /** Index of the current bar; `data.close[i]` is the latest close. Never read beyond `i`. */
  readonly i: number;
  readonly data: BarSeries;
  /** Signed position size in units (sum of open trades; 0 when flat). */
  readonly positionSize: number;
  /** Open trades, oldest first. */
  readonly trades: readonly OpenTradeView[];
  /** Cash plus open P&L at the current close, quote currency. */
  equity(): number;
  /** Places a long order (fills from the next bar, or this bar's close with `tradeOnClose`). */
  buy(opts?: OrderOptions): void;
  /** Places a short order. */
  sell(opts?: OrderOptions): void;
  /** Closes every open trade at the next fill (next open, or this close with `tradeOnClose`). */
  closePosition(): void;
  /** Cancels pending entry orders (not stop-loss/take-profit orders). */
  cancelOrders(): void;
}

/** What `init` receives. */
export interface InitContext<P extends Params = Params> {
  /** The whole series (for vectorised indicators). */
  readonly data: BarSeries;
  readonly params: P;
  /**
   * Declares an indicator (for the warm-up and the report): returns `values` as a Float64Array. NaN marks bars
   * without a value; the first `next` call is at the bar after the first bar where every declared indicator has a
   * value (backtesting.py's warm-up; an indicator with no value at all does not delay it).
   */
  indicator(name: string, values: ArrayLike<number>, opts?: { overlay?: boolean }): Float64Array;
}

/**
 * A strategy: declared parameters, `init` that computes indicators once (vectorised), and the per-bar `next`.
 * Two equivalent shapes: `init` returns the `next` function (closures keep the indicators), or `init` returns any
 * state and the definition has a `next(ctx, state)` method.
 */
export interface StrategyDefinition<P extends Params = Params, S = never> {
  /** Kebab-case name, e.g. `sma-cross`. */
  name: string;
  description: string;
  params: { [K in keyof P]: ParamSpec };
  init(ctx: InitContext<P>): ((ctx: BarContext) => void) | S;
  /** Per-bar logic when `init` returns state instead of a function. */
  next?(ctx: BarContext, state: S): void;
}

/** Commission: a fraction of traded value, or a fixed amount (quote currency) plus a fraction, per fill. */
export type Commission = string | { fixed: string; rate: string };

/**
 * Maker and taker fee rates (fractions as decimal text, "0.001" = 0.1%), charged per fill exactly as the paper
 * exchange does (`src/core/execution/bracket.ts`): market entries, stop entries, stop-losses and every market exit
 * (closes, `finalizeTrades`, out-of-money) pay the taker rate; limit entries and take-profits (resting orders) pay
 * the maker rate; each fee is |quantity| × fill price × rate rounded UP to the money atom (`feeAtoms`).
 */
export interface ExchangeFees {
  maker: string;
  taker: string;
}

/** Testudo mode: size from the stop and apply the account's rules inside the backtest. */
export interface TestudoModeOptions {
  /** The risk profile (rules and risk per trade); defaults to the Testudo Protocol defaults. */
  profile?: RiskProfile;
  /**
   * Bar length, ms, of the rules' clock: a decision on bar i happens at its close, `time[i] + barMs` (the live
   * feed's "now" when it emits the bar), which sets cooldown ends and the daily-loss day; a fill at a bar's close
   * is booked at that time too. Default: the series' usual spacing (the median step between bar open times).
   */
  barMs?: number;
}

/** Backtest options; decimal text for money and fractions. Defaults follow backtesting.py. */
export interface BacktestOptions {
  /** Starting cash, quote currency. Default "10000". */
  cash?: string;
  /** Commission per fill (entry and exit). Default "0". */
  commission?: Commission;
  /**
   * Maker/taker fees as the paper exchange charges them (see {@link ExchangeFees}), instead of `commission`; giving
   * both is a `bad-option`. In Testudo mode sizing uses these rates too (entry: taker for market, maker for limit;
   * stop: taker), as the trading service does. R counts the entry fee as charged plus the taker fee at the stop.
   */
  fees?: ExchangeFees;
  /** Spread as a fraction added to the entry price against the trader. Default "0". */
  spread?: string;
  /** Each new order closes the open position and cancels pending entries first. Default false. */
  exclusiveOrders?: boolean;
  /** Market orders placed on bar i fill at bar i's close instead of bar i+1's open. Default false. */
  tradeOnClose?: boolean;
  /**
   * Close trades still open after the last bar, so they count, as backtesting.py's `finalize_trades`: a closing
   * market order for each, processed (with any order placed on the last bar) by one more pass over the last bar,
   * so they fill at the last bar's open (with `tradeOnClose`, at the previous bar's close). Default false.
   */
  finalizeTrades?: boolean;
  /** Size of one lot in units. Default "1" (whole units, as backtesting.py). */
  lotSize?: string;
  /** Testudo mode (risk sizing from the stop, account rules). Off when omitted. */
  testudo?: TestudoModeOptions;
}

/** Why a trade ended. */
export type ExitReason = 'signal' | 'stop' | 'target' | 'end' | 'out-of-money';

/** A closed trade. Money and prices are decimal text (quote currency); sizes in units (signed). */
export interface BacktestTrade {
  size: string;
  entryBar: number;
  exitBar: number;
  entryTime: number;
  exitTime: number;
  /** Entry price including the spread. */
  entryPrice: string;
  exitPrice: string;
  sl: string | null;
  tp: string | null;
  /** Net P&L after both commissions. */
  pnl: string;
  commission: string;
  /** side × (exit ÷ entry − 1) − commissions ÷ (|size| × entry), a fraction. */
  returnPct: number;
  /**
   * Net P&L ÷ initial risk when the trade had a stop-loss at entry (else null); initial risk = |entry − sl| × |size|
   * plus the entry and stop-exit commissions, as the journal defines it (a stop-out at the stop is exactly −1R).
   */
  rMultiple: number | null;
  exitReason: ExitReason;
  tag: string | null;
}

/** The statistics, named and defined as backtesting.py's (see `stats.ts`), in this order. */
export const STAT_KEYS = [
  'Start',
  'End',
  'Duration',
  'Exposure Time [%]',
  'Equity Final [$]',
  'Equity Peak [$]',
  'Commissions [$]',
  'Return [%]',
  'Buy & Hold Return [%]',
  'Return (Ann.) [%]',
  'Volatility (Ann.) [%]',
  'CAGR [%]',
  'Sharpe Ratio',
  'Sortino Ratio',
  'Calmar Ratio',
  'Alpha [%]',
  'Beta',
  'Max. Drawdown [%]',
  'Avg. Drawdown [%]',
  'Max. Drawdown Duration',
  'Avg. Drawdown Duration',
  '# Trades',
  'Win Rate [%]',
  'Best Trade [%]',
  'Worst Trade [%]',
  'Avg. Trade [%]',
  'Max. Trade Duration',
  'Avg. Trade Duration',
  'Profit Factor',
  'Expectancy [%]',
  'SQN',
  'Kelly Criterion',
] as const;

/** One statistic's name. */
export type StatKey = (typeof STAT_KEYS)[number];

/**
 * Statistic values: ISO 8601 text for Start/End, duration text like `"584 days 00:00:00"` for durations, numbers
 * otherwise; null where backtesting.py gives NaN (e.g. win rate with no trades).
 */
export type BacktestStats = Record<StatKey, number | string | null>;

/** R-multiple statistics over trades that had a stop-loss at entry. */
export interface RStats {
  trades: number;
  /** Mean R. */
  expectancyR: number | null;
  /** √min(n,100) × mean R ÷ sample stdev R (Van Tharp). */
  sqnR: number | null;
}

/** Everything a backtest produces. */
export interface BacktestResult {
  stats: BacktestStats;
  rStats: RStats | null;
  trades: BacktestTrade[];
  /** Equity per bar (cash + open P&L at the close), quote currency, float. */
  equity: Float64Array;
  /** Drawdown per bar, `1 − equity ÷ running peak` (fraction). */
  drawdown: Float64Array;
  /**
   * backtesting.py's `first_trading_bar`: the first bar where every indicator has a value (0 without indicators).
   * Buy & Hold runs from its close; `next` is first called on the bar after it.
   */
  firstTradingBar: number;
  /** Declared indicators by name (for reports). */
  indicators: { name: string; values: Float64Array; overlay: boolean }[];
  /** Orders refused in Testudo mode, counted by rule code (e.g. `daily-loss-limit-hit`). */
  rejections: Record<string, number>;
  /**
   * What the caller should tell the user: gaps in the bars (reported, never filled), an indicator that never had a
   * value, a series too short for `next` ever to run. The run itself is complete.
   */
  warnings: string[];
  /** Wall time of each phase, ms, when the caller passed a clock. */
  timings?: { initMs: number; loopMs: number; statsMs: number };
}

/** Stable codes of {@link BacktestError}. */
export type BacktestErrorCode =
  'bad-bars' | 'unknown-param' | 'bad-param' | 'bad-option' | 'bad-order' | 'strategy-error' | 'unknown-strategy';

/**
 * A backtest was refused or failed: bad bars (names the bar), a bad parameter (names it), a bad option, an
 * invalid order, or a strategy that threw (names the bar). No partial result exists when this is thrown.
 */
export class BacktestError extends Error {
  override readonly name = 'BacktestError';
  constructor(
    readonly code: BacktestErrorCode,
    message: string,
    readonly details: { bar?: number; time?: number; param?: string; option?: string } = {},
  ) {
    super(message);
  }
}
