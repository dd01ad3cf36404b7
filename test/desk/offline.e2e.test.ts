/**
 * The Desk as an installable, offline-capable app in Chromium (service workers allowed, unlike the other Desk
 * tests): the manifest is linked and valid (name, icons that load, start_url), the service worker takes control
 * after the first load, and with the network gone a reload still renders the app shell from its cache with the
 * banner saying the server is unreachable (not an error page); back online, the Desk reconnects by itself; with the
 * server stopped, the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { canRunDesk, expectNoHorizontalScroll, openDeskWorld, type DeskUser, type DeskWorld } from './world.ts';

interface Manifest {
  name?: string;
  short_name?: string;
  start_url?: string;
  display?: string;
  icons?: { src: string; sizes: string; type: string }[];
}

describe.skipIf(!canRunDesk)('the Desk offline (service worker) in Chromium', () => {
  let w: DeskWorld;
  let u: DeskUser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    w = await openDeskWorld({ warmup: 20 });
    u = await w.user('offline@desk.test');
    context = await w.browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'allow' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`uncaught ${e.message}`));
  });
  afterAll(async () => {
    await context?.close();
    await w?.close();
  });

  it('links a valid web app manifest whose icons load', async () => {
    await page.goto(w.base + '/');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBe('/manifest.webmanifest');
    const res = await w.app.inject({ method: 'GET', url: href! });
    expect(res.statusCode).toBe(200);
    const m = res.json() as Manifest;
    expect(m.name).toBe('Testudo Desk');
    expect(m.short_name).toBeTruthy();
    expect(m.start_url).toBe('/');
    expect(m.display).toBe('standalone');
    const sizes = (m.icons ?? []).map((i) => i.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of m.icons ?? []) {
      const r = await w.app.inject({ method: 'GET', url: icon.src });
      expect(r.statusCode, icon.src).toBe(200);
      expect(String(r.headers['content-type'])).toContain(icon.type.split('+')[0]!);
    }
  });

  it('opens from the service worker cache when offline and says the server is unreachable', async () => {
    await w.signIn(page, u);
    // the service worker installs and precaches the shell; the next load is under its control
    await expect
      .poll(() => page.evaluate('navigator.serviceWorker.getRegistration().then((r) => r?.active?.state ?? null)'), {
        timeout: 20_000,
        message: 'no active service worker: dist/desk must be a production build (npm run build:desk)',
      })
      .toBe('activated');
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect
      .poll(() => page.evaluate('navigator.serviceWorker.controller?.state ?? null'), { timeout: 20_000 })
      .toBe('activated');

    await context.setOffline(true);
    await page.reload();
    await page.getByRole('status').getByText('Offline: the Testudo server cannot be reached').waitFor();
    await page.getByRole('heading', { name: 'The server is unreachable' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0); // not the error page
    await expectNoHorizontalScroll(page);
    await w.shot(page, 'offline-390');

    // an app path falls back to the cached shell too
    await page.goto(w.base + '/account');
    await page.getByRole('heading', { name: 'The server is unreachable' }).waitFor();

    // back online: it reconnects by itself and the session is still there
    await context.setOffline(false);
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'Testudo Protocol' }).waitFor();
  });

  it('opens the cached shell with the banner when the server itself has stopped', async () => {
    await w.app.close();
    await page.reload();
    await page.getByRole('status').getByText('Offline: the Testudo server cannot be reached').waitFor();
    await page.getByRole('heading', { name: 'The server is unreachable' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await w.shot(page, 'offline-server-stopped-390');
  });

  it('logged no console error but the failed requests while offline', () => {
    const expected = /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource.*40[01]/;
    expect(errors.filter((e) => !expected.test(e))).toEqual([]);
  });
});
