/**
 * The first-run onboarding in Chromium: shown to a new user with the account's own numbers, walked through to
 * "Done" (which lands on the Trade page and records `onboarded` on the server), not shown again after a reload or
 * in a fresh browser; "Skip" marks it done too; layout at 1280 and 390 px wide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

/** Signs in through the form; the onboarding's modal hides the navigation from w.signIn's wait, so none here. */
async function signInForm(w: DeskWorld, page: Page, u: DeskUser): Promise<void> {
  await page.goto(w.base + '/');
  await page.getByLabel('E-mail').fill(u.email);
  await page.getByLabel('Password').fill(u.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe.skipIf(!canRunDesk)('the first-run onboarding in Chromium', () => {
  let w: DeskWorld;
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 30 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('is shown once to a new user, explains the protocol with the account numbers, and ends on Trade', async () => {
    const u = await w.user('newbie@onboarding.test', false, { onboarded: false });
    expect((await w.api(u, 'GET', '/api/v1/auth/me')).onboarded).toBe(false);
    const { context, page } = await w.page();
    await signInForm(w, page, u);
    const dialog = page.getByRole('dialog', { name: 'Welcome to Testudo' });
    await dialog.waitFor();
    await dialog
      .getByText('With 10,000.00 USDT and 1% risk per trade, a stop-out costs you about 100.00 USDT.')
      .waitFor();
    await dialog.getByText(/After a 3% daily loss \(300\.00 USDT\) Testudo stops you/).waitFor();
    await dialog
      .getByText(/At a 10% drawdown from your peak \(1,000\.00 USDT\) it halts trading until you reset it/)
      .waitFor();
    await w.shot(page, 'onboarding-1280');

    await dialog.getByRole('button', { name: 'Next' }).click();
    const money = page.getByRole('dialog', { name: 'Your paper account' });
    await money.getByText('The money is simulated.').waitFor();
    await money.getByText(/Prices come from the feed/).waitFor();
    await money.getByText(/Fills are simulated from the bars/).waitFor();
    await money.getByText(/Fees are charged like an exchange/).waitFor();
    await w.shot(page, 'onboarding-money-1280');
    await money.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('dialog', { name: 'Where to start' }).getByRole('button', { name: 'Done' }).click();

    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/trade');
    await expect.poll(async () => (await w.api(u, 'GET', '/api/v1/auth/me')).onboarded).toBe(true);

    // not again: after a reload, nor in a fresh browser without the local flag
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await context.close();
    const fresh = await w.page();
    await w.signIn(fresh.page, u);
    await fresh.page.waitForLoadState('networkidle');
    expect(await fresh.page.getByRole('dialog').count()).toBe(0);
    await fresh.context.close();
  });

  it('is marked done by Skip and fits a 390 px wide screen', async () => {
    const u = await w.user('skipper@onboarding.test', false, { onboarded: false });
    const { context, page } = await w.page(390, 844);
    await signInForm(w, page, u);
    const dialog = page.getByRole('dialog', { name: 'Welcome to Testudo' });
    await dialog.waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'onboarding-390');
    await dialog.getByRole('button', { name: 'Skip' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await expect.poll(async () => (await w.api(u, 'GET', '/api/v1/auth/me')).onboarded).toBe(true);
    await context.close();
  });

  it('is not shown to a user who has done it', async () => {
    const u = await w.user('veteran@onboarding.test');
    const { context, page } = await w.page();
    await w.signIn(page, u);
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await context.close();
  });

  it('logged no console error', () => {
    expect(w.consoleErrors.filter((e) => !/Failed to load resource.*40[01]/.test(e))).toEqual([]);
  });
});
