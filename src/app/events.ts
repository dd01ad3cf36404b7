/**
 * The in-process event bus: trading events per user, streamed to that user's WebSocket connections.
 */

/** Event types streamed on `/ws`. */
export type TradingEventType =
  | 'decision'
  | 'order'
  | 'fill'
  | 'position'
  | 'trade-closed'
  | 'breaker'
  | 'candle'
  | 'market'
  | 'book'
  | 'trade'
  | 'transfer'
  | 'ex-order'
  | 'ex-account'
  | 'ownership'
  | 'backtest-progress'
  | 'backtest-done'
  | 'backtest-failed'
  | 'replay'
  | 'import-progress'
  | 'import-done'
  | 'import-failed'
  | 'import-complete'
  | 'connection'
  | 'reconcile';

/** One event: its type, the user it belongs to (null: every user), and a JSON-safe payload. */
export interface TradingEvent {
  type: TradingEventType;
  userId: number | null;
  data: Record<string, unknown>;
}

/** Publish/subscribe by user. */
export class EventBus {
  private readonly subs = new Set<(e: TradingEvent) => void>();

  /** Delivers `e` to every subscriber; a throwing subscriber does not stop the others. */
  publish(e: TradingEvent): void {
    for (const s of this.subs) {
      try {
        s(e);
      } catch {
        // a broken socket must not break trading
      }
    }
  }

  /** Subscriptions per user id (for {@link watching}). */
  private readonly watchers = new Map<number, number>();

  /**
   * Subscribes to the events of `userId` (and to broadcast events); a negative id gets only the broadcast ones.
   * Returns an unsubscribe function (idempotent).
   */
  subscribe(userId: number, fn: (e: TradingEvent) => void): () => void {
    const f = (e: TradingEvent): void => {
      if (e.userId === null || e.userId === userId) fn(e);
    };
    this.subs.add(f);
    this.watchers.set(userId, (this.watchers.get(userId) ?? 0) + 1);
    let on = true;
    return () => {
      if (!on) return;
      on = false;
      this.subs.delete(f);
      const n = (this.watchers.get(userId) ?? 1) - 1;
      if (n > 0) this.watchers.set(userId, n);
      else this.watchers.delete(userId);
    };
  }

  /** Whether anyone is subscribed to `userId`'s events (publishers may skip building private events otherwise). */
  watching(userId: number): boolean {
    return this.watchers.has(userId);
  }
}
