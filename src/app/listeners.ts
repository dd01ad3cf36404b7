/**
 * A set of in-process listeners for one kind of event (sessions ended, tokens revoked, …): subscribe with
 * {@link Listeners.on}, announce with {@link Listeners.emit}. A throwing listener (a closing socket, say) never breaks
 * the action that announced the event, nor stops the other listeners.
 */
export class Listeners<E> {
  private readonly fns = new Set<(e: E) => void>();

  /** Calls `fn` on every later {@link emit}. Returns the unsubscribe function (idempotent; the same `fn` twice is two). */
  on(fn: (e: E) => void): () => void {
    const f = (e: E): void => fn(e);
    this.fns.add(f);
    return () => {
      this.fns.delete(f);
    };
  }

  /** Calls every listener with `e`, in subscription order; a listener's error is swallowed. */
  emit(e: E): void {
    for (const fn of this.fns) {
      try {
        fn(e);
      } catch {
        // a listener must not break what announced the event
      }
    }
  }
}
