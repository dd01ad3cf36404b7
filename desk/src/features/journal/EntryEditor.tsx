/**
 * The entry editor: title, collection, tags, linked trades and a Markdown body with a live, sanitised preview.
 * Checks run before sending; the server's field errors show next to their fields; what was typed stays on error.
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Textarea } from '@/components/ui/input';
import { useCreateEntry, useUpdateEntry, type Entry } from './api';
import { checkDraft, serverErrors, type DraftField, type EntryDraft } from './entry-form';
import { MarkdownView } from './MarkdownView';

/** Props of {@link EntryEditor}. */
export interface EntryEditorProps {
  /** The entry being edited, or null for a new one. */
  entry: Entry | null;
  initial: EntryDraft;
  onDone(saved: Entry | null): void;
}

/** The editor card. */
export function EntryEditor({ entry, initial, onDone }: EntryEditorProps) {
  const [d, setD] = useState<EntryDraft>(initial);
  const [local, setLocal] = useState<Partial<Record<DraftField, string>>>({});
  const create = useCreateEntry();
  const update = useUpdateEntry();
  const m = entry ? update : create;
  const apiErr = m.error instanceof ApiError ? m.error : null;
  const remote = apiErr ? serverErrors(apiErr.fields) : {};
  const err = (f: DraftField) => local[f] ?? remote[f];
  const set = (f: DraftField) => (e: { target: { value: string } }) => setD({ ...d, [f]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = checkDraft(d);
    setLocal(r.errors ?? {});
    if (!r.input) return;
    if (entry) update.mutate({ id: entry.id, ...r.input }, { onSuccess: (x) => onDone(x) });
    else create.mutate(r.input, { onSuccess: (x) => onDone(x) });
  };
  const general = m.error && !(apiErr && Object.keys(remote).length) ? m.error.message : null;
  return (
    <Card aria-label={entry ? `Edit ${entry.title}` : 'New journal entry'}>
      <CardHeader title={entry ? `Edit entry #${entry.id}` : 'New journal entry'} />
      <form onSubmit={submit} className="flex flex-col gap-3 p-3" noValidate>
        <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-4">
          <Field label="Title" error={err('title')} className="sm:col-span-2">
            {(p) => <Input {...p} value={d.title} onChange={set('title')} maxLength={400} />}
          </Field>
          <Field label="Collection" hint="playbook, review, or your own" error={err('collection')}>
            {(p) => <Input {...p} list="journal-collections" value={d.collection} onChange={set('collection')} />}
          </Field>
          <Field label="Tags" hint="comma-separated" error={err('tags')}>
            {(p) => <Input {...p} value={d.tags} onChange={set('tags')} />}
          </Field>
          <Field
            label="Linked trades"
            hint="trade numbers, e.g. 12, 15"
            error={err('trades')}
            className="sm:col-span-2"
          >
            {(p) => <Input {...p} value={d.trades} onChange={set('trades')} inputMode="numeric" />}
          </Field>
        </div>
        <datalist id="journal-collections">
          <option value="playbook" />
          <option value="review" />
        </datalist>
        <div className="grid min-w-0 grid-cols-1 gap-3 lg:grid-cols-2">
          <Field label="Body (Markdown)" error={err('body')}>
            {(p) => (
              <Textarea {...p} value={d.body} onChange={set('body')} rows={12} className="min-h-48 font-mono text-xs" />
            )}
          </Field>
          <div className="flex min-w-0 flex-col gap-1">
            <span className="text-xs font-medium text-muted" id="preview-label">
              Preview
            </span>
            <div
              className="min-h-48 min-w-0 overflow-auto rounded-md border border-border bg-bg p-2.5"
              data-testid="markdown-preview"
              aria-labelledby="preview-label"
            >
              {d.body.trim() ? (
                <MarkdownView markdown={d.body} />
              ) : (
                <p className="text-sm text-muted">The rendered Markdown shows here.</p>
              )}
            </div>
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={m.isPending}>
            {m.isPending ? 'Saving…' : entry ? 'Save changes' : 'Create entry'}
          </Button>
          <Button variant="ghost" onClick={() => onDone(null)}>
            Cancel
          </Button>
          {general ? (
            <span role="alert" className="text-xs text-loss">
              {general}
            </span>
          ) : null}
        </div>
      </form>
    </Card>
  );
}
