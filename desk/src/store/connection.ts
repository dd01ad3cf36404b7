/**
 * Connection state shown by the Desk's status bar: whether the server answers (REST) and whether the live event
 * stream (`/ws`) is connected, reconnecting or down.
 */
import { create } from 'zustand';

/** Server reachability as the last request saw it. */
export type ServerState = 'unknown' | 'up' | 'down';
/** Live stream state. */
export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting';

interface ConnectionStore {
  server: ServerState;
  stream: StreamState;
  setServer(s: ServerState): void;
  setStream(s: StreamState): void;
}

/** The connection store. */
export const useConnection = create<ConnectionStore>((set) => ({
  server: 'unknown',
  stream: 'idle',
  setServer: (server) => set((st) => (st.server === server ? st : { server })),
  setStream: (stream) => set((st) => (st.stream === stream ? st : { stream })),
}));
