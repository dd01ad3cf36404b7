/**
 * The risk engine: sizes a setup and checks it against the account's Testudo Protocol, rule by rule.
 *
 * Invariants:
 * - Every rule is evaluated and gives a verdict (no short-circuit), so a rejection lists every failed rule.
 * - A setup is approved only when every verdict passes; an approved decision always carries a positive size.
 * - Pure: the account's state (equity, today's realized P&L, peak, open risk, streak, breaker state, `now`) is
 *   passed in; nothing is read from a clock or a database.
 */
import { FRACTION_SCALE, absBig, formatAtomsFixed, fractionToPercent } from '../money/decimal.ts';
import type { InstrumentSpec } from '../instruments/instrument.ts';
import { sizePosition, type Side, type SizingInput, type SizingRejected, type SizingResult } from '../sizing/size.ts';
import type { CompiledProfile } from './profile.ts';
import type { BreakerState } from './breaker.ts';

/** A setup in integer form: prices in ticks. */
export interface Setup {
  side: Side;
  entryTicks: bigint;
  entryIsMarket: boolean;
  stopTicks: bigint;
  /** Take-profit in ticks, or null when the setup has none. */
  targetTicks: bigint | null;
  /** Requested risk as a fraction (fraction units), or null for the profile's default. */
  riskFraction: bigint | null;
}

/** The account's risk state when the setup arrives. Money in atoms, times in ms since epoch (UTC). */
export interface AccountRiskState {
  /** Equity (realized balance), atoms. */
  equity: bigint;
  /** Balance free for new margin, atoms. */
  available: bigint;
  /** Realized net P&L since 00:00 UTC today, atoms (negative for a loss). */
  realizedPnlToday: bigint;
  /** Highest equity reached since the last drawdown reset, atoms. */
  peakEquity: bigint;
  /** When a drawdown halt started, or null when trading is not halted. */
  haltedAt: number | null;
  /** Summed initial risk of open and pending trades, atoms. */
  openRisk: bigint;
  /** Open positions plus pending entries. */
  openPositions: number;
  /** Losses in a row ending with the latest closed trade. */
  consecutiveLosses: number;
  /** Close time of the latest losing trade, or null. */
  lastLossAt: number | null;
  breaker: BreakerState;
  now: number;
}

/** Stable identifiers of the rules, in evaluation order. */
export const RULES = [
  'stop-side',
  'target-side',
  'risk-per-trade',
  'reward-risk',
  'position-size',
  'daily-loss-limit',
  'max-drawdown',
  'open-risk',
  'open-positions',
  'loss-streak-cooldown',
  'circuit-breaker',
] as const;

/** A rule identifier. */
export type RuleId = (typeof RULES)[number];

/** One rule's verdict: `code` is `"pass"` or the stable kebab-case failure code. */
export interface Verdict {
  rule: RuleId;
  passed: boolean;
  code: string;
  message: string;
}

/** The outcome of {@link decide}. */
export interface Decision {
  approved: boolean;
  verdicts: Verdict[];
  sizing: SizingResult;
  /** What the sizing was computed from (pass it to `sizingCosts` for fees and margin). */
  sizingInput: SizingInput;
  /** Risk fraction applied (override or default), fraction units. */
  riskFraction: bigint;
}

const pass = (rule: RuleId, message: string): Verdict => ({ rule, passed: true, code: 'pass', message });
const fail = (rule: RuleId, code: string, message: string): Verdict => ({ rule, passed: false, code, message });
const pct = (f: bigint): string => `${fractionToPercent(f)}%`;
const money = (a: bigint): string => formatAtomsFixed(a, 2);
// Pass messages are constants: the hot path formats numbers only for failures.
const SIZE_PASS = {
  risk: Object.freeze(pass('position-size', 'size set by the risk budget')),
  leverage: Object.freeze(pass('position-size', 'size capped by the maximum leverage')),
  balance: Object.freeze(pass('position-size', 'size capped by the available balance')),
} as const;

/** Pass verdicts are shared frozen constants: the approved path allocates no verdict objects. */
const PASS = {
  stopSide: Object.freeze(pass('stop-side', 'stop is on the protective side of entry')),
  riskPerTrade: Object.freeze(pass('risk-per-trade', 'risk per trade within the maximum')),
  noTakeProfitRequired: Object.freeze(pass('reward-risk', 'no take-profit required')),
  rewardRisk: Object.freeze(pass('reward-risk', 'reward:risk meets the minimum')),
  dailyLoss: Object.freeze(pass('daily-loss-limit', 'daily loss limit not reached')),
  drawdown: Object.freeze(pass('max-drawdown', 'drawdown below the limit')),
  openRisk: Object.freeze(pass('open-risk', 'open risk within the limit')),
  openPositions: Object.freeze(pass('open-positions', 'below the maximum of open positions')),
  cooldown: Object.freeze(pass('loss-streak-cooldown', 'no loss-streak cooldown in force')),
  targetSide: Object.freeze(pass('target-side', 'take-profit is on the profitable side of entry')),
  noTarget: Object.freeze(pass('target-side', 'no take-profit given')),
  breakerClosed: Object.freeze(pass('circuit-breaker', 'exchange circuit breaker closed')),
} as const;

/**
 * Sizes `setup` and evaluates every rule of the protocol.
 * @param spec the instrument's integer spec
 * @param profile the compiled risk profile
 * @param state the account's state at decision time
 */
export function decide(
  spec: InstrumentSpec,
  setup: Setup,
  profile: CompiledProfile,
  state: AccountRiskState,
): Decision {
  const long = setup.side === 'buy';
  const riskFraction = setup.riskFraction ?? profile.riskPerTrade;
  const verdicts: Verdict[] = [];

  // 1. stop on the correct side of entry
  const stopOk = long ? setup.stopTicks < setup.entryTicks : setup.stopTicks > setup.entryTicks;
  verdicts.push(
    stopOk
      ? PASS.stopSide
      : fail(
          'stop-side',
          'stop-wrong-side',
          `a ${long ? 'long' : 'short'} needs its stop ${long ? 'below' : 'above'} entry`,
        ),
  );

  // 2. take-profit on the profitable side
  const t = setup.targetTicks;
  const targetOk = t === null || (long ? t > setup.entryTicks : t < setup.entryTicks);
  verdicts.push(
    targetOk
      ? t === null
        ? PASS.noTarget
        : PASS.targetSide
      : fail(
          'target-side',
          'target-wrong-side',
          `a ${long ? 'long' : 'short'} needs its take-profit ${long ? 'above' : 'below'} entry`,
        ),
  );

  // 3. risk per trade within the hard maximum
  verdicts.push(
    riskFraction > 0n && riskFraction <= profile.maxRiskPerTrade
      ? PASS.riskPerTrade
      : fail(
          'risk-per-trade',
          'risk-per-trade-exceeded',
          riskFraction <= 0n
            ? 'risk per trade must be positive'
            : `risk ${pct(riskFraction)} exceeds the maximum of ${pct(profile.maxRiskPerTrade)} per trade`,
        ),
  );

  // 4. reward:risk
  const riskDist = absBig(setup.entryTicks - setup.stopTicks);
  if (t === null) {
    verdicts.push(
      profile.requireTakeProfit
        ? fail('reward-risk', 'take-profit-required', 'a take-profit is required by the risk profile')
        : PASS.noTakeProfitRequired,
    );
  } else {
    const reward = absBig(t - setup.entryTicks);
    // reward / risk >= minRR  ⇔  reward × 10^8 >= minRR(10^8) × risk
    const ok = riskDist > 0n && reward * FRACTION_SCALE >= profile.minRewardRisk * riskDist;
    if (ok) verdicts.push(PASS.rewardRisk);
    else {
      const rr = riskDist > 0n ? Number((reward * 100n) / riskDist) / 100 : 0;
      const min = Number(profile.minRewardRisk) / 1e8;
      verdicts.push(
        fail('reward-risk', 'reward-risk-too-low', `reward:risk ${rr.toFixed(2)} is below the minimum of ${min}`),
      );
    }
  }

  // 5. position size
  const sizingInput: SizingInput = {
    spec,
    side: setup.side,
    entryTicks: setup.entryTicks,
    stopTicks: setup.stopTicks,
    entryIsMarket: setup.entryIsMarket,
    equity: state.equity,
    available: state.available,
    riskFraction,
    maxLeverage: profile.maxLeverage,
  };
  const sizing = sizePosition(sizingInput);
  if (sizing.ok) {
    verdicts.push(SIZE_PASS[sizing.cappedBy]);
  } else {
    verdicts.push(fail('position-size', sizing.code, sizingMessage(spec, sizing)));
  }

  // 6. daily loss limit (realized, since 00:00 UTC, of start-of-day equity)
  const dayStart = state.equity - state.realizedPnlToday;
  // -realized ≥ dayStart × limit  ⇔  -realized × 10^8 ≥ dayStart × limit(10^8): no division on the hot path.
  const dailyHit =
    state.realizedPnlToday < 0n && -state.realizedPnlToday * FRACTION_SCALE >= dayStart * profile.dailyLossLimit;
  if (!dailyHit) verdicts.push(PASS.dailyLoss);
  else {
    const dailyLimit = (dayStart * profile.dailyLossLimit) / FRACTION_SCALE;
    verdicts.push(
      fail(
        'daily-loss-limit',
        'daily-loss-limit-hit',
        `today's realized loss ${money(-state.realizedPnlToday)} reached the daily limit of ${money(dailyLimit)} (${pct(profile.dailyLossLimit)}); trading resumes at 00:00 UTC`,
      ),
    );
  }

  // 7. max drawdown from the peak (sticky halt until the owner resets it)
  const dd = state.peakEquity - state.equity;
  const ddHit = state.peakEquity > 0n && dd * FRACTION_SCALE >= profile.maxDrawdown * state.peakEquity;
  verdicts.push(
    state.haltedAt !== null || ddHit
      ? fail(
          'max-drawdown',
          'max-drawdown-halt',
          `drawdown of ${money(dd)} from the peak of ${money(state.peakEquity)} reached the ${pct(profile.maxDrawdown)} limit; trading is halted until the owner resets it`,
        )
      : PASS.drawdown,
  );

  // 8. open risk ("portfolio heat")
  const tradeRisk = sizing.ok ? sizing.risk : 0n;
  const heat = state.openRisk + tradeRisk;
  if (heat * FRACTION_SCALE <= state.equity * profile.maxOpenRisk) verdicts.push(PASS.openRisk);
  else {
    const heatLimit = (state.equity * profile.maxOpenRisk) / FRACTION_SCALE;
    verdicts.push(
      fail(
        'open-risk',
        'open-risk-exceeded',
        `open risk would be ${money(heat)}, above the ${pct(profile.maxOpenRisk)} limit of ${money(heatLimit)}`,
      ),
    );
  }

  // 9. open positions
  verdicts.push(
    state.openPositions < profile.maxOpenPositions
      ? PASS.openPositions
      : fail(
          'open-positions',
          'max-open-positions',
          `already ${state.openPositions} positions open (max ${profile.maxOpenPositions})`,
        ),
  );

  // 10. loss-streak cooldown
  const coolUntil = state.lastLossAt === null ? 0 : state.lastLossAt + profile.cooldownMs;
  verdicts.push(
    state.consecutiveLosses >= profile.lossStreakLimit && state.now < coolUntil
      ? fail(
          'loss-streak-cooldown',
          'loss-streak-cooldown',
          `${state.consecutiveLosses} losses in a row: cooling down for ${formatDuration(coolUntil - state.now)} more`,
        )
      : PASS.cooldown,
  );

  // 11. circuit breaker
  verdicts.push(
    state.breaker === 'open'
      ? fail(
          'circuit-breaker',
          'circuit-breaker-open',
          'the exchange circuit breaker is open; trading pauses until a probe succeeds',
        )
      : state.breaker === 'half-open'
        ? fail(
            'circuit-breaker',
            'circuit-breaker-open',
            'the exchange circuit breaker is half-open: trading stays paused until its probe succeeds',
          )
        : PASS.breakerClosed,
  );

  let approved = true;
  for (const v of verdicts) if (!v.passed) approved = false;
  return { approved, verdicts, sizing, sizingInput, riskFraction };
}

function sizingMessage(spec: InstrumentSpec, s: SizingRejected): string {
  switch (s.code) {
    case 'stop-equals-entry':
      return 'the stop equals the entry, so risk per unit is zero';
    case 'quantity-zero':
      return `the size rounds to zero lots (risk budget ${money(s.budget)}, loss per lot ${money(s.lossPerLot)}, capped by ${s.cappedBy})`;
    case 'quantity-below-minimum':
      return `the size of ${s.lots} lots is below the instrument's minimum of ${spec.minQtyLots} lots`;
    case 'notional-below-minimum':
      return `the notional is below the instrument's minimum of ${money(spec.minNotionalAtoms)}`;
  }
}

/** Formats a duration in ms as `"3h 12m"`, `"45m"` or `"30s"`. */
export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}
