/**
 * Research messages (`/api/v1/messages`): trade ideas and analyses with a Markdown body, tags and optional symbol,
 * strategy and trade links. List newest first with full-text `q` and a `tag` filter, cursor-paged; create and delete.
 * Shapes follow the routes' response schemas (src/server/message-routes.ts).
 */
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteJson, getJson, sendJson } from '@/features/overview/http';
import type { paths } from '@/api/schema';

/**
 * A research message (from the generated OpenAPI types). `body` is Markdown (rendered sanitised by `markdown.ts`);
 * tags are lowercase kebab-case, as the server normalises them.
 */
export type Message = paths['/api/v1/messages/{id}']['get']['responses'][200]['content']['application/json'];

/** What the Desk's form sends. */
export interface MessageInput {
  title: string | null;
  body: string;
  tags: string[];
  symbol: string | null;
}

/** Filters of the message list. */
export interface MessageFilter {
  q?: string;
  tag?: string;
}

/** Messages per page. */
export const MESSAGE_PAGE = 5;

/** Query keys of messages. */
export const messageKeys = {
  all: ['messages'] as const,
  list: (f: MessageFilter) => ['messages', 'list', f] as const,
};

/** Messages matching `f`, newest first, a page at a time (`fetchNextPage` follows `nextCursor`). */
export function useMessages(f: MessageFilter) {
  return useInfiniteQuery({
    queryKey: messageKeys.list(f),
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      getJson<{ messages: Message[]; nextCursor: string | null }>('/api/v1/messages', {
        ...f,
        limit: MESSAGE_PAGE,
        cursor: pageParam,
      }),
    getNextPageParam: (last) => (last.nextCursor ? Number(last.nextCursor) : undefined),
  });
}

function useInvalidateMessages() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: messageKeys.all });
}

/** Creates a message. */
export function useCreateMessage() {
  const done = useInvalidateMessages();
  return useMutation({
    mutationFn: (m: MessageInput) => sendJson<Message>('POST', '/api/v1/messages', m),
    onSuccess: done,
  });
}

/** Deletes message `id`. */
export function useDeleteMessage() {
  const done = useInvalidateMessages();
  return useMutation({ mutationFn: (id: number) => deleteJson(`/api/v1/messages/${id}`), onSuccess: done });
}

/** Comma-separated tags as typed → the list sent (blank pieces dropped; the server normalises). */
export function splitTags(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
