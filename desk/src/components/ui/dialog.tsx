import { Dialog as D } from 'radix-ui';
import type { ReactNode } from 'react';

/** Props of {@link Dialog}. */
export interface DialogProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
}

/** A modal dialog (Radix: focus trapped, Escape closes, labelled by its title). */
export function Dialog({ open, onOpenChange, title, description, children }: DialogProps) {
  return (
    <D.Root open={open} onOpenChange={onOpenChange}>
      <D.Portal>
        <D.Overlay className="fixed inset-0 z-40 bg-black/60" />
        <D.Content className="fixed left-1/2 top-1/2 z-50 max-h-[90vh] w-[min(520px,calc(100vw-24px))] -translate-x-1/2 -translate-y-1/2 overflow-auto rounded-lg border border-border bg-panel p-4 shadow-xl">
          <D.Title className="mb-1 text-base font-semibold">{title}</D.Title>
          {description ? <D.Description className="mb-3 text-sm text-muted">{description}</D.Description> : null}
          {children}
        </D.Content>
      </D.Portal>
    </D.Root>
  );
}
