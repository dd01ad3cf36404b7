/** `npm run gen:api`: regenerates the Desk's API types from the server's OpenAPI document. */
import { writeFile } from 'node:fs/promises';
import { generateApiTypes, SCHEMA_FILE } from '../src/server/openapi-types.ts';

await writeFile(SCHEMA_FILE, await generateApiTypes());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
