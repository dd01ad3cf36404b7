import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { cva, type VariantProps } from 'class-variance-authority';
import { cn } from '@/lib/cn';

/** Button styles (shadcn/ui style variants). */
export const buttonVariants = cva(
  'inline-flex items-center justify-center gap-1.5 rounded-md text-sm font-medium transition-colors disabled:pointer-events-none disabled:opacity-50 whitespace-nowrap',
  {
    variants: {
      variant: {
        default: 'bg-accent text-accent-fg hover:brightness-110',
        outline: 'border border-border bg-transparent hover:bg-panel-2',
        ghost: 'hover:bg-panel-2',
        buy: 'bg-profit text-black hover:brightness-110',
        sell: 'bg-loss text-black hover:brightness-110',
        danger: 'border border-loss text-loss hover:bg-loss/10',
      },
      size: { default: 'h-9 px-3', sm: 'h-7 px-2 text-xs', lg: 'h-11 px-5 text-base', icon: 'h-9 w-9' },
    },
    defaultVariants: { variant: 'default', size: 'default' },
  },
);

/** Props of {@link Button}. */
export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & VariantProps<typeof buttonVariants>;

/** A button; `type="button"` unless told otherwise. */
export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { className, variant, size, type = 'button', ...props },
  ref,
) {
  return <button ref={ref} type={type} className={cn(buttonVariants({ variant, size }), className)} {...props} />;
});
