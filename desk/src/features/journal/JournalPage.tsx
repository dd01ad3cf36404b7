/**
 * The Journal (`/journal`): a timeline of entries, newest first, grouped by day, each with its linked trades
 * (symbol, side, R, link to the trade) or free-standing; collections as tabs (all, playbooks, reviews), full-text
 * search (the server's `q`), a tag filter, and the editor (create, edit, delete). The URL keeps the view:
 * `?collection=&q=&tag=`, `?new=1&trade=ID` opens a new entry linked to a trade, `?entry=ID` opens one to edit.
 */
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Pencil, Plus, Search, Trash2 } from 'lucide-react';
import { Badge, Card } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { cn } from '@/lib/cn';
import { rMultiple, signClass, utc } from '@/lib/format';
import { getJson } from '@/features/overview/http';
import { useTrades, type TradeRow } from '@/features/trades/api';
import { useDeleteEntry, useEntries, type Entry, type EntryFilter } from './api';
import { byDay, draftOf, emptyDraft } from './entry-form';
import { EntryEditor } from './EntryEditor';
import { MarkdownView } from './MarkdownView';
import { MessagesPanel } from './MessagesPanel';

const COLLECTIONS = [
  { value: 'all', label: 'All' },
  { value: 'playbook', label: 'Playbooks' },
  { value: 'review', label: 'Reviews' },
];

function TradeChip({ id, t }: { id: number; t: TradeRow | undefined }) {
  return (
    <Link
      to={`/trades/${id}`}
      className="inline-flex items-center gap-1 rounded border border-border px-1.5 py-0.5 text-xs hover:bg-panel-2"
      data-trade-link={id}
    >
      <span className="text-muted">#{id}</span>
      {t ? (
        <>
          <span className="font-medium">{t.symbol}</span>
          <span className={t.side === 'buy' ? 'text-profit' : 'text-loss'}>{t.side === 'buy' ? 'Long' : 'Short'}</span>
          <span className={cn('num', signClass(t.rMultiple))}>
            {t.rMultiple === null ? t.status : rMultiple(t.rMultiple)}
          </span>
        </>
      ) : null}
    </Link>
  );
}

function EntryCard({
  e,
  trades,
  onEdit,
  onDelete,
  onTag,
}: {
  e: Entry;
  trades: Map<number, TradeRow>;
  onEdit(): void;
  onDelete(): void;
  onTag(tag: string): void;
}) {
  return (
    <article
      className="rounded-lg border border-border bg-panel p-3"
      aria-labelledby={`entry-${e.id}`}
      data-entry={e.id}
    >
      <header className="mb-1 flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 id={`entry-${e.id}`} className="break-words text-sm font-semibold">
            {e.title}
          </h3>
          <p className="text-xs text-muted">
            {utc(e.createdAt)} UTC{e.updatedAt !== e.createdAt ? ` · edited ${utc(e.updatedAt)}` : ''}
          </p>
        </div>
        <div className="flex shrink-0 items-center gap-1">
          {e.collection ? <Badge tone="accent">{e.collection}</Badge> : null}
          <Button variant="ghost" size="sm" onClick={onEdit} aria-label={`Edit ${e.title}`}>
            <Pencil size={13} /> Edit
          </Button>
          <Button variant="ghost" size="sm" onClick={onDelete} aria-label={`Delete ${e.title}`}>
            <Trash2 size={13} />
          </Button>
        </div>
      </header>
      {e.tradeIds.length ? (
        <div className="mb-1.5 flex flex-wrap gap-1" aria-label="Linked trades">
          {e.tradeIds.map((id) => (
            <TradeChip key={id} id={id} t={trades.get(id)} />
          ))}
        </div>
      ) : null}
      {e.body.trim() ? <MarkdownView markdown={e.body} className="max-h-72 overflow-y-auto" /> : null}
      {e.tags.length ? (
        <div className="mt-2 flex flex-wrap gap-1">
          {e.tags.map((t) => (
            <button
              key={t}
              type="button"
              onClick={() => onTag(t)}
              className="rounded"
              aria-label={`Filter by tag ${t}`}
            >
              <Badge>#{t}</Badge>
            </button>
          ))}
        </div>
      ) : null}
    </article>
  );
}

/** The Journal page. */
export default function JournalPage() {
  const [params, setParams] = useSearchParams();
  const filter: EntryFilter = {
    q: params.get('q') || undefined,
    tag: params.get('tag') || undefined,
    collection: params.get('collection') || undefined,
  };
  const newFor = params.get('new') ? Number(params.get('trade')) || undefined : null;
  const openId = Number(params.get('entry')) || null;
  const [search, setSearch] = useState(filter.q ?? '');
  const [deleting, setDeleting] = useState<Entry | null>(null);
  const list = useEntries(filter);
  const trades = useTrades({});
  const del = useDeleteEntry();
  const opened = useQuery({
    queryKey: ['entries', 'one', openId],
    queryFn: () => getJson<Entry>(`/api/v1/journal/entries/${openId}`),
    enabled: openId !== null,
  });
  const tradeMap = new Map((trades.data ?? []).map((t) => [t.id, t]));
  const entries = list.data?.pages.flatMap((p) => p.entries) ?? [];

  const change = (fn: (p: URLSearchParams) => void) =>
    setParams((p) => {
      const n = new URLSearchParams(p);
      fn(n);
      return n;
    });
  const setParam = (k: string, v: string | undefined) => change((p) => (v ? p.set(k, v) : p.delete(k)));
  const closeEditor = () =>
    change((p) => {
      p.delete('new');
      p.delete('trade');
      p.delete('entry');
    });
  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    setParam('q', search.trim() || undefined);
  };

  const editorOpen = newFor !== null || openId !== null;
  return (
    <div className="mx-auto flex max-w-[1200px] flex-col gap-3 p-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-lg font-semibold">Journal</h1>
        <Button
          onClick={() =>
            change((p) => {
              p.delete('entry');
              p.set('new', '1');
            })
          }
          disabled={newFor !== null}
        >
          <Plus size={14} /> New entry
        </Button>
      </div>

      {editorOpen ? (
        openId !== null ? (
          opened.isError ? (
            <ErrorState error={opened.error} retry={() => void opened.refetch()} />
          ) : opened.data ? (
            <EntryEditor key={`e${openId}`} entry={opened.data} initial={draftOf(opened.data)} onDone={closeEditor} />
          ) : (
            <Loading />
          )
        ) : (
          <EntryEditor
            key={`n${newFor ?? ''}`}
            entry={null}
            initial={emptyDraft(newFor ?? undefined, filter.collection ?? '')}
            onDone={closeEditor}
          />
        )
      ) : null}

      <div className="flex flex-col gap-2 sm:flex-row sm:items-end sm:justify-between">
        <Tabs
          value={filter.collection ?? 'all'}
          onValueChange={(v) => setParam('collection', v === 'all' ? undefined : v)}
        >
          <TabsList aria-label="Collections">
            {COLLECTIONS.map((c) => (
              <TabsTrigger key={c.value} value={c.value}>
                {c.label}
              </TabsTrigger>
            ))}
          </TabsList>
        </Tabs>
        <form role="search" onSubmit={submitSearch} className="flex items-center gap-1.5">
          <label htmlFor="journal-q" className="sr-only">
            Search the journal
          </label>
          <Input
            id="journal-q"
            type="search"
            placeholder="Search titles and notes"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="sm:w-64"
          />
          <Button type="submit" variant="outline" aria-label="Search">
            <Search size={14} />
          </Button>
        </form>
      </div>
      {filter.tag || filter.q ? (
        <div className="flex flex-wrap items-center gap-2 text-xs text-muted" aria-live="polite">
          {filter.q ? <span>Matching “{filter.q}”</span> : null}
          {filter.tag ? <Badge>#{filter.tag}</Badge> : null}
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setSearch('');
              change((p) => {
                p.delete('q');
                p.delete('tag');
              });
            }}
          >
            Clear search
          </Button>
        </div>
      ) : null}

      <div className="grid grid-cols-1 items-start gap-3 lg:grid-cols-[minmax(0,1fr)_360px]">
        <MessagesPanel className="lg:order-last" />
        <section aria-label="Timeline" className="flex min-w-0 flex-col gap-4">
          {list.isError ? (
            <ErrorState error={list.error} retry={() => void list.refetch()} />
          ) : list.isPending ? (
            <Loading />
          ) : entries.length === 0 ? (
            <Card>
              <Empty>
                {filter.q || filter.tag || filter.collection
                  ? 'No entry matches.'
                  : 'No journal entries yet. Write one about a trade, a playbook or a weekly review.'}
              </Empty>
            </Card>
          ) : (
            byDay(entries).map((g) => (
              <div key={g.day} className="flex flex-col gap-2">
                <h2 className="num text-xs font-semibold uppercase tracking-wide text-muted">{g.day}</h2>
                {g.entries.map((e) => (
                  <EntryCard
                    key={e.id}
                    e={e}
                    trades={tradeMap}
                    onEdit={() => {
                      change((p) => {
                        p.delete('new');
                        p.set('entry', String(e.id));
                      });
                      window.scrollTo({ top: 0 });
                    }}
                    onDelete={() => setDeleting(e)}
                    onTag={(t) => setParam('tag', t)}
                  />
                ))}
              </div>
            ))
          )}
          {list.hasNextPage ? (
            <Button variant="outline" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {list.isFetchingNextPage ? 'Loading…' : 'Older entries'}
            </Button>
          ) : null}
        </section>
      </div>

      <Dialog
        open={deleting !== null}
        onOpenChange={(o) => !o && setDeleting(null)}
        title="Delete this entry?"
        description={deleting ? `“${deleting.title}” is deleted for good; linked trades stay.` : undefined}
      >
        {del.error ? <ErrorState error={del.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setDeleting(null)}>
            Keep it
          </Button>
          <Button
            variant="danger"
            disabled={del.isPending}
            onClick={() =>
              deleting &&
              del.mutate(deleting.id, {
                onSuccess: () => {
                  if (openId === deleting.id) closeEditor();
                  setDeleting(null);
                },
              })
            }
          >
            Delete
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
