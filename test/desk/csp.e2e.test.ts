/**
 * The Desk under the server's Content-Security-Policy (`src/server/web-security.ts`) in Chromium: every page, a
 * trade's chart, registration with the first-run dialog, and live updates, with no `securitypolicyviolation` event and
 * no CSP message in the console (a refused script, style, image, font or connection would show as one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { canRunDesk, openDeskWorld, submitTrade, waitLive, type DeskWorld } from './world.ts';

/** Records every CSP violation of `page` (events and console messages) into `into`. */
async function recordViolations(page: Page, into: string[]): Promise<void> {
  // a string: the page's code, not Node's (no DOM types here)
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    (window.__csp ??= []).push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
  });`);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) into.push(`${page.url()}: ${m.text()}`);
  });
}

/** The violations the page's own listener saw (since its last navigation). */
async function pageViolations(page: Page): Promise<string[]> {
  return ((await page.evaluate('window.__csp ?? []')) as string[]).map((v) => `${page.url()}: ${v}`);
}

describe.skipIf(!canRunDesk)('the Desk under the Content-Security-Policy', () => {
  let w: DeskWorld;
  beforeAll(async () => {
    w = await openDeskWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('loads every page, a trade chart and live updates without a CSP violation', async () => {
    const admin = await w.user('csp-admin@desk.test', true);
    const trade = (await submitTrade(w, admin, 'buy')) as { id: number };
    const violations: string[] = [];
    const { context, page } = await w.page();
    await recordViolations(page, violations);
    const csp = (await page.goto(w.base + '/'))?.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    await w.signIn(page, admin);
    for (const path of [
      '/trade',
      '/positions',
      '/overview',
      '/trades',
      `/trades/${trade.id}`,
      '/journal',
      '/strategies',
      '/account',
      '/exchange',
      '/admin',
    ]) {
      await page.goto(w.base + path);
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.waitForLoadState('networkidle');
      violations.push(...(await pageViolations(page)));
    }
    await page.goto(w.base + '/trade');
    await waitLive(page); // the WebSocket connected: connect-src allows the server's own ws:
    await w.advance(2);
    await page.waitForTimeout(500);
    violations.push(...(await pageViolations(page)));
    await context.close();
    expect([...new Set(violations)]).toEqual([]);
  });

  it('registers a new user and shows the first-run dialog without a CSP violation', async () => {
    const violations: string[] = [];
    const { context, page } = await w.page();
    await recordViolations(page, violations);
    await page.goto(w.base + '/');
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('E-mail').fill('csp-newcomer@desk.test');
    await page.getByLabel('Password').fill('password1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Skip' }).waitFor(); // the onboarding dialog (it locks scrolling)
    violations.push(...(await pageViolations(page)));
    await context.close();
    expect([...new Set(violations)]).toEqual([]);
  });
});
