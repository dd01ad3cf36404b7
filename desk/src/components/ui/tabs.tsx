import { Tabs as T } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '@/lib/cn';

/** Accessible tabs (Radix). */
export const Tabs = T.Root;

/** The row of tab triggers. */
export function TabsList({ className, ...p }: ComponentProps<typeof T.List>) {
  return <T.List className={cn('flex gap-1 border-b border-border', className)} {...p} />;
}

/** One tab trigger. */
export function TabsTrigger({ className, ...p }: ComponentProps<typeof T.Trigger>) {
  return (
    <T.Trigger
      className={cn(
        'border-b-2 border-transparent px-3 py-1.5 text-sm text-muted data-[state=active]:border-accent data-[state=active]:text-fg',
        className,
      )}
      {...p}
    />
  );
}

/** One tab's content. */
export const TabsContent = T.Content;
