import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateApiTypes, SCHEMA_FILE } from './openapi-types.ts';

describe('the Desk API types', () => {
  it('are the ones the current routes generate (run `npm run gen:api` after changing a route)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    const fresh = await generateApiTypes();
    expect(committed === fresh, 'desk/src/api/schema.d.ts is stale: run `npm run gen:api`').toBe(true);
    expect(fresh).toContain("'/api/v1/sizing'");
  });
});
