/**
 * A parity report (`GET /api/v1/strategy-runs/:id/parity`) as one self-contained HTML file that opens offline, like
 * the backtest report: the lightweight-charts standalone bundle and the data are inlined (a Content-Security-Policy
 * forbids any request), with the cumulative R of the backtest and of the live record over time, the totals, every
 * trade side by side with its differences highlighted (missed and extra trades included), and the live refusals.
 *
 * Pure: the caller supplies the report JSON and the bundle text (see `readChartsBundle` in `bundle.ts`). All text is
 * HTML-escaped; the data travels as JSON in a `<script type="application/json">` with `<` escaped.
 */
import type { ParityRowView, ParitySideView, ParityView } from '../app/strategies/parity.ts';
import { parityVerdict } from '../core/backtest/parity.ts';
import { escapeHtml, guardedPageScript, kv, labelRows, reportPageHtml, utcMinutes } from './html-page.ts';

/** What the page shows. */
export interface ParityReportInput {
  report: ParityView;
  /** Text of `lightweight-charts.standalone.production.js` (v5), defining the `LightweightCharts` global. */
  chartsBundle: string;
}

const fmtR = (x: number | null | undefined): string => (x === null || x === undefined ? '' : x.toFixed(3));
const time = (iso: string | null | undefined): string => (iso ? utcMinutes(Date.parse(iso)) : '');

/** Cumulative R per side at each closed trade's exit (seconds, as lightweight-charts wants). */
function curves(rows: readonly ParityRowView[]): { bt: [number, number][]; live: [number, number][] } {
  const points = (pick: (r: ParityRowView) => ParitySideView | null): [number, number][] => {
    const xs = rows
      .map(pick)
      .filter((s): s is ParitySideView => s !== null && s.exitTime !== null && s.r !== null)
      .sort((a, b) => Date.parse(a.exitTime!) - Date.parse(b.exitTime!));
    const out: [number, number][] = [];
    let sum = 0;
    for (const s of xs) {
      sum += s.r!;
      const t = Math.floor(Date.parse(s.exitTime!) / 1000);
      if (out.length && out[out.length - 1]![0] === t) out[out.length - 1]![1] = sum;
      else out.push([t, sum]);
    }
    return out;
  };
  return { bt: points((r) => r.backtest), live: points((r) => r.live) };
}

const PAGE_SCRIPT = guardedPageScript(
  String.raw`    var D = JSON.parse(document.getElementById('report-data').textContent);
    var LC = window.LightweightCharts;
    var chart = LC.createChart(document.getElementById('chart-r'), {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#1f2933', fontSize: 11 },
      grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#cbd2d9' },
      rightPriceScale: { borderColor: '#cbd2d9', minimumWidth: 70 },
    });
    function line(points, color, title) {
      var s = chart.addSeries(LC.LineSeries, { color: color, lineWidth: 2, title: title, priceLineVisible: false });
      s.setData(points.map(function (p) { return { time: p[0], value: p[1] }; }));
    }
    line(D.bt, '#1565c0', 'backtest R');
    line(D.live, '#ef6c00', 'live R');
    chart.timeScale().fitContent();`,
  'The chart could not be drawn',
);

const STYLE = `
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; margin: 0; background: #f5f7fa; }
  header, main { max-width: 1280px; margin: 0 auto; padding: 0 16px; }
  header { padding-top: 16px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 8px 0; }
  .meta { color: #52606d; margin: 2px 0; }
  .meta code { background: #e4e7eb; padding: 0 4px; border-radius: 3px; }
  .verdict { font-weight: 600; font-size: 16px; }
  .ok { color: #2e7d32; }
  .bad, .diff { color: #c62828; }
  section.card { background: #fff; border: 1px solid #e4e7eb; border-radius: 6px; padding: 12px; margin: 12px 0; }
  #chart-r { height: 260px; position: relative; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 3px 8px; border-bottom: 1px solid #eef1f4; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  #trades-wrap { max-height: 560px; overflow: auto; }
  #trades { font-size: 12px; }
  #trades thead th { position: sticky; top: 0; background: #fff; font-weight: 600; }
  tr.missed td, tr.extra td { background: #fff4e5; }
  td.diff { font-weight: 600; }
  .error { color: #c62828; font-weight: 600; }
  footer { color: #7b8794; font-size: 12px; text-align: center; padding: 24px; }
`;

/** The `<tr>` of one row: backtest and live values side by side, differing cells marked `diff`. */
function tradeRow(r: ParityRowView, k: number): string {
  const d = new Set(r.differences);
  const b = r.backtest;
  const l = r.live;
  const cell = (text: string, differs = false): string =>
    `<td${differs ? ' class="diff"' : ''}>${escapeHtml(text)}</td>`;
  const cells = [
    cell(String(k + 1)),
    cell(r.status, r.status !== 'matched'),
    cell((b ?? l)!.side),
    cell(time(b?.entryTime)),
    cell(time(l?.entryTime), d.has('entryTime')),
    cell(b?.entryPrice ?? ''),
    cell(l?.entryPrice ?? '', d.has('entryPrice')),
    cell(b?.size ?? ''),
    cell(l?.size ?? '', d.has('size')),
    cell(time(b?.exitTime)),
    cell(time(l?.exitTime), d.has('exitTime')),
    cell(b?.exitPrice ?? ''),
    cell(l?.exitPrice ?? (l ? 'open' : ''), d.has('exitPrice')),
    cell(b?.exitReason ?? ''),
    cell(l?.exitReason ?? '', d.has('exitReason')),
    cell(b?.fees ?? ''),
    cell(l?.fees ?? '', d.has('fees')),
    cell(fmtR(b?.r)),
    cell(fmtR(l?.r), d.has('pnl')),
    cell(fmtR(r.diff?.slippageR), (r.diff?.slippageR ?? 0) !== 0),
    cell(fmtR(r.diff?.feesR), (r.diff?.feesR ?? 0) !== 0),
    cell(fmtR(r.diff?.r), (r.diff?.r ?? 0) !== 0),
    cell([l?.tradeId ? `#${l.tradeId}` : '', ...r.rejectedBy].filter(Boolean).join(' ')),
  ];
  return `<tr class="${r.status}">${cells.join('')}</tr>`;
}

/**
 * Builds the report page.
 * @returns the complete HTML document (UTF-8 text).
 * @throws Error when `chartsBundle` does not look like the lightweight-charts standalone bundle.
 */
export function parityReportHtml(input: ParityReportInput): string {
  const v = input.report;
  const t = v.totals;
  const title = `Parity of run ${v.run.id}: ${v.run.strategy} on ${v.run.symbol} ${v.run.timeframe}`;
  const totals: [string, string][] = [
    ['Backtest trades', String(t.backtestTrades)],
    ['Live trades', String(t.liveTrades)],
    ['Matched (with differences)', `${t.matched} (${t.differing})`],
    ['Missed live', String(t.missed)],
    ['Extra live', String(t.extra)],
    ['Live refusals / backtest refusals', `${t.liveRejections} / ${t.backtestRejections}`],
    ['Backtest R', fmtR(t.backtestR)],
    ['Live R', fmtR(t.liveR)],
    ['Difference R (live − backtest)', fmtR(t.diffR)],
    ['Slippage R (cost)', fmtR(t.slippageR)],
    ['Fees R (extra paid live)', fmtR(t.feesR)],
    ['Missed R / extra R', `${fmtR(t.missedR)} / ${fmtR(t.extraR)}`],
    ['Fees difference', t.fees],
    ['Net P&L difference', t.pnl],
  ];
  const rejections = v.liveRejections
    .map((r) => `<tr><td>${escapeHtml(time(r.time))}</td><td>${escapeHtml(r.codes.join(', '))}</td></tr>`)
    .join('\n');
  const range = `${v.range.from ?? 'start'} → ${v.range.to ?? 'now'}`;
  return reportPageHtml({
    kind: 'parity',
    title,
    style: STYLE,
    header: `<p class="verdict ${v.equal ? 'ok' : 'bad'}" id="verdict">${escapeHtml(upperFirst(parityVerdict(v.equal, t)))}</p>
<p class="meta">Strategy <code>${escapeHtml(v.run.strategy)}</code> ${kv(v.run.params)} · ${escapeHtml(v.run.host)}-hosted, ${escapeHtml(v.run.status)}</p>
<p class="meta">Entries ${escapeHtml(range)} · backtest over ${v.backtest.bars} bars ${escapeHtml(time(v.backtest.from))} → ${escapeHtml(time(v.backtest.to))}</p>
<p class="meta">Settings ${kv({ cash: v.settings.cash, maker: v.settings.fees.maker, taker: v.settings.fees.taker, tick: v.settings.tickSize, lot: v.settings.lotSize, tradeOnClose: true, testudo: true })}</p>
${v.warnings.map((w) => `<p class="meta">⚠ ${escapeHtml(w)}</p>`).join('\n')}`,
    main: `<section class="card" id="charts">
<h2>Cumulative R</h2>
<div id="chart-r"></div>
</section>
<section class="card">
<h2>Totals</h2>
<table id="totals"><tbody>
${labelRows(totals)}
</tbody></table>
</section>
<section class="card">
<h2>Trades (${v.rows.length})</h2>
<div id="trades-wrap">
<table id="trades">
<thead><tr><th>#</th><th>Status</th><th>Side</th><th>Entry BT</th><th>Entry live</th><th>Price BT</th><th>Price live</th><th>Size BT</th><th>Size live</th><th>Exit BT</th><th>Exit live</th><th>Exit price BT</th><th>Exit price live</th><th>Reason BT</th><th>Reason live</th><th>Fees BT</th><th>Fees live</th><th>R BT</th><th>R live</th><th>Slippage R</th><th>Fees R</th><th>ΔR</th><th>Trade / refused by</th></tr></thead>
<tbody>
${v.rows.map(tradeRow).join('\n')}
</tbody>
</table>
</div>
</section>
<section class="card">
<h2>Live refusals (${v.liveRejections.length})</h2>
<table id="rejections"><thead><tr><th>Bar (UTC)</th><th>Rules</th></tr></thead><tbody>
${rejections}
</tbody></table>
<p class="meta">Backtest refusals by rule: ${escapeHtml(JSON.stringify(v.backtestRejections))}</p>
</section>`,
    data: curves(v.rows),
    chartsBundle: input.chartsBundle,
    script: PAGE_SCRIPT,
  });
}

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
