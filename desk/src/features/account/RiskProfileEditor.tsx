/**
 * The risk-profile editor: every limit of the Testudo Protocol with what it means for this account's equity, the
 * value in force, a pending loosening with its effective time (and a cancel button), the hard ceiling, and what
 * saving an edit will do (tightening applies at once; loosening waits out the cooling-off period). Field errors
 * from the server are shown next to their field and the typed values are kept.
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/input';
import { ErrorState } from '@/components/ui/states';
import { utc } from '@/lib/format';
import { cn } from '@/lib/cn';
import { useCancelAllPending, useCancelPending, useSaveProfile, type RiskProfileView } from './api';
import {
  aboveCeiling,
  amount,
  consequence,
  coolingOffText,
  direction,
  FIELDS,
  inputProblem,
  metaOf,
  showValue,
  type FieldMeta,
  type ProfileField,
  type RiskProfile,
} from './riskText';

type Draft = Partial<Record<ProfileField, string | boolean>>;

/** The typed draft as a PUT body: only fields that differ from the profile in force, in the API's shapes. */
function patchOf(draft: Draft, profile: RiskProfile): Partial<RiskProfile> {
  const out: Record<string, unknown> = {};
  for (const m of FIELDS) {
    const v = draft[m.field];
    if (v === undefined) continue;
    if (direction(m.field, profile[m.field], v) === 'same') continue;
    if (m.kind === 'boolean') out[m.field] = v;
    else if (m.kind === 'integer') out[m.field] = /^\d+$/.test(String(v).trim()) ? Number(String(v).trim()) : v;
    else out[m.field] = String(v).trim();
  }
  return out as Partial<RiskProfile>;
}

/** The hard ceiling of `field` as the server reports it (`fields[f].ceiling`), or null. */
function ceilingOf(view: RiskProfileView, field: ProfileField): string | null {
  return view.fields[field]?.ceiling ?? null;
}

/** Props of {@link RiskProfileEditor}. */
export interface RiskProfileEditorProps {
  view: RiskProfileView;
}

/** The editor (see the module comment). */
export function RiskProfileEditor({ view }: RiskProfileEditorProps) {
  const [draft, setDraft] = useState<Draft>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [problems, setProblems] = useState<Partial<Record<ProfileField, string>>>({});
  const save = useSaveProfile();
  const cancel = useCancelPending();
  const cancelAll = useCancelAllPending();
  const profile = view.profile;
  const cooling = view.coolingOffSeconds ?? 86_400;
  const err = save.error instanceof ApiError ? save.error : null;
  const patch = patchOf(draft, profile);
  const dirty = Object.keys(patch).length > 0 || Object.keys(problems).length > 0;
  // Consequences read the typed profile, so "risk per trade" and "open risk" explain each other as you type.
  const typed: RiskProfile = { ...profile };
  for (const m of FIELDS) {
    const v = draft[m.field];
    if (v !== undefined && direction(m.field, profile[m.field], v) !== 'invalid')
      (typed as unknown as Record<string, unknown>)[m.field] = m.kind === 'integer' ? Number(v) : v;
  }
  const ctx = { equity: view.state.balance, peakEquity: view.state.peakEquity, profile: typed };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const found: Partial<Record<ProfileField, string>> = {};
    for (const m of FIELDS) {
      const v = draft[m.field];
      const p = v === undefined ? undefined : inputProblem(m.field, v);
      if (p) found[m.field] = p;
    }
    setProblems(found);
    if (Object.keys(found).length > 0) {
      save.reset();
      return;
    }
    save.mutate(patch, {
      onSuccess: (v) => {
        setDraft({});
        const c = v?.change;
        const label = (f: string) => metaOf(f as ProfileField).label;
        const parts: string[] = [];
        if (c?.applied.length) parts.push(`Applied now: ${c.applied.map(label).join(', ')}.`);
        if (c?.scheduled.length) {
          const at = v.pending?.find((p) => c.scheduled.includes(p.field))?.effectiveAt;
          parts.push(
            `Waiting for the cooling-off period: ${c.scheduled.map(label).join(', ')}${at ? `, effective ${utc(at)} UTC` : ''}.`,
          );
        }
        setSaved(parts.join(' ') || 'Saved.');
      },
    });
  };
  const general = err && err.fields.length === 0 ? err.message : save.error && !err ? String(save.error) : null;
  const fieldError = (f: ProfileField): string | undefined => {
    if (problems[f]) return problems[f];
    if (!err) return undefined;
    const fe = err.fields.find((x) => x.field === f || x.field.split('.').pop() === f);
    if (!fe) return undefined;
    return fe.message.charAt(0).toUpperCase() + fe.message.slice(1);
  };

  return (
    <Card>
      <CardHeader title="Testudo Protocol" actions={<Badge tone="accent">Equity {amount(view.state.balance)}</Badge>} />
      <form onSubmit={submit} noValidate className="flex flex-col gap-3 p-3">
        <p className="text-sm text-muted">
          Tightening a limit applies at once. Loosening one waits {coolingOffText(cooling)} (the cooling-off period)
          before it takes effect, so a bad day cannot talk you into more risk. Amounts below use your equity of{' '}
          <span className="num text-fg">{amount(view.state.balance)}</span>.
        </p>
        <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
          {FIELDS.map((m) => (
            <ProfileFieldRow
              key={m.field}
              meta={m}
              view={view}
              value={draft[m.field] ?? (m.kind === 'boolean' ? profile[m.field] === true : String(profile[m.field]))}
              onChange={(v) => {
                setSaved(null);
                setProblems(({ [m.field]: _, ...rest }) => rest);
                setDraft((d) => ({ ...d, [m.field]: v }));
              }}
              consequence={consequence(m.field, draft[m.field] ?? profile[m.field], ctx)}
              error={fieldError(m.field)}
              cooling={cooling}
              onCancel={() => cancel.mutate(m.field)}
              cancelling={cancel.isPending && cancel.variables === m.field}
            />
          ))}
        </div>
        {cancel.error || cancelAll.error ? <ErrorState error={cancel.error ?? cancelAll.error} /> : null}
        {general ? (
          <p role="alert" className="text-sm text-loss">
            {general}
          </p>
        ) : null}
        {saved ? (
          <p role="status" className="text-sm text-profit">
            {saved}
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={!dirty || save.isPending}>
            {save.isPending ? 'Saving…' : 'Save changes'}
          </Button>
          <Button
            variant="ghost"
            disabled={Object.keys(draft).length === 0}
            onClick={() => {
              setDraft({});
              setProblems({});
              save.reset();
            }}
          >
            Discard
          </Button>
          {(view.pending?.length ?? 0) > 1 ? (
            <Button variant="outline" disabled={cancelAll.isPending} onClick={() => cancelAll.mutate()}>
              Cancel all pending changes
            </Button>
          ) : null}
        </div>
      </form>
    </Card>
  );
}

interface RowProps {
  meta: FieldMeta;
  view: RiskProfileView;
  value: string | boolean;
  onChange(v: string | boolean): void;
  consequence: string;
  error: string | undefined;
  cooling: number;
  onCancel(): void;
  cancelling: boolean;
}

function ProfileFieldRow({ meta, view, value, onChange, consequence, error, cooling, onCancel, cancelling }: RowProps) {
  const f = meta.field;
  const current = view.profile[f];
  const pending = view.pending?.find((p) => p.field === f);
  const ceiling = ceilingOf(view, f);
  const dir = direction(f, current, value);
  const over = typeof value === 'string' && aboveCeiling(value, ceiling);
  const whatSaving =
    dir === 'tighten'
      ? { tone: 'text-profit', text: 'Tighter: applies at once when you save.' }
      : dir === 'loosen'
        ? {
            tone: 'text-warn',
            text:
              cooling > 0
                ? `Looser: takes effect ${coolingOffText(cooling)} after you save (on the server's clock); until then the value in force stays.`
                : 'Looser: takes effect when you save.',
          }
        : null;
  return (
    <div className={cn('rounded-md border border-border bg-panel-2/40 p-2.5', error && 'border-loss/60')}>
      {meta.kind === 'boolean' ? (
        <div className="flex flex-col gap-1">
          <label className="flex items-center gap-2 text-sm font-medium">
            <input
              type="checkbox"
              className="h-4 w-4 accent-[var(--color-accent)]"
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
              aria-invalid={Boolean(error)}
            />
            {meta.label}
          </label>
          {error ? (
            <p role="alert" className="text-xs text-loss">
              {error}
            </p>
          ) : null}
        </div>
      ) : (
        <Field label={meta.label} error={error}>
          {(ids) => (
            <div className="flex items-center gap-2">
              <Input
                {...ids}
                inputMode={meta.kind === 'integer' ? 'numeric' : 'decimal'}
                autoComplete="off"
                className="num max-w-36"
                value={String(value)}
                onChange={(e) => onChange(e.target.value)}
              />
              {meta.unit ? <span className="text-xs text-muted">{meta.unit}</span> : null}
            </div>
          )}
        </Field>
      )}
      <p className="mt-1.5 text-xs">{consequence}</p>
      <div className="mt-1.5 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted">
        <span>
          In force: <span className="num text-fg">{showValue(f, current)}</span>
        </span>
        {ceiling !== null ? (
          <span className={cn(over && 'text-loss')}>
            Hard ceiling: <span className="num">{ceiling}%</span>
          </span>
        ) : null}
      </div>
      {pending ? (
        <div
          className="mt-1.5 flex flex-wrap items-center gap-2 rounded bg-warn/10 px-2 py-1 text-xs text-warn"
          data-testid={`pending-${f}`}
        >
          <span>
            Pending: <span className="num">{showValue(f, pending.value)}</span> from{' '}
            <time dateTime={pending.effectiveAt} className="num">
              {utc(pending.effectiveAt)} UTC
            </time>
          </span>
          <Button
            size="sm"
            variant="outline"
            onClick={onCancel}
            disabled={cancelling}
            aria-label={`Cancel the pending change of ${meta.label}`}
          >
            Cancel
          </Button>
        </div>
      ) : null}
      {whatSaving && !error ? <p className={cn('mt-1.5 text-xs', whatSaving.tone)}>{whatSaving.text}</p> : null}
      {over && !error ? (
        <p className="mt-1 text-xs text-loss">Above the hard ceiling of {ceiling}%: the server will refuse it.</p>
      ) : null}
    </div>
  );
}
