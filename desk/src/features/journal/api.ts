/**
 * The Journal's server state: entries (`/journal/entries`: list newest first with the filters tradeId, tag,
 * collection and full-text `q`, cursor-paged; create, edit, delete) and the trades entries link to. Shapes follow
 * the routes' response schemas (src/server/journal-schemas.ts).
 */
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, getJson, sendJson } from '@/features/overview/http';

/** A journal entry. `body` is Markdown (rendered sanitised by `markdown.ts`). */
export interface Entry {
  id: number;
  title: string;
  body: string;
  tags: string[];
  /** `playbook`, `review`, free text, or null. */
  collection: string | null;
  tradeIds: number[];
  createdAt: string;
  updatedAt: string;
}

/** What the editor sends (create: every field; edit: the same, replacing). */
export interface EntryInput {
  title: string;
  body: string;
  tags: string[];
  collection: string | null;
  tradeIds: number[];
}

/** Filters of the entry list. */
export interface EntryFilter {
  q?: string;
  tag?: string;
  collection?: string;
  tradeId?: number;
}

/** Entries per page. */
export const PAGE_SIZE = 30;

/** Query keys of entries (the trade panel's linked entries start with `entries` too). */
export const entryKeys = {
  all: ['entries'] as const,
  list: (f: EntryFilter) => ['entries', 'list', f] as const,
};

/** Entries matching `f`, newest first, a page at a time (`fetchNextPage` follows `nextCursor`). */
export function useEntries(f: EntryFilter) {
  return useInfiniteQuery({
    queryKey: entryKeys.list(f),
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      getJson<{ entries: Entry[]; nextCursor: string | null }>('/api/v1/journal/entries', {
        ...f,
        limit: PAGE_SIZE,
        cursor: pageParam,
      }),
    getNextPageParam: (last) => (last.nextCursor ? Number(last.nextCursor) : undefined),
  });
}

function useInvalidateEntries() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: entryKeys.all });
}

/** Creates an entry. */
export function useCreateEntry() {
  const done = useInvalidateEntries();
  return useMutation({
    mutationFn: (e: EntryInput) => sendJson<Entry>('POST', '/api/v1/journal/entries', e),
    onSuccess: done,
  });
}

/** Replaces the fields of entry `id`. */
export function useUpdateEntry() {
  const done = useInvalidateEntries();
  return useMutation({
    mutationFn: ({ id, ...e }: EntryInput & { id: number }) =>
      sendJson<Entry>('PATCH', `/api/v1/journal/entries/${id}`, e),
    onSuccess: done,
  });
}

/** Deletes entry `id`. */
export function useDeleteEntry() {
  const done = useInvalidateEntries();
  return useMutation({ mutationFn: (id: number) => deleteJson(`/api/v1/journal/entries/${id}`), onSuccess: done });
}
