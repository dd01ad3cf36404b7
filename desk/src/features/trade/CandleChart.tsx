/**
 * The Trade page's chart: candles and volume of one symbol (lightweight-charts 5), the bars of `GET /candles` then
 * every `candle` event folded in, and the position tool (entry, stop and target lines with the risk and reward
 * zones) whose lines are dragged with the pointer, on the line itself or on its handle at the right. During a drag
 * the chart's own scrolling and scaling are off, the pointer's y becomes a price through `coordinateToPrice`, and
 * that price is snapped exactly to the tick before it reaches the ticket. The handles are sliders: arrow keys move
 * a line by one tick, Page Up/Down by ten.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { GripHorizontal } from 'lucide-react';
import { useLiveEvent } from '@/api/live';
import { useUi } from '@/store/ui';
import { foldCandle, toChart, type Bar, type CandleEvent } from './candles';
import { add, decimalsOf, formatDec, mul, parseDec } from '@/lib/decimal';
import { fixed, hitLine, priceAtPointer, rewardRisk, type LineKey, type Lines, type Side } from './lines';
import { TradeTool, type ToolColors, type ToolLayout } from './tradeTool';

/** Props of {@link CandleChart}. */
export interface CandleChartProps {
  symbol: string;
  timeframe: string;
  bars: Bar[];
  tick: string;
  lines: Lines | null;
  side: Side;
  entryType: 'market' | 'limit';
  /** A line moved to `price` (on the tick grid). */
  onMove(key: LineKey, price: string): void;
  /** The close of the newest bar (initially and after each `candle` event). */
  onLastPrice(price: string): void;
  /** A live bar could not be folded in (a replay jumped back): reload the bars. */
  onRefetch(): void;
}

const LABELS: Record<LineKey, string> = { entry: 'Entry', stop: 'Stop', target: 'Target' };

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function palette() {
  const light = document.documentElement.classList.contains('light');
  return {
    bg: cssVar('--panel', '#121821'),
    fg: cssVar('--muted', '#8b98a8'),
    grid: cssVar('--border', '#263241'),
    profit: cssVar('--profit', '#22c55e'),
    loss: cssVar('--loss', '#f87171'),
    accent: cssVar('--accent', '#3b82f6'),
    light,
  };
}

const toolColors = (p: ReturnType<typeof palette>): ToolColors => ({
  profit: p.profit,
  loss: p.loss,
  entry: p.accent,
});

type Handles = Record<LineKey, HTMLElement | null>;

/**
 * Moves the labels (the drag handles of the draggable lines) onto their lines, at the left edge of the zones
 * (called by the tool after every layout, so they follow scrolling, zooming, resizing and autoscaling).
 */
function placeHandles(handles: Handles, l: ToolLayout): void {
  for (const k of ['entry', 'stop', 'target'] as const) {
    const el = handles[k];
    if (!el) continue;
    const y = l.ys[k];
    const visible = y !== null && y >= 0 && y <= l.height;
    el.style.visibility = visible ? 'visible' : 'hidden';
    const x = Math.max(0, Math.min(l.left, l.width - el.offsetWidth - 2));
    if (visible) el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y - 10)}px)`;
  }
}

/** Writes the newest bar on the chart's element (`data-last-time`, `data-last-close`, `data-bars`) for tests and tools. */
function markLast(el: HTMLElement | null, bar: Bar | undefined, count: number): void {
  if (!el) return;
  el.dataset.lastTime = bar ? String(bar.time) : '';
  el.dataset.lastClose = bar?.close ?? '';
  el.dataset.bars = String(count);
}

/** Candles, volume and the draggable position tool. */
export function CandleChart(props: CandleChartProps) {
  const { bars, tick, lines, side, entryType, symbol, timeframe } = props;
  const wrapRef = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const candleRef = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const volRef = useRef<ISeriesApi<'Histogram'> | null>(null);
  const toolRef = useRef<TradeTool | null>(null);
  const lastRef = useRef<Bar | undefined>(undefined);
  const handleRefs = useRef<Handles>({ entry: null, stop: null, target: null });
  const propsRef = useRef(props);
  propsRef.current = props;
  const [dragging, setDragging] = useState<LineKey | null>(null);
  const theme = useUi((s) => s.theme);
  const draggable: LineKey[] = entryType === 'limit' ? ['entry', 'stop', 'target'] : ['stop', 'target'];
  const draggableRef = useRef(draggable);
  draggableRef.current = draggable;

  // the chart, once
  useEffect(() => {
    const box = boxRef.current!;
    const p = palette();
    const chart = createChart(box, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: p.bg }, textColor: p.fg, attributionLogo: false },
      grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
      rightPriceScale: { borderColor: p.grid },
      timeScale: { borderColor: p.grid, timeVisible: true, rightOffset: 12 },
      crosshair: { mode: CrosshairMode.Normal },
    });
    const candle = chart.addSeries(CandlestickSeries, {
      upColor: p.profit,
      downColor: p.loss,
      wickUpColor: p.profit,
      wickDownColor: p.loss,
      borderVisible: false,
    });
    const vol = chart.addSeries(HistogramSeries, {
      priceScaleId: '',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    vol.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const tool = new TradeTool(
      { lines: null, side: 'buy', draggable: [], active: null, autoscale: null },
      toolColors(p),
      (l: ToolLayout) => placeHandles(handleRefs.current, l),
    );
    candle.attachPrimitive(tool);
    chartRef.current = chart;
    candleRef.current = candle;
    volRef.current = vol;
    toolRef.current = tool;
    return () => {
      chart.remove();
      chartRef.current = null;
      candleRef.current = null;
      volRef.current = null;
      toolRef.current = null;
    };
  }, []);

  // theme
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const p = palette();
    chart.applyOptions({
      layout: { background: { type: ColorType.Solid, color: p.bg }, textColor: p.fg },
      grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
      rightPriceScale: { borderColor: p.grid },
      timeScale: { borderColor: p.grid },
    });
    candleRef.current?.applyOptions({
      upColor: p.profit,
      downColor: p.loss,
      wickUpColor: p.profit,
      wickDownColor: p.loss,
    });
    toolRef.current?.setColors(toolColors(p));
    // volume bars take the new theme's colours, by the direction of their candle
    const candle = candleRef.current;
    const vol = volRef.current;
    if (candle && vol && vol.data().length) {
      const up = new Map(candle.data().map((c) => [c.time, 'close' in c && 'open' in c ? c.close >= c.open : true]));
      vol.setData(
        vol.data().map((v) => ({
          time: v.time,
          value: 'value' in v ? v.value : 0,
          color: up.get(v.time) === false ? p.loss + '80' : p.profit + '80',
        })),
      );
    }
  }, [theme]);

  // price format from the tick
  useEffect(() => {
    candleRef.current?.applyOptions({
      priceFormat: { type: 'price', precision: decimalsOf(tick), minMove: Number(tick) },
    });
  }, [tick]);

  // the bars of GET /candles
  useEffect(() => {
    const candle = candleRef.current;
    const vol = volRef.current;
    const chart = chartRef.current;
    if (!candle || !vol || !chart) return;
    const p = palette();
    const pts = bars.map((b) => toChart(b, p.profit + '80', p.loss + '80'));
    candle.setData(pts.map((x) => ({ ...x.candle, time: x.candle.time as UTCTimestamp })));
    vol.setData(pts.map((x) => ({ ...x.volume, time: x.volume.time as UTCTimestamp })));
    lastRef.current = bars.at(-1);
    markLast(wrapRef.current, bars.at(-1), bars.length);
    if (bars.length > 0) {
      chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, bars.length - 120), to: bars.length + 12 });
      propsRef.current.onLastPrice(bars.at(-1)!.close);
    }
  }, [bars]);

  // live bars
  useLiveEvent('candle', (e) => {
    const candle = candleRef.current;
    const vol = volRef.current;
    if (!candle || !vol) return;
    const a = foldCandle(lastRef.current, e.data as unknown as CandleEvent, symbol, timeframe);
    if (a.kind === 'ignore') return;
    if (a.kind === 'refetch') {
      propsRef.current.onRefetch();
      return;
    }
    const p = palette();
    const pt = toChart(a.bar, p.profit + '80', p.loss + '80');
    candle.update({ ...pt.candle, time: pt.candle.time as UTCTimestamp });
    vol.update({ ...pt.volume, time: pt.volume.time as UTCTimestamp });
    lastRef.current = a.bar;
    markLast(wrapRef.current, a.bar, candle.data().length ?? 0);
    propsRef.current.onLastPrice(a.bar.close);
  });

  // what the tool draws
  useEffect(() => {
    toolRef.current?.set({
      lines,
      side,
      draggable,
      active: dragging,
      ...(dragging ? {} : { autoscale: lines }),
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `draggable` is derived from entryType
  }, [lines, side, entryType, dragging]);

  // dragging: on a line anywhere across the pane, or on its handle (the handles take no touch gestures, so a finger
  // drags them; elsewhere on the chart a finger still scrolls the page)
  useEffect(() => {
    const wrap = wrapRef.current!;
    let drag: { key: LineKey; pointerId: number } | null = null;
    const yOf = (ev: PointerEvent) => ev.clientY - wrap.getBoundingClientRect().top;
    const down = (ev: PointerEvent) => {
      const tool = toolRef.current;
      if (ev.button !== 0 || !tool) return;
      const handle = (ev.target as HTMLElement).closest('[data-line]')?.getAttribute('data-line') as LineKey | null;
      const key = handle ?? hitLine(yOf(ev), tool.layout().ys, draggableRef.current, 7);
      if (!key || !draggableRef.current.includes(key)) return;
      ev.preventDefault();
      ev.stopPropagation();
      chartRef.current?.applyOptions({ handleScroll: false, handleScale: false });
      wrap.setPointerCapture(ev.pointerId);
      drag = { key, pointerId: ev.pointerId };
      setDragging(key);
    };
    const move = (ev: PointerEvent) => {
      if (!drag || ev.pointerId !== drag.pointerId) return;
      ev.preventDefault();
      ev.stopPropagation();
      const raw = candleRef.current?.coordinateToPrice(yOf(ev));
      const price = priceAtPointer(raw ?? null, propsRef.current.tick);
      const cur = propsRef.current.lines?.[drag.key];
      if (price !== null && price !== cur) propsRef.current.onMove(drag.key, price);
    };
    const up = (ev: PointerEvent) => {
      if (!drag || ev.pointerId !== drag.pointerId) return;
      if (wrap.hasPointerCapture(ev.pointerId)) wrap.releasePointerCapture(ev.pointerId);
      drag = null;
      chartRef.current?.applyOptions({ handleScroll: true, handleScale: true });
      setDragging(null);
    };
    wrap.addEventListener('pointerdown', down, { capture: true });
    wrap.addEventListener('pointermove', move, { capture: true });
    wrap.addEventListener('pointerup', up, { capture: true });
    wrap.addEventListener('pointercancel', up, { capture: true });
    return () => {
      wrap.removeEventListener('pointerdown', down, { capture: true });
      wrap.removeEventListener('pointermove', move, { capture: true });
      wrap.removeEventListener('pointerup', up, { capture: true });
      wrap.removeEventListener('pointercancel', up, { capture: true });
    };
  }, []);

  const rr = lines ? rewardRisk(lines) : null;
  const onHandleKey = (k: LineKey) => (e: KeyboardEvent<HTMLButtonElement>) => {
    const steps = { ArrowUp: 1n, ArrowDown: -1n, PageUp: 10n, PageDown: -10n }[e.key];
    const cur = lines?.[k];
    if (steps === undefined || !cur) return;
    e.preventDefault();
    try {
      const next = formatDec(add(parseDec(cur), mul(parseDec(tick), { units: steps, scale: 0 })));
      if (parseDec(next).units > 0n) props.onMove(k, fixed(next, decimalsOf(tick)));
    } catch {
      // an unparsable price typed in the ticket: the arrows wait for a valid one
    }
  };

  return (
    <div ref={wrapRef} className="relative h-full w-full select-none" data-testid="trade-chart">
      <div ref={boxRef} className="absolute inset-0" />
      {lines
        ? (['target', 'entry', 'stop'] as const).map((k) => {
            const text = `${LABELS[k]} ${lines[k]}${k === 'target' && rr ? ` · ${rr}R` : ''}`;
            const ref = (el: HTMLElement | null) => {
              handleRefs.current[k] = el;
              if (el && toolRef.current) placeHandles(handleRefs.current, toolRef.current.layout());
            };
            const tone =
              k === 'stop'
                ? 'border-loss bg-loss text-bg'
                : k === 'target'
                  ? 'border-profit bg-profit text-bg'
                  : 'border-accent bg-accent text-accent-fg';
            const cls = `absolute left-0 top-0 z-10 flex h-5 items-center gap-1 whitespace-nowrap rounded border px-1.5 text-[11px] font-semibold shadow num ${tone}`;
            if (!draggable.includes(k))
              return (
                <div key={k} ref={ref} aria-hidden="true" style={{ visibility: 'hidden' }} className={cls}>
                  {text}
                </div>
              );
            return (
              <button
                key={k}
                ref={ref}
                type="button"
                role="slider"
                data-line={k}
                aria-label={`${LABELS[k]} price`}
                aria-valuenow={Number(lines[k]) || 0}
                aria-valuetext={lines[k]}
                aria-orientation="vertical"
                title={`Drag to move the ${k}; arrow keys move it by one tick`}
                onKeyDown={onHandleKey(k)}
                style={{ visibility: 'hidden' }}
                className={`${cls} cursor-ns-resize touch-none`}
              >
                <GripHorizontal size={12} aria-hidden="true" />
                {text}
              </button>
            );
          })
        : null}
    </div>
  );
}
