/**
 * The Account page in Chromium against the real server: the risk-profile editor (tightening applies at once,
 * loosening waits with its effective time and can be cancelled, a value above the hard ceiling gives the field error
 * next to the field and keeps what was typed), the halt and its reset, the audit trail, API tokens (shown once,
 * with scopes and expiry, listed with
 * last use, revoked; the admin scope offered to admins only), the admin candle import with its progress bar reaching done (and the bars served by
 * GET /candles), the non-admin explanation, and the layout at 1280 and 390 px wide.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS,
  canRunDesk,
  expectNoHorizontalScroll,
  openDeskWorld,
  type DeskUser,
  type DeskWorld,
} from './world.ts';

/** 48 hourly bars of a made-up symbol, in the generic CSV format. */
function candleCsv(n: number): string {
  const rows = ['time,open,high,low,close,volume'];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const o = 100 + i;
    rows.push(`${new Date(t0 + i * 3_600_000).toISOString()},${o},${o + 2},${o - 1},${o + 1},${10 + i}`);
  }
  return rows.join('\n') + '\n';
}

async function openAccount(w: DeskWorld, page: Page, u: DeskUser): Promise<void> {
  await w.signIn(page, u);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Testudo Protocol' }).waitFor();
}

describe.skipIf(!canRunDesk)('the Account page in Chromium', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let admin: DeskUser;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 30 });
    alice = await w.user('alice@account.test');
    admin = await w.user('root@account.test', true);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('tightens risk per trade at once, schedules a loosening with its effective time, and cancels it', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, alice);
    const risk = page.getByLabel('Risk per trade', { exact: true });
    await expect.poll(() => risk.inputValue()).toBe('1');
    await expect
      .poll(() => page.getByText('A stop-out costs you about 100.00 USDT (1% of 10,000.00 USDT)').count())
      .toBe(1);

    await risk.fill('0.5');
    await page.getByText('Tighter: applies at once when you save.').waitFor();
    await page.getByText('A stop-out costs you about 50.00 USDT').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Applied now: Risk per trade.').waitFor();
    expect((await w.api(alice, 'GET', '/api/v1/risk-profile')).profile.riskPerTradePct).toBe('0.5');
    expect(await risk.inputValue()).toBe('0.5');

    await risk.fill('1.5');
    await page.getByText(/Looser: takes effect 24 hours after you save/).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    const pending = page.getByTestId('pending-riskPerTradePct');
    await pending.waitFor();
    const view = await w.api(alice, 'GET', '/api/v1/risk-profile');
    expect(view.profile.riskPerTradePct).toBe('0.5');
    const effectiveAt = view.pending[0].effectiveAt as string;
    // 24 h on the server's clock (the replay's time in this world)
    expect(Date.parse(effectiveAt) - Date.parse(view.pending[0].requestedAt as string)).toBe(24 * 3_600_000);
    const shown = effectiveAt.slice(0, 16).replace('T', ' ');
    expect(await pending.textContent()).toContain(`Pending: 1.5% from ${shown} UTC`);
    await page.getByText(`Waiting for the cooling-off period: Risk per trade, effective ${shown} UTC.`).waitFor();
    // the value in force is still the tightened one
    expect(await risk.inputValue()).toBe('0.5');

    const audit = page.getByRole('list', { name: 'Audit trail' });
    await audit.getByText('Tightened at once: Risk per trade 1% → 0.5%').waitFor();
    await audit.getByText(`Loosening requested: Risk per trade 0.5% → 1.5%, effective ${shown} UTC`).waitFor();
    await w.shot(page, 'account-1280');

    await pending.getByRole('button', { name: /Cancel the pending change/ }).click();
    await expect.poll(() => pending.count()).toBe(0);
    await audit.getByText('Pending change cancelled (cancelled by you): Risk per trade → 1.5%').waitFor();
    expect((await w.api(alice, 'GET', '/api/v1/risk-profile')).pending).toEqual([]);

    // two loosenings at once, both cancelled together
    await risk.fill('1.5');
    await page.getByLabel('Daily loss limit').fill('4');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('pending-dailyLossLimitPct').waitFor();
    await page.getByRole('button', { name: 'Cancel all pending changes' }).click();
    await expect.poll(() => page.locator('[data-testid^="pending-"]').count()).toBe(0);
    expect((await w.api(alice, 'GET', '/api/v1/risk-profile')).pending).toEqual([]);
    await context.close();
  });

  it('shows the hard-ceiling error next to the field and keeps the typed value', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, alice);
    const risk = page.getByLabel('Risk per trade', { exact: true });
    const inForce = (await w.api(alice, 'GET', '/api/v1/risk-profile')).profile.riskPerTradePct as string;
    await risk.fill('3');
    await page.getByText('Above the hard ceiling of 2%: the server will refuse it.').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => risk.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await risk.getAttribute('aria-describedby'))!.split(' ').find((id) => id.endsWith('-err'))!;
    const error = page.locator(`[id="${errorId}"]`);
    expect(await error.textContent()).toMatch(/^Must not exceed the hard ceiling of 2\b/);
    expect(await risk.inputValue()).toBe('3');
    expect((await w.api(alice, 'GET', '/api/v1/risk-profile')).profile.riskPerTradePct).toBe(inForce);
    await w.shot(page, 'account-ceiling-error');

    // a value that is not a number is caught before sending, next to its field, and kept
    const positions = page.getByLabel('Max open positions');
    await positions.fill('2.5');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => positions.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('Enter a whole number').waitFor();
    expect(await positions.inputValue()).toBe('2.5');
    expect(await risk.inputValue()).toBe('3');
    await context.close();
  });

  it('shows a halted account and lifts the halt after a confirmation', async () => {
    await w.sql.query('UPDATE accounts SET halted_at = now() WHERE user_id = $1', [alice.id]);
    const { context, page } = await w.page();
    await openAccount(w, page, alice);
    await page.getByText('Trading is halted: the drawdown limit was reached.').waitFor();
    await page.getByRole('button', { name: 'Reset halt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset the drawdown halt?' });
    await dialog.getByRole('button', { name: 'Yes, reset the halt' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => page.getByText('Trading is halted').count()).toBe(0);
    await page
      .getByRole('list', { name: 'Audit trail' })
      .getByText(/Drawdown halt reset/)
      .waitFor();
    expect((await w.api(alice, 'GET', '/api/v1/risk-profile')).state.haltedAt).toBeNull();
    await context.close();
  });

  it('creates a read-only API token expiring in 30 days, shown once, lists it with its last use and revokes it', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, alice);
    // read and trade by default; no admin scope for a non-admin
    expect(await page.getByRole('checkbox', { name: /^Read/ }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^Trade/ }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^Admin/ }).count()).toBe(0);
    await page.getByLabel('Token name').fill('ci script');
    await page.getByRole('checkbox', { name: /^Trade/ }).uncheck();
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByLabel('New token').textContent())!.trim();
    expect(secret).toMatch(/^tdo_/);
    const bearer = { authorization: `Bearer ${secret}` };
    const me = await w.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer });
    expect(me.statusCode).toBe(200);
    const write = await w.app.inject({ method: 'POST', url: '/api/v1/auth/onboarded', headers: bearer });
    expect([write.statusCode, write.json<{ error: { code: string } }>().error.code]).toEqual([
      403,
      'insufficient-scope',
    ]);
    const table = page.getByRole('table', { name: 'API tokens' });
    await table.getByRole('cell', { name: 'ci script', exact: true }).waitFor();
    const listed = (await w.api(alice, 'GET', '/api/v1/auth/tokens')).tokens as {
      name: string;
      createdAt: string;
      expiresAt: string;
      scopes: string[];
    }[];
    const created = listed.find((t) => t.name === 'ci script')!;
    expect(created.scopes).toEqual(['read']);
    const utc = (iso: string): string => iso.slice(0, 16).replace('T', ' ');
    await table.getByText(utc(created.createdAt)).first().waitFor();
    const row = table.getByRole('row').filter({ hasText: 'ci script' });

    // shown once: a reload lists it without the secret, with its scopes, expiry and last use
    await page.reload();
    await table.getByRole('cell', { name: 'ci script', exact: true }).waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    await row.getByRole('cell', { name: 'read', exact: true }).waitFor();
    await row.getByText(utc(created.expiresAt)).waitFor();
    await row.getByText('127.0.0.1').waitFor();
    await page.getByRole('heading', { name: 'API tokens' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}account-api-tokens-1280.png` });

    await table.getByRole('button', { name: 'Revoke ci script' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    // the page behind an open modal is aria-hidden (no roles to find): wait until the dialog has closed
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => table.getByRole('cell', { name: 'ci script', exact: true }).count()).toBe(0);
    const after = await w.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(after.statusCode).toBe(401);
    await context.close();
  });

  it('offers the admin scope to an admin', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, admin);
    await page.getByLabel('Token name').fill('ops');
    await page.getByRole('checkbox', { name: /^Admin/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText(/Token “ops” \(read, trade, admin\) created/).waitFor();
    await context.close();
  });

  it('tells a non-admin why the data import is not for them', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, alice);
    await page.getByText(/Only admins can import candle files/).waitFor();
    expect(await page.getByRole('button', { name: 'Upload and import' }).count()).toBe(0);
    await page.getByText('Exchange connections', { exact: true }).waitFor();
    await page.getByText('TradingView extension pairing', { exact: true }).waitFor();
    await context.close();
  });

  it('uploads a candle CSV as admin: progress reaches done and GET /candles serves the bars', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, admin);
    await page.getByLabel('Candle file').setInputFiles({
      name: 'test-usd-1h.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(candleCsv(48)),
    });
    await page.getByLabel('Symbol').fill('TEST-USD');
    await page.getByLabel('Timeframe').selectOption('1h');
    // every value the progress bar takes is recorded
    // every value the progress bar takes is recorded (a string: the test project has no DOM types)
    await page.evaluate(`(() => {
      const seen = (globalThis.seen = []);
      new MutationObserver(() => {
        const v = document.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow');
        if (v != null && seen.at(-1) !== Number(v)) seen.push(Number(v));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 20_000 }).toBe('100');
    const seen = (await page.evaluate('globalThis.seen')) as number[];
    expect(
      seen.some((v) => v > 0 && v < 100),
      `progress values ${seen.join(' ')}`,
    ).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // it only moves forward
    await page.getByTestId('import-status').getByText('Done: 48 candles stored').waitFor();
    await page.getByText(/Imported 48 1h candles of TEST-USD \(48 new, 0 updated, 0 unchanged\)/).waitFor();
    const candles = await w.api(admin, 'GET', '/api/v1/candles?symbol=TEST-USD&timeframe=1h&from=2024-01-01');
    expect(candles.bars).toHaveLength(48);
    expect(candles.bars[0].open).toBe('100');

    // gzipped, format and timeframe detected: the same bars again are unchanged, 24 more are new
    await page.getByLabel('Candle file').setInputFiles({
      name: 'test-usd-1h.csv.gz',
      mimeType: 'application/gzip',
      buffer: gzipSync(candleCsv(72)),
    });
    await page.getByLabel('Timeframe').selectOption('');
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByText(/Imported 72 1h candles of TEST-USD \(24 new, 0 updated, 48 unchanged\)/).waitFor();

    // a bad row: the error names its line
    const bad = candleCsv(5).replace('104,106,103,105', '104,106,103,oops');
    await page
      .getByLabel('Candle file')
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByText(/Import failed\. Line 6: close "oops" is not a number/).waitFor({ timeout: 20_000 });
    await page
      .getByRole('list', { name: 'Audit trail' })
      .getByText(/Candle file uploaded for import: TEST-USD 1h/)
      .first()
      .waitFor();
    await w.shot(page, 'account-import-admin');
    await context.close();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const { context, page } = await w.page(390, 844);
    await openAccount(w, page, admin);
    await page.getByRole('table', { name: 'API tokens' }).or(page.getByText('No API tokens yet.')).first().waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'account-390');
    await context.close();
  });

  it('reads in the light theme', async () => {
    const { context, page } = await w.page();
    await openAccount(w, page, alice);
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await expect.poll(() => page.evaluate('document.documentElement.classList.contains("light")')).toBe(true);
    await w.shot(page, 'account-light-1280');
    await context.close();
  });

  it('logged no console error', () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[01]/.test(e))).toEqual([]);
  });
});
