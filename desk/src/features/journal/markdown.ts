/**
 * Markdown of journal entries to safe HTML: `marked` (GitHub-flavoured, line breaks kept) then DOMPurify with its
 * HTML profile, so `<script>`, event handlers (`onerror=`), `javascript:` and other dangerous URLs, `<iframe>`,
 * `<form>` and `<style>` are removed; links open in a new tab with `rel="noopener noreferrer"`.
 *
 * DOMPurify needs a DOM: without one (node) {@link renderMarkdown} throws instead of returning unsanitised HTML
 * (fail closed). The sanitising itself is tested in Chromium (test/desk/journal.e2e.test.ts).
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';

let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.getAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
}

/** Markdown → HTML, unsanitised (never insert it without {@link renderMarkdown}). */
export function markdownToHtml(md: string): string {
  return marked.parse(md, { async: false, gfm: true, breaks: true });
}

/**
 * Markdown → sanitised HTML, ready for `dangerouslySetInnerHTML`.
 * @throws Error `markdown-needs-dom` when DOMPurify cannot run (no DOM): nothing unsanitised leaves this function.
 */
export function renderMarkdown(md: string): string {
  if (!DOMPurify.isSupported) throw new Error('markdown-needs-dom: DOMPurify needs a DOM to sanitise');
  hook();
  return DOMPurify.sanitize(markdownToHtml(md), {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
  });
}

/** The entry's body as one line of plain text (for summaries and accessible names), at most `max` characters. */
export function plainExcerpt(md: string, max = 160): string {
  const text = md
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`~|-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}
