/**
 * CSV export of the trades table (RFC 4180): comma-separated, CRLF line ends, a header row, fields quoted when they
 * hold a comma, a double quote, CR or LF (quotes doubled). Text that a spreadsheet would run as a formula
 * (starting with = + - @ or a tab/CR, and not a number) gets a leading apostrophe (OWASP CSV injection advice).
 * Money and prices are written exactly as the API sent them. Pure; the download itself is in `download.ts`.
 */
import type { TradeRow } from './api';
import { entryOf } from './table';

/** A column of a CSV: header and the cell of a row (null/undefined → empty). */
export interface CsvColumn<T> {
  header: string;
  cell(row: T): string | number | boolean | null | undefined;
}

const NUMBER = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** One field, escaped and quoted as RFC 4180 asks. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV text of `rows` under `columns`: header line, then one line per row, CRLF after each line. */
export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.cell(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The columns of the trades export (the table's, plus ids, fees, the initial stop/target and notes). */
export const TRADE_COLUMNS: readonly CsvColumn<TradeRow>[] = [
  { header: 'id', cell: (t) => t.id },
  { header: 'submitted_at', cell: (t) => t.submittedAt },
  { header: 'opened_at', cell: (t) => t.openedAt },
  { header: 'closed_at', cell: (t) => t.closedAt },
  { header: 'symbol', cell: (t) => t.symbol },
  { header: 'side', cell: (t) => t.side },
  { header: 'status', cell: (t) => t.status },
  { header: 'setup', cell: (t) => t.setup },
  { header: 'tags', cell: (t) => t.tags.join(' ') },
  { header: 'qty', cell: (t) => t.qty },
  { header: 'entry', cell: (t) => entryOf(t) },
  { header: 'stop_loss', cell: (t) => t.stopLoss },
  { header: 'take_profit', cell: (t) => t.takeProfit },
  { header: 'exit', cell: (t) => t.exitPrice },
  { header: 'exit_reason', cell: (t) => t.exitReason },
  { header: 'fees', cell: (t) => t.fees },
  { header: 'net_pnl', cell: (t) => t.netPnl },
  { header: 'r_multiple', cell: (t) => t.rMultiple },
  { header: 'mae_r', cell: (t) => t.maeR },
  { header: 'mfe_r', cell: (t) => t.mfeR },
  { header: 'notes', cell: (t) => t.notes },
];

/** The trades as CSV. */
export function tradesCsv(rows: readonly TradeRow[]): string {
  return toCsv(TRADE_COLUMNS, rows);
}

/** The export's file name: `testudo-trades-YYYY-MM-DD.csv` for the given time (ms, UTC day). */
export function csvFileName(nowMs: number): string {
  return `testudo-trades-${new Date(nowMs).toISOString().slice(0, 10)}.csv`;
}
