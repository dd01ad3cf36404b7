import { describe, expect, it } from 'vitest';
import { markdownToHtml, plainExcerpt, renderMarkdown } from './markdown';

describe('journal Markdown', () => {
  it('turns Markdown into HTML: headings, emphasis, lists, tables and line breaks', () => {
    const html = markdownToHtml(
      '# Plan\n\n**Entry** on a *retest*\nthen wait\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |',
    );
    expect(html).toContain('<h1>Plan</h1>');
    expect(html).toContain('<strong>Entry</strong>');
    expect(html).toContain('<em>retest</em><br>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<table>');
  });

  it('refuses to render without a DOM rather than return unsanitised HTML (sanitising is tested in Chromium)', () => {
    expect(() => renderMarkdown('<script>alert(1)</script>')).toThrow(/markdown-needs-dom/);
  });

  it('gives a one-line plain excerpt without markup', () => {
    expect(plainExcerpt('# Title\n\nSome **bold** [link](http://x) and `code`\n\n```\nblock\n```\n<b>x</b>')).toBe(
      'Title Some bold link and code x',
    );
    expect(plainExcerpt('a'.repeat(200), 10)).toBe('aaaaaaaaa…');
  });
});
