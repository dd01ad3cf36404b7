/**
 * The Strategies page in Chromium, on the replayed BTC-USD hourly feed: a trader opens Strategies from the
 * navigation, is told about a wrong parameter before anything is sent and about a timeframe the feed does not serve
 * beside that field (the API's answer), starts an sma-cross run with a stop and a target, and follows it live: the
 * run's events (signal, approved decision, order, fill) arrive on its page, newest first, as the replay steps; after
 * the server drops every socket the stream reconnects and shows what happened meanwhile; a run without a stop shows
 * its rejected decisions with the code `stop-required`; the run is stopped after a confirmation. No CSP violation,
 * no console error; the list and a run fit 390 px (screenshots `strategies-*.png`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

interface EventRow {
  id: number;
  kind: string;
  data: Record<string, unknown>;
}

/** Records the CSP violations of `page` into `into` (the page's own event and the console's report). */
async function recordViolations(page: Page, into: string[]): Promise<void> {
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    (window.__csp ??= []).push(e.violatedDirective + ' ' + e.blockedURI);
  });`);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) into.push(`${page.url()}: ${m.text()}`);
  });
}

describe.skipIf(!canRunDesk)('Strategies in Chromium', { timeout: 300_000 }, () => {
  let w: DeskWorld;
  let alice: DeskUser;
  const violations: string[] = [];

  beforeAll(async () => {
    w = await openDeskWorld();
    alice = await w.user('alice@strategies.test');
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  });

  /** Steps the replay one bar at a time (every run processing each) until `done()` or `max` bars. */
  const stepUntil = async (done: () => Promise<boolean>, max = 300): Promise<void> => {
    for (let n = 0; n < max; n++) {
      if (await done()) return;
      await w.advance(1);
      await w.ctx.strategies.drain();
    }
    throw new Error(`not done after ${max} bars`);
  };
  const events = async (id: number): Promise<EventRow[]> => {
    const out: EventRow[] = [];
    let after = 0;
    for (;;) {
      const page = await w.api(alice, 'GET', `/api/v1/strategy-runs/${id}/events?after=${after}&limit=500`);
      out.push(...page.events);
      if (page.next === null) return out;
      after = page.next;
    }
  };
  const shown = (page: Page) => page.getByRole('region', { name: 'Run events' }).locator('li[data-event]');

  it('starts a run from the form, follows its events live through a reconnect, and stops it', async () => {
    const { context, page } = await w.page(1280, 900);
    await recordViolations(page, violations);
    await w.signIn(page, alice);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Strategies' }).click();
    await page.getByText('No strategy runs yet').waitFor();
    const form = page.getByRole('form', { name: 'Start a strategy run' });
    expect(await form.getByLabel('Strategy', { exact: true }).inputValue()).toBe('sma-cross');
    expect(await form.getByLabel('Symbol', { exact: true }).inputValue()).toBe('BTC-USD');
    expect(await form.getByLabel('Timeframe', { exact: true }).inputValue()).toBe('1h');
    expect(await form.getByLabel('slow', { exact: true }).inputValue()).toBe('20'); // the declared default

    // a wrong parameter: said beside it, nothing sent
    await form.getByLabel('fast', { exact: true }).fill('0');
    await form.getByLabel('slow', { exact: true }).fill('2.5');
    await form.getByRole('button', { name: 'Start run' }).click();
    await form.getByText('At least 1.').waitFor();
    await form.getByText('Enter a whole number.').waitFor();
    expect(await form.getByLabel('fast', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect((await w.api(alice, 'GET', '/api/v1/strategy-runs')).runs).toEqual([]);

    // a timeframe the feed does not serve: the API's refusal shows beside the timeframe
    await form.getByLabel('fast', { exact: true }).fill('5');
    await form.getByLabel('slow', { exact: true }).fill('12');
    await form.getByLabel('stopAtr', { exact: true }).fill('1.5');
    await form.getByLabel('rr', { exact: true }).fill('2');
    const timeframes = await form
      .getByLabel('Timeframe', { exact: true })
      .locator('option')
      .evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    const other = timeframes.find((t) => t !== '1h');
    if (other) {
      await form.getByLabel('Timeframe', { exact: true }).selectOption(other);
      await form.getByRole('button', { name: 'Start run' }).click();
      await form.getByText("the feed's bars are 1h", { exact: false }).first().waitFor();
      expect(await form.getByLabel('Timeframe', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      await form.getByLabel('Timeframe', { exact: true }).selectOption('1h');
    }
    await w.shot(page, 'strategies-form-1280');

    await form.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/strategies\/\d+$/);
    const id = Number(page.url().split('/').pop());
    const run = await w.api(alice, 'GET', `/api/v1/strategy-runs/${id}`);
    expect(run).toMatchObject({ strategy: 'sma-cross', symbol: 'BTC-USD', timeframe: '1h', host: 'server' });
    expect(run.params).toEqual({ fast: 5, slow: 12, stopAtr: 1.5, rr: 2 });
    const head = page.getByRole('region', { name: `Run #${id}` });
    expect(await head.getByRole('heading').textContent()).toContain('sma-cross · BTC-USD · 1h');
    expect(await head.getByTestId('run-status').textContent()).toBe('running');
    const live = page.getByRole('region', { name: 'Run events' }).getByRole('status');
    await expect.poll(() => live.textContent()).toBe('Live');
    await shown(page).first().waitFor(); // the run's first status event

    // bars go by: signals, decisions, orders and fills arrive on the open page
    await stepUntil(async () => (await events(id)).some((e) => e.kind === 'fill'));
    await expect.poll(() => page.locator('li[data-kind="fill"]').count()).toBeGreaterThan(0);
    for (const kind of ['signal', 'decision', 'order'])
      expect(await page.locator(`li[data-kind="${kind}"]`).count(), kind).toBeGreaterThan(0);
    expect(await page.locator('li[data-kind="decision"]').first().textContent()).toContain('Approved');
    // the run's parity with its backtest (GET /strategy-runs/:id/parity): its totals
    const parity = page.getByRole('region', { name: 'Parity with the backtest' });
    await parity.getByText('Matched').waitFor();
    await parity.getByText('Still open live').waitFor(); // matched trades whose exits are not compared yet
    expect(await parity.getByRole('link', { name: /Full report/ }).getAttribute('href')).toBe(
      `/api/v1/strategy-runs/${id}/parity`,
    );
    const ids = async () =>
      (await shown(page).evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-event'))))) as number[];
    await expect.poll(async () => (await ids()).length).toBe((await events(id)).length);
    const order = await ids();
    expect(order).toEqual([...order].sort((a, b) => b - a)); // newest first

    // the server drops every socket; bars go by meanwhile; the stream reconnects and shows what it missed
    const before = (await events(id)).length;
    for (const c of (w.app as unknown as { websocketServer: { clients: Set<{ terminate(): void }> } }).websocketServer
      .clients)
      c.terminate();
    await expect.poll(() => live.textContent()).toBe('Reconnecting…');
    await stepUntil(async () => (await events(id)).length > before + 2);
    await expect.poll(() => live.textContent()).toBe('Live');
    const all = await events(id);
    await expect.poll(async () => (await ids()).length).toBe(all.length);
    expect(await ids()).toEqual(all.map((e) => e.id).sort((a, b) => b - a));
    await w.shot(page, 'strategies-run-1280');

    // stop, confirmed
    await head.getByRole('button', { name: `Stop run #${id}` }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('stops acting on new bars');
    await dialog.getByRole('button', { name: 'Stop run' }).click();
    await expect.poll(() => head.getByTestId('run-status').textContent()).toBe('stopped');
    expect((await w.api(alice, 'GET', `/api/v1/strategy-runs/${id}`)).status).toBe('stopped');
    expect(await head.getByRole('button', { name: `Stop run #${id}` }).count()).toBe(0);

    // the list shows it with its statistics
    await page.getByRole('link', { name: 'All runs' }).click();
    const item = page.locator(`li[data-run="${id}"]`);
    expect(await item.getByTestId('run-status').textContent()).toBe('stopped');
    for (const label of ['Trades', 'Win rate', 'Net R', 'Expectancy', 'Rejections'])
      expect(await item.getByLabel('Live statistics').textContent()).toContain(label);
    await w.shot(page, 'strategies-list-1280');
    violations.push(...((await page.evaluate('window.__csp ?? []')) as string[]).map((v) => `${page.url()}: ${v}`));
    await context.close();
  });

  it('shows the rule codes of rejected decisions, and fits 390 px', async () => {
    // sma-cross without a stop: each of its orders is refused (stop-required) and the run carries on
    const run = await w.api(alice, 'POST', '/api/v1/strategy-runs', {
      strategy: 'sma-cross',
      symbol: 'BTC-USD',
      timeframe: '1h',
      params: { fast: 3, slow: 8 },
    });
    await stepUntil(async () => (await events(run.id)).some((e) => e.kind === 'decision' && e.data.approved === false));
    const { context, page } = await w.page(390, 844);
    await recordViolations(page, violations);
    await w.signIn(page, alice);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Strategies' }).click();
    await page.locator(`li[data-run="${run.id}"]`).waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'strategies-list-390');

    await page.getByRole('link', { name: `Run #${run.id}: sma-cross · BTC-USD · 1h` }).click();
    const rejected = page.locator('li[data-kind="decision"]').filter({ hasText: 'Rejected' }).first();
    await rejected.waitFor();
    expect(await rejected.locator('[data-code]').allTextContents()).toEqual(['stop-required']);
    expect(await rejected.textContent()).toContain('no stop');
    await expect
      .poll(() => page.getByRole('region', { name: 'Run events' }).getByRole('status').textContent())
      .toBe('Live');
    expect(Number(await page.locator('[data-stat="rejections"] dd').first().textContent())).toBeGreaterThan(0);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'strategies-run-390');
    violations.push(...((await page.evaluate('window.__csp ?? []')) as string[]).map((v) => `${page.url()}: ${v}`));
    await context.close();
  });

  it('saw no CSP violation and no console error', () => {
    expect([...new Set(violations)]).toEqual([]);
    // a 404 of the parity route (no report for a run) is an answer the page handles
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[014]/.test(e) && !/422/.test(e))).toEqual([]);
  });
});
