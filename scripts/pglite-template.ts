/** `npm run build:pglite` (part of `npm install`'s build): writes the pristine PGlite data-directory template. */
import { existsSync } from 'node:fs';
import { TEMPLATE_FILE, writePgliteTemplate } from '../src/db/pglite-template.ts';

if (!existsSync(TEMPLATE_FILE)) await writePgliteTemplate();
process.stdout.write(`PGlite template: ${TEMPLATE_FILE}\n`);
