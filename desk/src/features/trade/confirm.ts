/**
 * The ticket's two-step confirmation: a first press on "Place long/short" arms it (the button becomes "Confirm:
 * place …" with the summary), a second press of the same setup sends it. Escape, or any change to the setup,
 * disarms; presses while sending are ignored (no double submission); after the answer the ticket shows the result
 * until the next change. Pure state machine: the page sends the trade when a transition enters `sending`.
 */

/** The confirmation state. `key` fingerprints the setup that was armed (see {@link setupKey}). */
export type ConfirmState =
  | { s: 'idle' }
  | { s: 'armed'; key: string }
  | { s: 'sending'; key: string }
  | { s: 'placed'; key: string; tradeId: number }
  | { s: 'failed'; key: string; message: string };

/** What happens to the ticket. */
export type ConfirmEvent =
  /** Click on the place/confirm button, or Enter in the ticket. `canPlace`: the latest preview approves this key. */
  | { t: 'press'; key: string; canPlace: boolean }
  /** Escape. */
  | { t: 'escape' }
  /** The setup changed (a line moved, an input was edited, the side or entry type switched). */
  | { t: 'change'; key: string }
  /** The server accepted the trade. */
  | { t: 'placed'; tradeId: number }
  /** The server refused it or the request failed. */
  | { t: 'failed'; message: string };

/** The initial state. */
export const IDLE: ConfirmState = { s: 'idle' };

/** The next state after `e` (the same object when nothing changes). */
export function confirmStep(st: ConfirmState, e: ConfirmEvent): ConfirmState {
  switch (e.t) {
    case 'press':
      if (st.s === 'sending') return st;
      if (!e.canPlace) return st.s === 'armed' ? IDLE : st;
      if (st.s === 'armed' && st.key === e.key) return { s: 'sending', key: e.key };
      return { s: 'armed', key: e.key };
    case 'escape':
      return st.s === 'armed' ? IDLE : st;
    case 'change':
      if (st.s === 'sending') return st;
      if (st.s === 'idle') return st;
      return st.key === e.key ? st : IDLE;
    case 'placed':
      return st.s === 'sending' ? { s: 'placed', key: st.key, tradeId: e.tradeId } : st;
    case 'failed':
      return st.s === 'sending' ? { s: 'failed', key: st.key, message: e.message } : st;
  }
}

/** A stable fingerprint of a setup body (keys sorted, undefined left out), so "the same setup" is well defined. */
export function setupKey(body: Record<string, unknown>): string {
  const keys = Object.keys(body)
    .filter((k) => body[k] !== undefined)
    .sort();
  return JSON.stringify(keys.map((k) => [k, body[k]]));
}
