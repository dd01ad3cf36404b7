/**
 * The Testudo Protocol in plain words, with the account's own numbers: what each limit of the risk profile means
 * for this equity ("a stop-out costs about 100 USDT"), and whether an edit tightens the protocol (applies at once)
 * or loosens it (waits out the cooling-off period). Display only: amounts are computed exactly from the API's
 * decimal strings (see `./decimal.ts`) and rounded for reading; the server decides what actually applies.
 */
import { money } from '@/lib/format';
import { compareText, fits, isDecimal, mulText, percentOf, subText } from '@/lib/decimal';

/** An account's risk profile as `GET /api/v1/risk-profile` serves it (percent fields as decimal text). */
export interface RiskProfile {
  riskPerTradePct: string;
  maxRiskPerTradePct: string;
  minRewardRisk: string;
  requireTakeProfit: boolean;
  dailyLossLimitPct: string;
  maxDrawdownPct: string;
  maxOpenRiskPct: string;
  maxOpenPositions: number;
  lossStreakLimit: number;
  cooldownMinutes: number;
  maxLeverage: string;
}

/** A field of the risk profile. */
export type ProfileField = keyof RiskProfile;

/** A value of a profile field. */
export type ProfileValue = RiskProfile[ProfileField];

/** The default Testudo Protocol (the server's `DEFAULT_RISK_PROFILE`), used until the profile has loaded. */
export const DEFAULT_PROFILE: Readonly<RiskProfile> = Object.freeze({
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

/** How a field is edited and which way it loosens the protocol. */
export interface FieldMeta {
  field: ProfileField;
  label: string;
  /** `decimal` text, whole `integer` or `boolean` switch. */
  kind: 'decimal' | 'integer' | 'boolean';
  /** Unit shown after the input (`%`, `×`, `min`, …). */
  unit: string;
  /** `higher`: a larger value allows more risk; `lower`: a smaller one does; `false`: turning it off does. */
  looserWhen: 'higher' | 'lower' | 'false';
}

/** The profile's fields in display order (the server's `PROFILE_FIELDS` and `LOOSER_WHEN`). */
export const FIELDS: readonly FieldMeta[] = Object.freeze([
  { field: 'riskPerTradePct', label: 'Risk per trade', kind: 'decimal', unit: '%', looserWhen: 'higher' },
  { field: 'maxRiskPerTradePct', label: 'Max risk per trade', kind: 'decimal', unit: '%', looserWhen: 'higher' },
  { field: 'minRewardRisk', label: 'Minimum reward:risk', kind: 'decimal', unit: 'R', looserWhen: 'lower' },
  { field: 'requireTakeProfit', label: 'Take-profit required', kind: 'boolean', unit: '', looserWhen: 'false' },
  { field: 'dailyLossLimitPct', label: 'Daily loss limit', kind: 'decimal', unit: '%', looserWhen: 'higher' },
  { field: 'maxDrawdownPct', label: 'Max drawdown halt', kind: 'decimal', unit: '%', looserWhen: 'higher' },
  { field: 'maxOpenRiskPct', label: 'Max open risk', kind: 'decimal', unit: '%', looserWhen: 'higher' },
  { field: 'maxOpenPositions', label: 'Max open positions', kind: 'integer', unit: '', looserWhen: 'higher' },
  {
    field: 'lossStreakLimit',
    label: 'Loss streak before cooldown',
    kind: 'integer',
    unit: 'losses',
    looserWhen: 'higher',
  },
  { field: 'cooldownMinutes', label: 'Cooldown', kind: 'integer', unit: 'min', looserWhen: 'lower' },
  { field: 'maxLeverage', label: 'Max leverage', kind: 'decimal', unit: '×', looserWhen: 'higher' },
] as FieldMeta[]);

/** The metadata of `field`. @throws Error for an unknown field. */
export function metaOf(field: ProfileField): FieldMeta {
  const m = FIELDS.find((f) => f.field === field);
  if (!m) throw new Error(`unknown profile field ${field}`);
  return m;
}

/** Currency of the paper account's amounts. */
export const QUOTE = 'USDT';

/** An amount for reading: grouped, 2 decimals, with the currency (`"100.00 USDT"`). */
export function amount(s: string): string {
  return `${money(s)} ${QUOTE}`;
}

/** A value of a field as text (`"1%"`, `"2R"`, `"240 min"`, `"yes"`). */
export function showValue(field: ProfileField, v: ProfileValue): string {
  const m = metaOf(field);
  if (m.kind === 'boolean') return v ? 'required' : 'not required';
  if (m.unit === '%') return `${String(v)}%`;
  if (m.unit === '×') return `${String(v)}×`;
  if (m.unit === 'R') return `${String(v)}R`;
  return m.unit ? `${String(v)} ${m.unit}` : String(v);
}

/** `240` minutes as `"4 hours"`, `90` as `"1 h 30 min"`, `45` as `"45 minutes"`. */
export function minutesText(min: number): string {
  if (min < 60) return `${min} minute${min === 1 ? '' : 's'}`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (m === 0) return `${h} hour${h === 1 ? '' : 's'}`;
  return `${h} h ${m} min`;
}

/** A cooling-off period in seconds as words: `86400` → `"24 hours"`. */
export function coolingOffText(seconds: number): string {
  if (seconds <= 0) return 'no waiting';
  if (seconds % 3600 === 0) {
    const h = seconds / 3600;
    return `${h} hour${h === 1 ? '' : 's'}`;
  }
  if (seconds % 60 === 0) return minutesText(seconds / 60);
  return `${seconds} seconds`;
}

/** What the account's numbers are when explaining consequences. Amounts are decimal strings. */
export interface ConsequenceContext {
  /** The account's equity (its realized balance). */
  equity: string;
  /** The equity peak the drawdown is measured from (defaults to `equity`). */
  peakEquity?: string | undefined;
  /** The whole profile, for limits that depend on another field (open risk in trades at the risk per trade). */
  profile: RiskProfile;
}

/**
 * What `value` of `field` means for this account, in plain words with amounts computed exactly from the decimal
 * strings: e.g. riskPerTradePct "1" on "10000" → "A stop-out costs you about 100.00 USDT (1% of 10,000.00 USDT)."
 * A value that is not a number yet (the user is typing) gives a neutral sentence.
 */
export function consequence(field: ProfileField, value: ProfileValue, c: ConsequenceContext): string {
  const eq = c.equity;
  const v = String(value);
  const numeric = typeof value === 'boolean' || isDecimal(v);
  if (!numeric || !isDecimal(eq)) return 'Enter a number to see what it means for this account.';
  const of = (pct: string) => amount(percentOf(eq, pct));
  switch (field) {
    case 'riskPerTradePct':
      return `A stop-out costs you about ${of(v)} (${v}% of ${amount(eq)}); the position size is computed from the stop so that it does.`;
    case 'maxRiskPerTradePct':
      return `No single trade may risk more than ${of(v)}, even when you override the risk of one trade.`;
    case 'minRewardRisk': {
      const risk = percentOf(eq, c.profile.riskPerTradePct);
      return `The take-profit must be worth at least ${v}× the risk: risking ${amount(risk)}, the target must aim for ${amount(mulText(risk, v))} or more.`;
    }
    case 'requireTakeProfit':
      return value
        ? 'Every trade must carry a take-profit price before it is sent.'
        : 'Trades may be sent without a take-profit (reward:risk is then not checked).';
    case 'dailyLossLimitPct':
      return `After losing ${of(v)} in one UTC day, Testudo stops new trades until 00:00 UTC.`;
    case 'maxDrawdownPct': {
      const peak = c.peakEquity && isDecimal(c.peakEquity) ? c.peakEquity : eq;
      const loss = percentOf(peak, v);
      return `If equity falls ${amount(loss)} below its peak of ${amount(peak)} (to ${amount(subText(peak, loss))}), trading halts until you reset it.`;
    }
    case 'maxOpenRiskPct': {
      const per = c.profile.riskPerTradePct;
      const n = isDecimal(per) && compareText(per, '0') > 0 ? fits(v, per) : 0n;
      return `All open trades together may risk at most ${of(v)}: about ${n} trade${n === 1n ? '' : 's'} at ${per}% each.`;
    }
    case 'maxOpenPositions':
      return `At most ${v} position${v === '1' ? '' : 's'} at once, pending entries included.`;
    case 'lossStreakLimit':
      return `After ${v} losing trade${v === '1' ? '' : 's'} in a row, Testudo pauses trading for ${minutesText(c.profile.cooldownMinutes)}.`;
    case 'cooldownMinutes':
      return `After a losing streak of ${c.profile.lossStreakLimit}, new trades wait ${minutesText(Number(v))}.`;
    case 'maxLeverage':
      return `Positions may be worth at most ${v}× equity: ${amount(mulText(eq, v))} in total at ${amount(eq)}.`;
  }
}

/**
 * Whether changing `field` from `from` to `to` leaves the protocol as strict (`same`), stricter (`tighten`:
 * applies at once) or looser (`loosen`: waits out the cooling-off period); the server's `changeDirection` rule.
 * `invalid` when `to` is not a value of the field (the server will say why).
 */
export function direction(
  field: ProfileField,
  from: ProfileValue,
  to: ProfileValue,
): 'same' | 'tighten' | 'loosen' | 'invalid' {
  const m = metaOf(field);
  let c: number;
  if (m.kind === 'boolean') {
    if (typeof to !== 'boolean') return 'invalid';
    c = to === from ? 0 : to ? 1 : -1;
  } else {
    const t = String(to).trim();
    if (!isDecimal(t) || (m.kind === 'integer' && !/^-?\d+$/.test(t))) return 'invalid';
    c = compareText(t, String(from));
  }
  if (c === 0) return 'same';
  if (m.looserWhen === 'lower' || m.looserWhen === 'false') return c < 0 ? 'loosen' : 'tighten';
  return c > 0 ? 'loosen' : 'tighten';
}

/**
 * What is wrong with the text typed for `field` before it is sent, or undefined when it has the field's shape:
 * a decimal (`"1.5"`) for percents and ratios, a whole number for counts and minutes. Limits are the server's.
 */
export function inputProblem(field: ProfileField, text: string | boolean): string | undefined {
  const m = metaOf(field);
  if (m.kind === 'boolean') return undefined;
  const t = String(text).trim();
  if (t === '') return 'Enter a value';
  if (m.kind === 'integer') return /^\d+$/.test(t) ? undefined : 'Enter a whole number';
  return /^\d+(\.\d+)?$/.test(t) ? undefined : 'Enter a number such as 1.5';
}

/** Whether `value` of `field` is above its hard `ceiling` (null: the field has none). Non-numbers are not. */
export function aboveCeiling(value: string, ceiling: string | null): boolean {
  return ceiling !== null && isDecimal(value) && isDecimal(ceiling) && compareText(value, ceiling) > 0;
}

/** The three sentences of the onboarding's protocol step, with the account's numbers. */
export function protocolSummary(equity: string, p: RiskProfile): string[] {
  return [
    `With ${amount(equity)} and ${p.riskPerTradePct}% risk per trade, a stop-out costs you about ${amount(percentOf(equity, p.riskPerTradePct))}.`,
    `After a ${p.dailyLossLimitPct}% daily loss (${amount(percentOf(equity, p.dailyLossLimitPct))}) Testudo stops you for the rest of the UTC day.`,
    `At a ${p.maxDrawdownPct}% drawdown from your peak (${amount(percentOf(equity, p.maxDrawdownPct))}) it halts trading until you reset it.`,
  ];
}
