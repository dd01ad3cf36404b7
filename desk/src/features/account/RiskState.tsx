/**
 * Where the account stands against each limit now (daily loss, drawdown, open risk, positions, cooldown, the
 * exchange circuit breaker), with when a blocking limit clears, and the drawdown halt with its "Reset halt" button
 * behind a confirmation.
 */
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { ErrorState } from '@/components/ui/states';
import { money, utc } from '@/lib/format';
import { useResetHalt, type LimitState, type RiskProfileView } from './api';
import { amount } from './riskText';

const CLEARS_BY: Record<string, string> = {
  'next-utc-day': 'at 00:00 UTC',
  reset: 'when you reset the halt',
  'trades-closing': 'as open trades close',
  time: 'when the cooldown ends',
  probe: 'when the exchange answers again',
};

function clears(l: LimitState): string {
  if (!l.blocking) return 'OK';
  const by = l.clearsBy ? (CLEARS_BY[l.clearsBy] ?? l.clearsBy) : '';
  if (l.clearsAt) return `Blocking until ${utc(l.clearsAt)} UTC`;
  return by ? `Blocking: clears ${by}` : 'Blocking';
}

/** Props of {@link RiskState}. */
export interface RiskStateProps {
  view: RiskProfileView;
}

/** The risk state and the halt (see the module comment). */
export function RiskState({ view }: RiskStateProps) {
  const [confirm, setConfirm] = useState(false);
  const reset = useResetHalt();
  const l = view.limits;
  const halted = l.halted || view.state.haltedAt !== null;
  const rows: { label: string; now: string; l: LimitState }[] = [
    { label: 'Daily loss', now: `${money(l.dailyLoss.used)} of ${money(l.dailyLoss.limit)} USDT`, l: l.dailyLoss },
    {
      label: 'Drawdown from peak',
      now: `${money(l.drawdown.fromPeak)} of ${money(l.drawdown.limit)} USDT`,
      l: l.drawdown,
    },
    { label: 'Open risk', now: `${money(l.openRisk.used)} of ${money(l.openRisk.limit)} USDT`, l: l.openRisk },
    { label: 'Open positions', now: `${l.openPositions.used} of ${l.openPositions.max}`, l: l.openPositions },
    {
      label: 'Losses in a row',
      now: `${l.cooldown.consecutiveLosses} of ${l.cooldown.lossStreakLimit}`,
      l: l.cooldown,
    },
    { label: 'Exchange connection', now: l.breaker.state, l: l.breaker },
  ];
  return (
    <Card>
      <CardHeader
        title="Where you stand"
        actions={!l.canTrade ? <Badge tone="loss">Trading blocked</Badge> : <Badge tone="profit">Can trade</Badge>}
      />
      {halted ? (
        <div
          role="alert"
          className="m-3 flex flex-wrap items-center gap-3 rounded-md border border-loss/50 bg-loss/10 p-3"
        >
          <div className="min-w-0 flex-1 text-sm">
            <p className="font-semibold text-loss">Trading is halted: the drawdown limit was reached.</p>
            <p className="text-muted">
              {view.state.haltedAt ? `Since ${utc(view.state.haltedAt)} UTC. ` : ''}Equity is{' '}
              {amount(view.state.balance)} against a peak of {amount(view.state.peakEquity)}. Resetting restarts the
              peak at your current equity; nothing else changes.
            </p>
          </div>
          <Button variant="danger" onClick={() => setConfirm(true)}>
            Reset halt
          </Button>
        </div>
      ) : null}
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <tbody>
            {rows.map((r) => (
              <tr key={r.label} className="border-b border-border last:border-0">
                <th scope="row" className="px-3 py-1.5 text-left text-xs font-medium text-muted">
                  {r.label}
                </th>
                <td className="num px-3 py-1.5 text-right">{r.now}</td>
                <td className={`px-3 py-1.5 text-right text-xs ${r.l.blocking ? 'text-loss' : 'text-muted'}`}>
                  {clears(r.l)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Dialog
        open={confirm}
        onOpenChange={(o) => {
          setConfirm(o);
          if (!o) reset.reset();
        }}
        title="Reset the drawdown halt?"
        description={`Trading resumes and the peak restarts at your current equity (${amount(view.state.balance)}). The reset is written to your audit trail.`}
      >
        {reset.error ? <ErrorState error={reset.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setConfirm(false)}>
            Keep the halt
          </Button>
          <Button
            variant="danger"
            disabled={reset.isPending}
            onClick={() => reset.mutate(undefined, { onSuccess: () => setConfirm(false) })}
          >
            Yes, reset the halt
          </Button>
        </div>
      </Dialog>
    </Card>
  );
}
