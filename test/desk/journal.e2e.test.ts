/**
 * The Journal in Chromium: an entry written from a trade's panel is linked to it (the timeline shows the trade's
 * symbol, side and R with a link; the panel lists the entry), the Markdown preview strips `<script>`, `onerror` and
 * `javascript:` links (DOMPurify runs only in a browser, so the sanitiser is tested here), field errors show beside
 * their fields with what was typed kept, collections as tabs, full-text search, edit and delete, and the 1280 and
 * 390 px layouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  submitTrade,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

const HOSTILE = [
  '## Lesson',
  '',
  'Waited for the **retest**.',
  '',
  '<script>window.__xss = 1</script>',
  '',
  '<img src="data:image/png;base64,AAAA" onerror="window.__xss = 2">',
  '',
  '[click me](javascript:window.__xss=3)',
  '',
  '<a href="javascript:window.__xss=5">raw link</a> and <a href="https://example.com" onclick="window.__xss=4">safe link</a>',
].join('\n');

describe.skipIf(!canRunDesk)('the Journal in Chromium', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let trade: { id: number; symbol: string; rMultiple: number };
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 300 });
    alice = await w.user('alice@journal.test');
    trade = await submitTrade(w, alice, 'buy', { setup: 'breakout' });
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  });

  it('writes an entry from a trade: the preview strips scripts, handlers and javascript: links; the timeline links the trade', async () => {
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(`${w.base}/trades/${trade.id}`);
    await page.getByRole('button', { name: 'Write a journal entry' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/journal');
    await expect.poll(() => page.getByRole('textbox', { name: 'Linked trades' }).inputValue()).toBe(String(trade.id));
    await page.getByLabel('Title').fill('Breakout review');
    await page.getByLabel('Tags').fill('lesson, retest');
    await page.getByLabel('Body (Markdown)').fill(HOSTILE);
    const preview = page.getByTestId('markdown-preview');
    await preview.locator('strong').waitFor();
    expect(await preview.locator('h2').textContent()).toBe('Lesson');
    expect(await preview.locator('script').count()).toBe(0);
    expect(await preview.locator('[onerror], [onclick]').count()).toBe(0);
    const hrefs = await preview.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs.some((h) => h !== null && /^\s*javascript:/i.test(h))).toBe(false);
    expect(hrefs).toContain('https://example.com');
    expect(await preview.locator('a[href="https://example.com"]').getAttribute('rel')).toBe('noopener noreferrer');
    expect(await preview.innerHTML()).not.toMatch(/<script|onerror=|onclick=|href="javascript:/i);
    expect(await preview.getByText('click me').count()).toBe(1);
    expect(await preview.locator('img').count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}journal-editor-1280.png` });
    await page.getByRole('button', { name: 'Create entry' }).click();
    const card = page.locator('article[data-entry]').first();
    await card.waitFor();
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await card.locator('h3').textContent()).toBe('Breakout review');
    // the chip's symbol, side and R come with the trades list, which loads after the entry
    const chip = card.locator(`[data-trade-link="${trade.id}"]`);
    await expect.poll(() => chip.textContent()).toContain('BTC-USD');
    await expect.poll(() => chip.textContent()).toContain('Long');
    await expect
      .poll(() => chip.textContent())
      .toContain(`${trade.rMultiple > 0 ? '+' : ''}${trade.rMultiple.toFixed(2)}R`);
    expect(await card.locator('script, [onerror]').count()).toBe(0);
    const entries = await w.api(alice, 'GET', `/api/v1/journal/entries?tradeId=${trade.id}`);
    expect(entries.entries).toHaveLength(1);
    expect(entries.entries[0].body).toBe(HOSTILE); // stored as typed; sanitised when shown
    // the trade panel lists it, and the chip leads back to the trade
    await chip.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/trades/${trade.id}`);
    await page.getByRole('list', { name: 'Linked journal entries' }).getByText('Breakout review').waitFor();
    // and the entry opens from there for editing
    await page
      .getByRole('list', { name: 'Linked journal entries' })
      .getByRole('link', { name: 'Breakout review' })
      .click();
    await expect.poll(() => page.getByLabel('Title').inputValue()).toBe('Breakout review');
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(1);
    await context.close();
  });

  it('shows field errors beside their fields and keeps what was typed', async () => {
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(`${w.base}/journal?new=1`);
    await page.getByLabel('Body (Markdown)').fill('kept body');
    await page.getByRole('button', { name: 'Create entry' }).click();
    await page.getByText('Give the entry a title').waitFor();
    expect(await page.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Title').fill('Linked to a stranger');
    await page.getByRole('textbox', { name: 'Linked trades' }).fill('999999');
    await page.getByRole('button', { name: 'Create entry' }).click();
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Linked trades' }).getAttribute('aria-invalid'))
      .toBe('true');
    expect(await page.getByText(/no trade 999999/).count()).toBe(1);
    expect(await page.getByLabel('Title').inputValue()).toBe('Linked to a stranger');
    expect(await page.getByLabel('Body (Markdown)').inputValue()).toBe('kept body');
    await page.screenshot({ path: `${ARTIFACTS}journal-errors-1280.png` });
    await context.close();
  });

  it('files entries in collections, searches them, edits and deletes', async () => {
    await w.api(alice, 'POST', '/api/v1/journal/entries', {
      title: 'Breakout playbook',
      body: 'Enter on the **retest** of the range high; stop below the range.',
      tags: ['setup'],
      collection: 'playbook',
    });
    await w.api(alice, 'POST', '/api/v1/journal/entries', {
      title: 'Week 28 review',
      body: 'Too many trades on Friday afternoons.',
      collection: 'review',
    });
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.getByRole('link', { name: 'Journal' }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(3);
    await page.getByRole('tab', { name: 'Playbooks' }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(1);
    expect(await page.locator('article h3').textContent()).toBe('Breakout playbook');
    expect(new URL(page.url()).searchParams.get('collection')).toBe('playbook');
    await page.getByRole('tab', { name: 'All' }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(3);
    await w.shot(page, 'journal-1280');
    // full-text search (the server's q)
    await page.getByLabel('Search the journal').fill('friday');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(1);
    expect(await page.locator('article h3').textContent()).toBe('Week 28 review');
    await page.getByLabel('Search the journal').fill('retest');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(2);
    await page.getByLabel('Search the journal').fill('nonexistentword');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No entry matches.').waitFor();
    await page.getByRole('button', { name: 'Clear search' }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(3);
    // edit
    await page.getByRole('button', { name: 'Edit Week 28 review' }).click();
    await page.getByLabel('Title').fill('Week 28 review (done)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('article h3', { hasText: 'Week 28 review (done)' }).waitFor();
    // delete
    await page.getByRole('button', { name: 'Delete Week 28 review (done)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(2);
    expect((await w.api(alice, 'GET', '/api/v1/journal/entries')).entries).toHaveLength(2);
    await context.close();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const { context, page } = await w.page(390, 844);
    await w.signIn(page, alice);
    await page.goto(`${w.base}/journal`);
    await expect.poll(() => page.locator('article[data-entry]').count()).toBe(2);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'journal-390');
    await page.goto(`${w.base}/journal?new=1&trade=${trade.id}`);
    await page.getByLabel('Body (Markdown)').fill(HOSTILE);
    await page.getByTestId('markdown-preview').locator('strong').waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'journal-editor-390');
    await context.close();
  });

  it('logged no console error', () => {
    // The hostile entry's `<img onerror>` is parsed by DOMPurify before it is removed; Chromium reports the handler as
    // blocked by the CSP (script-src-attr 'none') — defence in depth, never run (the tests above check window.__xss).
    const csp = /inline event handler violates .*script-src-attr 'none'/;
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[01]/.test(e) && !csp.test(e))).toEqual([]);
  });
});
