/**
 * The Overview (`/overview`): the account's equity curve, the statistics sidebar and eleven charts of the journal
 * (R distribution, cumulative R, underwater, daily P&L calendar, P&L by weekday, hour, setup, tag and side, MAE/MFE
 * and holding time against R), all under one filter kept in the URL. Each chart has its own loading, empty and
 * error state, so one failing route never blanks the page.
 */
import { useMemo, useState } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { money } from '@/lib/format';
import {
  useBreakdown,
  useDaily,
  useEquity,
  useExcursions,
  useJournalLiveRefresh,
  useRDistribution,
  useStats,
  type BreakdownBy,
} from './api';
import { activeFilterCount, describeFilter, type JournalFilter } from './filters';
import { FilterBar, useUrlFilter } from './FilterBar';
import { statRows } from './stats';
import {
  breakdownBars,
  breakdownSummary,
  calendarGrid,
  cumulativeR,
  cumulativeSummary,
  excursionPoints,
  filteredEquity,
  hasTrades,
  histogramBars,
  holdingPoints,
  underwaterR,
  underwaterSummary,
} from './transforms';
import { ChartCard } from './charts/ChartCard';
import { useChartColors, type ChartColors } from './charts/colors';
import { EquityChart } from './charts/EquityChart';
import { CalendarHeatmap, calendarHeight } from './charts/CalendarHeatmap';
import {
  BreakdownChart,
  type BreakdownMetric,
  CumulativeRChart,
  ExcursionScatter,
  HoldingScatter,
  RHistogramChart,
  UnderwaterChart,
} from './charts/StatCharts';

function StatsSidebar({ filter }: { filter: JournalFilter }) {
  const q = useStats(filter);
  return (
    <Card aria-labelledby="stats-title" data-testid="stats">
      <CardHeader title={<span id="stats-title">Statistics</span>} />
      {q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : (
        <dl className="px-3 py-2">
          {statRows(q.data).map((r) => (
            <div key={r.key} className="flex items-baseline justify-between gap-3 py-1" data-stat={r.key}>
              <dt className="text-xs text-muted">{r.label}</dt>
              <dd
                className={cn(
                  'num font-medium',
                  r.tone === 'profit' && 'text-profit',
                  r.tone === 'loss' && 'text-loss',
                )}
              >
                {r.value}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Card>
  );
}

function EquityCard({ c, filter }: { c: ChartColors; filter: JournalFilter }) {
  const q = useEquity();
  const filtered = activeFilterCount(filter) > 0;
  const daily = useDaily(filter);
  const curve = useMemo(
    () =>
      filtered
        ? q.data && daily.data
          ? filteredEquity(q.data.startEquity, daily.data.days)
          : []
        : (q.data?.curve ?? []),
    [filtered, q.data, daily.data],
  );
  const last = curve[curve.length - 1];
  const summary = !q.data
    ? ''
    : filtered
      ? `Start equity ${money(q.data.startEquity)} plus the net P&L of the filtered trades: ${money(last?.equity ?? q.data.startEquity)} after ${daily.data?.days.length ?? 0} trading days.`
      : `Equity from ${money(q.data.startEquity)} to ${money(q.data.balance)} over ${Math.max(0, curve.length - 1)} closed trades.`;
  return (
    <ChartCard
      id="equity"
      title={filtered ? 'Equity of the filtered trades (daily)' : 'Equity (account)'}
      summary={summary}
      empty={curve.length < 2}
      emptyText={
        filtered ? 'No closed trades match these filters.' : 'The equity curve starts with the first closed trade.'
      }
      loading={q.isPending || (filtered && daily.isPending)}
      error={q.error ?? (filtered ? daily.error : null)}
      retry={() => void (q.isError ? q.refetch() : daily.refetch())}
      height={240}
    >
      <EquityChart curve={curve} c={c} height={232} />
    </ChartCard>
  );
}

const BREAKDOWNS: { by: BreakdownBy; title: string; noun: string; axis: string; horizontal?: boolean }[] = [
  { by: 'weekday', title: 'P&L by weekday', noun: 'weekday', axis: 'Weekday of exit (UTC)' },
  { by: 'hour', title: 'P&L by hour of day', noun: 'hour', axis: 'Hour of exit (UTC)' },
  { by: 'setup', title: 'P&L by setup', noun: 'setup', axis: 'Setup', horizontal: true },
  { by: 'tag', title: 'P&L by tag', noun: 'tag', axis: 'Tag', horizontal: true },
  { by: 'side', title: 'Long versus short', noun: 'side', axis: 'Side' },
];

function BreakdownCard({
  spec,
  filter,
  c,
  emptyText,
}: {
  spec: (typeof BREAKDOWNS)[number];
  filter: JournalFilter;
  c: ChartColors;
  emptyText: string;
}) {
  const q = useBreakdown(spec.by, filter);
  const [metric, setMetric] = useState<BreakdownMetric>('totalR');
  const bars = useMemo(() => breakdownBars(spec.by, q.data?.groups ?? []), [spec.by, q.data]);
  const rows = spec.horizontal ? Math.max(3, bars.length) : 0;
  return (
    <ChartCard
      id={`by-${spec.by}`}
      title={spec.title}
      summary={breakdownSummary(spec.noun, bars)}
      empty={!hasTrades(bars)}
      emptyText={emptyText}
      loading={q.isPending}
      error={q.error}
      retry={() => void q.refetch()}
      height={spec.horizontal ? Math.min(320, 60 + rows * 28) : 220}
      actions={
        <select
          aria-label={`${spec.title}: measure`}
          className="rounded border border-border bg-panel px-1 py-0.5 text-xs text-fg"
          value={metric}
          onChange={(e) => setMetric(e.target.value as BreakdownMetric)}
        >
          <option value="totalR">R</option>
          <option value="netPnl">Net P&amp;L</option>
        </select>
      }
    >
      <BreakdownChart bars={bars} c={c} xLabel={spec.axis} metric={metric} horizontal={spec.horizontal} />
    </ChartCard>
  );
}

function Charts({ filter, c }: { filter: JournalFilter; c: ChartColors }) {
  const dist = useRDistribution(filter);
  const exc = useExcursions(filter);
  const daily = useDaily(filter);
  const trades = exc.data?.trades;
  const cum = useMemo(() => cumulativeR(trades ?? []), [trades]);
  const under = useMemo(() => underwaterR(cum), [cum]);
  const scatter = useMemo(() => excursionPoints(trades ?? []), [trades]);
  const holding = useMemo(() => holdingPoints(trades ?? []), [trades]);
  const bars = useMemo(() => histogramBars(dist.data?.buckets ?? []), [dist.data]);
  const grid = useMemo(() => calendarGrid(daily.data?.days ?? []), [daily.data]);
  const emptyText = activeFilterCount(filter)
    ? 'No closed trades match these filters.'
    : 'No closed trades yet: they show here once a trade closes.';
  const excState = { loading: exc.isPending, error: exc.error, retry: () => void exc.refetch(), emptyText };
  const n = dist.data?.trades ?? 0;
  const wins = (dist.data?.rs ?? []).filter((r) => r > 0).length;
  const days = daily.data?.days ?? [];
  const greenDays = days.filter((d) => Number(d.netPnl) > 0).length;
  return (
    <div className="grid min-w-0 grid-cols-1 gap-3 md:grid-cols-2 2xl:grid-cols-3">
      <ChartCard
        id="r-distribution"
        title="R-multiple distribution"
        summary={`${n} closed trades in buckets of ${dist.data?.width ?? 0.5}R: ${wins} above 0R, ${n - wins} at or below.`}
        empty={bars.length === 0}
        loading={dist.isPending}
        emptyText={emptyText}
        error={dist.error}
        retry={() => void dist.refetch()}
      >
        <RHistogramChart bars={bars} c={c} />
      </ChartCard>
      <ChartCard
        id="cumulative-r"
        title="Cumulative R"
        summary={cumulativeSummary(cum)}
        empty={cum.length === 0}
        {...excState}
      >
        <CumulativeRChart points={cum} c={c} />
      </ChartCard>
      <ChartCard
        id="drawdown"
        title="Drawdown (underwater, R)"
        summary={underwaterSummary(under)}
        empty={cum.length === 0}
        {...excState}
      >
        <UnderwaterChart points={under} c={c} />
      </ChartCard>
      <ChartCard
        id="calendar"
        title="Daily P&L calendar (UTC)"
        summary={`${days.length} trading day${days.length === 1 ? '' : 's'}: ${greenDays} green, ${days.length - greenDays} flat or red.`}
        empty={days.length === 0}
        loading={daily.isPending}
        emptyText={emptyText}
        error={daily.error}
        retry={() => void daily.refetch()}
        height={calendarHeight(grid.weeks)}
      >
        <CalendarHeatmap grid={grid} c={c} />
      </ChartCard>
      {BREAKDOWNS.map((spec) => (
        <BreakdownCard key={spec.by} spec={spec} filter={filter} c={c} emptyText={emptyText} />
      ))}
      <ChartCard
        id="mae-mfe"
        title="MAE / MFE (R)"
        summary={`${scatter.length} trades: the worst excursion against (MAE) and the best in favour (MFE), in R. Left of the dashed line, a trade went past its initial stop.`}
        empty={scatter.length === 0}
        {...excState}
      >
        <ExcursionScatter points={scatter} c={c} />
      </ChartCard>
      <ChartCard
        id="holding"
        title="Holding time versus R"
        summary={`${holding.length} trades: hours from entry fill to exit against the R-multiple.`}
        empty={holding.length === 0}
        {...excState}
      >
        <HoldingScatter points={holding} c={c} />
      </ChartCard>
    </div>
  );
}

/** The Overview page. */
export default function OverviewPage() {
  const [filter, setFilter] = useUrlFilter(false);
  const c = useChartColors();
  useJournalLiveRefresh();
  const setups = useBreakdown('setup', {});
  const tags = useBreakdown('tag', {});
  const keys = (g: { key: string | null }[] | undefined) =>
    (g ?? []).map((x) => x.key).filter((k): k is string => k !== null);
  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-3 p-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-lg font-semibold">Overview</h1>
        <p className="text-xs text-muted" aria-live="polite">
          Showing {describeFilter(filter)}
        </p>
      </div>
      <FilterBar
        filter={filter}
        onChange={setFilter}
        setups={keys(setups.data?.groups)}
        tags={keys(tags.data?.groups)}
      />
      <div className="grid min-w-0 grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_260px]">
        <EquityCard c={c} filter={filter} />
        <StatsSidebar filter={filter} />
      </div>
      <Charts filter={filter} c={c} />
    </div>
  );
}
