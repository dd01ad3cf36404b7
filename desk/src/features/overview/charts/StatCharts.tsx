/**
 * The Overview's statistical charts (recharts), each drawing already-prepared data (see `../transforms.ts`) in the
 * theme's colours, with axis labels and tooltips. Animations are off: the charts are data, not decoration.
 */
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type { CSSProperties } from 'react';
import type {
  BreakdownBar,
  CumulativePoint,
  ExcursionPoint,
  HistogramBar,
  HoldingPoint,
  UnderwaterPoint,
} from '../transforms';
import type { ChartColors } from './colors';

const fmtR = (v: unknown): string => {
  const n = Number(v);
  return Number.isFinite(n) ? `${n > 0 ? '+' : ''}${n.toFixed(2)}R` : String(v);
};

function tooltipStyle(c: ChartColors): {
  contentStyle: CSSProperties;
  labelStyle: CSSProperties;
  itemStyle: CSSProperties;
} {
  return {
    contentStyle: { background: c.panel, border: `1px solid ${c.border}`, borderRadius: 6, fontSize: 12 },
    labelStyle: { color: c.fg, fontWeight: 600 },
    itemStyle: { color: c.fg },
  };
}

function axis(c: ChartColors) {
  return { stroke: c.border, tick: { fill: c.muted, fontSize: 11 }, tickLine: { stroke: c.border } };
}

function axisLabel(c: ChartColors, value: string, position: 'insideBottom' | 'insideLeft', angle = 0) {
  return {
    value,
    position,
    fill: c.muted,
    fontSize: 11,
    angle,
    offset: position === 'insideBottom' ? -2 : 0,
    style: { textAnchor: 'middle' as const },
  };
}

const MARGIN = { top: 6, right: 12, bottom: 14, left: 4 };

/** The R-multiple histogram: trades per bucket, losses red, gains green. */
export function RHistogramChart({ bars, c }: { bars: HistogramBar[]; c: ChartColors }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={bars} margin={MARGIN}>
        <CartesianGrid stroke={c.border} strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="label"
          {...axis(c)}
          label={axisLabel(c, 'R-multiple bucket', 'insideBottom')}
          interval="preserveStartEnd"
        />
        <YAxis allowDecimals={false} {...axis(c)} width={50} label={axisLabel(c, 'Trades', 'insideLeft', -90)} />
        <Tooltip {...tooltipStyle(c)} cursor={{ fill: c.panel2 }} formatter={(v) => [v, 'Trades']} />
        <Bar dataKey="count" isAnimationActive={false}>
          {bars.map((b) => (
            <Cell key={b.label} fill={b.positive ? c.profit : c.loss} />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

/** ΣR after each closed trade. */
export function CumulativeRChart({ points, c }: { points: CumulativePoint[]; c: ChartColors }) {
  const data = [{ n: 0, cumR: 0, r: 0, time: '' }, ...points];
  return (
    <ResponsiveContainer width="100%" height="100%">
      <LineChart data={data} margin={MARGIN}>
        <CartesianGrid stroke={c.border} strokeDasharray="3 3" />
        <XAxis
          dataKey="n"
          type="number"
          domain={[0, 'dataMax']}
          allowDecimals={false}
          {...axis(c)}
          label={axisLabel(c, 'Trade #', 'insideBottom')}
        />
        <YAxis {...axis(c)} width={58} tickFormatter={rTick} label={axisLabel(c, 'Cumulative R', 'insideLeft', -90)} />
        <ReferenceLine y={0} stroke={c.muted} />
        <Tooltip
          {...tooltipStyle(c)}
          labelFormatter={(n) => `Trade #${String(n)}`}
          formatter={(v, name) => [fmtR(v), name === 'cumR' ? 'Cumulative' : String(name)]}
        />
        <Line
          type="linear"
          dataKey="cumR"
          stroke={c.accent}
          strokeWidth={2}
          dot={points.length <= 60}
          isAnimationActive={false}
        />
      </LineChart>
    </ResponsiveContainer>
  );
}

/** An axis tick in R: at most two decimals, so a small domain never prints `-0.542631R`. */
function rTick(v: number): string {
  return `${Number(v.toFixed(2))}R`;
}

/** The underwater curve in R. */
export function UnderwaterChart({ points, c }: { points: UnderwaterPoint[]; c: ChartColors }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <AreaChart data={points} margin={MARGIN}>
        <CartesianGrid stroke={c.border} strokeDasharray="3 3" />
        <XAxis
          dataKey="n"
          type="number"
          domain={[0, 'dataMax']}
          allowDecimals={false}
          {...axis(c)}
          label={axisLabel(c, 'Trade #', 'insideBottom')}
        />
        <YAxis
          {...axis(c)}
          width={58}
          domain={['dataMin', 0]}
          tickFormatter={rTick}
          label={axisLabel(c, 'Below peak (R)', 'insideLeft', -90)}
        />
        <Tooltip
          {...tooltipStyle(c)}
          labelFormatter={(n) => `After trade #${String(n)}`}
          formatter={(v) => [fmtR(v), 'Drawdown']}
        />
        <Area
          type="stepAfter"
          dataKey="ddR"
          stroke={c.loss}
          fill={c.loss}
          fillOpacity={0.25}
          isAnimationActive={false}
        />
      </AreaChart>
    </ResponsiveContainer>
  );
}

/** What a breakdown chart measures: total R, or net P&L in quote currency. */
export type BreakdownMetric = 'totalR' | 'netPnl';

const fmtMoney = (v: unknown): string => {
  const n = Number(v);
  return Number.isFinite(n) ? `${n > 0 ? '+' : ''}${n.toFixed(2)}` : String(v);
};

/**
 * Total R or net P&L per group of a breakdown (tooltip: trades, win rate, expectancy and both totals); horizontal
 * bars for categories.
 */
export function BreakdownChart({
  bars,
  c,
  xLabel,
  metric = 'totalR',
  horizontal = false,
}: {
  bars: BreakdownBar[];
  c: ChartColors;
  xLabel: string;
  metric?: BreakdownMetric;
  horizontal?: boolean;
}) {
  const isR = metric === 'totalR';
  const valueLabel = isR ? 'Total R' : 'Net P&L';
  const tickFmt = (v: number) => (isR ? rTick(v) : String(Number(v.toFixed(2))));
  const tip = (
    <Tooltip
      {...tooltipStyle(c)}
      cursor={{ fill: c.panel2 }}
      formatter={(v, _n, item) => {
        const b = (item as { payload?: BreakdownBar }).payload;
        const main = isR ? fmtR(v) : fmtMoney(v);
        return [
          b
            ? `${main} · ${b.trades} trades · win ${b.winRatePct.toFixed(0)}% · exp ${fmtR(b.expectancyR)} · ${isR ? `P&L ${fmtMoney(b.netPnl)}` : `${fmtR(b.totalR)}`}`
            : main,
          valueLabel,
        ];
      }}
    />
  );
  const cells = bars.map((b) => <Cell key={b.key} fill={b[metric] >= 0 ? c.profit : c.loss} />);
  if (horizontal)
    return (
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={bars} layout="vertical" margin={{ ...MARGIN, left: 8 }}>
          <CartesianGrid stroke={c.border} strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" {...axis(c)} tickFormatter={tickFmt} label={axisLabel(c, valueLabel, 'insideBottom')} />
          <YAxis
            type="category"
            dataKey="label"
            {...axis(c)}
            width={84}
            label={axisLabel(c, xLabel, 'insideLeft', -90)}
          />
          <ReferenceLine x={0} stroke={c.muted} />
          {tip}
          <Bar dataKey={metric} isAnimationActive={false}>
            {cells}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    );
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={bars} margin={MARGIN}>
        <CartesianGrid stroke={c.border} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" {...axis(c)} label={axisLabel(c, xLabel, 'insideBottom')} interval="preserveStartEnd" />
        <YAxis {...axis(c)} width={58} tickFormatter={tickFmt} label={axisLabel(c, valueLabel, 'insideLeft', -90)} />
        <ReferenceLine y={0} stroke={c.muted} />
        {tip}
        <Bar dataKey={metric} isAnimationActive={false}>
          {cells}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Wins and losses as two scatter series. */
function splitWins<T extends { win: boolean }>(pts: T[]): { wins: T[]; losses: T[] } {
  return { wins: pts.filter((p) => p.win), losses: pts.filter((p) => !p.win) };
}

/** MAE (x, ≤ 0 R) against MFE (y, ≥ 0 R) per closed trade, wins and losses apart. */
export function ExcursionScatter({ points, c }: { points: ExcursionPoint[]; c: ChartColors }) {
  const { wins, losses } = splitWins(points);
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ScatterChart margin={MARGIN}>
        <CartesianGrid stroke={c.border} strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="mae"
          name="MAE"
          domain={[(min: number) => Math.min(min, -1.1), 0]}
          {...axis(c)}
          tickFormatter={rTick}
          label={axisLabel(c, 'MAE (R)', 'insideBottom')}
        />
        <YAxis
          type="number"
          dataKey="mfe"
          name="MFE"
          {...axis(c)}
          width={58}
          tickFormatter={rTick}
          label={axisLabel(c, 'MFE (R)', 'insideLeft', -90)}
        />
        <ZAxis type="number" dataKey="r" name="R" range={[40, 40]} />
        <ReferenceLine x={-1} stroke={c.warn} strokeDasharray="4 4" />
        <Tooltip {...tooltipStyle(c)} cursor={{ stroke: c.border }} formatter={(v, name) => [fmtR(v), String(name)]} />
        <Legend wrapperStyle={{ fontSize: 11, color: c.muted }} verticalAlign="top" height={18} />
        <Scatter name="Wins" data={wins} fill={c.profit} isAnimationActive={false} />
        <Scatter name="Losses" data={losses} fill={c.loss} isAnimationActive={false} />
      </ScatterChart>
    </ResponsiveContainer>
  );
}

/** Holding time (hours, x) against R (y) per closed trade. */
export function HoldingScatter({ points, c }: { points: HoldingPoint[]; c: ChartColors }) {
  const { wins, losses } = splitWins(points);
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ScatterChart margin={MARGIN}>
        <CartesianGrid stroke={c.border} strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="hours"
          name="Held"
          unit="h"
          {...axis(c)}
          label={axisLabel(c, 'Holding time (hours)', 'insideBottom')}
        />
        <YAxis
          type="number"
          dataKey="r"
          name="R"
          {...axis(c)}
          width={58}
          tickFormatter={rTick}
          label={axisLabel(c, 'R-multiple', 'insideLeft', -90)}
        />
        <ReferenceLine y={0} stroke={c.muted} />
        <Tooltip
          {...tooltipStyle(c)}
          cursor={{ stroke: c.border }}
          formatter={(v, name) => [name === 'R' ? fmtR(v) : `${Number(v).toFixed(2)}h`, String(name)]}
        />
        <Legend wrapperStyle={{ fontSize: 11, color: c.muted }} verticalAlign="top" height={18} />
        <Scatter name="Wins" data={wins} fill={c.profit} isAnimationActive={false} />
        <Scatter name="Losses" data={losses} fill={c.loss} isAnimationActive={false} />
      </ScatterChart>
    </ResponsiveContainer>
  );
}
