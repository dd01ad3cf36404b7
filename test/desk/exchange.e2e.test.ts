/**
 * The Exchange page in Chromium (port of the legacy `/desk/` test, plus amend, alt accounts and auctions): an admin
 * creates a bounded market 0..1 (tick 0.01, lot 1) and funds Alice and Bob with 100 each; Alice rests bids through
 * the order ticket, Bob crosses one from his own page, and both pages follow the book, the trades and the portfolio
 * live without a reload. A buy of n lots at p reserves n × p of the available cash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

const EX = '/api/v1/exchange';

/** `expect.poll` with room for a busy shared machine (the default gives up after 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

/** The ladder's rows of one side as [price, size]. */
async function side(page: Page, which: 'bid' | 'ask'): Promise<string[][]> {
  const rows = await page.locator(`table[aria-label="Order book"] tr[data-side="${which}"]`).all();
  return Promise.all(rows.map(async (r) => (await r.locator('td').allTextContents()).slice(0, 2)));
}

async function openExchange(w: DeskWorld, u: DeskUser, width = 1280, height = 800) {
  const { context, page } = await w.page(width, height);
  page.setDefaultTimeout(30_000); // the machine is shared: be patient with a busy CPU
  await w.signIn(page, u);
  await page.getByRole('link', { name: 'Exchange' }).click();
  await expect
    .poll(() => page.getByRole('status').filter({ hasText: 'Exchange:' }).textContent())
    .toBe('Exchange: live');
  return { context, page };
}

async function order(page: Page, o: { side: 'Buy' | 'Sell'; price: string; size: string; postOnly?: boolean }) {
  await page.getByRole('radio', { name: o.side }).click();
  await page.getByLabel('Type').selectOption('limit');
  await page.getByLabel('Price', { exact: true }).fill(o.price);
  await page.getByLabel('Size').fill(o.size);
  const post = page.getByLabel('Post-only');
  if ((await post.isChecked()) !== Boolean(o.postOnly)) await post.click();
  await page.getByRole('button', { name: 'Place order' }).click();
}

describe.skipIf(!canRunDesk)('the Exchange page in Chromium', () => {
  let w: DeskWorld;
  let admin: DeskUser;
  let alice: DeskUser;
  let bob: DeskUser;
  let marketId: number;
  const account: Record<string, number> = {};

  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 0 });
    admin = await w.user('admin@ex.test', true);
    alice = await w.user('alice@ex.test');
    bob = await w.user('bob@ex.test');
    const m = await w.api(admin, 'POST', `${EX}/markets`, {
      name: 'Rain tomorrow',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      maxPrice: '1',
    });
    marketId = m.id as number;
    for (const u of [alice, bob]) {
      account[u.email] = (await w.api(u, 'GET', `${EX}/accounts`)).accounts[0].id as number;
      await w.api(admin, 'POST', `${EX}/transfers`, {
        fromAccountId: null,
        toAccountId: account[u.email],
        amount: '100',
      });
    }
  });
  afterAll(async () => {
    await w?.close();
  });

  it('trades, follows book, trades and portfolio live on two pages, cancels, amends and shows field errors', async () => {
    const a = await openExchange(w, alice);
    const b = await openExchange(w, bob);
    const pa = a.page;
    const pb = b.page;
    await poll(() => pa.getByTestId('market-title').textContent()).toBe('Rain tomorrow');
    await poll(() => pa.getByText('Empty book: no resting order.').isVisible()).toBe(true);
    await pa.getByRole('button', { name: 'Rain tomorrow' }).click();
    await poll(() => new URL(pa.url()).searchParams.get('m')).toBe(String(marketId));

    // the form's own checks: next to their fields, what was typed is kept
    await order(pa, { side: 'Buy', price: '0.405', size: 'lots' });
    await poll(() => pa.getByText('The price must be a multiple of the tick 0.01').isVisible()).toBe(true);
    await poll(() => pa.getByText('The size must be a positive decimal such as 2').isVisible()).toBe(true);
    expect(await pa.getByLabel('Size').inputValue()).toBe('lots');

    // two resting bids
    await order(pa, { side: 'Buy', price: '0.40', size: '5' });
    await poll(() => pa.getByTestId('order-result').textContent()).toMatch(/^Order #\d+ open: buy 5 @ 0\.4/);
    await order(pa, { side: 'Buy', price: '0.30', size: '2' });
    await poll(() => pa.getByTestId('order-result').textContent()).toMatch(/^Order #\d+ open: buy 2 @ 0\.3/);
    const bids = [
      ['0.4', '5'],
      ['0.3', '2'],
    ];
    await poll(() => side(pa, 'bid')).toEqual(bids);
    await poll(() => side(pb, 'bid')).toEqual(bids); // Bob's page, live
    await poll(() => pa.locator('table[aria-label="Live orders"] tbody tr').count()).toBe(2);
    await poll(() => pa.getByTestId('available').textContent()).toBe('97.4'); // 100 − 5 × 0.4 − 2 × 0.3
    await poll(() => pa.getByTestId('reserved').textContent()).toBe('2.6');

    // a post-only sell at 0.40 would take: the engine's refusal with its code
    await order(pa, { side: 'Sell', price: '0.40', size: '1', postOnly: true });
    await poll(() => pa.getByTestId('order-error').textContent()).toContain('post-only-would-take');

    // Bob sells 2 at 0.40 from his page into Alice's bid: both pages follow without a reload
    await order(pb, { side: 'Sell', price: '0.40', size: '2' });
    await poll(() => pb.getByTestId('order-result').textContent()).toMatch(/filled 2/);
    for (const p of [pa, pb]) {
      await expect
        .poll(() => p.locator('table[aria-label="Recent trades"] tbody tr').first().locator('td').allTextContents())
        .toEqual([expect.any(String), '0.4', '2', 'sell']);
      await expect
        .poll(() => side(p, 'bid'))
        .toEqual([
          ['0.4', '3'],
          ['0.3', '2'],
        ]);
    }
    await poll(() => pa.getByTestId('cash').textContent()).toBe('99.2'); // 100 − 2 × 0.4
    await poll(() => pa.locator('table[aria-label="Positions"]').textContent()).toBe('Rain tomorrow2');
    await poll(() => pb.locator('table[aria-label="Positions"]').textContent()).toBe('Rain tomorrow-2');
    await expect
      .poll(() => pa.locator('table[aria-label="Live orders"] tbody tr', { hasText: '0.4' }).textContent())
      .toMatch(/0\.4–53open/); // price, no stop, size, remaining
    await w.shot(pa, 'exchange-1280');

    // amend the 0.30 bid to 4 at 0.35: the book and the available balance follow
    const low = pa.locator('table[aria-label="Live orders"] tbody tr', { hasText: '0.3' });
    const lowId = (await low.getAttribute('data-order-id'))!;
    await pa.getByRole('button', { name: `Amend order ${lowId}` }).click();
    const dialog = pa.getByRole('dialog');
    await dialog.getByLabel('New price').fill('0.355');
    await dialog.getByRole('button', { name: 'Save amendment' }).click();
    await poll(() => dialog.getByRole('alert').first().textContent()).toMatch(/tick|multiple/i); // next to the field
    await dialog.getByLabel('New price').fill('0.35');
    await dialog.getByLabel('New size').fill('4');
    await dialog.getByRole('button', { name: 'Save amendment' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(() => side(pa, 'bid'))
      .toEqual([
        ['0.4', '3'],
        ['0.35', '4'],
      ]);
    await expect
      .poll(() => side(pb, 'bid'))
      .toEqual([
        ['0.4', '3'],
        ['0.35', '4'],
      ]);
    await poll(() => pa.getByTestId('available').textContent()).toBe('96.6'); // 99.2 − 3 × 0.4 − 4 × 0.35

    // cancel the rest of the 0.40 bid with its button
    const high = pa.locator('table[aria-label="Live orders"] tbody tr', { hasText: '0.4' });
    const highId = (await high.getAttribute('data-order-id'))!;
    await pa.getByRole('button', { name: `Cancel order ${highId}` }).click();
    await poll(() => pa.getByText(`Order #${highId} cancelled`).isVisible()).toBe(true);
    await poll(() => pa.locator('table[aria-label="Live orders"] tbody tr').count()).toBe(1);
    await poll(() => side(pb, 'bid')).toEqual([['0.35', '4']]);
    await poll(() => pa.getByTestId('available').textContent()).toBe('97.8'); // 99.2 − 4 × 0.35

    // a stop-market buy waits for its trigger as a pending order
    await pa.getByRole('radio', { name: 'Buy' }).click();
    await pa.getByLabel('Type').selectOption('stop-market');
    await pa.getByLabel('Stop price').fill('0.9');
    await pa.getByLabel('Size').fill('1');
    await pa.getByRole('button', { name: 'Place order' }).click();
    await poll(() => pa.getByTestId('order-result').textContent()).toMatch(/^Order #\d+ pending: buy 1$/);
    const stop = pa.locator('table[aria-label="Live orders"] tbody tr', { hasText: 'stop-market' });
    await poll(() => stop.textContent()).toContain('0.9');
    await poll(() => stop.textContent()).toContain('pending');
    const stopId = (await stop.getAttribute('data-order-id'))!;
    await pa.getByRole('button', { name: `Cancel order ${stopId}` }).click();
    await poll(() => stop.count()).toBe(0);

    // a transfer beyond the available balance: the error next to the amount; then one that goes through
    await pa.getByLabel('To account id').fill(String(account[bob.email]));
    await pa.getByLabel('Amount').fill('1000');
    await pa.getByRole('button', { name: 'Send transfer' }).click();
    const amountError = pa.locator('form[aria-label="Transfer"] [role="alert"]');
    await poll(() => amountError.textContent()).toMatch(/available balance .* is less than 1000/);
    expect(await pa.getByLabel('Amount').getAttribute('aria-invalid')).toBe('true');
    await pa.getByLabel('To account id').fill('999999');
    await pa.getByLabel('Amount').fill('1');
    await pa.getByRole('button', { name: 'Send transfer' }).click();
    await poll(() => pa.getByLabel('To account id').getAttribute('aria-invalid')).toBe('true');
    await pa.getByLabel('To account id').fill(String(account[bob.email]));
    await pa.getByLabel('Amount').fill('1.5');
    await pa.getByRole('button', { name: 'Send transfer' }).click();
    await poll(() => pa.getByText(/^Transfer #\d+: 1\.5 to #/).isVisible()).toBe(true);
    await poll(() => pa.locator('table[aria-label="Transfer history"]').textContent()).toContain('1.5');
    await poll(() => pa.getByTestId('cash').textContent()).toBe('97.7');
    await poll(() => pb.getByTestId('cash').textContent()).toBe('102.3'); // 100 + 2 × 0.4 for the short + 1.5, live
    await poll(() => pb.locator('table[aria-label="Transfer history"]').textContent()).toContain('1.5');

    // fills, live: Alice made the trade (a maker buy), Bob took it (a taker sell)
    const firstFill = (p: Page) =>
      p.locator('table[aria-label="Fills"] tbody tr').first().locator('td').allTextContents();
    await pa.getByRole('tab', { name: 'Fills' }).click();
    await pb.getByRole('tab', { name: 'Fills' }).click();
    const fill = (sideName: string, liquidity: string) => [
      expect.any(String),
      'Rain tomorrow',
      sideName,
      '0.4',
      '2',
      liquidity,
      expect.stringMatching(/^#\d+$/),
    ];
    await poll(() => firstFill(pa)).toEqual(fill('buy', 'maker'));
    await poll(() => firstFill(pb)).toEqual(fill('sell', 'taker'));

    // a price clicked in the book goes into the ticket
    await pb.getByRole('button', { name: 'Use price 0.35' }).click();
    await poll(() => pb.getByLabel('Price', { exact: true }).inputValue()).toBe('0.35');

    await w.shot(pa, 'exchange-after-1280');
    await a.context.close();
    await b.context.close();
  }, 180_000);

  it('creates an alt account, picks it, adds a co-owner, and runs an auction (bid, buy it now, cancel)', async () => {
    const { context, page } = await openExchange(w, alice);
    await page.getByRole('tab', { name: 'Accounts' }).click();
    await page.getByLabel('New alt account name').fill('Alice fund');
    await page.getByRole('button', { name: 'Create alt account' }).click();
    await poll(() => page.getByText(/Alt account #\d+ Alice fund created/).isVisible()).toBe(true);
    const picker = page.getByLabel('Trading account');
    await picker.waitFor();
    const altId = (await w.api(alice, 'GET', `${EX}/accounts`)).accounts.find(
      (x: { name: string }) => x.name === 'Alice fund',
    ).id as number;
    await page.getByLabel('Co-owner e-mail').fill('nobody@ex.test');
    await page.getByRole('button', { name: 'Add owner' }).click();
    await poll(() => page.getByText('no user nobody@ex.test').isVisible()).toBe(true);
    await page.locator('form[aria-label="Add owner"]').getByLabel('Account').selectOption(String(altId));
    await page.getByLabel('Co-owner e-mail').fill(bob.email);
    await page.getByRole('button', { name: 'Add owner' }).click();
    await poll(() => page.getByText(`now co-owns account #${altId}`).isVisible()).toBe(true);
    expect((await w.api(bob, 'GET', `${EX}/accounts`)).accounts.map((x: { id: number }) => x.id)).toContain(altId);

    // the picker switches the portfolio to the alt account
    await picker.selectOption(String(altId));
    await poll(() => page.getByText('Portfolio · Alice fund').isVisible()).toBe(true);
    await poll(() => page.getByTestId('cash').textContent()).toBe('0');
    await picker.selectOption(String(account[alice.email]));

    // Alice lists two items; Bob bids on one, buys the other, and Alice cancels the first
    await page.getByRole('tab', { name: 'Auctions' }).click();
    for (const [title, buyNow] of [
      ['Old umbrella', '5'],
      ['Rain boots', '3'],
    ] as const) {
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Minimum bid').fill('1');
      await page.getByLabel('Buy-it-now price').fill(buyNow);
      await page.getByRole('button', { name: 'List for auction' }).click();
      await poll(() => page.locator('table[aria-label="Auctions"]').textContent()).toContain(title);
    }
    await page.getByLabel('Title').fill('Cheap hat');
    await page.getByLabel('Buy-it-now price').fill('0.5');
    await page.getByRole('button', { name: 'List for auction' }).click();
    await poll(() => page.getByText('must be at least the minimum bid').isVisible()).toBe(true);

    const b = await openExchange(w, bob, 390, 844);
    await b.page.getByRole('tab', { name: 'Auctions' }).click();
    const umbrella = b.page.locator('table[aria-label="Auctions"] tbody tr', { hasText: 'Old umbrella' });
    await umbrella.getByLabel('Bid amount for Old umbrella').fill('0.5');
    await umbrella.getByRole('button', { name: 'Bid' }).click();
    await poll(() => umbrella.getByRole('alert').textContent()).toContain('bid-too-low');
    await umbrella.getByLabel('Bid amount for Old umbrella').fill('2');
    await umbrella.getByRole('button', { name: 'Bid' }).click();
    await poll(() => umbrella.locator('td').nth(2).textContent()).toBe('2');
    const boots = b.page.locator('table[aria-label="Auctions"] tbody tr', { hasText: 'Rain boots' });
    await boots.getByRole('button', { name: 'Buy now' }).click();
    await poll(() => boots.textContent()).toContain('sold');
    await expectNoHorizontalScroll(b.page);
    await w.shot(b.page, 'exchange-auctions-390');
    await b.context.close();

    await page.reload();
    await page.getByRole('tab', { name: 'Auctions' }).click();
    const mine = page.locator('table[aria-label="Auctions"] tbody tr', { hasText: 'Old umbrella' });
    await mine.getByRole('button', { name: 'Cancel auction' }).click();
    await poll(() => mine.textContent()).toContain('cancelled');
    await poll(() => page.getByTestId('cash').textContent()).toBe('100.7'); // 97.7 + 3 for the boots
    await context.close();
  }, 180_000);

  it('redirects the old /desk/ address to /exchange, which serves the Desk', async () => {
    for (const url of ['/desk', '/desk/', '/desk/desk.js']) {
      const r = await w.app.inject({ method: 'GET', url });
      expect([r.statusCode, r.headers.location], url).toEqual([301, '/exchange']);
    }
    expect((await w.app.inject({ method: 'GET', url: '/exchange' })).body).toContain('<div id="root">');
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const { context, page } = await openExchange(w, alice, 390, 844);
    await poll(() => page.getByTestId('market-title').textContent()).toBe('Rain tomorrow');
    await page.getByRole('heading', { name: 'Order book' }).waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'exchange-390');
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await w.shot(page, 'exchange-390-light');
    await context.close();
  }, 180_000);

  it('logged no console error', () => {
    // the refusals this test provokes on purpose (401 before sign-in, 404/409/422 answers) are logged by Chromium
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*(40[0149]|422)/.test(e))).toEqual([]);
  });
});
