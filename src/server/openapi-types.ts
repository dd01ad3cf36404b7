/**
 * The Desk's API types, generated from the server's OpenAPI document with openapi-typescript, so the Desk cannot
 * drift from the API: `npm run gen:api` writes `desk/src/api/schema.d.ts`, and `openapi-types.test.ts` fails when
 * the committed file differs from what the current routes generate.
 */
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { format } from 'prettier';
import { createContext } from '../app/context.ts';
import { buildServer } from './app.ts';

/** Path of the generated file, relative to the repository root. */
export const SCHEMA_FILE = 'desk/src/api/schema.d.ts';

/**
 * Builds the server over an empty in-memory database (no feed), reads its OpenAPI document and returns the
 * TypeScript declarations (`paths`, `components`, `operations`) formatted with the project's Prettier settings.
 */
export async function generateApiTypes(): Promise<string> {
  const ctx = await createContext({ feed: null });
  try {
    const app = await buildServer(ctx);
    await app.ready();
    const doc = app.swagger() as unknown as OpenAPI3;
    await app.close();
    const ast = await openapiTS(doc, { alphabetize: true });
    const header =
      "/**\n * Generated from the Testudo server's OpenAPI document by `npm run gen:api`: do not edit by hand.\n */\n";
    return format(header + astToString(ast), {
      parser: 'typescript',
      singleQuote: true,
      printWidth: 120,
      trailingComma: 'all',
    });
  } finally {
    await ctx.close();
  }
}
