/**
 * Pieces shared by the run list and a run's detail: the status badges, the live statistics grid and the Stop
 * button with its confirmation dialog.
 */
import { useState } from 'react';
import { Square } from 'lucide-react';
import { Badge } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { ErrorState } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { signClass } from '@/lib/format';
import { useStopRun } from './api';
import { canStop, statsText, statusTone } from './runs';
import type { Run } from './types';

/** `sma-cross · BTC-USD · 1h`. */
export function runName(r: Pick<Run, 'strategy' | 'symbol' | 'timeframe'>): string {
  return `${r.strategy} · ${r.symbol} · ${r.timeframe}`;
}

/** The run's status and host as badges. */
export function RunBadges({ run }: { run: Run }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Badge tone={statusTone(run.status)} data-testid="run-status">
        {run.status}
      </Badge>
      <Badge title={run.host === 'server' ? 'runs inside the server' : 'runs on a client (testudo run)'}>
        {run.host}
      </Badge>
    </span>
  );
}

/** The five live statistics as a description list. */
export function StatsGrid({ run, className }: { run: Run; className?: string }) {
  return (
    <dl className={cn('grid grid-cols-3 gap-x-3 gap-y-1 sm:grid-cols-5', className)} aria-label="Live statistics">
      {statsText(run.stats).map((s) => (
        <div key={s.key} className="min-w-0" data-stat={s.key}>
          <dt className="text-[11px] text-muted">{s.label}</dt>
          <dd className={cn('num truncate text-sm font-medium', s.sign === null ? '' : signClass(s.sign))}>{s.text}</dd>
        </div>
      ))}
    </dl>
  );
}

/** "Stop" with a confirmation; shown only while the run is running. */
export function StopRunButton({ run, size = 'sm' }: { run: Run; size?: 'sm' | 'default' }) {
  const [open, setOpen] = useState(false);
  const stop = useStopRun();
  if (!canStop(run.status)) return null;
  return (
    <>
      <Button variant="danger" size={size} onClick={() => setOpen(true)} aria-label={`Stop run #${run.id}`}>
        <Square size={12} /> Stop
      </Button>
      <Dialog
        open={open}
        onOpenChange={(o) => {
          setOpen(o);
          if (!o) stop.reset();
        }}
        title={`Stop run #${run.id}?`}
        description={`${runName(run)} stops acting on new bars. Trades it opened stay open with their stop-loss and take-profit; manage them on the Positions page.`}
      >
        {stop.error ? <ErrorState error={stop.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setOpen(false)}>
            Keep running
          </Button>
          <Button
            variant="danger"
            disabled={stop.isPending}
            onClick={() => stop.mutate(run.id, { onSuccess: () => setOpen(false) })}
          >
            {stop.isPending ? 'Stopping…' : 'Stop run'}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
