/**
 * The long/short position tool drawn on the candlestick series (a lightweight-charts series primitive, so it is
 * redrawn by the chart itself on every scroll, zoom, resize and autoscale and can never drift from the candles):
 * the risk zone entry↔stop shaded red, the reward zone entry↔target shaded green, the three lines with their
 * a hover cursor on the draggable lines, and the lines kept inside the autoscaled price range. After each
 * layout it reports the lines' pixel positions (`onLayout`) so the page can place the DOM drag handles exactly.
 */
import type {
  AutoscaleInfo,
  IChartApi,
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesApi,
  ISeriesPrimitive,
  PrimitiveHoveredItem,
  SeriesAttachedParameter,
  Time,
} from 'lightweight-charts';
import { hitLine, zoneRects, type LineKey, type LineYs, type Lines, type Side, type Zones } from './lines';

type Target = Parameters<IPrimitivePaneRenderer['draw']>[0];

/** Colours of the tool (read from the theme's CSS variables by the page). */
export interface ToolColors {
  profit: string;
  loss: string;
  entry: string;
}

/** What the tool draws. */
export interface ToolState {
  lines: Lines | null;
  side: Side;
  /** Lines the pointer may drag (the entry only for a limit entry). */
  draggable: LineKey[];
  /** The line being dragged, drawn thicker. */
  active: LineKey | null;
  /** Lines kept inside the autoscale range (frozen during a drag so the scale does not chase the pointer). */
  autoscale: Lines | null;
}

/** Layout reported after each redraw: the lines' y in pane pixels (null off-scale), the pane's size, and the x
 * where the zones start (where the page puts the lines' labels and handles). */
export interface ToolLayout {
  ys: LineYs;
  width: number;
  height: number;
  left: number;
}

const NO_YS: LineYs = { entry: null, stop: null, target: null };

function alpha(color: string, a: number): string {
  const c = color.trim();
  if (/^#[0-9a-f]{6}$/i.test(c)) {
    const n = parseInt(c.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  }
  return c;
}

/** The position tool primitive. */
export class TradeTool implements ISeriesPrimitive<Time> {
  private chart: IChartApi | null = null;
  private series: ISeriesApi<'Candlestick'> | null = null;
  private requestUpdate: (() => void) | null = null;
  private ys: LineYs = NO_YS;
  private zones: Zones = { risk: null, reward: null };
  private width = 0;
  private height = 0;
  private left = 0;
  private readonly view: IPrimitivePaneView;
  private readonly views: readonly IPrimitivePaneView[];

  constructor(
    private state: ToolState,
    private colors: ToolColors,
    private readonly onLayout: (l: ToolLayout) => void,
  ) {
    const renderer: IPrimitivePaneRenderer = { draw: (t) => this.draw(t) };
    this.view = { renderer: () => renderer, zOrder: () => 'top' };
    this.views = [this.view];
  }

  /** Replaces what is drawn and redraws. */
  set(state: Partial<ToolState>): void {
    this.state = { ...this.state, ...state };
    this.requestUpdate?.();
  }

  /** New colours (theme switch). */
  setColors(colors: ToolColors): void {
    this.colors = colors;
    this.requestUpdate?.();
  }

  /** The lines' last laid out y coordinates. */
  layout(): ToolLayout {
    return { ys: this.ys, width: this.width, height: this.height, left: this.left };
  }

  attached(p: SeriesAttachedParameter<Time>): void {
    this.chart = p.chart as IChartApi;
    this.series = p.series as ISeriesApi<'Candlestick'>;
    this.requestUpdate = p.requestUpdate;
  }

  detached(): void {
    this.chart = null;
    this.series = null;
    this.requestUpdate = null;
  }

  updateAllViews(): void {
    const s = this.series;
    const c = this.chart;
    const l = this.state.lines;
    if (!s || !c) return;
    const size = c.paneSize(0);
    this.width = size.width;
    this.height = size.height;
    const y = (p: string | undefined): number | null => {
      const n = p === undefined ? NaN : Number(p);
      if (!Number.isFinite(n)) return null;
      const v = s.priceToCoordinate(n);
      return v === null ? null : Number(v);
    };
    this.ys = l ? { entry: y(l.entry), stop: y(l.stop), target: y(l.target) } : NO_YS;
    // the zones start a few bars left of the last bar and run to the right edge, like TradingView's tool
    const ts = c.timeScale();
    const range = ts.getVisibleLogicalRange();
    const lastIndex = s.data().length - 1;
    const leftX = lastIndex >= 0 && range ? ts.logicalToCoordinate((lastIndex - 24) as never) : null;
    const left = Math.max(0, Math.min(size.width - 160, leftX === null ? size.width * 0.6 : Number(leftX)));
    this.left = left;
    this.zones = zoneRects(this.ys, left, size.width, size.height);
    this.onLayout(this.layout());
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  autoscaleInfo(): AutoscaleInfo | null {
    const l = this.state.autoscale;
    if (!l) return null;
    const ps = [l.entry, l.stop, l.target].map(Number).filter(Number.isFinite);
    if (ps.length === 0) return null;
    return { priceRange: { minValue: Math.min(...ps), maxValue: Math.max(...ps) } };
  }

  hitTest(x: number, y: number): PrimitiveHoveredItem | null {
    void x;
    const k = hitLine(y, this.ys, this.state.draggable);
    return k ? { externalId: `line-${k}`, zOrder: 'top', cursorStyle: 'ns-resize', distance: 0 } : null;
  }

  private draw(target: Target): void {
    const l = this.state.lines;
    if (!l) return;
    target.useMediaCoordinateSpace(({ context: ctx, mediaSize }) => {
      const { risk, reward } = this.zones;
      ctx.save();
      if (risk) {
        ctx.fillStyle = alpha(this.colors.loss, 0.16);
        ctx.fillRect(risk.left, risk.top, risk.width, risk.height);
      }
      if (reward) {
        ctx.fillStyle = alpha(this.colors.profit, 0.16);
        ctx.fillRect(reward.left, reward.top, reward.width, reward.height);
      }
      const drawLine = (k: LineKey, color: string) => {
        const y = this.ys[k];
        if (y === null) return;
        const yy = Math.round(y) + 0.5;
        ctx.strokeStyle = color;
        ctx.lineWidth = this.state.active === k ? 2 : 1;
        ctx.setLineDash(k === 'entry' ? [] : [6, 4]);
        ctx.beginPath();
        ctx.moveTo(0, yy);
        ctx.lineTo(mediaSize.width, yy);
        ctx.stroke();
      };
      drawLine('target', this.colors.profit);
      drawLine('stop', this.colors.loss);
      drawLine('entry', this.colors.entry);
      ctx.restore();
    });
  }
}
