/**
 * Sessions on the Desk, in Chromium against the real server: the Account page lists where the user is signed in
 * (this browser marked "This device", another device with its browser, system and address), revokes the other
 * session (whose cookies then stop working), keeps working after the 3-second access token of this world expires
 * (the client refreshes on `401 session-expired` and retries the write, with its CSRF token), refuses a write without
 * the CSRF token, and logs out everywhere (back to the sign-in page, no live session left). 1280 and 390 px wide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** `expect.poll` with room for a busy shared machine. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

async function openAccount(w: DeskWorld, page: Page, u: DeskUser): Promise<void> {
  await w.signIn(page, u);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('table', { name: 'Sessions' }).waitFor();
}

/** Signs `u` in from "another device" through the API; returns that session's cookie header. */
async function otherDevice(w: DeskWorld, u: DeskUser): Promise<string> {
  const r = await w.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'user-agent': FIREFOX },
    payload: { email: u.email, password: u.password },
  });
  expect(r.statusCode).toBe(200);
  const raw = r.headers['set-cookie'];
  return (Array.isArray(raw) ? raw : [String(raw)]).map((c) => c.split(';')[0]!).join('; ');
}

async function meStatus(w: DeskWorld, cookie: string): Promise<number> {
  return (await w.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode;
}

describe.skipIf(!canRunDesk)('sessions on the Desk', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 30 });
    alice = await w.user('alice@sessions.test');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('lists this device and another, revokes the other, survives access-token expiry, logs out everywhere', async () => {
    const phone = await otherDevice(w, alice);
    const { context, page } = await w.page();
    page.setDefaultTimeout(30_000);
    // short access tokens from here on: the page must refresh by itself
    w.ctx.auth.sessions.configure({ accessTtlMs: 3_000 });
    try {
      await openAccount(w, page, alice);
      const table = page.getByRole('table', { name: 'Sessions' });
      await poll(() => table.locator('tbody tr').count()).toBe(2);
      const mine = table.locator('tr', { hasText: 'This device' });
      expect(await mine.textContent()).toContain('Headless Chrome on Linux');
      expect(await mine.textContent()).toContain('127.0.0.1');
      const other = table.locator('tr', { hasText: 'Firefox on Windows' });
      expect(await other.textContent()).toContain('Password');
      await w.shot(page, 'sessions-1280');

      // revoke the other device: its cookies stop working
      expect(await meStatus(w, phone)).toBe(200);
      await other.getByRole('button', { name: /^Revoke Firefox on Windows/ }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke session' }).click();
      // the page behind an open modal is aria-hidden (no roles to find): wait until the dialog has closed
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await poll(() => table.locator('tbody tr').count()).toBe(1);
      expect(await meStatus(w, phone)).toBe(401);

      // the access token expires; a write (create an API token) still works: refresh, then retry with the CSRF token
      await page.waitForTimeout(4_000);
      await page.getByLabel('Token name').fill('after expiry');
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByTestId('new-token').waitFor();
      expect((await w.api(alice, 'GET', '/api/v1/auth/tokens')).tokens.map((t: { name: string }) => t.name)).toContain(
        'after expiry',
      );
      // a reload after expiry keeps the user signed in
      await page.waitForTimeout(4_000);
      await page.reload();
      await page.getByRole('table', { name: 'Sessions' }).waitFor();

      // a write without the CSRF token is refused, and changes nothing
      const forged = (await page.evaluate(`fetch('/api/v1/auth/tokens', {
        method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'forged' }),
      }).then(async (r) => [r.status, (await r.json()).error.code])`)) as [number, string];
      expect(forged[0] === 403 || forged[0] === 401).toBe(true);
      if (forged[0] === 403) expect(forged[1]).toBe('csrf-failed');
      expect(
        (await w.api(alice, 'GET', '/api/v1/auth/tokens')).tokens.map((t: { name: string }) => t.name),
      ).not.toContain('forged');

      // at 390 px the section fits without sideways scrolling
      await page.setViewportSize({ width: 390, height: 800 });
      await expectNoHorizontalScroll(page);
      await w.shot(page, 'sessions-390');
      await page.setViewportSize({ width: 1280, height: 800 });

      // log out everywhere: back to the sign-in page, no live session left
      await page.getByRole('button', { name: 'Log out everywhere' }).first().click();
      await page.getByRole('dialog').getByRole('button', { name: 'Log out everywhere' }).click();
      await page.getByLabel('E-mail').waitFor();
      const live = await w.sql.query(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
        [alice.id],
      );
      expect(live[0]!.n).toBe(0);
      const audit = await w.sql.query(`SELECT action FROM audit_log WHERE subject_user_id = $1 ORDER BY id`, [
        alice.id,
      ]);
      expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['session-revoked', 'logout-all']));
    } catch (e) {
      await w.shot(page, 'sessions-failure');
      throw e;
    } finally {
      w.ctx.auth.sessions.configure({ accessTtlMs: 15 * 60_000 });
      await context.close();
    }
    expect(w.consoleErrors.filter((e) => !/401|403|Failed to load resource/.test(e))).toEqual([]);
  });
});
