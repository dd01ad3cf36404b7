import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OrderBook, type Amendment } from './engine.ts';
import type { MatchEvent, NewOrder, OrderType, OrderView, Side, StpMode, TimeInForce } from './types.ts';

/** One concrete command, as replayed on a book. */
type Op =
  | { kind: 'submit'; order: NewOrder }
  | { kind: 'cancel'; id: number }
  | { kind: 'amend'; id: number; amendment: Amendment }
  | { kind: 'oco'; a: NewOrder; b: NewOrder };

function apply(book: OrderBook, op: Op): MatchEvent[] {
  switch (op.kind) {
    case 'submit':
      return book.submit(op.order);
    case 'cancel':
      return book.cancel(op.id);
    case 'amend':
      return book.amend(op.id, op.amendment);
    case 'oco':
      return book.submitOco(op.a, op.b);
  }
}

// --- Generators: small price ranges so books cross often, a few accounts so self-trade prevention fires. ---

const LO = 97;
const HI = 103;
const price = fc.integer({ min: LO, max: HI });

const submitArb = fc.record({
  kind: fc.constant('submit' as const),
  /** Most orders get a fresh id; some reuse an earlier id (a live one is a duplicate, a done one is fine). */
  reuse: fc.oneof(
    { weight: 15, arbitrary: fc.constant<number | undefined>(undefined) },
    { weight: 1, arbitrary: fc.nat() },
  ),
  account: fc.integer({ min: 1, max: 4 }),
  side: fc.constantFrom<Side>('buy', 'sell'),
  type: fc.oneof(
    { weight: 10, arbitrary: fc.constant<OrderType>('limit') },
    { weight: 2, arbitrary: fc.constant<OrderType>('market') },
    { weight: 2, arbitrary: fc.constant<OrderType>('stop-market') },
    { weight: 2, arbitrary: fc.constant<OrderType>('stop-limit') },
    { weight: 1, arbitrary: fc.constant<OrderType>('take-profit') },
    { weight: 1, arbitrary: fc.constant<OrderType>('take-profit-limit') },
  ),
  price,
  stopPrice: price,
  size: fc.oneof({ weight: 30, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  tif: fc.oneof(
    { weight: 6, arbitrary: fc.constant<TimeInForce | undefined>(undefined) },
    { weight: 2, arbitrary: fc.constantFrom<TimeInForce | undefined>('GTC', 'IOC', 'FOK') },
  ),
  postOnly: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  stp: fc.option(fc.constantFrom<StpMode>('cancel-resting', 'cancel-incoming', 'cancel-both'), { nil: undefined }),
  bandTicks: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 2, nil: undefined }),
});

const cancelArb = fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() });

const amendArb = fc.record({
  kind: fc.constant('amend' as const),
  pick: fc.nat(),
  size: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  price: fc.option(price, { nil: undefined }),
});

/** One leg of an OCO pair: mostly valid legs (GTC limit or conditional), now and then a market or IOC leg. */
const legArb = fc.record({
  type: fc.oneof(
    { weight: 6, arbitrary: fc.constant<OrderType>('limit') },
    { weight: 2, arbitrary: fc.constant<OrderType>('stop-market') },
    { weight: 2, arbitrary: fc.constant<OrderType>('stop-limit') },
    { weight: 2, arbitrary: fc.constant<OrderType>('take-profit') },
    { weight: 2, arbitrary: fc.constant<OrderType>('take-profit-limit') },
    { weight: 1, arbitrary: fc.constant<OrderType>('market') },
  ),
  price,
  stopPrice: price,
  size: fc.oneof({ weight: 40, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  tif: fc.oneof(
    { weight: 12, arbitrary: fc.constant<TimeInForce | undefined>(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<TimeInForce | undefined>('GTC', 'IOC') },
  ),
  postOnly: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const ocoArb = fc.record({
  kind: fc.constant('oco' as const),
  account: fc.integer({ min: 1, max: 4 }),
  side: fc.constantFrom<Side>('buy', 'sell'),
  /** Now and then a pair that cannot be an OCO: the second leg of another account, or side; or a reused id. */
  flaw: fc.oneof(
    { weight: 20, arbitrary: fc.constant<'none' | 'account' | 'side' | 'same-id' | 'reuse'>('none') },
    {
      weight: 1,
      arbitrary: fc.constantFrom<'none' | 'account' | 'side' | 'same-id' | 'reuse'>(
        'account',
        'side',
        'same-id',
        'reuse',
      ),
    },
  ),
  pick: fc.nat(),
  a: legArb,
  b: legArb,
});

const cmdArb = fc.oneof(
  { weight: 7, arbitrary: submitArb },
  { weight: 1, arbitrary: cancelArb },
  { weight: 2, arbitrary: amendArb },
  { weight: 2, arbitrary: ocoArb },
);
type RawCmd = typeof cmdArb extends fc.Arbitrary<infer T> ? T : never;

const STREAMS = 500;
const COMMANDS = 200;
const streamArb = fc.array(cmdArb, { minLength: 1, maxLength: COMMANDS, size: 'max' });

/** A cheap assertion for the hot loops: vitest's `expect` is too slow to call millions of times. */
function check(cond: boolean, msg: () => string): void {
  if (!cond) throw new Error(msg());
}

/** Deep equality, compared cheaply first and through `expect` (for its diff) only when it fails. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, what).toEqual(expected);
}

// --- The test's model of each order, built from the events alone. ---

interface ModelOrder {
  id: number;
  account: number;
  side: Side;
  type: OrderType;
  /** Limit price (null for market and stop-market orders). */
  price: number | null;
  stopPrice: number | null;
  /** Accepted size adjusted by every amend delta. */
  submitted: number;
  filled: number;
  cancelled: number;
  remaining: number;
  pending: boolean;
  postOnly: boolean;
  tif: TimeInForce;
  /** Arrival order of accepted orders (stops with one trigger price trigger in this order). */
  arrival: number;
  /** Queue position: assigned when the order enters (or re-enters) matching; lower = earlier in its level. */
  key: number;
  /** The other leg while this OCO leg is linked (as the events tell), else null. */
  link: number | null;
  /** The other leg of the OCO pair it was accepted in, for good (null for a plain order). */
  pair: ModelOrder | null;
  /** Whether it has traded or triggered. */
  activated: boolean;
}

/** The order types that wait for a trigger. */
const isConditional = (t: OrderType): boolean =>
  t === 'stop-market' || t === 'stop-limit' || t === 'take-profit' || t === 'take-profit-limit';

/** Trigger direction of a conditional order: up (last ≥ stop: buy stops, sell take-profits) or down. */
type Dir = 'up' | 'down';
const dirOf = (o: { side: Side; type: OrderType }): Dir =>
  (o.side === 'buy') === (o.type === 'stop-market' || o.type === 'stop-limit') ? 'up' : 'down';

/** A concrete order from generated fields. */
function orderOf(
  id: number,
  account: number,
  side: Side,
  c: { type: OrderType; price: number; stopPrice: number; size: number; tif?: TimeInForce; postOnly: boolean },
): NewOrder {
  const order: NewOrder = { id, account, side, type: c.type, size: c.size };
  if (c.type === 'limit' || c.type === 'stop-limit' || c.type === 'take-profit-limit') order.price = c.price;
  if (isConditional(c.type)) order.stopPrice = c.stopPrice;
  if (c.tif !== undefined) order.tif = c.tif;
  if (c.postOnly) order.postOnly = true;
  return order;
}

class Model {
  readonly live = new Map<number, ModelOrder>();
  /** Every id ever used, to cancel and amend live and dead ids alike. */
  readonly seen: number[] = [];
  private keys = 0;
  private arrivals = 0;
  /** The last trade price, from the events. */
  private last: number | null = null;
  /** How many times a trade was checked against another order resting at the maker's price. */
  queueChecks = 0;
  /** How many OCO links were broken by a trade, a trigger, or a cancellation of a leg. */
  readonly ocoBreaks = { trade: 0, trigger: 0, cancel: 0 };
  nextId = 1;

  /** Resolves a raw command against the current state into a concrete operation. */
  resolve(c: RawCmd): Op {
    if (c.kind === 'oco') {
      const idA = c.flaw === 'reuse' && this.seen.length ? this.seen[c.pick % this.seen.length]! : this.nextId++;
      const idB = c.flaw === 'same-id' ? idA : this.nextId++;
      const accountB = c.flaw === 'account' ? (c.account % 4) + 1 : c.account;
      const sideB = c.flaw === 'side' ? (c.side === 'buy' ? 'sell' : 'buy') : c.side;
      return { kind: 'oco', a: orderOf(idA, c.account, c.side, c.a), b: orderOf(idB, accountB, sideB, c.b) };
    }
    if (c.kind === 'submit') {
      const id = c.reuse !== undefined && this.seen.length ? this.seen[c.reuse % this.seen.length]! : this.nextId++;
      const order = orderOf(id, c.account, c.side, c);
      if (c.stp !== undefined) order.stp = c.stp;
      if (c.type === 'market' && c.bandTicks !== undefined) order.bandTicks = c.bandTicks;
      return { kind: 'submit', order };
    }
    const id = this.pickId(c.pick);
    if (c.kind === 'cancel') return { kind: 'cancel', id };
    const amendment: Amendment = {};
    if (c.size !== undefined) amendment.size = c.size;
    if (c.price !== undefined) amendment.price = c.price;
    return { kind: 'amend', id, amendment };
  }

  /** Half the time a live id, otherwise any id seen so far, or now and then one never used. */
  private pickId(pick: number): number {
    if (pick % 10 === 9 || this.seen.length === 0) return 1_000_000 + pick;
    const live = [...this.live.keys()];
    if (pick % 2 === 0 && live.length) return live[(pick >> 1) % live.length]!;
    return this.seen[(pick >> 1) % this.seen.length]!;
  }

  private get(id: number): ModelOrder {
    const o = this.live.get(id);
    if (!o) throw new Error(`event for order ${id}, which the model has not seen live`);
    return o;
  }

  /** Orders resting in the book (live, triggered or never a stop, with a limit price). */
  resting(): ModelOrder[] {
    return [...this.live.values()].filter((o) => !o.pending && o.price !== null);
  }

  /** Applies the events of one command, checking every per-event property on the way. */
  applyEvents(op: Op, evs: MatchEvent[], before: { bid: number | null; ask: number | null }): void {
    check(evs.length > 0, () => 'a command without events');
    this.checkOutcome(op, evs[0]!, before, evs);
    const target = op.kind === 'cancel' ? this.live.get(op.id) : undefined;
    if (op.kind === 'cancel' && target) {
      const cancelled = (m: ModelOrder, reason: 'user' | 'oco'): MatchEvent[] => [
        { type: 'cancelled', orderId: m.id, account: m.account, remaining: m.remaining, reason },
        { type: 'done', orderId: m.id, account: m.account, filled: m.filled, reason: 'cancelled' },
      ];
      // a linked leg takes the other leg with it
      const partner = target.link !== null ? this.get(target.link) : null;
      same(
        evs,
        [...cancelled(target, 'user'), ...(partner ? cancelled(partner, 'oco') : [])],
        'cancel of a live order',
      );
    }
    /**
     * Pending conditional orders the last price has reached in this command, per trigger direction, in the order
     * they must trigger: as they become due, and among those due at once by trigger price (nearest first) then
     * arrival. Each must trigger within the command (or be cancelled by its OCO partner first).
     */
    const due: Record<Dir, number[]> = { up: [], down: [] };
    /** OCO legs whose partner has traded, triggered or been cancelled: each must be cancelled next (reason oco). */
    const mustOco = new Set<number>();
    /** Unlinks a leg whose link breaks now: its partner must go with reason oco, before it can trade or trigger. */
    const breakLink = (m: ModelOrder, why: 'trade' | 'trigger' | 'cancel') => {
      if (m.link === null) return;
      const p = this.get(m.link);
      check(p.link === m.id, () => `link of ${m.id} and ${p.id} is one-sided`);
      m.link = p.link = null;
      mustOco.add(p.id);
      this.ocoBreaks[why]++;
    };
    /** Never both legs of one OCO pair trade or trigger. */
    const activate = (m: ModelOrder) => {
      check(!m.pair?.activated, () => `both legs of an OCO pair activated: ${m.id}, ${m.pair?.id}`);
      check(!mustOco.has(m.id), () => `OCO leg ${m.id} traded or triggered after its partner`);
      m.activated = true;
    };
    /** FOK orders cancelled as not fillable: this must be all that happens in the command. */
    const fokKilled = new Set<number>();
    for (const e of evs) {
      switch (e.type) {
        case 'accepted': {
          let o: NewOrder;
          let linkedId: number | undefined;
          if (op.kind === 'oco') {
            // both legs are accepted first, a then b, each naming the other
            const i = evs.indexOf(e);
            check(i < 2, () => `stray accepted ${e.orderId}`);
            o = i === 0 ? op.a : op.b;
            linkedId = i === 0 ? op.b.id : op.a.id;
          } else {
            check(op.kind === 'submit' && e.orderId === op.order.id, () => `stray accepted ${e.orderId}`);
            o = (op as { order: NewOrder }).order;
          }
          check(e.orderId === o.id && e.linkedId === linkedId, () => `accepted ${e.orderId} with link ${e.linkedId}`);
          check(!this.live.has(e.orderId), () => `accepted live id ${e.orderId}`);
          const isStop = isConditional(o.type);
          const price =
            o.type === 'limit' || o.type === 'stop-limit' || o.type === 'take-profit-limit' ? o.price! : null;
          check(e.pending === isStop && e.price === price && e.size === o.size, () => `accepted ${e.orderId} as sent`);
          this.live.set(e.orderId, {
            id: e.orderId,
            account: e.account,
            side: e.side,
            type: e.orderType,
            price: e.price,
            stopPrice: isStop ? o.stopPrice! : null,
            submitted: e.size,
            filled: 0,
            cancelled: 0,
            remaining: e.size,
            pending: e.pending,
            postOnly: o.postOnly === true,
            tif: o.type === 'market' || o.type === 'stop-market' || o.type === 'take-profit' ? 'IOC' : (o.tif ?? 'GTC'),
            arrival: ++this.arrivals,
            key: e.pending ? -1 : ++this.keys,
            link: linkedId ?? null,
            pair: null,
            activated: false,
          });
          if (op.kind === 'oco' && e.orderId === op.b.id) {
            const a = this.get(op.a.id);
            const b = this.get(op.b.id);
            a.pair = b;
            b.pair = a;
          }
          // a conditional order whose trigger the last price has already reached is due at once
          const added = this.live.get(e.orderId)!;
          if (e.pending && this.reached(added, this.last)) due[dirOf(added)].push(e.orderId);
          if (!this.seen.includes(e.orderId)) this.seen.push(e.orderId);
          break;
        }
        case 'triggered': {
          const m = this.get(e.orderId);
          check(m.pending, () => `triggered ${m.id}, which was not pending`);
          const dir = dirOf(m);
          check(due[dir][0] === m.id, () => `triggered ${m.id}, but due first: ${due[dir].join(', ')}`);
          due[dir].shift();
          activate(m);
          breakLink(m, 'trigger');
          m.pending = false;
          m.type = m.type === 'stop-market' || m.type === 'take-profit' ? 'market' : 'limit';
          m.key = ++this.keys;
          check(e.lastPrice === this.last, () => `triggered ${m.id} at ${e.lastPrice}, last ${this.last}`);
          break;
        }
        case 'trade': {
          const maker = this.get(e.makerOrderId);
          const taker = this.get(e.takerOrderId);
          const what = () => `trade ${JSON.stringify(e)}`;
          // (f) never a self-trade, and the accounts and sides are the orders' own
          check(e.makerAccount === maker.account && e.takerAccount === taker.account, what);
          check(e.makerAccount !== e.takerAccount, () => `self-trade: ${what()}`);
          check(e.takerSide === taker.side && maker.side !== taker.side, what);
          check(!maker.pending && !taker.pending, what);
          check(Number.isSafeInteger(e.size) && e.size > 0, what);
          check(e.size <= maker.remaining && e.size <= taker.remaining, () => `overfill: ${what()}`);
          // (c) at the maker's limit price at the time, and within the taker's limit
          check(e.price === maker.price, () => `not at the maker price ${maker.price}: ${what()}`);
          if (taker.price !== null) {
            check(
              taker.side === 'buy' ? e.price <= taker.price : e.price >= taker.price,
              () => `through the limit: ${what()}`,
            );
          }
          for (const o of this.live.values()) {
            if (o === maker || o === taker || o.pending || o.price === null || o.side !== maker.side) continue;
            // (d) FIFO within the level: nothing that arrived earlier at the maker's price still rests there
            if (o.price === maker.price) {
              this.queueChecks++;
              check(o.key > maker.key, () => `order ${o.id} rests ahead of maker ${maker.id}: ${what()}`);
            }
            // and the best price first: nothing rests at a better price on the maker's side
            check(
              maker.side === 'sell' ? o.price >= e.price : o.price <= e.price,
              () => `better price ${o.price}: ${what()}`,
            );
          }
          maker.filled += e.size;
          maker.remaining -= e.size;
          taker.filled += e.size;
          taker.remaining -= e.size;
          // an OCO leg that trades (even partly) breaks its link: the other leg must be cancelled
          activate(maker);
          activate(taker);
          breakLink(maker, 'trade');
          breakLink(taker, 'trade');
          // conditional orders this trade's price reaches become due: up ones first, nearest trigger, then arrival
          this.last = e.price;
          const fresh = [...this.live.values()].filter(
            (o) => this.reached(o, e.price) && !due[dirOf(o)].includes(o.id),
          );
          fresh.sort((a, b) => {
            const da = dirOf(a);
            if (da !== dirOf(b)) return da === 'up' ? -1 : 1;
            if (a.stopPrice === b.stopPrice) return a.arrival - b.arrival;
            return da === 'up' ? a.stopPrice! - b.stopPrice! : b.stopPrice! - a.stopPrice!;
          });
          for (const o of fresh) due[dirOf(o)].push(o.id);
          break;
        }
        case 'cancelled': {
          const m = this.get(e.orderId);
          if (e.reason === 'fok-not-fillable') {
            check(m.tif === 'FOK' && m.filled === 0, () => `fok-not-fillable for ${m.id}`);
            fokKilled.add(m.id);
          }
          check(e.account === m.account && e.remaining === m.remaining && e.remaining > 0, () => `cancelled ${m.id}`);
          if (e.reason === 'oco') {
            // only a leg whose partner just traded, triggered or was cancelled, and in the same command
            check(mustOco.delete(m.id), () => `oco cancel of ${m.id}, whose partner is untouched`);
          } else {
            check(!mustOco.has(m.id), () => `OCO leg ${m.id} cancelled for ${e.reason}, not oco`);
            breakLink(m, 'cancel');
          }
          // a due conditional order cancelled before its turn (by its OCO partner) never triggers
          if (m.pending) {
            const q = due[dirOf(m)];
            if (q.includes(m.id)) q.splice(q.indexOf(m.id), 1);
          }
          m.cancelled += e.remaining;
          m.remaining = 0;
          break;
        }
        case 'amended': {
          check(op.kind === 'amend' && e.orderId === op.id, () => `stray amended ${e.orderId}`);
          const m = this.get(e.orderId);
          const a = (op as { amendment: Amendment }).amendment;
          check(
            !m.pending && e.price === (a.price ?? m.price) && e.remaining === (a.size ?? m.remaining),
            () => `amended ${m.id}`,
          );
          // priority is kept exactly when the price is unchanged and the size does not grow
          check(e.priorityKept === (e.price === m.price && e.remaining <= m.remaining), () => `priority of ${m.id}`);
          m.submitted += e.remaining - m.remaining;
          m.remaining = e.remaining;
          m.price = e.price;
          if (!e.priorityKept) m.key = ++this.keys;
          break;
        }
        case 'done': {
          const m = this.get(e.orderId);
          check(e.account === m.account && m.remaining === 0 && e.filled === m.filled, () => `done ${m.id}`);
          check(e.reason === (m.cancelled > 0 ? 'cancelled' : 'filled'), () => `done reason of ${m.id}`);
          // (b) a finished order: submitted (with amend deltas) = filled + cancelled
          check(m.filled + m.cancelled === m.submitted, () => `quantity of ${m.id}: ${JSON.stringify(m)}`);
          // FOK is all or nothing (and a FOK order never rests, so it is done within its command)
          if (m.tif === 'FOK' && m.type === 'limit') {
            check(
              m.filled === m.submitted || (m.filled === 0 && fokKilled.has(m.id)),
              () => `FOK ${m.id} partly filled`,
            );
          }
          this.live.delete(m.id);
          break;
        }
        case 'rejected':
          // checkOutcome checked the code(s); a rejected command emits nothing else (one event per leg of an OCO)
          check(evs.length === (op.kind === 'oco' ? 2 : 1), () => `events after a rejection: ${JSON.stringify(evs)}`);
          break;
      }
    }
    // every stop a trade reached has triggered within the command
    const stillDue = [...due.up, ...due.down];
    check(stillDue.length === 0, () => `stops reached by a trade but still pending: ${stillDue.join(', ')}`);
    // every OCO leg whose partner traded, triggered or was cancelled is gone within the same command
    check(mustOco.size === 0, () => `OCO legs not cancelled with their partner: ${[...mustOco].join(', ')}`);
    // a FOK limit order that cannot fill has no side effects: its own three events are all the command emits
    if (fokKilled.size > 0 && op.kind === 'submit' && op.order.type === 'limit' && fokKilled.has(op.order.id)) {
      check(evs.length === 3, () => `side effects of an unfillable FOK: ${JSON.stringify(evs)}`);
    }
  }

  /** Whether the last price `p` reaches a pending conditional order's trigger (up: p ≥ stop; down: p ≤ stop). */
  private reached(o: ModelOrder, p: number | null): boolean {
    return o.pending && p !== null && (dirOf(o) === 'up' ? p >= o.stopPrice! : p <= o.stopPrice!);
  }

  /** The first event of a command: accepted, amended, cancelled, or rejected with exactly the expected code. */
  private checkOutcome(
    op: Op,
    first: MatchEvent,
    before: { bid: number | null; ask: number | null },
    evs: MatchEvent[],
  ): void {
    const crosses = (side: Side, p: number) =>
      side === 'buy' ? before.ask !== null && p >= before.ask : before.bid !== null && p <= before.bid;
    let want: { type: MatchEvent['type']; reason?: string };
    if (op.kind === 'oco') {
      const { a, b } = op;
      const leg = (o: NewOrder): string | null =>
        this.live.has(o.id)
          ? 'duplicate-id'
          : o.size === 0
            ? 'invalid-size'
            : o.postOnly && (o.type !== 'limit' || (o.tif !== undefined && o.tif !== 'GTC'))
              ? 'invalid-time-in-force'
              : o.type === 'market' || (o.type === 'limit' && o.tif !== undefined && o.tif !== 'GTC')
                ? 'invalid-oco'
                : null;
      let ra = leg(a);
      let rb = leg(b) ?? (a.id === b.id ? 'duplicate-id' : null);
      if (a.account !== b.account || a.side !== b.side) {
        ra ??= 'invalid-oco';
        rb ??= 'invalid-oco';
      }
      if (ra === null && a.postOnly && crosses(a.side, a.price!)) ra = 'post-only-would-take';
      if (rb === null && b.postOnly && crosses(b.side, b.price!)) rb = 'post-only-would-take';
      const wantEvs =
        ra !== null || rb !== null
          ? [
              { type: 'rejected', orderId: a.id, reason: ra ?? 'oco-leg-rejected' },
              { type: 'rejected', orderId: b.id, reason: rb ?? 'oco-leg-rejected' },
            ]
          : [
              { type: 'accepted', orderId: a.id },
              { type: 'accepted', orderId: b.id },
            ];
      const got = [evs[0], evs[1]].map((e) => {
        const r = e as { type?: string; orderId?: number; reason?: string } | undefined;
        return r?.reason === undefined
          ? { type: r?.type, orderId: r?.orderId }
          : { type: r.type, orderId: r.orderId, reason: r.reason };
      });
      same(got, wantEvs, `outcome of ${JSON.stringify(op)}`);
      return;
    }
    if (op.kind === 'submit') {
      const o = op.order;
      const reason = this.live.has(o.id)
        ? 'duplicate-id'
        : o.size === 0
          ? 'invalid-size'
          : o.postOnly && (o.type !== 'limit' || (o.tif !== undefined && o.tif !== 'GTC'))
            ? 'invalid-time-in-force'
            : o.postOnly && crosses(o.side, o.price!)
              ? 'post-only-would-take'
              : null;
      want = reason ? { type: 'rejected', reason } : { type: 'accepted' };
    } else {
      const m = this.live.get(op.id);
      if (!m || (op.kind === 'amend' && m.pending)) want = { type: 'rejected', reason: 'unknown-order' };
      else if (op.kind === 'cancel') want = { type: 'cancelled', reason: 'user' };
      else {
        // the generated amend sizes and prices are valid: only a post-only order moved to a crossing price is refused
        const p = op.amendment.price ?? m.price!;
        const refused = m.postOnly && p !== m.price && crosses(m.side, p);
        want = refused ? { type: 'rejected', reason: 'post-only-would-take' } : { type: 'amended' };
      }
    }
    const got = first as { type: string; reason?: string; orderId: number };
    const id = op.kind === 'submit' ? op.order.id : op.id;
    if (got.type !== want.type || got.reason !== want.reason || got.orderId !== id) {
      expect(first, JSON.stringify(op)).toMatchObject({ ...want, orderId: id });
    }
  }

  /** Checks the whole book against the model after a command. */
  checkBook(book: OrderBook): void {
    // (a) never crossed; depth strictly ordered and equal to the model's resting orders
    const bid = book.bestBid();
    const ask = book.bestAsk();
    check(bid === null || ask === null || bid < ask, () => `crossed book: ${bid} ≥ ${ask}`);
    const depth = book.depth(1000);
    check((depth.bids[0]?.price ?? null) === bid && (depth.asks[0]?.price ?? null) === ask, () => 'best ≠ depth');
    for (let i = 1; i < depth.bids.length; i++) check(depth.bids[i]!.price < depth.bids[i - 1]!.price, () => 'bids');
    for (let i = 1; i < depth.asks.length; i++) check(depth.asks[i]!.price > depth.asks[i - 1]!.price, () => 'asks');
    const resting = this.resting();
    const levels = (side: Side) => {
      const byPrice = new Map<number, { price: number; size: number; orders: number }>();
      for (const o of resting) {
        if (o.side !== side) continue;
        const l = byPrice.get(o.price!) ?? { price: o.price!, size: 0, orders: 0 };
        l.size += o.remaining;
        l.orders++;
        byPrice.set(o.price!, l);
      }
      return [...byPrice.values()].sort((a, b) => (side === 'buy' ? b.price - a.price : a.price - b.price));
    };
    same(depth, { bids: levels('buy'), asks: levels('sell') }, 'depth');

    // (b) per live order: submitted (with amend deltas) = filled + resting, nothing cancelled yet, as the book says
    const expected = (m: ModelOrder): OrderView => ({
      id: m.id,
      account: m.account,
      side: m.side,
      type: m.type,
      price: m.price,
      stopPrice: m.pending ? m.stopPrice : null,
      size: m.submitted,
      remaining: m.remaining,
      filled: m.filled,
      state: m.pending ? 'pending' : 'resting',
      ...(m.link !== null ? { linkedId: m.link } : {}),
    });
    const live = [...this.live.values()];
    for (const m of live) {
      check(m.cancelled === 0 && m.remaining > 0, () => `live order ${m.id} with nothing left`);
      // a linked OCO pair is live together, untouched; once unlinked, only the leg that traded or triggered lives
      if (m.pair) {
        if (m.link !== null) {
          check(
            this.live.get(m.link) === m.pair && m.pair.link === m.id && !m.activated && !m.pair.activated,
            () => `OCO leg ${m.id} linked to ${m.link}, which is not its live, untouched partner`,
          );
        } else {
          check(this.live.get(m.pair.id) !== m.pair, () => `OCO legs ${m.id} and ${m.pair?.id} both live unlinked`);
        }
      }
      // market, IOC and FOK orders never rest: only GTC limit orders (and pending stops) outlive their command
      check(m.pending || (m.type === 'limit' && m.tif === 'GTC'), () => `${m.tif} ${m.type} ${m.id} rests`);
      check(m.filled + m.remaining === m.submitted, () => `quantity of ${m.id}: ${JSON.stringify(m)}`);
    }
    same(
      live.map((m) => book.getOrder(m.id)),
      live.map(expected),
      'getOrder',
    );
    // allOrders: resting bids then asks, best price and earliest first, then pending stops by id
    const priority = (a: ModelOrder, b: ModelOrder) =>
      a.price === b.price ? a.key - b.key : a.side === 'buy' ? b.price! - a.price! : a.price! - b.price!;
    const all = [
      ...resting.filter((o) => o.side === 'buy').sort(priority),
      ...resting.filter((o) => o.side === 'sell').sort(priority),
      ...live.filter((o) => o.pending).sort((a, b) => a.id - b.id),
    ];
    same(book.allOrders(), all.map(expected), 'allOrders');
    check(book.size() === this.live.size, () => 'size()');

    // no pending stop has its trigger reached by the last price (the last trade's, as the events tell)
    const last = book.lastPrice();
    check(last === this.last, () => `lastPrice() ${last}, last trade ${this.last}`);
    if (last !== null) {
      for (const m of live) if (m.pending) check(!this.reached(m, last), () => `stop ${m.id} due`);
    }
  }
}

/** A tally key per event: its type, with the reason or priority where it has one. */
const tallyKey = (e: MatchEvent): string =>
  e.type === 'accepted'
    ? `accepted:${e.linkedId !== undefined ? 'oco' : e.orderType}`
    : e.type === 'rejected' || e.type === 'cancelled'
      ? `${e.type}:${e.reason}`
      : e.type === 'amended'
        ? `amended:${e.priorityKept ? 'kept' : 'lost'}`
        : e.type;

/** A live order submitted again as it stands: its remaining size, with its prices. */
function resubmitted(v: OrderView): NewOrder {
  const o: NewOrder = { id: v.id, account: v.account, side: v.side, type: v.type, size: v.remaining };
  if (v.price !== null) o.price = v.price;
  if (v.stopPrice !== null) o.stopPrice = v.stopPrice;
  return o;
}

/**
 * Rebuilds a book from its live orders, as the exchange service does after a restart: a fresh book with the last
 * price, every live order submitted again with its remaining size (resting orders in priority, then pending ones),
 * and each linked pair restored either with `submitOco` (at its first leg's turn) or with `link` once all are in.
 * Nothing may trade or be rejected.
 */
function rebuild(book: OrderBook, how: 'oco' | 'link'): OrderBook {
  const fresh = new OrderBook({ marketBandTicks: 4, lastPrice: book.lastPrice() });
  const views = book.allOrders();
  const byId = new Map(views.map((v) => [v.id, v]));
  const done = new Set<number>();
  for (const v of views) {
    if (done.has(v.id)) continue;
    let evs: MatchEvent[];
    if (how === 'oco' && v.linkedId !== undefined) {
      evs = fresh.submitOco(resubmitted(v), resubmitted(byId.get(v.linkedId)!));
      done.add(v.linkedId);
    } else evs = fresh.submit(resubmitted(v));
    check(
      evs.every((e) => e.type === 'accepted'),
      () => `rebuilding ${v.id}: ${JSON.stringify(evs)}`,
    );
  }
  if (how === 'link') {
    for (const v of views) {
      if (v.linkedId !== undefined && v.id < v.linkedId) check(fresh.link(v.id, v.linkedId), () => `link ${v.id}`);
    }
  }
  return fresh;
}

/** A book's live orders as a rebuilt book has them: sizes are the remaining sizes, nothing filled. */
const asRebuilt = (views: OrderView[]): OrderView[] => views.map((v) => ({ ...v, size: v.remaining, filled: 0 }));

describe('OrderBook: properties over random command streams', () => {
  it('keeps the book uncrossed, conserves quantity, trades at maker prices in FIFO order, never self-trades, keeps OCO legs exclusive, replays deterministically, and rebuilds', () => {
    const tally = new Map<string, number>();
    let queueChecks = 0;
    const ocoBreaks = { trade: 0, trigger: 0, cancel: 0 };
    let rebuiltLinks = 0;
    fc.assert(
      fc.property(streamArb, (cmds) => {
        const book = new OrderBook({ marketBandTicks: 4 });
        const model = new Model();
        const ops: Op[] = [];
        const log: MatchEvent[][] = [];
        for (const c of cmds) {
          const op = model.resolve(c);
          const before = { bid: book.bestBid(), ask: book.bestAsk() };
          const evs = apply(book, op);
          ops.push(op);
          log.push(evs);
          model.applyEvents(op, evs, before);
          model.checkBook(book);
          for (const e of evs) tally.set(tallyKey(e), (tally.get(tallyKey(e)) ?? 0) + 1);
        }
        queueChecks += model.queueChecks;
        for (const k of ['trade', 'trigger', 'cancel'] as const) ocoBreaks[k] += model.ocoBreaks[k];
        // (e) determinism: the same stream on a fresh book gives deep-equal events and the same book
        const replay = new OrderBook({ marketBandTicks: 4 });
        same(
          ops.map((op) => apply(replay, op)),
          log,
          'replayed events',
        );
        same(replay.allOrders(), book.allOrders(), 'replayed book');
        // rebuilding from the live orders restores the book, OCO links included, with either method
        const want = asRebuilt(book.allOrders());
        same(asRebuilt(rebuild(book, 'link').allOrders()), want, 'rebuilt with link');
        const byId = (vs: OrderView[]) => [...vs].sort((a, b) => a.id - b.id);
        same(byId(asRebuilt(rebuild(book, 'oco').allOrders())), byId(want), 'rebuilt with submitOco');
        rebuiltLinks += want.filter((v) => v.linkedId !== undefined).length;
      }),
      { numRuns: STREAMS },
    );
    // the streams really exercise the interesting paths
    expect(queueChecks).toBeGreaterThan(100);
    expect(ocoBreaks.trade, 'OCO links broken by a trade').toBeGreaterThan(10);
    expect(ocoBreaks.trigger, 'OCO links broken by a trigger').toBeGreaterThan(10);
    expect(ocoBreaks.cancel, 'OCO links broken by a cancellation').toBeGreaterThan(10);
    expect(rebuiltLinks, 'linked legs rebuilt').toBeGreaterThan(10);
    const exercised = [
      'trade',
      'triggered',
      'amended:kept',
      'amended:lost',
      'cancelled:user',
      'cancelled:ioc',
      'cancelled:fok-not-fillable',
      'cancelled:self-trade-prevention',
      'cancelled:market-band',
      'cancelled:no-liquidity',
      'rejected:duplicate-id',
      'rejected:invalid-size',
      'rejected:invalid-time-in-force',
      'rejected:post-only-would-take',
      'rejected:unknown-order',
      'accepted:take-profit',
      'accepted:take-profit-limit',
      'accepted:oco',
      'cancelled:oco',
      'rejected:invalid-oco',
      'rejected:oco-leg-rejected',
    ];
    for (const k of exercised) expect(tally.get(k) ?? 0, k).toBeGreaterThan(10);
  });
});
