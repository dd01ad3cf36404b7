/**
 * The Trade page in Chromium against a real server replaying Coinbase BTC/USD hourly bars: a long set up by
 * dragging its stop and target lines on the chart, the ticket's numbers equal to `POST /sizing` for the prices the
 * ticket shows, a rule rejection (reward:risk below the minimum) with the place button disabled, the double
 * confirmation (Escape disarms), the trade on Positions, the replay controls for admins only, both widths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import {
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  waitLive,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

/** Drags `handle` vertically by `dy` pixels with the mouse, in small steps like a hand would. */
async function drag(page: Page, handle: Locator, dy: number): Promise<void> {
  const b = (await handle.boundingBox())!;
  const x = b.x + b.width / 2;
  const y = b.y + b.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x, y + dy, { steps: 10 });
  await page.mouse.up();
}

/** Drags the line at the handle's height from a point in the middle of the chart (not on the handle). */
async function dragLine(page: Page, handle: Locator, dy: number): Promise<void> {
  const chart = (await page.getByTestId('trade-chart').boundingBox())!;
  const b = (await handle.boundingBox())!;
  const x = chart.x + chart.width * 0.3;
  const y = b.y + b.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x, y + dy, { steps: 10 });
  await page.mouse.up();
}

/** A page of the world with a patient default timeout (the machine is shared; Chromium may be slow to start). */
async function open(w: DeskWorld, width?: number, height?: number) {
  const r = await w.page(width, height);
  r.page.setDefaultTimeout(60_000);
  return r;
}

const input = (page: Page, name: string) =>
  page.getByRole('form', { name: 'Order ticket' }).getByLabel(name, { exact: true });

/** Waits until the ticket's preview settled (no request pending) and returns its numbers. */
async function ticketNumbers(page: Page) {
  await expect.poll(() => page.getByRole('region', { name: 'Sizing' }).getAttribute('aria-busy')).toBe('false');
  const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim() ?? '';
  return {
    qty: await text('ticket-qty'),
    notional: await text('ticket-notional'),
    risk: await text('ticket-risk'),
    rr: await text('ticket-rr'),
    fees: await text('ticket-fees'),
  };
}

type TicketField = 'qty' | 'notional' | 'risk' | 'rr';

/**
 * Waits until the ticket shows, with no preview pending, what `POST /sizing` answers for the prices in its inputs
 * (compared on `fields`), and returns that answer. A drag's last pointer move may render after the mouse is up, and
 * the preview is asked for only after a quiet period, so `aria-busy` alone may still be the previous preview's
 * `false`: the inputs, the answer and the shown numbers are read again until they agree.
 */
async function ticketAnswers(
  w: DeskWorld,
  u: DeskUser,
  page: Page,
  entryType: 'market' | 'limit',
  fields: readonly TicketField[],
) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let api: any;
  await expect
    .poll(
      async () => {
        api = await w.api(u, 'POST', '/api/v1/sizing', {
          symbol: 'BTC-USD',
          side: 'buy',
          entryType,
          ...(entryType === 'limit' ? { entryPrice: await input(page, 'Entry').inputValue() } : {}),
          stopLoss: await input(page, 'Stop').inputValue(),
          takeProfit: await input(page, 'Target').inputValue(),
        });
        const sizing = page.getByRole('region', { name: 'Sizing' });
        const shown = async (id: string) => ((await sizing.getByTestId(id).allTextContents())[0] ?? '').trim();
        const want: Record<TicketField, [string, string]> = {
          qty: ['ticket-qty', `${api.sizing.qty} BTC`],
          notional: ['ticket-notional', `${money2(api.sizing.notional)} USD`],
          risk: ['ticket-risk', `${money2(api.sizing.risk)} USD · ${api.sizing.riskPct}%`],
          rr: ['ticket-rr', (Math.trunc(Math.round(api.sizing.rewardRisk * 1e6) / 1e4) / 100).toFixed(2)],
        };
        const wrong = [];
        if ((await sizing.getAttribute('aria-busy')) !== 'false') wrong.push('a preview is pending');
        for (const f of fields) {
          const [id, expected] = want[f];
          const got = await shown(id);
          if (got !== expected) wrong.push(`${f}: shown ${JSON.stringify(got)}, POST /sizing ${expected}`);
        }
        return wrong;
      },
      { timeout: 15_000 },
    )
    .toEqual([]);
  return api;
}

const group = (s: string) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** The ticket's way of showing money: grouped, 2 decimals (round half up on the exact digits). */
function money2(s: string): string {
  const [i, f = ''] = s.split('.');
  const cents = BigInt(i! + (f + '000').slice(0, 3));
  const r = (cents + 5n) / 10n;
  const str = r.toString().padStart(3, '0');
  return `${group(str.slice(0, -2))}.${str.slice(-2)}`;
}

describe.skipIf(!canRunDesk)('the Trade page in Chromium', { timeout: 180_000 }, () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let admin: DeskUser;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 300 });
    alice = await w.user('alice@trade.test');
    admin = await w.user('admin@trade.test', true);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('sets a long up by dragging stop and target, and the ticket shows what POST /sizing answers', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.getByTestId('trade-chart').locator('canvas').first().waitFor();
    await page.getByRole('button', { name: 'Long' }).click();
    const stopHandle = page.getByRole('slider', { name: 'Stop price' });
    const targetHandle = page.getByRole('slider', { name: 'Target price' });
    await stopHandle.waitFor();
    await expect.poll(() => stopHandle.isVisible()).toBe(true);
    const stop0 = await input(page, 'Stop').inputValue();
    const target0 = await input(page, 'Target').inputValue();
    await ticketNumbers(page);
    await w.shot(page, 'trade-long-default-1280');

    await dragLine(page, stopHandle, 25); // the stop line itself, further down
    await drag(page, targetHandle, -30); // the target's handle, further up
    const api = await ticketAnswers(w, alice, page, 'market', ['qty', 'notional', 'risk', 'rr']);
    const stop = await input(page, 'Stop').inputValue();
    const target = await input(page, 'Target').inputValue();
    expect(Number(stop)).toBeLessThan(Number(stop0));
    expect(Number(target)).toBeGreaterThan(Number(target0));
    expect(stop).toMatch(/^\d+\.\d{2}$/); // snapped to the 0.01 tick
    expect(target).toMatch(/^\d+\.\d{2}$/);
    for (const v of api.verdicts as { rule: string; passed: boolean }[])
      expect(await page.getByTestId(`verdict-${v.rule}`).getAttribute('data-passed')).toBe(String(v.passed));
    await w.shot(page, 'trade-dragged-1280');
    await context.close();
  });

  it('shows a rule rejection (target too close) with the place button disabled', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.getByRole('button', { name: 'Long' }).click();
    await ticketNumbers(page);
    const entry = await input(page, 'Entry').inputValue();
    // typed into the ticket: the line follows, and the protocol refuses 1R
    const stop = await input(page, 'Stop').inputValue();
    const oneR = (2 * Number(entry) - Number(stop)).toFixed(2);
    await input(page, 'Target').fill(oneR);
    await expect.poll(() => page.getByTestId('verdict-reward-risk').getAttribute('data-passed')).toBe('false');
    await expect
      .poll(() => page.getByRole('region', { name: 'Protocol verdicts' }).textContent())
      .toContain('reward-risk-too-low');
    expect(await page.getByTestId('place').isDisabled()).toBe(true);
    expect(await page.getByTestId('place-refused').textContent()).toContain('reward-risk-too-low');
    await expect
      .poll(() => page.getByRole('slider', { name: 'Target price' }).getAttribute('aria-valuetext'))
      .toBe(oneR);
    await w.shot(page, 'trade-rejected-1280');
    await context.close();
  });

  it('places a long only after a double confirmation, then shows it on Positions', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.getByRole('button', { name: 'Long' }).click();
    await ticketNumbers(page);
    const place = page.getByTestId('place');
    await expect.poll(() => place.isEnabled()).toBe(true);
    await place.click();
    await expect.poll(() => place.textContent()).toBe('Confirm: place long');
    expect(await page.getByTestId('confirm-summary').textContent()).toMatch(/long [\d.]+ BTC @ market/);
    await page.keyboard.press('Escape');
    await expect.poll(() => place.textContent()).toBe('Place long');
    expect((await w.api(alice, 'GET', '/api/v1/positions')).positions).toHaveLength(0);
    // Enter, then Enter again, from the ticket
    await input(page, 'Stop').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => place.textContent()).toBe('Confirm: place long');
    await page.keyboard.press('Enter');
    await page.getByTestId('placed').waitFor();
    const placedText = (await page.getByTestId('placed').textContent())!;
    const id = Number(/#(\d+)/.exec(placedText)![1]);
    expect((await w.api(alice, 'GET', '/api/v1/positions')).positions.map((p: { id: number }) => p.id)).toEqual([id]);
    // nothing stale: the lines are gone until the next setup
    await expect.poll(() => page.getByRole('slider', { name: 'Stop price' }).count()).toBe(0);
    await w.shot(page, 'trade-placed-1280');
    await page.getByRole('link', { name: 'See it in Positions' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/positions');
    await page.getByTestId(`position-${id}`).waitFor();
    await context.close();
  });

  it('moves a market entry with the last price, drags a limit entry, and steps a line by one tick with the keys', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    await page.getByRole('button', { name: 'Long' }).click();
    await ticketNumbers(page);
    // market: the entry follows each new bar's close
    await waitLive(page);
    await w.advance(1);
    const last = (await w.api(alice, 'GET', '/api/v1/instruments')).find(
      (i: { symbol: string }) => i.symbol === 'BTC-USD',
    ).lastPrice as string;
    await expect.poll(() => input(page, 'Entry').inputValue()).toBe(Number(last).toFixed(2));
    expect(await page.getByRole('slider', { name: 'Entry price' }).count()).toBe(0);

    await page.getByRole('group', { name: 'Entry type' }).getByRole('button', { name: 'limit' }).click();
    const entryHandle = page.getByRole('slider', { name: 'Entry price' });
    await expect.poll(() => entryHandle.isVisible()).toBe(true);
    const entry0 = await input(page, 'Entry').inputValue();
    await drag(page, entryHandle, 12);
    await expect.poll(async () => Number(await input(page, 'Entry').inputValue())).toBeLessThan(Number(entry0));
    const stopBefore = await input(page, 'Stop').inputValue();
    await page.getByRole('slider', { name: 'Stop price' }).focus();
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => input(page, 'Stop').inputValue()).toBe((Number(stopBefore) + 0.01).toFixed(2));

    await ticketAnswers(w, alice, page, 'limit', ['qty', 'risk']);
    await context.close();
  });

  it('appends live bars, and folds hourly bars into the current 4h bar', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    const chart = page.getByTestId('trade-chart');
    await expect.poll(() => chart.getAttribute('data-bars')).not.toBeNull();
    const bars0 = Number(await chart.getAttribute('data-bars'));
    await waitLive(page);
    await w.advance(1);
    const hour = (await w.api(alice, 'GET', '/api/v1/candles?symbol=BTC-USD&timeframe=1h&limit=1')).bars[0];
    await expect.poll(() => chart.getAttribute('data-last-time')).toBe(String(hour.time));
    expect(await chart.getAttribute('data-last-close')).toBe(hour.close);
    expect(Number(await chart.getAttribute('data-bars'))).toBe(bars0 + 1);

    await page.getByLabel('Timeframe').selectOption('4h');
    const four = async () => (await w.api(alice, 'GET', '/api/v1/candles?symbol=BTC-USD&timeframe=4h&limit=1')).bars[0];
    await expect.poll(async () => chart.getAttribute('data-last-time')).toBe(String((await four()).time));
    await w.advance(1);
    const after = await four();
    await expect.poll(() => chart.getAttribute('data-last-close')).toBe(after.close);
    expect(await chart.getAttribute('data-last-time')).toBe(String(after.time));
    await page.getByLabel('Timeframe').selectOption('1h');
    await context.close();
  });

  it('gives admins the replay controls, and step moves the replay', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, admin);
    const replay = page.getByRole('group', { name: 'Replay' });
    await replay.waitFor();
    await waitLive(page);
    const before = (await w.api(admin, 'GET', '/api/v1/replay')).index;
    await replay.getByRole('button', { name: 'Step one bar' }).click();
    await expect.poll(async () => (await w.api(admin, 'GET', '/api/v1/replay')).index).toBe(before + 1);
    await expect.poll(() => page.getByTestId('replay-time').textContent()).toContain(`bar ${before + 1}/`);
    // jumping back in time is refused while a trade is open (one of the admin's own, with a wide stop)
    const last = Number((await w.api(admin, 'GET', '/api/v1/replay')).lastPrice);
    await w.api(admin, 'POST', '/api/v1/trades', {
      symbol: 'BTC-USD',
      side: 'buy',
      stopLoss: (last * 0.8).toFixed(2),
      takeProfit: (last * 1.5).toFixed(2),
    });
    await replay.getByLabel('Jump to date').fill('2017-07-02');
    await replay.getByRole('button', { name: 'Go' }).click();
    await expect.poll(() => replay.getByRole('alert').textContent()).toContain('replay-seek-backwards');
    expect((await w.api(admin, 'GET', '/api/v1/replay')).index).toBe(before + 1);
    await w.shot(page, 'trade-admin-1280');
    await context.close();
  });

  it('shows other traders the replay read-only', async () => {
    const { context, page } = await open(w);
    await w.signIn(page, alice);
    const replay = page.getByRole('group', { name: 'Replay' });
    await replay.waitFor();
    expect(await replay.getByRole('button').count()).toBe(0);
    await expect.poll(() => page.getByTestId('replay-time').textContent()).toMatch(/UTC · bar \d+\/\d+/);
    // the clock follows the bars the replay emits
    const before = (await w.api(alice, 'GET', '/api/v1/replay')).index as number;
    await expect.poll(() => page.getByTestId('replay-time').textContent()).toContain(`bar ${before}/`);
    await waitLive(page);
    await w.advance(1);
    await expect.poll(() => page.getByTestId('replay-time').textContent()).toContain(`bar ${before + 1}/`);
    await context.close();
  });

  it('fits 390 px wide screens, the ticket below the chart, and drags there too', async () => {
    const { context, page } = await open(w, 390, 844);
    await w.signIn(page, alice);
    await page.getByRole('button', { name: 'Long' }).click();
    await ticketNumbers(page);
    const stop0 = await input(page, 'Stop').inputValue();
    await drag(page, page.getByRole('slider', { name: 'Stop price' }), 20);
    await expect.poll(() => input(page, 'Stop').inputValue()).not.toBe(stop0);
    await ticketNumbers(page);
    const chart = (await page.getByTestId('trade-chart').boundingBox())!;
    const ticket = (await page.getByRole('form', { name: 'Order ticket' }).boundingBox())!;
    expect(ticket.y).toBeGreaterThanOrEqual(chart.y + chart.height);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'trade-390');
    await context.close();
  });

  it("logged no console error (besides Chromium's network line for the refused replay jump, a 409 by design)", () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*(40[01]|409)/.test(e))).toEqual([]);
  });
});
