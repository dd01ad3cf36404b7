/**
 * The audit trail of the user's own profile changes and halt resets (`GET /api/v1/audit`), as sentences.
 */
import { metaOf, showValue, type ProfileField, type ProfileValue } from './riskText';
import { money, utc } from '@/lib/format';

/** One audit entry as the API serves it. */
export interface AuditEntry {
  id: number;
  /** ISO 8601 UTC. */
  at: string;
  actorUserId: number | null;
  subjectUserId: number | null;
  action: string;
  details: Record<string, unknown>;
  address?: string | null;
}

const KNOWN = new Set([
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

function fieldChange(field: string, from: unknown, to: unknown): string {
  if (!KNOWN.has(field)) return `${field}: ${String(from)} → ${String(to)}`;
  const f = field as ProfileField;
  return `${metaOf(f).label} ${showValue(f, from as ProfileValue)} → ${showValue(f, to as ProfileValue)}`;
}

function changes(d: Record<string, unknown>): string {
  const c = (d.changes ?? {}) as Record<string, { from?: unknown; to?: unknown }>;
  return Object.entries(c)
    .map(([f, x]) => fieldChange(f, x.from, x.to))
    .join('; ');
}

const REASONS: Record<string, string> = {
  owner: 'cancelled by you',
  superseded: 'replaced by a tighter value',
  ceiling: 'above a lowered hard ceiling',
};

/**
 * An audit entry in plain words: `risk-profile-changed` → "Tightened: Risk per trade 1% → 0.5%", a scheduled
 * loosening with its effective time, applied and cancelled pending changes, halt resets; unknown actions show
 * their code.
 */
export function describeAudit(e: AuditEntry): string {
  const d = e.details ?? {};
  switch (e.action) {
    case 'risk-profile-changed':
      return `${d.reason === 'ceiling' ? 'Lowered to the hard ceiling' : 'Tightened at once'}: ${changes(d)}`;
    case 'risk-profile-change-scheduled':
      return `Loosening requested: ${changes(d)}, effective ${utc(d.effectiveAt as string)} UTC`;
    case 'risk-profile-change-applied':
      return `Loosening applied after the cooling-off: ${fieldChange(String(d.field), d.from, d.to)}`;
    case 'risk-profile-change-cancelled': {
      const f = String(d.field);
      const what = KNOWN.has(f)
        ? `${metaOf(f as ProfileField).label} → ${showValue(f as ProfileField, d.value as ProfileValue)}`
        : f;
      return `Pending change cancelled (${REASONS[String(d.reason)] ?? String(d.reason ?? '')}): ${what}`;
    }
    case 'halt-reset':
      return `Drawdown halt reset; the peak restarts at ${money(String(d.balance ?? ''))} USDT`;
    case 'candles-import':
      return `Candle file uploaded for import: ${String(d.symbol ?? '')}${d.timeframe ? ` ${String(d.timeframe)}` : ''}, ${Number(d.bytes ?? 0).toLocaleString('en')} bytes`;
    case 'admin-granted':
      return `Admin rights granted${d.email ? ` to ${String(d.email)}` : ''}`;
    case 'admin-revoked':
      return `Admin rights revoked${d.email ? ` from ${String(d.email)}` : ''}`;
    case 'risk-ceilings-changed':
      return 'The hard ceilings were changed by an admin';
    default:
      return e.action;
  }
}
