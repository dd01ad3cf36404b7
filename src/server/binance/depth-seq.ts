/**
 * Order-book update ids per market (Binance's `lastUpdateId` of the REST depth snapshot and `U`/`u` of the diff
 * stream). One id per published `book` event of the market (every command that changed it), counted from a base taken
 * from the clock when the context is first seen, so ids keep increasing across restarts.
 *
 * Consistency rule for both users: the REST snapshot reads the id BEFORE reading the book, so the snapshot is at
 * least as new as its `lastUpdateId`; diffs carry absolute quantities per level, so applying a diff the snapshot
 * already contains changes nothing. The WebSocket diff stream (`./ws.ts`) uses the same counter.
 */
import type { AppContext } from '../../app/context.ts';

/** The update-id counters of one context. */
export interface DepthSeq {
  /** The id of the latest change of `marketId`'s book (the base when it never changed). */
  current(marketId: number): number;
}

const seqs = new WeakMap<AppContext, DepthSeq>();

/** The counters of `ctx` (subscribes to its event bus on first call). */
export function depthSeqOf(ctx: AppContext): DepthSeq {
  let s = seqs.get(ctx);
  if (!s) {
    const base = Date.now() * 1000;
    const ids = new Map<number, number>();
    ctx.events.subscribe(-1, (e) => {
      if (e.type !== 'book') return;
      const m = Number(e.data.marketId);
      ids.set(m, (ids.get(m) ?? base) + 1);
    });
    s = { current: (marketId) => ids.get(marketId) ?? base };
    seqs.set(ctx, s);
  }
  return s;
}
