/**
 * The Positions page in Chromium against a real server replaying Coinbase BTC/USD hourly bars: an open long with
 * its live P&L (quote and R) and bracket, a stop moved up, a stop move that adds risk refused with the rule shown,
 * a partial close checked against the lot grid, a pending entry cancelled, the risk state panel, and the trade
 * leaving the page once the replay closes it; both widths, no console error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  waitLive,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

/** A page of the world with a patient default timeout (the machine is shared; Chromium may be slow to start). */
async function open(w: DeskWorld, width?: number, height?: number) {
  const r = await w.page(width, height);
  r.page.setDefaultTimeout(60_000);
  return r;
}

const group = (s: string) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** The Desk's signed money: grouped, 2 decimals (half up on the exact digits), `+` for gains. */
function signed2(s: string): string {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const r = (BigInt(i! + (f + '000').slice(0, 3)) + 5n) / 10n;
  const str = r.toString().padStart(3, '0');
  const m = `${group(str.slice(0, -2))}.${str.slice(-2)}`;
  return r === 0n ? m : neg ? `-${m}` : `+${m}`;
}

describe.skipIf(!canRunDesk)('the Positions page in Chromium', { timeout: 240_000 }, () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let id: number;
  let stop0: number;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 300 });
    alice = await w.user('alice@positions.test');
    const [btc] = (await w.api(alice, 'GET', '/api/v1/instruments')).filter(
      (i: { symbol: string }) => i.symbol === 'BTC-USD',
    );
    const last = Number(btc.lastPrice);
    stop0 = Number((last * 0.98).toFixed(2));
    const target = (last + 2.5 * (last - stop0)).toFixed(2);
    const r = await w.api(alice, 'POST', '/api/v1/trades', {
      symbol: 'BTC-USD',
      side: 'buy',
      stopLoss: stop0.toFixed(2),
      takeProfit: target,
      setup: 'e2e',
    });
    id = r.trade.id;
  });
  afterAll(async () => {
    await w?.close();
  });

  const card = (page: Page) => page.getByTestId(`position-${id}`);
  const apiPosition = async () =>
    (await w.api(alice, 'GET', '/api/v1/positions')).positions.find((p: { id: number }) => p.id === id);

  it('shows the open long with its P&L in quote and R, its bracket, and follows the bars', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.getByRole('link', { name: 'Positions' }).click();
    await card(page).waitFor();
    let p = await apiPosition();
    await expect
      .poll(async () => (await card(page).getByTestId('pnl').textContent())!.trim())
      .toBe(`${signed2(p.unrealizedPnl)} USD`);
    await expect.poll(() => card(page).getByTestId('leg-entry').textContent()).toContain('filled');
    await expect.poll(() => card(page).getByTestId('leg-stop').textContent()).toContain(stop0.toFixed(2));
    await expect.poll(() => card(page).getByTestId('leg-target').textContent()).toContain('open');
    await waitLive(page);
    await w.advance(2);
    p = await apiPosition();
    await expect
      .poll(async () => (await card(page).getByTestId('pnl').textContent())!.trim())
      .toBe(`${signed2(p.unrealizedPnl)} USD`);
    const r = p.unrealizedR as number;
    await expect
      .poll(async () => (await card(page).getByTestId('pnl-r').textContent())!.trim())
      .toBe(`${r > 0 ? '+' : ''}${r.toFixed(2)}R`);
    await w.shot(page, 'positions-1280');
    await context.close();
  });

  it('moves the stop up, and shows the refusal of a stop move that adds risk next to the form', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.goto(w.base + '/positions');
    await card(page).getByRole('button', { name: 'Move stop' }).click();
    const dialog = page.getByRole('dialog');
    const field = dialog.getByLabel('New stop');
    await expect.poll(() => field.inputValue()).toBe(stop0.toFixed(2));
    // off the tick grid: the form says so next to the field, nothing is sent
    await field.fill('1234.567');
    await dialog.getByRole('button', { name: 'Move stop' }).click();
    await expect.poll(() => dialog.getByText('must be a multiple of the tick size 0.01').isVisible()).toBe(true);
    const p = await apiPosition();
    const higher = ((stop0 + Number(p.markPrice)) / 2).toFixed(2);
    await field.fill(higher);
    await dialog.getByRole('button', { name: 'Move stop' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(async () => (await card(page).getByTestId('stop').textContent())!.trim()).toBe(higher);
    expect((await apiPosition()).currentStopLoss).toBe(higher);

    await card(page).getByRole('button', { name: 'Move stop' }).click();
    const lower = (Number(higher) - 50).toFixed(2);
    await dialog.getByLabel('New stop').fill(lower);
    await dialog.getByRole('button', { name: 'Move stop' }).click();
    await dialog.getByTestId('refusal').waitFor();
    expect(await dialog.getByTestId('refusal').textContent()).toContain('stop-adds-risk');
    expect(await dialog.getByLabel('New stop').inputValue()).toBe(lower); // what was typed is kept
    await w.shot(page, 'positions-stop-refused-1280');
    await page.keyboard.press('Escape');
    expect((await apiPosition()).currentStopLoss).toBe(higher);
    await context.close();
  });

  it('moves the target, and answers stop-to-breakeven as the protocol decides', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.goto(w.base + '/positions');
    const p = await apiPosition();
    const target = (Number(p.currentTakeProfit) + 12.34).toFixed(2);
    await card(page).getByRole('button', { name: 'Move target' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New target').fill(target);
    await dialog.getByRole('button', { name: 'Move target' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(async () => (await card(page).getByTestId('target').textContent())!.trim()).toBe(target);
    expect(await card(page).getByTestId('leg-target').textContent()).toContain(target);

    await card(page).getByRole('button', { name: 'Breakeven' }).click();
    await dialog.getByRole('button', { name: 'Stop to breakeven' }).click();
    const now = await apiPosition();
    if (Number(now.markPrice) > Number(now.entryFillPrice)) {
      await expect.poll(() => dialog.isVisible()).toBe(false);
      await expect
        .poll(async () => (await card(page).getByTestId('stop').textContent())!.trim())
        .toBe(now.entryFillPrice);
    } else {
      await dialog.getByTestId('refusal').waitFor();
      expect(await dialog.getByTestId('refusal').textContent()).toContain('breakeven-not-in-profit');
      await page.keyboard.press('Escape');
    }
    await context.close();
  });

  it('checks a partial close against the lot grid, then closes part of the position', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.goto(w.base + '/positions');
    const before = (await apiPosition()).openQty as string;
    await card(page).getByRole('button', { name: 'Partial close' }).click();
    const dialog = page.getByRole('dialog');
    const qty = dialog.getByLabel('Quantity to close');
    await qty.fill('0.000001');
    await dialog.getByRole('button', { name: 'Partial close' }).click();
    await expect.poll(() => dialog.getByText('must be a multiple of the lot size 0.00001').isVisible()).toBe(true);
    await qty.fill('100');
    await expect.poll(() => dialog.getByText(`must be at most the open size ${before}`).isVisible()).toBe(true);
    const half = (Math.floor((Number(before) / 2) * 1e5) / 1e5).toFixed(5);
    await qty.fill(half);
    await dialog.getByRole('button', { name: 'Partial close' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    const after = (await apiPosition()).openQty as string;
    expect(Number(after)).toBeCloseTo(Number(before) - Number(half), 8);
    await expect.poll(() => card(page).textContent()).toContain(`${after} BTC`);
    await context.close();
  });

  it('lists a pending entry and cancels it', async () => {
    const p = await apiPosition();
    const limit = (Number(p.markPrice) * 0.9).toFixed(2);
    const pending = await w.api(alice, 'POST', '/api/v1/trades', {
      symbol: 'BTC-USD',
      side: 'buy',
      entryPrice: limit,
      stopLoss: (Number(limit) * 0.98).toFixed(2),
      takeProfit: (Number(limit) * 1.05).toFixed(2),
    });
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.goto(w.base + '/positions');
    const row = page.getByTestId(`pending-${pending.trade.id}`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`@ ${Number(limit)}`);
    await row.getByRole('button', { name: 'Cancel entry' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel pending entry' }).click();
    // the page behind an open modal is aria-hidden (no roles to find): wait until the dialog has closed
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => row.count()).toBe(0);
    expect((await w.api(alice, 'GET', `/api/v1/trades/${pending.trade.id}`)).status).toBe('cancelled');
    await context.close();
  });

  it('shows the risk state against its limits, and fits 390 px wide screens', async () => {
    const { context, page } = await open(w, 390, 844);
    await w.signIn(page, alice);
    await page.goto(w.base + '/positions');
    await card(page).waitFor();
    const risk = page.getByRole('region', { name: 'Risk state' });
    await risk.getByTestId('risk-open-positions').waitFor();
    await expect.poll(() => risk.getByTestId('risk-open-positions').textContent()).toContain('1 / 5');
    await expect.poll(() => risk.getByTestId('risk-breaker').textContent()).toContain('closed');
    await expect
      .poll(() => risk.getByTestId('risk-open-risk').textContent())
      .toMatch(/[1-9][\d,]*\.\d\d \/ [1-9][\d,]*\.\d\d/);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'positions-390');
    await context.close();
  });

  it('drops the trade from the page when the replay closes it', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.goto(w.base + '/positions');
    await card(page).waitFor();
    await waitLive(page);
    for (let i = 0; i < 400 && (await apiPosition()); i++) await w.advance(5);
    expect(await apiPosition()).toBeUndefined();
    await expect.poll(() => card(page).count()).toBe(0);
    await page.getByText('No open positions').waitFor();
    const trade = await w.api(alice, 'GET', `/api/v1/trades/${id}`);
    expect(trade.status).toBe('closed');
    await w.shot(page, 'positions-closed-1280');
    await context.close();
  });

  it("logged no console error (besides Chromium's network line for the refused stop move, a 422 by design)", () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*(40[01]|422)/.test(e))).toEqual([]);
  });
});
