/**
 * The exchange desk (`desk/`) in a real browser: playwright-core drives Debian's Chromium at /usr/bin/chromium
 * against a listening server, on PGlite by default or PostgreSQL with `TESTUDO_TEST_DB=postgres`. The market is
 * bounded 0..1 with tick 0.01 and lot 1, so a buy of n lots at p reserves n × p of the available cash.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createContext, type AppContext } from '../app/context.ts';
import type { Sql } from '../db/sql.ts';
import { openTestDatabase } from '../db/testing.ts';
import { buildServer } from './app.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`desk.test.ts: skipped, no browser at ${CHROMIUM} (apt-get install chromium)`);

interface Client {
  id: number;
  email: string;
  account: number;
  h: Record<string, string>;
}

let sql: Sql;
let ctx: AppContext;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let page: Page;
let admin: Client;
let alice: Client;
let bob: Client;
let marketId: number;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(who: Client, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<any> {
  const r = await app.inject({
    method,
    url: `/api/v1/exchange${url}`,
    headers: who.h,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  if (r.statusCode >= 300) throw new Error(`${method} ${url} → ${r.statusCode} ${r.body}`);
  return r.json();
}

async function client(email: string, isAdmin = false): Promise<Client> {
  const u = await ctx.auth.register(email, 'password1');
  if (isAdmin) await ctx.auth.setAdmin(email, true);
  const h = { authorization: `Bearer ${await ctx.auth.createApiToken(u.id, 't')}` };
  const c = { id: u.id, email, account: 0, h };
  c.account = (await api(c, 'GET', '/accounts')).accounts[0].id as number;
  return c;
}

describe.skipIf(!hasChromium)('exchange desk in Chromium', () => {
  beforeAll(async () => {
    sql = await openTestDatabase();
    ctx = await createContext({ sql });
    app = await buildServer(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    admin = await client('admin@desk.test', true);
    alice = await client('alice@desk.test');
    bob = await client('bob@desk.test');
    const m = await api(admin, 'POST', '/markets', {
      name: 'Rain tomorrow',
      kind: 'bounded',
      tickSize: '0.01',
      lotSize: '1',
      maxPrice: '1',
    });
    marketId = m.id as number;
    for (const who of [alice, bob])
      await api(admin, 'POST', '/transfers', { fromAccountId: null, toAccountId: who.account, amount: '100' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await sql?.close();
  });

  it('serves the exchange page at /desk/', async () => {
    const html = await app.inject({ method: 'GET', url: '/desk/' });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    const js = await app.inject({ method: 'GET', url: '/desk/desk.js' });
    expect(js.headers['content-type']).toContain('javascript');
  });

  it('logs in, trades, follows the book, trades and portfolio live, cancels, and shows transfer errors', async () => {
    await page.goto(`${base}/desk/`);
    expect(new URL(page.url()).pathname).toBe('/desk/');

    // a wrong password shows the API's error
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('#login-result').textContent()).toMatch(/^\S+: /);

    await page.getByLabel('Password').fill('password1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#desk-view').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#connection').textContent()).toBe('Exchange: live');

    // the market list, then the market
    const link = page.getByRole('button', { name: 'Rain tomorrow' });
    await link.waitFor();
    await link.click();
    await expect.poll(() => page.locator('#market-title').textContent()).toBe('Rain tomorrow');
    await expect.poll(() => page.locator('#book-rows').textContent()).toContain('Empty book');

    // a limit buy of 5 at 0.40 and one of 2 at 0.30, through the form
    const order = async (price: string, size: string): Promise<void> => {
      await page.getByLabel('Side').selectOption('buy');
      await page.getByLabel('Type').selectOption('limit');
      await page.getByLabel('Price').fill(price);
      await page.getByLabel('Size').fill(size);
      await page.getByLabel('Time in force').selectOption('GTC');
      await page.getByRole('button', { name: 'Place order' }).click();
    };
    await order('0.40', '5');
    await expect.poll(() => page.locator('#order-result').textContent()).toMatch(/^Order #\d+ open: buy 5 @ 0\.4/);
    await order('0.30', '2');
    await expect.poll(() => page.locator('#order-result').textContent()).toMatch(/^Order #\d+ open: buy 2 @ 0\.3/);
    await expect
      .poll(() => bookRows(page))
      .toEqual([
        ['5', '0.4', '', ''],
        ['2', '0.3', '', ''],
      ]);
    await expect.poll(() => page.locator('#order-rows tr').count()).toBe(2);
    await expect.poll(() => page.locator('#available').textContent()).toBe('97.4'); // 100 − 5 × 0.4 − 2 × 0.3

    // a post-only sell at 0.40 would cross: refused with the engine's reason, shown on the page
    await page.getByLabel('Side').selectOption('sell');
    await page.getByLabel('Price').fill('0.4');
    await page.getByLabel('Size').fill('1');
    await page.getByLabel('Post-only').check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect.poll(() => page.locator('#order-result').textContent()).toContain('post-only-would-take');
    await page.getByLabel('Post-only').uncheck();

    // an invalid size: the validation error's code and field
    await page.getByLabel('Size').fill('lots');
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect.poll(() => page.locator('#order-result').textContent()).toContain('validation-failed');
    await expect.poll(() => page.locator('#order-result').textContent()).toContain('size');

    // Bob sells 2 at 0.40 into Alice's bid: trade, book, position and cash change without a reload
    await api(bob, 'POST', '/orders', { marketId, side: 'sell', size: '2', price: '0.4' });
    await expect
      .poll(() => page.locator('#trade-rows tr').first().locator('td').allTextContents())
      .toEqual([expect.any(String), '0.4', '2', 'sell']);
    await expect
      .poll(() => bookRows(page))
      .toEqual([
        ['3', '0.4', '', ''],
        ['2', '0.3', '', ''],
      ]);
    await expect.poll(() => page.locator('#cash').textContent()).toBe('99.2'); // 100 − 2 × 0.4
    await expect.poll(() => page.locator('#position-rows').textContent()).toBe('Rain tomorrow2');
    await expect.poll(() => page.locator('#order-rows').textContent()).toMatch(/0\.453open/); // price, size, rest

    // cancel the rest of the 0.40 bid with its button
    const first = page.locator('#order-rows tr', { hasText: '0.4' });
    const id = (await first.getAttribute('data-order-id'))!;
    await page.getByRole('button', { name: `Cancel order ${id}` }).click();
    await expect.poll(() => page.locator('#cancel-result').textContent()).toBe(`Order #${id} cancelled`);
    await expect.poll(() => page.locator('#order-rows tr').count()).toBe(1);
    await expect.poll(() => bookRows(page)).toEqual([['2', '0.3', '', '']]);
    await expect.poll(() => page.locator('#available').textContent()).toBe('98.6'); // 99.2 − 2 × 0.3

    // a transfer beyond the available balance is refused; a small one goes through and is listed
    await page.getByLabel('To account id').fill(String(bob.account));
    await page.getByLabel('Amount').fill('1000');
    await page.getByRole('button', { name: 'Send transfer' }).click();
    await expect.poll(() => page.locator('#transfer-result').textContent()).toMatch(/^insufficient-balance: /);
    await page.getByLabel('Amount').fill('1.5');
    await page.getByRole('button', { name: 'Send transfer' }).click();
    await expect.poll(() => page.locator('#transfer-result').textContent()).toMatch(/^Transfer #\d+: 1\.5 to #/);
    await expect.poll(() => page.locator('#transfer-rows').textContent()).toContain('1.5');
    await expect.poll(() => page.locator('#cash').textContent()).toBe('97.7');

    await page.screenshot({ path: '/tmp/desk.png', fullPage: true });
  });
});

/** The book's rows as [bid size, bid, ask, ask size]. */
async function bookRows(p: Page): Promise<string[][]> {
  const rows = await p.locator('#book-rows tr').all();
  return Promise.all(rows.map((r) => r.locator('td').allTextContents()));
}
