/**
 * The live event stream: one WebSocket to `/ws` per tab (the session cookie authenticates it), reconnecting with
 * capped exponential back-off. Before a reconnect the session's access token is renewed (`refreshSession`: the
 * socket authenticates only at its upgrade, with the 15-minute access cookie) when the server closed the socket as
 * unauthenticated (4401) or no renewal happened in the last minute; when the session has ended the stream
 * stops and every query is refetched (the Desk falls back to the sign-in page). After a reconnect every query is
 * invalidated, so whatever was missed while the socket was down is fetched again (resynchronisation without a
 * reload). Components subscribe by event type.
 */
import { useEffect, useRef } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { useConnection } from '@/store/connection';
import { refreshSession } from './client';

/** One event as the server sends it on `/ws`: `{ type, data }`. */
export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
}

type Listener = (e: LiveEvent) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let attempt = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
let wanted = false;
let client: QueryClient | null = null;
let everOpened = false;
/** When the last reconnect renewed the access token (ms), so a flapping socket does not refresh on every attempt. */
let lastRenewal = 0;

function url(): string {
  const { protocol, host } = globalThis.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/ws`;
}

function connect(): void {
  if (!wanted || socket) return;
  const conn = useConnection.getState();
  conn.setStream(everOpened ? 'reconnecting' : 'connecting');
  const ws = new WebSocket(url());
  socket = ws;
  ws.onopen = () => {
    attempt = 0;
    useConnection.getState().setStream('open');
    useConnection.getState().setServer('up');
    if (everOpened) void client?.invalidateQueries();
    everOpened = true;
  };
  ws.onmessage = (m) => {
    let e: LiveEvent;
    try {
      e = JSON.parse(String(m.data)) as LiveEvent;
    } catch {
      return;
    }
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        console.warn('live event listener failed', err);
      }
    }
  };
  ws.onclose = (ev) => {
    if (ev.code === 4401) lastRenewal = 0; // the server saw no live session: renew before the next attempt
    socket = null;
    if (!wanted) {
      useConnection.getState().setStream('idle');
      return;
    }
    useConnection.getState().setStream('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt++;
    timer = setTimeout(() => void reconnect(), delay);
  };
  ws.onerror = () => {
    // onclose follows and schedules the retry
  };
}

/** Renews the access token, then connects again (unless the stream was stopped or the session has ended). */
async function reconnect(): Promise<void> {
  timer = null;
  if (!wanted || socket) return;
  if (Date.now() - lastRenewal < 60_000) return connect();
  lastRenewal = Date.now();
  const outcome = await refreshSession();
  if (!wanted || socket) return;
  if (outcome === 'ended') {
    stopLive();
    void client?.invalidateQueries(); // `/auth/me` answers 401: the sign-in page
    return;
  }
  connect(); // renewed, or the server is unreachable (the socket's own retries go on)
}

/** Opens the stream (after login); `qc` is invalidated after each reconnect. */
export function startLive(qc: QueryClient): void {
  client = qc;
  if (wanted) return;
  wanted = true;
  connect();
}

/** Closes the stream (on logout). */
export function stopLive(): void {
  wanted = false;
  everOpened = false;
  if (timer) clearTimeout(timer);
  timer = null;
  socket?.close();
  socket = null;
}

/** Subscribes `fn` to every event; returns the unsubscribe function. */
export function onLive(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Calls `handler` for each live event whose type is in `types` while the component is mounted. The latest
 * handler is used without resubscribing.
 */
export function useLiveEvent(types: string | readonly string[], handler: (e: LiveEvent) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  const key = typeof types === 'string' ? types : types.join(',');
  useEffect(() => {
    const set = new Set(key.split(','));
    return onLive((e) => {
      if (set.has(e.type)) ref.current(e);
    });
  }, [key]);
}
