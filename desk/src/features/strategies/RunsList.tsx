/**
 * "Runs": the user's strategy runs, newest first, each with its strategy, symbol, timeframe, host, status,
 * parameters, start time and live statistics, a link to its detail and a Stop action while it runs.
 */
import { Link } from 'react-router';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';
import { useRuns } from './api';
import { paramsText } from './runs';
import { RunBadges, runName, StatsGrid, StopRunButton } from './RunParts';

/** The run list, in its own card. */
export function RunsList({ className }: { className?: string }) {
  const runs = useRuns();
  return (
    <Card className={className} role="region" aria-label="Strategy runs">
      <CardHeader title="Runs" />
      {runs.isError ? (
        <ErrorState error={runs.error} retry={() => void runs.refetch()} />
      ) : runs.isPending ? (
        <Loading />
      ) : runs.data.length === 0 ? (
        <Empty>No strategy runs yet. Start one with the form.</Empty>
      ) : (
        <ul aria-label="Runs">
          {runs.data.map((r) => (
            <li
              key={r.id}
              data-run={r.id}
              className="flex flex-col gap-2 border-b border-border px-3 py-2.5 last:border-b-0"
            >
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0">
                  <Link
                    to={`/strategies/${r.id}`}
                    className="break-words text-sm font-semibold hover:underline"
                    aria-label={`Run #${r.id}: ${runName(r)}`}
                  >
                    <span className="text-muted">#{r.id}</span> {runName(r)}
                  </Link>
                  <p className="break-words text-xs text-muted">
                    {paramsText(r.params)} · started {utc(r.startedAt)} UTC
                    {r.stoppedAt ? ` · stopped ${utc(r.stoppedAt)} UTC` : ''}
                  </p>
                </div>
                <div className="flex shrink-0 items-center gap-2">
                  <RunBadges run={r} />
                  <StopRunButton run={r} />
                </div>
              </div>
              {r.error ? (
                <p className="text-xs text-loss">
                  {r.error.message} ({r.error.code})
                </p>
              ) : null}
              <StatsGrid run={r} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
