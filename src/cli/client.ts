/**
 * CLI commands that talk to a running server over HTTP: `testudo trade` and `testudo journal stats`.
 * Refusals by the server print `testudo <command>: <code>: <message>` on stderr (plus one indented line per failed
 * rule or field) and exit with code 1.
 */
import { CliError, usageError } from './errors.ts';

/** Where the client commands look for the server unless `--url` or `TESTUDO_URL` says otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

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
    throw usageError(
      'no API token: pass --token or set TESTUDO_TOKEN (the server prints one on first start)',
      'missing-token',
    );
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
    throw new CliError(
      'server-unreachable',
      `cannot reach ${f.url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : String(e)} (is \`testudo serve\` running? its address is printed when it starts)`,
    );
  }
  let json: Record<string, unknown>;
  try {
    json = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new CliError('bad-response', `${f.url} answered ${res.status} without JSON: is it a Testudo server?`);
  }
  return { status: res.status, json };
}

/**
 * The server's error reply as a {@link CliError} (exit code 1): its code and message, then one indented line per
 * failed field.
 */
function serverError(json: Record<string, unknown>): CliError {
  const err = (json.error ?? {}) as {
    code?: string;
    message?: string;
    fields?: { field: string; code?: string; message: string }[];
  };
  // the message already names the failed rules; the fields are listed one per line
  const details = (err.fields ?? []).map((x) => `  ${x.field}: ${x.code ? `${x.code}: ` : ''}${x.message}`);
  return new CliError(err.code ?? 'server-error', [err.message ?? 'the server refused', ...details].join('\n'));
}

/** Flags of `testudo trade`. */
export interface TradeFlags extends ClientFlags {
  symbol: string;
  side: string;
  stop?: string;
  /** Stop this percent away from the current price (instead of `stop`). */
  stopPct?: string;
  target?: string;
  /** Target at this multiple of the stop distance (instead of `target`). */
  targetR?: string;
  entry?: string;
  risk?: string;
  setup?: string;
  tag: string[];
  notes?: string;
  preview?: boolean;
  idempotencyKey?: string;
}

// --- prices from percentages: exact decimal arithmetic on integers (no floats on prices) ---

function decimals(s: string): number {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

function toUnits(s: string, dp: number): bigint {
  const [int = '0', frac = ''] = s.split('.');
  return BigInt(int + frac.padEnd(dp, '0').slice(0, dp));
}

function fromUnits(n: bigint, dp: number): string {
  const neg = n < 0n;
  const t = (neg ? -n : n).toString().padStart(dp + 1, '0');
  const s = dp === 0 ? t : `${t.slice(0, -dp)}.${t.slice(-dp)}`.replace(/\.?0+$/, '');
  return (neg ? '-' : '') + s;
}

/**
 * The stop and target of `--stop-pct P` and `--target-r R` from the current price `price` on the grid `tick`: a
 * long's stop P% below the price rounded down to the tick, its target R × (price − stop) above the price rounded up
 * (a short's mirrored), so the reward:risk at the current price is at least R.
 * @returns decimal texts; `stop` or `target` undefined when its flag was not given.
 * @throws CliError `invalid-option` (exit 2) for a percent outside (0, 100) or a non-positive R.
 */
export function bracketFromPercent(
  side: 'buy' | 'sell',
  price: string,
  tick: string,
  stopPct: string | undefined,
  targetR: string | undefined,
  stop?: string,
): { stop?: string; target?: string } {
  const dec = /^\d+(\.\d+)?$/;
  if (stopPct !== undefined && (!dec.test(stopPct) || !(Number(stopPct) > 0 && Number(stopPct) < 100)))
    throw usageError(`--stop-pct ${stopPct}: a percent of the price, above 0 and below 100`);
  if (targetR !== undefined && (!dec.test(targetR) || !(Number(targetR) > 0)))
    throw usageError(`--target-r ${targetR}: a positive multiple of the stop distance, e.g. 3`);
  const dp = Math.max(decimals(price), decimals(tick), stop ? decimals(stop) : 0);
  const p = toUnits(price, dp);
  const t = toUnits(tick, dp);
  if (t <= 0n) throw new CliError('bad-response', `the server gave tick size ${tick}`);
  const floorTick = (x: bigint): bigint => (x >= 0n ? (x / t) * t : -((-x + t - 1n) / t) * t);
  const ceilTick = (x: bigint): bigint => -floorTick(-x);
  const SCALE = 1_000_000n;
  let s: bigint | undefined;
  if (stopPct !== undefined) {
    const den = 100n * SCALE;
    const dist = (p * toUnits(stopPct, 6) + den - 1n) / den; // at least P% away
    s = side === 'buy' ? floorTick(p - dist) : ceilTick(p + dist);
    if (s <= 0n || s === p) throw usageError(`--stop-pct ${stopPct}: too small or too large for price ${price}`);
  } else if (stop !== undefined) s = toUnits(stop, dp);
  let target: bigint | undefined;
  if (targetR !== undefined && s !== undefined) {
    const reward = (toUnits(targetR, 6) * (side === 'buy' ? p - s : s - p) + SCALE - 1n) / SCALE;
    target = side === 'buy' ? ceilTick(p + reward) : floorTick(p - reward);
    if (target <= 0n) throw usageError(`--target-r ${targetR}: the target would be at or below zero`);
  }
  return {
    ...(stopPct !== undefined && s !== undefined ? { stop: fromUnits(s, dp) } : {}),
    ...(target !== undefined ? { target: fromUnits(target, dp) } : {}),
  };
}

/** `--stop`/`--stop-pct` and `--target`/`--target-r`: the stop and target to send (percentages priced now). */
async function resolveBracket(f: TradeFlags): Promise<{ stop: string; target?: string; price?: string }> {
  if ((f.stop === undefined) === (f.stopPct === undefined))
    throw usageError('give the stop as --stop PRICE or --stop-pct PERCENT (one of them)', 'missing-option');
  if (f.target !== undefined && f.targetR !== undefined)
    throw usageError('give the target as --target PRICE or --target-r MULTIPLE, not both');
  if (f.stopPct === undefined && f.targetR === undefined) return { stop: f.stop!, target: f.target };
  const side = /^(buy|long)$/i.test(f.side) ? 'buy' : /^(sell|short)$/i.test(f.side) ? 'sell' : undefined;
  if (!side) throw usageError(`--side ${f.side}: use buy or sell`);
  const r = await call(f, 'GET', '/api/v1/instruments');
  if (r.status >= 400) throw serverError(r.json);
  const list = (Array.isArray(r.json) ? r.json : []) as {
    symbol: string;
    tickSize: string;
    lastPrice: string | null;
  }[];
  const inst = list.find((i) => i.symbol === f.symbol);
  if (!inst)
    throw new CliError('unknown-symbol', `${f.symbol} is not traded here (${list.map((i) => i.symbol).join(', ')})`);
  const price = f.entry ?? inst.lastPrice;
  if (!price) throw new CliError('no-market-data', `no price for ${f.symbol} yet: the feed has not sent a bar`);
  const b = bracketFromPercent(side, price, inst.tickSize, f.stopPct, f.targetR, f.stop);
  return { stop: b.stop ?? f.stop!, target: b.target ?? f.target, price };
}

/** Action of `testudo trade`. */
export async function runTrade(f: TradeFlags): Promise<void> {
  const bracket = await resolveBracket(f);
  if (bracket.price && !f.json)
    process.stdout.write(
      `at ${bracket.price}: stop ${bracket.stop}${bracket.target ? `, target ${bracket.target}` : ''}\n`,
    );
  const body = {
    symbol: f.symbol,
    side: f.side,
    stopLoss: bracket.stop,
    ...(bracket.target ? { takeProfit: bracket.target } : {}),
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
    if (f.json) {
      process.exitCode = 1;
      return;
    }
    throw serverError(r.json);
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
  if (r.status >= 400) throw serverError(r.json);
  for (const line of statsLines(r.json)) process.stdout.write(line + '\n');
}

/** En dash: a statistic that is undefined (no trades, no losses, ...), never shown as 0. */
export const UNDEFINED_STAT = '–';

/**
 * The table `journal stats` prints, one line per statistic. A statistic the server reports as null (or not a finite
 * number) — the win rate of an empty journal, the profit factor without losses — prints as an en dash `–`.
 */
export function statsLines(s: Record<string, unknown>): string[] {
  // With no closed trade the ratios are undefined even when the server sends 0 for them.
  const empty = s.trades === 0;
  const n = (v: unknown, d = 2, unit = ''): string =>
    !empty && typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(d)}${unit}` : UNDEFINED_STAT;
  const rows: [string, string][] = [
    ['trades', String(s.trades)],
    ['win rate', n(typeof s.winRate === 'number' ? s.winRate * 100 : null, 1, '%')],
    ['avg win', n(s.avgWinR, 2, ' R')],
    ['avg loss', n(s.avgLossR, 2, ' R')],
    ['expectancy', n(s.expectancyR, 2, ' R')],
    ['SQN', n(s.sqn)],
    ['profit factor', n(s.profitFactor)],
    ['total', typeof s.totalR === 'number' ? `${s.totalR.toFixed(2)} R` : UNDEFINED_STAT],
    ['net P&L', String(s.netPnl)],
    [
      'max drawdown',
      `${String(s.maxDrawdown)}${typeof s.maxDrawdownPct === 'number' ? ` (${s.maxDrawdownPct.toFixed(2)}%)` : ''}`,
    ],
    ['longest losing streak', String(s.longestLosingStreak)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(22)} ${v}`);
}
