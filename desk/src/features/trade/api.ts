/**
 * Server state of the Trade page: instruments, chartable symbols, chart bars, the replay, sizing previews and
 * placing a trade. Calls go through the typed client (paths, parameters and bodies checked against the generated
 * OpenAPI types); each reply is assigned to the narrow interface the page uses, so TypeScript checks that the
 * server's declared response schema provides every field read here (no cast).
 */
import type { CandleBar } from '@/api/types';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '@/api/client';
import type { paths } from '@/api/schema';

/** A timeframe as the candles route takes it. */
export type Timeframe = NonNullable<paths['/api/v1/candles']['get']['parameters']['query']>['timeframe'];

/** An instrument (`GET /instruments`): grid, minimums, fees (fractions) and the feed's last price. */
export interface Instrument {
  symbol: string;
  base: string;
  quote: string;
  tickSize: string;
  lotSize: string;
  minQty: string;
  minNotional: string;
  makerFee: string;
  takerFee: string;
  lastPrice: string | null;
}

/** A chartable symbol (`GET /market/symbols`). */
export interface MarketSymbol {
  symbol: string;
  feed: 'replay' | 'live' | null;
  feedTimeframe: string | null;
  lastPrice: string | null;
  tradable: boolean;
  timeframes: string[];
}

/** One chart bar (`GET /candles`). */
export type ChartBar = CandleBar;

/** Reply of `GET /candles`. */
export interface CandlesReply {
  symbol: string;
  timeframe: string;
  feed: 'replay' | 'live' | null;
  feedTime: number | null;
  bars: ChartBar[];
  more: boolean;
}

/** The replay's state (`GET /replay`, `replay` events). */
export interface ReplayView {
  symbol: string;
  timeframe: string;
  index: number;
  total: number;
  paused: boolean;
  speed: number;
  time: string | null;
  done: boolean;
  lastPrice: string | null;
}

/** A protocol rule's verdict. */
export interface Verdict {
  rule: string;
  passed: boolean;
  code: string;
  message: string;
}

/** The sizing part of a preview (decimal strings in quote currency; `riskPct` in percent of equity). */
export interface Sizing {
  ok: boolean;
  code?: string;
  entryPrice: string;
  requestedRiskPct: string;
  rewardRisk: number | null;
  budget: string;
  lossPerUnit: string | null;
  equity: string;
  qty: string;
  notional?: string;
  entryFee?: string;
  stopFee?: string;
  risk?: string;
  riskPct?: string;
  margin?: string;
  cappedBy?: string | null;
  rewardAtTarget?: string | null;
}

/** Reply of `POST /sizing`. */
export interface Preview {
  approved: boolean;
  verdicts: Verdict[];
  failed: Verdict[];
  sizing: Sizing;
}

/** Body of `POST /sizing` and `POST /trades` (`connectionId`: through that exchange connection; absent: paper). */
export interface SetupBody {
  connectionId?: number;
  symbol: string;
  side: 'buy' | 'sell';
  entryType: 'market' | 'limit';
  entryPrice?: string;
  stopLoss: string;
  takeProfit: string;
  riskPct?: string;
  setup?: string;
  tags?: string[];
  notes?: string;
}

/** Reply of an accepted `POST /trades` (201). */
export interface Placed {
  decision: { id: number; approved: boolean };
  trade: { id: number; status: string; qty: string; symbol: string; side: string };
}

/** Query keys of this feature. */
export const keys = {
  instruments: ['instruments'] as const,
  symbols: ['market-symbols'] as const,
  candles: (symbol: string, tf: string) => ['candles', symbol, tf] as const,
  replay: ['replay'] as const,
};

/** The instruments. */
export function useInstruments() {
  return useQuery({
    queryKey: keys.instruments,
    queryFn: async (): Promise<Instrument[]> => await unwrap(api.GET('/api/v1/instruments')),
    staleTime: 60_000,
  });
}

/** Chartable symbols; null when the server has no `GET /market/symbols` (the page falls back to instruments). */
export function useMarketSymbols() {
  return useQuery({
    queryKey: keys.symbols,
    queryFn: async () => {
      try {
        const r: { symbols: MarketSymbol[] } = await unwrap(api.GET('/api/v1/market/symbols'));
        return r.symbols;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

/** Number of bars the chart loads. */
export const CHART_BARS = 500;

/** The newest bars of `symbol` at `timeframe`; null when the server has no candles endpoint. */
export function useCandles(symbol: string | null, timeframe: string) {
  return useQuery({
    queryKey: keys.candles(symbol ?? '', timeframe),
    enabled: Boolean(symbol),
    staleTime: Infinity,
    queryFn: async () => {
      try {
        const r: CandlesReply = await unwrap(
          api.GET('/api/v1/candles', {
            params: { query: { symbol: symbol!, timeframe: timeframe as Timeframe, limit: CHART_BARS } },
          }),
        );
        return r;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && e.code !== 'unknown-symbol') return null;
        throw e;
      }
    },
  });
}

/** The replay's state; null when the feed is not a replay. */
export function useReplay() {
  return useQuery({
    queryKey: keys.replay,
    queryFn: async () => {
      try {
        const r: ReplayView = await unwrap(api.GET('/api/v1/replay'));
        return r;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
}

/** Replay controls (admins only; the server answers 403 to others). */
export const replayControl = {
  pause: (): Promise<ReplayView> => unwrap(api.POST('/api/v1/replay/pause')),
  resume: (): Promise<ReplayView> => unwrap(api.POST('/api/v1/replay/resume')),
  step: (bars = 1): Promise<ReplayView> => unwrap(api.POST('/api/v1/replay/step', { body: { bars } })),
  seek: (time: string): Promise<ReplayView> => unwrap(api.POST('/api/v1/replay/seek', { body: { time } })),
  speed: (barsPerSecond: number): Promise<ReplayView> =>
    unwrap(api.PUT('/api/v1/replay/speed', { body: { barsPerSecond } })),
};

/** `POST /sizing`: the preview of a setup (aborted by `signal` when superseded). */
export async function previewSetup(body: SetupBody, signal?: AbortSignal): Promise<Preview> {
  const r: Preview = await unwrap(api.POST('/api/v1/sizing', { body, ...(signal ? { signal } : {}) }));
  return r;
}

/**
 * `POST /trades` with an Idempotency-Key (so a retried confirmation never places twice).
 * @throws ApiError `rule-rejected` (422, with `rules`) when the protocol refuses it; `venue-rejected` (422; the
 * message is the venue's reason, `body.error.venueCode` its code) when the venue refuses the order; `venue-paused`
 * while the connection's breaker is open; or any other API error.
 */
export async function placeTrade(body: SetupBody, idempotencyKey: string): Promise<Placed> {
  const r: Placed = await unwrap(api.POST('/api/v1/trades', { body, headers: { 'Idempotency-Key': idempotencyKey } }));
  return r;
}
