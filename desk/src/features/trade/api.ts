/**
 * Server state of the Trade page: instruments, chartable symbols, chart bars, the replay, sizing previews and
 * placing a trade. Replies are narrowed here to the shapes the server documents (src/server/trade-routes.ts,
 * market-routes.ts, replay-routes.ts); routes whose reply is not typed in the generated schema yet go through
 * {@link getJson}/{@link sendJson}, and this file is the only place that casts.
 */
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '@/api/client';

type Result = Promise<{ data?: unknown; error?: unknown; response: Response }>;
interface UntypedClient {
  GET(path: string, init?: { params?: { query?: Record<string, string | number> }; signal?: AbortSignal }): Result;
  POST(path: string, init?: { body?: unknown; signal?: AbortSignal; headers?: Record<string, string> }): Result;
  PUT(path: string, init?: { body?: unknown }): Result;
}
const raw = api as unknown as UntypedClient;

/** `GET path?query` as `T`. @throws ApiError on a non-2xx answer or when the server is unreachable. */
export function getJson<T>(path: string, query?: Record<string, string | number>, signal?: AbortSignal): Promise<T> {
  return unwrap(raw.GET(path, { params: { query: query ?? {} }, ...(signal ? { signal } : {}) })) as Promise<T>;
}

/** `POST|PUT path` with a JSON body as `T`. @throws ApiError as {@link getJson}. */
export function sendJson<T>(
  method: 'POST' | 'PUT',
  path: string,
  body?: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  return unwrap(
    method === 'POST' ? raw.POST(path, { body: body ?? {}, ...init }) : raw.PUT(path, { body }),
  ) as Promise<T>;
}

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
export interface ChartBar {
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  complete?: boolean;
}

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

/** Body of `POST /sizing` and `POST /trades`. */
export interface SetupBody {
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
    queryFn: async () => (await getJson<Instrument[]>('/api/v1/instruments')) ?? [],
    staleTime: 60_000,
  });
}

/** Chartable symbols; null when the server has no `GET /market/symbols` (the page falls back to instruments). */
export function useMarketSymbols() {
  return useQuery({
    queryKey: keys.symbols,
    queryFn: async () => {
      try {
        return (await getJson<{ symbols: MarketSymbol[] }>('/api/v1/market/symbols')).symbols;
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
        return await getJson<CandlesReply>('/api/v1/candles', { symbol: symbol!, timeframe, limit: CHART_BARS });
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
        return await getJson<ReplayView>('/api/v1/replay');
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
}

/** Replay controls (admins only; the server answers 403 to others). */
export const replayControl = {
  pause: () => sendJson<ReplayView>('POST', '/api/v1/replay/pause'),
  resume: () => sendJson<ReplayView>('POST', '/api/v1/replay/resume'),
  step: (bars = 1) => sendJson<ReplayView>('POST', '/api/v1/replay/step', { bars }),
  seek: (time: string) => sendJson<ReplayView>('POST', '/api/v1/replay/seek', { time }),
  speed: (barsPerSecond: number) => sendJson<ReplayView>('PUT', '/api/v1/replay/speed', { barsPerSecond }),
};

/** `POST /sizing`: the preview of a setup (aborted by `signal` when superseded). */
export function previewSetup(body: SetupBody, signal?: AbortSignal): Promise<Preview> {
  return sendJson<Preview>('POST', '/api/v1/sizing', body, signal ? { signal } : {});
}

/**
 * `POST /trades` with an Idempotency-Key (so a retried confirmation never places twice).
 * @throws ApiError `rule-rejected` (422, with `rules`) when the protocol refuses it, or any other API error.
 */
export function placeTrade(body: SetupBody, idempotencyKey: string): Promise<Placed> {
  return sendJson<Placed>('POST', '/api/v1/trades', body, { headers: { 'Idempotency-Key': idempotencyKey } });
}
