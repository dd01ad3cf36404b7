/**
 * One run (`/strategies/:id`): what it runs, its status and live statistics (kept current by the run messages of
 * its stream), Stop, its parity report's totals when the server has one, and its events, newest first: the
 * persisted history merged with what `WS /ws/strategies/:id` sends live (reconnecting; the stream's state is shown).
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { ArrowLeft, ExternalLink } from 'lucide-react';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { rMultiple, signClass, utc } from '@/lib/format';
import { useParity, useRun, useRunEvents } from './api';
import { describeEvent } from './events';
import { paramsText } from './runs';
import { RunBadges, runName, StatsGrid, StopRunButton } from './RunParts';
import type { StreamState } from './stream';
import type { Run } from './types';

/** Events shown at first; "Show older events" adds as many again. */
const SHOWN = 100;

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Not allowed to follow this run',
  closed: 'Closed',
};

function Parity({ run }: { run: Run }) {
  const parity = useParity(run.id, run.stats.trades + run.stats.open);
  const p = parity.data;
  if (!p) return null;
  const items: [string, string, number | null][] = [
    ['Backtest trades', String(p.backtestTrades), null],
    ['Live trades', String(p.liveTrades), null],
    ['Matched', String(p.matched), null],
    ['Still open live', String(p.openLive), null],
    ['Differing', String(p.differing), p.differing > 0 ? -1 : null],
    ['Missed', String(p.missed), p.missed > 0 ? -1 : null],
    ['Extra', String(p.extra), p.extra > 0 ? -1 : null],
    ['Backtest R', rMultiple(p.backtestR), p.backtestR],
    ['Live R', rMultiple(p.liveR), p.liveR],
    ['Live − backtest', rMultiple(p.diffR), p.diffR],
    ['Slippage', rMultiple(p.slippageR), -p.slippageR],
  ];
  return (
    <Card role="region" aria-label="Parity with the backtest">
      <CardHeader
        title="Parity with the backtest"
        actions={
          <>
            {p.equal === null ? null : (
              <Badge tone={p.equal ? 'profit' : 'warn'}>
                {!p.equal ? 'differences' : p.openLive > 0 ? 'no differences so far' : 'no differences'}
              </Badge>
            )}
            <a
              className="inline-flex items-center gap-1 text-xs text-accent hover:underline"
              href={`/api/v1/strategy-runs/${run.id}/parity`}
              target="_blank"
              rel="noreferrer"
            >
              Full report (JSON) <ExternalLink size={12} />
            </a>
          </>
        }
      />
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 p-3 sm:grid-cols-5">
        {items.map(([label, text, sign]) => (
          <div key={label} className="min-w-0">
            <dt className="text-[11px] text-muted">{label}</dt>
            <dd className={cn('num text-sm font-medium', sign === null ? '' : signClass(sign))}>{text}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function Events({ id }: { id: number }) {
  const { events, history, state, catchingUp } = useRunEvents(id);
  const [shown, setShown] = useState(SHOWN);
  return (
    <Card role="region" aria-label="Run events">
      <CardHeader
        title="Events"
        actions={
          <span
            role="status"
            className={cn('inline-flex items-center gap-1.5 text-xs', state === 'open' ? 'text-profit' : 'text-warn')}
          >
            <span className={cn('h-2 w-2 rounded-full', state === 'open' ? 'bg-profit' : 'bg-warn')} aria-hidden />
            {STATE_TEXT[state]}
          </span>
        }
      />
      {history.isError ? <ErrorState error={history.error} retry={() => void history.refetch()} /> : null}
      {history.isPending ? (
        <Loading label="Loading events…" />
      ) : events.length === 0 ? (
        <Empty>No events yet: the strategy acts on each new closed bar.</Empty>
      ) : (
        <ol aria-label="Events, newest first" aria-live="polite" aria-relevant="additions">
          {events.slice(0, shown).map((e) => {
            const line = describeEvent(e);
            return (
              <li
                key={e.id}
                data-event={e.id}
                data-kind={e.kind}
                className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 border-b border-border px-3 py-1.5 text-sm last:border-b-0"
              >
                <Badge tone={line.tone} className="w-[4.75rem] justify-center">
                  {line.label}
                </Badge>
                <span className="min-w-0 flex-1 break-words">{line.summary}</span>
                {line.codes.map((c) => (
                  <Badge key={c} tone="loss" className="font-mono" data-code={c}>
                    {c}
                  </Badge>
                ))}
                <span className="num w-full text-[11px] text-muted sm:w-auto">
                  {e.barTime ? `bar ${utc(e.barTime)}` : utc(e.createdAt)}
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {catchingUp ? <Loading label="Loading older events…" /> : null}
      {events.length > shown ? (
        <div className="p-2">
          <Button variant="outline" size="sm" className="w-full" onClick={() => setShown(shown + SHOWN)}>
            Show older events ({events.length - shown} more)
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

/** The detail of run `id`. */
export function RunDetail({ id }: { id: number }) {
  const run = useRun(id);
  return (
    <div className="flex flex-col gap-3">
      <Link to="/strategies" className="inline-flex w-fit items-center gap-1 text-sm text-muted hover:text-fg">
        <ArrowLeft size={14} /> All runs
      </Link>
      {run.isError ? (
        <ErrorState error={run.error} retry={() => void run.refetch()} />
      ) : run.isPending ? (
        <Loading />
      ) : (
        <>
          <Card role="region" aria-label={`Run #${run.data.id}`}>
            <div className="flex flex-col gap-3 p-3">
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0">
                  <h1 className="break-words text-base font-semibold">
                    <span className="text-muted">#{run.data.id}</span> {runName(run.data)}
                  </h1>
                  <p className="break-words text-xs text-muted">
                    {paramsText(run.data.params)} · started {utc(run.data.startedAt)} UTC
                    {run.data.cursorTime ? ` · last bar ${utc(run.data.cursorTime)}` : ''}
                    {run.data.stoppedAt ? ` · stopped ${utc(run.data.stoppedAt)} UTC` : ''}
                  </p>
                </div>
                <div className="flex items-center gap-2">
                  <RunBadges run={run.data} />
                  <StopRunButton run={run.data} size="default" />
                </div>
              </div>
              {run.data.error ? (
                <p role="alert" className="text-sm text-loss">
                  {run.data.error.message} ({run.data.error.code})
                </p>
              ) : null}
              <StatsGrid run={run.data} />
            </div>
          </Card>
          <Parity run={run.data} />
        </>
      )}
      <Events id={id} />
    </div>
  );
}
