/**
 * `npm run fuzz -- [--requests N] [--seed S] [--database-url URL]`: fuzzes every body-taking route of the API from
 * its OpenAPI schemas (src/server/fuzz/run.ts) on a fresh in-memory PGlite, or in a fresh schema (dropped afterwards)
 * of the PostgreSQL server at URL. Prints a summary; exits 1 when any answer was a 5xx or a refused request changed
 * the database, 2 on bad arguments.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPglite, openPostgres, type Sql } from '../src/db/sql.ts';
import { formatSummary, runFuzz } from '../src/server/fuzz/run.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    seed: { type: 'string' },
    'database-url': { type: 'string' },
  },
});
const requests = Number(values.requests);
const seed = values.seed === undefined ? randomBytes(4).readUInt32BE() : Number(values.seed);
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--requests N] [--seed S] [--database-url URL]\n');
  process.exit(2);
}

let sql: Sql;
let dropSchema: (() => Promise<void>) | null = null;
const url = values['database-url'];
if (url) {
  const schema = `fuzz_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  sql = await openPostgres(u.toString(), 5);
  dropSchema = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  };
} else sql = await openPglite();

process.stdout.write(`fuzz: ${requests} requests, seed ${seed}, ${url ? 'PostgreSQL (fresh schema)' : 'PGlite'}\n`);
const started = Date.now();
const summary = await runFuzz(sql, {
  requests,
  seed,
  progressEvery: 1000,
  onProgress: (n) => process.stdout.write(`  ${n} sent (${((Date.now() - started) / 1000).toFixed(0)} s)\n`),
});
await dropSchema?.();
process.stdout.write(`${formatSummary(summary)}\n`);
process.exit(summary.serverErrorCount > 0 || summary.changedOnRejectionCount > 0 ? 1 : 0);
