/** Sanitised Markdown (see `markdown.ts`) with compact prose styles in the theme's colours. */
import { useMemo } from 'react';
import { cn } from '@/lib/cn';
import { renderMarkdown } from './markdown';

const PROSE =
  'break-words text-sm leading-relaxed [&_a]:text-accent [&_a]:underline [&_blockquote]:border-l-2 [&_blockquote]:border-border [&_blockquote]:pl-3 [&_blockquote]:text-muted [&_code]:rounded [&_code]:bg-panel-2 [&_code]:px-1 [&_code]:text-xs [&_h1]:mb-2 [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:mb-1.5 [&_h2]:text-base [&_h2]:font-semibold [&_h3]:font-semibold [&_hr]:my-3 [&_hr]:border-border [&_img]:max-w-full [&_li]:my-0.5 [&_ol]:list-decimal [&_ol]:pl-5 [&_p]:my-1.5 [&_pre]:overflow-x-auto [&_pre]:rounded [&_pre]:bg-panel-2 [&_pre]:p-2 [&_table]:block [&_table]:overflow-x-auto [&_td]:border [&_td]:border-border [&_td]:px-2 [&_th]:border [&_th]:border-border [&_th]:px-2 [&_ul]:list-disc [&_ul]:pl-5';

/** Renders `markdown` as sanitised HTML. */
export function MarkdownView({ markdown, className, label }: { markdown: string; className?: string; label?: string }) {
  const html = useMemo(() => {
    try {
      return renderMarkdown(markdown);
    } catch {
      return '';
    }
  }, [markdown]);
  return (
    <div
      className={cn(PROSE, className)}
      aria-label={label}
      // Sanitised by DOMPurify in renderMarkdown.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
