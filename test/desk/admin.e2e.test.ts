/**
 * The Admin page in Chromium: an admin creates a bounded and a spot market through the form (a bad bound shown next
 * to its field), mints cash and deposits an asset, pauses a market (Carol's order is refused with `market-paused`
 * while her resting order stays in the book), resumes it, settles it, closes the spot market, settles an auction,
 * grants admin to Carol (who then sees the Admin link), and reads the audit log and system health. A non-admin gets
 * no Admin page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

const EX = '/api/v1/exchange';

/** `expect.poll` with room for a busy shared machine (the default gives up after 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

async function signedIn(w: DeskWorld, u: DeskUser, width = 1280, height = 800) {
  const { context, page } = await w.page(width, height);
  page.setDefaultTimeout(30_000); // the machine is shared: be patient with a busy CPU
  await w.signIn(page, u);
  return { context, page };
}

function marketRow(page: Page, name: string) {
  return page.locator('table[aria-label="Markets to administer"] tbody tr', { hasText: name });
}

describe.skipIf(!canRunDesk)('the Admin page in Chromium', () => {
  let w: DeskWorld;
  let admin: DeskUser;
  let carol: DeskUser;
  let dave: DeskUser;
  const account: Record<string, number> = {};

  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 0 });
    admin = await w.user('root@admin.test', true);
    carol = await w.user('carol@admin.test');
    dave = await w.user('dave@admin.test');
    for (const u of [carol, dave]) account[u.email] = (await w.api(u, 'GET', `${EX}/accounts`)).accounts[0].id;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('creates, funds, pauses, resumes, settles and closes markets, settles an auction and grants admin', async () => {
    const { context, page } = await signedIn(w, admin);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Admin' }).waitFor();

    // a bounded market with a bound off the tick: the error next to the field, the form kept
    await page.getByLabel('Market name').fill('Election');
    await page.getByLabel('Kind').selectOption('bounded');
    await page.getByLabel('Maximum price').fill('1.005');
    await page.getByRole('button', { name: 'Create market' }).click();
    const maxError = page.locator('form[aria-label="New market"] [role="alert"]').first();
    await poll(() => maxError.textContent()).toMatch(/tick|decimal/i);
    expect(await page.getByLabel('Maximum price').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Market name').inputValue()).toBe('Election');
    await page.getByLabel('Maximum price').fill('1');
    await page.getByRole('button', { name: 'Create market' }).click();
    await poll(() => page.getByText(/Market #\d+ Election created \(bounded, open\)/).isVisible()).toBe(true);
    await poll(() => marketRow(page, 'Election').textContent()).toContain('open');

    // a spot market
    await page.getByLabel('Market name').fill('Gold');
    await page.getByLabel('Kind').selectOption('spot');
    await page.getByLabel('Tick size').fill('0.1');
    await page.getByLabel('Lot size').fill('0.01');
    await page.getByRole('button', { name: 'Create market' }).click();
    await poll(() => page.getByText(/Market #\d+ Gold created \(spot, open\)/).isVisible()).toBe(true);
    const markets = (await w.api(admin, 'GET', `${EX}/markets`)).markets as { id: number; name: string }[];
    const election = markets.find((m) => m.name === 'Election')!.id;
    const gold = markets.find((m) => m.name === 'Gold')!.id;

    // mint: an unknown account next to its field, then 50 into Carol's and Dave's accounts
    await page.getByLabel('Into account id').fill('999999');
    await page.getByLabel('Amount to mint').fill('50');
    await page.getByRole('button', { name: 'Mint' }).click();
    await poll(() => page.getByLabel('Into account id').getAttribute('aria-invalid')).toBe('true');
    for (const u of [carol, dave]) {
      await page.getByLabel('Into account id').fill(String(account[u.email]));
      await page.getByRole('button', { name: 'Mint' }).click();
      await poll(() => page.getByText(`Minted 50 into #${account[u.email]}`).isVisible()).toBe(true);
    }
    expect((await w.api(carol, 'GET', `${EX}/accounts`)).accounts[0].cash).toBe('50');

    // deposit 2 of Gold into Carol's account
    await page.getByLabel('Market to settle or fund').selectOption(String(gold));
    await page.getByLabel('Deposit into account id').fill(String(account[carol.email]));
    await page.getByLabel('Asset size').fill('2');
    await page.getByRole('button', { name: 'Deposit asset' }).click();
    await expect
      .poll(() => page.getByText(`Deposited 2 into #${account[carol.email]}: position 2`).isVisible())
      .toBe(true);

    // Carol rests a bid, then the market is paused: new orders refused, the book kept
    await w.api(carol, 'POST', `${EX}/orders`, { marketId: election, side: 'buy', size: '10', price: '0.6' });
    await page.getByRole('button', { name: 'Pause Election' }).click();
    await poll(() => marketRow(page, 'Election').textContent()).toContain('paused');
    await expect(
      w.api(carol, 'POST', `${EX}/orders`, { marketId: election, side: 'buy', size: '1', price: '0.5' }),
    ).rejects.toThrow(/409 .*market-paused/);
    expect((await w.api(carol, 'GET', `${EX}/markets/${election}`)).book.bids).toEqual([
      { price: '0.6', size: '10', orders: 1 },
    ]);
    const c = await signedIn(w, carol, 390, 844);
    await c.page.goto(`${w.base}/exchange?m=${election}`);
    await poll(() => c.page.getByTestId('market-title').textContent()).toBe('Election');
    await c.page.getByLabel('Price', { exact: true }).fill('0.5');
    await c.page.getByLabel('Size').fill('1');
    await c.page.getByRole('button', { name: 'Place order' }).click();
    await poll(() => c.page.getByText('The market is paused: it takes no new orders').isVisible()).toBe(true);

    // resume: orders are taken again, and Carol's page follows live
    await page.getByRole('button', { name: 'Resume Election' }).click();
    await poll(() => marketRow(page, 'Election').textContent()).toContain('open');
    await c.page.getByRole('button', { name: 'Place order' }).click();
    await poll(() => c.page.getByTestId('order-result').textContent()).toMatch(/^Order #\d+ open: buy 1 @ 0\.5/);
    await w.api(dave, 'POST', `${EX}/orders`, { marketId: election, side: 'sell', size: '4', price: '0.6' });
    await poll(() => c.page.locator('table[aria-label="Positions"]').textContent()).toBe('Election4Gold2');

    // settle Election at 1: Carol's 4 pay 4; the market closes
    await page.getByLabel('Market to settle or fund').selectOption(String(election));
    await page.getByLabel('Settlement price').fill('2');
    await page.getByRole('button', { name: 'Settle market' }).click();
    await poll(() => page.getByText(/must be within \[0, 1\]/).isVisible()).toBe(true);
    await page.getByLabel('Settlement price').fill('1');
    await page.getByRole('button', { name: 'Settle market' }).click();
    await poll(() => page.getByText('Election settled at 1: 2 positions paid').isVisible()).toBe(true);
    await poll(() => marketRow(page, 'Election').textContent()).toContain('closed');
    await poll(() => c.page.getByTestId('cash').textContent()).toBe('51.6'); // 50 − 4 × 0.6 + 4 × 1
    await c.context.close();

    // close Gold (with a confirmation)
    await page.getByRole('button', { name: 'Close Gold' }).click();
    await page.getByRole('button', { name: 'Confirm closing Gold' }).click();
    await poll(() => marketRow(page, 'Gold').textContent()).toContain('closed');

    // settle Carol's auction to Dave at 3
    const auction = await w.api(carol, 'POST', `${EX}/auctions`, { title: 'Painting', minBid: '1' });
    await page.reload();
    await page.getByLabel('Open auction').selectOption(String(auction.id));
    await page.getByLabel('Buyer account id').fill(String(account[dave.email]));
    await page.getByLabel('Settlement amount').fill('3');
    await page.getByRole('button', { name: 'Settle auction' }).click();
    await expect
      .poll(() => page.getByText(`Auction #${auction.id} sold to #${account[dave.email]} for 3`).isVisible())
      .toBe(true);

    // grant admin to Carol; the audit log shows it; health and replay state
    await page.getByRole('button', { name: `Grant admin to ${carol.email}` }).click();
    await page.getByRole('button', { name: `Revoke admin from ${carol.email}` }).waitFor();
    await page.reload();
    await poll(() => page.locator('table[aria-label="Audit log"]').textContent()).toContain('admin-granted');
    await page.getByLabel('Filter by action').fill('admin-granted');
    await poll(() => page.locator('table[aria-label="Audit log"] tbody tr').count()).toBe(1);
    const health = page.getByTestId('health');
    await poll(() => health.textContent()).toMatch(/Database(pglite|postgres)/);
    await poll(() => health.textContent()).toContain('replay:BTC-USD');
    await poll(() => health.textContent()).toMatch(/Feed breakerclosed/);
    await poll(() => health.textContent()).toContain('BTC-USD 1h');
    await w.shot(page, 'admin-1280');
    await context.close();

    const now = await signedIn(w, carol);
    await now.page.getByRole('link', { name: 'Admin' }).click();
    await now.page.getByRole('heading', { name: 'Admin' }).waitFor();
    await now.context.close();
  }, 180_000);

  it('gives a non-admin no Admin link and no Admin page', async () => {
    const { context, page } = await signedIn(w, dave);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto(`${w.base}/admin`);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await poll(() => new URL(page.url()).pathname).toBe('/trade');
    await expect(w.api(dave, 'GET', '/api/v1/admin/users')).rejects.toThrow(/403/);
    await expect(w.api(dave, 'POST', `${EX}/markets/1/status`, { status: 'paused' })).rejects.toThrow(/403/);
    await context.close();
  }, 180_000);

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const { context, page } = await signedIn(w, admin, 390, 844);
    await page.goto(`${w.base}/admin`);
    await page.getByRole('heading', { name: 'Admin' }).waitFor();
    await page.locator('table[aria-label="Users"]').waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'admin-390');
    await context.close();
  }, 180_000);

  it('logged no console error', () => {
    // the refusals this test provokes on purpose (401 before sign-in, 404/422 answers) are logged by Chromium
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*(40[0149]|422)/.test(e))).toEqual([]);
  });
});
