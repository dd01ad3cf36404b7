/**
 * A chart's frame: a titled card whose body is the chart (or its empty, loading or error state) and a text summary
 * of what it shows (read by screen readers and shown under the chart), so no chart is an image without words.
 */
import type { ReactNode } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { ErrorState } from '@/components/ui/states';
import { cn } from '@/lib/cn';

/** Props of {@link ChartCard}. */
export interface ChartCardProps {
  /** Stable id (`r-distribution`, …): the card's `data-chart` attribute and the summary's id. */
  id: string;
  title: string;
  /** One or two sentences describing the data (shown under the chart, and the figure's description). */
  summary: string;
  /** True when there is nothing to draw: the empty message is shown instead of the chart. */
  empty: boolean;
  emptyText?: string;
  loading?: boolean;
  error?: unknown;
  retry?: () => void;
  /** Height of the chart area in px. */
  height?: number;
  className?: string;
  actions?: ReactNode;
  children: ReactNode;
}

/** A chart card. */
export function ChartCard({
  id,
  title,
  summary,
  empty,
  emptyText = 'No closed trades match these filters yet.',
  loading,
  error,
  retry,
  height = 220,
  className,
  actions,
  children,
}: ChartCardProps) {
  const state = error ? 'error' : loading ? 'loading' : empty ? 'empty' : 'ready';
  return (
    <Card className={cn('flex min-w-0 flex-col', className)} data-chart={id} data-state={state}>
      <CardHeader title={title} actions={actions} />
      <figure
        className="m-0 flex min-w-0 flex-1 flex-col"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-sum`}
      >
        <span id={`${id}-title`} className="sr-only">
          {title}
        </span>
        {state === 'error' ? (
          <ErrorState error={error} retry={retry} />
        ) : (
          <div className="relative min-w-0 px-1 pt-2" style={{ height }}>
            {state === 'loading' ? (
              <div role="status" className="flex h-full items-center justify-center text-xs text-muted">
                Loading…
              </div>
            ) : state === 'empty' ? (
              <div className="flex h-full items-center justify-center px-4 text-center text-sm text-muted">
                {emptyText}
              </div>
            ) : (
              children
            )}
          </div>
        )}
        <figcaption id={`${id}-sum`} className="px-3 pb-2 pt-1 text-xs text-muted">
          {state === 'ready' ? summary : state === 'empty' ? `${title}: no data.` : ''}
        </figcaption>
      </figure>
    </Card>
  );
}
