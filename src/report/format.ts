/**
 * Text formatting of backtest results shared by the CLI printout and the HTML report: statistic values, the
 * statistics rows (backtesting.py's names and order, then the R statistics and Testudo-mode rejections), trades
 * and the equity curve as CSV.
 */
import { formatTimeUtc } from '../core/marketdata/importers.ts';
import { numberToDecimalText } from '../core/money/decimal.ts';
import { STAT_KEYS, type BacktestResult, type BarSeries } from '../core/backtest/types.ts';

/**
 * One statistic value for people: text as is (times, durations), `NaN` for null (as backtesting.py prints it),
 * `inf`/`-inf` for infinities, whole numbers as they are, other numbers with 2 decimals (3 significant digits when
 * smaller than 0.01 in magnitude).
 */
export function formatStatValue(v: number | string | null): string {
  if (v === null) return 'NaN';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v)) return String(v);
  if (Math.abs(v) < 0.01) return String(Number(v.toPrecision(3)));
  return v.toFixed(2);
}

/** A number with `dp` decimals; empty for null, `NaN`/`Infinity` text for other non-finite values. */
function fixed(v: number | null, dp: number): string {
  if (v === null || !Number.isFinite(v)) return v === null ? '' : String(v);
  return v.toFixed(dp);
}

/** A labelled row of formatted text. */
export interface StatRow {
  label: string;
  value: string;
}

/**
 * The statistics as rows: every {@link STAT_KEYS} entry in order, then (when the result has them) the R statistics
 * (`R Trades`, `Expectancy [R]`, `SQN [R]`) and one `Rejected: <rule code>` row per Testudo-mode rejection code.
 */
export function statRows(result: BacktestResult): StatRow[] {
  const rows: StatRow[] = STAT_KEYS.map((k) => ({ label: k, value: formatStatValue(result.stats[k]) }));
  if (result.rStats) {
    rows.push(
      { label: 'R Trades', value: String(result.rStats.trades) },
      { label: 'Expectancy [R]', value: formatStatValue(result.rStats.expectancyR) },
      { label: 'SQN [R]', value: formatStatValue(result.rStats.sqnR) },
    );
  }
  for (const [code, n] of Object.entries(result.rejections ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    rows.push({ label: `Rejected: ${code}`, value: String(n) });
  return rows;
}

/** Rows as an aligned two-column table: labels left-aligned, values right-aligned (like backtesting.py). */
export function alignedTable(rows: readonly StatRow[]): string {
  const lw = Math.max(0, ...rows.map((r) => r.label.length));
  const vw = Math.max(0, ...rows.map((r) => r.value.length));
  return rows.map((r) => `${r.label.padEnd(lw)}  ${r.value.padStart(vw)}`).join('\n');
}

/** One CSV field: quoted (with doubled quotes) when it holds a comma, quote, CR or LF. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns of {@link tradesCsv}, in order. */
export const TRADE_CSV_COLUMNS = [
  'entry_time',
  'exit_time',
  'entry_bar',
  'exit_bar',
  'size',
  'entry_price',
  'exit_price',
  'sl',
  'tp',
  'pnl',
  'commission',
  'return_pct',
  'r_multiple',
  'exit_reason',
  'tag',
] as const;

/**
 * The closed trades as CSV (header {@link TRADE_CSV_COLUMNS}, LF line ends): times ISO 8601 UTC; size in units and
 * prices, P&L and commission in quote currency as the result's decimal text; `return_pct` in percent (float);
 * `r_multiple` empty when the trade had no stop-loss at entry; `sl`, `tp` and `tag` empty when absent.
 */
export function tradesCsv(result: BacktestResult): string {
  const lines = [TRADE_CSV_COLUMNS.join(',')];
  for (const t of result.trades) {
    lines.push(
      [
        formatTimeUtc(t.entryTime),
        formatTimeUtc(t.exitTime),
        String(t.entryBar),
        String(t.exitBar),
        t.size,
        t.entryPrice,
        t.exitPrice,
        t.sl ?? '',
        t.tp ?? '',
        t.pnl,
        t.commission,
        Number.isFinite(t.returnPct) ? numberToDecimalText(t.returnPct * 100) : '',
        t.rMultiple === null ? '' : numberToDecimalText(t.rMultiple),
        t.exitReason,
        t.tag ?? '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * The equity curve as CSV, one row per bar: `time` (ISO 8601 UTC), `equity` (cash + open P&L at the close, quote
 * currency, decimal text of the float rounded to 12 decimals) and `drawdown_pct` (`(1 − equity ÷ peak) × 100`, ≥ 0).
 */
export function equityCsv(bars: BarSeries, result: BacktestResult): string {
  const lines = ['time,equity,drawdown_pct'];
  const n = Math.min(bars.length, result.equity.length);
  for (let i = 0; i < n; i++) {
    const eq = result.equity[i]!;
    const dd = result.drawdown[i] ?? 0;
    lines.push(
      `${formatTimeUtc(bars.time[i]!)},${numberToDecimalText(Number(eq.toFixed(12)))},${numberToDecimalText(Number((dd * 100).toFixed(10)))}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** A trade's return in percent with 2 decimals, and its R multiple with 2 decimals (empty without a stop). */
export function tradeFigures(t: { returnPct: number; rMultiple: number | null }): { returnPct: string; r: string } {
  return { returnPct: fixed(t.returnPct * 100, 2), r: fixed(t.rMultiple, 2) };
}
