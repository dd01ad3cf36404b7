import type { ReactNode } from 'react';
import { Empty, ErrorState, Loading } from './states';

/** One column of a {@link ListTable}. */
export interface ListColumn<T> {
  /** Header text; on a phone also the label before the value. */
  header: string;
  cell(row: T): ReactNode;
  /** Extra classes of the cell, e.g. `num text-muted`. */
  className?: string;
}

/** Props of {@link ListTable}. */
export interface ListTableProps<T> {
  /** The table's accessible name, e.g. `Sessions`. */
  label: string;
  rows: readonly T[];
  rowKey(row: T): string | number;
  /** The columns; the first one names the row and is never labelled on a phone. */
  columns: readonly ListColumn<T>[];
  /** The row's action (e.g. a Revoke button), right-aligned in a last, untitled column. */
  action?(row: T): ReactNode;
  /** Extra attributes of a row (`data-*`, for tests and scripts). */
  rowAttrs?(row: T): Record<`data-${string}`, string | number>;
}

const HEAD = 'px-2 py-1.5 font-medium';
/** Phones (below `sm`): every row a small card, the first column and the action on top, the others under it. */
const CELL = 'px-2 py-1.5 max-sm:col-start-1 max-sm:block max-sm:py-0.5';
const LABELLED =
  'max-sm:text-xs max-sm:before:mr-1 max-sm:before:text-muted max-sm:before:content-[attr(data-label)] max-sm:before:font-medium';

/**
 * A list of records in a table, one row each with an optional action at its end (sessions, API tokens, API keys):
 * header row, muted meta columns, a bottom rule between rows. Up from the `sm` breakpoint it is a plain table; on a
 * phone each row stacks (the first column beside the action, every other column under it as `Header: value`), so
 * nothing is cut off and nothing scrolls sideways.
 */
export function ListTable<T>({ label, rows, rowKey, columns, action, rowAttrs }: ListTableProps<T>) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm max-sm:block" aria-label={label}>
        <thead className="max-sm:hidden">
          <tr className="border-b border-border text-left text-xs text-muted">
            {columns.map((c) => (
              <th key={c.header} className={HEAD}>
                {c.header}
              </th>
            ))}
            {action ? <th className="px-2 py-1.5" /> : null}
          </tr>
        </thead>
        <tbody className="max-sm:block">
          {rows.map((row) => (
            <tr
              key={rowKey(row)}
              {...rowAttrs?.(row)}
              className="border-b border-border last:border-0 max-sm:grid max-sm:grid-cols-[minmax(0,1fr)_auto] max-sm:py-1"
            >
              {columns.map((c, i) => (
                <td
                  key={c.header}
                  data-label={i === 0 ? undefined : `${c.header}:`}
                  className={`${CELL} ${i === 0 ? '' : LABELLED} ${c.className ?? ''}`}
                >
                  {c.cell(row)}
                </td>
              ))}
              {action ? (
                <td className="px-2 py-1.5 text-right max-sm:col-start-2 max-sm:row-start-1">{action(row)}</td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The state of a list query, as {@link QueryList} reads it (a TanStack Query result fits). */
export interface ListQuery<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: readonly T[] | undefined;
  refetch(): unknown;
}

/**
 * A list query's loading state, its error (with Retry), its empty message, or `children` with the rows.
 */
export function QueryList<T>({
  query,
  empty,
  children,
}: {
  query: ListQuery<T>;
  empty: ReactNode;
  children(rows: readonly T[]): ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError || !query.data) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  if (query.data.length === 0) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}
