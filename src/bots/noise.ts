/**
 * The noise trader: takes liquidity at random, like the many small traders who buy and sell for reasons of their own.
 * It gives a market maker someone to trade with and makes the price wander.
 *
 * Strategy: orders arrive as a Poisson process (waits drawn from an exponential distribution with mean `interval`,
 * capped at five times the mean); each one is a buy or a sell with equal odds, of a size drawn uniformly between
 * `minSize` and `maxSize` lots, and is either a market order (probability `marketShare`) or a marketable limit order:
 * an immediate-or-cancel limit at the best opposite price moved `slippage` further (a buy at best ask × (1 +
 * slippage), rounded up to a tick), so it takes what is there and never rests. Before each order the bot checks its
 * balance: a buy it cannot pay for becomes a sell and the other way round (spot markets do not short), smaller if need
 * be; with neither possible it skips. With `seed` the same run of sides, sizes and waits repeats.
 */
import {
  errorBudget,
  multiplySteps,
  seededRandom,
  toText,
  toUnits,
  type BotContext,
  type BotSummary,
} from './common.ts';

/** Settings of the noise trader. */
export interface NoiseConfig {
  /** Smallest order, base units as decimal text (rounded up to a lot). */
  minSize: string;
  /** Largest order, base units as decimal text (rounded down to a lot). */
  maxSize: string;
  /** Mean wait between orders, ms; default 1000. */
  meanIntervalMs: number;
  /** Share of market orders (the rest are marketable IOC limits), 0 to 1; default 0.5. */
  marketShare: number;
  /** How far past the best opposite price a marketable limit may trade, as a fraction; default 0.01. */
  slippage: number;
  /** Seed of the random source (default: from the clock). */
  seed?: number;
}

/** One drawn order: side, size in lots, kind, and how long to wait before sending it (ms). */
export interface NoiseOrder {
  side: 'buy' | 'sell';
  amount: number;
  kind: 'market' | 'limit';
  waitMs: number;
}

/**
 * Draws the next order (pure but for `random`): four draws from `random` (values in [0, 1)) in the order wait, side,
 * size, kind. Wait = −ln(1 − u) × mean, at most 5 × mean; size uniform over the whole lots `minLots..maxLots`.
 */
export function drawNoiseOrder(
  random: () => number,
  p: { minLots: number; maxLots: number; meanIntervalMs: number; marketShare: number },
): NoiseOrder {
  const waitMs = Math.min(5 * p.meanIntervalMs, Math.round(-Math.log(1 - random()) * p.meanIntervalMs));
  const side = random() < 0.5 ? 'buy' : 'sell';
  const amount = p.minLots + Math.floor(random() * (p.maxLots - p.minLots + 1));
  const kind = random() < p.marketShare ? 'market' : 'limit';
  return { side, amount, kind, waitMs };
}

/**
 * The price of a marketable limit order in ticks (pure): a buy at `best × (1 + slippage)` rounded up, a sell at
 * `best × (1 − slippage)` rounded down but at least one tick. `best` is the best opposite price in ticks.
 */
export function marketablePrice(side: 'buy' | 'sell', best: number, slippage: number): number {
  return side === 'buy' ? Math.ceil(best * (1 + slippage)) : Math.max(1, Math.floor(best * (1 - slippage)));
}

/**
 * Fits an order to what the bot holds (pure): a buy needs `amount × price` of cash (`cashLots` is how many lots the
 * cash pays for at that price), a sell needs the base units (`baseLots`). Shrinks the order, else turns it to the
 * other side, else returns `undefined`.
 */
export function fitToBalance(
  side: 'buy' | 'sell',
  amount: number,
  can: { buyLots: number; sellLots: number },
): { side: 'buy' | 'sell'; amount: number } | undefined {
  const room = (s: 'buy' | 'sell'): number => (s === 'buy' ? can.buyLots : can.sellLots);
  for (const s of [side, side === 'buy' ? 'sell' : 'buy'] as const) {
    const n = Math.min(amount, room(s));
    if (n >= 1) return { side: s, amount: n };
  }
  return undefined;
}

/**
 * Runs the noise trader until `ctx.signal` aborts. Failed orders are logged and the bot carries on.
 * @throws BotError `authentication-failed`, `permission-denied`, `too-many-errors`; RangeError when the sizes are
 * not positive or `minSize` exceeds `maxSize`.
 */
export async function runNoise(cfg: NoiseConfig, ctx: BotContext): Promise<BotSummary> {
  const { exchange, market: m, signal, clock, log } = ctx;
  const minLots = Math.max(1, toUnits(Number(cfg.minSize), m.lot, 'ceil'));
  const maxLots = toUnits(Number(cfg.maxSize), m.lot, 'floor');
  if (maxLots < minLots)
    throw new RangeError(`--max-size ${cfg.maxSize} is below --min-size ${cfg.minSize} (lot ${m.lot})`);
  const seed = cfg.seed ?? clock.now() % 2 ** 31;
  const random = seededRandom(seed);
  const budget = errorBudget(log);
  const summary: BotSummary = { orders: 0, cancels: 0, errors: 0 };
  let skipping = false;
  log(`start ${m.symbol}: sizes ${toText(minLots, m.lot)}..${toText(maxLots, m.lot)} ${m.base}, seed ${seed}`);

  while (!signal.aborted) {
    const next = drawNoiseOrder(random, {
      minLots,
      maxLots,
      meanIntervalMs: cfg.meanIntervalMs,
      marketShare: cfg.marketShare,
    });
    await clock.sleep(next.waitMs, signal);
    if (signal.aborted) break;
    await budget.run('order', async () => {
      const [book, balance] = await Promise.all([exchange.fetchOrderBook(m.symbol, 5), exchange.fetchBalance()]);
      const bestAsk = book.asks[0]?.[0];
      const bestBid = book.bids[0]?.[0];
      const price = (side: 'buy' | 'sell'): number | undefined => {
        const best = side === 'buy' ? bestAsk : bestBid;
        if (best === undefined) return undefined;
        const p = marketablePrice(side, toUnits(best, m.tick), cfg.slippage);
        return Math.min(m.maxTicks, Math.max(m.minTicks, p)); // within a bounded market's price range
      };
      const buyPrice = price('buy');
      // lots the free cash pays for at the worst price this buy may reach (cash in tick × lot units)
      const cash = toUnits(balance[m.quote]?.free ?? 0, multiplySteps(m.tick, m.lot), 'floor');
      const buyLots = buyPrice === undefined ? 0 : Math.floor(cash / buyPrice);
      const sellLots = bestBid === undefined ? 0 : toUnits(balance[m.base]?.free ?? 0, m.lot, 'floor');
      const order = fitToBalance(next.side, next.amount, { buyLots, sellLots });
      if (!order) {
        // said once until it can trade again, not at every draw
        if (!skipping)
          log(`skip: nothing to take or nothing to pay with (bid ${bestBid ?? '-'}, ask ${bestAsk ?? '-'})`);
        skipping = true;
        return;
      }
      skipping = false;
      const amount = Number(toText(order.amount, m.lot));
      const limit = price(order.side)!;
      const placed =
        next.kind === 'market'
          ? await exchange.createOrder(m.symbol, 'market', order.side, amount)
          : await exchange.createOrder(m.symbol, 'limit', order.side, amount, Number(toText(limit, m.tick)), {
              timeInForce: 'IOC',
            });
      summary.orders++;
      const what = next.kind === 'market' ? 'market' : `IOC limit ${toText(limit, m.tick)}`;
      const avg = placed.filled ? (placed.average ?? placed.price) : undefined;
      log(
        `${order.side} ${toText(order.amount, m.lot)} ${m.base} ${what}: filled ${placed.filled ?? '?'}` +
          (avg ? ` at ${avg}` : '') +
          ` (${placed.status ?? 'sent'})`,
      );
    });
  }
  summary.errors = budget.count();
  log(`stopped: ${summary.orders} orders, ${summary.errors} errors`);
  return summary;
}
