/**
 * The Testudo Protocol: an account's risk profile, as edited by its owner (decimal text) and in the integer form
 * the rules evaluate.
 *
 * Invariants: every percent is of equity in quote currency; `riskPerTradePct ≤ maxRiskPerTradePct`; all limits
 * are positive. Validation of user edits happens at the boundary (see `src/server/schemas.ts`).
 */
import { FRACTION_DP, FRACTION_SCALE, percentToFraction, toScaled } from '../money/decimal.ts';

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

/** The fields of a risk profile, in display order. */
export const PROFILE_FIELDS: readonly (keyof RiskProfile)[] = Object.freeze([
  'riskPerTradePct',
  'maxRiskPerTradePct',
  'minRewardRisk',
  'requireTakeProfit',
  'dailyLossLimitPct',
  'maxDrawdownPct',
  'maxOpenRiskPct',
  'maxOpenPositions',
  'lossStreakLimit',
  'cooldownMinutes',
  'maxLeverage',
]);

/**
 * Which way each field loosens the protocol: `higher` (a larger value allows more risk), `lower` (a smaller value
 * does: minimum reward:risk, cooldown minutes) or `false` (turning the requirement off).
 */
export const LOOSER_WHEN: Readonly<Record<keyof RiskProfile, 'higher' | 'lower' | 'false'>> = Object.freeze({
  riskPerTradePct: 'higher',
  maxRiskPerTradePct: 'higher',
  minRewardRisk: 'lower',
  requireTakeProfit: 'false',
  dailyLossLimitPct: 'higher',
  maxDrawdownPct: 'higher',
  maxOpenRiskPct: 'higher',
  maxOpenPositions: 'higher',
  lossStreakLimit: 'higher',
  cooldownMinutes: 'lower',
  maxLeverage: 'higher',
});

/** A value of a profile field: decimal text, an integer or a boolean. */
export type ProfileValue = RiskProfile[keyof RiskProfile];

/** Compares two values of one field: −1, 0 or 1 (decimal text exactly, at 8 decimals). */
function compareValues(a: ProfileValue, b: ProfileValue): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = typeof a === 'number' ? BigInt(a) * FRACTION_SCALE : toScaled(a, FRACTION_DP);
  const y = typeof b === 'number' ? BigInt(b) * FRACTION_SCALE : toScaled(b, FRACTION_DP);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether changing `field` from `from` to `to` leaves the protocol as strict (`same`), makes it stricter
 * (`tighten`: takes effect at once) or looser (`loosen`: waits out the cooling-off period), by {@link LOOSER_WHEN}.
 * @throws RangeError when a decimal value is not decimal text with at most 8 decimals.
 */
export function changeDirection(
  field: keyof RiskProfile,
  from: ProfileValue,
  to: ProfileValue,
): 'same' | 'tighten' | 'loosen' {
  const c = compareValues(to, from);
  if (c === 0) return 'same';
  const way = LOOSER_WHEN[field];
  const looser = way === 'lower' ? c < 0 : c > 0; // 'false': false < true, so a lower value (false) is looser
  return (way === 'false' ? c < 0 : looser) ? 'loosen' : 'tighten';
}

/** The deployment's hard ceilings: no profile may exceed them (percent text), changed by admins only. */
export interface HardCeilings {
  /** Ceiling of `riskPerTradePct` and `maxRiskPerTradePct`. Default "2". */
  maxRiskPerTradePct: string;
  /** Ceiling of `maxDrawdownPct` (the drawdown halt). Default "25". */
  maxDrawdownPct: string;
}

/** The default hard ceilings: 2 % risk per trade, a 25 % drawdown halt. */
export const DEFAULT_CEILINGS: Readonly<HardCeilings> = Object.freeze({
  maxRiskPerTradePct: '2',
  maxDrawdownPct: '25',
});

/** The ceiling that bounds `field`, or null when none does. */
export function ceilingOf(field: keyof RiskProfile, c: HardCeilings): string | null {
  if (field === 'riskPerTradePct' || field === 'maxRiskPerTradePct') return c.maxRiskPerTradePct;
  if (field === 'maxDrawdownPct') return c.maxDrawdownPct;
  return null;
}

/** One invalid field of a profile change (the app turns these into a ValidationError). */
export interface ProfileIssue {
  field: string;
  code: 'above-hard-ceiling' | 'risk-above-max';
  message: string;
}

/** A loosening change waiting for its cooling-off period to end. Times in ms since the epoch (UTC). */
export interface PendingChange {
  field: keyof RiskProfile;
  value: ProfileValue;
  requestedAt: number;
  effectiveAt: number;
}

/** What {@link planProfileChange} decided. */
export interface ProfileChangePlan {
  /** Tightening changes: applied at once. */
  immediate: Partial<RiskProfile>;
  /** Loosening changes: scheduled (replacing any pending change of the same field). */
  scheduled: Partial<RiskProfile>;
  /** Pending changes cancelled: a tightening of their field supersedes them, or they would break `risk ≤ max`. */
  cancelled: (keyof RiskProfile)[];
  /** Field errors; when non-empty nothing may be written. */
  issues: ProfileIssue[];
}

const riskAboveMax = (p: RiskProfile): boolean => compareValues(p.riskPerTradePct, p.maxRiskPerTradePct) > 0;

/**
 * Splits an owner's edit of the profile into what takes effect now and what waits (the Testudo Protocol's
 * discipline: tightening is immediate, loosening waits out the cooling-off period).
 *
 * - A value above its hard ceiling is refused (`above-hard-ceiling`), whichever way it moves.
 * - A value equal to the current one changes nothing (a pending change of that field stays).
 * - A tightening is immediate and cancels a pending change of the same field.
 * - A loosening is scheduled; one equal to the pending value of its field is left as it is (its effectiveAt kept).
 * - The profile in force now and the profile once every pending change has applied must both keep
 *   `riskPerTradePct ≤ maxRiskPerTradePct`: a pending risk change that an immediate lower maximum would break is
 *   cancelled; otherwise the edit is refused (`risk-above-max` on `riskPerTradePct`).
 *
 * @param current the profile in force.
 * @param pending pending changes by field.
 * @param patch the owner's edit (validated shapes: decimal text, integers, booleans).
 */
export function planProfileChange(
  current: RiskProfile,
  pending: Partial<RiskProfile>,
  patch: Partial<RiskProfile>,
  ceilings: HardCeilings,
): ProfileChangePlan {
  const plan: ProfileChangePlan = { immediate: {}, scheduled: {}, cancelled: [], issues: [] };
  const set = <K extends keyof RiskProfile>(o: Partial<RiskProfile>, k: K, v: RiskProfile[K]): void => {
    o[k] = v;
  };
  for (const field of PROFILE_FIELDS) {
    const value = patch[field];
    if (value === undefined) continue;
    const ceiling = ceilingOf(field, ceilings);
    if (ceiling !== null && compareValues(value, ceiling) > 0) {
      plan.issues.push({
        field,
        code: 'above-hard-ceiling',
        message: `must not exceed the hard ceiling of ${ceiling} set for this deployment`,
      });
      continue;
    }
    const dir = changeDirection(field, current[field], value);
    if (dir === 'same') continue;
    if (dir === 'tighten') {
      set(plan.immediate, field, value);
      if (pending[field] !== undefined) plan.cancelled.push(field);
    } else if (pending[field] === undefined || compareValues(pending[field], value) !== 0) {
      set(plan.scheduled, field, value);
    }
  }
  if (plan.issues.length) return plan;
  const now: RiskProfile = { ...current, ...plan.immediate };
  if (riskAboveMax(now)) {
    plan.issues.push({
      field: 'riskPerTradePct',
      code: 'risk-above-max',
      message: `must not exceed maxRiskPerTradePct (${now.maxRiskPerTradePct})`,
    });
    return plan;
  }
  const kept: Partial<RiskProfile> = {};
  for (const f of PROFILE_FIELDS) if (pending[f] !== undefined && !plan.cancelled.includes(f)) set(kept, f, pending[f]);
  const eventual: RiskProfile = { ...now, ...kept, ...plan.scheduled };
  if (riskAboveMax(eventual)) {
    if (kept.riskPerTradePct !== undefined && plan.scheduled.riskPerTradePct === undefined) {
      plan.cancelled.push('riskPerTradePct');
      if (!riskAboveMax({ ...eventual, riskPerTradePct: now.riskPerTradePct })) return plan;
    }
    plan.issues.push({
      field: 'riskPerTradePct',
      code: 'risk-above-max',
      message: `must not exceed maxRiskPerTradePct (${eventual.maxRiskPerTradePct}, once pending changes apply)`,
    });
  }
  return plan;
}

/** What {@link applyDueChanges} decided. */
export interface DueChanges {
  /** The profile with the due changes applied. */
  profile: RiskProfile;
  /** Due changes applied, in effectiveAt order. */
  applied: PendingChange[];
  /** Due changes dropped: applying them would break a ceiling or `risk ≤ max` (e.g. after a ceiling was lowered). */
  dropped: PendingChange[];
}

/**
 * Applies the pending changes whose `effectiveAt ≤ now`, in effectiveAt order (then field order). A due change
 * that would exceed a hard ceiling or leave `riskPerTradePct > maxRiskPerTradePct` is dropped instead. Changes due
 * at the same instant apply together (a raised maximum with the risk it allows). Pending changes only ever loosen
 * (a tightening of a field cancels its pending change), so applying one never lowers the maximum: dropping the
 * group's risk change is enough to keep risk ≤ max.
 */
export function applyDueChanges(
  current: RiskProfile,
  pending: readonly PendingChange[],
  now: number,
  ceilings: HardCeilings,
): DueChanges {
  const due = pending
    .filter((p) => p.effectiveAt <= now)
    .sort((a, b) => a.effectiveAt - b.effectiveAt || PROFILE_FIELDS.indexOf(a.field) - PROFILE_FIELDS.indexOf(b.field));
  let profile: RiskProfile = { ...current };
  const applied: PendingChange[] = [];
  const dropped: PendingChange[] = [];
  for (let i = 0; i < due.length; i++) {
    let j = i;
    while (j + 1 < due.length && due[j + 1]!.effectiveAt === due[i]!.effectiveAt) j++;
    const group = due.slice(i, j + 1);
    i = j;
    const bad = group.filter((p) => aboveCeiling(p.field, p.value, ceilings));
    let next: RiskProfile = { ...profile };
    for (const p of group) if (!bad.includes(p)) next = { ...next, [p.field]: p.value };
    const risk = group.find((p) => p.field === 'riskPerTradePct' && !bad.includes(p));
    if (risk && riskAboveMax(next)) {
      bad.push(risk);
      next = { ...next, riskPerTradePct: profile.riskPerTradePct };
    }
    profile = next;
    for (const p of group) (bad.includes(p) ? dropped : applied).push(p);
  }
  return { profile, applied, dropped };
}

/**
 * The fields of `p` above a hard ceiling, lowered to it (an admin lowered a ceiling: the change is a tightening,
 * so it applies at once). Returns the lowered values only; `riskPerTradePct` is lowered with its maximum.
 */
export function clampToCeilings(p: RiskProfile, c: HardCeilings): Partial<RiskProfile> {
  const out: Partial<RiskProfile> = {};
  if (compareValues(p.maxRiskPerTradePct, c.maxRiskPerTradePct) > 0) out.maxRiskPerTradePct = c.maxRiskPerTradePct;
  if (compareValues(p.riskPerTradePct, c.maxRiskPerTradePct) > 0) out.riskPerTradePct = c.maxRiskPerTradePct;
  if (compareValues(p.maxDrawdownPct, c.maxDrawdownPct) > 0) out.maxDrawdownPct = c.maxDrawdownPct;
  return out;
}

/** Whether `value` of `field` is above its ceiling (false for unbounded fields). */
export function aboveCeiling(field: keyof RiskProfile, value: ProfileValue, c: HardCeilings): boolean {
  const ceiling = ceilingOf(field, c);
  return ceiling !== null && compareValues(value, ceiling) > 0;
}

/** The account state {@link riskLimits} reads. Money in atoms; times in ms since the epoch (UTC). */
export interface RiskLimitsInput {
  /** Realized equity (balance), atoms. */
  equity: bigint;
  /** Realized net P&L of the current UTC day (0 when the stored day is not today), atoms. */
  realizedPnlToday: bigint;
  /** Equity peak since the last halt reset, atoms. */
  peakEquity: bigint;
  haltedAt: number | null;
  /** Summed initial risk of open and pending trades, atoms. */
  openRisk: bigint;
  openPositions: number;
  consecutiveLosses: number;
  lastLossAt: number | null;
  now: number;
}

/** Where each limit of the protocol stands, as the rules of `./decide.ts` evaluate them. Money in atoms. */
export interface RiskLimits {
  /** Today's realized loss (≥ 0) against the limit (start-of-day equity × dailyLossLimitPct); clears at 00:00 UTC. */
  dailyLoss: { used: bigint; limit: bigint; hit: boolean; clearsAt: number | null };
  /** Drawdown from the peak against the limit (peak × maxDrawdownPct); a halt clears only by the owner's reset. */
  drawdown: { fromPeak: bigint; limit: bigint; hit: boolean; halted: boolean };
  /** Open risk ("heat") against the limit (equity × maxOpenRiskPct); clears as trades close. */
  openRisk: { used: bigint; limit: bigint; hit: boolean };
  /** Open positions (pending entries included) against the maximum; clears as trades close. */
  openPositions: { used: number; max: number; hit: boolean };
  /** Loss-streak cooldown: active until `until` (the last loss + cooldown) once the streak reaches the limit. */
  cooldown: { active: boolean; until: number | null };
}

const MS_PER_DAY = 86_400_000;

/**
 * Where the account stands against each limit of `profile` at `s.now`, with the same integer comparisons as
 * {@link import('./decide.ts').decide}: daily loss `-realized × 10^8 ≥ dayStart × limit`, drawdown
 * `(peak − equity) × 10^8 ≥ maxDrawdown × peak`, heat `openRisk × 10^8 ≥ equity × maxOpenRisk` (no room for a new
 * trade), positions `open ≥ max`, cooldown `losses ≥ streak limit and now < lastLoss + cooldown`. Limits are
 * floored to the atom. The daily limit clears at the next 00:00 UTC after `now`.
 */
export function riskLimits(profile: CompiledProfile, s: RiskLimitsInput): RiskLimits {
  const dayStart = s.equity - s.realizedPnlToday;
  const used = s.realizedPnlToday < 0n ? -s.realizedPnlToday : 0n;
  const dailyHit = used > 0n && used * FRACTION_SCALE >= dayStart * profile.dailyLossLimit;
  const fromPeak = s.peakEquity > s.equity ? s.peakEquity - s.equity : 0n;
  const ddHit = s.peakEquity > 0n && fromPeak * FRACTION_SCALE >= profile.maxDrawdown * s.peakEquity;
  const coolUntil = s.lastLossAt === null ? null : s.lastLossAt + profile.cooldownMs;
  const cooling = s.consecutiveLosses >= profile.lossStreakLimit && coolUntil !== null && s.now < coolUntil;
  return {
    dailyLoss: {
      used,
      limit: dayStart > 0n ? (dayStart * profile.dailyLossLimit) / FRACTION_SCALE : 0n,
      hit: dailyHit,
      clearsAt: dailyHit ? (Math.floor(s.now / MS_PER_DAY) + 1) * MS_PER_DAY : null,
    },
    drawdown: {
      fromPeak,
      limit: (s.peakEquity * profile.maxDrawdown) / FRACTION_SCALE,
      hit: ddHit,
      halted: s.haltedAt !== null || ddHit,
    },
    openRisk: {
      used: s.openRisk,
      limit: s.equity > 0n ? (s.equity * profile.maxOpenRisk) / FRACTION_SCALE : 0n,
      hit: s.openRisk * FRACTION_SCALE >= s.equity * profile.maxOpenRisk,
    },
    openPositions: {
      used: s.openPositions,
      max: profile.maxOpenPositions,
      hit: s.openPositions >= profile.maxOpenPositions,
    },
    cooldown: { active: cooling, until: cooling ? coolUntil : null },
  };
}
