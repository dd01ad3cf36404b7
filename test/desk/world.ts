/**
 * The Desk's end-to-end harness: a real Testudo server (PGlite, or PostgreSQL with `TESTUDO_TEST_DB=postgres`)
 * listening on a free port, replaying the real Coinbase BTC/USD hourly series bar by bar under the test's control,
 * serving the built Desk (`dist/desk`, built once here when missing), and Debian's Chromium driven by
 * playwright-core. Screenshots go to `test-artifacts/desk/` (kept by CI as artifacts; look at them).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { createContext, type AppContext } from '../../src/app/context.ts';
import type { Candle } from '../../src/core/marketdata/candle.ts';
import type { Sql } from '../../src/db/sql.ts';
import { openTestDatabase } from '../../src/db/testing.ts';
import { ReplayFeed } from '../../src/feed/replay.ts';
import { loadCandleFile } from '../../src/feed/load.ts';
import { buildServer } from '../../src/server/app.ts';
import { ensureDeskBuilt } from '../../src/server/desk.ts';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** The real hourly series replayed by the Desk tests. */
export const SERIES = new URL('../../../shared/data/coinbase-btcusd-1h.csv', import.meta.url).pathname;
/** Whether the browser and the data are there (the suite skips with a message otherwise). */
export const canRunDesk = existsSync(CHROMIUM) && existsSync(SERIES);
if (!canRunDesk) console.log(`desk e2e: skipped, needs ${CHROMIUM} (apt-get install chromium) and ${SERIES}`);

/** Where screenshots are written. */
export const ARTIFACTS = new URL('../../test-artifacts/desk/', import.meta.url).pathname;

/** A logged-in user of the world. */
export interface DeskUser {
  id: number;
  email: string;
  password: string;
  /** Bearer header for API calls made by the test itself. */
  headers: Record<string, string>;
}

/** The running world. */
export interface DeskWorld {
  sql: Sql;
  ctx: AppContext;
  app: FastifyInstance;
  feed: ReplayFeed;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  browser: Browser;
  /** Every console error and uncaught page error seen by any page of the world. */
  consoleErrors: string[];
  /**
   * Registers a user (admin when asked) with password `password1`; marked as having finished the first-run
   * onboarding unless `opts.onboarded` is false (the onboarding test's new user).
   */
  user(email: string, admin?: boolean, opts?: { onboarded?: boolean }): Promise<DeskUser>;
  /** A new browser context and page at `width`×`height` (default 1280×800), console errors collected. */
  page(width?: number, height?: number): Promise<{ context: BrowserContext; page: Page }>;
  /** Signs `u` in through the Desk's own form and waits for the Trade page. */
  signIn(page: Page, u: DeskUser): Promise<void>;
  /** Emits the next `n` bars and waits until the trading service has processed them. */
  advance(n?: number): Promise<void>;
  /** Calls the API as `u` (throws on a non-2xx answer). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(u: DeskUser, method: string, url: string, body?: unknown): Promise<any>;
  /** Saves a full-page screenshot `test-artifacts/desk/<name>.png`. */
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link openDeskWorld}. */
export interface DeskWorldOptions {
  /** Bars emitted before the test starts (history for the chart), default 300. */
  warmup?: number;
  /** First bar index of the replay, default 0 (2017-07-01). */
  startIndex?: number;
}

const CHROME_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Opens the world: database, replay of the real series, server on a free port, built Desk, Chromium. */
export async function openDeskWorld(o: DeskWorldOptions = {}): Promise<DeskWorld> {
  await ensureDeskBuilt();
  await mkdir(ARTIFACTS, { recursive: true });
  const { candles } = (await loadCandleFile(SERIES)) as { candles: Candle[] };
  const sql = await openTestDatabase();
  const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles, startIndex: o.startIndex ?? 0 });
  const ctx = await createContext({ sql, feed });
  const app = await buildServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROME_ARGS });
  const consoleErrors: string[] = [];
  const w: DeskWorld = {
    sql,
    ctx,
    app,
    feed,
    base,
    browser,
    consoleErrors,
    async user(email, admin = false, opts = {}) {
      const password = 'password1';
      const u = await ctx.auth.register(email, password);
      if (admin) await ctx.auth.setAdmin(email, true);
      if (opts.onboarded !== false) await ctx.auth.setOnboarded(u.id, Date.now());
      const token = await ctx.auth.createApiToken(u.id, 'e2e');
      return { id: u.id, email, password, headers: { authorization: `Bearer ${token}` } };
    },
    async page(width = 1280, height = 800) {
      const context = await browser.newContext({ viewport: { width, height }, serviceWorkers: 'block' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('console', (m: ConsoleMessage) => {
        if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: uncaught ${e.message}`));
      return { context, page };
    },
    async signIn(page, u) {
      await page.goto(base + '/');
      await page.getByLabel('E-mail').fill(u.email);
      await page.getByLabel('Password').fill(u.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
    },
    async advance(n = 1) {
      expect(feed.step(n)).toBe(n);
      await ctx.trading.drain();
      expect(ctx.trading.lastBarError).toBeNull();
    },
    async api(u, method, url, body) {
      const r = await app.inject({
        method: method as 'GET',
        url,
        headers: u.headers,
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      if (r.statusCode >= 300) throw new Error(`${method} ${url} → ${r.statusCode} ${r.body}`);
      return r.json();
    },
    async shot(page, name) {
      await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
    },
    async close() {
      await browser.close();
      await app.close();
      await ctx.close();
      await sql.close();
    },
  };
  if ((o.warmup ?? 300) > 0) await w.advance(o.warmup ?? 300);
  return w;
}

/**
 * Waits until `page`'s live event stream (`/ws`) is open: the header's dot says "live". An event the server sends
 * before then never reaches the page (the first connection does not refetch), so a test waits for this before it
 * makes the server emit something the open page must follow (a bar, a closed trade, a replay step).
 */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('header [aria-label="live"]').waitFor();
}

/** Expects the page not to scroll sideways (the Desk must fit 390 px wide screens). */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client } = (await page.evaluate(
    '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
  )) as { scroll: number; client: number };
  expect(scroll, 'the page scrolls sideways').toBeLessThanOrEqual(client);
}

/** `x` rounded to the nearest multiple of `tick`, written with the tick's decimals. */
export function onTick(x: number, tick: string): string {
  const dp = tick.includes('.') ? tick.split('.')[1]!.length : 0;
  const t = Number(tick);
  return (Math.round(x / t) * t).toFixed(dp);
}

/**
 * Submits a market trade on BTC-USD (stop `pct`% away, target 2.2× as far) through the API; when `close`, steps
 * the replay until it closes and returns the closed trade. A rule rejection (daily loss limit, loss-streak cooldown)
 * waits a day of bars and tries again, five times at most.
 */
export async function submitTrade(
  w: DeskWorld,
  u: DeskUser,
  side: 'buy' | 'sell',
  extra: { setup?: string; tags?: string[]; notes?: string } = {},
  close = true,
  pct = 0.6,
) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const instruments = (await w.api(u, 'GET', '/api/v1/instruments')) as {
      symbol: string;
      lastPrice: string;
      tickSize: string;
    }[];
    const i = instruments.find((x) => x.symbol === 'BTC-USD')!;
    const p = Number(i.lastPrice);
    const d = (p * pct) / 100;
    const body = {
      symbol: 'BTC-USD',
      side,
      stopLoss: onTick(side === 'buy' ? p - d : p + d, i.tickSize),
      takeProfit: onTick(side === 'buy' ? p + 2.2 * d : p - 2.2 * d, i.tickSize),
      ...extra,
    };
    const r = await w.app.inject({ method: 'POST', url: '/api/v1/trades', headers: u.headers, payload: body });
    if (r.statusCode === 422) {
      await w.advance(24);
      continue;
    }
    expect(r.statusCode, r.body).toBe(201);
    const id = (r.json() as { trade?: { id: number }; id?: number }).trade?.id ?? r.json().id;
    if (!close) return w.api(u, 'GET', `/api/v1/trades/${id}`);
    for (let n = 0; n < 400; n++) {
      const t = await w.api(u, 'GET', `/api/v1/trades/${id}`);
      if (t.status === 'closed') return t;
      await w.advance(1);
    }
    throw new Error(`trade ${id} did not close`);
  }
  throw new Error('trade refused five times');
}
