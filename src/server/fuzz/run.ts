/**
 * The API fuzzer behind `npm run fuzz` (scripts/fuzz.ts) and its CI test (src/server/fuzz.test.ts): on a populated
 * world (./world.ts) it sends `requests` requests, about 85% to the body-taking routes of the OpenAPI document with
 * bodies generated from each route's JSON schema (valid-ish, or mutated: see ./generate.ts) and the rest to GET routes
 * with generated query strings, as the owner (alice) or the admin, path parameters filled with real ids (sometimes
 * with hostile ones). It checks that no answer is a 5xx, and that a refused request (4xx) changed nothing in the
 * database: after a 4xx the database's next transaction id must not have moved (nothing wrote), or else a fingerprint
 * (an md5 over every row of every table, minus {@link VOLATILE}) must equal the one taken once the previous accepted
 * request had settled (its background work done).
 */
import type { Sql } from '../../db/sql.ts';
import { Rng, mutate, validish, type Hints, type Schema } from './generate.ts';
import { startWorld, type Json, type World } from './world.ts';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Number of requests to send. */
  requests: number;
  /** Seed of the random source (the same seed and database give the same run). */
  seed: number;
  /** Called every `progressEvery` requests with the number sent so far. */
  onProgress?: (sent: number) => void;
  progressEvery?: number;
}

/** One request that failed a check. */
export interface FuzzFailure {
  method: string;
  url: string;
  who: string;
  /** The body as sent (JSON text, cut to 500 characters). */
  body: string;
  status: number;
  /** The answer's body (cut to 500 characters). */
  reply: string;
  /** For a 4xx that changed the database: the tables whose fingerprint changed. */
  changed?: string[];
}

/** What a run found. */
export interface FuzzSummary {
  requests: number;
  seed: number;
  /** Count of answers by status code. */
  statuses: Record<number, number>;
  /** Count of requests by `METHOD /path`. */
  routes: Record<string, number>;
  /** Every 5xx answer (the first 50). */
  serverErrors: FuzzFailure[];
  serverErrorCount: number;
  /** Refused requests (4xx) after which the database differed (the first 50). */
  changedOnRejection: FuzzFailure[];
  changedOnRejectionCount: number;
  /** Wall time, ms. */
  ms: number;
}

/**
 * Tables and columns that may change on a refused request by design, left out of the fingerprint: the audit log
 * (failed sign-ins and other security events are journaled with the caller's address), the API token's last use
 * (written by authentication, before the route refuses), sessions' last-seen time, the one-use SIWE nonces, and the
 * server's own key material (`mfa_keys`, `server_keys`: made once, on first use, e.g. by the first MFA verify even
 * when its challenge is refused).
 */
export const VOLATILE: { tables: readonly string[]; columns: readonly string[] } = {
  tables: ['audit_log', 'siwe_nonces', 'pgboss', 'mfa_keys', 'server_keys'],
  columns: ['last_used_at', 'last_used_address', 'last_seen_at', 'last_used_ip', 'updated_at'],
};

/**
 * Tables a rule rejection (422 `rule-rejected`) writes by design: the decision log journals every refused decision
 * with its verdicts (that is what it is for).
 */
export const RULE_REJECTION_WRITES: readonly string[] = ['decisions'];

/**
 * Tables written when a pending (cooling-off) risk-profile change falls due: it is applied lazily by the user's next
 * request, whatever that request's outcome, so a refusal that also removed a due pending row may show these.
 */
export const DUE_CHANGE_WRITES: readonly string[] = ['risk_profile_pending', 'accounts'];

interface Op {
  method: string;
  path: string;
  body?: Schema;
  query?: Record<string, Schema>;
}

/** The fingerprint query of every table of the current schema (one md5 per table). */
async function fingerprintQuery(sql: Sql): Promise<string> {
  const cols = await sql.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const c of cols) {
    if (VOLATILE.tables.some((t) => c.table_name.startsWith(t))) continue;
    if (VOLATILE.columns.includes(c.column_name)) continue;
    byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
  }
  const parts = [...byTable].map(
    ([t, cs]) =>
      `SELECT '${t}' AS t, md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS h FROM ` +
      `(SELECT ROW(${cs.map((c) => `"${c}"`).join(', ')})::text AS r FROM "${t}") x`,
  );
  return parts.join(' UNION ALL ');
}

/** Path parameter values: the world's ids of the resource a path names. */
function pathValue(w: World, path: string, param: string, rng: Rng): string {
  if (rng.chance(0.06)) return rng.pick(['0', '-1', '99999999999', 'abc', '1e3', '%00', '9'.repeat(40), '1.5']);
  const i = w.ids;
  if (param === 'field') return rng.pick(['riskPerTradePct', 'maxOpenPositions', 'nope']);
  if (param === 'userId') return String(i.user.carol);
  if (param === 'keyId') return String(i.apiKey);
  const seg = path.split('/{')[0]!;
  const map: [string, number | string][] = [
    ['/api/v1/trades', i.trade],
    ['/api/v1/journal/entries', i.journalEntry],
    ['/api/v1/messages', i.message],
    ['/api/v1/admin/users', rng.pick([i.user.bob, i.user.carol])],
    ['/api/v1/candles/imports', i.candleImport],
    ['/api/v1/exchange/markets', i.market],
    ['/api/v1/exchange/accounts', rng.pick([i.altAccount, i.account.alice])],
    ['/api/v1/exchange/orders', i.order],
    ['/api/v1/exchange/auctions', i.auction],
    ['/api/v1/strategies', i.strategy],
    ['/api/v1/backtests', i.backtest],
    ['/api/v1/optimizations', i.optimization],
    ['/api/v1/connections', i.connection],
    ['/api/v1/auth/tokens', i.spareToken],
  ];
  return String(map.find(([p]) => seg === p)?.[1] ?? 1);
}

function hintsOf(w: World): Hints {
  const i = w.ids;
  return {
    symbol: ['BTC-USD', 'BTC-USD', 'WORLD-USD', 'ETH-USD'],
    marketId: [i.market],
    accountId: [i.account.alice, i.altAccount],
    fromAccountId: [i.account.alice, i.altAccount, null],
    toAccountId: [i.account.alice, i.altAccount, i.account.bob],
    buyerAccountId: [i.account.bob, i.account.carol],
    strategyId: [i.strategy],
    tradeIds: [[i.trade], []],
    connectionId: [i.connection],
    orderId: [i.order],
    email: ['carol@world.test', 'bob@world.test'],
    strategy: ['sma-cross', 'sma-cross', 'nope'],
    timeframe: ['1h', '1d', '1m'],
    side: ['buy', 'sell', 'long', 'short'],
    stopLoss: ['85', '95', '110'],
    takeProfit: ['120', '130', '80'],
    entryPrice: ['90', '100', '101'],
    venue: ['sim'],
  };
}

/** Runs the fuzzer on a fresh world over `sql` (closed at the end). */
export async function runFuzz(sql: Sql, opts: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const w = await startWorld(sql);
  const rng = new Rng(opts.seed);
  const summary: FuzzSummary = {
    requests: 0,
    seed: opts.seed,
    statuses: {},
    routes: {},
    serverErrors: [],
    serverErrorCount: 0,
    changedOnRejection: [],
    changedOnRejectionCount: 0,
    ms: 0,
  };
  try {
    const doc = (await w.call(null, 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, Json>>;
    };
    const bodyOps: Op[] = [];
    const queryOps: Op[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const body = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
        const query = Object.fromEntries(
          ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'query').map((p) => [p.name, p.schema as Schema]),
        );
        if (body) bodyOps.push({ method: method.toUpperCase(), path, body });
        else if (method === 'get' && Object.keys(query).length > 0) queryOps.push({ method: 'GET', path, query });
      }
    const hints = hintsOf(w);
    const fpQuery = await fingerprintQuery(sql);
    const fingerprint = async (): Promise<Map<string, string>> =>
      new Map((await sql.query<{ t: string; h: string }>(fpQuery)).map((r) => [r.t, r.h]));
    const busy = async (): Promise<boolean> => {
      const [r] = await sql.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM backtests WHERE status IN ('queued', 'running'))
              + (SELECT count(*) FROM venue_imports WHERE status IN ('queued', 'running'))::int AS n`,
      );
      return Number(r!.n) > 0;
    };
    /**
     * The next transaction id the database will assign: it moves only when some transaction writes, so an unchanged
     * value across a request proves that request wrote nothing (a moved one is checked with the full fingerprint).
     */
    const nextXid = async (): Promise<string> =>
      String((await sql.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x'))[0]!.x);
    /** Waits until background work (trading, backtest jobs) is done and nothing writes; then fingerprints. */
    const settle = async (): Promise<{ fp: Map<string, string>; xid: string }> => {
      const deadline = Date.now() + 15_000;
      let prev = await nextXid();
      for (;;) {
        await w.ctx.trading.drain();
        while ((await busy()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 5));
        const next = await nextXid();
        if (next === prev || Date.now() > deadline) return { fp: await fingerprint(), xid: await nextXid() };
        prev = next;
      }
    };
    /** Fresh resources for the ops that use them up (a closed trade, a cancelled order or auction). */
    const refresh = async (): Promise<void> => {
      await w.call('admin', 'POST', '/api/v1/replay/pause');
      const t = await w.call('alice', 'POST', '/api/v1/trades', {
        symbol: 'BTC-USD',
        side: 'buy',
        entryType: 'limit',
        entryPrice: '90',
        stopLoss: '85',
        takeProfit: '120',
      });
      if (t.status === 201) w.ids.trade = t.body.trade.id as number;
      const o = await w.call('alice', 'POST', '/api/v1/exchange/orders', {
        marketId: w.ids.market,
        side: 'buy',
        price: '1',
        size: '1',
      });
      if (o.status === 201) w.ids.order = o.body.order.id as number;
      const a = await w.call('alice', 'POST', '/api/v1/exchange/auctions', { title: 'fuzz', minBid: '1' });
      if (a.status === 201) w.ids.auction = a.body.id as number;
      await w.call('alice', 'POST', `/api/v1/connections/${w.ids.connection}/enable`);
    };

    let { fp, xid } = await settle();
    for (let n = 0; n < opts.requests; n++) {
      if (n > 0 && n % 250 === 0) {
        await refresh();
        ({ fp, xid } = await settle());
      }
      const useBody = queryOps.length === 0 || rng.chance(0.85);
      const op = useBody ? rng.pick(bodyOps) : rng.pick(queryOps);
      const path = op.path.replace(/\{(\w+)\}/g, (_, p: string) => pathValue(w, op.path, p, rng));
      let url = path;
      if (op.query) {
        const q = new URLSearchParams();
        for (const [k, s] of Object.entries(op.query))
          if (rng.chance(0.5)) {
            const v = rng.chance(0.7) ? validish(s, rng, hints, k) : mutate({ v: validish(s, rng, hints, k) }, {}, rng);
            q.set(k, typeof v === 'string' ? v : JSON.stringify(v));
          }
        if ([...q].length > 0) url += `?${q.toString()}`;
      }
      let text: string | undefined;
      if (op.body) {
        const valid = validish(op.body, rng, hints);
        const v = rng.chance(0.35) ? valid : mutate(valid, op.body, rng);
        text =
          v !== null && typeof v === 'object' && 'raw' in v && typeof (v as { raw: unknown }).raw === 'string'
            ? (v as { raw: string }).raw
            : JSON.stringify(v);
      }
      const who = rng.chance(0.7) ? 'alice' : 'admin';
      const r = await w.call(who, op.method, url, text);
      summary.requests++;
      summary.statuses[r.status] = (summary.statuses[r.status] ?? 0) + 1;
      const key = `${op.method} ${op.path}`;
      summary.routes[key] = (summary.routes[key] ?? 0) + 1;
      const failure = (): FuzzFailure => ({
        method: op.method,
        url: url.slice(0, 300),
        who,
        body: (text ?? '').slice(0, 500),
        status: r.status,
        reply: r.text.slice(0, 500),
      });
      if (r.status >= 500) {
        summary.serverErrorCount++;
        if (summary.serverErrors.length < 50) summary.serverErrors.push(failure());
      }
      if (r.status >= 400 && r.status < 500 && (await nextXid()) !== xid) {
        const after = await fingerprint();
        let changed = [...after].filter(([t, h]) => fp.get(t) !== h).map(([t]) => t);
        if (r.status === 422 && r.body.error?.code === 'rule-rejected')
          changed = changed.filter((t) => !RULE_REJECTION_WRITES.includes(t));
        if (changed.includes('risk_profile_pending')) changed = changed.filter((t) => !DUE_CHANGE_WRITES.includes(t));
        if (changed.length > 0) {
          summary.changedOnRejectionCount++;
          if (summary.changedOnRejection.length < 50) summary.changedOnRejection.push({ ...failure(), changed });
        }
        ({ fp, xid } = await settle());
      } else if (r.status < 400 || r.status >= 500) ({ fp, xid } = await settle());
      if (opts.onProgress && (n + 1) % (opts.progressEvery ?? 1000) === 0) opts.onProgress(n + 1);
    }
  } finally {
    summary.ms = Date.now() - t0;
    await w.close();
  }
  return summary;
}

/** A short text report of a run (the CLI prints it). */
export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `fuzz: ${s.requests} requests, seed ${s.seed}, ${(s.ms / 1000).toFixed(1)} s`,
    `statuses: ${Object.entries(s.statuses)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
    `routes exercised: ${Object.keys(s.routes).length}`,
    `5xx: ${s.serverErrorCount}`,
  ];
  for (const f of s.serverErrors.slice(0, 5))
    lines.push(`  ${f.status} ${f.method} ${f.url} as ${f.who}\n    body: ${f.body}\n    reply: ${f.reply}`);
  lines.push(`database changed on a 4xx: ${s.changedOnRejectionCount}`);
  for (const f of s.changedOnRejection.slice(0, 5))
    lines.push(
      `  ${f.status} ${f.method} ${f.url} as ${f.who} changed ${f.changed?.join(', ')}\n    body: ${f.body}\n    reply: ${f.reply}`,
    );
  return lines.join('\n');
}
