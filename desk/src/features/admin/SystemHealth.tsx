/** System health: the database kind, the market-data feed, the feed's circuit breaker, and the replay's state. */
import { Badge, Card, CardHeader, Stat } from '@/components/ui/card';
import { ErrorState, Loading } from '@/components/ui/states';
import { ApiError } from '@/api/client';
import { utc } from '@/lib/format';
import { useHealth, useReplayState } from './api';

/** The health section. */
export function SystemHealth() {
  const h = useHealth();
  const r = useReplayState();
  const noReplay = r.error instanceof ApiError && r.error.status >= 400 && r.error.status < 500;
  return (
    <Card className="min-w-0">
      <CardHeader title="System health" />
      <div className="p-3" data-testid="health">
        {h.isPending ? (
          <Loading />
        ) : h.isError ? (
          <ErrorState error={h.error} retry={() => void h.refetch()} />
        ) : (
          <>
            <Stat
              label="Server"
              value={<Badge tone={h.data.ok ? 'profit' : 'loss'}>{h.data.ok ? 'ok' : 'failing'}</Badge>}
            />
            <Stat label="Database" value={h.data.database} />
            <Stat label="Feed" value={h.data.feed ?? 'none'} />
            <Stat
              label="Feed breaker"
              value={
                <Badge tone={h.data.breaker === 'closed' ? 'profit' : h.data.breaker === 'open' ? 'loss' : 'warn'}>
                  {h.data.breaker}
                </Badge>
              }
            />
          </>
        )}
        <h3 className="mt-3 text-xs font-semibold text-muted">Replay</h3>
        {r.isPending ? (
          <Loading />
        ) : noReplay ? (
          <p className="text-xs text-muted">No replay: the server runs on a live feed or none.</p>
        ) : r.isError ? (
          <ErrorState error={r.error} retry={() => void r.refetch()} />
        ) : (
          <>
            <Stat label="Series" value={`${r.data.symbol} ${r.data.timeframe}`} />
            <Stat
              label="State"
              value={
                <Badge tone={r.data.done ? 'neutral' : r.data.paused ? 'warn' : 'profit'}>
                  {r.data.done ? 'done' : r.data.paused ? 'paused' : 'playing'}
                </Badge>
              }
            />
            <Stat label="Bar" value={`${r.data.index} / ${r.data.total}`} />
            <Stat label="Speed" value={`${r.data.speed} bar/s`} />
            <Stat label="Market time" value={utc(r.data.time)} />
            <Stat label="Last price" value={r.data.lastPrice ?? '–'} />
          </>
        )}
      </div>
    </Card>
  );
}
