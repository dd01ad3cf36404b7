#!/usr/bin/env node
/**
 * Builds the `testudo` CLI into dist/cli/ (or `--outdir DIR`; ES modules for Node 20, one chunk per lazily loaded command, packages left
 * in node_modules), so `bin/testudo.mjs` starts without compiling TypeScript on every run. `npm run build:cli`.
 *
 * Files the code finds next to itself (`new URL('./migrations/', import.meta.url)` in src/db/migrate.ts, the desk
 * folders, the optimiser's worker module, package.json) are re-pointed at their place in the checkout: every
 * `new URL('<relative path>', import.meta.url)` in src/ is rewritten relative to dist/cli/, so the compiled CLI
 * reads the same migrations, desk and worker files as the TypeScript one — nothing is copied, nothing goes stale.
 *
 * bin/testudo.mjs runs dist/cli/main.js only when it is newer than every file under src/ (else it runs the
 * TypeScript through tsx), so an edit is never hidden behind an old build.
 */
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir DIR` (tests): another folder inside the checkout, so packages still resolve from node_modules
const at = process.argv.indexOf('--outdir');
const outdir = resolve(root, at > 0 ? process.argv[at + 1] : 'dist/cli');
const URL_RE = /new URL\((['"])(\.{1,2}\/[^'"]*)\1,\s*import\.meta\.url\)/g;

/** Rewrites `new URL('./x', import.meta.url)` in a source file to the same target seen from dist/cli/. */
const assetUrls = {
  name: 'asset-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const contents = text.replace(URL_RE, (_m, q, rel) => {
        const target = resolve(dirname(args.path), rel);
        let r = relative(outdir, target).split('\\').join('/');
        if (!r.startsWith('.')) r = `./${r}`;
        if (rel.endsWith('/') && !r.endsWith('/')) r += '/';
        return `new URL(${q}${r}${q}, import.meta.url)`;
      });
      return { contents, loader: 'ts' };
    });
  },
};

const t0 = Date.now();
await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [assetUrls],
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(`build:cli: ${files.length} files in ${relative(root, outdir)}/ in ${Date.now() - t0} ms`);
