/**
 * The Trades page in Chromium: trades closed through the API and the replay of the real BTC/USD series; the table
 * sorts by clicking and by keyboard, filters (status, setup; in the URL) and pages; the trade panel draws the trade
 * on its candles with its price lines, shows every verdict of its decision record, orders and fills, and saves
 * tags and notes (a refused edit keeps what was typed, with the error beside the field); the CSV export downloads
 * the filtered rows; 1280 and 390 px layouts without sideways scrolling.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS,
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  onTick,
  submitTrade,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

const rowIds = async (page: Page): Promise<number[]> =>
  (await page
    .locator('tbody tr[data-trade-id]')
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-trade-id'))))) as number[];

describe.skipIf(!canRunDesk)('the Trades page in Chromium', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let trades: { id: number; rMultiple: number | null; status: string; setup: string | null }[];
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 300 });
    alice = await w.user('alice@trades.test');
    await submitTrade(w, alice, 'buy', { setup: 'breakout', tags: ['trend'] });
    await submitTrade(w, alice, 'sell', { setup: 'fade', tags: ['range'] });
    await submitTrade(w, alice, 'buy', { setup: 'breakout', tags: ['trend', 'a-plus'], notes: 'first, "quoted"' });
    await submitTrade(w, alice, 'sell', { setup: 'fade' });
    await submitTrade(w, alice, 'buy', { setup: 'pullback' }, false);
    trades = (await w.api(alice, 'GET', '/api/v1/trades')).trades;
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  });

  it('lists the trades and sorts them by clicking a header and by keyboard', async () => {
    expect(trades).toHaveLength(5);
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.getByRole('link', { name: 'Trades' }).click();
    await expect.poll(() => rowIds(page)).toHaveLength(5);
    // default: newest opened first
    expect(await rowIds(page)).toEqual([...trades].sort((a, b) => b.id - a.id).map((t) => t.id));
    const rHeader = page.getByRole('columnheader', { name: 'R', exact: true });
    await rHeader.getByRole('button').click();
    await expect.poll(() => rHeader.getAttribute('aria-sort')).toBe('descending');
    const byR = trades
      .filter((t) => t.rMultiple !== null)
      .sort((a, b) => b.rMultiple! - a.rMultiple! || b.id - a.id)
      .map((t) => t.id);
    const open = trades.filter((t) => t.rMultiple === null).map((t) => t.id);
    await expect.poll(() => rowIds(page)).toEqual([...byR, ...open]);
    await rHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => rHeader.getAttribute('aria-sort')).toBe('ascending');
    await expect.poll(() => rowIds(page)).toEqual([...[...byR].reverse(), ...open]);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('r');
    await w.shot(page, 'trades-1280');
    await context.close();
  });

  it('filters by status and setup (kept in the URL) and pages the rows', async () => {
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(w.base + '/trades');
    await expect.poll(() => rowIds(page)).toHaveLength(5);
    await page.getByLabel('Status').selectOption('closed');
    await expect.poll(() => rowIds(page)).toHaveLength(4);
    expect(new URL(page.url()).searchParams.get('status')).toBe('closed');
    await page.getByLabel('Setup', { exact: true }).fill('fade');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rowIds(page)).toHaveLength(2);
    expect((await rowIds(page)).sort()).toEqual(
      trades
        .filter((t) => t.setup === 'fade')
        .map((t) => t.id)
        .sort(),
    );
    await page.goto(w.base + '/trades?size=2');
    await expect.poll(() => rowIds(page)).toHaveLength(2);
    expect(await page.getByText('Page 1 of 3').count()).toBe(1);
    const first = await rowIds(page);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('Page 2 of 3').count()).toBe(1);
    const second = await rowIds(page);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => rowIds(page)).toHaveLength(1);
    expect(new Set([...first, ...second, ...(await rowIds(page))]).size).toBe(5);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await context.close();
  });

  it('exports the filtered rows as CSV', async () => {
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(w.base + '/trades?status=closed');
    await expect.poll(() => rowIds(page)).toHaveLength(4);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^testudo-trades-\d{4}-\d{2}-\d{2}\.csv$/);
    const path = `${ARTIFACTS}trades-export.csv`;
    await download.saveAs(path);
    const csv = await readFile(path, 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]!.startsWith('id,submitted_at,opened_at,closed_at,symbol,side,status')).toBe(true);
    expect(lines).toHaveLength(4 + 2); // header, 4 rows, the empty string after the last CRLF
    expect(csv).toContain('"first, ""quoted"""');
    for (const t of trades.filter((x) => x.status === 'closed')) expect(csv).toMatch(new RegExp(`\\r\\n${t.id},`));
    await context.close();
  });

  it('shows a trade on its candles with its lines, its decision record, orders and fills, and saves its journal fields', async () => {
    const closed = trades.find((t) => t.status === 'closed')!;
    const detail = await w.api(alice, 'GET', `/api/v1/trades/${closed.id}`);
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(w.base + '/trades');
    await page.locator(`tr[data-trade-id="${closed.id}"] a`).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/trades/${closed.id}`);
    const panel = page.getByTestId('trade-detail');
    await panel.locator('[data-chart="trade"] canvas').first().waitFor();
    await expect.poll(() => panel.locator('[data-chart="trade"]').getAttribute('data-bars')).not.toBe('0');
    expect(Number(await panel.locator('[data-chart="trade"]').getAttribute('data-lines'))).toBeGreaterThanOrEqual(4);
    expect(await panel.locator('figcaption').first().textContent()).toMatch(/Entry .*Stop .*Target .*Exit/);
    // every verdict of every decision
    const verdicts = detail.decisions.flatMap((d: { verdicts: unknown[] }) => d.verdicts);
    expect(verdicts.length).toBeGreaterThan(3);
    expect(await panel.locator('[data-verdict]').count()).toBe(verdicts.length);
    expect(await panel.getByRole('table', { name: 'Orders' }).locator('tbody tr').count()).toBe(detail.orders.length);
    expect(await panel.getByRole('table', { name: 'Fills' }).locator('tbody tr').count()).toBe(detail.fills.length);
    // the table stays beside the panel at 1280
    expect(await page.getByRole('table', { name: 'Trades' }).isVisible()).toBe(true);
    await w.shot(page, 'trade-detail-1280');

    // a refused edit keeps what was typed and shows the error beside the field
    const notes = panel.getByLabel('Notes');
    await panel.getByLabel('Tags').fill('reviewed, late-entry');
    await notes.fill('x'.repeat(4001));
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => panel.getByRole('alert').count()).toBeGreaterThan(0);
    expect(await notes.getAttribute('aria-invalid')).toBe('true');
    expect((await notes.inputValue()).length).toBe(4001);
    expect(await panel.getByLabel('Tags').inputValue()).toBe('reviewed, late-entry');
    // then a good one is saved
    await notes.fill('Entered late; **stop** was fine.');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved').waitFor();
    const after = await w.api(alice, 'GET', `/api/v1/trades/${closed.id}`);
    expect(after.tags).toEqual(['reviewed', 'late-entry']);
    expect(after.notes).toBe('Entered late; **stop** was fine.');
    await expect.poll(() => page.locator(`tr[data-trade-id="${closed.id}"]`).textContent()).toContain('late-entry');
    await context.close();
  });

  it('draws the initial and the current stop of a trade whose stop moved, and the move in its decision record', async () => {
    const open = trades.find((t) => t.status === 'open')!;
    const before = await w.api(alice, 'GET', `/api/v1/trades/${open.id}`);
    const instruments = (await w.api(alice, 'GET', '/api/v1/instruments')) as { symbol: string; tickSize: string }[];
    const tick = instruments.find((x) => x.symbol === 'BTC-USD')!.tickSize;
    const price = onTick((Number(before.entryFillPrice) + Number(before.stopLoss)) / 2, tick);
    await w.api(alice, 'POST', `/api/v1/trades/${open.id}/stop`, { price });
    const after = await w.api(alice, 'GET', `/api/v1/trades/${open.id}`);
    expect(after.currentStopLoss).not.toBe(after.stopLoss);
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(`${w.base}/trades/${open.id}`);
    const panel = page.getByTestId('trade-detail');
    await panel.locator('[data-chart="trade"] canvas').first().waitFor();
    expect(await panel.locator('[data-chart="trade"]').getAttribute('data-lines')).toBe('4');
    const caption = () => panel.locator('[data-chart="trade"] figcaption').textContent();
    await expect.poll(caption).toContain(`Initial stop ${after.stopLoss}, Stop ${after.currentStopLoss}`);
    // chosen on the replay's clock, not the wall clock (among the timeframes GET /market/symbols serves, which load
    // after the panel)
    await expect.poll(caption).toContain('1h candles');
    const record = panel.getByRole('list', { name: 'Decision record' });
    expect(await record.locator('> li').count()).toBe(after.decisions.length);
    expect(await record.textContent()).toContain('Stop moved');
    expect(await record.textContent()).toMatch(/stopLoss \S+ → \S+/);
    await w.shot(page, 'trade-detail-stop-moved-1280');
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await page.waitForTimeout(300); // colour transitions
    await page.screenshot({ path: `${ARTIFACTS}trade-detail-light-1280.png` });
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await context.close();
  });

  it('opens the trade panel full width at 390 px without sideways scrolling', async () => {
    const { context, page } = await w.page(390, 844);
    await w.signIn(page, alice);
    await page.goto(w.base + '/trades');
    await expect.poll(() => rowIds(page)).toHaveLength(5);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'trades-390');
    await page.screenshot({ path: `${ARTIFACTS}trades-390-top.png` });
    const id = trades.find((t) => t.status === 'closed')!.id;
    await page.goto(`${w.base}/trades/${id}`);
    const panel = page.getByTestId('trade-detail');
    await panel.locator('[data-chart="trade"] canvas').first().waitFor();
    expect(await page.getByRole('table', { name: 'Trades' }).isVisible()).toBe(false);
    const box = await panel.boundingBox();
    expect(box!.width).toBeGreaterThan(350);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'trade-detail-390');
    await page.screenshot({ path: `${ARTIFACTS}trade-detail-390-top.png` });
    await panel.getByRole('button', { name: 'Close the trade panel' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/trades');
    await context.close();
  });

  it('logged no console error', () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[01]/.test(e))).toEqual([]);
  });
});
