/**
 * The Trades page's server state: the filtered trade list (`GET /trades`, at most {@link LIST_LIMIT} rows: the API
 * does not page, the table pages on the client), one trade with its orders, fills and decisions
 * (`GET /trades/:id`), the journal edit (`PATCH /trades/:id`), the candles around a trade (`GET /candles`) and the
 * journal entries linked to it. Shapes follow the routes' response schemas (src/server/*-routes.ts).
 */
import type { Bar } from '@/api/types';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLiveEvent } from '@/api/live';
import { toApiQuery, type JournalFilter } from '@/features/overview/filters';
import { getJson, sendJson } from '@/features/overview/http';
import { journalKeys } from '@/features/overview/api';

/** Most trades the list asks for (the route's maximum). */
export const LIST_LIMIT = 1000;

/** A trade as `GET /trades` lists it. Money, prices and quantities are decimal text; R are numbers. */
export interface TradeRow {
  id: number;
  symbol: string;
  side: 'buy' | 'sell';
  /** `rejected`: a venue refused the entry of a live trade. */
  status: 'pending' | 'open' | 'closed' | 'cancelled' | 'rejected';
  entryType: 'market' | 'limit';
  /** Limit price, or the reference price of a market entry. */
  entryPrice: string;
  /** Initial stop-loss; null for a trade imported from a venue's history (its stop is unknown). */
  stopLoss: string | null;
  /** Initial take-profit. */
  takeProfit: string | null;
  qty: string;
  setup: string | null;
  tags: string[];
  notes: string | null;
  submittedAt: string;
  openedAt: string | null;
  entryFillPrice: string | null;
  closedAt: string | null;
  exitPrice: string | null;
  exitReason: 'stop' | 'target' | 'manual' | null;
  grossPnl: string | null;
  fees: string | null;
  netPnl: string | null;
  initialRisk: string | null;
  rMultiple: number | null;
  maeR: number | null;
  mfeR: number | null;
  holdingMs: number | null;
  /** The exchange connection a live trade went through; null or absent for the paper account. */
  connectionId?: number | null;
  /** Where the trade came from (a Desk/API submission, or a history import), when the server says. */
  source?: string | null;
}

/** One verdict of a rule in a decision. */
export interface Verdict {
  rule: string;
  passed: boolean;
  code: string;
  message: string;
}

/** A decision about a trade: its submission, or a later change (move-stop, breakeven, close, …). */
export interface TradeDecision {
  id: number;
  /** `venue`: what a venue answered (a refusal, a fill); `reconcile`: a repair after comparing with the venue. */
  kind: 'submit' | 'move-stop' | 'move-target' | 'breakeven' | 'partial-close' | 'close' | 'venue' | 'reconcile';
  createdAt: string | null;
  marketTime: string;
  approved: boolean;
  input: Record<string, unknown>;
  verdicts: Verdict[];
  sizing: Record<string, unknown> | null;
  change: Record<string, unknown> | null;
}

/** An order leg of a trade. */
export interface TradeOrder {
  id: number;
  leg: 'entry' | 'stop' | 'target' | 'manual' | 'partial';
  type: 'market' | 'limit' | 'stop-market';
  side: 'buy' | 'sell';
  price: string | null;
  qty: string;
  reduceOnly: boolean;
  oco: boolean;
  status: 'held' | 'open' | 'filled' | 'cancelled' | 'rejected';
  updatedAt: string | null;
  /** Live trades: the order's id on the venue as Testudo named it. */
  clientOrderId?: string | null;
  /** Quantity filled so far (decimal text). */
  filledQty?: string | null;
}

/** A fill of a trade's order. */
export interface TradeFill {
  id: number;
  orderId: number;
  price: string;
  qty: string;
  fee: string;
  liquidity: 'maker' | 'taker';
  filledAt: string;
}

/** `GET /trades/:id`. */
export interface TradeDetail extends TradeRow {
  currentStopLoss: string | null;
  currentTakeProfit: string | null;
  openQty: string;
  decisions: TradeDecision[];
  orders: TradeOrder[];
  fills: TradeFill[];
}

/** Body of `PATCH /trades/:id` (null clears setup or notes; tags replace). */
export interface TradeEdit {
  setup?: string | null;
  tags?: string[];
  notes?: string | null;
}

/** One bar of `GET /candles` (time: open, epoch seconds; OHLCV decimal text). */
export type { Bar };

/** A journal entry as the trade panel lists it. */
export interface LinkedEntry {
  id: number;
  title: string;
  collection: string | null;
  createdAt: string;
}

/** Query keys of trades. */
export const tradeKeys = {
  all: ['trades'] as const,
  list: (f: JournalFilter) => ['trades', 'list', f] as const,
  one: (id: number) => ['trades', 'one', id] as const,
};

/** The filtered trades, newest first (up to {@link LIST_LIMIT}). */
export function useTrades(f: JournalFilter) {
  return useQuery({
    queryKey: tradeKeys.list(f),
    queryFn: async () =>
      (await getJson<{ trades: TradeRow[] }>('/api/v1/trades', { ...toApiQuery(f), limit: LIST_LIMIT })).trades,
  });
}

/** One trade with its orders, fills and decisions. */
export function useTrade(id: number | null) {
  return useQuery({
    queryKey: tradeKeys.one(id ?? 0),
    queryFn: () => getJson<TradeDetail>(`/api/v1/trades/${id}`),
    enabled: id !== null,
  });
}

/** Edits a trade's setup, tags and notes; refreshes the trade, the list and the journal's analytics. */
export function useEditTrade(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (edit: TradeEdit) => sendJson<TradeDetail>('PATCH', `/api/v1/trades/${id}`, edit),
    onSuccess: (t) => {
      qc.setQueryData(tradeKeys.one(id), t);
      void qc.invalidateQueries({ queryKey: ['trades', 'list'] });
      void qc.invalidateQueries({ queryKey: journalKeys.all });
    },
  });
}

/** Bars of `symbol` at `timeframe` opening in [from, to) (epoch seconds), the newest `limit`. */
export function useCandles(symbol: string | undefined, timeframe: string, from: number, to: number, limit = 500) {
  return useQuery({
    queryKey: ['candles', symbol, timeframe, from, to, limit],
    queryFn: async () =>
      (
        await getJson<{ bars: Bar[] }>('/api/v1/candles', {
          symbol,
          timeframe,
          from: String(from),
          to: String(to),
          limit,
        })
      ).bars,
    enabled: Boolean(symbol),
    staleTime: 60_000,
  });
}

/** Journal entries linked to trade `id` (newest first). */
export function useLinkedEntries(id: number | null) {
  return useQuery({
    queryKey: ['entries', 'trade', id],
    queryFn: async () =>
      (await getJson<{ entries: LinkedEntry[] }>('/api/v1/journal/entries', { tradeId: id ?? undefined, limit: 50 }))
        .entries,
    enabled: id !== null,
  });
}

/** Refetches trades when one is submitted, an order changes or fills, a position changes or a trade closes. */
export function useTradesLiveRefresh(): void {
  const qc = useQueryClient();
  useLiveEvent(['decision', 'order', 'fill', 'position', 'trade-closed'], () => {
    void qc.invalidateQueries({ queryKey: tradeKeys.all });
  });
}
