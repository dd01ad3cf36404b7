/**
 * The Account page (`/account`): the Testudo Protocol editor with the account's risk state and halt, the audit
 * trail of profile changes, API tokens, exchange connections (live trading through the risk gate), the candle data
 * import (admins), and what is still to come (TradingView extension pairing).
 */
import { useQueryClient } from '@tanstack/react-query';
import { useLiveEvent } from '@/api/live';
import { useMe } from '@/api/session';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';
import { KEYS, useAudit, useRiskProfile } from './api';
import { describeAudit } from './audit';
import { ConnectionsSection } from './ConnectionsSection';
import { ImportSection } from './ImportSection';
import { RiskProfileEditor } from './RiskProfileEditor';
import { RiskState } from './RiskState';
import { SessionsSection } from './SessionsSection';
import { TokensSection } from './TokensSection';
import { TotpSection } from './TotpSection';

function AuditTrail() {
  const audit = useAudit();
  return (
    <Card>
      <CardHeader title="Audit trail" />
      {audit.isPending ? (
        <Loading />
      ) : audit.isError ? (
        <ErrorState error={audit.error} retry={() => void audit.refetch()} />
      ) : audit.data.length === 0 ? (
        <Empty>No profile changes or halt resets yet.</Empty>
      ) : (
        <ol className="max-h-80 overflow-y-auto text-sm" aria-label="Audit trail">
          {audit.data.map((e) => (
            <li
              key={e.id}
              className="flex flex-col gap-0.5 border-b border-border px-3 py-1.5 last:border-0 sm:flex-row sm:gap-3"
            >
              <time dateTime={e.at} className="num shrink-0 text-xs text-muted sm:w-32">
                {utc(e.at)}
              </time>
              <span className="min-w-0 break-words">{describeAudit(e)}</span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Coming() {
  return (
    <Card>
      <CardHeader title="TradingView extension pairing" />
      <p className="p-3 text-sm text-muted">
        Not available yet. Pairing arrives with the Testudo browser extension for TradingView, which will send setups
        drawn on a chart to this Desk for sizing and the protocol&apos;s checks.
      </p>
    </Card>
  );
}

/** The Account page. */
export default function AccountPage() {
  const me = useMe();
  const profile = useRiskProfile();
  const qc = useQueryClient();
  // the risk state moves with fills, closed trades and the exchange breaker
  useLiveEvent(['fill', 'position', 'trade-closed', 'breaker'], () => {
    void qc.invalidateQueries({ queryKey: KEYS.profile });
  });
  const user = me.data?.user as { isAdmin?: boolean } | undefined;
  const isAdmin = Boolean(user?.isAdmin ?? (me.data as { isAdmin?: boolean } | undefined)?.isAdmin);
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-3 p-3">
      <h1 className="text-lg font-semibold">Account</h1>
      {profile.isPending ? (
        <Loading label="Loading the risk profile…" />
      ) : profile.isError ? (
        <ErrorState error={profile.error} retry={() => void profile.refetch()} />
      ) : (
        <>
          <RiskState view={profile.data} />
          <RiskProfileEditor view={profile.data} />
        </>
      )}
      <AuditTrail />
      <TotpSection />
      <SessionsSection />
      <TokensSection />
      <ConnectionsSection />
      <ImportSection isAdmin={isAdmin} />
      <Coming />
    </div>
  );
}
