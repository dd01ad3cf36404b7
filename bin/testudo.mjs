#!/usr/bin/env node
// Entry point of the `testudo` command. Runs the compiled CLI (dist/cli/main.js, built by `npm run build:cli`) when
// it is newer than every file under src/; otherwise (no build, or a source file edited since) the TypeScript sources
// through tsx, which is slower to start but never stale. TESTUDO_CLI=src or TESTUDO_CLI=dist forces one of them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Short-lived commands compile PGlite's 9 MB WebAssembly with V8's baseline compiler only: measured on the candle
// import, half the CPU time and ~70 MB less memory than also tiering up to optimised code in the background, which
// only pays off in the long-running `serve` and `worker`.
const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (command !== 'serve' && command !== 'worker') setFlagsFromString('--liftoff-only');

const root = new URL('../', import.meta.url);
const built = new URL('dist/cli/main.js', root);

/** The newest modification time (ms) of the files under `dir`. */
function newest(dir) {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = new URL(e.name + (e.isDirectory() ? '/' : ''), dir);
    const t = e.isDirectory() ? newest(p) : statSync(p).mtimeMs;
    if (t > max) max = t;
  }
  return max;
}

const mode = process.env.TESTUDO_CLI;
const useBuilt =
  mode !== 'src' && existsSync(built) && (mode === 'dist' || statSync(built).mtimeMs >= newest(new URL('src/', root)));

let main;
if (useBuilt) ({ main } = await import(built.href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  globalThis[Symbol.for('testudo.tsx')] = true; // TypeScript strategy modules load without registering again
  ({ main } = await import(new URL('src/cli/main.ts', root).href));
}
await main(process.argv);
