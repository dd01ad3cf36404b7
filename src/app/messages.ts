/**
 * Research messages: a user's trade ideas and analyses (the trading-framework design's message collection). Each has
 * an optional title, a Markdown body, normalised tags, and optional links to a symbol, a strategy (by name) and one
 * of the owner's own trades. PostgreSQL full-text search over title and body uses the `simple` configuration (a
 * generated `to_tsvector('simple', title || ' ' || body)` column with a GIN index, queried with
 * `websearch_to_tsquery('simple', q)`: words, "quoted phrases", `or`, `-excluded`; no stemming, so tickers and
 * names match as typed, case-insensitively). Same SQL on PostgreSQL 15 and PGlite.
 *
 * Only the owner sees or changes a message: another user's message is `404 message-not-found`, as is a missing one.
 * Lengths and shapes are validated at the boundary (`src/server/message-routes.ts`); tags are normalised and the
 * trade link is checked here.
 */
import type { Row, Sql } from '../db/sql.ts';
import { toInt, toMs } from '../db/sql.ts';
import { NotFoundError, UnprocessableError, ValidationError } from './errors.ts';

/** Limits of messages (characters; tags count after normalisation). */
export const MESSAGE_LIMITS = {
  title: 200,
  body: 20_000,
  tags: 20,
  tag: 40,
  symbol: 40,
  strategy: 80,
  q: 200,
} as const;

/** Fields of a new message. */
export interface MessageInput {
  /** Optional heading; null or absent for none. */
  title?: string | null | undefined;
  /** Markdown, stored as given (1..20,000 characters). */
  body: string;
  /** Normalised by {@link normaliseTag}, duplicates dropped (first kept). */
  tags?: string[] | undefined;
  /** e.g. `BTC-USD`; null for none. */
  symbol?: string | null | undefined;
  /** A strategy name such as `sma-cross`; null for none. */
  strategy?: string | null | undefined;
  /** One of the owner's trades; null for none. */
  tradeId?: number | null | undefined;
}

/** A message as the API serves it. */
export interface MessageView {
  id: number;
  title: string | null;
  body: string;
  tags: string[];
  symbol: string | null;
  strategy: string | null;
  tradeId: number | null;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC; equals createdAt until the first change. */
  updatedAt: string;
}

/** Filters and page of {@link Messages.list}. */
export interface MessageFilter {
  /** Full-text query (websearch syntax) over title and body; blank means none. */
  q?: string | undefined;
  /** Messages carrying this tag (normalised like stored tags). */
  tag?: string | undefined;
  /** Exact symbol. */
  symbol?: string | undefined;
  /** Exact strategy name. */
  strategy?: string | undefined;
  /** Page size (≥ 1). */
  limit: number;
  /** Messages with an id below this (the previous page's `nextCursor`). */
  cursor?: number | undefined;
}

/** One page of {@link Messages.list}: newest first; `nextCursor` null on the last page. */
export interface MessagePage {
  messages: MessageView[];
  nextCursor: string | null;
}

/**
 * A tag in canonical form: trimmed, lowercase, runs of spaces, underscores, dots and slashes become one `-`, other
 * characters outside `[a-z0-9-]` are dropped, dashes collapsed and trimmed (`"Mean Reversion"` → `mean-reversion`,
 * `"#BTC_idea!"` → `btc-idea`). Returns `''` when nothing is left.
 */
export function normaliseTag(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s_./]+/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Normalises a tag list, dropping duplicates (first occurrence kept).
 * @throws ValidationError with `tags.<i>` `invalid-tag` for each tag that normalises to nothing or exceeds 40.
 */
export function normaliseTags(tags: readonly string[]): string[] {
  const issues: { field: string; code: string; message: string }[] = [];
  const out: string[] = [];
  tags.forEach((t, i) => {
    const n = normaliseTag(t);
    if (n === '' || n.length > MESSAGE_LIMITS.tag)
      issues.push({
        field: `tags.${i}`,
        code: 'invalid-tag',
        message: `must contain letters or digits (at most ${MESSAGE_LIMITS.tag})`,
      });
    else if (!out.includes(n)) out.push(n);
  });
  if (issues.length) throw new ValidationError(issues);
  return out;
}

const SELECT = `SELECT id, title, body, tags, symbol, strategy, trade_id, created_at, updated_at FROM messages`;

function view(r: Row): MessageView {
  return {
    id: toInt(r.id),
    title: r.title === null ? null : String(r.title),
    body: String(r.body),
    tags: ((r.tags ?? []) as unknown[]).map(String),
    symbol: r.symbol === null ? null : String(r.symbol),
    strategy: r.strategy === null ? null : String(r.strategy),
    tradeId: r.trade_id === null ? null : toInt(r.trade_id),
    createdAt: new Date(toMs(r.created_at)).toISOString(),
    updatedAt: new Date(toMs(r.updated_at)).toISOString(),
  };
}

const notFound = (id: number): NotFoundError => new NotFoundError('message-not-found', `no message ${id}`);
const blankToNull = (v: string | null | undefined): string | null =>
  v === null || v === undefined || v.trim() === '' ? null : v.trim();

/** Research messages of one user at a time. */
export class Messages {
  /** @param sql the database (PGlite or PostgreSQL) with migration 016 applied */
  constructor(private readonly sql: Sql) {}

  /** @throws UnprocessableError `unknown-trade` when `tradeId` is not one of the user's trades */
  private async checkTrade(q: Sql, userId: number, tradeId: number | null): Promise<number | null> {
    if (tradeId === null) return null;
    const [r] = await q.query(
      'SELECT t.id FROM trades t JOIN accounts a ON a.id = t.account_id WHERE a.user_id = $1 AND t.id = $2',
      [userId, tradeId],
    );
    if (!r) throw new UnprocessableError('unknown-trade', `tradeId: no trade ${tradeId} of yours`);
    return tradeId;
  }

  private async one(q: Sql, userId: number, id: number): Promise<MessageView> {
    const [r] = await q.query(`${SELECT} WHERE id = $1 AND user_id = $2`, [id, userId]);
    if (!r) throw notFound(id);
    return view(r);
  }

  /**
   * Creates a message; a blank title, symbol or strategy is stored as null.
   * @throws ValidationError `invalid-tag`; UnprocessableError `unknown-trade`
   */
  async create(userId: number, input: MessageInput): Promise<MessageView> {
    const tags = normaliseTags(input.tags ?? []);
    return this.sql.tx(async (q) => {
      const tradeId = await this.checkTrade(q, userId, input.tradeId ?? null);
      const [r] = await q.query(
        `INSERT INTO messages (user_id, title, body, tags, symbol, strategy, trade_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          userId,
          blankToNull(input.title),
          input.body,
          tags,
          blankToNull(input.symbol),
          blankToNull(input.strategy),
          tradeId,
        ],
      );
      return this.one(q, userId, toInt(r!.id));
    });
  }

  /** One message. @throws NotFoundError `message-not-found` (also for another user's message) */
  async get(userId: number, id: number): Promise<MessageView> {
    return this.one(this.sql, userId, id);
  }

  /** The user's messages matching `f`, newest first (by id), and the cursor of the next page. */
  async list(userId: number, f: MessageFilter): Promise<MessagePage> {
    const params: unknown[] = [userId];
    const parts = ['user_id = $1'];
    const add = (cond: (p: string) => string, v: unknown): void => {
      params.push(v);
      parts.push(cond(`$${params.length}`));
    };
    if (f.q !== undefined && f.q.trim() !== '')
      add((p) => `search @@ websearch_to_tsquery('simple'::regconfig, ${p})`, f.q);
    if (f.tag !== undefined && f.tag.trim() !== '') add((p) => `${p} = ANY(tags)`, normaliseTag(f.tag));
    if (f.symbol !== undefined && f.symbol.trim() !== '') add((p) => `symbol = ${p}`, f.symbol.trim());
    if (f.strategy !== undefined && f.strategy.trim() !== '') add((p) => `strategy = ${p}`, f.strategy.trim());
    if (f.cursor !== undefined) add((p) => `id < ${p}`, f.cursor);
    params.push(f.limit + 1);
    const rows = await this.sql.query(
      `${SELECT} WHERE ${parts.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const messages = rows.slice(0, f.limit).map(view);
    return { messages, nextCursor: rows.length > f.limit ? String(messages.at(-1)!.id) : null };
  }

  /**
   * Changes the given fields (null clears title, symbol, strategy or tradeId) and sets updatedAt.
   * @throws NotFoundError `message-not-found`; ValidationError `invalid-tag`; UnprocessableError `unknown-trade`
   */
  async update(userId: number, id: number, patch: Partial<MessageInput>): Promise<MessageView> {
    const tags = patch.tags === undefined ? null : normaliseTags(patch.tags);
    return this.sql.tx(async (q) => {
      const [m] = await q.query('SELECT id FROM messages WHERE id = $1 AND user_id = $2 FOR UPDATE', [id, userId]);
      if (!m) throw notFound(id);
      const tradeId = patch.tradeId === undefined ? null : await this.checkTrade(q, userId, patch.tradeId);
      await q.query(
        `UPDATE messages SET
           title = CASE WHEN $2::boolean THEN $3 ELSE title END,
           body = COALESCE($4, body),
           tags = COALESCE($5, tags),
           symbol = CASE WHEN $6::boolean THEN $7 ELSE symbol END,
           strategy = CASE WHEN $8::boolean THEN $9 ELSE strategy END,
           trade_id = CASE WHEN $10::boolean THEN $11::bigint ELSE trade_id END,
           updated_at = now()
         WHERE id = $1`,
        [
          id,
          patch.title !== undefined,
          blankToNull(patch.title),
          patch.body ?? null,
          tags,
          patch.symbol !== undefined,
          blankToNull(patch.symbol),
          patch.strategy !== undefined,
          blankToNull(patch.strategy),
          patch.tradeId !== undefined,
          tradeId,
        ],
      );
      return this.one(q, userId, id);
    });
  }

  /** Deletes a message. @throws NotFoundError `message-not-found` */
  async delete(userId: number, id: number): Promise<void> {
    const rows = await this.sql.query('DELETE FROM messages WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId]);
    if (!rows[0]) throw notFound(id);
  }
}
