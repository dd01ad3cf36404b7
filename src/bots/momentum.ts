/**
 * The momentum trader: follows the trend of the market's own price, as read from its candles (klines).
 *
 * Strategy, every `period`: fetch the market's recent candles (`fetchOHLCV`, default 1m bars built by the exchange
 * from its own trades), keep the closed ones, and compare two simple moving averages of their closes: the fast one
 * (last `fast` bars) above the slow one (last `slow` bars) is an up-trend, below it a down-trend (the classic moving
 * average crossover; e.g. Brock, Lakonishok & LeBaron, "Simple technical trading rules", 1992). In an up-trend the bot
 * wants to be long `size`, in a down-trend short `size` (flat with `longOnly`); equal averages, or too few bars,
 * change nothing. Its position is what it bought minus what it sold since it started, so on a spot market a "short"
 * means selling base units it held at the start. When the wanted position differs from the one it has, it sends one
 * market order for the difference — so the position never goes past `±size`.
 */
import { errorBudget, signed, toText, toUnits, type BotContext, type BotSummary } from './common.ts';

/** Settings of the momentum trader. */
export interface MomentumConfig {
  /** Candle length, a CCXT timeframe such as `1m` (default), `1s`, `5m`. */
  timeframe: string;
  /** Bars of the fast average; default 5. */
  fast: number;
  /** Bars of the slow average (more than `fast`); default 20. */
  slow: number;
  /** Position limit, base units as decimal text: the long (and short) position it takes. */
  size: string;
  /** Only go long or flat, never below the starting holdings. */
  longOnly: boolean;
  /** Milliseconds between looks at the candles; default 10000. */
  periodMs: number;
}

/** The simple moving average of the last `n` values, or `undefined` when there are fewer than `n`. */
export function sma(values: number[], n: number): number | undefined {
  if (n < 1 || values.length < n) return undefined;
  let sum = 0;
  for (let i = values.length - n; i < values.length; i++) sum += values[i]!;
  return sum / n;
}

/** The trend read from closes, oldest first (pure): `up` (fast SMA > slow SMA), `down` (<), else `undefined`. */
export function trendSignal(
  closes: number[],
  fast: number,
  slow: number,
): { trend: 'up' | 'down'; fast: number; slow: number } | undefined {
  const f = sma(closes, fast);
  const s = sma(closes, slow);
  if (f === undefined || s === undefined || f === s) return undefined;
  return { trend: f > s ? 'up' : 'down', fast: f, slow: s };
}

/**
 * The closes of the bars that have closed by `now` (pure), one per `timeframeMs` from the first row on: CCXT's OHLCV
 * rows `[openTime, o, h, l, c, v]`, oldest first; a bar is closed once `openTime + timeframeMs ≤ now`. An interval
 * without a row (no trade then: the gateway, like many exchanges, leaves empty intervals out) repeats the previous
 * close, since the price did not move.
 */
export function closedCloses(rows: (number | undefined)[][], timeframeMs: number, now: number): number[] {
  const byTime = new Map<number, number>();
  for (const r of rows) if (r[0] !== undefined && r[4] !== undefined) byTime.set(r[0], r[4]);
  const first = rows[0]?.[0];
  if (first === undefined) return [];
  const closes: number[] = [];
  let last = byTime.get(first)!;
  for (let t = first; t + timeframeMs <= now; t += timeframeMs) {
    last = byTime.get(t) ?? last;
    closes.push(last);
  }
  return closes;
}

/**
 * The market order that takes the position (lots) to the one the trend wants (pure): `+size` up, `−size` (or 0 with
 * `longOnly`) down; `undefined` when no order is needed.
 */
export function orderForTrend(
  trend: 'up' | 'down',
  position: number,
  size: number,
  longOnly: boolean,
): { side: 'buy' | 'sell'; amount: number; target: number } | undefined {
  const target = trend === 'up' ? size : longOnly ? 0 : -size;
  const diff = target - position;
  if (diff === 0) return undefined;
  return { side: diff > 0 ? 'buy' : 'sell', amount: Math.abs(diff), target };
}

/**
 * Runs the momentum trader until `ctx.signal` aborts (it leaves its position as it is).
 * @throws BotError `authentication-failed`, `permission-denied`, `too-many-errors`; RangeError when `size` is below
 * one lot or `fast ≥ slow`.
 */
export async function runMomentum(cfg: MomentumConfig, ctx: BotContext): Promise<BotSummary> {
  const { exchange, market: m, signal, clock, log } = ctx;
  const size = toUnits(Number(cfg.size), m.lot, 'floor');
  if (!(size >= 1)) throw new RangeError(`--size ${cfg.size} is below the lot of ${m.lot} ${m.base}`);
  if (!(cfg.fast >= 1 && cfg.fast < cfg.slow))
    throw new RangeError(`--fast ${cfg.fast} must be ≥ 1 and below --slow ${cfg.slow}`);
  const timeframeMs = exchange.parseTimeframe(cfg.timeframe) * 1000;
  const budget = errorBudget(log);
  const summary: BotSummary = { orders: 0, cancels: 0, errors: 0 };
  const baseHeld = async (): Promise<number> =>
    toUnits((await exchange.fetchBalance())[m.base]?.total ?? 0, m.lot, 'floor');
  const start = await baseHeld();
  log(`start ${m.symbol}: ${cfg.fast}/${cfg.slow} × ${cfg.timeframe} averages, position limit ±${toText(size, m.lot)}`);
  let lastTrend: string | undefined;

  while (!signal.aborted) {
    await budget.run('look', async () => {
      const rows = await exchange.fetchOHLCV(m.symbol, cfg.timeframe, undefined, 2 * cfg.slow + 2);
      const s = trendSignal(closedCloses(rows, timeframeMs, clock.now()), cfg.fast, cfg.slow);
      if (!s) {
        if (lastTrend !== 'none') log(`no signal yet: fewer than ${cfg.slow} closed ${cfg.timeframe} bars or flat`);
        lastTrend = 'none';
        return;
      }
      const position = (await baseHeld()) - start;
      const order = orderForTrend(s.trend, position, size, cfg.longOnly);
      const why = `${s.trend}-trend (fast ${s.fast.toPrecision(6)} ${s.trend === 'up' ? '>' : '<'} slow ${s.slow.toPrecision(6)})`;
      if (!order) {
        if (lastTrend !== s.trend) log(`${why}: position ${signed(toText(position, m.lot))} is where it should be`);
        lastTrend = s.trend;
        return;
      }
      lastTrend = s.trend;
      const placed = await exchange.createOrder(m.symbol, 'market', order.side, Number(toText(order.amount, m.lot)));
      summary.orders++;
      log(
        `${why}: ${order.side} ${toText(order.amount, m.lot)} ${m.base} at market, filled ${placed.filled ?? '?'}` +
          `${placed.average ? ` at ${placed.average}` : ''}; position ${signed(toText(position, m.lot))} → target ${signed(toText(order.target, m.lot))}`,
      );
    });
    await clock.sleep(cfg.periodMs, signal);
  }
  summary.errors = budget.count();
  log(`stopped: ${summary.orders} orders, ${summary.errors} errors`);
  return summary;
}
