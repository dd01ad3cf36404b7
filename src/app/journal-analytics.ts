/**
 * Journal analytics over a user's closed trades, with the filters of the journal statistics (closed between
 * `from` and `to`, symbol, setup, tag): breakdowns, the R histogram, excursions and daily results. The computation
 * is in `src/core/journal/analytics.ts` and `stats.ts`; money leaves as decimal text.
 *
 * Weekday and hour are those of the exit time (`closedAt`) in UTC; a day is a UTC calendar day of the exit.
 */
import type { Sql } from '../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../db/sql.ts';
import { formatAtoms, toAtoms } from '../core/money/decimal.ts';
import { breakdown, rDistribution, type AnalyticsTrade, type BreakdownDimension } from '../core/journal/analytics.ts';
import { dailyStats } from '../core/journal/stats.ts';
import { journalWhere, type JournalFilter } from './journal.ts';

interface ClosedRow extends AnalyticsTrade {
  id: number;
  /** False when R is unknown (an imported trade without a stop): `r` is then 0 and R statistics skip it. */
  rKnown: boolean;
  maeR: number | null;
  mfeR: number | null;
  openedAt: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Analytics reads for one user's account. */
export class JournalAnalytics {
  constructor(private readonly sql: Sql) {}

  private async closed(userId: number, f: JournalFilter): Promise<ClosedRow[]> {
    const w = journalWhere(userId, f, true);
    const rows = await this.sql.query(
      `SELECT t.id, t.symbol, t.side, t.setup, t.tags, t.net_pnl, t.r_multiple, t.mae_r, t.mfe_r, t.opened_at,
              t.closed_at
         FROM trades t JOIN accounts a ON a.id = t.account_id WHERE ${w.sql} ORDER BY t.closed_at, t.id`,
      w.params,
    );
    return rows.map((r) => ({
      id: toInt(r.id),
      r: Number(r.r_multiple ?? 0),
      rKnown: r.r_multiple !== null && r.r_multiple !== undefined,
      netPnl: toAtoms(String(r.net_pnl ?? '0')),
      closedAt: toMs(r.closed_at),
      symbol: String(r.symbol),
      side: r.side === 'sell' ? 'sell' : 'buy',
      setup: r.setup === null || r.setup === undefined ? null : String(r.setup),
      tags: ((r.tags ?? []) as unknown[]).map(String),
      maeR: num(r.mae_r),
      mfeR: num(r.mfe_r),
      openedAt: toMsOrNull(r.opened_at),
    }));
  }

  /**
   * Groups by `by` with trades, wins, losses, win rate, net P&L (decimal text) over every trade, and total and
   * expectancy in R over the group's `rTrades` trades whose R is known.
   */
  async breakdown(userId: number, f: JournalFilter, by: BreakdownDimension): Promise<Record<string, unknown>> {
    const trades = await this.closed(userId, f);
    const groups = breakdown(trades, by);
    const known = trades.filter((t) => t.rKnown);
    const inR = new Map(
      (known.length === trades.length ? groups : breakdown(known, by)).map((g) => [g.key, g] as const),
    );
    return {
      by,
      groups: groups.map((g) => {
        const r = inR.get(g.key);
        return {
          ...g,
          rTrades: r?.trades ?? 0,
          totalR: r?.totalR ?? 0,
          expectancyR: r?.expectancyR ?? 0,
          netPnl: formatAtoms(g.netPnl),
        };
      }),
    };
  }

  /** The R histogram in buckets of `width` R (see `rDistribution`) and every known R in close order. */
  async rDistribution(userId: number, f: JournalFilter, width: number): Promise<Record<string, unknown>> {
    const trades = (await this.closed(userId, f)).filter((t) => t.rKnown);
    return {
      trades: trades.length,
      ...rDistribution(
        trades.map((t) => t.r),
        width,
      ),
    };
  }

  /**
   * Per closed trade whose R is known, in close order: R, MAE and MFE in R, holding time in seconds, side, symbol,
   * setup.
   */
  async excursions(userId: number, f: JournalFilter): Promise<Record<string, unknown>> {
    const trades = (await this.closed(userId, f)).filter((t) => t.rKnown);
    return {
      trades: trades.map((t) => ({
        id: t.id,
        r: t.r,
        maeR: t.maeR,
        mfeR: t.mfeR,
        holdingSeconds: t.openedAt === null ? null : Math.max(0, Math.round((t.closedAt - t.openedAt) / 1000)),
        side: t.side,
        symbol: t.symbol,
        setup: t.setup,
        closedAt: new Date(t.closedAt).toISOString(),
      })),
    };
  }

  /** Net P&L, R and counts per UTC day of exit (days with trades only), for a calendar heat map. */
  async daily(userId: number, f: JournalFilter): Promise<Record<string, unknown>> {
    const days = dailyStats(await this.closed(userId, f), 0n);
    return {
      days: days.map((d) => ({
        day: d.day,
        trades: d.trades,
        wins: d.wins,
        losses: d.losses,
        netPnl: formatAtoms(d.netPnl),
        r: d.r,
      })),
    };
  }
}
