import type { ReactNode } from 'react';
import { Button } from './button';
import { Dialog } from './dialog';
import { ErrorState } from './states';

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  open: boolean;
  /** Dismissed: Escape, the overlay, or the cancel button. */
  onClose(): void;
  title: ReactNode;
  description?: ReactNode;
  /** The failed confirmation's error (shown above the buttons), or null/undefined. */
  error?: unknown;
  /** Whether the confirmed action is under way (the confirm button is disabled meanwhile). */
  pending?: boolean;
  /** Text of the confirm (danger) button, e.g. `Revoke token`. */
  confirmLabel: ReactNode;
  /** Text of the cancel button; default `Keep it`. */
  cancelLabel?: ReactNode;
  onConfirm(): void;
}

/**
 * A confirmation before a destructive action (revoke, delete, sign out): title, description, the action's error,
 * and a cancel button beside a danger button. Radix underneath: focus trapped, Escape closes.
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  description,
  error,
  pending = false,
  confirmLabel,
  cancelLabel = 'Keep it',
  onConfirm,
}: ConfirmDialogProps) {
  return (
    <Dialog open={open} onOpenChange={(o) => !o && onClose()} title={title} description={description}>
      {error ? <ErrorState error={error} /> : null}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onClose}>
          {cancelLabel}
        </Button>
        <Button variant="danger" disabled={pending} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
