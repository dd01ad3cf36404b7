/**
 * Group commit of the exchange's command path. Commands change the in-memory state at once (in arrival order) and
 * record their writes in the open {@link Batch}; one transaction persists a whole batch — everything that arrived
 * while the previous transaction was committing — with ONE statement (data-modifying CTEs over `unnest` of column
 * arrays, {@link BATCH_SQL}), whatever the number of orders in it. Each command is acknowledged when its batch commits.
 *
 * Invariants:
 * - Batches commit one at a time, in order; a batch's rows are taken from memory synchronously when its flush
 *   starts, so they are the state after exactly its commands.
 * - A failed commit fails every command of that batch and of every batch after it (they were applied on top of it),
 *   then `onFailure` reloads the state from the database before any new command runs.
 * - Events of a batch are published only after it commits, in command order.
 */
import { planEachTime, type Sql } from '../../db/sql.ts';
import type { EventBus, TradingEvent } from '../events.ts';
import type { LiveOrder, OrderList } from './state.ts';

/** A history row of an order (`ex_order_history`). */
interface HistoryRow {
  orderId: number;
  event: 'accepted' | 'fill' | 'amend' | 'cancel' | 'trigger';
  remaining: number;
  reason: string | null;
  at: Date;
}

/** A trade row (`ex_trades`). */
export interface TradeRow {
  id: number;
  marketId: number;
  makerOrderId: number;
  takerOrderId: number;
  makerAccount: number;
  takerAccount: number;
  price: number;
  size: number;
  takerSide: string;
  at: Date;
}

/** The writes and events of the commands since the last flush. */
export class Batch {
  /** Orders created in this batch (inserted with their state at flush). */
  readonly newOrders = new Map<number, LiveOrder>();
  /** Orders of earlier batches changed in this one. */
  readonly changedOrders = new Map<number, LiveOrder>();
  readonly newLists = new Map<number, OrderList>();
  readonly changedLists = new Map<number, OrderList>();
  readonly history: HistoryRow[] = [];
  readonly trades: TradeRow[] = [];
  /** `account:market` → position change, lots. */
  readonly positions = new Map<string, { accountId: number; marketId: number; delta: bigint }>();
  /** account → cash change, atoms. */
  readonly cash = new Map<number, bigint>();
  /** Accounts whose cash, positions or orders changed (for the `ex-account` events). */
  readonly touched = new Set<number>();
  /** Events to publish after commit; functions are called at flush start (views of the batch's final state). */
  readonly events: (TradingEvent | (() => TradingEvent[]))[] = [];
  /** Commands in the batch. */
  commands = 0;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  /** Resolves when the batch commits, rejects when it fails. */
  readonly done: Promise<void>;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined); // awaited by the commands; never an unhandled rejection
  }

  /** Records a new order. */
  insertOrder(o: LiveOrder): void {
    this.newOrders.set(o.id, o);
  }

  /** Records a change of an order (a no-op for one created in this batch: it is inserted in its final state). */
  touchOrder(o: LiveOrder): void {
    if (!this.newOrders.has(o.id)) this.changedOrders.set(o.id, o);
  }

  /** Records a new order list. */
  insertList(l: OrderList): void {
    this.newLists.set(l.id, l);
  }

  /** Records a change of an order list. */
  touchList(l: OrderList): void {
    if (!this.newLists.has(l.id)) this.changedLists.set(l.id, l);
  }

  /** Records a history row. */
  addHistory(
    orderId: number,
    event: HistoryRow['event'],
    remaining: number,
    at: Date,
    reason: string | null = null,
  ): void {
    this.history.push({ orderId, event, remaining, reason, at });
  }

  /** Adds `delta` lots to a position. */
  addPosition(accountId: number, marketId: number, delta: bigint): void {
    const k = `${accountId}:${marketId}`;
    const p = this.positions.get(k);
    if (p) p.delta += delta;
    else this.positions.set(k, { accountId, marketId, delta });
  }

  /** Adds `delta` atoms to an account's cash. */
  addCash(accountId: number, delta: bigint): void {
    this.cash.set(accountId, (this.cash.get(accountId) ?? 0n) + delta);
  }

  /** Whether there is anything to write. */
  get empty(): boolean {
    return this.commands === 0;
  }

  /** Marks the batch committed. */
  resolve(): void {
    this.settle.resolve();
  }

  /** Marks the batch failed. */
  reject(err: unknown): void {
    this.settle.reject(err);
  }
}

/** Decimal text of atoms (12 decimals) for NUMERIC parameters. */
function atomsText(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const s = a.toString().padStart(13, '0');
  return `${neg ? '-' : ''}${s.slice(0, -12)}.${s.slice(-12)}`;
}

/**
 * The one statement that writes a batch: data-modifying CTEs for the new order lists, new orders (in their final
 * state), changed orders, history rows, trades, position deltas, cash deltas and changed lists, each fed by `unnest`
 * of column arrays (empty arrays write nothing). A single statement is atomic on its own, so a batch costs one round
 * trip; foreign keys between its parts (orders → lists, history → orders) are checked at the end of the statement.
 */
export const BATCH_SQL = `WITH
  l AS (INSERT INTO ex_order_lists (id, account_id, market_id, client_list_id, status, created_at, updated_at)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[],
      $7::timestamptz[])),
  o AS (INSERT INTO ex_orders (id, market_id, account_id, user_id, side, type, price, stop_price, size, remaining,
      filled, tif, post_only, stp, status, priority, client_order_id, list_id, created_at, updated_at)
    SELECT * FROM unnest($8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::text[],
      $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::text[], $20::boolean[],
      $21::text[], $22::text[], $23::bigint[], $24::text[], $25::bigint[], $26::timestamptz[], $27::timestamptz[])),
  u AS (UPDATE ex_orders x SET type = v.type, price = v.price, size = v.size, remaining = v.remaining,
      filled = v.filled, status = v.status, priority = v.priority, updated_at = v.updated
    FROM unnest($28::bigint[], $29::text[], $30::bigint[], $31::bigint[], $32::bigint[], $33::bigint[], $34::text[],
      $35::bigint[], $36::timestamptz[]) AS v(id, type, price, size, remaining, filled, status, priority, updated)
    WHERE x.id = v.id),
  h AS (INSERT INTO ex_order_history (order_id, event, remaining, reason, at)
    SELECT * FROM unnest($37::bigint[], $38::text[], $39::bigint[], $40::text[], $41::timestamptz[])),
  t AS (INSERT INTO ex_trades (id, market_id, maker_order_id, taker_order_id, maker_account_id, taker_account_id,
      price, size, taker_side, at) OVERRIDING SYSTEM VALUE
    SELECT * FROM unnest($42::bigint[], $43::bigint[], $44::bigint[], $45::bigint[], $46::bigint[], $47::bigint[],
      $48::bigint[], $49::bigint[], $50::text[], $51::timestamptz[])),
  p AS (INSERT INTO ex_positions (account_id, market_id, position)
    SELECT * FROM unnest($52::bigint[], $53::bigint[], $54::bigint[])
    ON CONFLICT (account_id, market_id) DO UPDATE SET position = ex_positions.position + EXCLUDED.position),
  c AS (UPDATE ex_accounts a SET cash = a.cash + v.delta
    FROM unnest($55::bigint[], $56::numeric[]) AS v(id, delta) WHERE a.id = v.id),
  lu AS (UPDATE ex_order_lists x SET status = v.status, updated_at = v.updated
    FROM unnest($57::bigint[], $58::text[], $59::timestamptz[]) AS v(id, status, updated) WHERE x.id = v.id)
SELECT 1`;

/**
 * {@link BATCH_SQL}, sent unnamed on every call ({@link planEachTime}): a named statement switches to PostgreSQL's
 * generic plan after five runs, and a generic plan built while `ex_orders` was small joins the `u` CTE by a hash over
 * a sequential scan of the whole table — every batch then reads every order ever placed (seen: one full scan per
 * batch). Unnamed, each batch is planned with its own arrays (an index lookup per changed order); planning costs
 * well under a millisecond.
 */
const BATCH_SQL_UNNAMED = planEachTime(BATCH_SQL);

/** An element quoted for a PostgreSQL array literal: `"` and `\\` escaped. */
function quoted(s: string): string {
  return s.includes('"') || s.includes('\\') ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`;
}

/**
 * The text form of a PostgreSQL array (`{1,NULL,"a b"}`) for a parameter cast to `bigint[]`, `text[]`,
 * `boolean[]`, `numeric[]` or `timestamptz[]` (dates as UTC ISO-8601 text, millisecond precision). Built here in one
 * pass: `pg`'s own array serialisation (prepareValue/escapeElement per element, dates in local time) cost ~10 % of
 * the server's busy time on the order path.
 */
export function pgArray(values: readonly (number | string | boolean | Date | null)[]): string {
  let out = '{';
  let lastMs = NaN; // a batch's rows mostly share a few instants: format each once
  let lastIso = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'number') out += String(v);
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else if (v instanceof Date) {
      const ms = v.getTime();
      if (ms !== lastMs) {
        lastMs = ms;
        lastIso = `"${v.toISOString()}"`;
      }
      out += lastIso;
    } else out += quoted(v);
  }
  return `${out}}`;
}

/** Writes a batch with {@link BATCH_SQL} (one statement, atomic by itself or inside `q`'s transaction). */
export async function writeBatch(q: Sql, b: Snapshot): Promise<number> {
  const o = b.inserts;
  const u = b.updates;
  const t = b.trades;
  await q.query(
    BATCH_SQL_UNNAMED,
    [
      b.lists.id,
      b.lists.account,
      b.lists.market,
      b.lists.client,
      b.lists.status,
      b.lists.created,
      b.lists.updated,
      o.id,
      o.market,
      o.account,
      o.user,
      o.side,
      o.type,
      o.price,
      o.stop,
      o.size,
      o.remaining,
      o.filled,
      o.tif,
      o.postOnly,
      o.stp,
      o.status,
      o.priority,
      o.client,
      o.list,
      o.created,
      o.updated,
      u.id,
      u.type,
      u.price,
      u.size,
      u.remaining,
      u.filled,
      u.status,
      u.priority,
      u.updated,
      b.history.order,
      b.history.event,
      b.history.remaining,
      b.history.reason,
      b.history.at,
      t.id,
      t.market,
      t.maker,
      t.taker,
      t.makerAccount,
      t.takerAccount,
      t.price,
      t.size,
      t.takerSide,
      t.at,
      b.positions.account,
      b.positions.market,
      b.positions.delta,
      b.cash.account,
      b.cash.delta,
      b.listUpdates.id,
      b.listUpdates.status,
      b.listUpdates.updated,
    ].map(pgArray),
  );
  return 1;
}

/** The rows of a batch as column arrays, taken from memory when its flush starts. */
export interface Snapshot {
  lists: {
    id: number[];
    account: number[];
    market: number[];
    client: (string | null)[];
    status: string[];
    created: Date[];
    updated: Date[];
  };
  listUpdates: { id: number[]; status: string[]; updated: Date[] };
  inserts: {
    id: number[];
    market: number[];
    account: number[];
    user: number[];
    side: string[];
    type: string[];
    price: (number | null)[];
    stop: (number | null)[];
    size: number[];
    remaining: number[];
    filled: number[];
    tif: string[];
    postOnly: boolean[];
    stp: string[];
    status: string[];
    priority: number[];
    client: (string | null)[];
    list: (number | null)[];
    created: Date[];
    updated: Date[];
  };
  updates: {
    id: number[];
    type: string[];
    price: (number | null)[];
    size: number[];
    remaining: number[];
    filled: number[];
    status: string[];
    priority: number[];
    updated: Date[];
  };
  history: { order: number[]; event: string[]; remaining: number[]; reason: (string | null)[]; at: Date[] };
  trades: {
    id: number[];
    market: number[];
    maker: number[];
    taker: number[];
    makerAccount: number[];
    takerAccount: number[];
    price: number[];
    size: number[];
    takerSide: string[];
    at: Date[];
  };
  positions: { account: number[]; market: number[]; delta: string[] };
  cash: { account: number[]; delta: string[] };
}

/** The column arrays of a batch's rows, read from memory now. */
export function snapshotOf(b: Batch): Snapshot {
  const s: Snapshot = {
    lists: { id: [], account: [], market: [], client: [], status: [], created: [], updated: [] },
    listUpdates: { id: [], status: [], updated: [] },
    inserts: {
      id: [],
      market: [],
      account: [],
      user: [],
      side: [],
      type: [],
      price: [],
      stop: [],
      size: [],
      remaining: [],
      filled: [],
      tif: [],
      postOnly: [],
      stp: [],
      status: [],
      priority: [],
      client: [],
      list: [],
      created: [],
      updated: [],
    },
    updates: {
      id: [],
      type: [],
      price: [],
      size: [],
      remaining: [],
      filled: [],
      status: [],
      priority: [],
      updated: [],
    },
    history: { order: [], event: [], remaining: [], reason: [], at: [] },
    trades: {
      id: [],
      market: [],
      maker: [],
      taker: [],
      makerAccount: [],
      takerAccount: [],
      price: [],
      size: [],
      takerSide: [],
      at: [],
    },
    positions: { account: [], market: [], delta: [] },
    cash: { account: [], delta: [] },
  };
  for (const l of b.newLists.values()) {
    s.lists.id.push(l.id);
    s.lists.account.push(l.accountId);
    s.lists.market.push(l.marketId);
    s.lists.client.push(l.clientListId);
    s.lists.status.push(l.status);
    s.lists.created.push(l.createdAt);
    s.lists.updated.push(l.updatedAt);
  }
  for (const l of b.changedLists.values()) {
    s.listUpdates.id.push(l.id);
    s.listUpdates.status.push(l.status);
    s.listUpdates.updated.push(l.updatedAt);
  }
  const ins = s.inserts;
  for (const o of b.newOrders.values()) {
    ins.id.push(o.id);
    ins.market.push(o.marketId);
    ins.account.push(o.accountId);
    ins.user.push(o.userId);
    ins.side.push(o.side);
    ins.type.push(o.type);
    ins.price.push(o.price);
    ins.stop.push(o.stopPrice);
    ins.size.push(o.size);
    ins.remaining.push(o.remaining);
    ins.filled.push(o.filled);
    ins.tif.push(o.tif);
    ins.postOnly.push(o.postOnly);
    ins.stp.push(o.stp);
    ins.status.push(o.status);
    ins.priority.push(o.priority);
    ins.client.push(o.clientOrderId);
    ins.list.push(o.listId);
    ins.created.push(o.createdAt);
    ins.updated.push(o.updatedAt);
  }
  const up = s.updates;
  for (const o of b.changedOrders.values()) {
    up.id.push(o.id);
    up.type.push(o.type);
    up.price.push(o.price);
    up.size.push(o.size);
    up.remaining.push(o.remaining);
    up.filled.push(o.filled);
    up.status.push(o.status);
    up.priority.push(o.priority);
    up.updated.push(o.updatedAt);
  }
  for (const h of b.history) {
    s.history.order.push(h.orderId);
    s.history.event.push(h.event);
    s.history.remaining.push(h.remaining);
    s.history.reason.push(h.reason);
    s.history.at.push(h.at);
  }
  const t = s.trades;
  for (const r of b.trades) {
    t.id.push(r.id);
    t.market.push(r.marketId);
    t.maker.push(r.makerOrderId);
    t.taker.push(r.takerOrderId);
    t.makerAccount.push(r.makerAccount);
    t.takerAccount.push(r.takerAccount);
    t.price.push(r.price);
    t.size.push(r.size);
    t.takerSide.push(r.takerSide);
    t.at.push(r.at);
  }
  for (const p of b.positions.values())
    if (p.delta !== 0n) {
      s.positions.account.push(p.accountId);
      s.positions.market.push(p.marketId);
      s.positions.delta.push(p.delta.toString());
    }
  for (const [id, d] of b.cash)
    if (d !== 0n) {
      s.cash.account.push(id);
      s.cash.delta.push(atomsText(d));
    }
  return s;
}

/** Figures of the writer since it was created. */
export interface WriterStats {
  batches: number;
  commands: number;
  statements: number;
  /** The largest batch, in commands. */
  largest: number;
  /** Time spent in batch transactions, ms (wall clock, from the snapshot to the commit). */
  commitMs: number;
}

/** The group-commit writer: one batch open for new commands, at most one committing. */
export class GroupWriter {
  private open = new Batch();
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  /** Figures since start. */
  readonly stats: WriterStats = { batches: 0, commands: 0, statements: 0, largest: 0, commitMs: 0 };

  /**
   * @param sql the database
   * @param events where a batch's events go after it commits
   * @param onFailure reloads the in-memory state after a failed commit (runs before any newer command applies)
   * @param tail events that close a batch, built when its flush starts (e.g. one per account it touched)
   */
  constructor(
    private readonly sql: Sql,
    private readonly events: EventBus,
    private readonly onFailure: (err: unknown) => Promise<void>,
    private readonly tail: (b: Batch) => TradingEvent[] = () => [],
  ) {}

  /** The batch new commands record into. */
  get batch(): Batch {
    return this.open;
  }

  /** Counts one command in the open batch and returns the promise of its commit (the flush is scheduled). */
  commit(): Promise<void> {
    const b = this.open;
    b.commands++;
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    return b.done;
  }

  /**
   * Resolves when every command recorded so far has committed or failed (without waiting for later ones), so a
   * database read after it sees them.
   */
  async sync(): Promise<void> {
    const b = this.open;
    if (!b.empty) await b.done.catch(() => undefined);
    else if (this.flushing) await this.flushing.catch(() => undefined);
  }

  /** Resolves when every command recorded so far has committed or failed. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.flushing) await this.flushing.catch(() => undefined);
      else if (!this.open.empty) await this.flush();
      else return;
    }
  }

  private flush(): Promise<void> {
    this.scheduled = false;
    if (this.flushing) return this.flushing;
    const b = this.open;
    if (b.empty) return Promise.resolve();
    this.open = new Batch();
    const rows = snapshotOf(b);
    const events: TradingEvent[] = [];
    for (const e of b.events)
      if (typeof e === 'function') events.push(...e());
      else events.push(e);
    events.push(...this.tail(b));
    const started = performance.now();
    const run = async (): Promise<void> => {
      try {
        const n = await writeBatch(this.sql, rows);
        this.stats.commitMs += performance.now() - started;
        this.stats.batches++;
        this.stats.commands += b.commands;
        this.stats.statements += n;
        this.stats.largest = Math.max(this.stats.largest, b.commands);
      } catch (err) {
        // Everything applied after this batch was built on it: fail it too, then reload from the database.
        const later = this.open;
        this.open = new Batch();
        await this.onFailure(err).catch(() => undefined);
        b.reject(err);
        later.reject(err);
        return;
      }
      b.resolve();
      for (const e of events) this.events.publish(e);
    };
    this.flushing = run().finally(() => {
      this.flushing = null;
      if (!this.open.empty) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
    return this.flushing;
  }
}
