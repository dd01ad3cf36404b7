/**
 * The trades table: sortable by clicking (or pressing Enter/Space on) a column header, `aria-sort` on the sorted
 * one, signed P&L and R colours, a link per row to its detail panel, and paging below. Scrolls sideways inside its
 * own container on narrow screens.
 */
import { ArrowDown, ArrowUp, ChevronsUpDown } from 'lucide-react';
import { Link } from 'react-router';
import { Badge } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/cn';
import { money, rMultiple, signClass, signedMoney, utc } from '@/lib/format';
import type { TradeRow } from './api';
import { entryOf, openedOf, type Page, type Sort, type SortKey } from './table';

const COLUMNS: { key: SortKey | 'tags'; label: string; numeric?: boolean }[] = [
  { key: 'opened', label: 'Opened' },
  { key: 'closed', label: 'Closed' },
  { key: 'symbol', label: 'Symbol' },
  { key: 'side', label: 'Side' },
  { key: 'setup', label: 'Setup' },
  { key: 'tags', label: 'Tags' },
  { key: 'qty', label: 'Qty', numeric: true },
  { key: 'entry', label: 'Entry', numeric: true },
  { key: 'exit', label: 'Exit', numeric: true },
  { key: 'netPnl', label: 'Net P&L', numeric: true },
  { key: 'r', label: 'R', numeric: true },
  { key: 'mae', label: 'MAE', numeric: true },
  { key: 'mfe', label: 'MFE', numeric: true },
  { key: 'exitReason', label: 'Exit reason' },
  { key: 'status', label: 'Status' },
];

const STATUS_TONE = {
  open: 'accent',
  pending: 'warn',
  closed: 'neutral',
  cancelled: 'neutral',
  rejected: 'loss',
} as const;

/** Props of {@link TradesTable}. */
export interface TradesTableProps {
  page: Page<TradeRow>;
  sort: Sort;
  onSort(key: SortKey): void;
  onPage(page: number): void;
  pageSize: number;
  onPageSize(size: number): void;
  selectedId: number | null;
  /** Search string (`?…`) kept on the detail links so the filters survive. */
  search: string;
}

/** The table and its pager. */
export function TradesTable({
  page,
  sort,
  onSort,
  onPage,
  pageSize,
  onPageSize,
  selectedId,
  search,
}: TradesTableProps) {
  return (
    <div className="flex min-w-0 flex-col">
      <div className="min-w-0 overflow-x-auto">
        <table className="w-full border-collapse text-xs" aria-label="Trades" aria-rowcount={page.total + 1}>
          <thead className="bg-panel-2 text-muted">
            <tr>
              {COLUMNS.map((c) => {
                const active = sort.key === c.key;
                return (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                    className={cn('whitespace-nowrap px-2 py-1.5 font-medium', c.numeric ? 'text-right' : 'text-left')}
                  >
                    {c.key === 'tags' ? (
                      c.label
                    ) : (
                      <button
                        type="button"
                        onClick={() => onSort(c.key as SortKey)}
                        className={cn(
                          'inline-flex items-center gap-1 rounded hover:text-fg',
                          active && 'text-fg',
                          c.numeric && 'flex-row-reverse',
                        )}
                      >
                        {c.label}
                        {active ? (
                          sort.dir === 'asc' ? (
                            <ArrowUp size={12} aria-hidden="true" />
                          ) : (
                            <ArrowDown size={12} aria-hidden="true" />
                          )
                        ) : (
                          <ChevronsUpDown size={12} aria-hidden="true" className="opacity-40" />
                        )}
                      </button>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((t) => (
              <tr
                key={t.id}
                data-trade-id={t.id}
                aria-selected={selectedId === t.id}
                className={cn('border-t border-border hover:bg-panel-2', selectedId === t.id && 'bg-accent/10')}
              >
                <td className="whitespace-nowrap px-2 py-1.5">
                  <Link
                    to={`/trades/${t.id}${search}`}
                    className="text-accent underline-offset-2 hover:underline"
                    aria-label={`Trade ${t.id}: ${t.symbol} ${t.side === 'buy' ? 'long' : 'short'} opened ${utc(openedOf(t))}`}
                  >
                    {utc(openedOf(t))}
                  </Link>
                </td>
                <td className="whitespace-nowrap px-2 py-1.5 text-muted">{utc(t.closedAt)}</td>
                <td className="whitespace-nowrap px-2 py-1.5 font-medium">{t.symbol}</td>
                <td className="px-2 py-1.5">
                  <Badge tone={t.side === 'buy' ? 'profit' : 'loss'}>{t.side === 'buy' ? 'Long' : 'Short'}</Badge>
                </td>
                <td className="whitespace-nowrap px-2 py-1.5">{t.setup ?? <span className="text-muted">–</span>}</td>
                <td className="px-2 py-1.5">
                  <span className="flex gap-1 whitespace-nowrap">
                    {t.tags.length ? (
                      t.tags.map((g) => <Badge key={g}>{g}</Badge>)
                    ) : (
                      <span className="text-muted">–</span>
                    )}
                  </span>
                </td>
                <td className="num px-2 py-1.5 text-right">{t.qty}</td>
                <td className="num px-2 py-1.5 text-right">{money(entryOf(t))}</td>
                <td className="num px-2 py-1.5 text-right">{money(t.exitPrice)}</td>
                <td className={cn('num whitespace-nowrap px-2 py-1.5 text-right', signClass(t.netPnl))}>
                  {signedMoney(t.netPnl)}
                </td>
                <td className={cn('num px-2 py-1.5 text-right', signClass(t.rMultiple))}>{rMultiple(t.rMultiple)}</td>
                <td className="num px-2 py-1.5 text-right text-muted">{rMultiple(t.maeR)}</td>
                <td className="num px-2 py-1.5 text-right text-muted">{rMultiple(t.mfeR)}</td>
                <td className="px-2 py-1.5">{t.exitReason ?? <span className="text-muted">–</span>}</td>
                <td className="px-2 py-1.5">
                  <Badge tone={STATUS_TONE[t.status]}>{t.status}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav
        aria-label="Pages"
        className="flex flex-wrap items-center justify-between gap-2 border-t border-border px-3 py-2 text-xs"
      >
        <span className="text-muted" aria-live="polite">
          {page.total === 0 ? 'No trades' : `${page.first}–${page.last} of ${page.total}`}
        </span>
        <div className="flex items-center gap-1">
          <label className="mr-2 flex items-center gap-1 text-muted">
            Rows
            <select
              className="rounded border border-border bg-panel px-1 py-0.5 text-fg"
              value={pageSize}
              onChange={(e) => onPageSize(Number(e.target.value))}
            >
              {[...new Set([10, 25, 50, 100, pageSize])]
                .sort((a, b) => a - b)
                .map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
            </select>
          </label>
          <Button variant="outline" size="sm" disabled={page.page <= 1} onClick={() => onPage(page.page - 1)}>
            Previous
          </Button>
          <span className="num px-2" aria-current="page">
            Page {page.page} of {page.pages}
          </span>
          <Button variant="outline" size="sm" disabled={page.page >= page.pages} onClick={() => onPage(page.page + 1)}>
            Next
          </Button>
        </div>
      </nav>
    </div>
  );
}
