/**
 * A reconnecting client of one run's event stream, `WS /ws/strategies/:id` (the session cookie authenticates it,
 * same origin). It hands each message's text to `onMessage`, reports its state, and after a drop reconnects with
 * capped exponential back-off (500 ms × 2^n up to 10 s, ±25 % jitter). Before reconnecting after a close with code
 * 4401 (the access token ran out) it renews the session (`renew`). The server's refusals end it for good: 4403
 * (not the run's owner) and 4404 (no such run) give state `refused`. Each open after the first calls `onReopen`,
 * so the page can fetch what it missed while disconnected.
 */

/** Connection state of a {@link RunStream}. */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'refused' | 'closed';

/** The subset of the browser's WebSocket the stream uses (so tests can pass Node's `ws` or a fake). */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

/** Options of {@link RunStream}. */
export interface RunStreamOptions {
  /** `ws(s)://host/ws/strategies/<id>`. */
  url: string;
  onMessage(text: string): void;
  onState?(s: StreamState): void;
  /** Called when the socket opens again after a drop. */
  onReopen?(): void;
  /** Creates the socket; default `new WebSocket(url)`. */
  connect?: (url: string) => SocketLike;
  /** Delay (ms) before reconnect attempt `n` (0-based); see the module comment for the default. */
  backoff?: (n: number) => number;
  /** Renews the session before a reconnect after 4401; default: nothing. */
  renew?: () => Promise<unknown>;
}

/** Close codes after which the stream does not reconnect. */
export const REFUSED_CODES: ReadonlySet<number> = new Set([4403, 4404]);

/** Default reconnect delay of attempt `n`, ms. */
export function defaultBackoff(n: number, random: () => number = Math.random): number {
  return Math.min(10_000, 500 * 2 ** n) * (0.75 + random() * 0.5);
}

/** The URL of run `id`'s stream on the page's own host. */
export function streamUrl(id: number, loc: { protocol: string; host: string } = globalThis.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws/strategies/${id}`;
}

/** One run's reconnecting event stream; opens at construction, {@link RunStream.close} ends it. */
export class RunStream {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private wanted = true;
  private everOpened = false;
  private current: StreamState = 'connecting';

  constructor(private readonly o: RunStreamOptions) {
    this.open();
  }

  /** The current state. */
  get state(): StreamState {
    return this.current;
  }

  private set(s: StreamState): void {
    if (s === this.current) return;
    this.current = s;
    this.o.onState?.(s);
  }

  private open(): void {
    if (!this.wanted || this.socket) return;
    this.set(this.everOpened ? 'reconnecting' : 'connecting');
    const ws = this.o.connect ? this.o.connect(this.o.url) : (new WebSocket(this.o.url) as unknown as SocketLike);
    this.socket = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.set('open');
      if (this.everOpened) this.o.onReopen?.();
      this.everOpened = true;
    };
    ws.onmessage = (m) => {
      if (this.socket === ws) this.o.onMessage(String(m.data));
    };
    ws.onerror = () => {
      // onclose follows and schedules the retry
    };
    ws.onclose = (ev) => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (!this.wanted) return this.set('closed');
      const code = ev?.code ?? 0;
      if (REFUSED_CODES.has(code)) {
        this.wanted = false;
        return this.set('refused');
      }
      this.set('reconnecting');
      const delay = (this.o.backoff ?? defaultBackoff)(this.attempt++);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (code === 4401 && this.o.renew)
          void this.o
            .renew()
            .catch(() => undefined)
            .then(() => this.open());
        else this.open();
      }, delay);
    };
  }

  /** Ends the stream for good (no reconnect). */
  close(): void {
    this.wanted = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.socket;
    this.socket = null;
    ws?.close();
    this.set('closed');
  }
}
