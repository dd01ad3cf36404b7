/**
 * The entry editor's form logic: the draft as typed, its checks before sending (the server's limits, so most errors
 * show without a round trip), the server's field errors mapped to the form's fields, and the timeline's grouping
 * by UTC day. Pure.
 */
import type { FieldError } from '@/api/client';
import { parseTags } from '@/features/trades/tags';
import type { Entry, EntryInput } from './api';

/** Limits of an entry (as `ENTRY_LIMITS` of src/server/journal-schemas.ts). */
export const LIMITS = { title: 200, body: 100_000, tags: 20, tag: 40, collection: 60, tradeIds: 50 } as const;

/** The editor's fields as typed. */
export interface EntryDraft {
  title: string;
  body: string;
  /** Comma-separated. */
  tags: string;
  /** Empty for none. */
  collection: string;
  /** Linked trade ids, comma- or space-separated (`#` allowed). */
  trades: string;
}

/** The form's fields (error keys). */
export type DraftField = keyof EntryDraft;

/** An empty draft, optionally linked to a trade and in a collection. */
export function emptyDraft(tradeId?: number, collection = ''): EntryDraft {
  return { title: '', body: '', tags: '', collection, trades: tradeId ? String(tradeId) : '' };
}

/** The draft of an existing entry. */
export function draftOf(e: Entry): EntryDraft {
  return {
    title: e.title,
    body: e.body,
    tags: e.tags.join(', '),
    collection: e.collection ?? '',
    trades: e.tradeIds.join(', '),
  };
}

/** Checks a draft; returns the request body, or the field errors (messages by field) when it cannot be sent. */
export function checkDraft(
  d: EntryDraft,
): { input: EntryInput; errors: null } | { input: null; errors: Partial<Record<DraftField, string>> } {
  const errors: Partial<Record<DraftField, string>> = {};
  const title = d.title.trim();
  if (!title) errors.title = 'Give the entry a title';
  else if (title.length > LIMITS.title) errors.title = `At most ${LIMITS.title} characters`;
  if (d.body.length > LIMITS.body) errors.body = `At most ${LIMITS.body} characters`;
  const tags = parseTags(d.tags);
  if (tags.length > LIMITS.tags) errors.tags = `At most ${LIMITS.tags} tags`;
  else if (tags.some((t) => t.length > LIMITS.tag)) errors.tags = `Each tag at most ${LIMITS.tag} characters`;
  const collection = d.collection.trim();
  if (collection.length > LIMITS.collection) errors.collection = `At most ${LIMITS.collection} characters`;
  const parts = d.trades.split(/[\s,]+/).filter(Boolean);
  const ids: number[] = [];
  for (const p of parts) {
    const m = /^#?(\d{1,15})$/.exec(p);
    if (!m || Number(m[1]) < 1) {
      errors.trades = `"${p}" is not a trade number`;
      break;
    }
    if (!ids.includes(Number(m[1]))) ids.push(Number(m[1]));
  }
  if (!errors.trades && ids.length > LIMITS.tradeIds) errors.trades = `At most ${LIMITS.tradeIds} trades`;
  if (Object.keys(errors).length) return { input: null, errors };
  return { input: { title, body: d.body, tags, collection: collection || null, tradeIds: ids }, errors: null };
}

const SERVER_FIELD: Record<string, DraftField> = {
  title: 'title',
  body: 'body',
  tags: 'tags',
  collection: 'collection',
  tradeIds: 'trades',
};

/** The server's field errors (`tradeIds.0`, `tags.2`, `title`) as messages by form field (first one kept). */
export function serverErrors(fields: readonly FieldError[]): Partial<Record<DraftField, string>> {
  const out: Partial<Record<DraftField, string>> = {};
  for (const f of fields) {
    const key = SERVER_FIELD[f.field.split('.')[0] ?? ''];
    if (key && !out[key]) out[key] = f.message;
  }
  return out;
}

/** Entries grouped by the UTC day they were written, newest day first, keeping the entries' order inside a day. */
export function byDay(entries: readonly Entry[]): { day: string; entries: Entry[] }[] {
  const out: { day: string; entries: Entry[] }[] = [];
  const sorted = [...entries].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  for (const e of sorted) {
    const day = e.createdAt.slice(0, 10);
    const last = out[out.length - 1];
    if (last && last.day === day) last.entries.push(e);
    else out.push({ day, entries: [e] });
  }
  return out;
}
