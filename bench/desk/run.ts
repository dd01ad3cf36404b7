/**
 * `npm run bench:desk`: what a trader waits for in the Desk. Reports the built bundle (raw and gzip bytes of the
 * entry chunk, the CSS and each page's lazily loaded chunk) and the Trade page's time to interactive in Debian's
 * Chromium against a real server on this machine (PGlite, replaying the real Coinbase BTC/USD hourly series):
 * for N cold loads (a new browser context each: empty cache, no service worker), the time from navigation to
 * the first paint of the page's frame, to the candles drawn on the chart, and to the ticket answering a Long
 * (the sizing preview shown), as medians and worst cases.
 *
 * Options: `--runs N` (default 15). Needs `dist/desk` (`npm run build:desk`) and `/usr/bin/chromium`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { createContext } from '../../src/app/context.ts';
import { openPglite } from '../../src/db/sql.ts';
import { ReplayFeed } from '../../src/feed/replay.ts';
import { loadCandleFile } from '../../src/feed/load.ts';
import { buildServer } from '../../src/server/app.ts';
import { DESK_DIST, ensureDeskBuilt } from '../../src/server/desk.ts';
import { machineLine, num, table, totalTime } from '../format.ts';

const t0 = performance.now();
const at = process.argv.indexOf('--runs');
const runs = at > 0 ? Number(process.argv[at + 1]) : 15;
console.log(machineLine('bench:desk'));
await ensureDeskBuilt();

// --- bundle ---
const assets = `${DESK_DIST}assets/`;
const html = readFileSync(`${DESK_DIST}index.html`, 'utf8');
const entry = /src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
const kb = (n: number) => `${num(n / 1024, 1)} KiB`;
const rows = [['file', 'raw', 'gzip']];
let initialRaw = 0;
let initialGzip = 0;
for (const f of readdirSync(assets).sort()) {
  if (!/\.(js|css)$/.test(f)) continue;
  const buf = readFileSync(assets + f);
  const gz = gzipSync(buf).length;
  const initial = f === entry || f.endsWith('.css') || html.includes(`/assets/${f}`);
  if (initial) {
    initialRaw += buf.length;
    initialGzip += gz;
  }
  rows.push([`${f}${initial ? ' (initial)' : ''}`, kb(statSync(assets + f).size), kb(gz)]);
}
console.log('\nbundle (dist/desk/assets):');
console.log(table(rows));
console.log(`  loaded before any page: ${kb(initialRaw)} raw, ${kb(initialGzip)} gzip`);

// --- time to interactive of the Trade page ---
const { candles } = await loadCandleFile(new URL('../../data/coinbase-btcusd-1h.csv.gz', import.meta.url).pathname);
const sql = await openPglite();
const feed = new ReplayFeed({ symbol: 'BTC-USD', timeframe: '1h', candles });
const ctx = await createContext({ sql, feed });
feed.step(500);
await ctx.trading.drain();
const app = await buildServer(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const u = await ctx.auth.register('bench@desk.test', 'password1');
await ctx.auth.setOnboarded(u.id, Date.now());
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
// One sign-in, its cookie reused by every cold load.
const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'bench@desk.test', password: 'password1' }),
});
const cookie = /testudo_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;

const frame: number[] = [];
const chart: number[] = [];
const ticket: number[] = [];
for (let i = 0; i < runs + 1; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  await context.addCookies([{ name: 'testudo_session', value: cookie, url: base }]);
  const page = await context.newPage();
  const start = performance.now();
  await page.goto(`${base}/trade`, { waitUntil: 'commit' });
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  const tFrame = performance.now() - start;
  await page.getByTestId('trade-chart').locator('canvas').first().waitFor();
  await page.locator('[data-testid="trade-chart"][data-bars]:not([data-bars="0"])').waitFor();
  const tChart = performance.now() - start;
  await page.getByRole('button', { name: 'Long' }).click();
  await page.getByTestId('ticket-qty').waitFor();
  const tTicket = performance.now() - start;
  if (i > 0) {
    // the first load warms the server's own caches, as a running server is
    frame.push(tFrame);
    chart.push(tChart);
    ticket.push(tTicket);
  }
  await context.close();
}
await browser.close();
await app.close();
await ctx.close();
await sql.close();

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const worst = (a: number[]) => Math.max(...a);
console.log(`\nTrade page, ${runs} cold loads at 1280×800 (server on this machine, PGlite, 500 bars of history):`);
console.log(
  table([
    ['until', 'median', 'worst'],
    ['the frame is painted (navigation shown)', `${num(median(frame), 0)} ms`, `${num(worst(frame), 0)} ms`],
    ['the candles are on the chart', `${num(median(chart), 0)} ms`, `${num(worst(chart), 0)} ms`],
    ['a Long shows its size (interactive)', `${num(median(ticket), 0)} ms`, `${num(worst(ticket), 0)} ms`],
  ]),
);
console.log(totalTime(t0));
