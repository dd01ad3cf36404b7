/**
 * The account's risk state against the Testudo Protocol's limits: circuit breaker, daily loss, drawdown from the
 * peak, open risk (portfolio heat), open positions and the loss-streak cooldown, each as a number and a bar against
 * its limit, whether it blocks new trades now, and when (or by what) it clears.
 */
import type { ReactNode } from 'react';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { money, utc } from '@/lib/format';
import { useRisk, type RiskLimits } from './api';
import { usedShare } from './lots';

const CLEARS: Record<string, string> = {
  probe: 'clears after a successful probe of the exchange',
  'next-utc-day': 'clears at the next UTC day',
  reset: 'halted until you reset it (Account)',
  'trades-closing': 'clears as trades close',
  time: 'clears when the cooldown ends',
};

function clearsText(c: { blocking: boolean; clearsAt: string | null; clearsBy: string | null }): string {
  if (!c.blocking) return 'not blocking';
  const by = c.clearsBy ? (CLEARS[c.clearsBy] ?? c.clearsBy) : 'blocking';
  return c.clearsAt ? `${by} (${utc(c.clearsAt)} UTC)` : by;
}

function Limit({
  label,
  value,
  share,
  blocking,
  note,
  testId,
}: {
  label: string;
  value: ReactNode;
  share: number | null;
  blocking: boolean;
  note: string;
  testId: string;
}) {
  const pctUsed = share === null ? 0 : Math.round(share * 100);
  return (
    <div className="py-1.5" data-testid={testId}>
      <div className="flex items-baseline justify-between gap-2 text-xs">
        <span className="font-medium">{label}</span>
        <span className={cn('num', blocking && 'text-loss')}>{value}</span>
      </div>
      <div
        className="mt-1 h-1.5 overflow-hidden rounded bg-panel-2"
        role="meter"
        aria-label={`${label} used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pctUsed}
      >
        <div
          className={cn('h-full', blocking ? 'bg-loss' : pctUsed >= 75 ? 'bg-warn' : 'bg-profit')}
          style={{ width: `${pctUsed}%` }}
        />
      </div>
      <p className={cn('mt-0.5 text-[11px]', blocking ? 'text-loss' : 'text-muted')}>{note}</p>
    </div>
  );
}

function Limits({ l }: { l: RiskLimits }) {
  return (
    <div className="grid gap-x-6 px-3 pb-2 sm:grid-cols-2 lg:grid-cols-1">
      <Limit
        label="Circuit breaker"
        testId="risk-breaker"
        value={l.breaker.state}
        share={l.breaker.state === 'closed' ? 0 : 1}
        blocking={l.breaker.blocking}
        note={clearsText(l.breaker)}
      />
      <Limit
        label={`Daily loss (limit ${l.dailyLoss.limitPct}%)`}
        testId="risk-daily-loss"
        value={`${money(l.dailyLoss.used)} / ${money(l.dailyLoss.limit)}`}
        share={usedShare(l.dailyLoss.used, l.dailyLoss.limit)}
        blocking={l.dailyLoss.blocking}
        note={clearsText(l.dailyLoss)}
      />
      <Limit
        label={`Drawdown from peak (limit ${l.drawdown.limitPct}%)`}
        testId="risk-drawdown"
        value={`${money(l.drawdown.fromPeak)} / ${money(l.drawdown.limit)}`}
        share={usedShare(l.drawdown.fromPeak, l.drawdown.limit)}
        blocking={l.drawdown.blocking}
        note={`peak ${money(l.drawdown.peakEquity)} · ${clearsText(l.drawdown)}`}
      />
      <Limit
        label={`Open risk / heat (limit ${l.openRisk.limitPct}%)`}
        testId="risk-open-risk"
        value={`${money(l.openRisk.used)} / ${money(l.openRisk.limit)}`}
        share={usedShare(l.openRisk.used, l.openRisk.limit)}
        blocking={l.openRisk.blocking}
        note={clearsText(l.openRisk)}
      />
      <Limit
        label="Open positions"
        testId="risk-open-positions"
        value={`${l.openPositions.used} / ${l.openPositions.max}`}
        share={usedShare(l.openPositions.used, l.openPositions.max)}
        blocking={l.openPositions.blocking}
        note={clearsText(l.openPositions)}
      />
      <Limit
        label="Loss streak cooldown"
        testId="risk-cooldown"
        value={`${l.cooldown.consecutiveLosses} / ${l.cooldown.lossStreakLimit} losses`}
        share={usedShare(l.cooldown.consecutiveLosses, l.cooldown.lossStreakLimit)}
        blocking={l.cooldown.blocking}
        note={l.cooldown.until ? `cooldown until ${utc(l.cooldown.until)} UTC` : clearsText(l.cooldown)}
      />
    </div>
  );
}

/** The risk state panel. */
export function RiskPanel() {
  const risk = useRisk();
  const l = risk.data?.limits;
  return (
    <Card aria-label="Risk state" role="region">
      <CardHeader
        title="Risk state"
        actions={
          l ? (
            l.canTrade ? (
              <Badge tone="profit">can trade</Badge>
            ) : (
              <Badge tone="loss">{l.halted ? 'halted' : 'trading blocked'}</Badge>
            )
          ) : null
        }
      />
      {risk.isPending ? (
        <Loading />
      ) : risk.isError ? (
        <ErrorState error={risk.error} retry={() => void risk.refetch()} />
      ) : l ? (
        <>
          <p className="px-3 pt-2 text-xs text-muted">
            Equity <span className="num text-fg">{money(risk.data.state.balance)}</span> · peak{' '}
            <span className="num">{money(risk.data.state.peakEquity)}</span>
          </p>
          <Limits l={l} />
        </>
      ) : (
        <p className="p-3 text-xs text-muted">
          The server does not report its limits yet (GET /risk-profile → limits).
        </p>
      )}
    </Card>
  );
}
