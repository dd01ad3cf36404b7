/**
 * Journal queries: closed trades filtered by date range, symbol, setup and tag, turned into statistics in R
 * (see `src/core/journal/stats.ts` for the definitions), the equity curve and daily results.
 */
import type { Sql } from '../db/sql.ts';
import { toMs } from '../db/sql.ts';
import { formatAtoms, ratio, toAtoms } from '../core/money/decimal.ts';
import { dailyStats, equityCurve, journalStats, type ClosedTradeForStats } from '../core/journal/stats.ts';
import { NotFoundError } from './errors.ts';
import { tradeView } from './views.ts';

/** Filters of the journal. Times are ISO 8601; `to` is exclusive; a bare date means 00:00 UTC. */
export interface JournalFilter {
  from?: string | undefined;
  to?: string | undefined;
  symbol?: string | undefined;
  setup?: string | undefined;
  tag?: string | undefined;
  status?: string | undefined;
  limit?: number | undefined;
}

/**
 * The SQL condition (over `trades t JOIN accounts a`) and parameters of a journal filter for one user: closed trades
 * by close time when `closedOnly`, otherwise any status by submission time.
 */
export function journalWhere(
  userId: number,
  f: JournalFilter,
  closedOnly: boolean,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [userId];
  const parts = ['a.user_id = $1'];
  const add = (cond: string, v: unknown): void => {
    params.push(v);
    parts.push(cond.replace('?', `$${params.length}`));
  };
  if (closedOnly) parts.push(`t.status = 'closed'`);
  else if (f.status) add('t.status = ?', f.status);
  const timeCol = closedOnly ? 't.closed_at' : 't.submitted_at';
  if (f.from) add(`${timeCol} >= ?`, new Date(f.from));
  if (f.to) add(`${timeCol} < ?`, new Date(f.to));
  if (f.symbol) add('t.symbol = ?', f.symbol);
  if (f.setup) add('t.setup = ?', f.setup);
  if (f.tag) add('? = ANY(t.tags)', f.tag);
  return { sql: parts.join(' AND '), params };
}

/** Journal reads for one user's account. */
export class JournalService {
  constructor(private readonly sql: Sql) {}

  private async startEquity(userId: number): Promise<{ start: bigint; balance: bigint; createdAt: number }> {
    const [a] = await this.sql.query(
      'SELECT initial_balance, balance, created_at FROM accounts WHERE user_id = $1 ORDER BY id LIMIT 1',
      [userId],
    );
    if (!a) throw new NotFoundError('account-not-found', 'this user has no trading account');
    return {
      start: toAtoms(String(a.initial_balance)),
      balance: toAtoms(String(a.balance)),
      createdAt: toMs(a.created_at),
    };
  }

  /**
   * The filtered closed trades in close order. `r` is 0 for a trade whose R is unknown (imported from a venue's
   * history without a stop), and `rKnown` says which.
   */
  private async closed(userId: number, f: JournalFilter): Promise<(ClosedTradeForStats & { rKnown: boolean })[]> {
    const w = journalWhere(userId, f, true);
    const rows = await this.sql.query(
      `SELECT t.net_pnl, t.r_multiple, t.closed_at FROM trades t JOIN accounts a ON a.id = t.account_id
        WHERE ${w.sql} ORDER BY t.closed_at, t.id`,
      w.params,
    );
    return rows.map((r) => ({
      netPnl: toAtoms(String(r.net_pnl)),
      r: r.r_multiple === null || r.r_multiple === undefined ? 0 : Number(r.r_multiple),
      rKnown: r.r_multiple !== null && r.r_multiple !== undefined,
      closedAt: toMs(r.closed_at),
    }));
  }

  /**
   * Statistics over the filtered closed trades; money as decimal text. Counts, win rate and P&L cover every trade;
   * the R statistics (average win and loss, expectancy, SQN, total and drawdown in R) only the `rTrades` trades whose
   * R is known (an imported trade without a stop has none).
   */
  async stats(userId: number, f: JournalFilter): Promise<Record<string, unknown>> {
    const { start } = await this.startEquity(userId);
    const all = await this.closed(userId, f);
    const s = journalStats(all, { startEquity: start });
    const known = all.filter((t) => t.rKnown);
    const r = known.length === all.length ? s : journalStats(known);
    return {
      filter: f,
      trades: s.trades,
      wins: s.wins,
      losses: s.losses,
      breakeven: s.breakeven,
      winRate: s.winRate,
      rTrades: known.length,
      avgWinR: r.avgWinR,
      avgLossR: r.avgLossR,
      expectancyR: r.expectancyR,
      sqn: r.sqn,
      profitFactor: s.profitFactor,
      totalR: r.totalR,
      grossProfit: formatAtoms(s.grossProfit),
      grossLoss: formatAtoms(s.grossLoss),
      netPnl: formatAtoms(s.netPnl),
      maxDrawdown: formatAtoms(s.maxDrawdown),
      maxDrawdownPct: s.maxDrawdownPct === null ? null : s.maxDrawdownPct * 100,
      maxDrawdownR: r.maxDrawdownR,
      longestLosingStreak: s.longestLosingStreak,
      longestWinningStreak: s.longestWinningStreak,
    };
  }

  /** The equity curve (one point per closed trade, after the account's start) and daily results. */
  async equity(userId: number): Promise<Record<string, unknown>> {
    const { start, balance, createdAt } = await this.startEquity(userId);
    const trades = await this.closed(userId, {});
    const first = trades[0]?.closedAt;
    const curve = equityCurve(start, trades, first === undefined ? createdAt : Math.min(createdAt, first));
    return {
      startEquity: formatAtoms(start),
      balance: formatAtoms(balance),
      curve: curve.map((p) => ({
        time: new Date(p.time).toISOString(),
        equity: formatAtoms(p.equity),
        drawdown: formatAtoms(p.drawdown),
        // the underwater curve: percent below the running peak (null while the peak is not positive)
        drawdownPct: p.peak > 0n ? ratio(p.drawdown, p.peak) * 100 : null,
      })),
      daily: dailyStats(trades, start).map((d) => ({
        day: d.day,
        trades: d.trades,
        wins: d.wins,
        losses: d.losses,
        netPnl: formatAtoms(d.netPnl),
        r: d.r,
        endEquity: formatAtoms(d.endEquity),
        returnPct: d.returnPct === null ? null : d.returnPct * 100,
      })),
    };
  }

  /** Trades (any status) matching the filter, newest first. */
  async list(userId: number, f: JournalFilter): Promise<Record<string, unknown>[]> {
    const w = journalWhere(userId, f, false);
    w.params.push(f.limit ?? 100);
    const rows = await this.sql.query(
      `SELECT t.* FROM trades t JOIN accounts a ON a.id = t.account_id WHERE ${w.sql} ORDER BY t.id DESC LIMIT $${w.params.length}`,
      w.params,
    );
    return rows.map(tradeView);
  }
}
