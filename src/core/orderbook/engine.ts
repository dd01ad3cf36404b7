/**
 * The matching engine: one instrument's order book with price-time priority.
 *
 * Invariants:
 * - Prices are integer ticks and sizes integer lots; a trade is always at the resting (maker) order's price.
 * - The resting book is never crossed: after every command, best bid < best ask.
 * - Within a price level orders fill in arrival order (an intrusive doubly linked list); an amend that only
 *   reduces size keeps the order's place, any other amend sends it to the back.
 * - Quantity is conserved per order: size = filled + resting + cancelled.
 * - Deterministic: no clock, no randomness; the same command stream gives the same events.
 * - Cancel and a size-reducing amend are O(1) (id index + list unlink), unless a cancel empties a level away from
 *   the top (below); cancelling a pending stop only marks it (amortised O(1), see `dropPending`). Any other
 *   amend leaves its level and re-enters like a new order: it may match, and it rests as below. The best price is
 *   O(1) (each side keeps its levels sorted with the best at the end of an array, and no price index).
 *   Resting at an existing level away from the top finds it by a scan of at most 8 levels back from the best,
 *   then a binary search: O(log levels on that side). Creating or emptying a price level away from the top adds
 *   a shift of the array, O(levels on that side); at the top it is a push or pop. Adding a conditional order is a
 *   binary search plus an insertion into its direction's array, O(pending conditional orders in that direction).
 * - Conditional orders wait outside the book and trigger on the last trade price. "Up" triggers fire when
 *   last ≥ stopPrice (buy stop-market/stop-limit, sell take-profit/take-profit-limit), "down" triggers when
 *   last ≤ stopPrice (sell stops, buy take-profits). Trigger order: they are checked after each price level a
 *   taker trades at (every trade of a level shares its price) and queued: first the due "up" orders by trigger
 *   price ascending, then the due "down" orders by trigger price descending, ties by arrival (a triggered order's
 *   arrival is its original submission). Queued orders are processed, in queue order, after the command that
 *   triggered them (and the orders they trigger join the end of the queue). On trigger, stop-market/take-profit
 *   become market orders and stop-limit/take-profit-limit limit orders (their own time in force), entering as new.
 * - A conditional order whose trigger is already met by the last price when it arrives is accepted (`pending:
 *   true`) and queued at once: it triggers in the same command, after the command's own matching.
 *   `wouldTriggerImmediately` tells a gateway beforehand (Binance rejects such orders).
 * - OCO (`submitOco`): two legs of one account and side (each a GTC limit or a conditional order) are validated
 *   together and accepted (two `accepted` events carrying `linkedId`) or rejected (two `rejected` events) with no
 *   state change. The legs are placed in argument order. While linked, when either leg trades (maker or taker, the
 *   first partial fill counts) the other is cancelled (`cancelled` reason `oco`, then `done`) right after that
 *   `trade` event (and the maker's own `done` if the trade filled it); when either triggers, right after its
 *   `triggered` event; when either is cancelled for any reason, right after its own `cancelled` and `done`. So at
 *   most one leg ever trades or triggers, and a linked pair leaves the engine together (a leg outlives its
 *   partner only once it has traded or triggered, and is then unlinked). A FOK taker counts one leg of a pair. An amend of a resting leg keeps the link (and if it trades, the other leg goes). Cancelling
 *   a leg stays O(1) (amortised for a pending one: see `dropPending`).
 *
 * Performance notes (measured; see bench/orderbook): an incoming order matches in a reused scratch node, which
 * stays in the book only if the order rests; the `accepted` event is stored with `out[out.length] =` rather than
 * `push` (V8 may stop inlining a push onto the caller's fresh `[]` and call the generic builtin on every command).
 * A struct-of-arrays order pool (typed arrays + integer handles) was tried and ran about 30% more instructions
 * per operation than these objects (bounds and map checks on every field access).
 */
import type {
  CancelReason,
  DepthLevel,
  MatchEvent,
  NewOrder,
  OrderType,
  OrderView,
  RejectReason,
  Side,
  StpMode,
  TimeInForce,
} from './types.ts';
import { IdIndex } from './id-index.ts';

const BUY = 0;
const SELL = 1;

/** A live order (resting in a level, or a pending stop). */
class Node {
  prev: Node | null = null;
  next: Node | null = null;
  level: Level | null = null;
  remaining: number;
  filled = 0;
  cancelled = false;
  /** In `upStops` or `downStops` (a pending conditional order not yet collected for triggering). */
  waiting = false;
  /** The other leg of this order's OCO pair while they are linked. */
  link: Node | null = null;
  /** A market, stop-market or take-profit order (it stays one when triggered): matched within a price band. */
  isMarket: boolean;
  constructor(
    public id: number,
    public account: number,
    public side: number,
    public type: OrderType,
    public price: number,
    public stopPrice: number,
    public size: number,
    public tif: TimeInForce,
    public postOnly: boolean,
    public stp: StpMode,
    public band: number,
    public seq: number,
  ) {
    this.remaining = size;
    this.isMarket = type === 'market' || type === 'stop-market' || type === 'take-profit';
  }
}

/** A blank node for `OrderBook.scratch`. */
const newScratch = (): Node => new Node(0, 0, BUY, 'limit', 0, 0, 0, 'GTC', false, 'cancel-resting', 0, 0);

/** All resting orders at one price. */
class Level {
  head: Node | null = null;
  tail: Node | null = null;
  volume = 0;
  count = 0;
  constructor(readonly price: number) {}

  push(n: Node): void {
    n.level = this;
    n.prev = this.tail;
    n.next = null;
    if (this.tail) this.tail.next = n;
    else this.head = n;
    this.tail = n;
    this.volume += n.remaining;
    this.count++;
  }

  unlink(n: Node): void {
    if (n.prev) n.prev.next = n.next;
    else this.head = n.next;
    if (n.next) n.next.prev = n.prev;
    else this.tail = n.prev;
    n.prev = n.next = null;
    n.level = null;
    this.volume -= n.remaining;
    this.count--;
  }
}

/**
 * One side of the book: its levels sorted so that the best is last. A level is found by its price with a short
 * scan back from the top (where nearly all the activity is), then a binary search; no price index is kept.
 */
class BookSide {
  /** Bids by ascending price, asks by descending price: the best level is always at the end. */
  readonly sorted: Level[] = [];
  constructor(readonly isBid: boolean) {}

  best(): Level | undefined {
    const s = this.sorted;
    return s.length === 0 ? undefined : s[s.length - 1];
  }

  /**
   * The index of the last level (nearest the end) whose price is not better than `price`, or -1: either the
   * level at `price`, or the one after which a level at `price` belongs.
   */
  private seek(price: number): number {
    const s = this.sorted;
    const bid = this.isBid;
    let i = s.length - 1;
    // A short linear scan from the top: most lookups are within a few ticks of the best price.
    const stop = i - 8;
    while (i >= 0 && i > stop) {
      const p = s[i]!.price;
      if (bid ? p <= price : p >= price) return i;
      i--;
    }
    if (i < 0) return -1;
    // Binary search in s[0..i]: the largest index whose price is not better than `price`.
    let lo = 0;
    let hi = i + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = s[mid]!.price;
      if (bid ? p <= price : p >= price) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The level at `price`, created (and inserted in order) if there is none. */
  levelFor(price: number): Level {
    const s = this.sorted;
    const n = s.length;
    if (n !== 0) {
      const top = s[n - 1]!;
      if (top.price === price) return top;
      if (this.isBid ? price < top.price : price > top.price) {
        const i = this.seek(price);
        if (i >= 0 && s[i]!.price === price) return s[i]!;
        // Insert after i: shift the better levels up by one.
        const l = new Level(price);
        s.push(top);
        for (let j = n - 1; j > i + 1; j--) s[j] = s[j - 1]!;
        s[i + 1] = l;
        return l;
      }
    }
    // A new best level: the common case for resting orders near the touch.
    const l = new Level(price);
    s.push(l);
    return l;
  }

  /** Removes an (empty) level. */
  removeLevel(l: Level): void {
    const s = this.sorted;
    const n = s.length;
    if (s[n - 1] === l) {
      s.pop();
      return;
    }
    const i = this.seek(l.price);
    if (i < 0 || s[i] !== l) return;
    for (let j = i; j < n - 1; j++) s[j] = s[j + 1]!;
    s.pop();
  }
}

/** Options of an {@link OrderBook}. */
export interface OrderBookOptions {
  /** Default price band of market orders, ticks from the best opposite price at arrival. Default 1,000. */
  marketBandTicks?: number;
  /** Last trade price in ticks when a book is rebuilt (stop orders trigger against it). */
  lastPrice?: number | null;
}

/** Amendment of a resting order: the new remaining size (lots) and/or the new limit price (ticks). */
export interface Amendment {
  size?: number;
  price?: number;
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Whether an order type waits for a trigger (stop-market, stop-limit, take-profit, take-profit-limit). */
const isConditional = (t: OrderType): boolean =>
  t === 'stop-market' || t === 'stop-limit' || t === 'take-profit' || t === 'take-profit-limit';

/** Whether a conditional order triggers upwards (last ≥ stopPrice): buy stops and sell take-profits. */
const triggersUp = (side: number, t: OrderType): boolean =>
  (side === BUY) === (t === 'stop-market' || t === 'stop-limit');

/** A price-time priority order book for one instrument. */
export class OrderBook {
  private readonly bids = new BookSide(true);
  private readonly asks = new BookSide(false);
  private readonly orders = new IdIndex<Node>(1024);
  /**
   * Pending conditional orders, sorted so that the next to trigger is last: those triggering upwards (last ≥ stop:
   * buy stops, sell take-profits) by stop price descending, those triggering downwards (last ≤ stop: sell stops,
   * buy take-profits) ascending; ties: earlier at the end. Cancelled ones are only marked, and dropped on the way.
   */
  private readonly upStops: Node[] = [];
  private readonly downStops: Node[] = [];
  private readonly triggered: Node[] = [];
  /** Cancelled nodes still in `upStops`/`downStops`; they are compacted away once they are half of them. */
  private deadStops = 0;
  private seq = 0;
  /** The node an incoming (non-stop) order matches in; see `submit`. */
  private scratch = newScratch();
  private last: number | null = null;
  private readonly band: number;

  constructor(opts: OrderBookOptions = {}) {
    this.band = opts.marketBandTicks ?? 1000;
    this.last = opts.lastPrice ?? null;
  }

  /** Best bid price in ticks, or null. O(1). */
  bestBid(): number | null {
    const s = this.bids.sorted;
    return s.length ? s[s.length - 1]!.price : null;
  }

  /** Best ask price in ticks, or null. O(1). */
  bestAsk(): number | null {
    const s = this.asks.sorted;
    return s.length ? s[s.length - 1]!.price : null;
  }

  /** Price of the last trade in ticks, or null before any. */
  lastPrice(): number | null {
    return this.last;
  }

  /** Number of live orders (resting and pending conditional orders). */
  size(): number {
    return this.orders.size;
  }

  /**
   * Submits an order and returns its events in order (`accepted` or `rejected`, then trades, cancellations,
   * `done`, and the events of any stop orders it triggered). Pass `out` to collect into an existing array.
   */
  submit(o: NewOrder, out: MatchEvent[] = []): MatchEvent[] {
    const reason = this.validate(o);
    if (reason) {
      out.push({ type: 'rejected', orderId: o.id, reason });
      return out;
    }
    const side = o.side === 'buy' ? BUY : SELL;
    const type = o.type;
    const isMarket = type === 'market' || type === 'stop-market' || type === 'take-profit';
    const isStop = isConditional(type);
    const price = isMarket ? 0 : o.price!;
    const tif = isMarket ? 'IOC' : (o.tif ?? 'GTC');
    const stp = o.stp ?? 'cancel-resting';
    const band = o.bandTicks ?? this.band;
    let n: Node;
    if (isStop) {
      n = new Node(
        o.id,
        o.account,
        side,
        type,
        price,
        o.stopPrice!,
        o.size,
        tif,
        o.postOnly === true,
        stp,
        band,
        ++this.seq,
      );
    } else {
      // An incoming order matches in a reused scratch node; only if it comes to rest does that node stay in the
      // book (and a fresh scratch node replace it): a third of orders fill or cancel at once and never cost one.
      n = this.scratch;
      n.id = o.id;
      n.account = o.account;
      n.side = side;
      n.type = type;
      n.isMarket = isMarket;
      n.price = price;
      n.stopPrice = 0;
      n.size = o.size;
      n.remaining = o.size;
      n.filled = 0;
      n.cancelled = false;
      n.tif = tif;
      n.postOnly = o.postOnly === true;
      n.stp = stp;
      n.band = band;
      n.seq = ++this.seq;
    }
    if (n.postOnly && this.wouldTake(n)) {
      out.push({ type: 'rejected', orderId: o.id, reason: 'post-only-would-take' });
      return out;
    }
    // A keyed store, not push: `out` is often a fresh `[]`, and V8 may give up inlining a push onto an empty
    // array (a call to the generic builtin per command); the store grows the array inline.
    out[out.length] = {
      type: 'accepted',
      orderId: n.id,
      account: n.account,
      side: o.side,
      orderType: type,
      price: isMarket ? null : price,
      size: n.size,
      pending: isStop,
    };
    if (isStop) {
      this.orders.set(n.id, n);
      this.place(n, out);
    } else {
      this.execute(n, out);
    }
    if (this.triggered.length !== 0) this.runTriggered(out);
    return out;
  }

  /**
   * Cancels a live order (resting or pending conditional). A leg of an OCO pair takes the other leg with it: the
   * events are this order's `cancelled` (reason `user`) and `done`, then the other leg's `cancelled` (reason `oco`)
   * and `done`.
   */
  cancel(id: number, out: MatchEvent[] = []): MatchEvent[] {
    const n = this.orders.get(id);
    if (!n) {
      out.push({ type: 'rejected', orderId: id, reason: 'unknown-order' });
      return out;
    }
    if (n.level) this.removeResting(n);
    else this.dropPending(n); // a pending conditional order: skipped when its turn comes
    this.finishCancelled(n, 'user', out);
    return out;
  }

  /**
   * Submits an OCO pair ("one cancels the other"): two orders of the same account and side, each a GTC limit order
   * (post-only allowed) or a conditional order (stop-market, stop-limit, take-profit, take-profit-limit).
   *
   * Atomic: if either leg is invalid (the single-order checks of `submit`, post-only that would take, or the pair
   * rules: same id → `duplicate-id` for `b`; other account or side, a market leg or a non-GTC limit leg →
   * `invalid-oco`), the events are exactly `rejected` for `a` then `rejected` for `b`, each with its own reason, or
   * `oco-leg-rejected` for a valid leg whose partner failed, and nothing changes.
   *
   * Otherwise: `accepted` for `a` then `b` (each with `linkedId` = the other's id), then `a` is placed (it may trade
   * at once, or queue its trigger if already met), then `b` unless `a` already took it out, then any triggered
   * orders. From then on the legs are linked: see the OCO invariant at the top of this file.
   *
   * Rebuilding a book: submitting two live legs (resting limits that do not cross, pending conditionals whose
   * trigger is not met) again with `submitOco` restores the link without trading; `link` links two orders that
   * were submitted one by one (to keep their original time priority).
   */
  submitOco(a: NewOrder, b: NewOrder, out: MatchEvent[] = []): MatchEvent[] {
    let ra = this.validate(a) ?? ocoLegReason(a);
    let rb = this.validate(b) ?? ocoLegReason(b);
    if (rb === null && a.id === b.id) rb = 'duplicate-id';
    if (a.account !== b.account || a.side !== b.side) {
      ra ??= 'invalid-oco';
      rb ??= 'invalid-oco';
    }
    if (ra === null && a.postOnly && this.crosses(a.side === 'buy' ? BUY : SELL, a.price!)) ra = 'post-only-would-take';
    if (rb === null && b.postOnly && this.crosses(b.side === 'buy' ? BUY : SELL, b.price!)) rb = 'post-only-would-take';
    if (ra !== null || rb !== null) {
      out.push({ type: 'rejected', orderId: a.id, reason: ra ?? 'oco-leg-rejected' });
      out.push({ type: 'rejected', orderId: b.id, reason: rb ?? 'oco-leg-rejected' });
      return out;
    }
    const na = this.newNode(a);
    const nb = this.newNode(b);
    na.link = nb;
    nb.link = na;
    this.orders.set(na.id, na);
    this.orders.set(nb.id, nb);
    out.push(accepted(na, nb.id), accepted(nb, na.id));
    this.place(na, out);
    if (!nb.cancelled && nb.remaining > 0) this.place(nb, out);
    if (this.triggered.length !== 0) this.runTriggered(out);
    return out;
  }

  /**
   * Links two live orders (resting or pending) into an OCO pair, as `submitOco` would have: for rebuilding a book
   * whose orders were submitted one by one in time priority. Emits no events; returns false (and changes nothing)
   * unless both ids are live, distinct, unlinked, and of the same account and side.
   */
  link(idA: number, idB: number): boolean {
    const na = this.orders.get(idA);
    const nb = this.orders.get(idB);
    if (!na || !nb || na === nb || na.cancelled || nb.cancelled || na.link !== null || nb.link !== null) return false;
    if (na.account !== nb.account || na.side !== nb.side) return false;
    na.link = nb;
    nb.link = na;
    return true;
  }

  /**
   * Whether a conditional order's trigger is already met by the last trade price (buy stop: last ≥ stopPrice; sell
   * stop: last ≤ stopPrice; take-profits the other way), i.e. it would trigger as soon as it is submitted. False for
   * other types, before any trade, and when `stopPrice` is not a positive safe integer. Pure; O(1).
   */
  wouldTriggerImmediately(o: NewOrder): boolean {
    const l = this.last;
    if (l === null || !isConditional(o.type) || !isPosInt(o.stopPrice)) return false;
    if (o.side !== 'buy' && o.side !== 'sell') return false;
    return triggersUp(o.side === 'buy' ? BUY : SELL, o.type) ? l >= o.stopPrice : l <= o.stopPrice;
  }

  /**
   * Amends a resting order (a resting OCO leg stays linked; if the amend makes it trade, the other leg is
   * cancelled as for any trade). Reducing the size at the same price keeps time priority; changing the price or
   * increasing the size sends it to the back of the level (and a new price may trade at once, as a taker).
   * `size` is the new remaining size in lots.
   */
  amend(id: number, a: Amendment, out: MatchEvent[] = []): MatchEvent[] {
    const n = this.orders.get(id);
    if (!n || !n.level) {
      out.push({ type: 'rejected', orderId: id, reason: 'unknown-order' });
      return out;
    }
    const size = a.size ?? n.remaining;
    const price = a.price ?? n.price;
    if (!isPosInt(size)) {
      out.push({ type: 'rejected', orderId: id, reason: 'invalid-size' });
      return out;
    }
    if (!isPosInt(price)) {
      out.push({ type: 'rejected', orderId: id, reason: 'invalid-price' });
      return out;
    }
    if (price === n.price && size <= n.remaining) {
      const level = n.level;
      const cut = n.remaining - size;
      n.remaining = size;
      n.size -= cut;
      level.volume -= cut;
      out.push({ type: 'amended', orderId: id, price, remaining: size, priorityKept: true });
      return out;
    }
    if (n.postOnly && price !== n.price) {
      const opp = n.side === BUY ? this.bestAsk() : this.bestBid();
      if (opp !== null && (n.side === BUY ? price >= opp : price <= opp)) {
        out.push({ type: 'rejected', orderId: id, reason: 'post-only-would-take' });
        return out;
      }
    }
    this.removeResting(n);
    n.size += size - n.remaining;
    n.remaining = size;
    n.price = price;
    n.seq = ++this.seq;
    out.push({ type: 'amended', orderId: id, price, remaining: size, priorityKept: false });
    this.execute(n, out);
    if (this.triggered.length !== 0) this.runTriggered(out);
    return out;
  }

  /** Aggregated depth: up to `levels` price levels per side, best first. */
  depth(levels = 10): { bids: DepthLevel[]; asks: DepthLevel[] } {
    const side = (s: BookSide): DepthLevel[] => {
      const res: DepthLevel[] = [];
      for (let i = s.sorted.length - 1; i >= 0 && res.length < levels; i--) {
        const l = s.sorted[i]!;
        res.push({ price: l.price, size: l.volume, orders: l.count });
      }
      return res;
    };
    return { bids: side(this.bids), asks: side(this.asks) };
  }

  /** A live order, or undefined. */
  getOrder(id: number): OrderView | undefined {
    const n = this.orders.get(id);
    return n && !n.cancelled ? view(n) : undefined;
  }

  /** Every live order: resting orders by side and priority (best first), then pending conditional orders by id. */
  allOrders(): OrderView[] {
    const res: OrderView[] = [];
    for (const s of [this.bids, this.asks])
      for (let i = s.sorted.length - 1; i >= 0; i--) for (let n = s.sorted[i]!.head; n; n = n.next) res.push(view(n));
    const stops = [...this.upStops, ...this.downStops].filter((n) => !n.cancelled).sort((a, b) => a.id - b.id);
    for (const n of stops) res.push(view(n));
    return res;
  }

  private validate(o: NewOrder): RejectReason | null {
    if (!isPosInt(o.id)) return 'invalid-id';
    if (this.orders.has(o.id)) return 'duplicate-id';
    if (o.side !== 'buy' && o.side !== 'sell') return 'invalid-type';
    if (!isPosInt(o.size)) return 'invalid-size';
    switch (o.type) {
      case 'limit':
        if (!isPosInt(o.price)) return 'invalid-price';
        break;
      case 'market':
        break;
      case 'stop-limit':
      case 'take-profit-limit':
        if (!isPosInt(o.price)) return 'invalid-price';
        if (!isPosInt(o.stopPrice)) return 'invalid-stop-price';
        break;
      case 'stop-market':
      case 'take-profit':
        if (!isPosInt(o.stopPrice)) return 'invalid-stop-price';
        break;
      default:
        return 'invalid-type';
    }
    if (o.tif !== undefined && o.tif !== 'GTC' && o.tif !== 'IOC' && o.tif !== 'FOK') return 'invalid-time-in-force';
    if (o.postOnly && (o.type !== 'limit' || (o.tif !== undefined && o.tif !== 'GTC'))) return 'invalid-time-in-force';
    if (o.bandTicks !== undefined && !(Number.isSafeInteger(o.bandTicks) && o.bandTicks >= 0)) return 'invalid-price';
    return null;
  }

  private wouldTake(n: Node): boolean {
    return this.crosses(n.side, n.price);
  }

  /** Whether a limit price on `side` would cross the opposite best price. */
  private crosses(side: number, price: number): boolean {
    const opp = side === BUY ? this.bestAsk() : this.bestBid();
    return opp !== null && (side === BUY ? price >= opp : price <= opp);
  }

  /** A node for an accepted order that is not matched in the scratch node (conditional orders, OCO legs). */
  private newNode(o: NewOrder): Node {
    const type = o.type;
    const isMarket = type === 'market' || type === 'stop-market' || type === 'take-profit';
    return new Node(
      o.id,
      o.account,
      o.side === 'buy' ? BUY : SELL,
      type,
      isMarket ? 0 : o.price!,
      isConditional(type) ? o.stopPrice! : 0,
      o.size,
      isMarket ? 'IOC' : (o.tif ?? 'GTC'),
      o.postOnly === true,
      o.stp ?? 'cancel-resting',
      o.bandTicks ?? this.band,
      ++this.seq,
    );
  }

  /**
   * Places an accepted, indexed node that is not the scratch node: a conditional order waits (or is queued at once
   * when the last price already meets its trigger); any other order executes.
   */
  private place(n: Node, out: MatchEvent[]): void {
    if (isConditional(n.type)) {
      const l = this.last;
      if (l !== null && (triggersUp(n.side, n.type) ? l >= n.stopPrice : l <= n.stopPrice)) this.triggered.push(n);
      else this.addStop(n);
    } else this.execute(n, out);
  }

  /** Matches an incoming order, then rests, or cancels, what is left. */
  private execute(n: Node, out: MatchEvent[]): void {
    const buy = n.side === BUY;
    const opp = buy ? this.asks : this.bids;
    let limit: number;
    if (n.isMarket) {
      const best = opp.best();
      if (!best) {
        this.finishCancelled(n, 'no-liquidity', out);
        return;
      }
      limit = buy ? best.price + n.band : best.price - n.band;
    } else limit = n.price;

    if (n.tif === 'FOK' && !this.fillable(n, limit)) {
      this.finishCancelled(n, 'fok-not-fillable', out);
      return;
    }
    const takerSide: Side = buy ? 'buy' : 'sell';
    // Conditional orders are only added by `submit` and `submitOco`, never while matching: whether any wait is
    // known once per execution.
    const watchStops = this.upStops.length !== 0 || this.downStops.length !== 0;
    while (n.remaining > 0) {
      const level = opp.best();
      if (!level || (buy ? level.price > limit : level.price < limit)) break;
      let m = level.head;
      while (m && n.remaining > 0) {
        let next = m.next;
        if (m.account === n.account) {
          // Self-trade prevention.
          if (n.stp === 'cancel-resting' || n.stp === 'cancel-both') {
            level.unlink(m);
            // Its OCO partner goes too: if that is the next order here, step past it first.
            if (m.link !== null && m.link === next) next = next.next;
            this.finishCancelled(m, 'self-trade-prevention', out);
          }
          if (n.stp === 'cancel-incoming' || n.stp === 'cancel-both') {
            if (level.count === 0) opp.removeLevel(level);
            // Trades before the self-match still move the last price.
            if (watchStops && this.last !== null) this.collectTriggers();
            this.finishCancelled(n, 'self-trade-prevention', out);
            return;
          }
          m = next;
          continue;
        }
        const q = m.remaining < n.remaining ? m.remaining : n.remaining;
        m.remaining -= q;
        m.filled += q;
        n.remaining -= q;
        n.filled += q;
        level.volume -= q;
        this.last = level.price;
        out.push({
          type: 'trade',
          makerOrderId: m.id,
          takerOrderId: n.id,
          makerAccount: m.account,
          takerAccount: n.account,
          price: level.price,
          size: q,
          takerSide,
        });
        if (m.remaining === 0) {
          if (m === level.head) {
            // The usual case (unless self-matched orders were skipped): drop the head.
            level.head = next;
            if (next) next.prev = null;
            else level.tail = null;
            m.next = null;
            m.level = null;
            level.count--;
          } else level.unlink(m);
          this.orders.delete(m.id);
          out.push({ type: 'done', orderId: m.id, account: m.account, filled: m.filled, reason: 'filled' });
        }
        // An OCO leg that trades cancels its partner (which rests on the maker's side: perhaps the next order here).
        if (m.link !== null) {
          if (m.link === next) next = next.next;
          this.cancelLinked(m, out);
        }
        if (n.link !== null) this.cancelLinked(n, out);
        m = next;
      }
      // Per level (all its trades share one price), so a sweep's intermediate prices trigger stops too.
      if (watchStops && this.last !== null) this.collectTriggers();
      if (level.count === 0) opp.removeLevel(level);
    }
    if (n.remaining === 0) {
      if (n !== this.scratch) this.orders.delete(n.id);
      out.push({ type: 'done', orderId: n.id, account: n.account, filled: n.filled, reason: 'filled' });
      return;
    }
    if (n.isMarket) {
      this.finishCancelled(n, opp.best() ? 'market-band' : 'no-liquidity', out);
      return;
    }
    if (n.tif !== 'GTC') {
      this.finishCancelled(n, 'ioc', out);
      return;
    }
    // The scratch node itself comes to rest, and a fresh one takes its place (cheaper than copying it).
    if (n === this.scratch) this.scratch = newScratch();
    (buy ? this.bids : this.asks).levelFor(n.price).push(n);
    // Only live orders are indexed: a taker that fills on arrival never touches the index.
    this.orders.set(n.id, n);
  }

  /** Whether a FOK order can fill completely up to `limit`, honouring self-trade prevention. */
  private fillable(n: Node, limit: number): boolean {
    const opp = n.side === BUY ? this.asks : this.bids;
    let need = n.remaining;
    /** OCO legs that will be gone by their turn: the partner of a leg met earlier trades with the taker first. */
    let gone: Set<Node> | null = null;
    for (let i = opp.sorted.length - 1; i >= 0; i--) {
      const level = opp.sorted[i]!;
      if (n.side === BUY ? level.price > limit : level.price < limit) return false;
      for (let m = level.head; m; m = m.next) {
        if (m.account === n.account) {
          if (n.stp !== 'cancel-resting') return false;
          continue;
        }
        if (m.link !== null) {
          if (gone?.has(m)) continue;
          (gone ??= new Set()).add(m.link);
        }
        need -= m.remaining;
        if (need <= 0) return true;
      }
    }
    return false;
  }

  private removeResting(n: Node): void {
    const level = n.level!;
    level.unlink(n);
    if (level.count === 0) (n.side === BUY ? this.bids : this.asks).removeLevel(level);
  }

  /** Emits `cancelled` and `done` for a node already out of the book; an OCO partner follows (reason `oco`). */
  private finishCancelled(n: Node, reason: CancelReason, out: MatchEvent[]): void {
    // The scratch node (an incoming order that has not rested) is never in the index.
    if (n !== this.scratch) this.orders.delete(n.id);
    out.push({ type: 'cancelled', orderId: n.id, account: n.account, remaining: n.remaining, reason });
    out.push({ type: 'done', orderId: n.id, account: n.account, filled: n.filled, reason: 'cancelled' });
    n.remaining = 0;
    if (n.link !== null) this.cancelLinked(n, out);
  }

  /** Dissolves `n`'s OCO link and cancels the other leg (resting, pending, queued to trigger, or not yet placed). */
  private cancelLinked(n: Node, out: MatchEvent[]): void {
    const p = n.link!;
    n.link = null;
    p.link = null;
    if (p.level) this.removeResting(p);
    else this.dropPending(p); // pending or queued: skipped when its turn comes
    this.finishCancelled(p, 'oco', out);
  }

  private addStop(n: Node): void {
    // Up (last ≥ stop): descending by stop price (lowest, triggered first, at the end); ties: earlier at the end.
    // Down (last ≤ stop): ascending by stop price (highest at the end); ties: earlier at the end.
    const up = triggersUp(n.side, n.type);
    const arr = up ? this.upStops : this.downStops;
    const before = (a: Node, b: Node): boolean =>
      // true when a must trigger before b (so a goes nearer the end)
      a.stopPrice === b.stopPrice ? a.seq < b.seq : up ? a.stopPrice < b.stopPrice : a.stopPrice > b.stopPrice;
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(n, arr[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    arr.splice(lo, 0, n);
    n.waiting = true;
  }

  /**
   * Marks a pending (or queued, or not yet placed) conditional order cancelled, in O(1) amortised: it is skipped
   * when its turn comes, and the stop arrays are compacted once cancelled entries are half of them (so cancelled
   * orders whose trigger is never reached, such as the stop leg of every OCO that ended in a fill, cannot pile up).
   */
  private dropPending(n: Node): void {
    n.cancelled = true;
    if (!n.waiting) return;
    const dead = ++this.deadStops;
    if (dead > 32 && dead * 2 > this.upStops.length + this.downStops.length) {
      for (const arr of [this.upStops, this.downStops]) {
        let j = 0;
        for (let i = 0; i < arr.length; i++) {
          const m = arr[i]!;
          if (m.cancelled) m.waiting = false;
          else arr[j++] = m;
        }
        arr.length = j;
      }
      this.deadStops = 0;
    }
  }

  private collectTriggers(): void {
    const last = this.last!;
    const b = this.upStops;
    while (b.length && (b[b.length - 1]!.cancelled || b[b.length - 1]!.stopPrice <= last)) {
      const n = b.pop()!;
      n.waiting = false;
      if (!n.cancelled) this.triggered.push(n);
      else this.deadStops--;
    }
    const s = this.downStops;
    while (s.length && (s[s.length - 1]!.cancelled || s[s.length - 1]!.stopPrice >= last)) {
      const n = s.pop()!;
      n.waiting = false;
      if (!n.cancelled) this.triggered.push(n);
      else this.deadStops--;
    }
  }

  private runTriggered(out: MatchEvent[]): void {
    const q = this.triggered;
    while (q.length) {
      const n = q.shift()!;
      if (n.cancelled || !this.orders.has(n.id)) continue;
      out.push({ type: 'triggered', orderId: n.id, lastPrice: this.last! });
      if (n.link !== null) this.cancelLinked(n, out);
      n.type = n.isMarket ? 'market' : 'limit';
      n.seq = ++this.seq;
      if (n.postOnly && this.wouldTake(n)) {
        this.finishCancelled(n, 'ioc', out);
        continue;
      }
      this.execute(n, out);
    }
  }
}

/** The reason an otherwise valid order cannot be a leg of an OCO pair, or null. */
function ocoLegReason(o: NewOrder): RejectReason | null {
  if (o.type === 'market') return 'invalid-oco';
  if (o.type === 'limit' && o.tif !== undefined && o.tif !== 'GTC') return 'invalid-oco';
  return null;
}

/** The `accepted` event of a node placed by `submitOco` (`linkedId` = the other leg). */
function accepted(n: Node, linkedId: number): MatchEvent {
  return {
    type: 'accepted',
    orderId: n.id,
    account: n.account,
    side: n.side === BUY ? 'buy' : 'sell',
    orderType: n.type,
    price: n.isMarket ? null : n.price,
    size: n.size,
    pending: isConditional(n.type),
    linkedId,
  };
}

function view(n: Node): OrderView {
  const v: OrderView = {
    id: n.id,
    account: n.account,
    side: n.side === BUY ? 'buy' : 'sell',
    type: n.type,
    price: n.isMarket ? null : n.price,
    stopPrice: isConditional(n.type) ? n.stopPrice : null,
    size: n.size,
    remaining: n.remaining,
    filled: n.filled,
    state: n.level ? 'resting' : 'pending',
  };
  if (n.link !== null) v.linkedId = n.link.id;
  return v;
}
