/**
 * Live trading from the Desk, end to end against the simulated exchange's Binance gateway (issue 10's "Done when"):
 * in Chromium a trader adds a "Simulated exchange" connection on the Account page with an API key of their own
 * exchange account (a wrong secret is refused first, with the venue's reason), chooses it on the Trade page, places
 * a long limit bracket (entry, stop, target typed in the ticket) and confirms it. A counterparty on the exchange
 * fills the entry; the Positions page shows the position through the connection with its stop and target live on
 * the venue (client order ids). The counterparty trades through the stop; the trade shows closed on the Trades page
 * at −1R. Screenshots at 1280×800 (`test-artifacts/desk/live-*.png`); the connections section fits 390 px.
 *
 * The trader's exchange account: 10,000 USD and 1 TST; market TST/USD, tick 0.01, lot 0.1, no fees. With the
 * default protocol (1 % risk per trade) a long at 100.00 with its stop at 98.00 is 50 TST (risk 100 USD).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { cashUser, limitOrder, spotMarket, type CashUser } from '../../src/server/binance/test-world.ts';
import {
  ARTIFACTS,
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  waitLive,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

const ENTRY = '100.00';
const STOP = '98.00';
const TARGET = '104.00';
const LABEL = 'sim main';

interface TradeView {
  id: number;
  status: string;
  qty: string;
  connectionId?: number | null;
  rMultiple: number | null;
  exitReason: string | null;
  orders: { leg: string; status: string; clientOrderId?: string | null; filledQty?: string | null }[];
}

describe.skipIf(!canRunDesk)('live trading from the Desk against the simulated exchange', { timeout: 300_000 }, () => {
  let w: DeskWorld;
  let trader: DeskUser;
  let marketId: number;
  let traderAccount: number;
  let key: { apiKey: string; secret: string };
  let bidder: CashUser;
  let seller: CashUser;
  let context: BrowserContext;
  let page: Page;
  let connectionId: number;
  let tradeId: number;

  const trade = async (): Promise<TradeView> => w.api(trader, 'GET', `/api/v1/trades/${tradeId}`) as Promise<TradeView>;

  beforeAll(async () => {
    process.env.TESTUDO_SECRET_KEY ??= randomBytes(32).toString('hex');
    w = await openDeskWorld({ warmup: 24 });
    const admin = await w.user('admin@live.test', true);
    trader = await w.user('trader@live.test');
    marketId = await spotMarket(w.ctx, admin.id, { name: 'Testudo coin', symbol: 'TSTUSD', baseAsset: 'TST' });
    // the trader's own simulated-exchange account: cash for the long, a little of the base asset
    traderAccount = (await w.ctx.exchange.accounts(trader.id))[0]!.id as number;
    await w.ctx.exchange.transfer({ id: admin.id, isAdmin: true }, null, traderAccount, '10000');
    await w.ctx.exchange.depositAsset(marketId, traderAccount, '1');
    key = await w.api(trader, 'POST', `/api/v1/exchange/accounts/${traderAccount}/api-keys`, {
      label: 'testudo desk',
      permission: 'trade',
    });
    // counterparties: one rests bids, one sells
    bidder = await cashUser(w.ctx, 'bidder@live.test', false, '100000');
    seller = await cashUser(w.ctx, 'seller@live.test', false, '0');
    await w.ctx.exchange.depositAsset(marketId, seller.account, '500');
    ({ context, page } = await w.page(1280, 800));
    page.setDefaultTimeout(30_000);
    await w.signIn(page, trader);
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await w?.close();
  });

  it('adds a Simulated exchange connection on the Account page; a wrong secret is refused with the reason', async () => {
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.getByText('No exchange connections yet', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add connection' }).click();
    const form = page.getByRole('form', { name: 'Add an exchange connection' });
    expect(await form.getByLabel('Venue', { exact: true }).inputValue()).toBe('sim');
    // nothing typed: each field says what it needs, nothing is sent
    await form.getByRole('button', { name: 'Test and add connection' }).click();
    await expect.poll(() => form.getByText('is required').count()).toBe(3);
    expect(await form.getByLabel('API secret', { exact: true }).getAttribute('type')).toBe('password');

    await form.getByLabel('Label', { exact: true }).fill(LABEL);
    await form.getByLabel('API key', { exact: true }).fill(key.apiKey);
    await form.getByLabel('API secret', { exact: true }).fill('not-the-secret');
    await form.getByRole('button', { name: 'Test and add connection' }).click();
    const refusal = form.getByRole('alert').filter({ hasText: 'invalid-credentials' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('The venue refused the credentials');
    expect((await w.api(trader, 'GET', '/api/v1/connections')).connections).toEqual([]);
    await w.shot(page, 'live-connection-refused-1280');

    await form.getByLabel('API secret', { exact: true }).fill(key.secret);
    await form.getByRole('button', { name: 'Test and add connection' }).click();
    await page.getByTestId('connection-added').waitFor();
    const [c] = (await w.api(trader, 'GET', '/api/v1/connections')).connections as { id: number; label: string }[];
    expect(c!.label).toBe(LABEL);
    connectionId = c!.id;
    const item = page.getByTestId(`connection-${connectionId}`);
    expect(await item.textContent()).toContain('Simulated exchange');
    expect(await item.getByTestId('connection-status').textContent()).toBe('active');
    expect(await item.getByTestId('connection-breaker').textContent()).toBe('breaker closed');
    // the secret is never shown again
    expect(await page.content()).not.toContain(key.secret);
    await item.getByRole('button', { name: 'Test' }).click();
    await expect.poll(() => item.getByTestId('connection-test-ok').textContent()).toContain('USD 10000');
    await w.shot(page, 'live-connection-added-1280');
  });

  it('fits a 390 px screen: the connections section and the ticket through a connection do not scroll sideways', async () => {
    const narrow = await w.page(390, 844);
    await w.signIn(narrow.page, trader);
    await narrow.page.goto(w.base + '/account');
    await narrow.page.getByTestId(`connection-${connectionId}`).waitFor();
    await narrow.page.getByRole('button', { name: 'Add connection' }).click();
    await narrow.page.getByRole('form', { name: 'Add an exchange connection' }).waitFor();
    await expectNoHorizontalScroll(narrow.page);
    await w.shot(narrow.page, 'live-connections-390');
    await narrow.page
      .locator('div.rounded-lg', { has: narrow.page.getByRole('heading', { name: 'Exchange connections' }) })
      .screenshot({ path: `${ARTIFACTS}live-connections-390-section.png` });
    // the ticket with the connection chosen fits too
    await narrow.page.goto(w.base + '/trade');
    await narrow.page.getByLabel('Trade on', { exact: true }).selectOption({ label: `${LABEL} · Simulated exchange` });
    await narrow.page.getByTestId('trade-on-note').waitFor();
    await expectNoHorizontalScroll(narrow.page);
    await w.shot(narrow.page, 'live-trade-390');
    await narrow.context.close();
  });

  it('places a long limit bracket through the connection from the Trade page', async () => {
    await page.getByRole('link', { name: 'Trade', exact: true }).click();
    const ticket = page.getByRole('form', { name: 'Order ticket' });
    await ticket.getByLabel('Trade on', { exact: true }).selectOption({ label: `${LABEL} · Simulated exchange` });
    await page.getByTestId('trade-on-note').waitFor();
    const symbol = page.getByLabel('Symbol', { exact: true });
    await expect.poll(() => symbol.inputValue()).toBe('TST/USD');
    await ticket.getByRole('button', { name: 'Long' }).click();
    expect(await ticket.getByRole('button', { name: 'limit' }).getAttribute('aria-pressed')).toBe('true');
    await ticket.getByLabel('Entry', { exact: true }).fill(ENTRY);
    await ticket.getByLabel('Stop', { exact: true }).fill(STOP);
    await ticket.getByLabel('Target', { exact: true }).fill(TARGET);
    await expect.poll(() => ticket.getByTestId('ticket-qty').textContent()).toBe('50 TST');
    expect(await ticket.getByTestId('ticket-risk').textContent()).toContain('100.00 USD');
    await ticket.getByTestId('place').click();
    await ticket.getByTestId('confirm-summary').waitFor();
    await w.shot(page, 'live-ticket-armed-1280');
    await ticket.getByTestId('place').click();
    const placed = ticket.getByTestId('placed');
    await placed.waitFor();
    tradeId = Number(/#(\d+)/.exec((await placed.textContent())!)![1]);
    const t = await trade();
    expect(t.connectionId).toBe(connectionId);
    expect(t.status).toBe('pending');
    expect(t.qty).toBe('50');
    await w.shot(page, 'live-placed-1280');
  });

  it('shows the filled entry as a position with its stop and target live on the venue', async () => {
    // the counterparty sells into the resting entry
    await limitOrder(w.ctx, seller, marketId, 'sell', ENTRY, '50');
    await page.getByRole('link', { name: 'Positions', exact: true }).click();
    const card = page.getByTestId(`position-${tradeId}`);
    await card.waitFor();
    expect(await card.getByTestId('via-connection').textContent()).toBe(`via ${LABEL}`);
    await expect.poll(() => card.getByTestId('leg-entry').textContent()).toContain('filled');
    await expect.poll(() => card.getByTestId('leg-stop').textContent()).toContain('open');
    await expect.poll(() => card.getByTestId('leg-target').textContent()).toContain('open');
    expect(Number(await card.getByTestId('leg-stop').getByTestId('leg-price').textContent())).toBe(Number(STOP));
    expect(Number(await card.getByTestId('leg-target').getByTestId('leg-price').textContent())).toBe(Number(TARGET));
    const ids = await card.getByTestId('client-order-id').allTextContents();
    expect(ids.some((s) => /^tdo\d+e · filled 50 of 50/.test(s))).toBe(true);
    expect(ids.some((s) => /^tdo\d+s0 /.test(s))).toBe(true);
    // the exits really are on the venue: the trader's live orders on the exchange, a sell stop and a sell target
    const live = (await w.api(trader, 'GET', '/api/v1/exchange/orders?live=true')).orders as {
      side: string;
      type: string;
      price: string | null;
      stopPrice?: string | null;
    }[];
    expect(live.filter((o) => o.side === 'sell')).toHaveLength(2);
    await w.shot(page, 'live-position-1280');
  });

  it('closes at the stop on the venue and lands in the journal at −1R', async () => {
    // a bid at the stop, then a trade through it: the stop triggers and sells into the bid
    await limitOrder(w.ctx, bidder, marketId, 'buy', STOP, '60');
    await limitOrder(w.ctx, seller, marketId, 'sell', STOP, '0.1');
    await expect.poll(async () => (await trade()).status, { timeout: 30_000 }).toBe('closed');
    const t = await trade();
    expect(t.exitReason).toBe('stop');
    expect(t.rMultiple).toBeCloseTo(-1, 6);
    // the target left on the venue is cancelled (by the venue's OCO or by Testudo)
    await expect
      .poll(async () => (await trade()).orders.find((o) => o.leg === 'target')?.status, { timeout: 15_000 })
      .toBe('cancelled');
    await expect.poll(() => page.getByTestId(`position-${tradeId}`).count()).toBe(0);
    await page.getByRole('link', { name: 'Trades', exact: true }).click();
    const row = page.locator(`tbody tr[data-trade-id="${tradeId}"]`);
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('closed');
    expect(await row.textContent()).toContain('-1.00R');
    await w.shot(page, 'live-trades-1280');
    await row.locator('a').first().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/trades/${tradeId}`);
    const panel = page.getByTestId('trade-detail');
    await panel.waitFor();
    expect(await panel.getByTestId('via-connection').textContent()).toBe(`via ${LABEL}`);
    await expect.poll(() => panel.getByTestId('client-order-id').count()).toBeGreaterThanOrEqual(3);
    await w.shot(page, 'live-journal-1280');
  });

  it("shows the venue's reason when it refuses the entry, and the trade is rejected", async () => {
    // the trader's own bid on the exchange, placed outside Testudo, locks most of the cash the entry needs
    const lock = await limitOrder(w.ctx, { id: trader.id, account: traderAccount }, marketId, 'buy', '1.00', '9000');
    await page.getByRole('link', { name: 'Trade', exact: true }).click();
    const ticket = page.getByRole('form', { name: 'Order ticket' });
    await ticket.getByLabel('Trade on', { exact: true }).selectOption({ label: `${LABEL} · Simulated exchange` });
    await expect.poll(() => page.getByLabel('Symbol', { exact: true }).inputValue()).toBe('TST/USD');
    await ticket.getByRole('button', { name: 'Long' }).click();
    await ticket.getByLabel('Entry', { exact: true }).fill(ENTRY);
    await ticket.getByLabel('Stop', { exact: true }).fill(STOP);
    await ticket.getByLabel('Target', { exact: true }).fill(TARGET);
    await expect.poll(() => ticket.getByTestId('ticket-qty').textContent()).toMatch(/TST$/);
    await ticket.getByTestId('place').click();
    await ticket.getByTestId('confirm-summary').waitFor();
    await ticket.getByTestId('place').click();
    const refusal = ticket.getByTestId('place-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /^The venue refused the order( \(venue code [^)]*\))?: .*(insufficient|balance)/i,
    );
    await w.shot(page, 'live-venue-refused-1280');
    const rejected = ((await w.api(trader, 'GET', '/api/v1/trades')).trades as TradeView[]).filter(
      (t) => t.status === 'rejected',
    );
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.connectionId).toBe(connectionId);
    await w.ctx.exchange.cancelOrder(trader.id, (lock.order as { id: number }).id);
  });

  it("imports the connection's history with its progress, disables it, and deletes it after a confirmation", async () => {
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    const item = page.getByTestId(`connection-${connectionId}`);
    await waitLive(page);
    const jobs = async () =>
      (await w.api(trader, 'GET', `/api/v1/connections/${connectionId}/imports`)).imports as { status: string }[];
    const before = (await jobs()).length; // adding the connection queued one
    await item.getByRole('button', { name: 'Import history' }).click();
    await expect.poll(async () => (await jobs()).length).toBe(before + 1);
    await expect.poll(async () => (await jobs())[0]!.status, { timeout: 30_000 }).toBe('done');
    await expect
      .poll(() => item.getByTestId('connection-import').textContent(), { timeout: 30_000 })
      .toMatch(/^Import done: \d+ fills? read/);
    await w.shot(page, 'live-import-done-1280');

    await item.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => item.getByTestId('connection-status').textContent()).toBe('disabled');
    await page.getByRole('link', { name: 'Trade', exact: true }).click();
    await page.getByRole('form', { name: 'Order ticket' }).waitFor();
    // no active connection: the ticket trades on paper only, without the selector
    expect(await page.getByLabel('Trade on', { exact: true }).count()).toBe(0);
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await item.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => item.getByTestId('connection-status').textContent()).toBe('active');

    await item.getByRole('button', { name: `Delete ${LABEL}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete connection' }).click();
    // the page behind an open modal is aria-hidden (no roles to find): wait until the dialog has closed
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => item.count()).toBe(0);
    expect((await w.api(trader, 'GET', '/api/v1/connections')).connections).toEqual([]);
    // no script error on any page (failed requests the test caused on purpose are not script errors)
    expect(w.consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
