/**
 * Worst-case margin by hand. Every expected value below is worked out in the comment next to it from the scenario
 * definition: per market, the minimum over {nothing fills, every resting buy fills, every resting sell fills} × {S =
 * minPrice, S = maxPrice} of `cashDelta + position × S`, in lot-ticks, times the atoms of one tick × one lot.
 */
import { describe, expect, it } from 'vitest';
import {
  availableBalance,
  emptyExposure,
  withOrder,
  worstCase,
  type MarginMarket,
  type MarketExposure,
} from './portfolio.ts';

/** Tick 0.01 × lot 1 = 0.01 of money = 10^10 atoms. */
const K = 10_000_000_000n;
/** A prediction market settling between 0 and 1.00 (0 and 100 ticks). */
const binary: MarginMarket = { atomsPerTickLot: K, minPrice: 0n, maxPrice: 100n };
/** A bounded market settling between 0.20 and 1.00 (20 and 100 ticks): a long position has a floor. */
const floored: MarginMarket = { atomsPerTickLot: K, minPrice: 20n, maxPrice: 100n };
/** A spot market: floor 0, no maximum. */
const spot: MarginMarket = { atomsPerTickLot: K, minPrice: 0n, maxPrice: null };

const exposure = (p: Partial<MarketExposure>): MarketExposure => ({ ...emptyExposure(), ...p });

describe('worstCase', () => {
  it('is zero for an empty exposure in every kind of market', () => {
    expect(worstCase(binary, emptyExposure())).toBe(0n);
    expect(worstCase(floored, emptyExposure())).toBe(0n);
    expect(worstCase(spot, emptyExposure())).toBe(0n);
  });

  it('values a long position at the floor: 0 in a 0..1 market, 5 × 20 ticks when the floor is 0.20', () => {
    // long 5 in [0, 100]: min(5 × 0, 5 × 100) = 0
    expect(worstCase(binary, exposure({ position: 5n }))).toBe(0n);
    // long 5 in [20, 100]: min(5 × 20, 5 × 100) = 100 lot-ticks, positive
    expect(worstCase(floored, exposure({ position: 5n }))).toBe(100n * K);
  });

  it('charges a short position its loss at the maximum', () => {
    // short 5 in [0, 100]: min(-5 × 0, -5 × 100) = -500
    expect(worstCase(binary, exposure({ position: -5n }))).toBe(-500n * K);
    // short 5 in [20, 100]: min(-100, -500) = -500
    expect(worstCase(floored, exposure({ position: -5n }))).toBe(-500n * K);
  });

  it('reserves a resting buy at its full cost when the market can settle at 0', () => {
    // buy 10 @ 60: nothing fills → 0; buy fills → -600 + 10 × {0, 100} = {-600, 400} → -600
    const e = withOrder(emptyExposure(), 'buy', 10n, 60n);
    expect(e).toEqual(exposure({ buyLots: 10n, buyCost: 600n }));
    expect(worstCase(binary, e)).toBe(-600n * K);
    // with a floor of 20 the filled lots are worth at least 10 × 20: -600 + 200 = -400
    expect(worstCase(floored, e)).toBe(-400n * K);
  });

  it('reserves a resting sell at max − price per lot', () => {
    // sell 10 @ 60: sell fills → +600 − 10 × {0, 100} = {600, -400} → -400
    const e = withOrder(emptyExposure(), 'sell', 10n, 60n);
    expect(e).toEqual(exposure({ sellLots: 10n, sellProceeds: 600n }));
    expect(worstCase(binary, e)).toBe(-400n * K);
  });

  it('takes the worse side, not the sum, when both a buy and a sell rest', () => {
    // buy 10 @ 60 → -600; sell 10 @ 70 → 700 − 1000 = -300; both filling nets to +100 cash and no position
    const e = withOrder(withOrder(emptyExposure(), 'buy', 10n, 60n), 'sell', 10n, 70n);
    expect(worstCase(binary, e)).toBe(-600n * K);
  });

  it('needs no reserve for a sell that only closes a long position', () => {
    // long 10, sell 10 @ 70: nothing fills → 10 × {0, 100} → 0; sell fills → position 0, +700 → 0 is the worst
    const e = withOrder(exposure({ position: 10n }), 'sell', 10n, 70n);
    expect(worstCase(binary, e)).toBe(0n);
  });

  it('offsets a short position with a resting buy that would close it', () => {
    // short 10 in [0, 100], buy 10 @ 40: nothing → -1000; buy fills → -400 + 0 × S = -400 → -1000
    const e = withOrder(exposure({ position: -10n }), 'buy', 10n, 40n);
    expect(worstCase(binary, e)).toBe(-1000n * K);
  });

  it('refuses any short in a spot market (null) but allows covered sells and buys', () => {
    expect(worstCase(spot, exposure({ position: -1n }))).toBeNull();
    // a sell of 3 with no position would end short
    expect(worstCase(spot, withOrder(emptyExposure(), 'sell', 3n, 50n))).toBeNull();
    // a sell of 3 with 3 held: nothing → 3 × 0 = 0; sell fills → +150 → worst 0
    expect(worstCase(spot, withOrder(exposure({ position: 3n }), 'sell', 3n, 50n))).toBe(0n);
    // a sell of 4 with 3 held ends short: null
    expect(worstCase(spot, withOrder(exposure({ position: 3n }), 'sell', 4n, 50n))).toBeNull();
    // buy 2 @ 50: -100 (floor 0, no maximum needed for a long)
    expect(worstCase(spot, withOrder(emptyExposure(), 'buy', 2n, 50n))).toBe(-100n * K);
  });

  it('scales by the atoms of one tick × one lot', () => {
    // tick 0.05 × lot 0.1 = 0.005 = 5 × 10^9 atoms; short 3 lots in [0, 20 ticks] → -60 lot-ticks
    const m: MarginMarket = { atomsPerTickLot: 5_000_000_000n, minPrice: 0n, maxPrice: 20n };
    expect(worstCase(m, exposure({ position: -3n }))).toBe(-60n * 5_000_000_000n);
  });
});

describe('availableBalance', () => {
  it('is the cash when there is no exposure', () => {
    expect(availableBalance(123n, [])).toBe(123n);
  });

  it('adds the worst case of every market to the cash', () => {
    // cash 1000.00 (100,000 ticks×K); binary: buy 10 @ 60 → -600; second binary: short 5 → -500
    const cash = 100_000n * K;
    const got = availableBalance(cash, [
      [binary, withOrder(emptyExposure(), 'buy', 10n, 60n)],
      [binary, exposure({ position: -5n })],
    ]);
    expect(got).toBe(cash - 600n * K - 500n * K);
  });

  it('is null as soon as one market is unbounded', () => {
    expect(
      availableBalance(10n ** 20n, [
        [binary, exposure({ position: 1n })],
        [spot, exposure({ position: -1n })],
      ]),
    ).toBeNull();
  });

  it('does not lend against a long position floor: cash must pay for buys before settlement', () => {
    // floored market [20, 100]: worstCase of long 5 is +100 (above), but the available balance stays the cash,
    // since the floor is only paid at settlement.
    expect(availableBalance(0n, [[floored, exposure({ position: 5n })]])).toBe(0n);
    // cash 50.00 = 5,000 lot-ticks; buy 100 @ 90 costs 9,000 while the floor would have "covered" 100 × 20:
    // with the floor: 5,000 − 9,000 + 2,000 = −2,000 < 0 anyway; buy 60 @ 90: 5,000 − 5,400 + 1,200 = +800 with
    // the floor (accepted, then cash −400 after the fill), 5,000 − 5,400 = −400 without: refused.
    const cash = 5_000n * K;
    const e = withOrder(emptyExposure(), 'buy', 60n, 90n);
    expect(worstCase(floored, e)).toBe(-4_200n * K);
    expect(availableBalance(cash, [[floored, e]])).toBe(-400n * K);
    // a short is still charged at the maximum: short 5 with a floor of 20 → -500
    expect(availableBalance(cash, [[floored, exposure({ position: -5n })]])).toBe(cash - 500n * K);
  });
});
