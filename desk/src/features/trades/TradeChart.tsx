/**
 * A trade drawn on its candles (lightweight-charts): the bars around it from `GET /candles`, price lines for the
 * entry, the initial and current stop, the target and the exit, and markers at the entry and exit bars.
 */
import { useEffect, useMemo, useRef } from 'react';
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  LineStyle,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useChartColors } from '@/features/overview/charts/colors';
import { useMarketSymbols } from '@/features/trade/api';
import { ErrorState } from '@/components/ui/states';
import { useCandles, type TradeDetail } from './api';
import {
  candleWindow,
  chooseTimeframe,
  lastMarketTime,
  timeframeSeconds,
  tradeLines,
  tradeMarkers,
} from './chart-data';

const TIMEFRAMES = ['1h', '4h', '1d'];

/** The chart timeframes of `symbol` that `GET /candles` serves (1h, 4h, 1d when it says nothing). */
function useTimeframes(symbol: string): string[] | undefined {
  // the Trade page's query (same key, same cached shape: the list, or null without the route)
  const q = useMarketSymbols();
  const served = q.data?.find((s) => s.symbol === symbol)?.timeframes ?? [];
  const key = q.isPending ? null : TIMEFRAMES.filter((t) => served.includes(t)).join(',');
  return useMemo(() => (key === null ? undefined : key ? key.split(',') : TIMEFRAMES), [key]);
}

/** The chart of one trade, 280 px tall. */
export function TradeChart({ trade }: { trade: TradeDetail }) {
  const c = useChartColors();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const markers = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const lines = useRef<IPriceLine[]>([]);
  const timeframes = useTimeframes(trade.symbol);
  const [tf, win] = useMemo(() => {
    // The timeframe from the trade's own market clock (a replay runs years behind the wall clock); an open
    // trade's candles run up to the wall clock in whole hours (the server stops at its feed's time).
    const tf = chooseTimeframe(trade, lastMarketTime(trade), timeframes ?? TIMEFRAMES);
    const now = Math.ceil(Date.now() / 3_600_000) * 3600;
    return [tf, candleWindow(trade, timeframeSeconds(tf), now)] as const;
  }, [trade, timeframes]);
  const q = useCandles(timeframes ? trade.symbol : undefined, tf, win.from, win.to, 1000);
  const bars = q.data;

  useEffect(() => {
    if (!box.current) return;
    const ch = createChart(box.current, {
      height: 280,
      autoSize: true,
      layout: { attributionLogo: false }, // from the start: its inline <style> is refused by the CSP
    });
    chart.current = ch;
    const s = ch.addSeries(CandlestickSeries, { priceLineVisible: false, lastValueVisible: false });
    series.current = s;
    markers.current = createSeriesMarkers(s, []);
    return () => {
      ch.remove();
      chart.current = null;
      series.current = null;
      markers.current = null;
      lines.current = [];
    };
  }, []);

  useEffect(() => {
    chart.current?.applyOptions({
      layout: { background: { type: ColorType.Solid, color: c.panel }, textColor: c.muted, attributionLogo: false },
      grid: { vertLines: { color: c.border }, horzLines: { color: c.border } },
      rightPriceScale: { borderColor: c.border },
      timeScale: { borderColor: c.border, timeVisible: true },
    });
    series.current?.applyOptions({
      upColor: c.profit,
      downColor: c.loss,
      borderUpColor: c.profit,
      borderDownColor: c.loss,
      wickUpColor: c.profit,
      wickDownColor: c.loss,
    });
  }, [c]);

  useEffect(() => {
    const s = series.current;
    if (!s || !bars) return;
    s.setData(
      bars.map((b) => ({
        time: b.time as UTCTimestamp,
        open: Number(b.open),
        high: Number(b.high),
        low: Number(b.low),
        close: Number(b.close),
      })),
    );
    for (const l of lines.current) s.removePriceLine(l);
    const tone = { accent: c.accent, loss: c.loss, profit: c.profit, fg: c.fg };
    lines.current = tradeLines(trade).map((l) =>
      s.createPriceLine({
        price: Number(l.price),
        title: l.title,
        color: tone[l.tone],
        lineWidth: 1,
        lineStyle: l.dashed ? LineStyle.Dashed : LineStyle.Solid,
        axisLabelVisible: true,
      }),
    );
    markers.current?.setMarkers(
      tradeMarkers(trade, bars).map((m) => ({
        time: m.time as UTCTimestamp,
        position: m.position,
        shape: m.shape,
        color: m.kind === 'entry' ? c.accent : c.fg,
        text: m.text,
      })),
    );
    chart.current?.timeScale().fitContent();
  }, [bars, trade, c]);

  const summary = tradeLines(trade)
    .map((l) => `${l.title} ${l.price}`)
    .join(', ');
  return (
    <figure className="m-0" data-chart="trade" data-lines={tradeLines(trade).length} data-bars={bars?.length ?? 0}>
      {q.isError && trade.connectionId != null ? (
        // a live trade's venue symbol this server keeps no candles of: the figures below still tell the trade
        <p className="p-3 text-sm text-muted" data-testid="no-venue-candles">
          No candles of {trade.symbol} on this server: the trade went through an exchange connection.
        </p>
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : null}
      <div ref={box} className="h-[280px] w-full" aria-hidden="true" />
      <figcaption className="mt-1 text-xs text-muted">
        {trade.symbol} {tf} candles{bars ? ` (${bars.length} bars)` : ''}: {summary}.
      </figcaption>
    </figure>
  );
}
