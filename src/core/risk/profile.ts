/**
 * The Testudo Protocol: an account's risk profile, as edited by its owner (decimal text) and in the integer form
 * the rules evaluate.
 *
 * Invariants: every percent is of equity in quote currency; `riskPerTradePct ≤ maxRiskPerTradePct`; all limits
 * are positive. Validation of user edits happens at the boundary (see `src/server/schemas.ts`).
 */
import { FRACTION_DP, percentToFraction, toScaled } from '../money/decimal.ts';

/** An account's risk profile. Percent fields are percent of equity as decimal text ("1" = 1%). */
export interface RiskProfile {
  /** Risk per trade used when a setup gives no override, percent of equity. Default "1". */
  riskPerTradePct: string;
  /** Hard maximum risk per trade (a larger override is rejected), percent of equity. Default "2". */
  maxRiskPerTradePct: string;
  /** Minimum reward:risk, |target − entry| ÷ |entry − stop|. Default "2". */
  minRewardRisk: string;
  /** Whether every setup must carry a take-profit. Default true. */
  requireTakeProfit: boolean;
  /** Daily loss limit: realized loss since 00:00 UTC as percent of the start-of-day equity. Default "3". */
  dailyLossLimitPct: string;
  /** Maximum drawdown from the equity peak, percent; reaching it halts trading until reset. Default "10". */
  maxDrawdownPct: string;
  /** Maximum open risk ("portfolio heat"): summed initial risk of open trades, percent of equity. Default "6". */
  maxOpenRiskPct: string;
  /** Maximum open positions (pending entries included). Default 5. */
  maxOpenPositions: number;
  /** Consecutive losses that start a cooldown. Default 3. */
  lossStreakLimit: number;
  /** Cooldown after a loss streak, minutes. Default 240 (4 hours). */
  cooldownMinutes: number;
  /** Maximum leverage, notional ÷ equity. Default "1" (no leverage). */
  maxLeverage: string;
}

/** The default Testudo Protocol. */
export const DEFAULT_RISK_PROFILE: Readonly<RiskProfile> = Object.freeze({
  riskPerTradePct: '1',
  maxRiskPerTradePct: '2',
  minRewardRisk: '2',
  requireTakeProfit: true,
  dailyLossLimitPct: '3',
  maxDrawdownPct: '10',
  maxOpenRiskPct: '6',
  maxOpenPositions: 5,
  lossStreakLimit: 3,
  cooldownMinutes: 240,
  maxLeverage: '1',
});

/** A risk profile compiled to integers: fractions in fraction units (10^-8), reward:risk in hundredths. */
export interface CompiledProfile {
  riskPerTrade: bigint;
  maxRiskPerTrade: bigint;
  /** Minimum reward:risk × 10^8. */
  minRewardRisk: bigint;
  requireTakeProfit: boolean;
  dailyLossLimit: bigint;
  maxDrawdown: bigint;
  maxOpenRisk: bigint;
  maxOpenPositions: number;
  lossStreakLimit: number;
  cooldownMs: number;
  maxLeverage: bigint;
}

/**
 * Compiles a profile for the rules.
 * @throws RangeError when a percent or ratio is not decimal text with at most 6 (percent) or 8 (ratio) decimals.
 */
export function compileProfile(p: RiskProfile): CompiledProfile {
  return {
    riskPerTrade: percentToFraction(p.riskPerTradePct),
    maxRiskPerTrade: percentToFraction(p.maxRiskPerTradePct),
    minRewardRisk: toScaled(p.minRewardRisk, FRACTION_DP),
    requireTakeProfit: p.requireTakeProfit,
    dailyLossLimit: percentToFraction(p.dailyLossLimitPct),
    maxDrawdown: percentToFraction(p.maxDrawdownPct),
    maxOpenRisk: percentToFraction(p.maxOpenRiskPct),
    maxOpenPositions: p.maxOpenPositions,
    lossStreakLimit: p.lossStreakLimit,
    cooldownMs: p.cooldownMinutes * 60_000,
    maxLeverage: toScaled(p.maxLeverage, FRACTION_DP),
  };
}
