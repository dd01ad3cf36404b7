/**
 * The market maker: keeps a ladder of buy and sell limit orders around a fair value, so that others always find a
 * price to trade at.
 *
 * Strategy, every `period`:
 * 1. Fair value: the mid of the book without the bot's own quotes (best bid + best ask of everybody else, halved),
 *    else the last trade's price, else the `--fair` price given on the command line. With none of them the bot waits.
 * 2. Inventory skew: the bot's position is what it bought minus what it sold since it started. A long position moves
 *    every quote down (its asks get hit more often, its bids less), a short one moves them up, by `skew × fair` at
 *    the position limit and in proportion below it (Avellaneda & Stoikov, "High-frequency trading in a limit order
 *    book", 2008, reservation price r = s − q·γσ²(T−t), with the constant γσ²(T−t) replaced by a flat `skew`).
 * 3. Quotes: `levels` bids below and asks above the skewed centre, the best ones `spread/2` away from it, each next
 *    level `step` further out, `size` each. Bids stop where the position limit would be passed if all of them filled
 *    (and where the cash runs out); asks likewise (and where the held base asset runs out: spot markets do not
 *    short).
 * 4. Requote: orders already resting at a wanted price and size stay (they keep their time priority), the others are
 *    cancelled, then the missing quotes are placed.
 * On stop (Ctrl-C or `--for`) it cancels all its open orders on the market.
 *
 * Prices are whole ticks and sizes whole lots inside; the decimal text is made only for the exchange.
 */
import ccxt from 'ccxt';
import {
  errorBudget,
  multiplySteps,
  signed,
  toText,
  toUnits,
  type BotContext,
  type BotMarket,
  type BotSummary,
} from './common.ts';

/** Settings of the market maker (fractions are of the fair value: `0.01` = 1 %). */
export interface MarketMakerConfig {
  /** Full distance between the best bid and the best ask, as a fraction of the fair value; default 0.01. */
  spread: number;
  /** Orders per side; default 3. */
  levels: number;
  /** Distance between two levels of a side, as a fraction of the fair value; default `spread / 2`. */
  step?: number;
  /** Size of every quote, in base units as decimal text (a multiple of the lot). */
  size: string;
  /** Position limit in base units (long and short), decimal text; default `2 × levels × size`. */
  maxPosition?: string;
  /** Shift of the quotes at the position limit, as a fraction of the fair value; default `spread`. */
  skew?: number;
  /** Fair value (decimal text) to quote around while the book is empty and nothing has traded. */
  fair?: string;
  /** Milliseconds between requotes; default 2000. */
  periodMs: number;
}

/** One wanted order: price in ticks, amount in lots. */
export interface Quote {
  side: 'buy' | 'sell';
  price: number;
  amount: number;
}

/** Inputs of {@link computeQuotes}, all in whole ticks (prices) and lots (sizes). */
export interface QuoteInput {
  /** Fair value, ticks (> 0). */
  fair: number;
  /** Position since start, lots (positive: long). */
  position: number;
  /** Half the distance between best bid and best ask, ticks (≥ 1). */
  halfSpread: number;
  /** Distance between levels, ticks (≥ 1). */
  step: number;
  /** Quotes per side. */
  levels: number;
  /** Size per quote, lots (≥ 1). */
  size: number;
  /** Position limit, lots (≥ 0). */
  maxPosition: number;
  /** Shift of the centre at the position limit, ticks (≥ 0). */
  skew: number;
  /** Base units the bot holds and may sell, lots (`Infinity` when not limited). */
  sellable: number;
  /** Cash it may spend, in tick × lot units (price ticks times lots), `Infinity` when not limited. */
  cash: number;
}

/**
 * The ladder of quotes for a fair value and a position (pure).
 *
 * Centre c = fair − round(skew × clamp(position / maxPosition, −1, 1)); bid i (0-based) at c − halfSpread − i·step,
 * ask i at c + halfSpread + i·step; so the best bid is always below the best ask. Bids are sized `size` until their
 * total would take the position past `+maxPosition` or cost more than `cash` (the last one is cut to fit); asks until
 * `−maxPosition` or `sellable`. Quotes at a price ≤ 0 ticks are left out. Bids come first, best first, then asks.
 */
export function computeQuotes(q: QuoteInput): Quote[] {
  const ratio = q.maxPosition > 0 ? Math.max(-1, Math.min(1, q.position / q.maxPosition)) : 0;
  const centre = q.fair - Math.round(q.skew * ratio);
  const quotes: Quote[] = [];
  let buyRoom = Math.max(0, q.maxPosition - q.position);
  let cash = q.cash;
  for (let i = 0; i < q.levels; i++) {
    const price = centre - q.halfSpread - i * q.step;
    const amount = Math.min(q.size, buyRoom, Math.floor(cash / price));
    if (price <= 0 || amount <= 0) break;
    quotes.push({ side: 'buy', price, amount });
    buyRoom -= amount;
    cash -= amount * price;
  }
  let sellRoom = Math.max(0, Math.min(q.maxPosition + q.position, q.sellable));
  for (let i = 0; i < q.levels; i++) {
    const price = centre + q.halfSpread + i * q.step;
    const amount = Math.min(q.size, sellRoom);
    if (price <= 0 || amount <= 0) break;
    quotes.push({ side: 'sell', price, amount });
    sellRoom -= amount;
  }
  return quotes;
}

/** A resting order of the bot: its id, side, price in ticks and remaining amount in lots. */
export interface RestingQuote extends Quote {
  id: string;
}

/**
 * What to cancel and what to place to go from the resting orders to the wanted quotes (pure): a resting order that
 * matches a wanted quote exactly (side, price, remaining amount) is kept, each match used once; every other resting
 * order is cancelled; every unmatched wanted quote is placed.
 */
export function planRequote(resting: RestingQuote[], wanted: Quote[]): { cancel: RestingQuote[]; place: Quote[] } {
  const key = (q: Quote): string => `${q.side} ${q.price} ${q.amount}`;
  const left = new Map<string, number>();
  for (const w of wanted) left.set(key(w), (left.get(key(w)) ?? 0) + 1);
  const cancel: RestingQuote[] = [];
  for (const r of resting) {
    const n = left.get(key(r)) ?? 0;
    if (n > 0) left.set(key(r), n - 1);
    else cancel.push(r);
  }
  const place: Quote[] = [];
  for (const w of wanted) {
    const n = left.get(key(w)) ?? 0;
    if (n > 0) {
      place.push(w);
      left.set(key(w), n - 1);
    }
  }
  return { cancel, place };
}

/** A price level of the book in ticks and lots. */
export type Level = [price: number, amount: number];

/**
 * The fair value in ticks (pure): the mid of the book after taking the bot's own resting orders out of it (rounded
 * down to a tick), else `lastTrade`, else `fallback`; `undefined` when there is none.
 * @param bids, asks the book, best first.
 */
export function fairValue(
  bids: Level[],
  asks: Level[],
  own: Quote[],
  lastTrade?: number,
  fallback?: number,
): { fair: number; source: 'book' | 'last trade' | '--fair' } | undefined {
  const mine = new Map<string, number>();
  for (const o of own) mine.set(`${o.side} ${o.price}`, (mine.get(`${o.side} ${o.price}`) ?? 0) + o.amount);
  const best = (levels: Level[], side: 'buy' | 'sell'): number | undefined =>
    levels.find(([price, amount]) => amount - (mine.get(`${side} ${price}`) ?? 0) > 0)?.[0];
  const bid = best(bids, 'buy');
  const ask = best(asks, 'sell');
  if (bid !== undefined && ask !== undefined && bid < ask) return { fair: Math.floor((bid + ask) / 2), source: 'book' };
  if (lastTrade !== undefined && lastTrade > 0) return { fair: lastTrade, source: 'last trade' };
  if (fallback !== undefined && fallback > 0) return { fair: fallback, source: '--fair' };
  return undefined;
}

/** `n` ticks of a fraction of `fair`, rounded, at least `min`. */
function ticksOf(fraction: number, fair: number, min: number): number {
  return Math.max(min, Math.round(fraction * fair));
}

/** `5@99.5 5@99` — quotes for the log. */
function ladder(quotes: Quote[], m: BotMarket): string {
  return quotes.map((q) => `${toText(q.amount, m.lot)}@${toText(q.price, m.tick)}`).join(' ') || '-';
}

/**
 * Runs the market maker until `ctx.signal` aborts, then cancels its open orders on the market.
 * Failed calls are logged and retried at the next period (see {@link errorBudget}).
 * @throws BotError `authentication-failed`, `permission-denied`, `too-many-errors`; RangeError for a `size`,
 * `maxPosition` or `fair` that is not a positive multiple of the lot or tick.
 */
export async function runMarketMaker(cfg: MarketMakerConfig, ctx: BotContext): Promise<BotSummary> {
  const { exchange, market: m, signal, clock, log } = ctx;
  const size = toUnits(Number(cfg.size), m.lot);
  if (!(size >= 1)) throw new RangeError(`--size ${cfg.size} is below the lot of ${m.lot} ${m.base}`);
  const maxPosition =
    cfg.maxPosition !== undefined ? toUnits(Number(cfg.maxPosition), m.lot, 'floor') : 2 * cfg.levels * size;
  const fallback = cfg.fair !== undefined ? toUnits(Number(cfg.fair), m.tick) : undefined;
  const budget = errorBudget(log);
  const summary: BotSummary = { orders: 0, cancels: 0, errors: 0 };

  const holdings = async (): Promise<{ base: number; cash: number }> => {
    const b = await exchange.fetchBalance();
    const base = b[m.base]?.total ?? 0;
    const cash = b[m.quote]?.total ?? 0;
    // cash counted in tick × lot units: what one lot costs at a price of one tick
    return { base: toUnits(base, m.lot, 'floor'), cash: toUnits(cash, multiplySteps(m.tick, m.lot), 'floor') };
  };
  const start = await holdings();
  log(
    `start ${m.symbol}: holding ${toText(start.base, m.lot)} ${m.base}, position limit ±${toText(maxPosition, m.lot)}`,
  );
  let lastPosition = 0;
  let waiting = false;

  /** One round: read the book, the bot's orders and holdings; compute the wanted quotes; cancel and place. */
  const requote = async (): Promise<void> => {
    const [book, open, now] = await Promise.all([
      exchange.fetchOrderBook(m.symbol, 20),
      exchange.fetchOpenOrders(m.symbol),
      holdings(),
    ]);
    const position = now.base - start.base;
    if (position !== lastPosition)
      log(`filled: position ${signed(toText(lastPosition, m.lot))} → ${signed(toText(position, m.lot))} ${m.base}`);
    lastPosition = position;
    const resting: RestingQuote[] = open.map((o) => ({
      id: String(o.id),
      side: o.side === 'buy' ? 'buy' : 'sell',
      price: toUnits(o.price ?? 0, m.tick),
      amount: toUnits(o.remaining ?? o.amount ?? 0, m.lot),
    }));
    const levels = (xs: [number | undefined, number | undefined][]): Level[] =>
      xs.map(([p, a]) => [toUnits(p ?? 0, m.tick), toUnits(a ?? 0, m.lot)]);
    const bids = levels(book.bids);
    const asks = levels(book.asks);
    // the last trade is only fetched when the others' orders give no mid
    let fv = fairValue(bids, asks, resting);
    if (!fv) {
      const price = (await exchange.fetchTrades(m.symbol, undefined, 1)).at(-1)?.price;
      fv = fairValue(bids, asks, resting, price !== undefined ? toUnits(price, m.tick) : undefined, fallback);
    }
    if (!fv) {
      if (!waiting) log('waiting: the book is empty and nothing has traded yet (give a price with --fair)');
      waiting = true;
      return;
    }
    waiting = false;
    const wanted = computeQuotes({
      fair: fv.fair,
      position,
      halfSpread: ticksOf(cfg.spread / 2, fv.fair, 1),
      step: ticksOf(cfg.step ?? cfg.spread / 2, fv.fair, 1),
      levels: cfg.levels,
      size,
      maxPosition,
      skew: ticksOf(cfg.skew ?? cfg.spread, fv.fair, 0),
      sellable: now.base,
      cash: now.cash,
    }).filter((q) => q.price >= m.minTicks && q.price <= m.maxTicks); // a bounded market's price range
    const plan = planRequote(resting, wanted);
    if (!plan.cancel.length && !plan.place.length) return;
    // cancels first (their cash and base units are then free for the new quotes), each batch in parallel
    const cancelled = await Promise.all(
      plan.cancel.map((o) =>
        budget.run(`cancel ${o.id}`, () =>
          exchange.cancelOrder(o.id, m.symbol).catch((e: unknown) => {
            if (e instanceof ccxt.OrderNotFound) return null; // filled meanwhile: nothing to cancel
            throw e;
          }),
        ),
      ),
    );
    summary.cancels += cancelled.filter((x) => x).length;
    const placed = await Promise.all(
      plan.place.map((q) =>
        budget.run(`place ${q.side} ${toText(q.amount, m.lot)}@${toText(q.price, m.tick)}`, () =>
          exchange.createOrder(
            m.symbol,
            'limit',
            q.side,
            Number(toText(q.amount, m.lot)),
            Number(toText(q.price, m.tick)),
          ),
        ),
      ),
    );
    summary.orders += placed.filter((x) => x).length;
    const bidText = ladder(
      wanted.filter((q) => q.side === 'buy'),
      m,
    );
    const askText = ladder(
      wanted.filter((q) => q.side === 'sell'),
      m,
    );
    log(
      `quote fair ${toText(fv.fair, m.tick)} (${fv.source}) position ${signed(toText(position, m.lot))}: ` +
        `bids ${bidText} | asks ${askText} (placed ${plan.place.length}, cancelled ${plan.cancel.length})`,
    );
  };

  /** Takes every quote of the bot off the book (three tries); returns how many it cancelled, or says what is left. */
  const cancelQuotes = async (): Promise<number> => {
    const stopBudget = errorBudget(log);
    let cancelled = 0;
    let left: number | undefined;
    for (let attempt = 0; attempt < 3 && left !== 0; attempt++) {
      left = await stopBudget
        .run('cancel all', async () => {
          const open = await exchange.fetchOpenOrders(m.symbol);
          if (!open.length) return 0;
          await exchange.cancelAllOrders(m.symbol);
          cancelled += open.length;
          return (await exchange.fetchOpenOrders(m.symbol)).length;
        })
        .catch(() => undefined);
    }
    if (left !== 0) log(`warning: quotes may still be open on ${m.symbol}: cancel them with DELETE /api/v3/openOrders`);
    summary.errors += stopBudget.count();
    return cancelled;
  };

  try {
    while (!signal.aborted) {
      await budget.run('requote', requote);
      await clock.sleep(cfg.periodMs, signal);
    }
  } catch (e) {
    await cancelQuotes(); // a bot that gives up takes its quotes with it
    throw e;
  }
  summary.errors += budget.count();
  const cancelled = await cancelQuotes();
  summary.cancels += cancelled;
  log(`stopped: cancelled ${cancelled} open quotes; ${summary.orders} orders placed, ${summary.errors} errors`);
  return summary;
}
