/**
 * The Trades page (`/trades`, `/trades/:id`): the journal filters plus status (in the URL), a sortable, paged table
 * of the trades and, for `/trades/:id`, the trade's panel — beside the table from 1280 px, in its place on narrower
 * screens. The API lists up to 1000 trades per filter without paging, so sorting and paging happen here; sort and
 * page are in the URL too. CSV export writes the filtered, sorted rows (every page).
 */
import { useMemo } from 'react';
import { useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { Download } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { describeFilter, parseFilter, writeFilter, type JournalFilter } from '@/features/overview/filters';
import { FilterBar } from '@/features/overview/FilterBar';
import { LIST_LIMIT, useTrades, useTradesLiveRefresh } from './api';
import { csvFileName, tradesCsv } from './csv';
import { downloadText } from './download';
import { nextSort, pageOf, parseSort, sortTrades, type SortKey } from './table';
import { TradesTable } from './TradesTable';
import { TradeDetailPanel } from './TradeDetail';

/** The Trades page. */
export default function TradesPage() {
  const { id: idParam } = useParams();
  const id = idParam && /^\d+$/.test(idParam) ? Number(idParam) : null;
  const [params, setParams] = useSearchParams();
  const { search } = useLocation();
  const navigate = useNavigate();
  useTradesLiveRefresh();
  const filterKey = JSON.stringify(parseFilter(params, true));
  const filter = useMemo(() => JSON.parse(filterKey) as JournalFilter, [filterKey]);
  const sort = parseSort(params);
  const sizeParam = Number(params.get('size'));
  // Any whole size from 1 to 100 may come in the URL; the select offers the usual ones.
  const size = Number.isInteger(sizeParam) && sizeParam >= 1 && sizeParam <= 100 ? sizeParam : 25;
  const pageNo = Number(params.get('page') ?? '1') || 1;
  const q = useTrades(filter);
  const sorted = useMemo(() => sortTrades(q.data ?? [], sort), [q.data, sort]);
  const page = pageOf(sorted, pageNo, size);
  const setupsTags = useMemo(() => {
    const setups = new Set<string>();
    const tags = new Set<string>();
    for (const t of q.data ?? []) {
      if (t.setup) setups.add(t.setup);
      for (const g of t.tags) tags.add(g);
    }
    return { setups: [...setups].sort(), tags: [...tags].sort() };
  }, [q.data]);

  const update = (fn: (p: URLSearchParams) => void) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        fn(n);
        return n;
      },
      { replace: true },
    );
  const setFilter = (f: JournalFilter) =>
    setParams(
      (p) => {
        const n = writeFilter(p, f);
        n.delete('page');
        return n;
      },
      { replace: true },
    );
  const onSort = (key: SortKey) =>
    update((p) => {
      const s = nextSort(sort, key);
      p.set('sort', s.key);
      p.set('dir', s.dir);
      p.delete('page');
    });
  const onPage = (n: number) => update((p) => (n <= 1 ? p.delete('page') : p.set('page', String(n))));
  const onPageSize = (n: number) =>
    update((p) => {
      p.set('size', String(n));
      p.delete('page');
    });
  const exportCsv = () => downloadText(csvFileName(Date.now()), tradesCsv(sorted));

  return (
    <div className="mx-auto flex max-w-[1800px] flex-col gap-3 p-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-lg font-semibold">Trades</h1>
        <p className="text-xs text-muted" aria-live="polite">
          {q.data ? `${q.data.length} trades` : ''} · {describeFilter(filter)}
        </p>
      </div>
      <FilterBar filter={filter} onChange={setFilter} withStatus setups={setupsTags.setups} tags={setupsTags.tags} />
      <div className={cn('grid min-w-0 grid-cols-1 gap-3', id !== null && 'xl:grid-cols-[minmax(0,1fr)_560px]')}>
        <Card className={cn('min-w-0', id !== null && 'hidden xl:block')}>
          <div className="flex flex-wrap items-center justify-between gap-2 border-b border-border px-3 py-2">
            <h2 className="text-sm font-semibold">Trade list</h2>
            <div className="flex items-center gap-2">
              {q.data && q.data.length >= LIST_LIMIT ? (
                <span className="text-xs text-warn">First {LIST_LIMIT} only: narrow the filter</span>
              ) : null}
              <Button variant="outline" size="sm" onClick={exportCsv} disabled={sorted.length === 0}>
                <Download size={14} aria-hidden="true" /> Export CSV
              </Button>
            </div>
          </div>
          {q.isError ? (
            <ErrorState error={q.error} retry={() => void q.refetch()} />
          ) : !q.data ? (
            <Loading />
          ) : q.data.length === 0 ? (
            <Empty>No trades match these filters. Submit one on the Trade page.</Empty>
          ) : (
            <TradesTable
              page={page}
              sort={sort}
              onSort={onSort}
              onPage={onPage}
              pageSize={size}
              onPageSize={onPageSize}
              selectedId={id}
              search={search}
            />
          )}
        </Card>
        {id !== null ? (
          <div className="min-w-0 xl:sticky xl:top-14 xl:max-h-[calc(100vh-4rem)] xl:overflow-y-auto">
            <TradeDetailPanel key={id} id={id} onClose={() => navigate(`/trades${search}`)} />
          </div>
        ) : null}
      </div>
    </div>
  );
}
