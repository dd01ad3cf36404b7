/**
 * Reads the lightweight-charts standalone bundle (v5) that the HTML report inlines, from the installed package.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Path of `lightweight-charts.standalone.production.js` in the installed `lightweight-charts` package. */
export function chartsBundlePath(): string {
  const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js');
}

/**
 * The bundle's text (~200 kB; defines the `LightweightCharts` global).
 * @throws the `fs` error when the package is not installed.
 */
export async function readChartsBundle(): Promise<string> {
  return readFile(chartsBundlePath(), 'utf8');
}
