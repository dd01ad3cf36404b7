/**
 * Journal entries: a user's Markdown notes (title, body, tags, an optional collection such as `playbook` or
 * `review`) linked to their own trades, with PostgreSQL full-text search over title and body
 * (`to_tsvector('english', title || ' ' || body)` in a generated column with a GIN index, queried with
 * `websearch_to_tsquery('english', q)`: words, "quoted phrases", `or`, `-excluded`).
 *
 * Only the owner sees or changes an entry: another user's entry is `404 entry-not-found`, as is a missing one.
 * Lengths and shapes are validated at the boundary (`src/server/journal-schemas.ts`); links are checked here.
 */
import type { Row, Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { NotFoundError, ValidationError } from './errors.ts';

/** Fields of a new entry. */
export interface EntryInput {
  title: string;
  /** Markdown, stored as given. Default empty. */
  body?: string | undefined;
  tags?: string[] | undefined;
  /** A collection name, or null for none. */
  collection?: string | null | undefined;
  /** Ids of the owner's trades to link. */
  tradeIds?: number[] | undefined;
}

/** A journal entry as the API serves it. */
export interface EntryView {
  id: number;
  title: string;
  body: string;
  tags: string[];
  collection: string | null;
  /** Linked trade ids, ascending. */
  tradeIds: number[];
  /** ISO 8601 UTC. */
  createdAt: string;
  updatedAt: string;
}

/** Filters and page of {@link JournalEntries.list}. */
export interface EntryFilter {
  /** Entries linked to this trade. */
  tradeId?: number | undefined;
  tag?: string | undefined;
  collection?: string | undefined;
  /** Full-text query (websearch syntax) over title and body. */
  q?: string | undefined;
  /** Page size. */
  limit: number;
  /** Entries with an id below this (the previous page's `nextCursor`). */
  cursor?: number | undefined;
}

const SELECT = `SELECT e.id, e.title, e.body, e.tags, e.collection, e.created_at, e.updated_at,
  COALESCE((SELECT array_agg(l.trade_id ORDER BY l.trade_id) FROM journal_entry_trades l WHERE l.entry_id = e.id),
    '{}') AS trade_ids
  FROM journal_entries e`;

function view(r: Row): EntryView {
  const ids = (r.trade_ids ?? []) as unknown[];
  return {
    id: toInt(r.id),
    title: String(r.title),
    body: String(r.body),
    tags: ((r.tags ?? []) as unknown[]).map(String),
    collection: r.collection === null ? null : String(r.collection),
    tradeIds: ids.map((x) => toInt(x)),
    createdAt: new Date(toMs(r.created_at)).toISOString(),
    updatedAt: new Date(toMs(r.updated_at)).toISOString(),
  };
}

const notFound = (id: number): NotFoundError => new NotFoundError('entry-not-found', `no journal entry ${id}`);

/** Journal entries of one user at a time. */
export class JournalEntries {
  constructor(private readonly sql: Sql) {}

  /**
   * Checks that every id is one of the user's trades.
   * @throws ValidationError with `tradeIds.<i>` `unknown-trade` for each one that is not (missing or another's).
   */
  private async checkTrades(q: Sql, userId: number, ids: readonly number[]): Promise<number[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const rows = await q.query(
      `SELECT t.id FROM trades t JOIN accounts a ON a.id = t.account_id WHERE a.user_id = $1 AND t.id = ANY($2::bigint[])`,
      [userId, unique.map(String)],
    );
    const own = new Set(rows.map((r) => toInt(r.id)));
    const issues = ids.flatMap((id, i) =>
      own.has(id) ? [] : [{ field: `tradeIds.${i}`, code: 'unknown-trade', message: `no trade ${id} of yours` }],
    );
    if (issues.length) throw new ValidationError(issues);
    return unique;
  }

  private async link(q: Sql, entryId: number, tradeIds: readonly number[]): Promise<void> {
    await q.query('DELETE FROM journal_entry_trades WHERE entry_id = $1', [entryId]);
    if (tradeIds.length)
      await q.query(
        'INSERT INTO journal_entry_trades (entry_id, trade_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING',
        [entryId, tradeIds.map(String)],
      );
  }

  private async one(q: Sql, userId: number, id: number): Promise<EntryView> {
    const [r] = await q.query(`${SELECT} WHERE e.id = $1 AND e.user_id = $2`, [id, userId]);
    if (!r) throw notFound(id);
    return view(r);
  }

  /** Creates an entry (one transaction). @throws ValidationError `unknown-trade` */
  async create(userId: number, input: EntryInput): Promise<EntryView> {
    return this.sql.tx(async (q) => {
      const tradeIds = await this.checkTrades(q, userId, input.tradeIds ?? []);
      const [r] = await q.query(
        `INSERT INTO journal_entries (user_id, title, body, tags, collection) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [userId, input.title, input.body ?? '', input.tags ?? [], input.collection ?? null],
      );
      const id = toInt(r!.id);
      await this.link(q, id, tradeIds);
      return this.one(q, userId, id);
    });
  }

  /** One entry. @throws NotFoundError `entry-not-found` (also for another user's entry) */
  async get(userId: number, id: number): Promise<EntryView> {
    return this.one(this.sql, userId, id);
  }

  /** The user's entries matching `f`, newest first, and the cursor of the next page (null on the last). */
  async list(userId: number, f: EntryFilter): Promise<{ entries: EntryView[]; nextCursor: string | null }> {
    const params: unknown[] = [userId];
    const parts = ['e.user_id = $1'];
    const add = (cond: (p: string) => string, v: unknown): void => {
      params.push(v);
      parts.push(cond(`$${params.length}`));
    };
    if (f.tradeId !== undefined)
      add(
        (p) => `EXISTS (SELECT 1 FROM journal_entry_trades x WHERE x.entry_id = e.id AND x.trade_id = ${p})`,
        f.tradeId,
      );
    if (f.tag !== undefined) add((p) => `${p} = ANY(e.tags)`, f.tag);
    if (f.collection !== undefined) add((p) => `e.collection = ${p}`, f.collection);
    if (f.q !== undefined && f.q.trim() !== '')
      add((p) => `e.search @@ websearch_to_tsquery('english'::regconfig, ${p})`, f.q);
    if (f.cursor !== undefined) add((p) => `e.id < ${p}`, f.cursor);
    params.push(f.limit + 1);
    const rows = await this.sql.query(
      `${SELECT} WHERE ${parts.join(' AND ')} ORDER BY e.id DESC LIMIT $${params.length}`,
      params,
    );
    const entries = rows.slice(0, f.limit).map(view);
    return { entries, nextCursor: rows.length > f.limit ? String(entries.at(-1)!.id) : null };
  }

  /**
   * Changes the given fields (tradeIds replaces the links) and sets updatedAt. One transaction.
   * @throws NotFoundError `entry-not-found`; ValidationError `unknown-trade`
   */
  async update(userId: number, id: number, patch: Partial<EntryInput>): Promise<EntryView> {
    return this.sql.tx(async (q) => {
      const [e] = await q.query('SELECT id FROM journal_entries WHERE id = $1 AND user_id = $2 FOR UPDATE', [
        id,
        userId,
      ]);
      if (!e) throw notFound(id);
      const tradeIds = patch.tradeIds === undefined ? undefined : await this.checkTrades(q, userId, patch.tradeIds);
      await q.query(
        `UPDATE journal_entries SET title = COALESCE($2, title), body = COALESCE($3, body),
           tags = COALESCE($4, tags), collection = CASE WHEN $5::boolean THEN $6 ELSE collection END, updated_at = now()
         WHERE id = $1`,
        [
          id,
          patch.title ?? null,
          patch.body ?? null,
          patch.tags ?? null,
          patch.collection !== undefined,
          patch.collection ?? null,
        ],
      );
      if (tradeIds !== undefined) await this.link(q, id, tradeIds);
      return this.one(q, userId, id);
    });
  }

  /** Deletes an entry and its links. @throws NotFoundError `entry-not-found` */
  async delete(userId: number, id: number): Promise<void> {
    const rows = await this.sql.query('DELETE FROM journal_entries WHERE id = $1 AND user_id = $2 RETURNING id', [
      id,
      userId,
    ]);
    if (!rows[0]) throw notFound(id);
  }
}
