/**
 * The trades table's logic: the columns, sorting (exact for decimal text, nulls last whatever the direction, ties
 * by id descending so the order is stable) and client-side paging. Pure.
 */
import type { TradeRow } from './api';

/** A sortable column of the table. */
export type SortKey =
  | 'opened'
  | 'closed'
  | 'symbol'
  | 'side'
  | 'setup'
  | 'qty'
  | 'entry'
  | 'exit'
  | 'netPnl'
  | 'r'
  | 'mae'
  | 'mfe'
  | 'exitReason'
  | 'status';

/** Sort direction. */
export type SortDir = 'asc' | 'desc';

/** A sort: column and direction. */
export interface Sort {
  key: SortKey;
  dir: SortDir;
}

/** The default sort: newest opened first. */
export const DEFAULT_SORT: Sort = { key: 'opened', dir: 'desc' };

/** Sortable column keys (for reading a sort from the URL). */
export const SORT_KEYS: readonly SortKey[] = [
  'opened',
  'closed',
  'symbol',
  'side',
  'setup',
  'qty',
  'entry',
  'exit',
  'netPnl',
  'r',
  'mae',
  'mfe',
  'exitReason',
  'status',
];

type Value = { kind: 'text'; v: string } | { kind: 'dec'; v: string } | { kind: 'num'; v: number } | null;

/** The entry price shown: the fill, else the limit or reference price. */
export const entryOf = (t: TradeRow): string => t.entryFillPrice ?? t.entryPrice;

/** When the trade opened (its entry filled), else when it was submitted. */
export const openedOf = (t: TradeRow): string => t.openedAt ?? t.submittedAt;

function valueOf(t: TradeRow, k: SortKey): Value {
  const text = (v: string | null | undefined): Value => (v === null || v === undefined ? null : { kind: 'text', v });
  const dec = (v: string | null | undefined): Value => (v === null || v === undefined ? null : { kind: 'dec', v });
  const num = (v: number | null | undefined): Value =>
    v === null || v === undefined || !Number.isFinite(v) ? null : { kind: 'num', v };
  switch (k) {
    case 'opened':
      return text(openedOf(t));
    case 'closed':
      return text(t.closedAt);
    case 'symbol':
      return text(t.symbol);
    case 'side':
      return text(t.side);
    case 'setup':
      return text(t.setup);
    case 'qty':
      return dec(t.qty);
    case 'entry':
      return dec(entryOf(t));
    case 'exit':
      return dec(t.exitPrice);
    case 'netPnl':
      return dec(t.netPnl);
    case 'r':
      return num(t.rMultiple);
    case 'mae':
      return num(t.maeR);
    case 'mfe':
      return num(t.mfeR);
    case 'exitReason':
      return text(t.exitReason);
    case 'status':
      return text(t.status);
  }
}

/**
 * Compares two decimal strings exactly (`"-1.5"` < `"-1.25"` < `"0"` < `"10"`), without floats.
 * Accepts an optional sign, digits and an optional fraction.
 */
export function compareDecimal(a: string, b: string): number {
  const parse = (s: string) => {
    const neg = s.startsWith('-');
    const body = neg || s.startsWith('+') ? s.slice(1) : s;
    const [i = '0', f = ''] = body.split('.');
    const int = i.replace(/^0+/, '');
    const frac = f.replace(/0+$/, '');
    const zero = int === '' && frac === '';
    return { neg: neg && !zero, int, frac, zero };
  };
  const x = parse(a);
  const y = parse(b);
  const sx = x.zero ? 0 : x.neg ? -1 : 1;
  const sy = y.zero ? 0 : y.neg ? -1 : 1;
  if (sx !== sy) return sx < sy ? -1 : 1;
  if (sx === 0) return 0;
  let mag = 0;
  if (x.int.length !== y.int.length) mag = x.int.length < y.int.length ? -1 : 1;
  else if (x.int !== y.int) mag = x.int < y.int ? -1 : 1;
  else {
    const n = Math.max(x.frac.length, y.frac.length);
    const fx = x.frac.padEnd(n, '0');
    const fy = y.frac.padEnd(n, '0');
    mag = fx === fy ? 0 : fx < fy ? -1 : 1;
  }
  return sx < 0 ? -mag : mag;
}

function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) return 0;
  if (a.kind === 'num' && b.kind === 'num') return a.v - b.v;
  if (a.kind === 'dec' && b.kind === 'dec') return compareDecimal(a.v, b.v);
  const sa = String(a.v);
  const sb = String(b.v);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The rows sorted by `sort`; rows without a value (open trades have no exit) last in both directions. */
export function sortTrades(rows: readonly TradeRow[], sort: Sort): TradeRow[] {
  const dir = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((x, y) => {
    const a = valueOf(x, sort.key);
    const b = valueOf(y, sort.key);
    if (a === null && b === null) return y.id - x.id;
    if (a === null) return 1;
    if (b === null) return -1;
    return dir * compareValues(a, b) || y.id - x.id;
  });
}

/** The next sort after clicking `key`: the same column flips, a new one starts descending (numbers, times) or
 * ascending (text). */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  const textual: SortKey[] = ['symbol', 'side', 'setup', 'exitReason', 'status'];
  return { key, dir: textual.includes(key) ? 'asc' : 'desc' };
}

/** Reads a sort from the URL (`sort=r&dir=asc`), the default when absent or unknown. */
export function parseSort(params: URLSearchParams): Sort {
  const key = params.get('sort');
  const dir = params.get('dir');
  if (!key || !(SORT_KEYS as readonly string[]).includes(key)) return DEFAULT_SORT;
  return { key: key as SortKey, dir: dir === 'asc' ? 'asc' : 'desc' };
}

/** One page of rows. */
export interface Page<T> {
  rows: T[];
  /** 1-based page shown (clamped into range). */
  page: number;
  pages: number;
  total: number;
  /** 1-based index of the first and last row shown (0, 0 when empty). */
  first: number;
  last: number;
}

/** Page `page` (1-based, clamped) of `size` rows. @throws RangeError when `size` < 1. */
export function pageOf<T>(rows: readonly T[], page: number, size: number): Page<T> {
  if (!(size >= 1)) throw new RangeError(`page size must be at least 1, got ${size}`);
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const p = Math.min(pages, Math.max(1, Math.floor(Number.isFinite(page) ? page : 1)));
  const start = (p - 1) * size;
  const slice = rows.slice(start, start + size);
  return {
    rows: slice,
    page: p,
    pages,
    total: rows.length,
    first: slice.length ? start + 1 : 0,
    last: start + slice.length,
  };
}
