/**
 * The Overview in Chromium: closed trades made through the API and the replay of the real BTC/USD series; the
 * statistics sidebar equals `GET /journal/stats`, all eleven charts and the equity curve draw, an empty journal
 * shows `–` (never 0.0%), the filters (kept in the URL) change the charts and the stats, the light theme, and the
 * 390 px layout without sideways scrolling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS,
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  submitTrade,
  waitLive,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

/** Rounds `x` down to the tick grid as decimal text. */
async function chartStates(page: Page): Promise<Record<string, string>> {
  return (await page.evaluate(`Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((e) => [
    e.getAttribute('data-chart'), e.getAttribute('data-state') + ':' + (e.querySelector('svg, canvas') ? 'drawn' : 'none')]))`)) as Record<
    string,
    string
  >;
}

const CHARTS = [
  'r-distribution',
  'cumulative-r',
  'drawdown',
  'calendar',
  'by-weekday',
  'by-hour',
  'by-setup',
  'by-tag',
  'by-side',
  'mae-mfe',
  'holding',
];

describe.skipIf(!canRunDesk)('the Overview in Chromium', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let empty: DeskUser;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 300 });
    alice = await w.user('alice@overview.test');
    empty = await w.user('empty@overview.test');
    await submitTrade(w, alice, 'buy', { setup: 'breakout', tags: ['trend'] });
    await submitTrade(w, alice, 'sell', { setup: 'fade', tags: ['range'] });
    await submitTrade(w, alice, 'buy', { setup: 'breakout', tags: ['trend', 'a-plus'] });
    await submitTrade(w, alice, 'sell', { setup: 'breakout' });
    await submitTrade(w, alice, 'buy', { setup: 'fade', tags: ['range'] });
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  });

  it('shows – for every statistic of an empty journal and an empty state in every chart', async () => {
    const { context, page } = await w.page();
    await w.signIn(page, empty);
    await page.goto(w.base + '/overview');
    await page.locator('[data-stat="win-rate"] dd').waitFor();
    await expect.poll(() => page.locator('[data-chart][data-state="loading"]').count()).toBe(0);
    expect(await page.locator('[data-stat="win-rate"] dd').textContent()).toBe('–');
    expect(await page.locator('[data-stat="expectancy"] dd').textContent()).toBe('–');
    expect(await page.getByTestId('stats').textContent()).not.toContain('0.0%');
    const states = await chartStates(page);
    for (const id of CHARTS) expect(states[id], id).toBe('empty:none');
    await w.shot(page, 'overview-empty-1280');
    await context.close();
  });

  it('shows the statistics of GET /journal/stats and draws all eleven charts and the equity curve', async () => {
    const stats = await w.api(alice, 'GET', '/api/v1/journal/stats');
    expect(stats.trades).toBe(5);
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('5');
    await expect.poll(() => page.locator('[data-chart][data-state="loading"]').count()).toBe(0);
    const text = async (k: string) => page.locator(`[data-stat="${k}"] dd`).textContent();
    expect(await text('win-rate')).toBe(`${(stats.winRate * 100).toFixed(1)}%`);
    const r = (n: number) => `${n > 0 ? '+' : ''}${n.toFixed(2)}R`;
    expect(await text('expectancy')).toBe(r(stats.expectancyR));
    expect(await text('total-r')).toBe(r(stats.totalR));
    expect(await text('sqn')).toBe(stats.sqn === null ? '–' : stats.sqn.toFixed(2));
    expect(await text('profit-factor')).toBe(stats.profitFactor === null ? '–' : stats.profitFactor.toFixed(2));
    expect(await text('losing-streak')).toBe(String(stats.longestLosingStreak));
    // a chart draws once its container is measured, a frame or more after its data came
    for (const id of [...CHARTS, 'equity'])
      await expect.poll(async () => (await chartStates(page))[id], { message: id }).toBe('ready:drawn');
    // every chart has a title, and a text summary
    for (const id of CHARTS) {
      const card = page.locator(`[data-chart="${id}"]`);
      expect((await card.locator('h2').textContent())?.length, id).toBeGreaterThan(3);
      expect((await card.locator('figcaption').textContent())?.length, id).toBeGreaterThan(10);
    }
    await expect.poll(() => page.locator('[data-chart="calendar"] rect[data-day]').count()).toBeGreaterThan(6);
    // the breakdowns measure R or net P&L
    await page.getByLabel('P&L by weekday: measure').selectOption('netPnl');
    await expect.poll(() => page.locator('[data-chart="by-weekday"] svg text').allTextContents()).toContain('Net P&L');
    await expect
      .poll(() => page.locator('[data-chart="by-weekday"] .recharts-bar-rectangle').count())
      .toBeGreaterThan(0);
    await w.shot(page, 'overview-1280');
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await w.shot(page, 'overview-light-1280');
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await context.close();
  });

  it('filters the statistics and the charts by setup and tag, kept in the URL', async () => {
    const fade = await w.api(alice, 'GET', '/api/v1/journal/stats?setup=fade');
    expect(fade.trades).toBe(2);
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(w.base + '/overview');
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('5');
    await page.getByLabel('Setup', { exact: true }).fill('fade');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('2');
    expect(new URL(page.url()).searchParams.get('setup')).toBe('fade');
    await expect
      .poll(() => page.locator('[data-chart="r-distribution"] figcaption').textContent())
      .toContain('2 closed');
    await expect
      .poll(() => page.locator('[data-chart="cumulative-r"] figcaption').textContent())
      .toContain('2 closed trades');
    await expect
      .poll(() => page.locator('[data-chart="equity"] h2').textContent())
      .toBe('Equity of the filtered trades (daily)');
    await expect.poll(() => chartStates(page).then((s) => s.equity)).toBe('ready:drawn');
    expect(await page.locator('[data-stat="total-r"] dd').textContent()).toBe(
      `${fade.totalR > 0 ? '+' : ''}${fade.totalR.toFixed(2)}R`,
    );
    // the URL alone reproduces the view
    await page.goto(w.base + '/overview?tag=trend');
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('2');
    await expect.poll(() => page.getByLabel('Tag', { exact: true }).inputValue()).toBe('trend');
    // a date range with no trades empties the charts
    await page.goto(w.base + '/overview?from=2001-01-01&to=2001-01-31');
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('0');
    await expect.poll(() => page.locator('[data-chart="cumulative-r"]').getAttribute('data-state')).toBe('empty');
    await context.close();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const { context, page } = await w.page(390, 844);
    await w.signIn(page, alice);
    await page.goto(w.base + '/overview');
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('5');
    await expect.poll(() => page.locator('[data-chart][data-state="loading"]').count()).toBe(0);
    for (const id of CHARTS)
      await expect.poll(async () => (await chartStates(page))[id], { message: id }).toBe('ready:drawn');
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'overview-390');
    await page.screenshot({ path: `${ARTIFACTS}overview-390-top.png` });
    await page.locator('[data-chart="calendar"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}overview-390-charts.png` });
    await context.close();
  });

  it('updates the statistics and charts live when a trade closes', async () => {
    const { context, page } = await w.page(1280, 800);
    await w.signIn(page, alice);
    await page.goto(w.base + '/overview');
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('5');
    await waitLive(page);
    await submitTrade(w, alice, 'sell', { setup: 'late' });
    await expect.poll(() => page.locator('[data-stat="trades"] dd').textContent()).toBe('6');
    await expect
      .poll(() => page.locator('[data-chart="cumulative-r"] figcaption').textContent())
      .toContain('6 closed trades');
    await context.close();
  });

  it('logged no console error', () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[01]/.test(e))).toEqual([]);
  });
});
