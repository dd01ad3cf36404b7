/**
 * The order ticket beside the chart: Long/Short, market or limit entry, the three prices (in sync with the chart's
 * lines), risk override and journal fields; the server's sizing preview (quantity, notional, risk in quote and % of
 * equity, reward:risk, fees) and every protocol rule's verdict; and the two-step place button. Enter presses the
 * place button from anywhere in the ticket (twice to send), Escape disarms it. Above it, where the trade goes (the
 * paper account or an exchange connection); a venue's refusal of the order shows the venue's own reason.
 */
import type { KeyboardEvent, ReactNode } from 'react';
import { Link } from 'react-router';
import { CheckCircle2, XCircle } from 'lucide-react';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/card';
import { Field, Input, Textarea } from '@/components/ui/input';
import { cn } from '@/lib/cn';
import { money } from '@/lib/format';
import type { Instrument, Verdict } from './api';
import { placeErrorText } from './venue';
import { add, formatDec, parseDec } from '@/lib/decimal';
import { ratioText, rewardRisk, type LineKey } from './lines';
import type { Ticket as TicketState } from './useTicket';

function Row({ label, value, testId, tone }: { label: string; value: ReactNode; testId: string; tone?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-2 py-0.5">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className={cn('num text-sm font-medium', tone)} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function VerdictRow({ v }: { v: Verdict }) {
  return (
    <li className="flex items-start gap-1.5 py-0.5 text-xs" data-testid={`verdict-${v.rule}`} data-passed={v.passed}>
      {v.passed ? (
        <CheckCircle2 size={14} className="mt-0.5 shrink-0 text-profit" aria-label="pass" />
      ) : (
        <XCircle size={14} className="mt-0.5 shrink-0 text-loss" aria-label="fail" />
      )}
      <span className="min-w-0 break-words">
        <span className={v.passed ? 'text-fg' : 'text-loss'}>{v.message}</span>{' '}
        <code className="text-[10px] text-muted">{v.code}</code>
      </span>
    </li>
  );
}

const FIELD_OF: Record<LineKey, string> = { entry: 'entryPrice', stop: 'stopLoss', target: 'takeProfit' };

/** Props of {@link TicketPanel}. */
export interface TicketPanelProps {
  t: TicketState;
  instrument: Instrument | undefined;
  last: string | null;
  /** Shown first in the ticket (the account selector). */
  header?: ReactNode;
  /** Long/Short work without a last price: the prices are typed (a venue symbol without a chart). */
  manualPrices?: boolean;
}

/** The ticket. */
export function TicketPanel({ t, instrument, last, header, manualPrices = false }: TicketPanelProps) {
  const quote = instrument?.quote ?? '';
  const base = instrument?.base ?? '';
  const p = t.preview;
  const s = p?.data?.sizing;
  const err = p?.error;
  const apiErr = err instanceof ApiError ? err : null;
  const fieldErr = (k: LineKey | 'riskPct') =>
    t.clientErrors[k] ?? apiErr?.fieldError(k === 'riskPct' ? 'riskPct' : FIELD_OF[k]);
  const verdicts = p?.data?.verdicts ?? [];
  const failed = p?.data?.failed ?? [];
  const armed = t.confirm.s === 'armed';
  const sending = t.confirm.s === 'sending';
  const sideWord = t.side === 'sell' ? 'short' : 'long';
  const fees = s?.entryFee && s.stopFee ? formatDec(add(parseDec(s.entryFee), parseDec(s.stopFee))) : null;
  const summary = s?.ok
    ? `${sideWord} ${s.qty} ${base} @ ${t.entryType === 'market' ? 'market' : t.lines?.entry}, stop ${t.lines?.stop}, target ${t.lines?.target}, risk ${money(s.risk)} ${quote} (${s.riskPct}%)`
    : '';
  const rejected = Boolean(p?.data && (!p.data.approved || !p.data.sizing.ok));

  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Escape') {
      t.escape();
      return;
    }
    if (e.key !== 'Enter') return;
    const el = e.target as HTMLElement;
    if (el.tagName === 'TEXTAREA' || el.tagName === 'BUTTON' || el.getAttribute('role') === 'slider') return;
    e.preventDefault();
    t.press();
  };

  const priceInput = (k: LineKey, label: string) => (
    <Field label={label} error={fieldErr(k)} className="min-w-0">
      {(ids) => (
        <Input
          {...ids}
          inputMode="decimal"
          autoComplete="off"
          value={t.lines?.[k] ?? ''}
          disabled={!t.lines || (k === 'entry' && t.entryType === 'market')}
          placeholder={k === 'entry' && t.entryType === 'market' ? 'market' : ''}
          onChange={(e) => t.move(k, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form
      aria-label="Order ticket"
      className="flex flex-col gap-3 p-3"
      onKeyDown={onKeyDown}
      onSubmit={(e) => e.preventDefault()}
    >
      {header}
      <div className="grid grid-cols-2 gap-2">
        <Button
          variant={t.side === 'buy' ? 'buy' : 'outline'}
          aria-pressed={t.side === 'buy'}
          disabled={(!last && !manualPrices) || !instrument}
          onClick={() => t.choose('buy')}
        >
          Long
        </Button>
        <Button
          variant={t.side === 'sell' ? 'sell' : 'outline'}
          aria-pressed={t.side === 'sell'}
          disabled={(!last && !manualPrices) || !instrument}
          onClick={() => t.choose('sell')}
        >
          Short
        </Button>
      </div>
      <div role="group" aria-label="Entry type" className="grid grid-cols-2 gap-1 rounded-md bg-panel-2 p-0.5">
        {(['market', 'limit'] as const).map((et) => (
          <button
            key={et}
            type="button"
            aria-pressed={t.entryType === et}
            onClick={() => t.setEntryType(et)}
            className={cn(
              'rounded px-2 py-1 text-xs capitalize text-muted',
              t.entryType === et && 'bg-panel text-fg shadow-sm',
            )}
          >
            {et}
          </button>
        ))}
      </div>
      {!t.lines && !t.placed ? (
        <p className="text-xs text-muted">
          {last || !manualPrices
            ? 'Choose Long or Short: the lines appear around the last price; drag the stop and target on the chart or type the prices here.'
            : 'Choose Long or Short, then type the entry, stop and target (a limit entry).'}
        </p>
      ) : null}
      <div className="grid grid-cols-3 gap-2">
        {priceInput('entry', 'Entry')}
        {priceInput('stop', 'Stop')}
        {priceInput('target', 'Target')}
      </div>
      <Field label="Risk % (optional)" error={fieldErr('riskPct')} hint="empty: your profile's risk per trade">
        {(ids) => (
          <Input
            {...ids}
            inputMode="decimal"
            value={t.riskPct}
            placeholder="profile default"
            onChange={(e) => t.setRiskPct(e.target.value)}
          />
        )}
      </Field>

      {t.lines ? (
        <section
          aria-label="Sizing"
          aria-busy={t.pending}
          className={cn('rounded-md border border-border p-2', t.pending && 'opacity-70')}
        >
          {s ? (
            <dl>
              <Row label="Quantity" value={`${s.qty} ${base}`} testId="ticket-qty" />
              <Row
                label="Notional"
                value={s.notional ? `${money(s.notional)} ${quote}` : '–'}
                testId="ticket-notional"
              />
              <Row
                label="Risk"
                value={s.risk ? `${money(s.risk)} ${quote} · ${s.riskPct}%` : '–'}
                testId="ticket-risk"
                tone="text-loss"
              />
              <Row label="Reward:risk" value={ratioText(s.rewardRisk)} testId="ticket-rr" />
              <Row
                label="Reward at target"
                value={s.rewardAtTarget ? `${money(s.rewardAtTarget)} ${quote}` : '–'}
                testId="ticket-reward"
                tone="text-profit"
              />
              <Row label="Fees (entry + stop)" value={fees ? `${money(fees, 4)} ${quote}` : '–'} testId="ticket-fees" />
              <Row label="Equity" value={`${money(s.equity)} ${quote}`} testId="ticket-equity" />
            </dl>
          ) : apiErr && apiErr.fields.length === 0 ? (
            <p role="alert" className="text-xs text-loss">
              {apiErr.message} ({apiErr.code})
            </p>
          ) : (
            <p className="text-xs text-muted">
              {Object.keys(t.clientErrors).length || apiErr
                ? 'Fix the prices to see the size.'
                : t.missing
                  ? 'Type the entry, stop and target to see the size.'
                  : 'Sizing…'}
              {t.lines ? ` Lines: reward:risk ${rewardRisk(t.lines) ?? '–'}` : ''}
            </p>
          )}
        </section>
      ) : null}

      {t.lines ? (
        <div className="flex flex-col gap-1.5">
          {armed ? (
            <p className="rounded bg-warn/15 p-2 text-xs text-warn" role="status" data-testid="confirm-summary">
              Confirm: {summary}. Press again (or Enter) to send; Escape cancels.
            </p>
          ) : null}
          <Button
            size="lg"
            variant={armed ? 'default' : t.side === 'sell' ? 'sell' : 'buy'}
            disabled={!t.canPlace || sending}
            onClick={t.press}
            data-testid="place"
          >
            {sending ? 'Placing…' : armed ? `Confirm: place ${sideWord}` : `Place ${sideWord}`}
          </Button>
          {rejected ? (
            <p className="text-xs text-loss" data-testid="place-refused">
              Cannot place: refused by{' '}
              {failed.length ? failed.map((f) => f.code).join(', ') : (s?.code ?? 'the protocol')}.
            </p>
          ) : null}
          {armed ? (
            <Button variant="ghost" size="sm" onClick={t.escape}>
              Cancel
            </Button>
          ) : null}
        </div>
      ) : null}

      {t.placeError ? (
        <div
          role="alert"
          className="rounded border border-loss/40 bg-loss/10 p-2 text-xs text-loss"
          data-testid="place-error"
        >
          {placeErrorText(t.placeError)}
        </div>
      ) : null}
      {t.placed ? (
        <div role="status" className="rounded border border-profit/40 bg-profit/10 p-2 text-sm" data-testid="placed">
          Trade <strong className="num">#{t.placed.trade.id}</strong> placed ({t.placed.trade.status},{' '}
          {t.placed.trade.qty} {base}).{' '}
          <Link to="/positions" className="text-accent underline">
            See it in Positions
          </Link>
        </div>
      ) : null}

      {verdicts.length ? (
        <section aria-label="Protocol verdicts">
          <h3 className="mb-1 flex items-center gap-2 text-xs font-semibold">
            Testudo Protocol
            {rejected ? (
              <Badge tone="loss">rejected: {failed.length || 1} rule(s)</Badge>
            ) : (
              <Badge tone="profit">all rules pass</Badge>
            )}
          </h3>
          {s && !s.ok && s.code ? (
            <p className="text-xs text-loss" data-testid="sizing-code">
              Size: <code>{s.code}</code>
            </p>
          ) : null}
          <ul>
            {[...verdicts.filter((v) => !v.passed), ...verdicts.filter((v) => v.passed)].map((v) => (
              <VerdictRow key={`${v.rule}-${v.code}`} v={v} />
            ))}
          </ul>
        </section>
      ) : null}

      <details className="text-sm">
        <summary className="cursor-pointer text-xs text-muted">Journal: setup, tags, notes (optional)</summary>
        <div className="mt-2 flex flex-col gap-2">
          <Field label="Setup">
            {(ids) => (
              <Input
                {...ids}
                value={t.journal.setup}
                maxLength={80}
                onChange={(e) => t.setJournal({ ...t.journal, setup: e.target.value })}
              />
            )}
          </Field>
          <Field label="Tags" hint="comma separated">
            {(ids) => (
              <Input
                {...ids}
                value={t.journal.tags}
                onChange={(e) => t.setJournal({ ...t.journal, tags: e.target.value })}
              />
            )}
          </Field>
          <Field label="Notes">
            {(ids) => (
              <Textarea
                {...ids}
                value={t.journal.notes}
                maxLength={4000}
                className="min-h-16"
                onChange={(e) => t.setJournal({ ...t.journal, notes: e.target.value })}
              />
            )}
          </Field>
        </div>
      </details>
    </form>
  );
}
