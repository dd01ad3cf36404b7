/**
 * Trading reads: one trade with everything the Desk's trade panel shows (orders, fills, every decision about it,
 * current stop/target/size), open positions with their mark price and unrealized P&L in quote currency and in R,
 * and the decision log.
 */
import type { Row } from '../../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../../db/sql.ts';
import { lotsToQty, ticksToPrice } from '../../core/instruments/instrument.ts';
import { FRACTION_SCALE, formatAtoms } from '../../core/money/decimal.ts';
import { initialRisk } from '../../core/execution/bracket.ts';
import { NotFoundError } from '../errors.ts';
import { dec, fillView, orderView, tradeView } from '../views.ts';
import type { ActiveTrade, TradingState } from './state.ts';

/** `atoms ÷ risk` as an R-multiple (8 decimals, truncated toward zero, as the journal stores R); null without risk. */
export function toR(atoms: bigint, risk: bigint): number | null {
  return risk > 0n ? Number((atoms * FRACTION_SCALE) / risk) / 1e8 : null;
}

const iso = (v: unknown): string | null => {
  const ms = toMsOrNull(v);
  return ms === null ? null : new Date(ms).toISOString();
};

/**
 * A decision as the log serves it: `kind` (`submit`, `move-stop`, `move-target`, `breakeven`, `partial-close`,
 * `close`), the inputs, every verdict, the sizing of a submission (null for other kinds), the requested change and
 * its result for other kinds (null for a submission), and the trade it opened or was about.
 * Reads the row's `trade_ref` (the trade's id) when the query provides it, else `trade_id`.
 */
export function decisionLogView(r: Row): Record<string, unknown> {
  const kind = (r.kind as string | undefined) ?? 'submit';
  const ref = r.trade_ref !== undefined ? r.trade_ref : r.trade_id;
  return {
    id: toInt(r.id),
    kind,
    createdAt: iso(r.created_at),
    marketTime: new Date(toMs(r.market_time)).toISOString(),
    symbol: r.symbol,
    side: r.side,
    approved: r.approved,
    input: r.input,
    verdicts: r.verdicts,
    sizing: kind === 'submit' ? r.sizing : null,
    change: r.change ?? null,
    tradeId: ref === null || ref === undefined ? null : toInt(ref),
  };
}

/**
 * Trade fields beyond the journal's view: the current stop, target and open size (the initial ones are
 * `stopLoss`, `takeProfit`, `qty`), the excursions as price distances (null until the entry fills), and for an open
 * trade its initial risk.
 */
function managementFields(st: TradingState, r: Row, active: ActiveTrade | undefined): Record<string, unknown> {
  const status = String(r.status);
  const spec = st.instruments.get(String(r.symbol))?.spec;
  const b = active?.bracket;
  const filled = r.entry_fill_price !== null && r.entry_fill_price !== undefined && spec !== undefined;
  const excursion = (live: bigint | undefined, stored: unknown): string | null =>
    filled ? ticksToPrice(spec, live ?? BigInt(String(stored).split('.')[0]!)) : null;
  const out: Record<string, unknown> = {
    currentStopLoss: dec(r.current_stop_price ?? r.stop_price),
    currentTakeProfit: dec(r.current_target_price ?? r.target_price),
    openQty: status === 'open' || status === 'pending' ? dec(r.open_qty ?? r.qty) : '0',
    maeDistance: excursion(b?.maeTicks, r.mae_ticks),
    mfeDistance: excursion(b?.mfeTicks, r.mfe_ticks),
  };
  if (active && b!.status === 'open' && b!.entry) out.initialRisk = formatAtoms(initialRisk(b!, active.spec));
  return out;
}

/** The trade row `tradeId` of `userId`. @throws NotFoundError `trade-not-found` when unknown or another user's. */
export async function tradeRow(st: TradingState, userId: number, tradeId: number): Promise<Row> {
  const [row] = await st.sql.query(
    'SELECT t.* FROM trades t JOIN accounts a ON a.id = t.account_id WHERE t.id = $1 AND a.user_id = $2',
    [tradeId, userId],
  );
  if (!row) throw new NotFoundError('trade-not-found', `no trade ${tradeId}`);
  return row;
}

/**
 * One trade with its orders, fills and every decision about it (the submission first), current stop, target and
 * open size. @throws NotFoundError `trade-not-found` when unknown or not the user's.
 */
export async function getTrade(st: TradingState, userId: number, tradeId: number): Promise<Record<string, unknown>> {
  const row = await tradeRow(st, userId, tradeId);
  const [orders, fills, decisions] = await Promise.all([
    st.sql.query('SELECT * FROM orders WHERE trade_id = $1 ORDER BY id', [tradeId]),
    st.sql.query('SELECT * FROM fills WHERE trade_id = $1 ORDER BY id', [tradeId]),
    st.sql.query(
      `SELECT d.*, $1::bigint AS trade_ref FROM decisions d
        WHERE d.id = $2 OR (d.trade_id = $1 AND d.account_id = $3) ORDER BY d.id`,
      [tradeId, toInt(row.decision_id), toInt(row.account_id)],
    ),
  ]);
  return {
    ...tradeView(row),
    ...managementFields(st, row, st.active.get(tradeId)),
    orders: orders.map(orderView),
    fills: fills.map(fillView),
    decisions: decisions.map(decisionLogView),
  };
}

/**
 * Open positions with their mark price, unrealized P&L of the open size at the mark (quote currency, before the
 * exit fee) and in R (÷ the initial risk), current stop, target and open size, and the trade's orders.
 */
export async function positions(st: TradingState, userId: number): Promise<Record<string, unknown>[]> {
  const rows = await st.sql.query(
    `SELECT t.* FROM trades t JOIN accounts a ON a.id = t.account_id
      WHERE a.user_id = $1 AND t.status = 'open' ORDER BY t.id`,
    [userId],
  );
  if (rows.length === 0) return [];
  const orders = await st.sql.query('SELECT * FROM orders WHERE trade_id = ANY($1) ORDER BY id', [
    rows.map((r) => toInt(r.id)),
  ]);
  return rows.map((r) => {
    const id = toInt(r.id);
    const active = st.active.get(id);
    const last = st.feed?.lastPrice(String(r.symbol));
    let unrealized: bigint | null = null;
    let risk = 0n;
    if (active && active.bracket.entry && last !== undefined) {
      const b = active.bracket;
      const mark = st.markTicks(active.spec)!;
      const dir = b.side === 'buy' ? 1n : -1n;
      unrealized = dir * (mark - b.entry!.price) * b.lots * active.spec.atomsPerTickLot;
      risk = initialRisk(b, active.spec);
    }
    return {
      ...tradeView(r),
      ...managementFields(st, r, active),
      openQty: active ? lotsToQty(active.spec, active.bracket.lots) : dec(r.open_qty ?? r.qty),
      markPrice: last ?? null,
      unrealizedPnl: unrealized === null ? null : formatAtoms(unrealized),
      unrealizedR: unrealized === null ? null : toR(unrealized, risk),
      orders: orders.filter((o) => toInt(o.trade_id) === id).map(orderView),
    };
  });
}

/** The user's decisions of every kind, newest first. */
export async function decisions(
  st: TradingState,
  userId: number,
  opts: { approved?: boolean | undefined; kind?: string | undefined; limit: number; before?: number | undefined },
): Promise<Record<string, unknown>[]> {
  const params: unknown[] = [userId, opts.limit];
  let where = 'a.user_id = $1';
  if (opts.approved !== undefined) {
    params.push(opts.approved);
    where += ` AND d.approved = $${params.length}`;
  }
  if (opts.kind !== undefined) {
    params.push(opts.kind);
    where += ` AND d.kind = $${params.length}`;
  }
  if (opts.before !== undefined) {
    params.push(opts.before);
    where += ` AND d.id < $${params.length}`;
  }
  const rows = await st.sql.query(
    `SELECT d.*, COALESCE(d.trade_id, t.id) AS trade_ref FROM decisions d JOIN accounts a ON a.id = d.account_id
      LEFT JOIN trades t ON t.decision_id = d.id WHERE ${where} ORDER BY d.id DESC LIMIT $2`,
    params,
  );
  return rows.map(decisionLogView);
}

/** Market time (ms) of the latest submission on `symbol`, or null: where a restarted replay resumes. */
export async function lastSubmission(st: TradingState, symbol: string): Promise<number | null> {
  const [r] = await st.sql.query('SELECT max(submitted_at) AS t FROM trades WHERE symbol = $1', [symbol]);
  return r && r.t !== null ? toMs(r.t) : null;
}
