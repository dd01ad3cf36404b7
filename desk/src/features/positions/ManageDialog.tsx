/**
 * The small forms that manage a position: close, partial close, move stop, move target, stop to breakeven. Each
 * checks what it can before sending (lot and tick grids, next to the field) and shows the server's answer next to
 * it: field errors under the field, a protocol refusal (`rule-rejected`) as the list of failed rules with their
 * codes. What was typed is kept after a refusal.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/input';
import type { Instrument } from '@/features/trade/api';
import { manage, pkeys, type Position } from './api';
import { partialQtyError, priceError } from './lots';

/** The management actions. */
export type ManageMode = 'close' | 'partial' | 'stop' | 'target' | 'breakeven' | 'cancel';

const TITLES: Record<ManageMode, string> = {
  close: 'Close at market',
  partial: 'Partial close',
  stop: 'Move stop',
  target: 'Move target',
  breakeven: 'Stop to breakeven',
  cancel: 'Cancel pending entry',
};

/** Props of {@link ManageDialog}. */
export interface ManageDialogProps {
  mode: ManageMode | null;
  trade: Pick<Position, 'id' | 'symbol' | 'side' | 'openQty' | 'currentStopLoss' | 'currentTakeProfit'> | null;
  instrument: Instrument | undefined;
  onClose(): void;
}

/** The dialog of one action on one trade. */
export function ManageDialog({ mode, trade, instrument, onClose }: ManageDialogProps) {
  const qc = useQueryClient();
  const initial =
    mode === 'stop' ? (trade?.currentStopLoss ?? '') : mode === 'target' ? (trade?.currentTakeProfit ?? '') : '';
  const [value, setValue] = useState(initial);
  const [touched, setTouched] = useState(false);
  const act = useMutation({
    mutationFn: async () => {
      if (!trade || !mode) return;
      if (mode === 'close' || mode === 'cancel') await manage.close(trade.id);
      else if (mode === 'partial') await manage.partial(trade.id, value.trim());
      else if (mode === 'stop') await manage.stop(trade.id, value.trim());
      else if (mode === 'target') await manage.target(trade.id, value.trim());
      else await manage.breakeven(trade.id);
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: pkeys.positions });
      void qc.invalidateQueries({ queryKey: pkeys.pending });
      void qc.invalidateQueries({ queryKey: pkeys.risk });
      onClose();
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: pkeys.positions }),
  });
  if (!mode || !trade) return null;

  const needsValue = mode === 'partial' || mode === 'stop' || mode === 'target';
  const clientError = !needsValue
    ? null
    : mode === 'partial'
      ? instrument
        ? partialQtyError(value, { lotSize: instrument.lotSize, minQty: instrument.minQty, openQty: trade.openQty })
        : null
      : instrument
        ? priceError(value, instrument.tickSize)
        : null;
  const err = act.error instanceof ApiError ? act.error : null;
  const field = mode === 'partial' ? 'quantity' : 'price';
  const fieldError = (touched ? clientError?.message : undefined) ?? err?.fieldError(field);
  const rules = err?.code === 'rule-rejected' ? err.rules : [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (clientError) return;
    act.mutate();
  };
  const side = trade.side === 'buy' ? 'long' : 'short';
  return (
    <Dialog
      open
      onOpenChange={(o) => (!o ? onClose() : undefined)}
      title={`${TITLES[mode]} · #${trade.id}`}
      description={`${trade.symbol} ${side}, open ${trade.openQty}${instrument ? ` ${instrument.base}` : ''}`}
    >
      <form onSubmit={submit} className="flex flex-col gap-3" aria-label={TITLES[mode]}>
        {mode === 'partial' ? (
          <Field
            label="Quantity to close"
            error={fieldError}
            hint={instrument ? `lot ${instrument.lotSize}, at most ${trade.openQty}` : undefined}
          >
            {(ids) => (
              <Input
                {...ids}
                autoFocus
                inputMode="decimal"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                onBlur={() => setTouched(true)}
              />
            )}
          </Field>
        ) : mode === 'stop' || mode === 'target' ? (
          <Field
            label={mode === 'stop' ? 'New stop' : 'New target'}
            error={fieldError}
            hint={instrument ? `tick ${instrument.tickSize}` : undefined}
          >
            {(ids) => (
              <Input
                {...ids}
                autoFocus
                inputMode="decimal"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                onBlur={() => setTouched(true)}
              />
            )}
          </Field>
        ) : (
          <p className="text-sm text-muted">
            {mode === 'close'
              ? 'Closes the whole position at the current price (taker fee) and cancels its stop and target.'
              : mode === 'cancel'
                ? 'Cancels the entry order and its stop and target; nothing was filled.'
                : 'Moves the stop to the entry fill price, once the position is in profit.'}
          </p>
        )}
        {rules.length ? (
          <div
            role="alert"
            className="rounded border border-loss/40 bg-loss/10 p-2 text-xs text-loss"
            data-testid="refusal"
          >
            <p className="mb-1 font-semibold">Refused by the protocol:</p>
            <ul className="list-disc pl-4">
              {rules.map((r) => (
                <li key={`${r.rule ?? ''}-${r.code}`}>
                  {r.message ?? r.code} <code className="text-[10px]">{r.code}</code>
                </li>
              ))}
            </ul>
          </div>
        ) : err && !err.fields.length ? (
          <p role="alert" className="text-xs text-loss" data-testid="refusal">
            {err.message} ({err.code})
          </p>
        ) : act.error && !err ? (
          <p role="alert" className="text-xs text-loss">
            {String(act.error)}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            Back
          </Button>
          <Button
            type="submit"
            variant={mode === 'close' || mode === 'cancel' ? 'danger' : 'default'}
            disabled={act.isPending}
          >
            {act.isPending ? 'Sending…' : TITLES[mode]}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
