/**
 * Server state of the Positions page: open positions (`GET /positions`), pending entries
 * (`GET /trades?status=pending`), the account's risk state (`GET /risk-profile`), and the management actions
 * (close, partial close, move stop, move target, breakeven). Calls go through the typed client; each reply is
 * assigned to the narrow interface the page reads, so TypeScript checks it against the server's declared response
 * schema (no cast). A refusal comes back as an ApiError `rule-rejected` with the failed `rules`.
 */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/api/client';

/** An order leg of a trade. */
export interface OrderLeg {
  id: number;
  leg: 'entry' | 'stop' | 'target' | 'partial' | 'exit' | string;
  type: string;
  side: string;
  price: string | null;
  qty: string;
  status: string;
  /** Live trades: the order's id on the venue as Testudo named it (`tdo<decision>e`, …). */
  clientOrderId?: string | null;
  /** Live trades: the venue's own order id. */
  venueOrderId?: string | null;
  /** Quantity filled so far (decimal text). */
  filledQty?: string | null;
}

/** An open position (decimal strings; R as a number). */
export interface Position {
  id: number;
  symbol: string;
  side: 'buy' | 'sell';
  status: string;
  entryType: string;
  entryFillPrice: string | null;
  /** Initial stop; null only for a position imported without a known stop. */
  stopLoss: string | null;
  takeProfit: string | null;
  currentStopLoss: string | null;
  currentTakeProfit: string | null;
  qty: string;
  openQty: string;
  markPrice: string | null;
  unrealizedPnl: string | null;
  unrealizedR: number | null;
  initialRisk?: string | null;
  plannedRisk: string | null;
  openedAt: string | null;
  setup: string | null;
  tags: string[];
  orders: OrderLeg[];
  /** The exchange connection the trade went through; null or absent for the paper account. */
  connectionId?: number | null;
}

/** A pending entry (a limit entry not filled yet), as the trade list serves it. */
export interface PendingTrade {
  id: number;
  symbol: string;
  side: 'buy' | 'sell';
  status: string;
  entryPrice: string | null;
  stopLoss: string | null;
  takeProfit: string | null;
  qty: string;
  plannedRisk: string | null;
  submittedAt: string | null;
  /** The exchange connection the trade went through; null or absent for the paper account. */
  connectionId?: number | null;
}

interface Clears {
  blocking: boolean;
  clearsAt: string | null;
  clearsBy: 'probe' | 'next-utc-day' | 'reset' | 'trades-closing' | 'time' | null;
}

/** Where each limit of the account stands (`GET /risk-profile` → `limits`). */
export interface RiskLimits {
  breaker: { state: 'closed' | 'open' | 'half-open' } & Clears;
  dailyLoss: { used: string; limit: string; limitPct: string } & Clears;
  drawdown: { fromPeak: string; limit: string; limitPct: string; peakEquity: string; haltedAt: string | null } & Clears;
  openRisk: { used: string; limit: string; limitPct: string } & Clears;
  openPositions: { used: number; max: number } & Clears;
  cooldown: { consecutiveLosses: number; lossStreakLimit: number; until: string | null } & Clears;
  halted: boolean;
  canTrade: boolean;
}

/** The parts of `GET /risk-profile` this page shows. */
export interface RiskReply {
  profile: { cooldownMinutes: number };
  state: { balance: string; peakEquity: string };
  limits?: RiskLimits;
}

/** Query keys (the Trade page invalidates `positions` and `risk-profile` after placing a trade). */
export const pkeys = {
  positions: ['positions'] as const,
  pending: ['trades', 'pending'] as const,
  risk: ['risk-profile'] as const,
};

/** Open positions. */
export function usePositions() {
  return useQuery({
    queryKey: pkeys.positions,
    queryFn: async () => {
      const r: { positions: Position[] } = await unwrap(api.GET('/api/v1/positions'));
      return r.positions;
    },
  });
}

/** Pending entries. */
export function usePending() {
  return useQuery({
    queryKey: pkeys.pending,
    queryFn: async () => {
      const r: { trades: PendingTrade[] } = await unwrap(
        api.GET('/api/v1/trades', { params: { query: { status: 'pending', limit: 100 } } }),
      );
      return r.trades;
    },
  });
}

/** The risk profile and state. */
export function useRisk() {
  return useQuery({
    queryKey: pkeys.risk,
    queryFn: async () => {
      const r: RiskReply = await unwrap(api.GET('/api/v1/risk-profile'));
      return r;
    },
  });
}

const at = (id: number) => ({ params: { path: { id } } });

/**
 * Management actions on a trade (`POST /trades/:id/close` with an optional `quantity`, `/stop`, `/target`,
 * `/breakeven`). Each throws ApiError: 422 `rule-rejected` with the failed `rules` (e.g. `stop-adds-risk`), 400
 * with field errors (`price-off-tick`), 404 `trade-not-found`, 409 `trade-not-active`.
 */
export const manage = {
  close: (id: number) => unwrap(api.POST('/api/v1/trades/{id}/close', { ...at(id), body: {} })),
  partial: (id: number, quantity: string) =>
    unwrap(api.POST('/api/v1/trades/{id}/close', { ...at(id), body: { quantity } })),
  stop: (id: number, price: string) => unwrap(api.POST('/api/v1/trades/{id}/stop', { ...at(id), body: { price } })),
  target: (id: number, price: string) => unwrap(api.POST('/api/v1/trades/{id}/target', { ...at(id), body: { price } })),
  breakeven: (id: number) => unwrap(api.POST('/api/v1/trades/{id}/breakeven', at(id))),
};
