/**
 * A backtest as one self-contained HTML file that opens offline: the lightweight-charts standalone bundle and the
 * data are inlined (no request leaves the file; a Content-Security-Policy forbids any), with a candlestick chart
 * with entry/exit markers and overlay indicators, the equity curve and the drawdown (time scales linked), the
 * statistics table (backtesting.py's, then R statistics and Testudo-mode rejections) and the trade list.
 *
 * Pure: the caller supplies the bundle text (see `readChartsBundle` in `bundle.ts`). All text is HTML-escaped; the
 * data travels as JSON in a `<script type="application/json">` with `<` escaped, so no value can end the script.
 */
import type { BacktestResult, BarSeries } from '../core/backtest/types.ts';
import { formatTimeUtc } from '../core/marketdata/importers.ts';
import { statRows, tradeFigures } from './format.ts';
import { escapeHtml, guardedPageScript, kv, labelRows, reportPageHtml, utcMinutes } from './html-page.ts';

export { escapeHtml, utcMinutes } from './html-page.ts';

/** What the report shows. */
export interface BacktestReportInput {
  /** Heading and `<title>`, e.g. `sma-cross on GOOG.csv`. */
  title: string;
  /** Strategy name (built-in name or module path). */
  strategy: string;
  /** Parameters as given (shown as `k=v`). */
  params: Readonly<Record<string, unknown>>;
  /** Where the bars came from, e.g. a file path or `postgres:BTC-USD 1h`. */
  source: string;
  /** Options worth showing (cash, commission, mode…), shown as `k=v`. */
  settings?: Readonly<Record<string, unknown>>;
  bars: BarSeries;
  result: BacktestResult;
  /** Text of `lightweight-charts.standalone.production.js` (v5), defining the `LightweightCharts` global. */
  chartsBundle: string;
}

const round = (x: number, dp: number): number | null => (Number.isFinite(x) ? Number(x.toFixed(dp)) : null);

/** Column data for the page script (times in seconds, as lightweight-charts wants). */
function chartData(bars: BarSeries, result: BacktestResult): Record<string, unknown> {
  const n = bars.length;
  const t: number[] = new Array(n);
  const o: number[] = new Array(n);
  const h: number[] = new Array(n);
  const l: number[] = new Array(n);
  const c: number[] = new Array(n);
  const eq: (number | null)[] = new Array(n);
  const dd: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = Math.floor(bars.time[i]! / 1000);
    o[i] = bars.open[i]!;
    h[i] = bars.high[i]!;
    l[i] = bars.low[i]!;
    c[i] = bars.close[i]!;
    eq[i] = i < result.equity.length ? round(result.equity[i]!, 6) : null;
    dd[i] = i < result.drawdown.length ? round(-result.drawdown[i]! * 100, 4) : null;
  }
  const indicators = result.indicators
    .filter((ind) => ind.overlay)
    .map((ind) => ({ name: ind.name, values: Array.from(ind.values, (v) => round(v, 10)) }));
  const trades = result.trades.map((tr) => ({
    long: !tr.size.startsWith('-'),
    entry: Math.floor(tr.entryTime / 1000),
    exit: Math.floor(tr.exitTime / 1000),
    r: tr.rMultiple,
    ret: Number.isFinite(tr.returnPct) ? tr.returnPct : null,
  }));
  const step = n > 1 ? (bars.time[n - 1]! - bars.time[0]!) / (n - 1) : 86_400_000;
  return { t, o, h, l, c, eq, dd, indicators, trades, intraday: step < 86_400_000 };
}

/** The page script: builds the three charts from `#report-data` and sets `body[data-rendered]`. */
const PAGE_SCRIPT = guardedPageScript(
  String.raw`    var D = JSON.parse(document.getElementById('report-data').textContent);
    var LC = window.LightweightCharts;
    var n = D.t.length;
    function chart(id) {
      return LC.createChart(document.getElementById(id), {
        autoSize: true,
        layout: { background: { color: '#ffffff' }, textColor: '#1f2933', fontSize: 11 },
        grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
        timeScale: { timeVisible: D.intraday, secondsVisible: false, borderColor: '#cbd2d9', minBarSpacing: 0.0001 },
        rightPriceScale: { borderColor: '#cbd2d9', minimumWidth: 90 },
      });
    }
    var price = chart('chart-price');
    var candles = price.addSeries(LC.CandlestickSeries, {
      upColor: '#26a69a', downColor: '#ef5350', wickUpColor: '#26a69a', wickDownColor: '#ef5350', borderVisible: false,
    });
    var bars = new Array(n);
    for (var i = 0; i < n; i++) bars[i] = { time: D.t[i], open: D.o[i], high: D.h[i], low: D.l[i], close: D.c[i] };
    candles.setData(bars);
    var palette = ['#3366cc', '#ff9900', '#990099', '#109618', '#dc3912', '#0099c6'];
    D.indicators.forEach(function (ind, k) {
      var s = price.addSeries(LC.LineSeries, {
        color: palette[k % palette.length], lineWidth: 1, title: ind.name, priceLineVisible: false,
        lastValueVisible: false,
      });
      var pts = [];
      for (var i = 0; i < n; i++) pts.push(ind.values[i] === null ? { time: D.t[i] } : { time: D.t[i], value: ind.values[i] });
      s.setData(pts);
    });
    var markers = [];
    D.trades.forEach(function (tr) {
      markers.push({
        time: tr.entry, position: tr.long ? 'belowBar' : 'aboveBar', shape: tr.long ? 'arrowUp' : 'arrowDown',
        color: tr.long ? '#2e7d32' : '#c62828', text: tr.long ? 'L' : 'S',
      });
      var label = tr.r !== null ? tr.r.toFixed(1) + 'R' : tr.ret !== null ? (tr.ret * 100).toFixed(1) + '%' : '';
      var win = tr.r !== null ? tr.r > 0 : tr.ret !== null && tr.ret > 0;
      markers.push({
        time: tr.exit, position: tr.long ? 'aboveBar' : 'belowBar', shape: 'circle',
        color: win ? '#2e7d32' : '#c62828', text: label,
      });
    });
    markers.sort(function (a, b) { return a.time - b.time; });
    LC.createSeriesMarkers(candles, markers);

    var equity = chart('chart-equity');
    var eqSeries = equity.addSeries(LC.LineSeries, { color: '#1565c0', lineWidth: 2, priceLineVisible: false });
    var drawdown = chart('chart-drawdown');
    var ddSeries = drawdown.addSeries(LC.AreaSeries, {
      lineColor: '#c62828', topColor: 'rgba(198,40,40,0.05)', bottomColor: 'rgba(198,40,40,0.4)', lineWidth: 1,
      invertFilledArea: true, priceLineVisible: false,
      priceFormat: { type: 'custom', formatter: function (v) { return v.toFixed(2) + '%'; } },
    });
    var eqPts = [], ddPts = [];
    for (var j = 0; j < n; j++) {
      eqPts.push(D.eq[j] === null ? { time: D.t[j] } : { time: D.t[j], value: D.eq[j] });
      ddPts.push(D.dd[j] === null ? { time: D.t[j] } : { time: D.t[j], value: D.dd[j] });
    }
    eqSeries.setData(eqPts);
    ddSeries.setData(ddPts);

    var charts = [price, equity, drawdown];
    var syncing = false;
    charts.forEach(function (c) {
      c.timeScale().subscribeVisibleLogicalRangeChange(function (range) {
        if (syncing || range === null) return;
        syncing = true;
        charts.forEach(function (o) { if (o !== c) o.timeScale().setVisibleLogicalRange(range); });
        syncing = false;
      });
    });
    // the whole run at first (minBarSpacing lets thousands of bars share a few hundred pixels)
    charts.forEach(function (c) { c.timeScale().fitContent(); });`,
  'The charts could not be drawn',
);

const STYLE = `
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; margin: 0; background: #f5f7fa; }
  header, main { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
  header { padding-top: 16px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 24px 0 8px; }
  .meta { color: #52606d; margin: 2px 0; }
  .meta code { background: #e4e7eb; padding: 0 4px; border-radius: 3px; }
  section.card { background: #fff; border: 1px solid #e4e7eb; border-radius: 6px; padding: 12px; margin: 12px 0; }
  .chart { width: 100%; position: relative; }
  #chart-price { height: 420px; }
  #chart-equity { height: 200px; }
  #chart-drawdown { height: 140px; }
  .chart-label { font-weight: 600; margin: 8px 0 4px; color: #52606d; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 3px 8px; border-bottom: 1px solid #eef1f4; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  #stats th { font-weight: normal; color: #52606d; }
  #trades-wrap { max-height: 480px; overflow: auto; }
  #trades { font-size: 12px; }
  #trades thead th { position: sticky; top: 0; background: #fff; font-weight: 600; }
  .win { color: #2e7d32; }
  .loss { color: #c62828; }
  .error { color: #c62828; font-weight: 600; }
  footer { color: #7b8794; font-size: 12px; text-align: center; padding: 24px; }
`;

/**
 * Builds the report.
 *
 * @returns the complete HTML document (UTF-8 text). Bars with times in ms are charted at whole seconds; the equity
 *   is in quote currency and the drawdown in percent below the running peak (drawn as negative numbers).
 * @throws Error when `chartsBundle` does not look like the lightweight-charts standalone bundle.
 */
export function backtestReportHtml(input: BacktestReportInput): string {
  const { bars, result } = input;
  const statsHtml = labelRows(statRows(result).map((r) => [r.label, r.value] as const));
  const tradeRows = result.trades
    .map((t, k) => {
      const f = tradeFigures(t);
      const pnlClass = t.pnl.startsWith('-') ? 'loss' : t.pnl === '0' ? '' : 'win';
      const cells = [
        String(k + 1),
        utcMinutes(t.entryTime),
        utcMinutes(t.exitTime),
        t.size,
        t.entryPrice,
        t.exitPrice,
        t.sl ?? '',
        t.tp ?? '',
        t.commission,
      ].map((s) => `<td>${escapeHtml(s)}</td>`);
      cells.push(
        `<td class="${pnlClass}">${escapeHtml(t.pnl)}</td>`,
        `<td class="${pnlClass}">${escapeHtml(f.returnPct)}</td>`,
        `<td>${escapeHtml(f.r)}</td>`,
        `<td>${escapeHtml(t.exitReason)}</td>`,
        `<td>${escapeHtml(t.tag ?? '')}</td>`,
      );
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const first = bars.length ? formatTimeUtc(bars.time[0]!) : '';
  const last = bars.length ? formatTimeUtc(bars.time[bars.length - 1]!) : '';
  return reportPageHtml({
    kind: 'backtest',
    title: input.title,
    style: STYLE,
    header: `<p class="meta">Strategy <code>${escapeHtml(input.strategy)}</code> ${kv(input.params)}</p>
<p class="meta">Data <code>${escapeHtml(input.source)}</code>, ${bars.length} bars, ${escapeHtml(first)} → ${escapeHtml(last)}</p>
${input.settings ? `<p class="meta">Settings ${kv(input.settings)}</p>` : ''}`,
    main: `<section class="card" id="charts">
<div class="chart-label">Price and trades</div>
<div class="chart" id="chart-price"></div>
<div class="chart-label">Equity</div>
<div class="chart" id="chart-equity"></div>
<div class="chart-label">Drawdown [%]</div>
<div class="chart" id="chart-drawdown"></div>
</section>
<section class="card">
<h2>Statistics</h2>
<table id="stats"><tbody>
${statsHtml}
</tbody></table>
</section>
<section class="card">
<h2>Trades (${result.trades.length})</h2>
<div id="trades-wrap">
<table id="trades">
<thead><tr><th>#</th><th>Entry time (UTC)</th><th>Exit time (UTC)</th><th>Size</th><th>Entry</th><th>Exit</th><th>SL</th><th>TP</th><th>Commission</th><th>P&amp;L</th><th>Return [%]</th><th>R</th><th>Exit reason</th><th>Tag</th></tr></thead>
<tbody>
${tradeRows}
</tbody>
</table>
</div>
</section>`,
    data: chartData(bars, result),
    chartsBundle: input.chartsBundle,
    script: PAGE_SCRIPT,
  });
}
