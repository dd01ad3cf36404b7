/**
 * Applying the engine's events of one command to the exchange's memory and its open group-commit batch: new orders,
 * fills (trades, positions, cash), cancels, amends and triggers, OCO list completion; and the events published after
 * the batch commits (public `trade`/`book`, the owners' `ex-order`).
 *
 * Invariants:
 * - Engine order: every event is applied in the order the engine emitted it, so memory and the batch hold exactly the
 *   state after the command.
 * - An account's exposure keeps equal to its live orders' reservations (see `./state.ts`); when an OCO leg is
 *   cancelled because its partner traded or triggered, the surviving leg starts counting in full.
 * - `ex-order` data is built only when one of the account's owners is listening (`EventBus.watching`).
 */
import type { MatchEvent } from '../../core/orderbook/types.ts';
import { formatAtoms } from '../../core/money/decimal.ts';
import type { TradingEvent } from '../events.ts';
import type { Core } from './core.ts';
import {
  exposureOf,
  hasLimitPrice,
  orderView,
  priceText,
  reserveLots,
  sizeText,
  type Account,
  type ExchangeState,
  type LiveOrder,
  type MarketRuntime,
} from './state.ts';
import type { Batch } from './writer.ts';

/** The `ex-order` event data of an order change. */
function orderEventData(
  m: MarketRuntime,
  o: LiveOrder,
  acc: Account,
  event: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...orderView(m, o),
    symbol: m.symbol,
    event,
    filledQuote: formatAtoms(o.filledQuote),
    ownerIds: [...acc.owners],
    ...extra,
  };
}

/**
 * Queues an event for every owner of `acc` who is listening; `data` is built (now, from the current state) only if
 * one is.
 */
function toOwners(
  core: Core,
  b: Batch,
  acc: Account,
  type: TradingEvent['type'],
  data: () => Record<string, unknown>,
): void {
  let d: Record<string, unknown> | null = null;
  for (const uid of acc.owners)
    if (core.events.watching(uid)) b.events.push({ type, userId: uid, data: (d ??= data()) });
}

/** Removes a finished order from the live maps (and finishes its list once both legs are done). */
function finish(s: ExchangeState, b: Batch, o: LiveOrder, at: Date): void {
  if (!s.orders.delete(o.id)) return;
  const acc = s.accounts.get(o.accountId)!;
  acc.live.delete(o.id);
  if (o.clientOrderId !== null && acc.byClientId.get(o.clientOrderId) === o.id) acc.byClientId.delete(o.clientOrderId);
  if (o.listId !== null) {
    const l = s.lists.get(o.listId);
    if (l && l.orderIds.every((id) => !s.orders.has(id))) {
      l.status = 'all-done';
      l.updatedAt = at;
      s.lists.delete(l.id);
      b.touchList(l);
    }
  }
}

/**
 * Applies a command's engine events to memory and records them in `b`: new orders (`fresh`, in id order), fills
 * (trades, positions, cash), cancels, amends and triggers; queues the public `trade`/`book` events and the owners'
 * `ex-order` events.
 */
export function applyEvents(
  core: Core,
  m: MarketRuntime,
  events: MatchEvent[],
  fresh: LiveOrder[],
  b: Batch,
  userCancelReason = 'user',
): void {
  const s = core.state;
  const now = new Date();
  const orderOf = (id: number): LiveOrder => s.orders.get(id) ?? fresh.find((o) => o.id === id)!;
  for (const e of events) {
    switch (e.type) {
      case 'accepted': {
        const o = fresh.find((x) => x.id === e.orderId)!;
        const acc = s.accounts.get(o.accountId)!;
        o.createdAt = o.updatedAt = now;
        s.orders.set(o.id, o);
        acc.live.add(o.id);
        if (o.clientOrderId !== null) acc.byClientId.set(o.clientOrderId, o.id);
        reserveLots(acc, o, o.remaining, 1n);
        b.insertOrder(o);
        b.addHistory(o.id, 'accepted', o.size, now);
        b.touched.add(acc.id);
        toOwners(core, b, acc, 'ex-order', () => orderEventData(m, o, acc, 'accepted'));
        break;
      }
      case 'trade': {
        const tradeId = s.nextTradeId++;
        b.trades.push({
          id: tradeId,
          marketId: m.id,
          makerOrderId: e.makerOrderId,
          takerOrderId: e.takerOrderId,
          makerAccount: e.makerAccount,
          takerAccount: e.takerAccount,
          price: e.price,
          size: e.size,
          takerSide: e.takerSide,
          at: now,
        });
        const cost = BigInt(e.size) * BigInt(e.price) * m.margin.atomsPerTickLot;
        for (const [orderId, dir, maker] of [
          [e.makerOrderId, e.takerSide === 'buy' ? -1n : 1n, true],
          [e.takerOrderId, e.takerSide === 'buy' ? 1n : -1n, false],
        ] as const) {
          const o = orderOf(orderId);
          const acc = s.accounts.get(o.accountId)!;
          reserveLots(acc, o, e.size, -1n);
          o.remaining -= e.size;
          o.filled += e.size;
          o.filledQuote += cost;
          o.updatedAt = now;
          if (o.remaining === 0) o.status = 'filled';
          exposureOf(acc, m.id).position += dir * BigInt(e.size);
          acc.cash -= dir * cost;
          b.touchOrder(o);
          b.addHistory(o.id, 'fill', o.remaining, now);
          b.addPosition(acc.id, m.id, dir * BigInt(e.size));
          b.addCash(acc.id, -dir * cost);
          b.touched.add(acc.id);
          toOwners(core, b, acc, 'ex-order', () =>
            orderEventData(m, o, acc, 'fill', {
              lastFill: {
                price: priceText(m, e.price),
                size: sizeText(m, e.size),
                quoteQty: formatAtoms(cost),
                tradeId,
                maker,
              },
            }),
          );
        }
        b.events.push({
          type: 'trade',
          userId: null,
          data: {
            id: tradeId,
            marketId: m.id,
            price: priceText(m, e.price),
            size: sizeText(m, e.size),
            takerSide: e.takerSide,
            at: now.toISOString(),
            ...(m.hideAccounts
              ? {}
              : {
                  makerAccountId: e.makerAccount,
                  takerAccountId: e.takerAccount,
                  accounts: [e.makerAccount, e.takerAccount],
                }),
          },
        });
        break;
      }
      case 'cancelled': {
        const o = orderOf(e.orderId);
        const acc = s.accounts.get(o.accountId)!;
        reserveLots(acc, o, o.remaining, -1n);
        o.remaining = 0;
        o.status = 'cancelled';
        o.updatedAt = now;
        b.touchOrder(o);
        const reason = e.reason === 'user' ? userCancelReason : e.reason;
        b.addHistory(o.id, 'cancel', 0, now, reason);
        b.touched.add(acc.id);
        toOwners(core, b, acc, 'ex-order', () => orderEventData(m, o, acc, 'cancelled', { cancelReason: reason }));
        if (e.reason === 'oco' && o.listId !== null) {
          // the surviving leg now counts in full
          const other = s.lists.get(o.listId)?.orderIds.find((id) => id !== o.id);
          const survivor = other === undefined ? undefined : s.orders.get(other);
          if (survivor && !survivor.margin && survivor.remaining > 0) {
            survivor.margin = true;
            reserveLots(acc, survivor, survivor.remaining, 1n);
          }
        }
        finish(s, b, o, now);
        break;
      }
      case 'done': {
        const o = s.orders.get(e.orderId);
        if (o) finish(s, b, o, now);
        break;
      }
      case 'amended': {
        const o = orderOf(e.orderId);
        const acc = s.accounts.get(o.accountId)!;
        reserveLots(acc, o, o.remaining, -1n);
        o.remaining = e.remaining;
        o.size = o.filled + e.remaining;
        o.price = e.price;
        if (hasLimitPrice(o.type)) o.reserve = BigInt(e.price);
        reserveLots(acc, o, o.remaining, 1n);
        if (!e.priorityKept) o.priority = s.nextPriority++;
        o.updatedAt = now;
        b.touchOrder(o);
        b.addHistory(o.id, 'amend', o.remaining, now);
        b.touched.add(acc.id);
        toOwners(core, b, acc, 'ex-order', () => orderEventData(m, o, acc, 'amended'));
        break;
      }
      case 'triggered': {
        const o = orderOf(e.orderId);
        const acc = s.accounts.get(o.accountId)!;
        o.status = 'open';
        o.type = o.type === 'stop-market' || o.type === 'take-profit' ? 'market' : 'limit';
        o.priority = s.nextPriority++;
        o.updatedAt = now;
        b.touchOrder(o);
        b.addHistory(o.id, 'trigger', o.remaining, now);
        toOwners(core, b, acc, 'ex-order', () => orderEventData(m, o, acc, 'triggered'));
        break;
      }
      default:
        break;
    }
  }
  b.events.push({ type: 'book', userId: null, data: { marketId: m.id } });
}

/** The engine's events as served (prices and sizes as decimal text; account ids hidden when the market says so). */
export function eventsView(m: MarketRuntime, events: MatchEvent[]): Record<string, unknown>[] {
  return events.map((e) => {
    switch (e.type) {
      case 'trade': {
        const t = { ...e, price: priceText(m, e.price), size: sizeText(m, e.size) };
        if (!m.hideAccounts) return t;
        const { makerAccount: _m, takerAccount: _t, ...anonymous } = t;
        return anonymous;
      }
      case 'accepted':
        return { ...e, price: priceText(m, e.price), size: sizeText(m, e.size) };
      case 'cancelled':
        return { ...e, remaining: sizeText(m, e.remaining) };
      case 'amended':
        return { ...e, price: priceText(m, e.price), remaining: sizeText(m, e.remaining) };
      case 'done': {
        const d = { ...e, filled: sizeText(m, e.filled) };
        if (!m.hideAccounts) return d;
        const { account: _a, ...anonymous } = d;
        return anonymous;
      }
      case 'triggered':
        return { ...e, lastPrice: priceText(m, e.lastPrice) };
      default:
        return { ...e };
    }
  });
}
