/**
 * The loss-streak rule of the Testudo Protocol, applied when a trade closes by the paper account
 * (src/app/trading/fills.ts) and by the backtester's Testudo mode (src/core/backtest/run.ts), so that a backtest and
 * a paper run count the same streak: losses in a row, where a streak that has already served its cooldown starts
 * again from the next loss (README: "a loss after a served cooldown starts a new streak").
 *
 * Invariants: pure (no I/O, no clock of its own); times are ms UTC; P&L is bigint money atoms; the input is never
 * mutated (a break-even close returns it as is).
 */
import type { CompiledProfile } from './profile.ts';

/** The loss-streak part of an account's risk state (see `AccountRiskState`). */
export interface LossStreak {
  /** Losses in a row ending with the latest closed trade. */
  consecutiveLosses: number;
  /** Close time of the latest losing trade, ms UTC, or null. */
  lastLossAt: number | null;
}

/**
 * The streak after a trade closes with net P&L `netPnl` (atoms) at `closedAt` (ms UTC): a loss adds one, or restarts
 * the streak at 1 when the streak had reached `lossStreakLimit` and its cooldown (`lastLossAt + cooldownMs`) had
 * ended by `closedAt`; a win resets it to 0; a break-even trade leaves it. `lastLossAt` moves to `closedAt` on a loss.
 * @param s the streak before the close.
 * @param profile the compiled profile's limit and cooldown.
 */
export function lossStreakAfterClose(
  s: LossStreak,
  netPnl: bigint,
  closedAt: number,
  profile: Pick<CompiledProfile, 'lossStreakLimit' | 'cooldownMs'>,
): LossStreak {
  if (netPnl > 0n) return { consecutiveLosses: 0, lastLossAt: s.lastLossAt };
  if (netPnl === 0n) return s;
  const served =
    s.consecutiveLosses >= profile.lossStreakLimit &&
    s.lastLossAt !== null &&
    s.lastLossAt + profile.cooldownMs <= closedAt;
  return { consecutiveLosses: served ? 1 : s.consecutiveLosses + 1, lastLossAt: closedAt };
}
