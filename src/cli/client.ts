/**
 * CLI commands that talk to a running server over HTTP: `testudo trade` and `testudo journal stats`.
 */

/** Flags shared by the commands that talk to a server: its URL, an API token, JSON output. */
export interface ClientFlags {
  url: string;
  token?: string;
  json?: boolean;
}

/**
 * One request to the server at `f.url` with the bearer token `f.token`: JSON body in, status and JSON body out.
 * @throws Error when no token is given or the server cannot be reached (the message says what to do).
 */
export async function call(
  f: ClientFlags,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  if (!f.token)
    throw new Error('no API token: pass --token or set TESTUDO_TOKEN (the server prints one on first start)');
  let res: Response;
  try {
    res = await fetch(new URL(path, f.url), {
      method,
      headers: {
        authorization: `Bearer ${f.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new Error(
      `cannot reach ${f.url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : String(e)} (is \`testudo serve\` running?)`,
    );
  }
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function printError(json: Record<string, unknown>): void {
  const err = json.error as {
    code: string;
    message: string;
    rules?: { code: string; message: string }[];
    fields?: { field: string; message: string }[];
  };
  process.stderr.write(`${err.code}: ${err.message}\n`);
}

/** Flags of `testudo trade`. */
export interface TradeFlags extends ClientFlags {
  symbol: string;
  side: string;
  stop: string;
  target?: string;
  entry?: string;
  risk?: string;
  setup?: string;
  tag: string[];
  notes?: string;
  preview?: boolean;
  idempotencyKey?: string;
}

/** Action of `testudo trade`. */
export async function runTrade(f: TradeFlags): Promise<void> {
  const body = {
    symbol: f.symbol,
    side: f.side,
    stopLoss: f.stop,
    ...(f.target ? { takeProfit: f.target } : {}),
    ...(f.entry ? { entryPrice: f.entry } : {}),
    ...(f.risk ? { riskPct: f.risk } : {}),
    ...(f.setup ? { setup: f.setup } : {}),
    ...(f.tag.length ? { tags: f.tag } : {}),
    ...(f.notes ? { notes: f.notes } : {}),
  };
  const r = await call(
    f,
    'POST',
    f.preview ? '/api/v1/sizing' : '/api/v1/trades',
    body,
    f.idempotencyKey ? { 'idempotency-key': f.idempotencyKey } : {},
  );
  if (f.json) process.stdout.write(JSON.stringify(r.json) + '\n');
  if (r.status >= 400) {
    if (!f.json) printError(r.json);
    process.exitCode = 1;
    return;
  }
  if (f.json) return;
  if (f.preview) {
    const s = r.json.sizing as Record<string, unknown>;
    process.stdout.write(
      `${r.json.approved ? 'would be approved' : 'would be rejected'}: qty ${String(s.qty)}, risk ${String(s.risk ?? '-')} (${String(s.riskPct ?? '-')}%)\n`,
    );
    for (const v of r.json.verdicts as { passed: boolean; code: string; message: string }[])
      process.stdout.write(`  ${v.passed ? 'ok  ' : 'FAIL'} ${v.code === 'pass' ? '' : v.code + ': '}${v.message}\n`);
    return;
  }
  const t = r.json.trade as Record<string, unknown>;
  process.stdout.write(
    `trade ${String(t.id)} ${String(t.status)}: ${String(t.side)} ${String(t.qty)} ${String(t.symbol)} @ ${String(t.entryFillPrice ?? t.entryPrice)}, stop ${String(t.stopLoss)}, target ${String(t.takeProfit)}, risk ${String(t.plannedRisk)} (${String(t.requestedRiskPct)}%)\n`,
  );
}

/** Flags of `testudo journal stats`. */
export interface StatsFlags extends ClientFlags {
  from?: string;
  to?: string;
  symbol?: string;
  setup?: string;
  tag?: string;
}

/** Action of `testudo journal stats`. */
export async function runJournalStats(f: StatsFlags): Promise<void> {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'symbol', 'setup', 'tag'] as const) if (f[k]) q.set(k, f[k]!);
  const r = await call(f, 'GET', `/api/v1/journal/stats?${q}`);
  if (f.json) {
    process.stdout.write(JSON.stringify(r.json) + '\n');
    if (r.status >= 400) process.exitCode = 1;
    return;
  }
  if (r.status >= 400) {
    printError(r.json);
    process.exitCode = 1;
    return;
  }
  const s = r.json;
  const n = (v: unknown, d = 2): string => (typeof v === 'number' ? v.toFixed(d) : '-');
  const rows: [string, string][] = [
    ['trades', String(s.trades)],
    ['win rate', `${n((s.winRate as number) * 100, 1)}%`],
    ['avg win', `${n(s.avgWinR)} R`],
    ['avg loss', `${n(s.avgLossR)} R`],
    ['expectancy', `${n(s.expectancyR)} R`],
    ['SQN', n(s.sqn)],
    ['profit factor', n(s.profitFactor)],
    ['total', `${n(s.totalR)} R`],
    ['net P&L', String(s.netPnl)],
    ['max drawdown', `${String(s.maxDrawdown)} (${n(s.maxDrawdownPct)}%)`],
    ['longest losing streak', String(s.longestLosingStreak)],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(22)} ${v}\n`);
}
