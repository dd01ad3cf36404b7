/**
 * A newcomer's whole loop in the browser, one user, page to page: register (which signs in), go through the
 * first-run onboarding, tighten the risk profile, set a long up on the chart and see the ticket answer with the new
 * risk, get a rule rejection, place the trade with the double confirmation, move its stop on Positions, watch the
 * replay close it, then find it in the trades table, in the overview's statistics and charts, and in the journal
 * through an entry written from the trade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, openDeskWorld, waitLive, type DeskWorld } from './world.ts';

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

const input = (page: Page, name: string) =>
  page.getByRole('form', { name: 'Order ticket' }).getByLabel(name, { exact: true });

describe.skipIf(!canRunDesk)('a newcomer’s first hour in the Desk', { timeout: 300_000 }, () => {
  let w: DeskWorld;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 300 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('registers, sets the protocol, trades from the chart, manages, closes in replay and reviews in R', async () => {
    const { context, page } = await w.page(1280, 800);
    page.setDefaultTimeout(60_000);
    const email = 'newcomer@loop.test';

    // Register: it signs in, and the onboarding explains the protocol in the account's own numbers.
    await page.goto(w.base + '/');
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('password1');
    await page.getByRole('button', { name: 'Create account' }).click();
    const welcome = page.getByRole('dialog', { name: 'Welcome to Testudo' });
    await welcome.getByText('a stop-out costs you about 100.00 USDT').waitFor();
    await welcome.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('dialog', { name: 'Your paper account' }).getByRole('button', { name: 'Next' }).click();
    await page.getByRole('dialog', { name: 'Where to start' }).getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    const user = (await w.ctx.sql.query<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]))[0]!;
    const token = await w.ctx.auth.createApiToken(Number(user.id), 'loop');
    const me = { id: Number(user.id), email, password: 'password1', headers: { authorization: `Bearer ${token}` } };

    // Tighten risk per trade to 0.5%: it applies at once.
    await nav(page, 'Account');
    await page.getByLabel('Risk per trade', { exact: true }).fill('0.5');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Applied now: Risk per trade.').waitFor();

    // A long from the chart: the ticket risks 0.5% and equals POST /sizing.
    await nav(page, 'Trade');
    await page.getByTestId('trade-chart').locator('canvas').first().waitFor();
    await page.getByRole('button', { name: 'Long' }).click();
    await page.getByRole('slider', { name: 'Stop price' }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Sizing' }).getAttribute('aria-busy')).toBe('false');
    const stop = await input(page, 'Stop').inputValue();
    const target = await input(page, 'Target').inputValue();
    const entry = await input(page, 'Entry').inputValue();
    const sizing = await w.api(me, 'POST', '/api/v1/sizing', {
      symbol: 'BTC-USD',
      side: 'buy',
      entryType: 'market',
      stopLoss: stop,
      takeProfit: target,
    });
    expect(sizing.sizing.requestedRiskPct).toBe('0.5');
    // aria-busy turns true only once the preview is asked for, after a render: wait for the answer itself
    await expect.poll(() => page.getByTestId('ticket-qty').textContent()).toBe(`${sizing.sizing.qty} BTC`);

    // A target at 1R is refused by the protocol and cannot be sent; the 2R default can.
    await input(page, 'Target').fill((2 * Number(entry) - Number(stop)).toFixed(2));
    await expect.poll(() => page.getByTestId('verdict-reward-risk').getAttribute('data-passed')).toBe('false');
    expect(await page.getByTestId('place').isDisabled()).toBe(true);
    await input(page, 'Target').fill(target);
    const place = page.getByTestId('place');
    await expect.poll(() => place.isEnabled()).toBe(true);
    await place.click();
    await expect.poll(() => place.textContent()).toBe('Confirm: place long');
    await place.click();
    await page.getByTestId('placed').waitFor();
    const id = Number(/#(\d+)/.exec((await page.getByTestId('placed').textContent())!)![1]);
    await w.shot(page, 'loop-placed-1280');

    // Move the stop halfway to the entry (less risk): allowed.
    await nav(page, 'Positions');
    const card = page.getByTestId(`position-${id}`);
    await card.waitFor();
    const open = await w.api(me, 'GET', `/api/v1/trades/${id}`);
    const tighter = ((Number(open.entryFillPrice) + Number(open.stopLoss)) / 2).toFixed(2);
    await card.getByRole('button', { name: 'Move stop' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New stop').fill(tighter);
    await dialog.getByRole('button', { name: 'Move stop' }).click();
    await expect.poll(async () => (await card.getByTestId('stop').textContent())!.trim()).toBe(tighter);

    // The replay runs until the trade closes; it leaves Positions.
    let closed = open;
    await waitLive(page);
    for (let n = 0; n < 600 && closed.status !== 'closed'; n++) {
      await w.advance(1);
      closed = await w.api(me, 'GET', `/api/v1/trades/${id}`);
    }
    expect(closed.status).toBe('closed');
    await expect.poll(() => card.count()).toBe(0);

    // The trades table has it, with its R; its panel shows the moved stop.
    await nav(page, 'Trades');
    await page.locator(`tbody tr[data-trade-id="${id}"]`).waitFor();
    await page.goto(`${w.base}/trades/${id}`);
    const panel = page.getByTestId('trade-detail');
    await panel.waitFor();
    await expect.poll(() => panel.textContent()).toContain(`${tighter}`);

    // The overview counts it, in R, and draws its charts.
    await nav(page, 'Overview');
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('1');
    const r = closed.rMultiple as number;
    expect(await page.locator('[data-stat="total-r"] dd').textContent()).toBe(`${r > 0 ? '+' : ''}${r.toFixed(2)}R`);
    await expect.poll(() => page.locator('[data-chart][data-state="loading"]').count()).toBe(0);
    await w.shot(page, 'loop-overview-1280');

    // A journal entry written from the trade shows in the timeline, linked to it.
    await page.goto(`${w.base}/trades/${id}`);
    await page.getByRole('button', { name: 'Write a journal entry' }).click();
    await page.getByLabel('Title').fill('First trade');
    await page.getByLabel('Body (Markdown)').fill('Moved the stop up **before** the close.');
    await page.getByRole('button', { name: 'Create entry' }).click();
    await expect
      .poll(async () => (await w.api(me, 'GET', `/api/v1/journal/entries?tradeId=${id}`)).entries.length)
      .toBe(1);
    await nav(page, 'Journal');
    await page.getByText('First trade').first().waitFor();
    await w.shot(page, 'loop-journal-1280');
    await context.close();
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*(401|422)/.test(e))).toEqual([]);
  });
});
