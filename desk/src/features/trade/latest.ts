/**
 * Debounced previews where the latest answer wins: while the trader drags a line, the ticket asks the server for a
 * sizing preview at most once per quiet period (~200 ms), and an answer that arrives after a newer request was
 * sent is dropped, so the ticket never shows numbers for prices that are no longer on the chart. Each new request
 * also aborts the one in flight (its `AbortSignal`).
 */

/** Timer functions (injectable so the logic is tested with fake timers). */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Options of {@link debouncedLatest}. */
export interface DebouncedLatestOptions<Q, A> {
  /** Quiet period before a request is sent, ms. */
  delay: number;
  /** Sends the request; `signal` aborts when a newer request supersedes it. */
  run(query: Q, signal: AbortSignal): Promise<A>;
  /** The answer to the latest request (never called for a superseded one). */
  onAnswer(answer: A, query: Q): void;
  /** The failure of the latest request (never called for a superseded or aborted one). */
  onError(error: unknown, query: Q): void;
  /** Called when a request is scheduled (true) and when its answer or error is delivered or dropped (false). */
  onPending?(pending: boolean): void;
  timers?: Timers;
}

/** Handle of a {@link debouncedLatest}. */
export interface DebouncedLatest<Q> {
  /** Schedules `query` after the quiet period, replacing any scheduled one and superseding any in flight. */
  request(query: Q): void;
  /** Sends the scheduled query now (if any). */
  flush(): void;
  /** Drops the scheduled query and ignores any answer in flight (e.g. when the ticket is reset). */
  cancel(): void;
  /** Sequence number of the latest request (0 before any). */
  readonly seq: number;
}

/** Creates a debounced, latest-answer-wins requester. */
export function debouncedLatest<Q, A>(o: DebouncedLatestOptions<Q, A>): DebouncedLatest<Q> {
  const timers = o.timers ?? realTimers;
  let seq = 0;
  let timer: unknown = null;
  let scheduled: { query: Q; n: number } | null = null;
  let inflight: AbortController | null = null;

  const send = (): void => {
    timer = null;
    const job = scheduled;
    scheduled = null;
    if (!job) return;
    inflight?.abort();
    const ac = new AbortController();
    inflight = ac;
    o.run(job.query, ac.signal).then(
      (a) => {
        if (job.n !== seq) return;
        inflight = null;
        o.onPending?.(false);
        o.onAnswer(a, job.query);
      },
      (e: unknown) => {
        if (job.n !== seq || ac.signal.aborted) return;
        inflight = null;
        o.onPending?.(false);
        o.onError(e, job.query);
      },
    );
  };

  return {
    request(query) {
      seq++;
      scheduled = { query, n: seq };
      if (timer !== null) timers.clear(timer);
      o.onPending?.(true);
      timer = timers.set(send, o.delay);
    },
    flush() {
      if (timer !== null) timers.clear(timer);
      send();
    },
    cancel() {
      seq++;
      if (timer !== null) timers.clear(timer);
      timer = null;
      scheduled = null;
      inflight?.abort();
      inflight = null;
      o.onPending?.(false);
    },
    get seq() {
      return seq;
    },
  };
}
