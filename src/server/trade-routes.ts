/**
 * Trading routes: instruments, sizing previews, trade submission and management, positions and the decision log.
 * Every route declares its reply schemas: the server checks replies against them and the Desk's types are generated
 * from them (money, prices and quantities are decimal text; R-multiples and ratios are numbers).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import { ValidationError } from '../app/errors.ts';
import { requireUser } from './guards.ts';
import { CloseBody, DecisionsQuery, IdParams, JournalQuery, PriceBody, SetupBody, TradeEditBody } from './schemas.ts';

const money = z.string().describe('decimal text');
const time = z.string().describe('ISO 8601 UTC');

/** One rule's verdict: `code` is `pass` or the stable failure code. */
const Verdict = z.object({ rule: z.string(), passed: z.boolean(), code: z.string(), message: z.string() });

const sizingBase = {
  entryPrice: money.describe('entry price used: the limit, or the mark for a market entry'),
  requestedRiskPct: money.describe('risk per trade applied, percent of equity'),
  rewardRisk: z.number().nullable().describe('reward:risk at the take-profit (6 decimals); null without one'),
  budget: money.describe('equity × risk: the most the trade may lose, quote currency'),
  lossPerUnit: money.nullable().describe('loss per unit at the stop, fees included'),
  equity: money,
  qty: money.describe('quantity on the lot grid'),
};
/** The sizing of a setup: a size (ok) or why there is none. */
const Sizing = z.discriminatedUnion('ok', [
  z.object({
    ...sizingBase,
    ok: z.literal(true),
    notional: money.describe('qty × entry, quote currency'),
    entryFee: money,
    stopFee: money.describe('taker fee of a stop-out at the stop'),
    risk: money.describe('loss at the stop with both fees, quote currency, after rounding to the lot'),
    riskPct: money.describe('risk as percent of equity'),
    margin: money,
    cappedBy: z.enum(['risk', 'leverage', 'balance']),
    rewardAtTarget: money.nullable().describe('gain at the take-profit before fees; null without one'),
  }),
  z.object({
    ...sizingBase,
    ok: z.literal(false),
    code: z.string().describe('quantity-zero, quantity-below-minimum, notional-below-minimum or stop-equals-entry'),
    cappedBy: z.enum(['risk', 'leverage', 'balance']).nullable(),
  }),
]);

const Preview = z.object({
  approved: z.boolean(),
  verdicts: z.array(Verdict).describe('every rule of the protocol, in evaluation order'),
  failed: z.array(Verdict),
  sizing: Sizing,
});

const Instrument = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  tickSize: money,
  lotSize: money,
  minQty: money,
  minNotional: money,
  makerFee: money.describe('fraction, e.g. 0.001'),
  takerFee: money,
  lastPrice: money.nullable(),
});

const Order = z.object({
  id: z.number(),
  tradeId: z.number(),
  leg: z.enum(['entry', 'stop', 'target', 'manual', 'partial']),
  type: z.enum(['market', 'limit', 'stop-market']),
  side: z.enum(['buy', 'sell']),
  price: money.nullable(),
  qty: money,
  reduceOnly: z.boolean(),
  oco: z.boolean(),
  status: z.enum(['held', 'open', 'filled', 'cancelled', 'rejected']),
  updatedAt: time.nullable(),
  clientOrderId: z.string().nullable().optional().describe('client order id sent to the venue (live trades)'),
  venueOrderId: z.string().nullable().optional().describe("the venue's order id (live trades)"),
  filledQty: money.optional().describe('quantity filled so far'),
});

const Fill = z.object({
  id: z.number(),
  orderId: z.number(),
  tradeId: z.number(),
  price: money,
  qty: money,
  fee: money,
  liquidity: z.enum(['maker', 'taker']),
  filledAt: time,
});

/** A trade as the journal lists it (other fields may be added by the journal: the object is open). */
const Trade = z
  .object({
    id: z.number(),
    accountId: z.number(),
    decisionId: z.number().nullable().describe('null for a trade imported from a venue history'),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    status: z.enum(['pending', 'open', 'closed', 'cancelled', 'rejected']),
    entryType: z.enum(['market', 'limit']),
    entryPrice: money.describe('limit price, or the reference price of a market entry'),
    stopLoss: money.nullable().describe('initial stop-loss (null: imported, unknown)'),
    takeProfit: money.nullable().describe('initial take-profit'),
    qty: money.describe('entry quantity'),
    requestedRiskPct: money.nullable(),
    plannedRisk: money.nullable(),
    margin: money.nullable(),
    setup: z.string().nullable(),
    tags: z.array(z.string()),
    notes: z.string().nullable(),
    submittedAt: time.describe('market time of the submission'),
    createdAt: time.nullable(),
    openedAt: time.nullable(),
    entryFillPrice: money.nullable(),
    entryFee: money.nullable(),
    closedAt: time.nullable(),
    exitPrice: money.nullable().describe('price of the exit that closed the position (partial exits are fills)'),
    exitFee: money.nullable(),
    exitReason: z.enum(['stop', 'target', 'manual']).nullable(),
    grossPnl: money.nullable().describe('every exit included'),
    fees: money.nullable().describe('entry fee + every exit fee'),
    netPnl: money.nullable(),
    initialRisk: money
      .nullable()
      .describe('|entry fill − initial stop| × qty + entry fee + taker fee at the stop (set once open)'),
    rMultiple: z.number().nullable().describe('netPnl ÷ initialRisk'),
    maeR: z.number().nullable(),
    mfeR: z.number().nullable(),
    holdingMs: z.number().nullable(),
  })
  .loose();

const FromTo = z.object({ from: money.nullable(), to: money.nullable() });
const DecisionKind = z.enum([
  'submit',
  'move-stop',
  'move-target',
  'breakeven',
  'partial-close',
  'close',
  'venue',
  'reconcile',
]);

/** A stored decision of any kind. */
const Decision = z.object({
  id: z.number(),
  kind: DecisionKind,
  createdAt: time.nullable(),
  marketTime: time,
  symbol: z.string(),
  side: z.string(),
  approved: z.boolean(),
  input: z.record(z.string(), z.unknown()).describe('the request as received'),
  verdicts: z.array(Verdict),
  sizing: z.record(z.string(), z.unknown()).nullable().describe('the sizing of a submission; null for other kinds'),
  change: z
    .object({
      markPrice: money.optional(),
      stopLoss: FromTo.optional(),
      takeProfit: FromTo.optional(),
      openQty: FromTo.optional(),
      exitPrice: money.optional(),
      cancelled: z.boolean().optional(),
    })
    .nullable()
    .describe('what a change of a trade moved (to: null when refused); null for a submission'),
  tradeId: z.number().nullable(),
});

/** The decision in a submission's reply. */
const SubmitDecision = z.object({
  id: z.number(),
  kind: z.literal('submit').optional(),
  approved: z.boolean(),
  symbol: z.string(),
  side: z.string(),
  createdAt: time,
  verdicts: z.array(Verdict),
  sizing: Sizing,
  tradeId: z.number().nullable(),
});

const managementFields = {
  currentStopLoss: money.nullable().describe('the stop now (moves, breakeven); null: imported, unknown'),
  currentTakeProfit: money.nullable(),
  openQty: money.describe('size still open (the entry size while pending; 0 once closed)'),
  maeDistance: money.nullable().describe('largest adverse move from the entry fill, price units; null until filled'),
  mfeDistance: money.nullable().describe('largest favourable move from the entry fill, price units'),
  orders: z.array(Order),
};

/** One trade with everything the Desk's trade panel shows. */
const TradeDetail = Trade.extend({
  ...managementFields,
  fills: z.array(Fill),
  decisions: z.array(Decision).describe('every decision about this trade, the submission first'),
});

const Position = Trade.extend({
  ...managementFields,
  markPrice: money.nullable(),
  unrealizedPnl: money.nullable().describe('open size × (mark − entry fill), quote currency, before the exit fee'),
  unrealizedR: z.number().nullable().describe('unrealizedPnl ÷ initialRisk'),
});

/** A refusal: `rule-rejected` with the failed verdicts and the stored decision, or another 422 error. */
const Rejection = (decision: z.ZodType) =>
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      rules: z.array(Verdict).optional(),
      venueCode: z.string().nullable().optional().describe("the venue's own error code (venue-rejected)"),
    }),
    decision: decision.optional(),
    trade: Trade.extend({ orders: z.array(Order) })
      .optional()
      .describe('venue-rejected: the trade, status rejected'),
  });

const Managed = z.object({ decision: Decision, trade: TradeDetail });

/** Registers `/api/v1/instruments`, `/api/v1/sizing`, `/api/v1/trades*`, `/api/v1/positions` and `/api/v1/decisions`. */
export function tradeRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // --- market ---
  r.get('/api/v1/instruments', { schema: { tags: ['market'], response: { 200: z.array(Instrument) } } }, async () =>
    ctx.trading.listInstruments().map((i) => ({ ...i, lastPrice: ctx.trading.lastPrice(i.symbol) ?? null })),
  );

  // --- sizing and trades ---
  r.post(
    '/api/v1/sizing',
    { schema: { body: SetupBody, tags: ['trading'], response: { 200: Preview } } },
    async (req) => {
      const user = requireUser(req);
      return ctx.trading.preview(user.id, req.body) as unknown as z.infer<typeof Preview>;
    },
  );
  r.post(
    '/api/v1/trades',
    {
      schema: {
        body: SetupBody,
        tags: ['trading'],
        response: {
          201: z.object({ decision: SubmitDecision, trade: Trade.extend({ orders: z.array(Order) }) }),
          422: Rejection(SubmitDecision),
        },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const key = req.headers['idempotency-key'];
      if (typeof key === 'string' && key.length > 200)
        throw new ValidationError([
          { field: 'Idempotency-Key', code: 'invalid-idempotency-key', message: 'must be at most 200 characters' },
        ]);
      const k = typeof key === 'string' && key.length > 0 ? key : undefined;
      const res = await ctx.trading.submit(user.id, req.body, k);
      reply.code(res.status);
      if ('replayed' in res) reply.header('idempotent-replayed', 'true');
      return res.body as never;
    },
  );
  r.get(
    '/api/v1/trades',
    {
      schema: { querystring: JournalQuery, tags: ['trading'], response: { 200: z.object({ trades: z.array(Trade) }) } },
    },
    async (req) => {
      const user = requireUser(req);
      return { trades: (await ctx.journal.list(user.id, req.query)) as z.infer<typeof Trade>[] };
    },
  );
  r.get(
    '/api/v1/trades/:id',
    { schema: { params: IdParams, tags: ['trading'], response: { 200: TradeDetail } } },
    async (req) => {
      const user = requireUser(req);
      return (await ctx.trading.getTrade(user.id, req.params.id)) as z.infer<typeof TradeDetail>;
    },
  );
  r.patch(
    '/api/v1/trades/:id',
    { schema: { params: IdParams, body: TradeEditBody, tags: ['trading'], response: { 200: TradeDetail } } },
    async (req) => {
      const user = requireUser(req);
      return (await ctx.trading.editTrade(user.id, req.params.id, req.body)) as z.infer<typeof TradeDetail>;
    },
  );
  r.post(
    '/api/v1/trades/:id/close',
    {
      schema: {
        params: IdParams,
        body: CloseBody,
        tags: ['trading'],
        response: { 200: TradeDetail, 422: Rejection(Decision) },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const res = await ctx.trading.close(user.id, req.params.id, req.body.quantity);
      reply.code(res.status);
      return res.body as never;
    },
  );
  const manage = { params: IdParams, tags: ['trading'], response: { 200: Managed, 422: Rejection(Decision) } };
  r.post('/api/v1/trades/:id/stop', { schema: { ...manage, body: PriceBody } }, async (req, reply) => {
    const res = await ctx.trading.moveStop(requireUser(req).id, req.params.id, req.body.price);
    reply.code(res.status);
    return res.body as never;
  });
  r.post('/api/v1/trades/:id/target', { schema: { ...manage, body: PriceBody } }, async (req, reply) => {
    const res = await ctx.trading.moveTarget(requireUser(req).id, req.params.id, req.body.price);
    reply.code(res.status);
    return res.body as never;
  });
  r.post('/api/v1/trades/:id/breakeven', { schema: manage }, async (req, reply) => {
    const res = await ctx.trading.breakeven(requireUser(req).id, req.params.id);
    reply.code(res.status);
    return res.body as never;
  });
  r.get(
    '/api/v1/positions',
    { schema: { tags: ['trading'], response: { 200: z.object({ positions: z.array(Position) }) } } },
    async (req) => {
      const user = requireUser(req);
      return { positions: (await ctx.trading.positions(user.id)) as z.infer<typeof Position>[] };
    },
  );
  r.get(
    '/api/v1/decisions',
    {
      schema: {
        querystring: DecisionsQuery,
        tags: ['trading'],
        response: { 200: z.object({ decisions: z.array(Decision) }) },
      },
    },
    async (req) => {
      const user = requireUser(req);
      return { decisions: (await ctx.trading.decisions(user.id, req.query)) as z.infer<typeof Decision>[] };
    },
  );
}
