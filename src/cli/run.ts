/**
 * `testudo run --strategy NAME|PATH --symbol S --timeframe T [--param k=v] [--account paper|<connection id>]`: a
 * strategy on the server's live or replayed feed, every order it places going through the server's submission path
 * (sizing from the stop, every rule, a bracket), so a strategy can never bypass the protocol.
 *
 * - A built-in NAME runs on the server (`POST /api/v1/strategy-runs`, host `server`); the command follows
 *   `WS /ws/strategies/:id` and prints its signals, decisions, orders and fills until Ctrl-C. The run keeps running
 *   on the server after Ctrl-C unless `--stop-on-exit` is given.
 * - A PATH module runs here, on the client: user code never goes to the server (the server would have to sandbox it;
 *   it does not run uploaded code). The command creates a run with host `client`, warms up from
 *   `GET /api/v1/candles`, follows the closed bars on `/ws` (`candle` events), evaluates the strategy on each with
 *   the live driver (`src/core/strategy/driver.ts`, the backtester's semantics) and posts what it asked for to the
 *   run: a signal, then each order (`/orders`, keyed by bar time and sequence) and close (`/close`). The server
 *   answers a repeat of (run, bar, sequence) with its stored answer, so `--resume ID` after a crash or Ctrl-C
 *   re-evaluates the bars after the run's cursor without ever doubling an order.
 */
import { createRequire } from 'node:module';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import { resolveParams } from '../core/backtest/params.ts';
import type { OpenTradeView, StrategyDefinition } from '../core/backtest/types.ts';
import type { Candle } from '../core/marketdata/candle.ts';
import { evaluateLatestBar } from '../core/strategy/driver.ts';
import { BarHistory } from '../core/strategy/history.ts';
import type { ClientFlags } from './client.ts';
import { CliError, usageError } from './errors.ts';
import { api } from './run-api.ts';

/** Flags of `testudo run`. */
export interface RunFlags extends ClientFlags {
  strategy: string;
  symbol?: string;
  timeframe?: string;
  param: string[];
  /** `paper` (default) or the id of an exchange connection. */
  account?: string;
  stopOnExit?: boolean;
  /** Id of a client-hosted run to continue after its cursor. */
  resume?: string;
  /** Bars of history a client-hosted run starts with (default 500). */
  warmup?: number;
  /** A client-hosted run prints a line for every bar it evaluated, with or without intents. */
  verbose?: boolean;
}

/** Where the command writes its lines and how it is stopped (tests pass their own). */
export interface RunIo {
  out: (line: string) => void;
  /** Aborted on Ctrl-C (the action wires SIGINT to it). */
  signal: AbortSignal;
}

/** The smallest WebSocket the command needs (the `ws` package's client). */
interface Socket {
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close', fn: (code: number, reason: Buffer) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'open', fn: () => void): void;
  close(): void;
}
const WebSocketClient = createRequire(import.meta.url)('ws') as new (url: string) => Socket;

type Run = {
  id: number;
  status: string;
  host: string;
  cursorTime: string | null;
  strategy: string;
  symbol: string;
  timeframe: string;
};
type Message = { type: string; data: Record<string, unknown> };

const iso = (ms: number): string => new Date(ms).toISOString();
const isPath = (s: string): boolean => /[\\/]/.test(s) || /\.[cm]?[jt]s$/.test(s);

/** `--param k=v` pairs → raw values by name. @throws CliError `invalid-option` for a pair without `=`. */
function params(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw usageError(`--param ${p}: expected name=value`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

/** `--account`: undefined for paper, else a connection id. */
function connectionOf(account: string | undefined): number | undefined {
  if (account === undefined || account === 'paper') return undefined;
  if (!/^[1-9]\d*$/.test(account))
    throw usageError(`--account ${account}: paper, or the id of one of your exchange connections`);
  return Number(account);
}

/** The URL of a WebSocket path on the server, with the API token as `?token=`. */
function wsUrl(f: ClientFlags, path: string): string {
  const u = new URL(path, f.url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('token', f.token ?? '');
  return u.toString();
}

/** Opens a socket; resolves once open. @throws CliError `server-unreachable` when it cannot connect. */
function connect(url: string, onMessage: (m: Message) => void, onClose: (code: number) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocketClient(url);
    let open = false;
    ws.on('open', () => {
      open = true;
      resolve(ws);
    });
    ws.on('message', (d) => {
      try {
        onMessage(JSON.parse(d.toString()) as Message);
      } catch {
        /* not JSON: ignored */
      }
    });
    ws.on('error', (e) => {
      if (!open)
        reject(
          new CliError('server-unreachable', `cannot open ${url.replace(/token=[^&]*/, 'token=…')}: ${e.message}`),
        );
    });
    ws.on('close', (code) => onClose(code));
  });
}

/** One line for a run message (`run`, `signal`, `decision`, `order`, `fill`, `status`). */
export function describeMessage(m: Message): string {
  const d = m.data;
  if (m.type === 'run') {
    const s = (d.stats ?? {}) as Record<string, unknown>;
    return `run ${String(d.id)} ${String(d.status)}: ${String(s.trades ?? 0)} trades, ${String(s.open ?? 0)} open, net ${typeof s.netR === 'number' ? s.netR.toFixed(2) : '0.00'}R`;
  }
  const bar = typeof d.barTime === 'string' ? `${d.barTime.slice(0, 16).replace('T', ' ')} ` : '';
  return `${bar}${m.type} ${JSON.stringify(d.data ?? d)}`;
}

/** Waits until `signal` aborts or `closed` resolves. */
function until(signal: AbortSignal, closed: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    void closed.then(() => resolve());
  });
}

/**
 * The run `--resume` names (`GET /api/v1/strategy-runs/:id`), or a new one (`POST /api/v1/strategy-runs`) of
 * `start()`'s strategy, params and host on `--symbol`/`--timeframe` and `--account`'s connection (asked only when
 * starting). @throws CliError as `api` does.
 */
async function openRun(
  f: RunFlags,
  start: () => { strategy: string; params: Record<string, unknown>; host: 'server' | 'client' },
): Promise<Run> {
  if (f.resume) return (await api<Run>(f, 'GET', `/api/v1/strategy-runs/${f.resume}`)).json;
  const { strategy, params: ps, host } = start();
  return (
    await api<Run>(f, 'POST', '/api/v1/strategy-runs', {
      strategy,
      symbol: f.symbol,
      timeframe: f.timeframe,
      params: ps,
      host,
      ...(connectionOf(f.account) === undefined ? {} : { connectionId: connectionOf(f.account) }),
    })
  ).json;
}

/** A built-in strategy run on the server: start it (or follow `--resume`), print its stream until Ctrl-C. */
async function serverRun(f: RunFlags, io: RunIo): Promise<void> {
  const run = await openRun(f, () => ({
    strategy: f.strategy,
    params: resolveParams(BUILTIN_STRATEGIES[f.strategy]!, params(f.param)),
    host: 'server',
  }));
  io.out(`run ${run.id} ${f.resume ? 'followed' : 'started'} on the server: ${run.strategy} (Ctrl-C to leave)`);
  let closed!: (code: number) => void;
  const ended = new Promise<number>((r) => (closed = r));
  const ws = await connect(
    wsUrl(f, `/ws/strategies/${run.id}`),
    (m) => io.out(describeMessage(m)),
    (code) => closed(code),
  );
  await until(io.signal, ended);
  ws.close();
  if (!io.signal.aborted) throw new CliError('stream-closed', `the server closed the run's stream (${await ended})`);
  if (f.stopOnExit) {
    await api(f, 'POST', `/api/v1/strategy-runs/${run.id}/stop`);
    io.out(`run ${run.id} stopped`);
  } else
    io.out(
      `run ${run.id} keeps running on the server; follow it again with --resume ${run.id}, stop it with --resume ${run.id} --stop-on-exit (then Ctrl-C) or from the Desk`,
    );
}

/** Decimal candle of a `/api/v1/candles` bar or a `candle` event (time in epoch seconds). */
const candleOf = (b: Record<string, unknown>): Candle => ({
  time: Number(b.time) * 1000,
  open: String(b.open),
  high: String(b.high),
  low: String(b.low),
  close: String(b.close),
  volume: String(b.volume ?? '0'),
});

/** A user module run here (see the module comment). */
async function clientRun(f: RunFlags, io: RunIo): Promise<void> {
  const { loadStrategy } = await import('./backtest.ts');
  const def = (await loadStrategy(f.strategy)) as StrategyDefinition<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = params(f.param);
  const typed = resolveParams(def, raw);
  const run = await openRun(f, () => ({ strategy: def.name, params: typed, host: 'client' }));
  if (run.host !== 'client' || run.status !== 'running')
    throw new CliError('run-not-resumable', `run ${run.id} is ${run.host}-hosted and ${run.status}`);
  f = { ...f, symbol: run.symbol, timeframe: run.timeframe };
  // The cursor's own bar is evaluated again: a crash between two of its orders must not lose the second (repeats of
  // (run, bar, sequence) answer with the stored outcome).
  let cursor = run.cursorTime === null ? -Infinity : Date.parse(run.cursorTime);
  const instruments = (await api<unknown>(f, 'GET', '/api/v1/instruments')).json as {
    symbol: string;
    tickSize: string;
  }[];
  const instrument = instruments.find((i) => i.symbol === f.symbol);
  if (!instrument) throw new CliError('unknown-symbol', `${f.symbol} is not traded on this server`);
  io.out(
    `run ${run.id} ${f.resume ? 'resumed' : 'started'} here (client-hosted): ${def.name} on ${f.symbol} ${f.timeframe}`,
  );

  // Bars from /ws are queued from the start, so none is lost while the history loads.
  const queue: Candle[] = [];
  let wake: (() => void) | null = null;
  let closedCode: number | null = null;
  const ws = await connect(
    wsUrl(f, '/ws'),
    (m) => {
      if (m.type !== 'candle' || m.data.symbol !== f.symbol || m.data.timeframe !== f.timeframe) return;
      queue.push(candleOf(m.data));
      wake?.();
    },
    (code) => {
      closedCode = code;
      wake?.();
    },
  );
  const onAbort = (): void => wake?.();
  io.signal.addEventListener('abort', onAbort);
  try {
    const q = new URLSearchParams({ symbol: f.symbol!, timeframe: f.timeframe!, limit: String(f.warmup ?? 500) });
    const hist = (await api<{ bars: Record<string, unknown>[] }>(f, 'GET', `/api/v1/candles?${q.toString()}`)).json;
    const history = new BarHistory(instrument.tickSize);
    const pending = hist.bars.filter((b) => b.complete !== false).map(candleOf);
    // A new run acts from the first bar that closes after it started: the history is warm-up only. A resumed one
    // catches up on the bars after its cursor.
    if (cursor === -Infinity && pending.length > 0) cursor = pending[pending.length - 1]!.time + 1;
    io.out(`warmed up with ${pending.length} bars; acting on bars after ${iso(Math.max(cursor - 1, 0))}`);
    for (;;) {
      for (const c of [...pending.splice(0), ...queue.splice(0)]) {
        if (!history.append(c)) continue;
        if (c.time < cursor) continue;
        await actOnBar(f, run.id, def, typed, history, io);
        if (f.verbose) io.out(`bar ${iso(c.time)} evaluated`);
        cursor = c.time;
      }
      if (io.signal.aborted || closedCode !== null) break;
      // bars that arrived while the last ones were evaluated are taken at once
      if (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    ws.close();
  }
  if (!io.signal.aborted) throw new CliError('stream-closed', `the server closed /ws (${String(closedCode)})`);
  if (f.stopOnExit) {
    await api(f, 'POST', `/api/v1/strategy-runs/${run.id}/stop`);
    io.out(`run ${run.id} stopped`);
  } else io.out(`run ${run.id} paused at ${iso(cursor)}: continue it with --resume ${run.id}`);
}

/** How long a client-hosted run waits for the server to settle a bar's stop and target fills, ms. */
export const SETTLE_TIMEOUT_MS = 10_000;

/**
 * The run's open trades as the strategy sees them after the server has processed the latest bar (signed sizes in
 * units). The `candle` event can arrive before the server's paper exchange has filled that bar's stops and targets
 * (the backtester fills them before calling the strategy): while an open trade's stop or target lies within the bar's
 * range, the list is read again until that trade is closed (at most {@link SETTLE_TIMEOUT_MS}; a trade the paper
 * exchange keeps open all the same, e.g. on the bar its limit entry filled, only costs that wait).
 */
async function openTrades(f: RunFlags, runId: number, history: BarHistory): Promise<OpenTradeView[]> {
  const q = new URLSearchParams({ tag: `strategy-run-${runId}`, status: 'open', limit: '1000' });
  const series = history.series();
  const last = series.length - 1;
  const [high, low] = [series.high[last]!, series.low[last]!];
  const touched = (t: Record<string, unknown>): boolean => {
    const sl = t.stopLoss == null ? null : Number(t.stopLoss);
    const tp = t.takeProfit == null ? null : Number(t.takeProfit);
    return t.side === 'sell'
      ? (sl !== null && high >= sl) || (tp !== null && low <= tp)
      : (sl !== null && low <= sl) || (tp !== null && high >= tp);
  };
  const t0 = Date.now();
  let json: { trades: Record<string, unknown>[] };
  for (;;) {
    ({ json } = await api<{ trades: Record<string, unknown>[] }>(f, 'GET', `/api/v1/trades?${q.toString()}`));
    if (!json.trades.some(touched) || Date.now() - t0 > SETTLE_TIMEOUT_MS) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return json.trades
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((t) => {
      const opened = Date.parse(String(t.openedAt));
      let entryBar = series.length - 1;
      while (entryBar > 0 && series.time[entryBar]! >= opened) entryBar--;
      return {
        size: (t.side === 'sell' ? -1 : 1) * Number(t.qty),
        entryPrice: Number(t.entryFillPrice),
        entryBar,
        sl: t.stopLoss == null ? null : Number(t.stopLoss),
        tp: t.takeProfit == null ? null : Number(t.takeProfit),
      };
    });
}

/** Evaluates the strategy on the history's last bar and posts what it asked for (signal, orders, closes). */
async function actOnBar(
  f: RunFlags,
  runId: number,
  def: StrategyDefinition<any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  typed: Record<string, unknown>,
  history: BarHistory,
  io: RunIo,
): Promise<void> {
  const series = history.series();
  const barTime = series.time[series.length - 1]!;
  const trades = await openTrades(f, runId, history);
  let ev;
  try {
    ev = evaluateLatestBar(def, typed, series, trades);
  } catch (e) {
    await api(f, 'POST', `/api/v1/strategy-runs/${runId}/stop`).catch(() => undefined);
    throw new CliError('strategy-error', `${(e as Error).message} (run ${runId} stopped)`);
  }
  if (ev.intents.length === 0) return;
  const base = `/api/v1/strategy-runs/${runId}`;
  const at = iso(barTime);
  await api(f, 'POST', `${base}/signals`, { barTime: at, data: { intents: ev.intents } });
  io.out(`${at.slice(0, 16).replace('T', ' ')} signal ${JSON.stringify(ev.intents)}`);
  for (const [seq, it] of ev.intents.entries()) {
    if (it.kind === 'close') {
      await api(f, 'POST', `${base}/close`, { barTime: at, seq });
      io.out(`  close → done`);
    } else if (it.kind === 'buy' || it.kind === 'sell') {
      const body = {
        barTime: at,
        seq,
        side: it.kind,
        // the strategy's numbers: the server snaps them to the tick as the backtester does
        ...(it.sl === null ? {} : { sl: it.sl }),
        ...(it.tp === null ? {} : { tp: it.tp }),
        ...(it.tag === null ? {} : { tag: it.tag }),
      };
      const r = await api<Record<string, unknown>>(f, 'POST', `${base}/orders`, body, (s) => s < 300 || s === 422);
      const trade = r.json.trade as Record<string, unknown> | undefined;
      const err = r.json.error as { code?: string; message?: string } | undefined;
      io.out(
        r.status === 422
          ? `  ${it.kind} refused: ${err?.code ?? ''} ${err?.message ?? ''}`
          : `  ${it.kind} approved: trade #${String(trade?.id)} qty ${String(trade?.qty)}`,
      );
    }
  }
}

/**
 * Action of `testudo run` (see the module comment).
 * @throws CliError `invalid-option`/`missing-option` (exit 2) for bad flags, `unknown-symbol`, `run-not-resumable`,
 *   `strategy-error` (the module threw; the run is stopped), `stream-closed`, and the server's refusals.
 */
export async function runStrategy(f: RunFlags, io?: RunIo): Promise<void> {
  let ownIo = io;
  if (!ownIo) {
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    ownIo = { out: (l) => process.stdout.write(l + '\n'), signal: ac.signal };
  }
  if (!f.resume && (!f.symbol || !f.timeframe))
    throw usageError('give --symbol and --timeframe (or --resume ID)', 'missing-option');
  if (f.resume !== undefined && !/^[1-9]\d*$/.test(f.resume)) throw usageError(`--resume ${f.resume}: a run id`);
  connectionOf(f.account);
  if (!isPath(f.strategy)) {
    if (!Object.hasOwn(BUILTIN_STRATEGIES, f.strategy))
      throw usageError(
        `unknown strategy "${f.strategy}": the built-in strategies are ${Object.keys(BUILTIN_STRATEGIES).join(', ')}; or give the path of your module`,
        'unknown-strategy',
      );
    return serverRun(f, ownIo);
  }
  return clientRun(f, ownIo);
}
