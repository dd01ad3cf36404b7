/**
 * The exchange's core: the in-memory state, the group-commit writer, and the two ways a command runs.
 *
 * - Fast commands (orders: place, cancel, amend, OCO) read and change only memory, record their writes in the
 *   writer's open batch, and are acknowledged when that batch commits (`./writer.ts`). They are applied in arrival
 *   order, one at a time (JavaScript runs one at a time), so each market's engine has a single writer.
 * - Exclusive commands (transfers, market administration, accounts, auctions) run their own transaction while no
 *   fast command is applied: {@link Core.exclusive} closes the gate, waits until every recorded command has
 *   committed, runs, updates memory, and opens the gate again. Fast commands that arrive meanwhile wait at the gate,
 *   in order.
 *
 * Invariants:
 * - Memory equals the database plus the not yet committed batches; after any failed commit the whole state is
 *   reloaded from the database before another command applies (the gate is closed while it reloads).
 */
import type { Sql } from '../../db/sql.ts';
import type { EventBus } from '../events.ts';
import { accountEvents, loadCash, loadReserved, loadState, type ExchangeState } from './state.ts';
import { Batch, GroupWriter, snapshotOf, writeBatch } from './writer.ts';

/** The exchange's state, writer and command scheduling. */
export class Core {
  private gate: Promise<void> | null = null;
  private exclusiveChain: Promise<unknown> = Promise.resolve();
  readonly writer: GroupWriter;

  private constructor(
    readonly sql: Sql,
    readonly events: EventBus,
    public state: ExchangeState,
  ) {
    this.writer = new GroupWriter(
      sql,
      events,
      () => this.reloadAfterFailure(),
      (b) => accountEvents(this.state, b.touched),
    );
  }

  /** Loads the state from the database. */
  static async open(sql: Sql, events: EventBus): Promise<Core> {
    return new Core(sql, events, await loadState(sql));
  }

  /** Resolves when fast commands may apply (at once unless an exclusive command or a reload is running). */
  async ready(): Promise<void> {
    while (this.gate) await this.gate;
  }

  /** Whether fast commands may apply right now. */
  get isOpen(): boolean {
    return this.gate === null;
  }

  /**
   * Runs `fn` alone: after every exclusive command before it, with the gate closed and every recorded fast command
   * committed. `fn` may read and write the database and memory.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusiveChain.then(async () => {
      let open!: () => void;
      while (this.gate) await this.gate;
      this.gate = new Promise<void>((r) => (open = r));
      try {
        await this.writer.drain();
        return await fn();
      } finally {
        this.gate = null;
        open();
      }
    });
    this.exclusiveChain = run.catch(() => undefined);
    return run;
  }

  /** Reloads the whole state from the database (the gate closed meanwhile). */
  private async reloadAfterFailure(): Promise<void> {
    let open!: () => void;
    const previous = this.gate;
    this.gate = new Promise<void>((r) => (open = r));
    try {
      this.state = await loadState(this.sql);
    } finally {
      this.gate = previous;
      open();
    }
  }

  /**
   * Inside {@link exclusive}: runs `fn` in one transaction with a batch of its own (for engine events applied with
   * `applyEvents`), writes that batch in the same transaction, and publishes its events after the commit. On failure
   * memory is reloaded from the database and the error rethrown.
   */
  async ownTx<T>(fn: (q: Sql, b: Batch) => Promise<T>): Promise<T> {
    const b = new Batch();
    let out: T;
    try {
      out = await this.sql.tx(async (q) => {
        const r = await fn(q, b);
        await writeBatch(q, snapshotOf(b));
        return r;
      });
    } catch (err) {
      await this.reload();
      throw err;
    }
    for (const e of b.events) for (const x of typeof e === 'function' ? e() : [e]) this.events.publish(x);
    for (const e of accountEvents(this.state, b.touched)) this.events.publish(e);
    return out;
  }

  /** Reloads the whole state (after an exclusive command failed half-way through memory changes). */
  async reload(): Promise<void> {
    this.state = await loadState(this.sql);
  }

  /** Reloads every account's cash and auction reservation (after writes made outside the command path). */
  async reloadMoney(): Promise<void> {
    await loadCash(this.sql, this.state);
    await loadReserved(this.sql, this.state);
  }
}
