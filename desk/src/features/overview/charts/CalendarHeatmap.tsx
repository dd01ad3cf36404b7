/**
 * The daily P&L calendar heat map: an SVG grid of UTC days, weeks in columns (Monday at the top), each day coloured
 * by its net P&L (green gains, red losses, deeper for larger), with a native tooltip and an accessible name per day.
 * Wide ranges scroll inside the card, never the page.
 */
import { money, rMultiple } from '@/lib/format';
import type { CalendarGrid } from '../transforms';
import { heatIntensity } from '../transforms';
import type { ChartColors } from './colors';

const ROWS = ['Mon', '', 'Wed', '', 'Fri', '', 'Sun'];

/** Side of a day's square in px: larger when few weeks are shown. */
export function calendarCell(weeks: number): number {
  return weeks > 26 ? 12 : weeks > 10 ? 16 : weeks > 5 ? 22 : 26;
}

/** Height of the calendar card's chart area for `weeks` weeks (grid, month row and legend). */
export function calendarHeight(weeks: number): number {
  return 16 + 7 * (calendarCell(weeks) + 3) + 34;
}

/** The calendar of `grid` in the theme's colours. */
export function CalendarHeatmap({ grid, c }: { grid: CalendarGrid; c: ChartColors }) {
  const cell = calendarCell(grid.weeks);
  const gap = 3;
  const left = 30;
  const top = 16;
  const width = left + grid.weeks * (cell + gap);
  const height = top + 7 * (cell + gap);
  return (
    <div className="flex h-full flex-col gap-2">
      <div className="min-w-0 overflow-x-auto">
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`Calendar of daily net P&L over ${grid.weeks} weeks`}
          className="block"
        >
          {ROWS.map((label, row) =>
            label ? (
              <text key={row} x={0} y={top + row * (cell + gap) + cell * 0.75} fontSize={10} fill={c.muted}>
                {label}
              </text>
            ) : null,
          )}
          {grid.months.map((m) => (
            <text key={`${m.col}-${m.label}`} x={left + m.col * (cell + gap)} y={10} fontSize={10} fill={c.muted}>
              {m.label}
            </text>
          ))}
          {grid.cells.map((d) => {
            const pnl = d.result ? Number(d.result.netPnl) : 0;
            const k = d.result ? heatIntensity(pnl, grid.maxAbsPnl) : 0;
            const label = d.result
              ? `${d.day}: net ${money(d.result.netPnl)}, ${rMultiple(d.result.r)}, ${d.result.trades} trade${d.result.trades === 1 ? '' : 's'}`
              : `${d.day}: no trades`;
            return (
              <rect
                key={d.day}
                x={left + d.col * (cell + gap)}
                y={top + d.row * (cell + gap)}
                width={cell}
                height={cell}
                rx={2}
                fill={d.result && k > 0 ? (pnl > 0 ? c.profit : c.loss) : c.panel2}
                fillOpacity={d.result && k > 0 ? k : 1}
                stroke={d.result ? c.border : 'none'}
                data-day={d.day}
                aria-label={label}
              >
                <title>{label}</title>
              </rect>
            );
          })}
        </svg>
      </div>
      <div className="flex items-center gap-2 px-2 text-[11px] text-muted" aria-hidden="true">
        <span>Loss</span>
        {[1, 0.6, 0.3].map((o) => (
          <span
            key={`l${o}`}
            className="inline-block h-2.5 w-2.5 rounded-sm"
            style={{ background: c.loss, opacity: o }}
          />
        ))}
        <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: c.panel2 }} />
        {[0.3, 0.6, 1].map((o) => (
          <span
            key={`p${o}`}
            className="inline-block h-2.5 w-2.5 rounded-sm"
            style={{ background: c.profit, opacity: o }}
          />
        ))}
        <span>Profit</span>
      </div>
    </div>
  );
}
