import type { HTMLAttributes, ReactNode } from 'react';
import { cn } from '@/lib/cn';

/** A panel. */
export function Card({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return <div className={cn('rounded-lg border border-border bg-panel', className)} {...props} />;
}

/** A panel's title row, with optional actions on the right. */
export function CardHeader({
  title,
  actions,
  className,
}: {
  title: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cn('flex items-center justify-between gap-2 border-b border-border px-3 py-2', className)}>
      <h2 className="text-sm font-semibold">{title}</h2>
      {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
    </div>
  );
}

/** A small label with a tone. */
export function Badge({
  tone = 'neutral',
  className,
  ...props
}: HTMLAttributes<HTMLSpanElement> & { tone?: 'neutral' | 'profit' | 'loss' | 'warn' | 'accent' }) {
  const tones = {
    neutral: 'bg-panel-2 text-muted',
    profit: 'bg-profit/15 text-profit',
    loss: 'bg-loss/15 text-loss',
    warn: 'bg-warn/15 text-warn',
    accent: 'bg-accent/15 text-accent',
  } as const;
  return (
    <span
      className={cn('inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium', tones[tone], className)}
      {...props}
    />
  );
}

/** A label and value pair for statistics sidebars. */
export function Stat({ label, value, className }: { label: ReactNode; value: ReactNode; className?: string }) {
  return (
    <div className={cn('flex items-baseline justify-between gap-3 py-1', className)}>
      <span className="text-xs text-muted">{label}</span>
      <span className="num font-medium">{value}</span>
    </div>
  );
}
