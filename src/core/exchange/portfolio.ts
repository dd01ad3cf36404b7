/**
 * Portfolio margin of the simulated exchange: the worst case an account can lose across its markets, counting open
 * positions and resting orders, given each market's settlement bounds.
 *
 * Model: cash is in money atoms; a position is a signed number of lots; buying `q` lots at `p` ticks costs
 * `q × p × atomsPerTickLot` of cash, selling earns it. A market settles at a price `S` within `[minPrice, maxPrice]`
 * (a spot market has `minPrice = 0` and no maximum): each lot held is then worth `S`.
 *
 * For one market, the worst case is the minimum, over the scenarios "nothing fills", "every resting buy fills" and
 * "every resting sell fills", and over `S ∈ {minPrice, maxPrice}`, of `cashDelta + position × S`. (The value is linear
 * in `S` and in each order's fill, so the extremes bound every partial outcome; a buy and a sell both filling is never
 * worse than the worse of the two alone.) An account may hold a set of positions and orders only while
 * `cash + Σ worst ≥ 0`; in a market without a maximum, any scenario ending short is unbounded: not allowed.
 *
 * Invariants: integer arithmetic only (bigint atoms); pure.
 */

/** A market's settlement bounds and grid, for margin. */
export interface MarginMarket {
  /** Atoms of one tick × one lot. */
  atomsPerTickLot: bigint;
  /** Lowest settlement price, ticks (0 for spot). */
  minPrice: bigint;
  /** Highest settlement price, ticks; null when unbounded (spot: no short positions). */
  maxPrice: bigint | null;
}

/** An account's exposure in one market. */
export interface MarketExposure {
  /** Signed position, lots. */
  position: bigint;
  /** Resting buy orders: total lots and total cost (Σ lots × price), in lot-ticks. */
  buyLots: bigint;
  buyCost: bigint;
  /** Resting sell orders: total lots and total proceeds, lot-ticks. */
  sellLots: bigint;
  sellProceeds: bigint;
}

/** An empty exposure. */
export function emptyExposure(): MarketExposure {
  return { position: 0n, buyLots: 0n, buyCost: 0n, sellLots: 0n, sellProceeds: 0n };
}

/**
 * The worst-case value of one market's exposure, atoms (≤ 0 unless a long position has a positive floor), or null
 * when the loss is unbounded (a short in a market without a maximum).
 */
export function worstCase(m: MarginMarket, e: MarketExposure): bigint | null {
  let worst: bigint | null = null;
  const scenarios: [bigint, bigint][] = [
    [e.position, 0n],
    [e.position + e.buyLots, -e.buyCost],
    [e.position - e.sellLots, e.sellProceeds],
  ];
  for (const [pos, cashTicks] of scenarios) {
    if (pos < 0n && m.maxPrice === null) return null;
    const atLow = cashTicks + pos * m.minPrice;
    const atHigh = m.maxPrice === null ? atLow : cashTicks + pos * m.maxPrice;
    const v = (atLow < atHigh ? atLow : atHigh) * m.atomsPerTickLot;
    if (worst === null || v < worst) worst = v;
  }
  return worst;
}

/**
 * Available balance: cash plus the worst case of every market, atoms; null when some market's loss is unbounded.
 * An order may be accepted only if the available balance with it included is ≥ 0.
 *
 * A long position's settlement floor (`minPrice > 0`) is not counted: it is paid only at settlement, while buys are
 * paid in cash at once, and cash never goes negative. Each market is therefore valued with a floor of 0 here, which
 * makes every market's worst case ≤ its worst cash outflow (so no combination of fills can overdraw the cash).
 */
export function availableBalance(cash: bigint, markets: Iterable<[MarginMarket, MarketExposure]>): bigint | null {
  let total = cash;
  for (const [m, e] of markets) {
    const w = worstCase(m.minPrice > 0n ? { ...m, minPrice: 0n } : m, e);
    if (w === null) return null;
    total += w;
  }
  return total;
}

/** The exposure after adding a resting order of `lots` at `price` ticks on `side`. */
export function withOrder(e: MarketExposure, side: 'buy' | 'sell', lots: bigint, price: bigint): MarketExposure {
  return side === 'buy'
    ? { ...e, buyLots: e.buyLots + lots, buyCost: e.buyCost + lots * price }
    : { ...e, sellLots: e.sellLots + lots, sellProceeds: e.sellProceeds + lots * price };
}
