/**
 * Gateway API keys and market symbols on the Desk, in Chromium: an admin creates a spot market with its gateway
 * symbol through the Admin form; Alice sees the symbol in the market list and header, creates an API key on the
 * Exchange page's API keys tab (the secret shown once, gone after Done and after a reload), signs a request to the
 * Binance-compatible gateway (`GET /binance/api/v3/account`, HMAC-SHA256 as Binance documents it) that works, revokes
 * the key after a confirmation, and the same signed request is then refused with Binance's -2015. At 1280 and 390 px
 * wide, without sideways scrolling.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS,
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  waitLive,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

// the secret box's key (a fixed test key: no key file is written beside the data directory)
process.env.TESTUDO_SECRET_KEY ??= '5a'.repeat(32);

const EX = '/api/v1/exchange';

/** `expect.poll` with room for a busy shared machine (the default gives up after 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

/**
 * `GET /binance/api/v3/account` signed with `key` (Binance's SIGNED endpoint security: `signature` = hex
 * HMAC-SHA256 of the query string under the secret, the key in `X-MBX-APIKEY`): the status and the JSON body.
 */
async function signedAccount(base: string, key: { apiKey: string; secret: string }) {
  const query = `timestamp=${Date.now()}&recvWindow=10000`;
  const signature = createHmac('sha256', key.secret).update(query).digest('hex');
  const r = await fetch(`${base}/binance/api/v3/account?${query}&signature=${signature}`, {
    headers: { 'X-MBX-APIKEY': key.apiKey },
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe.skipIf(!canRunDesk)('gateway API keys and market symbols on the Desk', () => {
  let w: DeskWorld;
  let admin: DeskUser;
  let alice: DeskUser;
  let aliceAccount: number;

  async function open(u: DeskUser, width: number, height: number) {
    const { context, page } = await w.page(width, height);
    page.setDefaultTimeout(30_000); // the machine is shared: be patient with a busy CPU
    await w.signIn(page, u);
    return { context, page };
  }

  async function exchange(u: DeskUser, width = 1280, height = 800) {
    const o = await open(u, width, height);
    await o.page.getByRole('link', { name: 'Exchange' }).click();
    await poll(() => o.page.getByRole('status').filter({ hasText: 'Exchange:' }).textContent()).toBe('Exchange: live');
    return o;
  }

  async function keysTab(page: Page) {
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: /^API keys · #/ }).waitFor();
  }

  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 0 });
    admin = await w.user('admin@keys.test', true);
    alice = await w.user('alice@keys.test');
    aliceAccount = (await w.api(alice, 'GET', `${EX}/accounts`)).accounts[0].id as number;
    await w.api(admin, 'POST', `${EX}/transfers`, { fromAccountId: null, toAccountId: aliceAccount, amount: '250' });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('creates a market with its gateway symbol and assets from the Admin form', async () => {
    const { context, page } = await open(admin, 1280, 800);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Admin' }).waitFor();
    await page.getByLabel('Market name').fill('Rain token');
    await page.getByLabel('Kind').selectOption('spot');
    await page.getByLabel('Symbol').fill('rain usd');
    await page.getByLabel('Tick size').fill('0.01');
    await page.getByLabel('Lot size').fill('1');
    await page.getByRole('button', { name: 'Create market' }).click();
    // the form's own check, next to the field, before anything is sent
    const symbolError = page.locator('form[aria-label="New market"] [role="alert"]').first();
    await poll(() => symbolError.textContent()).toMatch(/2 to 20 letters/);
    await page.getByLabel('Symbol').fill('rainusd'); // upper-cased when sent
    await page.getByLabel('Base asset').fill('RAIN');
    await page.getByRole('button', { name: 'Create market' }).click();
    await poll(() =>
      page.getByText(/Market #\d+ Rain token created \(spot, open\), symbol RAINUSD \(RAIN\/USD\)/).isVisible(),
    ).toBe(true);
    // a taken symbol: the server's refusal next to the field
    await page.getByLabel('Market name').fill('Rain token two');
    await page.getByLabel('Symbol').fill('RAINUSD');
    await page.getByRole('button', { name: 'Create market' }).click();
    await poll(() => page.getByLabel('Symbol').getAttribute('aria-invalid')).toBe('true');
    const m = (await w.api(admin, 'GET', `${EX}/markets`)).markets as Record<string, unknown>[];
    expect(m.map((x) => [x.name, x.symbol, x.baseAsset, x.quoteAsset])).toEqual([
      ['Rain token', 'RAINUSD', 'RAIN', 'USD'],
    ]);
    await w.shot(page, 'admin-market-symbol-1280');
    await context.close();
  }, 120_000);

  it('creates a key shown once, signs a gateway request with it, lists it and revokes it (then -2015)', async () => {
    const { context, page } = await exchange(alice);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: w.base });

    // the market's symbol in the list and in the header
    await poll(() => page.locator('table[aria-label="Markets"] tbody tr').first().textContent()).toContain('RAINUSD');
    await poll(() => page.getByTestId('market-symbol').textContent()).toBe('RAINUSD · RAIN/USD');

    await keysTab(page);
    await poll(() => page.getByText('No API key for this account yet.').isVisible()).toBe(true);
    await poll(() => page.getByTestId('gateway-url').textContent()).toBe(`${w.base}/binance`);
    expect(await page.getByTestId('bot-command').textContent()).toBe(
      `testudo bot market-maker --market RAINUSD --account-key KEY:SECRET --url ${w.base}`,
    );

    await page.getByLabel('Key label').fill('market maker');
    await page.getByLabel('Permission').selectOption('trade');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const box = page.getByRole('region', { name: 'New API key' });
    await box.waitFor();
    expect(await box.getByRole('alert').textContent()).toMatch(/shown only once/);
    const apiKey = (await box.getByLabel('API key', { exact: true }).textContent())!;
    const secret = (await box.getByLabel('Secret', { exact: true }).textContent())!;
    expect(apiKey).toMatch(/^[A-Za-z0-9]{32,}$/);
    expect(secret).toMatch(/^[A-Za-z0-9]{32,}$/);
    // another key cannot be made while a secret is on screen
    expect(await page.getByRole('button', { name: 'Create API key' }).isDisabled()).toBe(true);
    await box.getByRole('button', { name: 'Copy secret' }).click();
    await poll(() => box.getByText('Copied.').isVisible()).toBe(true);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);

    const row = page.locator('table[aria-label="API keys"] tbody tr', { hasText: 'market maker' });
    await poll(() => row.locator('td').allTextContents()).toEqual([
      'market maker',
      `${apiKey.slice(0, 6)}…${apiKey.slice(-6)}`,
      'trade',
      expect.stringMatching(/\d/),
      'never',
      'Revoke',
    ]);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'api-keys-secret-1280');

    // the key works against the gateway: Alice's USD balance
    const ok = await signedAccount(w.base, { apiKey, secret });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const balances = ok.body.balances as { asset: string; free: string; locked: string }[];
    expect(balances.find((b) => b.asset === 'USD')).toMatchObject({ free: expect.stringMatching(/^250(\.0+)?$/) });

    // Done drops the secret; the list never carries it; a reload does not bring it back
    await box.getByRole('button', { name: 'Done' }).click();
    await box.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    const listed = await w.api(alice, 'GET', `${EX}/accounts/${aliceAccount}/api-keys`);
    expect(JSON.stringify(listed)).not.toContain(secret);
    await page.reload();
    await keysTab(page);
    await poll(() => row.locator('td').nth(4).textContent()).toMatch(/\d/); // last used: by the signed request
    expect(await page.content()).not.toContain(secret);
    await w.shot(page, 'api-keys-list-1280');

    // revoke, after a confirmation that can be declined
    await row.getByRole('button', { name: 'Revoke API key market maker' }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.textContent()).toContain('-2015');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await row.count()).toBe(1);
    await row.getByRole('button', { name: 'Revoke API key market maker' }).click();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'detached' });
    await poll(() => page.getByText('No API key for this account yet.').isVisible()).toBe(true);

    const refused = await signedAccount(w.base, { apiKey, secret });
    expect([refused.status, refused.body.code]).toEqual([401, -2015]);
    await context.close();
  }, 180_000);

  it('fits 390 px: the secret box, the list and the hint without sideways scrolling', async () => {
    const { context, page } = await exchange(alice, 390, 844);
    await keysTab(page);
    await page.getByLabel('Key label').fill('phone read-only key with a long label');
    await page.getByLabel('Permission').selectOption('read');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const box = page.getByRole('region', { name: 'New API key' });
    await box.waitFor();
    await poll(() => page.locator('table[aria-label="API keys"] tbody tr').count()).toBe(1);
    await expectNoHorizontalScroll(page);
    await box.scrollIntoViewIfNeeded();
    await w.shot(page, 'api-keys-390');
    const panel = page.getByRole('heading', { name: /^API keys · #/ }).locator('xpath=../..');
    await panel.screenshot({ path: `${ARTIFACTS}api-keys-panel-390.png` });
    const key = { apiKey: (await box.getByLabel('API key', { exact: true }).textContent())!, secret: '' };
    key.secret = (await box.getByLabel('Secret', { exact: true }).textContent())!;
    expect((await signedAccount(w.base, key)).status).toBe(200); // a read key reads
    await box.getByRole('button', { name: 'Done' }).click();
    await box.waitFor({ state: 'detached' });
    await expectNoHorizontalScroll(page);
    await context.close();
  }, 120_000);

  it("shares an account, lists its owners and removes one; Bob's open page follows both live", async () => {
    const bob = await w.user('bob@keys.test');
    const b = await exchange(bob, 390, 844);
    await waitLive(b.page);
    expect(await b.page.getByLabel('Trading account').count()).toBe(0); // one account: no picker

    const a = await exchange(alice);
    await waitLive(a.page);
    const pa = a.page;
    await pa.getByRole('tab', { name: 'Accounts' }).click();
    await pa.getByLabel('New alt account name').fill('Shared desk');
    await pa.getByRole('button', { name: 'Create alt account' }).click();
    await poll(() => pa.getByText(/Alt account #\d+ Shared desk created/).isVisible()).toBe(true);
    const alt = (await w.api(alice, 'GET', `${EX}/accounts`)).accounts.find(
      (x: { name: string }) => x.name === 'Shared desk',
    ).id as number;
    await pa.locator('form[aria-label="Add owner"]').getByLabel('Account').selectOption(String(alt));
    const owners = pa.getByRole('region', { name: `Owners of account ${alt}` });
    const ownerRows = () => owners.locator('li').allTextContents();
    await poll(ownerRows).toEqual([`${alice.email} (you)`]); // the last owner: no Remove
    await pa.getByLabel('Co-owner e-mail').fill(bob.email);
    await pa.getByRole('button', { name: 'Add owner' }).click();
    await poll(ownerRows).toEqual([`${alice.email} (you)Leave`, `${bob.email}Remove`]);

    // Bob's open page: the shared account appears in his picker without a reload
    const picker = b.page.getByLabel('Trading account');
    await poll(() => picker.locator('option').allTextContents()).toContain(`#${alt} Shared desk (alt)`);
    await w.shot(pa, 'exchange-owners-1280');
    // the server lists the owners: still there after a reload
    await pa.reload();
    await pa.getByRole('tab', { name: 'Accounts' }).click();
    await pa.locator('form[aria-label="Add owner"]').getByLabel('Account').selectOption(String(alt));
    await poll(ownerRows).toEqual([`${alice.email} (you)Leave`, `${bob.email}Remove`]);

    // Alice removes Bob, after a confirmation
    await owners.getByRole('button', { name: `Remove owner ${bob.email}` }).click();
    const dialog = pa.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Remove owner' }).click();
    await dialog.waitFor({ state: 'detached' });
    await poll(ownerRows).toEqual([`${alice.email} (you)`]);
    await poll(() => pa.getByText(`${bob.email} no longer owns account #${alt}`).isVisible()).toBe(true);
    expect((await w.api(bob, 'GET', `${EX}/accounts`)).accounts.map((x: { id: number }) => x.id)).not.toContain(alt);
    // and Bob's page drops it live
    await poll(() => picker.count()).toBe(0);
    await expectNoHorizontalScroll(b.page);
    await a.context.close();
    await b.context.close();
  }, 180_000);

  it('logged no console error', () => {
    // the refusals provoked on purpose (the taken symbol's 409) are logged by Chromium
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*(40[19]|422)/.test(e))).toEqual([]);
  });
});
