/**
 * The benchmark's clients, in a child process forked by `run.ts` (so the server's event loop and this one do not
 * share a thread). One job per process, over IPC:
 *
 *   parent → `{ type: 'job', job }`; child connects, → `{ type: 'ready' }`;
 *   parent → `{ type: 'go', measureFrom, measureTo }` (wall-clock ms); child runs until `measureTo`, drains, →
 *   `{ type: 'result', result }`.
 *
 * Jobs:
 * - `ws-orders`: each trader opens `/ws/exchange?token=…` and keeps `window` `place_order` requests in flight: limit
 *   orders, every second one crossing (a buy at 101.00 or sell at 99.00 against resting orders between 99.00 and
 *   101.00); the others rest (buys 99.00–99.99, sells 100.01–101.00). Latency = send → response, for requests sent
 *   inside the window; throughput = successful responses received inside the window.
 * - `rest-orders`: the same orders through CCXT's `binance` class (`createOrder`) against the server's Binance gateway,
 *   one request in flight per trader (CCXT awaits each call).
 * - `md`: `sockets` WebSockets subscribe to the given channels (native `/ws/exchange` subscribe ops, or a Binance
 *   combined stream URL); every text frame received inside the window is counted (frames are not parsed, as a
 *   counting sink; the subscription answers all arrive before `go`).
 */
import { createRequire } from 'node:module';

// `ws` has no type declarations installed here, so describe the little the clients use.
interface WsSocket {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(data: string): void;
  close(): void;
  terminate(): void;
  readyState: number;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  opts?: { perMessageDeflate?: boolean },
) => WsSocket;

/** A trader as the clients see it. */
export interface ClientTrader {
  token: string;
  accountId: number;
  /** Binance-gateway API key and secret (REST job). */
  apiKey?: string;
  secret?: string;
}

/** Order flow settings shared by the order jobs. */
export interface OrderFlow {
  marketId: number;
  /** Gateway symbol (REST job), e.g. `BENCHUSD`; CCXT's unified symbol is derived by loadMarkets. */
  symbol?: string | null;
  seed: number;
}

/** A job for one client process. */
export type ClientJob =
  | { kind: 'ws-orders'; wsBase: string; traders: ClientTrader[]; flow: OrderFlow; window: number }
  | { kind: 'rest-orders'; httpBase: string; traders: ClientTrader[]; flow: OrderFlow }
  | {
      kind: 'md';
      /** Full WebSocket URL each socket opens. */
      url: string;
      sockets: number;
      /** Native `/ws/exchange` channels to subscribe to with `{op:'subscribe'}` (empty: the URL names the streams). */
      channels: string[];
      /** Binance `{method:'SUBSCRIBE'}` params to send after opening (empty: none). */
      binanceParams: string[];
    };

/** What a job reports. */
export interface ClientResult {
  /** Requests sent in total (orders) / sockets opened (md). */
  sent: number;
  /** Successful responses (orders) or frames (md) received inside the window. */
  inWindow: number;
  /** Successful responses over the whole run (warm-up and drain included). */
  okTotal: number;
  /** Failed responses by error code (whole run). */
  failures: Record<string, number>;
  /** Latencies (ms) of the requests sent inside the window and answered. */
  latencies: number[];
  /** Successful responses (WebSocket orders) or frames (md) per whole second of the window. */
  perSecond: number[];
  /** Requests still unanswered at the end. */
  unanswered: number;
  /** Fills reported in successful order responses inside the window (trades seen by the takers). */
  fills: number;
  /** First error met while connecting or running, if any. */
  error?: string;
}

/** mulberry32: a small seeded PRNG → [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One order of the flow: side, price text (tick 0.01 around 100.00) and size in lots. */
export interface FlowOrder {
  side: 'buy' | 'sell';
  price: string;
  size: number;
  crossing: boolean;
}

/** The order stream of one trader: every second order crosses. */
export function orderStream(seed: number): () => FlowOrder {
  const rnd = prng(seed);
  let n = 0;
  return () => {
    const crossing = n++ % 2 === 1;
    const side = rnd() < 0.5 ? 'buy' : 'sell';
    const size = 1 + Math.floor(rnd() * 3);
    let ticks: number;
    if (crossing) ticks = side === 'buy' ? 10_100 : 9_900;
    else ticks = side === 'buy' ? 9_900 + Math.floor(rnd() * 100) : 10_001 + Math.floor(rnd() * 100);
    return { side, price: (ticks / 100).toFixed(2), size, crossing };
  };
}

function open(url: string): Promise<WsSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}

const emptyResult = (): ClientResult => ({
  sent: 0,
  inWindow: 0,
  okTotal: 0,
  failures: {},
  latencies: [],
  perSecond: [],
  unanswered: 0,
  fills: 0,
});

interface Window {
  measureFrom: number;
  measureTo: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Prepared job: `run` starts it once the window is known and resolves with the result. */
interface Prepared {
  run(w: Window): Promise<ClientResult>;
}

async function prepareWsOrders(job: Extract<ClientJob, { kind: 'ws-orders' }>): Promise<Prepared> {
  const res = emptyResult();
  const sockets = await Promise.all(
    job.traders.map((t) => open(`${job.wsBase}/ws/exchange?token=${encodeURIComponent(t.token)}`)),
  );
  return {
    run: (w) =>
      new Promise((resolve) => {
        res.perSecond = new Array<number>(Math.max(1, Math.floor((w.measureTo - w.measureFrom) / 1000))).fill(0);
        let stopped = false;
        let inFlight = 0;
        const sentAt = new Map<number, number>();
        let rid = 0;
        const done = (): void => {
          if (!stopped || inFlight > 0) return;
          resolve(res);
        };
        sockets.forEach((ws, i) => {
          const t = job.traders[i]!;
          const next = orderStream(job.flow.seed * 7919 + i);
          const send = (): void => {
            if (stopped) return;
            const o = next();
            const id = ++rid;
            sentAt.set(id, performance.now());
            inFlight++;
            res.sent++;
            ws.send(
              JSON.stringify({
                request_id: id,
                op: 'place_order',
                accountId: t.accountId,
                marketId: job.flow.marketId,
                side: o.side,
                type: 'limit',
                size: String(o.size),
                price: o.price,
              }),
            );
          };
          ws.on('message', (data) => {
            const text = data.toString();
            const m = /^\{"request_id":(\d+),"ok":(true|false)/.exec(text) ?? slowMatch(text);
            if (!m) return; // a push (none expected: the order clients subscribe to nothing)
            const id = Number(m[1]);
            const t0 = sentAt.get(id);
            sentAt.delete(id);
            inFlight--;
            const now = Date.now();
            const inWin = now >= w.measureFrom && now <= w.measureTo;
            if (m[2] === 'true') {
              res.okTotal++;
              if (inWin) {
                res.inWindow++;
                const sec = Math.floor((now - w.measureFrom) / 1000);
                if (sec < res.perSecond.length) res.perSecond[sec]!++;
                // A crossing order's response lists its trades as engine events.
                res.fills += countOf(text, '"type":"trade"');
              }
              // Latency of requests *sent* inside the window: t0 is performance.now(), so compare by age.
              if (t0 !== undefined) {
                const lat = performance.now() - t0;
                const sentWall = now - lat;
                if (sentWall >= w.measureFrom && sentWall <= w.measureTo) res.latencies.push(lat);
              }
            } else {
              let code = 'unknown';
              try {
                code = String((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? 'unknown');
              } catch {
                /* keep 'unknown' */
              }
              res.failures[code] = (res.failures[code] ?? 0) + 1;
              if (code === 'rate-limited') {
                setTimeout(send, 50);
                done();
                return;
              }
            }
            if (Date.now() >= w.measureTo) stopped = true;
            send();
            done();
          });
          ws.on('close', () => {
            res.error ??= `socket ${i} closed`;
          });
          // Start at once: the time before measureFrom is the warm-up.
          for (let k = 0; k < job.window; k++) send();
        });
        // Stop sending at the end of the window, then wait up to 15 s for the answers still in flight.
        setTimeout(
          () => {
            stopped = true;
            done();
            setTimeout(() => {
              res.unanswered = inFlight;
              inFlight = 0;
              done();
            }, 15_000).unref();
          },
          Math.max(0, w.measureTo - Date.now()),
        );
      }).finally(() => {
        for (const ws of sockets) ws.terminate();
      }) as Promise<ClientResult>,
  };
}

/** The request id and outcome of a response whose keys are not in the usual order, as the fast match returns them. */
function slowMatch(text: string): [string, string, string] | null {
  try {
    const m = JSON.parse(text) as { request_id?: unknown; ok?: unknown };
    if (typeof m.request_id !== 'number') return null;
    return [text, String(m.request_id), String(m.ok === true)];
  } catch {
    return null;
  }
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

async function prepareRestOrders(job: Extract<ClientJob, { kind: 'rest-orders' }>): Promise<Prepared> {
  const { default: ccxt } = await import('ccxt');
  const res = emptyResult();
  const clients = job.traders.map((t) => {
    const ex = new ccxt.binance({ apiKey: t.apiKey, secret: t.secret, enableRateLimit: false, timeout: 30_000 });
    // Point every Binance API family at the gateway (CCXT calls some of them from loadMarkets); `ws` is an object.
    const urls = ex.urls as { api: Record<string, unknown> };
    for (const [k, v] of Object.entries(urls.api))
      if (typeof v === 'string') urls.api[k] = v.replace(/^https:\/\/[^/]+/, `${job.httpBase}/binance`);
    return ex;
  });
  // Load markets once per client (as a CCXT script does), and find the unified symbol of the market.
  await Promise.all(clients.map((c) => c.loadMarkets()));
  const first = clients[0]!;
  const market = Object.values(first.markets ?? {}).find((m) => m?.id === job.flow.symbol);
  if (!market) throw new Error(`CCXT did not find the market ${job.flow.symbol} in loadMarkets`);
  const symbol = market.symbol;
  return {
    run: async (w) => {
      await Promise.all(
        clients.map(async (c, i) => {
          const next = orderStream(job.flow.seed * 7919 + 100_000 + i);
          while (Date.now() < w.measureTo) {
            const o = next();
            const t0 = performance.now();
            res.sent++;
            try {
              const order = await c.createOrder(symbol, 'limit', o.side, o.size, Number(o.price));
              const lat = performance.now() - t0;
              const now = Date.now();
              res.okTotal++;
              if (now >= w.measureFrom && now <= w.measureTo) {
                res.inWindow++;
                if (Number(order.filled ?? 0) > 0) res.fills++;
              }
              if (now - lat >= w.measureFrom && now - lat <= w.measureTo) res.latencies.push(lat);
            } catch (e) {
              const code = e instanceof Error ? e.constructor.name : 'unknown';
              res.failures[code] = (res.failures[code] ?? 0) + 1;
              if (Object.keys(res.failures).length === 1 && res.failures[code] === 1)
                res.error ??= (e as Error).message.slice(0, 300);
              await sleep(20);
            }
          }
        }),
      );
      return res;
    },
  };
}

async function prepareMd(job: Extract<ClientJob, { kind: 'md' }>): Promise<Prepared> {
  const res = emptyResult();
  const sockets: WsSocket[] = [];
  let counting: ((n: number) => void) | null = null;
  // Open in small batches so the server is not flooded with handshakes.
  for (let i = 0; i < job.sockets; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, job.sockets - i) }, async () => {
        const ws = await open(job.url);
        let pending = job.channels.length + (job.binanceParams.length ? 1 : 0);
        const subscribed = new Promise<void>((resolve, reject) => {
          if (pending === 0) resolve();
          ws.on('message', (data) => {
            if (pending > 0) {
              const m = JSON.parse(data.toString()) as { ok?: boolean; error?: unknown; result?: unknown };
              if (m.ok === false) reject(new Error(`subscribe failed: ${data.toString().slice(0, 300)}`));
              if ('request_id' in m || 'id' in m) {
                pending--;
                if (pending === 0) resolve();
                return;
              }
            }
            counting?.(1);
          });
        });
        job.channels.forEach((channel, k) => ws.send(JSON.stringify({ request_id: k + 1, op: 'subscribe', channel })));
        if (job.binanceParams.length)
          ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: job.binanceParams, id: 1 }));
        await subscribed;
        return ws;
      }),
    );
    sockets.push(...batch);
  }
  res.sent = sockets.length;
  return {
    run: async (w) => {
      const seconds = Math.max(1, Math.round((w.measureTo - w.measureFrom) / 1000));
      res.perSecond = new Array<number>(seconds).fill(0);
      counting = () => {
        const now = Date.now();
        if (now < w.measureFrom || now > w.measureTo) return;
        res.inWindow++;
        const s = Math.floor((now - w.measureFrom) / 1000);
        if (s < seconds) res.perSecond[s]!++;
      };
      await sleep(Math.max(0, w.measureTo - Date.now()) + 50);
      counting = null;
      for (const ws of sockets) ws.terminate();
      return res;
    },
  };
}

/** Runs a job in this process (the IPC loop of a forked child). */
async function main(): Promise<void> {
  let prepared: Prepared | null = null;
  // The benchmark went away (finished, interrupted or crashed): so do its clients.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: { type: string; job?: ClientJob } & Partial<Window>) => {
    void (async () => {
      try {
        if (msg.type === 'job') {
          const job = msg.job!;
          prepared =
            job.kind === 'ws-orders'
              ? await prepareWsOrders(job)
              : job.kind === 'rest-orders'
                ? await prepareRestOrders(job)
                : await prepareMd(job);
          process.send!({ type: 'ready' });
        } else if (msg.type === 'go') {
          const result = await prepared!.run({ measureFrom: msg.measureFrom!, measureTo: msg.measureTo! });
          process.send!({ type: 'result', result }, () => process.exit(0));
        }
      } catch (e) {
        process.send!({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () =>
          process.exit(1),
        );
      }
    })();
  });
}

/** The argument `run.ts` forks this module with (importing it elsewhere, e.g. in a test, starts nothing). */
export const CLIENT_ARG = '--bench-exchange-client';

if (process.send && process.argv.includes(CLIENT_ARG)) void main();
