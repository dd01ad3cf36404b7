/**
 * The trade panel (`/trades/:id`): the trade on its candles, its figures, the editable journal fields (setup, tags,
 * notes: PATCH, field errors next to the fields, what was typed kept on error), the decision record (every verdict
 * of every decision), orders and fills, and the journal entries linked to it with a button to write one.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { Check, X } from 'lucide-react';
import { ApiError } from '@/api/client';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { Field, Input, Textarea } from '@/components/ui/input';
import { ErrorState, Loading } from '@/components/ui/states';
import { cn } from '@/lib/cn';
import { duration, money, rMultiple, signClass, signedMoney, utc } from '@/lib/format';
import { useEditTrade, useLinkedEntries, useTrade, type TradeDecision, type TradeDetail } from './api';
import { TradeChart } from './TradeChart';
import { changeText } from './decisions';
import { formatTags, parseTags } from './tags';
import { useConnections } from '@/features/account/connectionsApi';

function Figures({ t }: { t: TradeDetail }) {
  const rows: [string, ReactNode, string?][] = [
    ['Net P&L', signedMoney(t.netPnl), signClass(t.netPnl)],
    ['R-multiple', rMultiple(t.rMultiple), signClass(t.rMultiple)],
    ['MAE / MFE', `${rMultiple(t.maeR)} / ${rMultiple(t.mfeR)}`],
    ['Qty (open)', `${t.qty} (${t.openQty})`],
    ['Entry', `${money(t.entryFillPrice ?? t.entryPrice)} ${t.entryType}`],
    ['Stop initial / now', `${t.stopLoss} / ${t.currentStopLoss}`],
    ['Target initial / now', `${t.takeProfit ?? '–'} / ${t.currentTakeProfit ?? '–'}`],
    ['Exit', t.exitPrice ? `${t.exitPrice} (${t.exitReason ?? '–'})` : '–'],
    ['Initial risk', money(t.initialRisk)],
    ['Fees', money(t.fees)],
    ['Submitted', utc(t.submittedAt)],
    ['Opened', utc(t.openedAt)],
    ['Closed', utc(t.closedAt)],
    ['Held', t.holdingMs === null ? '–' : duration(t.holdingMs / 1000)],
  ];
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-3">
      {rows.map(([k, v, cls]) => (
        <div key={k} className="min-w-0">
          <dt className="text-muted">{k}</dt>
          <dd className={cn('num truncate font-medium', cls)}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function EditForm({ t }: { t: TradeDetail }) {
  const edit = useEditTrade(t.id);
  const [setup, setSetup] = useState(t.setup ?? '');
  const [tags, setTags] = useState(formatTags(t.tags));
  const [notes, setNotes] = useState(t.notes ?? '');
  const [saved, setSaved] = useState(false);
  const err = edit.error instanceof ApiError ? edit.error : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    edit.mutate(
      { setup: setup.trim() || null, tags: parseTags(tags), notes: notes.trim() ? notes : null },
      { onSuccess: () => setSaved(true) },
    );
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-2" aria-label="Journal fields">
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
        <Field label="Setup" error={err?.fieldError('setup')}>
          {(p) => <Input {...p} value={setup} onChange={(e) => setSetup(e.target.value)} maxLength={200} />}
        </Field>
        <Field label="Tags" hint="comma-separated" error={err?.fieldError('tags')}>
          {(p) => <Input {...p} value={tags} onChange={(e) => setTags(e.target.value)} />}
        </Field>
      </div>
      <Field label="Notes" error={err?.fieldError('notes')}>
        {(p) => <Textarea {...p} value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />}
      </Field>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={edit.isPending}>
          {edit.isPending ? 'Saving…' : 'Save'}
        </Button>
        {saved && !edit.isPending ? (
          <span role="status" className="text-xs text-profit">
            Saved
          </span>
        ) : null}
        {edit.error && !(err && err.fields.length) ? (
          <span role="alert" className="text-xs text-loss">
            {edit.error.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}

const KIND_LABEL: Record<TradeDecision['kind'], string> = {
  submit: 'Submission',
  'move-stop': 'Stop moved',
  'move-target': 'Target moved',
  breakeven: 'Stop to breakeven',
  'partial-close': 'Partial close',
  close: 'Close',
  venue: 'Venue',
  reconcile: 'Reconciliation',
};

function ChangeLine({ change }: { change: Record<string, unknown> }) {
  const text = changeText(change);
  return text ? <p className="num mb-1 text-xs">{text}</p> : null;
}

function Decisions({ decisions }: { decisions: TradeDecision[] }) {
  if (decisions.length === 0) return <p className="text-xs text-muted">No decision recorded.</p>;
  return (
    <ol className="flex flex-col gap-3" aria-label="Decision record">
      {decisions.map((d) => (
        <li key={d.id} data-decision={d.id} className="rounded-md border border-border p-2">
          <div className="mb-1 flex flex-wrap items-center gap-2 text-xs">
            <span className="font-semibold">{KIND_LABEL[d.kind] ?? d.kind}</span>
            <Badge tone={d.approved ? 'profit' : 'loss'}>{d.approved ? 'approved' : 'rejected'}</Badge>
            <span className="text-muted">market {utc(d.marketTime)}</span>
          </div>
          {d.change ? <ChangeLine change={d.change} /> : null}
          <ul className="flex flex-col gap-0.5 text-xs">
            {d.verdicts.map((v) => (
              <li key={v.rule + v.code} className="flex items-start gap-1.5" data-verdict={v.code}>
                {v.passed ? (
                  <Check size={14} className="mt-px shrink-0 text-profit" aria-label="passed" />
                ) : (
                  <X size={14} className="mt-px shrink-0 text-loss" aria-label="failed" />
                )}
                <span className="min-w-0">
                  <span className="font-medium">{v.rule}</span> <code className="text-muted">{v.code}</code>
                  <span className="block text-muted">{v.message}</span>
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function OrdersAndFills({ t }: { t: TradeDetail }) {
  const live = t.orders.some((o) => o.clientOrderId);
  return (
    <div className="flex flex-col gap-3">
      <div className="min-w-0 overflow-x-auto">
        <table className="w-full text-xs" aria-label="Orders">
          <thead className="text-muted">
            <tr>
              {[
                'Leg',
                'Type',
                'Side',
                'Price',
                'Qty',
                'Status',
                'Updated',
                ...(live ? ['Venue order', 'Filled'] : []),
              ].map((h) => (
                <th key={h} scope="col" className="px-1.5 py-1 text-left font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {t.orders.map((o) => (
              <tr key={o.id} className="border-t border-border">
                <td className="px-1.5 py-1">{o.leg}</td>
                <td className="px-1.5 py-1">{o.type}</td>
                <td className="px-1.5 py-1">{o.side}</td>
                <td className="num px-1.5 py-1">{o.price ?? 'market'}</td>
                <td className="num px-1.5 py-1">{o.qty}</td>
                <td className="px-1.5 py-1">{o.status}</td>
                <td className="whitespace-nowrap px-1.5 py-1 text-muted">{utc(o.updatedAt)}</td>
                {live ? (
                  <>
                    <td className="num px-1.5 py-1" data-testid="client-order-id">
                      {o.clientOrderId ?? '–'}
                    </td>
                    <td className="num px-1.5 py-1">{o.filledQty ?? '–'}</td>
                  </>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="min-w-0 overflow-x-auto">
        <table className="w-full text-xs" aria-label="Fills">
          <thead className="text-muted">
            <tr>
              {['Time', 'Order', 'Price', 'Qty', 'Fee', 'Liquidity'].map((h) => (
                <th key={h} scope="col" className="px-1.5 py-1 text-left font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {t.fills.length === 0 ? (
              <tr>
                <td colSpan={6} className="px-1.5 py-1 text-muted">
                  No fills yet.
                </td>
              </tr>
            ) : (
              t.fills.map((f) => (
                <tr key={f.id} className="border-t border-border">
                  <td className="whitespace-nowrap px-1.5 py-1">{utc(f.filledAt)}</td>
                  <td className="px-1.5 py-1">{t.orders.find((o) => o.id === f.orderId)?.leg ?? f.orderId}</td>
                  <td className="num px-1.5 py-1">{f.price}</td>
                  <td className="num px-1.5 py-1">{f.qty}</td>
                  <td className="num px-1.5 py-1">{f.fee}</td>
                  <td className="px-1.5 py-1">{f.liquidity}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function LinkedEntries({ id }: { id: number }) {
  const q = useLinkedEntries(id);
  const navigate = useNavigate();
  return (
    <div className="flex flex-col gap-2">
      {q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.length === 0 ? (
        <p className="text-xs text-muted">No journal entry about this trade yet.</p>
      ) : (
        <ul className="flex flex-col gap-1 text-sm" aria-label="Linked journal entries">
          {q.data.map((e) => (
            <li key={e.id} className="flex flex-wrap items-baseline gap-2">
              <Link to={`/journal?entry=${e.id}`} className="text-accent hover:underline">
                {e.title}
              </Link>
              {e.collection ? <Badge>{e.collection}</Badge> : null}
              <span className="text-xs text-muted">{utc(e.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <div>
        <Button variant="outline" size="sm" onClick={() => navigate(`/journal?new=1&trade=${id}`)}>
          Write a journal entry
        </Button>
      </div>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="flex flex-col gap-2 border-t border-border px-3 py-3" aria-label={title}>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-muted">{title}</h3>
      {children}
    </section>
  );
}

/** The detail panel of trade `id`; `onClose` goes back to the table. */
export function TradeDetailPanel({ id, onClose }: { id: number; onClose(): void }) {
  const q = useTrade(id);
  const connections = useConnections();
  const via = (cid: number) => `via ${connections.data?.find((c) => c.id === cid)?.label ?? `connection #${cid}`}`;
  const t = q.data;
  return (
    <Card className="min-w-0" aria-label={`Trade ${id}`} data-testid="trade-detail">
      <CardHeader
        title={
          t ? (
            <span className="flex flex-wrap items-center gap-2">
              <span>
                #{t.id} {t.symbol}
              </span>
              <Badge tone={t.side === 'buy' ? 'profit' : 'loss'}>{t.side === 'buy' ? 'Long' : 'Short'}</Badge>
              <Badge>{t.status}</Badge>
              {t.connectionId != null ? (
                <Badge tone="accent" data-testid="via-connection">
                  {via(t.connectionId)}
                </Badge>
              ) : null}
              <span className={cn('num', signClass(t.rMultiple))}>{rMultiple(t.rMultiple)}</span>
            </span>
          ) : (
            `Trade #${id}`
          )
        }
        actions={
          <Button variant="ghost" size="sm" onClick={onClose} aria-label="Close the trade panel">
            <X size={14} /> Close
          </Button>
        }
      />
      {q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : !t ? (
        <Loading />
      ) : (
        <>
          <div className="px-3 pt-3">
            <TradeChart trade={t} />
          </div>
          <Section title="Figures">
            <Figures t={t} />
          </Section>
          <Section title="Journal">
            <EditForm key={t.id} t={t} />
          </Section>
          <Section title="Decision record">
            <Decisions decisions={t.decisions} />
          </Section>
          <Section title="Orders and fills">
            <OrdersAndFills t={t} />
          </Section>
          <Section title="Journal entries">
            <LinkedEntries id={t.id} />
          </Section>
        </>
      )}
    </Card>
  );
}
