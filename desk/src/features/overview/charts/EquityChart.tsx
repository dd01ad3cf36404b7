/**
 * The account's equity curve (lightweight-charts): one point per closed trade, an area in the accent colour over
 * the theme's background. Several trades closing in the same second are merged into the last one (the library
 * needs strictly increasing times).
 */
import { useEffect, useRef } from 'react';
import { AreaSeries, ColorType, createChart, type IChartApi, type ISeriesApi } from 'lightweight-charts';
import type { EquityPoint } from '../api';
import { equitySeries, withAlpha } from '../transforms';
import type { ChartColors } from './colors';

/** The equity curve, `height` px tall, full width. */
export function EquityChart({ curve, c, height = 240 }: { curve: EquityPoint[]; c: ChartColors; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Area'> | null>(null);

  useEffect(() => {
    if (!box.current) return;
    const ch = createChart(box.current, {
      height,
      autoSize: true,
      handleScroll: false,
      handleScale: false,
      layout: { attributionLogo: false }, // from the start: its inline <style> is refused by the CSP
    });
    chart.current = ch;
    series.current = ch.addSeries(AreaSeries, { lineWidth: 2, priceLineVisible: false });
    return () => {
      ch.remove();
      chart.current = null;
      series.current = null;
    };
  }, [height]);

  useEffect(() => {
    chart.current?.applyOptions({
      layout: { background: { type: ColorType.Solid, color: c.panel }, textColor: c.muted, attributionLogo: false },
      grid: { vertLines: { color: c.border }, horzLines: { color: c.border } },
      rightPriceScale: { borderColor: c.border },
      timeScale: { borderColor: c.border, timeVisible: true },
    });
    series.current?.applyOptions({
      lineColor: c.accent,
      topColor: withAlpha(c.accent, 0.33),
      bottomColor: withAlpha(c.accent, 0.02),
    });
  }, [c]);

  useEffect(() => {
    series.current?.setData(equitySeries(curve));
    chart.current?.timeScale().fitContent();
  }, [curve]);

  return <div ref={box} style={{ height }} className="w-full" />;
}
