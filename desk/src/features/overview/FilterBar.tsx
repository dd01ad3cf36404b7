/**
 * The journal filter bar shared by the Overview and Trades pages: date range (UTC days, inclusive), symbol, setup,
 * tag, and on the Trades page the status. The filter lives in the URL query (`?from=…&symbol=…`), so a view can be
 * shared or reloaded; typing edits a draft that Apply (or Enter) writes to the URL, dates and selects apply at once.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/input';
import { activeFilterCount, parseFilter, STATUSES, writeFilter, type JournalFilter } from './filters';
import { getJson } from './http';

/** The filter in the URL and a setter that writes it back (replacing the history entry). */
export function useUrlFilter(allowStatus = false): [JournalFilter, (f: JournalFilter) => void] {
  const [params, setParams] = useSearchParams();
  const key = JSON.stringify(parseFilter(params, allowStatus));
  const filter = useMemo(() => JSON.parse(key) as JournalFilter, [key]);
  const set = (f: JournalFilter) => setParams((p) => writeFilter(p, f), { replace: true });
  return [filter, set];
}

/** The symbols the Desk knows (for the symbol field's suggestions). */
function useSymbols(): string[] {
  const q = useQuery({
    queryKey: ['instruments'],
    queryFn: () => getJson<{ symbol: string }[]>('/api/v1/instruments'),
    staleTime: 60_000,
  });
  return (q.data ?? []).map((i) => i.symbol);
}

/** Props of {@link FilterBar}. */
export interface FilterBarProps {
  filter: JournalFilter;
  onChange(f: JournalFilter): void;
  /** Show the status select (Trades page). */
  withStatus?: boolean;
  /** Suggestions for the setup and tag fields. */
  setups?: string[];
  tags?: string[];
}

/** The filter bar. */
export function FilterBar({ filter, onChange, withStatus = false, setups = [], tags = [] }: FilterBarProps) {
  const [draft, setDraft] = useState<JournalFilter>(filter);
  const symbols = useSymbols();
  const id = useId();
  useEffect(() => setDraft(filter), [filter]);
  const dateError = draft.from && draft.to && draft.from > draft.to ? 'must not be before the first day' : undefined;
  const apply = (f: JournalFilter) => {
    if (f.from && f.to && f.from > f.to) return;
    onChange(f);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const setNow = (k: keyof JournalFilter, v: string) => {
    const next = { ...draft, [k]: v || undefined };
    setDraft(next);
    apply(next);
  };
  const text = (k: 'symbol' | 'setup' | 'tag', v: string) => setDraft({ ...draft, [k]: v || undefined });
  return (
    <form
      role="search"
      aria-label="Journal filters"
      onSubmit={submit}
      className="grid grid-cols-2 items-end gap-2 sm:grid-cols-3 lg:flex lg:flex-wrap"
    >
      <Field label="From (UTC)" className="lg:w-36">
        {(p) => <Input {...p} type="date" value={draft.from ?? ''} onChange={(e) => setNow('from', e.target.value)} />}
      </Field>
      <Field label="To (UTC)" error={dateError} className="lg:w-36">
        {(p) => <Input {...p} type="date" value={draft.to ?? ''} onChange={(e) => setNow('to', e.target.value)} />}
      </Field>
      <Field label="Symbol" className="lg:w-32">
        {(p) => (
          <Input
            {...p}
            list={`${id}-symbols`}
            value={draft.symbol ?? ''}
            onChange={(e) => text('symbol', e.target.value)}
            placeholder="any"
          />
        )}
      </Field>
      <Field label="Setup" className="lg:w-32">
        {(p) => (
          <Input
            {...p}
            list={`${id}-setups`}
            value={draft.setup ?? ''}
            onChange={(e) => text('setup', e.target.value)}
            placeholder="any"
          />
        )}
      </Field>
      <Field label="Tag" className="lg:w-32">
        {(p) => (
          <Input
            {...p}
            list={`${id}-tags`}
            value={draft.tag ?? ''}
            onChange={(e) => text('tag', e.target.value)}
            placeholder="any"
          />
        )}
      </Field>
      {withStatus ? (
        <Field label="Status" className="lg:w-32">
          {(p) => (
            <Select {...p} value={draft.status ?? ''} onChange={(e) => setNow('status', e.target.value)}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      <div className="col-span-2 flex gap-2 sm:col-span-1">
        <Button type="submit" size="default">
          Apply
        </Button>
        <Button
          variant="ghost"
          disabled={activeFilterCount(filter) === 0 && activeFilterCount(draft) === 0}
          onClick={() => {
            setDraft({});
            onChange({});
          }}
        >
          Clear
        </Button>
      </div>
      <datalist id={`${id}-symbols`}>
        {symbols.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <datalist id={`${id}-setups`}>
        {setups.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <datalist id={`${id}-tags`}>
        {tags.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </form>
  );
}
