/**
 * "Notes & ideas" on the Journal page: the user's research messages (trade ideas and analyses, `/api/v1/messages`),
 * newest first, with their own full-text search and tag filter, a compact form (title, Markdown body, tags, symbol;
 * the server's field errors show beside their fields, what was typed stays) and delete with a confirmation. Bodies
 * render through `MarkdownView` (marked + DOMPurify): raw HTML, handlers and `javascript:` links never reach the page.
 */
import { useState, type FormEvent } from 'react';
import { Lightbulb, Plus, Search, Trash2, X } from 'lucide-react';
import { ApiError } from '@/api/client';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field, Input, Textarea } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';
import { MarkdownView } from './MarkdownView';
import { splitTags, useCreateMessage, useDeleteMessage, useMessages, type Message } from './messages-api';

type FormField = 'title' | 'body' | 'tags' | 'symbol';
const EMPTY: Record<FormField, string> = { title: '', body: '', tags: '', symbol: '' };

function MessageForm({ onDone }: { onDone(): void }) {
  const [d, setD] = useState(EMPTY);
  const [blank, setBlank] = useState(false);
  const create = useCreateMessage();
  const apiErr = create.error instanceof ApiError ? create.error : null;
  const remote: Partial<Record<FormField, string>> = {};
  for (const f of apiErr?.fields ?? []) {
    const k = f.field.split('.')[0] as FormField;
    if (k in EMPTY && !remote[k]) remote[k] = f.message;
  }
  const err = (f: FormField) => (f === 'body' && blank ? 'Write something first.' : remote[f]);
  const set = (f: FormField) => (e: { target: { value: string } }) => setD({ ...d, [f]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBlank(d.body.trim() === '');
    if (d.body.trim() === '') return;
    create.mutate(
      { title: d.title.trim() || null, body: d.body, tags: splitTags(d.tags), symbol: d.symbol.trim() || null },
      { onSuccess: onDone },
    );
  };
  const general = create.error && !Object.keys(remote).length ? create.error.message : null;
  return (
    <form onSubmit={submit} className="flex flex-col gap-2 border-b border-border p-3" aria-label="New note" noValidate>
      <Field label="Note title" error={err('title')}>
        {(p) => <Input {...p} value={d.title} onChange={set('title')} maxLength={200} placeholder="optional" />}
      </Field>
      <Field label="Note (Markdown)" error={err('body')}>
        {(p) => <Textarea {...p} value={d.body} onChange={set('body')} rows={5} className="font-mono text-xs" />}
      </Field>
      <div className="grid grid-cols-2 gap-2">
        <Field label="Note tags" hint="comma-separated" error={err('tags')}>
          {(p) => <Input {...p} value={d.tags} onChange={set('tags')} />}
        </Field>
        <Field label="Symbol" hint="e.g. BTC-USD" error={err('symbol')}>
          {(p) => <Input {...p} value={d.symbol} onChange={set('symbol')} maxLength={40} />}
        </Field>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" size="sm" disabled={create.isPending}>
          {create.isPending ? 'Saving…' : 'Save note'}
        </Button>
        <Button variant="ghost" size="sm" onClick={onDone}>
          Cancel
        </Button>
        {general ? (
          <span role="alert" className="text-xs text-loss">
            {general}
          </span>
        ) : null}
      </div>
    </form>
  );
}

function MessageItem({ m, onDelete, onTag }: { m: Message; onDelete(): void; onTag(t: string): void }) {
  const name = m.title ?? `note #${m.id}`;
  return (
    <li className="flex flex-col gap-1 border-b border-border px-3 py-2 last:border-b-0" data-message={m.id}>
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          {m.title ? <h3 className="break-words text-sm font-semibold">{m.title}</h3> : null}
          <p className="text-xs text-muted">
            {utc(m.createdAt)} UTC
            {m.symbol ? <span className="ml-1.5 font-medium text-fg">{m.symbol}</span> : null}
            {m.strategy ? <span className="ml-1.5">· {m.strategy}</span> : null}
            {m.tradeId !== null ? <span className="ml-1.5">· trade #{m.tradeId}</span> : null}
          </p>
        </div>
        <Button variant="ghost" size="sm" onClick={onDelete} aria-label={`Delete ${name}`}>
          <Trash2 size={13} />
        </Button>
      </div>
      <MarkdownView markdown={m.body} className="max-h-48 overflow-y-auto [&>p:first-child]:mt-0" />
      {m.tags.length ? (
        <div className="flex flex-wrap gap-1">
          {m.tags.map((t) => (
            <button key={t} type="button" className="rounded" onClick={() => onTag(t)} aria-label={`Notes tagged ${t}`}>
              <Badge>#{t}</Badge>
            </button>
          ))}
        </div>
      ) : null}
    </li>
  );
}

/** The "Notes & ideas" panel. */
export function MessagesPanel({ className }: { className?: string }) {
  const [writing, setWriting] = useState(false);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState<string | undefined>();
  const [tag, setTag] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<Message | null>(null);
  const list = useMessages({ q, tag });
  const del = useDeleteMessage();
  const messages = list.data?.pages.flatMap((p) => p.messages) ?? [];
  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    setQ(search.trim() || undefined);
  };
  return (
    <Card className={className} role="region" aria-label="Notes & ideas">
      <CardHeader
        title={
          <span className="inline-flex items-center gap-1.5">
            <Lightbulb size={14} className="text-accent" /> Notes &amp; ideas
          </span>
        }
        actions={
          <Button size="sm" variant="outline" onClick={() => setWriting(true)} disabled={writing}>
            <Plus size={13} /> New note
          </Button>
        }
      />
      {writing ? <MessageForm onDone={() => setWriting(false)} /> : null}
      <form role="search" onSubmit={submitSearch} className="flex items-center gap-1.5 px-3 pt-2">
        <label htmlFor="notes-q" className="sr-only">
          Search notes
        </label>
        <Input
          id="notes-q"
          type="search"
          placeholder="Search notes and ideas"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Button type="submit" variant="outline" aria-label="Find notes">
          <Search size={14} />
        </Button>
      </form>
      {q || tag ? (
        <div className="flex flex-wrap items-center gap-2 px-3 pt-1.5 text-xs text-muted" aria-live="polite">
          {q ? <span>Matching “{q}”</span> : null}
          {tag ? <Badge>#{tag}</Badge> : null}
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setSearch('');
              setQ(undefined);
              setTag(undefined);
            }}
          >
            <X size={12} /> Clear
          </Button>
        </div>
      ) : null}
      <div className="pt-1">
        {list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : list.isPending ? (
          <Loading />
        ) : messages.length === 0 ? (
          <Empty>{q || tag ? 'No note matches.' : 'No notes yet. Jot down a trade idea or an analysis.'}</Empty>
        ) : (
          <ul aria-label="Notes">
            {messages.map((m) => (
              <MessageItem key={m.id} m={m} onDelete={() => setDeleting(m)} onTag={setTag} />
            ))}
          </ul>
        )}
        {list.hasNextPage ? (
          <div className="p-2">
            <Button
              variant="outline"
              size="sm"
              className="w-full"
              onClick={() => void list.fetchNextPage()}
              disabled={list.isFetchingNextPage}
            >
              {list.isFetchingNextPage ? 'Loading…' : 'Older notes'}
            </Button>
          </div>
        ) : null}
      </div>
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this note?"
        description={deleting ? `“${deleting.title ?? `note #${deleting.id}`}” is deleted for good.` : undefined}
        error={del.error}
        pending={del.isPending}
        confirmLabel="Delete note"
        onConfirm={() => deleting && del.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
      />
    </Card>
  );
}
