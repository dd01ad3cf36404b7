/**
 * Two-factor sign-in on the Desk, in Chromium against the real server: Alice sets up TOTP on the Account page (the
 * secret shown, a code made here with `otpauth` from it turns it on, the ten recovery codes shown once), then a
 * sign-in through the form asks for the code (a wrong one is refused next to the field, a right one signs in), a
 * recovery code works instead, a redirect's `/login?mfa=<challenge>` (OpenID Connect) is answered the same way, and
 * turning it off with the password makes sign-in one step again. At 1280 and 390 px wide.
 */
import { Secret, TOTP } from 'otpauth';
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

// the secret box's key (a fixed test key: no key file is written beside the data directory)
process.env.TESTUDO_SECRET_KEY ??= '5a'.repeat(32);

/** The code of `secret` at `t` (ms), as an authenticator app shows it. */
const codeAt = (secret: string, t: number): string =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: t, algorithm: 'SHA1', digits: 6, period: 30 });

describe.skipIf(!canRunDesk)('two-factor sign-in on the Desk', () => {
  let w: DeskWorld;
  let alice: DeskUser;
  let secret = '';
  let recovery: string[] = [];
  /** The time step (30 s) of the last code used: every sign-in needs a later one. */
  let lastStep = 0;
  /** A code of a time step after the last one used (one step ahead of the clock is accepted; waits when needed). */
  const freshCode = async (): Promise<string> => {
    const step = Math.max(Math.floor(Date.now() / 30_000), lastStep + 1);
    const wait = (step - 1) * 30_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 500));
    lastStep = step;
    return codeAt(secret, step * 30_000 + 1000);
  };

  async function fillSignIn(page: Page, u: DeskUser): Promise<void> {
    await page.goto(w.base + '/');
    await page.getByLabel('E-mail').fill(u.email);
    await page.getByLabel('Password').fill(u.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 0 });
    alice = await w.user('alice@mfa.test');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('sets TOTP up on the Account page and shows the recovery codes once', async () => {
    const { context, page } = await w.page();
    page.setDefaultTimeout(30_000);
    await w.signIn(page, alice);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const shown = (await page.getByLabel('Secret key').textContent()) ?? '';
    secret = shown.replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const link = await page.getByRole('link', { name: /^otpauth:\/\/totp\// }).getAttribute('href');
    expect(link).toContain(`secret=${secret}`);

    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('the code is wrong or was used already').waitFor();
    await page.getByLabel('Code from the app').fill(await freshCode());
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByLabel('Recovery codes').getByRole('listitem');
    await expect.poll(() => list.count()).toBe(10);
    recovery = await list.allTextContents();
    for (const c of recovery) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    await page.getByLabel('Recovery codes').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}mfa-recovery-codes.png` }); // the viewport: the section in sight
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('10 recovery codes left.').waitFor();
    expect(await page.getByLabel('Recovery codes').count()).toBe(0);
    expect((await w.api(alice, 'GET', '/api/v1/auth/mfa')).totp.enabled).toBe(true);
    await context.close();
  });

  it('asks for the code at sign-in: a wrong code is refused, the right one signs in', async () => {
    const { context, page } = await w.page(390, 800);
    page.setDefaultTimeout(30_000);
    await fillSignIn(page, alice);
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await page.getByLabel('Code', { exact: true }).fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is wrong or was used already.').waitFor();
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'mfa-prompt-390');
    await page.getByLabel('Code', { exact: true }).fill(await freshCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await context.close();
  });

  it('takes a recovery code instead, once', async () => {
    const { context, page } = await w.page();
    page.setDefaultTimeout(30_000);
    await fillSignIn(page, alice);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recovery[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await context.close();
  });

  it('answers a redirect’s /login?mfa=<challenge> and lands on the Desk', async () => {
    const login = await fetch(`${w.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: alice.email, password: alice.password }),
    });
    const { challenge } = (await login.json()) as { challenge: string };
    expect(challenge).toEqual(expect.any(String));
    const { context, page } = await w.page();
    page.setDefaultTimeout(30_000);
    await page.goto(`${w.base}/login?mfa=${encodeURIComponent(challenge)}`);
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recovery[1]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(page.url()).not.toContain('mfa=');
    await context.close();
  });

  it('turns it off with the password; sign-in is one step again', async () => {
    const { context, page } = await w.page();
    page.setDefaultTimeout(30_000);
    await fillSignIn(page, alice);
    await page.getByLabel('Code', { exact: true }).fill(await freshCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByText('8 recovery codes left.').waitFor();
    await page.getByText('8 recovery codes left.').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}mfa-account-on.png` });
    await page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await page.getByLabel('Password or a current code').fill(alice.password);
    await page.getByRole('button', { name: 'Turn off', exact: true }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor();
    await context.close();

    const again = await w.page();
    await w.signIn(again.page, alice); // no code asked
    await again.context.close();
    expect(w.consoleErrors.filter((e) => !/status of 401|status of 403/.test(e))).toEqual([]);
  });
});
