/**
 * History import: a connection's fills of the last N days (90 by default) fetched from its venue, stored once in
 * `venue_fills` (source `import`; unique on (user, exchange, fill id)), grouped per symbol into round-trip trades
 * (src/core/journal/round-trips.ts) and recorded in the journal as closed `trades` rows (source `import`, no
 * decision, stop or planned risk: R unknown), each fill linked to its trade.
 *
 * The job is durable: the `venue_imports` row is the queue. `enqueue` inserts it (`queued`) and runs it in this
 * process; `start` resumes rows left `queued` or `running` by a previous process. One job at a time per connection
 * (a second is refused with `import-running` while one is queued or running).
 *
 * Which symbols: the connection's `settings.symbols` when set; else every market of the venue when there are at most
 * {@link ALL_MARKETS_LIMIT}; else the markets whose base asset has a non-zero balance.
 *
 * Idempotence (importing twice adds nothing): each symbol is one transaction. The fills grouped are those of the
 * connection and symbol that are not linked to a Testudo trade (a live bracket's fills, or any fill of an order with
 * a Testudo client id `tdo…`, belong to the live engine): unlinked ones and those linked to earlier imported trades.
 * A round trip is identified by its closing fill (the fill that brought the position back to 0, which closes exactly
 * one trade): it becomes a trade only when that fill is not linked yet. A new trade's fills are linked to it unless
 * already linked (a fill that flipped the position stays with the trade it closed). Fills of a position still open
 * stay unlinked until a later import sees it closed. Known limit: fills older than the first import's window, found
 * by a later import with a longer window, can regroup the oldest trades differently (the imported ones stay).
 *
 * Progress: an `import-progress` event after each symbol (running totals) and `import-complete` at the end, to the
 * connection's owner. A failure ends the job `failed` with the error's message (venue reasons; never credentials);
 * a symbol the venue does not know (delisted, a typo in `settings.symbols`) is skipped and named in `error` of a
 * `done` job.
 */
import type { Sql, Row } from '../../db/sql.ts';
import { toInt, toMsOrNull } from '../../db/sql.ts';
import { roundTrips, symbolAssets, type RoundTripFill } from '../../core/journal/round-trips.ts';
import type { ConnectionRow, ConnectionListener } from '../connections.ts';
import { ConflictError, NotFoundError, TestudoError, UnprocessableError, ValidationError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { dec0 } from '../views.ts';
import { VenueError, type Venue, type VenueFill } from '../venues/types.ts';

/** With at most this many markets, an import without `settings.symbols` reads every market's fills. */
export const ALL_MARKETS_LIMIT = 50;
/** Default history window, days. */
export const DEFAULT_IMPORT_DAYS = 90;
/** Longest history window, days. */
export const MAX_IMPORT_DAYS = 365;
const DAY_MS = 86_400_000;
/** Wait before retrying a job whose venue cannot be opened yet (the server is not listening), ms. */
const RETRY_MS = 1000;
/** Fills per INSERT statement. */
const INSERT_CHUNK = 500;

/** An import job as served by `GET /api/v1/connections/:id/imports`. */
export interface ImportView {
  id: number;
  connectionId: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  /** Start of the history window, ISO 8601. */
  since: string;
  /** Fills the venue reported. */
  fillsSeen: number;
  /** Fills stored for the first time. */
  fillsNew: number;
  /** Journal trades created. */
  tradesCreated: number;
  /** Why it failed, or which symbols were skipped; null otherwise. */
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What the importer needs of src/app/connections.ts `ConnectionService`. */
export interface ImportConnections {
  /** The venue of a connection (guarded by its breaker). */
  venue(id: number): Promise<Venue>;
  /** A connection row without ownership check. @throws NotFoundError `connection-not-found`. */
  row(id: number): Promise<ConnectionRow>;
  /** The user's connection. @throws NotFoundError `connection-not-found` (also for others' ids). */
  get(userId: number, id: number): Promise<{ status: 'active' | 'disabled' }>;
  /** Subscribes to connection changes. */
  onChange?(fn: ConnectionListener): () => void;
}

/** Options of {@link ImportService}. */
export interface ImportServiceOptions {
  sql: Sql;
  events: EventBus;
  connections: ImportConnections;
  /** Wall clock, ms (the history window's end). Default `Date.now`. */
  now?: () => number;
  /** History window of the imports `enqueue` is not told the days of (new connections), days. Default 90. */
  days?: number;
  /** Unexpected errors of a background job (the server's log); default nowhere. */
  onError?: (err: unknown, context: Record<string, unknown>) => void;
}

const iso = (v: unknown): string | null => {
  const ms = toMsOrNull(v);
  return ms === null ? null : new Date(ms).toISOString();
};

/** A `venue_imports` row as its view. */
export function importView(r: Row): ImportView {
  return {
    id: toInt(r.id),
    connectionId: toInt(r.connection_id),
    status: r.status as ImportView['status'],
    since: iso(r.since)!,
    fillsSeen: toInt(r.fills_seen),
    fillsNew: toInt(r.fills_new),
    tradesCreated: toInt(r.trades_created),
    error: r.error === null || r.error === undefined ? null : String(r.error),
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

/** Counts of one symbol's import. */
interface SymbolCounts {
  fillsSeen: number;
  fillsNew: number;
  tradesCreated: number;
}

/** Runs history imports (see the module doc). */
export class ImportService {
  private readonly sql: Sql;
  private readonly events: EventBus;
  private readonly connections: ImportConnections;
  private readonly now: () => number;
  private readonly days: number;
  private readonly onError: (err: unknown, context: Record<string, unknown>) => void;
  /** Per connection: the tail of its job chain (one job at a time). */
  private readonly chains = new Map<number, Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  private readonly retries = new Set<NodeJS.Timeout>();
  private closed = false;

  /** See {@link ImportServiceOptions}. */
  constructor(o: ImportServiceOptions) {
    this.sql = o.sql;
    this.events = o.events;
    this.connections = o.connections;
    this.now = o.now ?? (() => Date.now());
    this.days = o.days ?? DEFAULT_IMPORT_DAYS;
    this.onError = o.onError ?? (() => undefined);
  }

  /**
   * Resumes the jobs left `queued` or `running` (by this or a previous process), oldest first, and enqueues an
   * import for each connection created from now on (unless created with `import: false`).
   */
  async start(): Promise<void> {
    this.unsubscribe ??=
      this.connections.onChange?.((c, what, opts) => {
        if (what !== 'created' || opts?.import === false) return;
        this.enqueue(c.userId, c.id).catch((e: unknown) => this.onError(e, { connectionId: c.id, job: 'import' }));
      }) ?? null;
    const rows = await this.sql.query(
      `SELECT id, connection_id FROM venue_imports WHERE status IN ('queued', 'running') ORDER BY id`,
    );
    for (const r of rows) this.schedule(toInt(r.connection_id), toInt(r.id));
  }

  /**
   * Queues an import of the last `days` days (default: the service's, 90) of connection `connectionId`'s fills and starts it.
   * @throws NotFoundError `connection-not-found` (also for another user's connection); ValidationError when `days` is
   *   not an integer in 1–{@link MAX_IMPORT_DAYS}; UnprocessableError `connection-disabled`; ConflictError
   *   `import-running` while an import of this connection is queued or running.
   */
  async enqueue(userId: number, connectionId: number, days = this.days): Promise<ImportView> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_IMPORT_DAYS)
      throw new ValidationError([
        { field: 'days', code: 'out-of-range', message: `an integer from 1 to ${MAX_IMPORT_DAYS}` },
      ]);
    if ((await this.connections.get(userId, connectionId)).status === 'disabled')
      throw new UnprocessableError('connection-disabled', `connection ${connectionId} is disabled; enable it first`);
    const row = await this.sql.tx(async (q) => {
      // serialises concurrent requests for one connection
      const [c] = await q.query('SELECT id FROM connections WHERE id = $1 AND user_id = $2 FOR UPDATE', [
        connectionId,
        userId,
      ]);
      if (!c) throw new NotFoundError('connection-not-found', `no connection ${connectionId} of yours`);
      const [busy] = await q.query(
        `SELECT id FROM venue_imports WHERE connection_id = $1 AND status IN ('queued', 'running') LIMIT 1`,
        [connectionId],
      );
      if (busy)
        throw new ConflictError('import-running', `import ${toInt(busy.id)} of connection ${connectionId} is not done`);
      const [r] = await q.query(
        `INSERT INTO venue_imports (connection_id, user_id, since) VALUES ($1, $2, $3) RETURNING *`,
        [connectionId, userId, new Date(this.now() - days * DAY_MS)],
      );
      return r!;
    });
    this.schedule(connectionId, toInt(row.id));
    return importView(row);
  }

  /** The imports of the user's connection, newest first. @throws NotFoundError `connection-not-found`. */
  async list(userId: number, connectionId: number): Promise<ImportView[]> {
    await this.connections.get(userId, connectionId);
    const rows = await this.sql.query(
      'SELECT * FROM venue_imports WHERE connection_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT 100',
      [connectionId, userId],
    );
    return rows.map(importView);
  }

  /** Resolves when every job scheduled so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /**
   * Stops taking new work: a running job stops after its current symbol (left `running`, resumed by the next
   * start) and queued ones stay queued. Resolves when the running jobs have stopped.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.idle();
  }

  private schedule(connectionId: number, importId: number): void {
    if (this.closed) return;
    const prev = this.chains.get(connectionId) ?? Promise.resolve();
    const next = prev
      .then(() => this.run(importId))
      .catch((e: unknown) => this.onError(e, { importId, connectionId, job: 'import' }))
      .finally(() => {
        if (this.chains.get(connectionId) === next) this.chains.delete(connectionId);
      });
    this.chains.set(connectionId, next);
  }

  private publish(userId: number, type: 'import-progress' | 'import-complete', data: Record<string, unknown>): void {
    this.events.publish({ type, userId, data });
  }

  /** Runs one job (see the module doc). */
  private async run(importId: number): Promise<void> {
    if (this.closed) return;
    const [job] = await this.sql.query(
      `UPDATE venue_imports SET status = 'running', started_at = now(), fills_seen = 0
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
      [importId],
    );
    if (!job) return;
    const connectionId = toInt(job.connection_id);
    const userId = toInt(job.user_id);
    const since = toMsOrNull(job.since)!;
    const totals: SymbolCounts = {
      fillsSeen: 0,
      fillsNew: toInt(job.fills_new),
      tradesCreated: toInt(job.trades_created),
    };
    const skipped: string[] = [];
    const finish = async (status: 'done' | 'failed', error: string | null): Promise<void> => {
      await this.sql.query(
        `UPDATE venue_imports SET status = $2, error = $3, finished_at = now(), fills_seen = $4, fills_new = $5,
           trades_created = $6 WHERE id = $1`,
        [importId, status, error, totals.fillsSeen, totals.fillsNew, totals.tradesCreated],
      );
      this.publish(userId, 'import-complete', {
        connectionId,
        importId,
        status,
        ...totals,
        ...(error === null ? {} : { error }),
      });
    };
    try {
      const conn = await this.connections.row(connectionId);
      let venue: Venue;
      try {
        venue = await this.connections.venue(connectionId);
      } catch (e) {
        // a sim venue before the server listens (its own URL unknown): queued again, retried in a second
        if (!(e instanceof TestudoError && e.code === 'self-url-unknown')) throw e;
        await this.sql.query(`UPDATE venue_imports SET status = 'queued' WHERE id = $1`, [importId]);
        const t = setTimeout(() => {
          this.retries.delete(t);
          this.schedule(connectionId, importId);
        }, RETRY_MS);
        t.unref();
        this.retries.add(t);
        return;
      }
      const symbols = await this.symbols(conn, venue);
      for (const [i, symbol] of symbols.entries()) {
        if (this.closed) return; // left running: the next start resumes it
        let fills: VenueFill[];
        try {
          fills = await venue.fills(symbol, since); // every page: Binance's 24-hour windows are the venue's concern
        } catch (e) {
          if (e instanceof VenueError && e.code === 'unknown-symbol') {
            skipped.push(`${symbol}: ${e.message}`);
            continue;
          }
          throw e;
        }
        if (this.closed) return; // the window may be cut short: this symbol again at the next start
        const c = await this.importSymbol(conn, symbol, fills);
        totals.fillsSeen += c.fillsSeen;
        totals.fillsNew += c.fillsNew;
        totals.tradesCreated += c.tradesCreated;
        await this.sql.query(
          'UPDATE venue_imports SET fills_seen = $2, fills_new = $3, trades_created = $4 WHERE id = $1',
          [importId, totals.fillsSeen, totals.fillsNew, totals.tradesCreated],
        );
        this.publish(userId, 'import-progress', {
          connectionId,
          importId,
          symbol,
          symbolsDone: i + 1,
          symbols: symbols.length,
          ...totals,
        });
      }
      await finish('done', skipped.length ? `skipped ${skipped.join('; ')}`.slice(0, 2000) : null);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await finish('failed', message.slice(0, 2000));
    }
  }

  /** The symbols to import (see the module doc). */
  private async symbols(conn: ConnectionRow, venue: Venue): Promise<string[]> {
    const chosen = conn.settings?.symbols;
    if (chosen && chosen.length > 0) return [...new Set(chosen)];
    const markets = await venue.markets();
    if (markets.length <= ALL_MARKETS_LIMIT) return markets.map((m) => m.symbol);
    const held = new Set(
      (await venue.balances()).filter((b) => !/^[+-]?0*\.?0*$/.test(b.total)).map((b) => b.asset.toUpperCase()),
    );
    return markets.filter((m) => held.has(m.instrument.base.toUpperCase())).map((m) => m.symbol);
  }

  /** Stores one symbol's fills and records its new round trips, in one transaction. */
  private async importSymbol(conn: ConnectionRow, symbol: string, fills: VenueFill[]): Promise<SymbolCounts> {
    return this.sql.tx(async (q) => {
      let fillsNew = 0;
      for (let i = 0; i < fills.length; i += INSERT_CHUNK) {
        const chunk = fills.slice(i, i + INSERT_CHUNK).map((f) => ({
          fill_id: f.id,
          venue_order_id: f.orderId,
          client_order_id: f.clientOrderId,
          symbol: f.symbol,
          side: f.side,
          price: f.price,
          qty: f.qty,
          fee: f.fee,
          fee_currency: f.feeCurrency,
          liquidity: f.liquidity,
          filled_at: new Date(f.time).toISOString(),
        }));
        const ins = await q.query(
          `INSERT INTO venue_fills (user_id, connection_id, exchange, fill_id, venue_order_id, client_order_id,
             symbol, side, price, qty, fee, fee_currency, liquidity, filled_at, source)
           SELECT $1, $2, $3, x.fill_id, x.venue_order_id, x.client_order_id, x.symbol, x.side, x.price::numeric,
                  x.qty::numeric, x.fee::numeric, x.fee_currency, x.liquidity, x.filled_at::timestamptz, 'import'
             FROM jsonb_to_recordset($4::jsonb) AS x(fill_id text, venue_order_id text, client_order_id text,
                  symbol text, side text, price text, qty text, fee text, fee_currency text, liquidity text,
                  filled_at text)
           ON CONFLICT (user_id, exchange, fill_id) DO NOTHING RETURNING id`,
          [conn.user_id, conn.id, conn.exchange, JSON.stringify(chunk)],
        );
        fillsNew += ins.length;
      }
      const rows = await q.query(
        `SELECT vf.fill_id, vf.side, vf.price, vf.qty, vf.fee, vf.fee_currency, vf.filled_at, vf.trade_id
           FROM venue_fills vf LEFT JOIN trades t ON t.id = vf.trade_id
          WHERE vf.connection_id = $1 AND vf.symbol = $2 AND (vf.trade_id IS NULL OR t.source = 'import')
            AND (vf.client_order_id IS NULL OR vf.client_order_id NOT LIKE 'tdo%')
          ORDER BY vf.filled_at, vf.id`,
        [conn.id, symbol],
      );
      const linked = new Set(rows.filter((r) => r.trade_id !== null).map((r) => String(r.fill_id)));
      const input: RoundTripFill[] = rows.map((r) => ({
        id: String(r.fill_id),
        side: r.side === 'sell' ? 'sell' : 'buy',
        price: dec0(r.price),
        qty: dec0(r.qty),
        fee: dec0(r.fee),
        feeCurrency: r.fee_currency === null ? null : String(r.fee_currency),
        time: toMsOrNull(r.filled_at)!,
      }));
      const { base, quote } = symbolAssets(symbol);
      const { trades } = roundTrips(input, {
        base,
        quote: quote || conn.currency,
        spot: conn.market_type === 'spot',
      });
      // the new round trips: those whose closing fill is not linked yet (see the module doc)
      const fresh = trades.filter((t) => !linked.has(t.parts.at(-1)!.id));
      // their ids first (the identity's sequence), so trades and links go in one statement per chunk each
      const ids = fresh.length
        ? (
            await q.query(`SELECT nextval(pg_get_serial_sequence('trades', 'id')) AS id FROM generate_series(1, $1)`, [
              fresh.length,
            ])
          ).map((r) => toInt(r.id))
        : [];
      // fill id → the trade it is linked to (a fill that flipped the position stays with the trade it closed)
      const links: { fill_id: string; trade_id: number }[] = [];
      const rowsOut = fresh.map((t, i) => {
        const id = ids[i]!;
        for (const p of t.parts)
          if (!linked.has(p.id)) {
            linked.add(p.id);
            links.push({ fill_id: p.id, trade_id: id });
          }
        return {
          id,
          side: t.side,
          entry_price: t.entryPrice,
          qty: t.qty,
          tags: t.feesUnknown ? ['imported', 'fees-unknown'] : ['imported'],
          opened_at: new Date(t.openedAt).toISOString(),
          entry_fee: t.entryFee,
          closed_at: new Date(t.closedAt).toISOString(),
          exit_price: t.exitPrice,
          exit_fee: t.exitFee,
          gross_pnl: t.grossPnl,
          fees: t.fees,
          net_pnl: t.netPnl,
        };
      });
      for (let i = 0; i < rowsOut.length; i += INSERT_CHUNK)
        await q.query(
          `INSERT INTO trades (id, account_id, connection_id, source, decision_id, symbol, side, entry_type,
             entry_price, stop_price, qty, risk_pct, planned_risk, margin, tags, status, submitted_at, opened_at,
             entry_fill_price, entry_fee, closed_at, exit_fill_price, exit_fee, gross_pnl, fees, net_pnl,
             initial_risk, r_multiple)
           OVERRIDING SYSTEM VALUE
           SELECT x.id, $1, $2, 'import', NULL, $3, x.side, 'market', x.entry_price::numeric, NULL, x.qty::numeric,
                  NULL, NULL, NULL, ARRAY(SELECT jsonb_array_elements_text(x.tags)), 'closed',
                  x.opened_at::timestamptz, x.opened_at::timestamptz, x.entry_price::numeric, x.entry_fee::numeric,
                  x.closed_at::timestamptz, x.exit_price::numeric, x.exit_fee::numeric, x.gross_pnl::numeric,
                  x.fees::numeric, x.net_pnl::numeric, NULL, NULL
             FROM jsonb_to_recordset($4::jsonb) AS x(id bigint, side text, entry_price text, qty text, tags jsonb,
                  opened_at text, entry_fee text, closed_at text, exit_price text, exit_fee text, gross_pnl text,
                  fees text, net_pnl text)`,
          [conn.account_id, conn.id, symbol, JSON.stringify(rowsOut.slice(i, i + INSERT_CHUNK))],
        );
      const tradesCreated = rowsOut.length;
      for (let i = 0; i < links.length; i += INSERT_CHUNK)
        await q.query(
          `UPDATE venue_fills vf SET trade_id = x.trade_id
             FROM jsonb_to_recordset($4::jsonb) AS x(fill_id text, trade_id bigint)
            WHERE vf.user_id = $1 AND vf.exchange = $2 AND vf.fill_id = x.fill_id AND vf.connection_id = $3
              AND vf.trade_id IS NULL`,
          [conn.user_id, conn.exchange, conn.id, JSON.stringify(links.slice(i, i + INSERT_CHUNK))],
        );
      return { fillsSeen: fills.length, fillsNew, tradesCreated };
    });
  }
}
