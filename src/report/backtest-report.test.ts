/**
 * The HTML backtest report in a real browser: a real backtest over ../shared/data/GOOG.csv, the report written to a
 * temporary file and opened from its file:// URL in Debian's Chromium (playwright-core, /usr/bin/chromium) with the
 * network off and every request recorded and, unless it is the file itself, aborted.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../core/backtest/run.ts';
import { barsFromCandles } from '../core/backtest/series.ts';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies/index.ts';
import { STAT_KEYS, type BacktestResult, type BarSeries, type StrategyDefinition } from '../core/backtest/types.ts';
import { loadCandleFile } from '../feed/load.ts';
import { backtestReportHtml, escapeHtml, utcMinutes } from './backtest-report.ts';
import { readChartsBundle } from './bundle.ts';
import { alignedTable, csvField, formatStatValue } from './format.ts';

const CHROMIUM = '/usr/bin/chromium';
const GOOG = fileURLToPath(new URL('../../../shared/data/GOOG.csv', import.meta.url));
const hasChromium = existsSync(CHROMIUM);
const hasData = existsSync(GOOG);
if (!hasChromium) console.log(`backtest-report.test.ts: browser tests skipped, no browser at ${CHROMIUM}`);
if (!hasData) console.log(`backtest-report.test.ts: skipped, no real data at ${GOOG} (the ../shared/data folder)`);

const HOSTILE = `</script><script>window.__pwned = 1</script><img src="http://127.0.0.1:9/x.png">`;

/** A moving-average cross whose trade tags and indicator name are markup, to prove everything is escaped. */
const hostileCross: StrategyDefinition<{ n: number }> = {
  name: 'hostile-cross',
  description: 'close crosses its SMA; tags and indicator names are HTML',
  params: { n: { type: 'int', default: 20, min: 2, description: 'SMA length' } },
  init(ctx) {
    const c = ctx.data.close;
    const avg = new Float64Array(c.length).fill(NaN);
    let s = 0;
    for (let i = 0; i < c.length; i++) {
      s += c[i]!;
      if (i >= ctx.params.n) s -= c[i - ctx.params.n]!;
      if (i >= ctx.params.n - 1) avg[i] = s / ctx.params.n;
    }
    const sma = ctx.indicator(HOSTILE, avg, { overlay: true });
    return (b) => {
      const i = b.i;
      if (c[i - 1]! <= sma[i - 1]! && c[i]! > sma[i]!) b.buy({ tag: HOSTILE, sl: c[i]! * 0.9 });
      else if (c[i - 1]! >= sma[i - 1]! && c[i]! < sma[i]!) b.closePosition();
    };
  },
};

/**
 * In the page: for each chart, whether one of its canvases has drawn pixels of more than two colours (a blank or
 * background-only canvas has at most two).
 */
const DRAWN_JS = `(() => {
  const out = {};
  for (const id of ['chart-price', 'chart-equity', 'chart-drawdown']) {
    out[id] = Array.from(document.querySelectorAll('#' + id + ' canvas')).some((cv) => {
      if (cv.width < 10 || cv.height < 10) return false;
      const data = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      const seen = new Set();
      for (let i = 0; i < data.length; i += 4 * 7) {
        if (data[i + 3] === 0) continue;
        seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (seen.size > 2) return true;
      }
      return false;
    });
  }
  return out;
})()`;

interface Report {
  bars: BarSeries;
  result: BacktestResult;
  html: string;
  url: string;
}

describe('report text', () => {
  it('formats statistics like backtesting.py: NaN for null, inf, whole numbers as is, 2 decimals otherwise', () => {
    expect([null, Infinity, 93, 589.3508, -33.08, 0.004567, 0, '3116 days 00:00:00'].map(formatStatValue)).toEqual([
      'NaN',
      'inf',
      '93',
      '589.35',
      '-33.08',
      '0.00457',
      '0',
      '3116 days 00:00:00',
    ]);
  });

  it('aligns labels left and values right', () => {
    expect(
      alignedTable([
        { label: '# Trades', value: '93' },
        { label: 'Return [%]', value: '589.35' },
      ]),
    ).toBe('# Trades        93\nReturn [%]  589.35');
  });

  it('quotes CSV fields with commas, quotes or line breaks and escapes HTML metacharacters', () => {
    expect([csvField('a'), csvField('a,b'), csvField('say "hi"'), csvField('x\ny')]).toEqual([
      'a',
      '"a,b"',
      '"say ""hi"""',
      '"x\ny"',
    ]);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});

describe.skipIf(!hasData)('backtest report', () => {
  let dir: string;
  let bars: BarSeries;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testudo-report-'));
    bars = barsFromCandles((await loadCandleFile(GOOG)).candles);
    bundle = await readChartsBundle();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function report(
    name: string,
    strategy: StrategyDefinition<never>,
    params: Record<string, unknown>,
    title = `${strategy.name} on GOOG.csv`,
  ): Promise<Report> {
    const result = runBacktest(bars, strategy, params, { finalizeTrades: true, commission: '0.001' });
    const html = backtestReportHtml({
      title,
      strategy: strategy.name,
      params,
      source: GOOG,
      settings: { cash: '10000', commission: '0.001' },
      bars,
      result,
      chartsBundle: bundle,
    });
    const file = join(dir, `${name}.html`);
    await writeFile(file, html);
    return { bars, result, html, url: pathToFileURL(file).href };
  }

  it('escapes every text and keeps markup in data from ending the script', async () => {
    const r = await report('escape', hostileCross as StrategyDefinition<never>, { n: 20 }, `<b>${HOSTILE}</b>`);
    expect(r.result.trades.length).toBeGreaterThan(0);
    // the only script elements are the three the report writes
    expect(r.html.match(/<script\b/gi)).toHaveLength(3);
    expect(r.html.match(/<\/script/gi)).toHaveLength(3);
    expect(r.html).not.toContain('<img');
    expect(r.html).toContain(escapeHtml(HOSTILE));
  });

  describe.skipIf(!hasChromium)('in Chromium, offline', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(r: Report): Promise<{
      page: import('playwright-core').Page;
      requests: string[];
      errors: string[];
      close: () => Promise<void>;
    }> {
      const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 1000 } });
      const requests: string[] = [];
      const errors: string[] = [];
      await context.route('**/*', (route) =>
        route.request().url() === r.url ? route.continue() : route.abort('blockedbyclient'),
      );
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('request', (q) => requests.push(q.url()));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('dialog', (d) => {
        errors.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      await page.goto(r.url);
      await page.waitForSelector('body[data-rendered]');
      return { page, requests, errors, close: () => context.close() };
    }

    it('renders the charts, statistics and trades from the file alone, without a request or an error', async () => {
      const r = await report('sma', BUILTIN_STRATEGIES['sma-cross'] as StrategyDefinition<never>, {
        fast: 10,
        slow: 20,
      });
      const { page, requests, errors, close } = await open(r);
      try {
        expect(await page.getAttribute('body', 'data-rendered')).toBe('ok');
        // every chart has drawn something: a canvas with pixels of more than one colour
        const drawn = async (): Promise<Record<string, boolean>> => page.evaluate(DRAWN_JS);
        await expect.poll(drawn, { timeout: 10_000 }).toEqual({
          'chart-price': true,
          'chart-equity': true,
          'chart-drawdown': true,
        });

        const rows = await page.$$eval('#stats tr', (trs) =>
          trs.map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent]),
        );
        const expected = STAT_KEYS.map((k) => [k, formatStatValue(r.result.stats[k])]);
        expect(rows.slice(0, STAT_KEYS.length)).toEqual(expected);
        expect(rows.find((row) => row[0] === '# Trades')?.[1]).toBe(String(r.result.trades.length));
        expect(await page.locator('#trades tbody tr').count()).toBe(r.result.trades.length);
        const firstTrade = r.result.trades[0]!;
        const cells = await page.locator('#trades tbody tr').first().locator('td').allTextContents();
        expect(cells.slice(1, 6)).toEqual([
          utcMinutes(firstTrade.entryTime),
          utcMinutes(firstTrade.exitTime),
          firstTrade.size,
          firstTrade.entryPrice,
          firstTrade.exitPrice,
        ]);

        expect(requests).toEqual([r.url]);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });

    it('shows hostile text as text: no script runs from data and nothing is fetched', async () => {
      const r = await report('hostile', hostileCross as StrategyDefinition<never>, { n: 20 }, `<b>${HOSTILE}</b>`);
      const { page, requests, errors, close } = await open(r);
      try {
        expect(await page.getAttribute('body', 'data-rendered')).toBe('ok');
        expect(await page.title()).toBe(`<b>${HOSTILE}</b>`);
        expect(await page.locator('h1').textContent()).toBe(`<b>${HOSTILE}</b>`);
        expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
        const tags = await page.locator('#trades tbody tr td:last-child').allTextContents();
        expect(tags.length).toBeGreaterThan(0);
        expect(new Set(tags)).toEqual(new Set([HOSTILE]));
        // R statistics are shown when trades had a stop at entry
        const rRow = await page.locator('#stats tr', { hasText: 'Expectancy [R]' }).locator('td').textContent();
        expect(rRow).toBe(formatStatValue(r.result.rStats!.expectancyR));
        expect(requests).toEqual([r.url]);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  });
});
