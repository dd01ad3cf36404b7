/**
 * The load generator, run in a child process (`fork` with `--import tsx`) so autocannon's request building,
 * response parsing and histograms do not run on the server's event loop.
 *
 * Protocol (IPC): the parent sends one {@link LoadRequest}; the child runs a warm-up, sends `{ type: 'measuring' }`,
 * runs the measured load, sends a {@link LoadResult} and exits.
 *
 * Requests rotate over the bearer tokens with one counter shared by all connections, so the requests in flight at
 * any moment belong to different users (different account rows) whenever there are at least as many users as
 * connections.
 */
import autocannon from 'autocannon';

/** What the parent asks for. */
export interface LoadRequest {
  type: 'run';
  url: string;
  path: string;
  /** JSON body, sent as is. */
  body: string;
  tokens: string[];
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/** What the child reports. */
export interface LoadResult {
  type: 'result';
  seconds: number;
  /** Responses received during the measured run. */
  responses: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Latency percentiles of every response (any status), ms, from hrtime (sub-ms resolution). */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** autocannon's own figures, for comparison (integer ms, as autocannon records them). */
  autocannon: { rpsAverage: number; p50: number; p99: number; non2xx: number };
  /** CPU time of this load-generator process during the measured run, as a share of one core (1 = 100 %). */
  cpuCores: number;
}

function fire(o: LoadRequest, seconds: number, latencies: number[] | null): Promise<autocannon.Result> {
  let i = 0;
  const n = o.tokens.length;
  const headers = { 'content-type': 'application/json' };
  // Without a callback autocannon returns its instance (an event emitter) made thenable.
  const inst = autocannon({
    url: o.url,
    connections: o.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 20,
    requests: [
      {
        method: 'POST',
        path: o.path,
        body: o.body,
        setupRequest: (req) => ({
          ...req,
          headers: { ...headers, authorization: `Bearer ${o.tokens[i++ % n]}` },
        }),
      },
    ],
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  if (latencies) inst.on('response', (_c, _status, _bytes, ms) => latencies.push(ms));
  return inst;
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

process.once('message', async (msg: LoadRequest) => {
  try {
    if (msg.warmupSeconds > 0) await fire(msg, msg.warmupSeconds, null);
    process.send!({ type: 'measuring' });
    const latencies: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await fire(msg, msg.seconds, latencies);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sorted = Float64Array.from(latencies).sort();
    const statusCounts: Record<string, number> = {};
    for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCounts[code] = v.count ?? 0;
    const result: LoadResult = {
      type: 'result',
      seconds: r.duration,
      responses: latencies.length,
      statusCounts,
      errors: r.errors,
      timeouts: r.timeouts,
      latency: {
        p50: pct(sorted, 50),
        p90: pct(sorted, 90),
        p99: pct(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1]! : NaN,
        mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      },
      autocannon: { rpsAverage: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx },
      cpuCores: (cpu.user + cpu.system) / 1e6 / wall,
    };
    process.send!(result, () => process.exit(0));
  } catch (e) {
    process.send!({ type: 'error', message: e instanceof Error ? e.stack : String(e) }, () => process.exit(1));
  }
});
