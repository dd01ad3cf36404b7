/**
 * What a run's intents do: an entry becomes a setup submitted through the trading service's submission path
 * (`TradingService.submit`: sizing from the stop, every rule, a bracket) with the Idempotency-Key
 * `strategy-run:<runId>:<barTimeMs>:<seq>`; a close closes the run's open trades at market through the trading
 * service's manual close; a cancel cancels the run's pending entries. Used by the server's runner (built-in
 * strategies) and by the client-hosted run endpoints alike.
 *
 * Invariants:
 * - Every entry goes through `TradingService.submit`; nothing here sizes, decides or writes a trade itself.
 * - (run, bar time, seq) is done at most once: a stored `strategy_orders` row answers a repeat with its stored
 *   result, and an entry's submission is keyed, so a repeat after a crash between the submission and the row
 *   replays the trading service's stored answer and never opens a second trade.
 * - A refused entry is a value (approved false, with its codes), never an error that stops the run.
 */
import type { Sql } from '../../db/sql.ts';
import { toInt } from '../../db/sql.ts';
import type { SetupInput, SubmitResult, TradingService } from '../trading.ts';
import { ConflictError, NotFoundError, TestudoError, ValidationError } from '../errors.ts';
import { snapToTick, type StrategyIntent } from '../../core/strategy/driver.ts';
import type { EventKind } from './views.ts';

/** What the executor needs to know of a run. */
export interface RunRef {
  id: number;
  userId: number;
  strategy: string;
  symbol: string;
  connectionId: number | null;
}

/** An event to record for a run. */
export interface PendingEvent {
  kind: EventKind;
  barTime: number | null;
  data: Record<string, unknown>;
}

/** The outcome of one intent: the `strategy_orders` row to write and the events to record. */
export interface IntentOutcome {
  seq: number;
  kind: 'entry' | 'close' | 'cancel';
  approved: boolean;
  decisionId: number | null;
  tradeId: number | null;
  /** The answer a repeat gets: for an entry the submission's status and body (as `POST /api/v1/trades`). */
  result: { status: number; body: Record<string, unknown> };
  events: PendingEvent[];
  /** True when the outcome was already stored (nothing to write or record). */
  stored: boolean;
}

/** The Idempotency-Key of an entry: `strategy-run:<runId>:<barTimeMs>:<seq>`. */
export function idempotencyKey(runId: number, barTime: number, seq: number): string {
  return `strategy-run:${runId}:${barTime}:${seq}`;
}

/** The tag every trade of run `runId` carries. */
export function runTag(runId: number): string {
  return `strategy-run-${runId}`;
}

/** The stored outcome of (run, bar, seq), or null. */
export async function storedOutcome(
  q: Sql,
  runId: number,
  barTime: number,
  seq: number,
): Promise<IntentOutcome | null> {
  const [r] = await q.query('SELECT * FROM strategy_orders WHERE run_id = $1 AND bar_time = $2 AND seq = $3', [
    runId,
    new Date(barTime),
    seq,
  ]);
  if (!r) return null;
  return {
    seq,
    kind: r.kind as IntentOutcome['kind'],
    approved: Boolean(r.approved),
    decisionId: r.decision_id === null ? null : toInt(r.decision_id),
    tradeId: r.trade_id === null ? null : toInt(r.trade_id),
    result: r.result as IntentOutcome['result'],
    events: [],
    stored: true,
  };
}

/** Ids of the run's trades with status in `statuses`, oldest first. */
export async function runTrades(q: Sql, runId: number, statuses: string[]): Promise<number[]> {
  const rows = await q.query(
    `SELECT t.id FROM strategy_orders so JOIN trades t ON t.id = so.trade_id
      WHERE so.run_id = $1 AND t.status = ANY($2) ORDER BY t.id`,
    [runId, statuses],
  );
  return rows.map((r) => toInt(r.id));
}

/** A refusal before or by the rules: the 422 body (as `POST /api/v1/trades` answers a refusal) and its event. */
function refused(
  seq: number,
  barTime: number,
  intent: Record<string, unknown>,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): IntentOutcome {
  const body = { error: { code, message, ...extra } };
  return {
    seq,
    kind: 'entry',
    approved: false,
    decisionId: null,
    tradeId: null,
    result: { status: 422, body },
    events: [{ kind: 'decision', barTime, data: { seq, approved: false, codes: [code], message, intent } }],
    stored: false,
  };
}

/** The codes of a submission's failed rules (or its error code). */
function failedCodes(body: Record<string, unknown>): string[] {
  const err = body.error as { code?: string; rules?: { code: string }[] } | undefined;
  if (err?.rules?.length) return err.rules.map((r) => r.code);
  return err?.code ? [err.code] : [];
}

/**
 * Submits an entry intent of `run` on the bar opening at `barTime` (see the module comment). The stop-loss and
 * take-profit are snapped to `tickSize` as the backtester snaps them; a limit entry is a limit setup.
 * Refusals (values): `stop-required` (no stop-loss), `stop-entry-unsupported` (a stop entry), `invalid-price`,
 * every code the submission answers (`rule-rejected` with the rules' codes, `validation-failed`, `no-market-price`,
 * `no-market-data`, `idempotency-key-reused`…).
 * @throws only unexpected errors (a database failure).
 */
export async function submitEntry(
  trading: TradingService,
  run: RunRef,
  tickSize: string,
  barTime: number,
  seq: number,
  intent: Extract<StrategyIntent, { kind: 'buy' | 'sell' }>,
): Promise<IntentOutcome> {
  const shown = { side: intent.kind, sl: intent.sl, tp: intent.tp, limit: intent.limit, tag: intent.tag };
  if (intent.sl === null)
    return refused(seq, barTime, shown, 'stop-required', 'the strategy placed an order without a stop-loss (sl)');
  if (intent.stop !== null)
    return refused(seq, barTime, shown, 'stop-entry-unsupported', 'stop entries are not supported live');
  let input: SetupInput;
  try {
    const limit = snapToTick(intent.limit, tickSize);
    input = {
      symbol: run.symbol,
      side: intent.kind,
      entryType: limit === null ? 'market' : 'limit',
      ...(limit === null ? {} : { entryPrice: limit }),
      stopLoss: snapToTick(intent.sl, tickSize)!,
      ...(intent.tp === null ? {} : { takeProfit: snapToTick(intent.tp, tickSize)! }),
      setup: run.strategy,
      tags: [runTag(run.id), ...(intent.tag ? [intent.tag] : [])],
      ...(run.connectionId === null ? {} : { connectionId: run.connectionId }),
    };
  } catch (e) {
    return refused(seq, barTime, shown, 'invalid-price', (e as Error).message);
  }
  let res: SubmitResult;
  try {
    res = await trading.submit(run.userId, input, idempotencyKey(run.id, barTime, seq));
  } catch (e) {
    if (!(e instanceof TestudoError)) throw e;
    return refused(seq, barTime, shown, e.code, e.message, e instanceof ValidationError ? { fields: e.issues } : {});
  }
  const decision = (res.body.decision ?? {}) as { id?: number };
  const trade = res.body.trade as Record<string, unknown> | undefined;
  const tradeId = trade ? Number(trade.id) : null;
  const events: PendingEvent[] = [
    {
      kind: 'decision',
      barTime,
      data: {
        seq,
        approved: res.status === 201,
        decisionId: decision.id ?? null,
        tradeId,
        codes: res.status === 201 ? [] : failedCodes(res.body),
        message: res.status === 201 ? 'approved' : ((res.body.error as { message?: string })?.message ?? ''),
        intent: shown,
      },
    },
  ];
  if (trade) {
    events.push({
      kind: 'order',
      barTime,
      data: {
        seq,
        tradeId,
        side: trade.side,
        entryType: trade.entryType,
        qty: trade.qty,
        entryPrice: trade.entryPrice,
        stopLoss: trade.stopLoss,
        takeProfit: trade.takeProfit,
        riskPct: trade.requestedRiskPct,
        plannedRisk: trade.plannedRisk,
      },
    });
    if (trade.status === 'open')
      events.push({
        kind: 'fill',
        barTime,
        data: {
          tradeId,
          leg: 'entry',
          price: trade.entryFillPrice,
          qty: trade.qty,
          fee: trade.entryFee,
          filledAt: trade.openedAt,
        },
      });
  }
  return {
    seq,
    kind: 'entry',
    approved: res.status === 201,
    decisionId: decision.id ?? null,
    tradeId,
    result: { status: res.status, body: res.body },
    events,
    stored: false,
  };
}

/**
 * Closes the run's open trades (`close`) at market, or cancels its pending entries (`cancel`), through the trading
 * service's manual close. A trade that ended meanwhile is skipped. The result lists the trades it ended.
 * @throws only unexpected errors.
 */
export async function endTrades(
  sql: Sql,
  trading: TradingService,
  run: RunRef,
  barTime: number,
  seq: number,
  kind: 'close' | 'cancel',
): Promise<IntentOutcome> {
  const ids = await runTrades(sql, run.id, [kind === 'close' ? 'open' : 'pending']);
  const ended: number[] = [];
  const failed: { tradeId: number; code: string; message: string }[] = [];
  for (const id of ids) {
    try {
      const r = await trading.close(run.userId, id);
      if (r.status === 200) ended.push(id);
      else failed.push({ tradeId: id, code: 'rule-rejected', message: JSON.stringify(r.body.error ?? {}) });
    } catch (e) {
      if (e instanceof ConflictError || e instanceof NotFoundError) continue; // ended meanwhile
      if (!(e instanceof TestudoError)) throw e;
      failed.push({ tradeId: id, code: e.code, message: e.message });
    }
  }
  const body = { [kind === 'close' ? 'closed' : 'cancelled']: ended, failed };
  return {
    seq,
    kind,
    approved: failed.length === 0,
    decisionId: null,
    tradeId: null,
    result: { status: 200, body },
    events: [{ kind: 'decision', barTime, data: { seq, kind, approved: failed.length === 0, ...body } }],
    stored: false,
  };
}

/** Writes the `strategy_orders` row of an outcome (a stored one is left as it is). */
export async function writeOutcome(q: Sql, runId: number, barTime: number, o: IntentOutcome): Promise<void> {
  if (o.stored) return;
  await q.query(
    `INSERT INTO strategy_orders (run_id, bar_time, seq, kind, decision_id, trade_id, approved, result)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id, bar_time, seq) DO NOTHING`,
    [runId, new Date(barTime), o.seq, o.kind, o.decisionId, o.tradeId, o.approved, JSON.stringify(o.result)],
  );
}
