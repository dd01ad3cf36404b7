/**
 * Row → JSON views served by the API. Every money, price and quantity field is decimal text (never a float);
 * R-multiples and ratios are numbers.
 */
import type { Row } from '../db/sql.ts';
import { toInt, toMs, toMsOrNull } from '../db/sql.ts';

/** Trims a NUMERIC column's trailing zeros: "100.500000" → "100.5"; null stays null. */
export function dec(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Like {@link dec} for a NOT NULL column. */
export function dec0(v: unknown): string {
  return dec(v) ?? '0';
}

const iso = (v: unknown): string | null => {
  const ms = toMsOrNull(v);
  return ms === null ? null : new Date(ms).toISOString();
};

/** A trade as served by `GET /api/v1/trades/:id`. */
export function tradeView(r: Row): Record<string, unknown> {
  const opened = toMsOrNull(r.opened_at);
  const closed = toMsOrNull(r.closed_at);
  return {
    id: toInt(r.id),
    accountId: toInt(r.account_id),
    // null for a trade imported from a venue's history (no decision, stop or planned risk: R unknown)
    decisionId: r.decision_id === null || r.decision_id === undefined ? null : toInt(r.decision_id),
    symbol: r.symbol,
    side: r.side,
    status: r.status,
    entryType: r.entry_type,
    entryPrice: dec(r.entry_price),
    stopLoss: dec(r.stop_price),
    takeProfit: dec(r.target_price),
    qty: dec(r.qty),
    requestedRiskPct: dec(r.risk_pct),
    plannedRisk: dec(r.planned_risk),
    margin: dec(r.margin),
    setup: r.setup ?? null,
    tags: r.tags ?? [],
    notes: r.notes ?? null,
    submittedAt: iso(r.submitted_at),
    createdAt: iso(r.created_at),
    openedAt: iso(r.opened_at),
    entryFillPrice: dec(r.entry_fill_price),
    entryFee: dec(r.entry_fee),
    closedAt: iso(r.closed_at),
    exitPrice: dec(r.exit_fill_price),
    exitFee: dec(r.exit_fee),
    exitReason: r.exit_reason ?? null,
    grossPnl: dec(r.gross_pnl),
    fees: dec(r.fees),
    netPnl: dec(r.net_pnl),
    initialRisk: dec(r.initial_risk),
    rMultiple: r.r_multiple === null || r.r_multiple === undefined ? null : Number(r.r_multiple),
    maeR: r.mae_r === null || r.mae_r === undefined ? null : Number(r.mae_r),
    mfeR: r.mfe_r === null || r.mfe_r === undefined ? null : Number(r.mfe_r),
    holdingMs: opened !== null && closed !== null ? closed - opened : null,
    connectionId: r.connection_id === null || r.connection_id === undefined ? null : toInt(r.connection_id),
    source: r.source ?? 'testudo',
    venueError: r.venue_error ?? null,
  };
}

/** An order leg as served inside a trade. */
export function orderView(r: Row): Record<string, unknown> {
  return {
    id: toInt(r.id),
    tradeId: toInt(r.trade_id),
    leg: r.leg,
    type: r.type,
    side: r.side,
    price: dec(r.price),
    qty: dec(r.qty),
    reduceOnly: r.reduce_only,
    oco: r.oco,
    status: r.status,
    updatedAt: iso(r.updated_at),
    clientOrderId: r.client_order_id ?? null,
    venueOrderId: r.venue_order_id ?? null,
    filledQty: dec(r.filled_qty) ?? '0',
  };
}

/** A fill as served inside a trade. */
export function fillView(r: Row): Record<string, unknown> {
  return {
    id: toInt(r.id),
    orderId: toInt(r.order_id),
    tradeId: toInt(r.trade_id),
    price: dec(r.price),
    qty: dec(r.qty),
    fee: dec(r.fee),
    liquidity: r.liquidity,
    filledAt: iso(r.filled_at),
  };
}

/** A persisted decision as served by `GET /api/v1/decisions`. */
export function decisionView(r: Row): Record<string, unknown> {
  return {
    id: toInt(r.id),
    createdAt: iso(r.created_at),
    marketTime: new Date(toMs(r.market_time)).toISOString(),
    symbol: r.symbol,
    side: r.side,
    approved: r.approved,
    input: r.input,
    verdicts: r.verdicts,
    sizing: r.sizing,
    tradeId: r.trade_id === null || r.trade_id === undefined ? null : toInt(r.trade_id),
  };
}
