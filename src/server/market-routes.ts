/**
 * Market data routes for the Desk: chart bars (`GET /candles`), the chartable symbols (`GET /market/symbols`), and
 * candle file uploads into the shared store (`POST /candles/import`, admins only, followed with
 * `GET /candles/imports/:id` and the `import-*` events on `/ws`).
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { audit } from '../app/journal-audit.ts';
import { NotFoundError, ValidationError, type FieldIssue } from '../app/errors.ts';
import { TIMEFRAMES, isTimeframe, type Timeframe } from '../core/marketdata/candle.ts';
import { parseTimeText } from '../core/marketdata/importers.ts';
import { UploadedFile, spoolUpload } from '../app/candle-imports.ts';
import { requireAdmin, requireUser } from './guards.ts';

/** Largest upload `POST /candles/import` takes, bytes. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

const TIMEFRAME_LIST = Object.keys(TIMEFRAMES) as Timeframe[];
const timeframeEnum = z.enum(TIMEFRAME_LIST as [Timeframe, ...Timeframe[]]);
/** A timeframe in a query: any text (checked by the handler: `invalid-timeframe`), typed as the enum for the Desk. */
const timeframeParam = z
  .string()
  .max(10)
  .meta({ enum: TIMEFRAME_LIST, description: TIMEFRAME_LIST.join(' ') });
const timeParam = z
  .string()
  .max(40)
  .describe('ISO 8601 date or date-time (UTC when no offset), or epoch seconds (epoch ms with 11+ digits)');

/** Query of `GET /api/v1/candles`. */
const CandlesQuery = z
  .object({
    symbol: z.string().min(1).max(40).describe('e.g. BTC-USD'),
    timeframe: timeframeParam,
    from: timeParam.optional().describe('bars opening at or after this time'),
    to: timeParam.optional().describe('bars opening before this time (default: now)'),
    limit: z.coerce.number().int().min(1).max(5000).default(500).describe('the newest `limit` bars of the range'),
  })
  .strict();

/** One bar of a chart. */
export const ChartBarSchema = z.object({
  time: z.number().int().describe('open time, epoch seconds UTC (lightweight-charts UTCTimestamp)'),
  open: z.string(),
  high: z.string(),
  low: z.string(),
  close: z.string(),
  volume: z.string().describe('base units'),
  complete: z.boolean().describe('false for a bar still forming (the current higher-timeframe bucket)'),
});

/** Reply of `GET /api/v1/candles`. */
export const CandlesResponse = z.object({
  symbol: z.string(),
  timeframe: timeframeEnum,
  feed: z.enum(['replay', 'live']).nullable().describe('the feed serving the symbol, or null'),
  feedTime: z.number().int().nullable().describe("the feed's clock, epoch seconds: no bar closes after it"),
  bars: z.array(ChartBarSchema).describe('ascending by time'),
  more: z.boolean().describe('older bars exist in the range: ask again with to = bars[0].time'),
});

/** Reply of `GET /api/v1/market/symbols`. */
export const MarketSymbolsResponse = z.object({
  symbols: z.array(
    z.object({
      symbol: z.string(),
      feed: z.enum(['replay', 'live']).nullable(),
      feedTimeframe: timeframeEnum.nullable(),
      lastPrice: z.string().nullable(),
      tradable: z.boolean().describe('an instrument trades can be submitted on'),
      stored: z
        .array(z.object({ timeframe: timeframeEnum, first: z.number().int(), last: z.number().int() }))
        .describe('series in the candle store, first/last bar open time in epoch seconds'),
      timeframes: z.array(timeframeEnum).describe('timeframes GET /candles serves for this symbol'),
    }),
  ),
});

const UPLOAD_FORMATS = ['csv', 'yahoo', 'cryptodatadownload', 'json', 'trades'] as const;

/** Query of `POST /api/v1/candles/import`. */
const ImportQuery = z
  .object({
    symbol: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]{0,39}$/, 'must be 1–40 letters, digits and . _ / : -')
      .describe('e.g. BTC-USD'),
    timeframe: timeframeParam.optional().describe('inferred from the bar spacing when omitted; 1m for trades'),
    format: z.enum(UPLOAD_FORMATS).optional().describe('detected from the content when omitted'),
  })
  .strict();

const FieldIssueSchema = z.object({
  field: z.string(),
  code: z.string(),
  message: z.string(),
  line: z.number().int().optional().describe('1-based line (CSV) or array element (JSON) of the problem'),
});

/** An import job's state (reply of the import routes; data of `import-done` and `import-failed`). */
export const ImportJobSchema = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  phase: z.enum(['queued', 'parsing', 'storing', 'done', 'failed']),
  symbol: z.string(),
  timeframe: timeframeEnum.nullable(),
  format: z.string().nullable(),
  bytes: z.number().int().describe('upload bytes read so far'),
  total: z.number().int().describe('upload size in bytes'),
  rows: z.number().int().describe('candles stored so far'),
  rowsTotal: z.number().int().nullable().describe('candles in the file, once parsed'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  result: z
    .object({
      format: z.string(),
      timeframe: timeframeEnum,
      trades: z.number().int().nullable(),
      candles: z.number().int(),
      inserted: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      first: z.string().nullable(),
      last: z.string().nullable(),
      rolledUp: z.record(z.string(), z.number().int()),
      outOfOrder: z.object({ rows: z.number().int(), firstLine: z.number().int() }).nullable(),
    })
    .nullable(),
  error: z
    .object({ code: z.string(), message: z.string(), fields: z.array(FieldIssueSchema).optional() })
    .nullable()
    .describe('why it failed: validation-failed with the file line in fields, or internal-error'),
});

/** The signed-in admin (one guard for every route: `guards.ts`); re-exported for the replay routes. */
export { requireAdmin };

/** Writes an admin action to the audit trail (`audit_log`, deployment-wide: no subject): actor, action, address. */
export async function auditAdmin(
  ctx: AppContext,
  req: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  await audit(ctx.sql, { userId: req.user?.id ?? null, address: req.ip }, action, null, details);
}

/** A query time as ms UTC; a bad one is added to `issues` as `invalid-time` of `field`. */
function timeOf(v: string | undefined, field: string, issues: FieldIssue[]): number | undefined {
  if (v === undefined) return undefined;
  const t = parseTimeText(v.trim());
  if (t === undefined)
    issues.push({ field, code: 'invalid-time', message: 'must be an ISO 8601 date or date-time, or epoch seconds' });
  return t;
}

/** The timeframe of a query; a bad one is added to `issues` as `invalid-timeframe`. */
function timeframeOf(v: string, issues: FieldIssue[]): Timeframe | undefined {
  if (isTimeframe(v)) return v;
  issues.push({ field: 'timeframe', code: 'invalid-timeframe', message: `must be one of ${TIMEFRAME_LIST.join(' ')}` });
  return undefined;
}

/** Registers `/api/v1/candles*` and `/api/v1/market/symbols`. */
export async function marketRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/candles',
    { schema: { tags: ['market'], querystring: CandlesQuery, response: { 200: CandlesResponse } } },
    async (req) => {
      requireUser(req);
      const q = req.query;
      const issues: FieldIssue[] = [];
      const timeframe = timeframeOf(q.timeframe, issues);
      const from = timeOf(q.from, 'from', issues);
      const to = timeOf(q.to, 'to', issues);
      if (from !== undefined && to !== undefined && from > to)
        issues.push({ field: 'from', code: 'from-after-to', message: 'must not be after to' });
      if (!(await ctx.market.knows(q.symbol)))
        issues.push({ field: 'symbol', code: 'unknown-symbol', message: `no market data for ${q.symbol}` });
      if (issues.length > 0 || !timeframe) throw new ValidationError(issues);
      return ctx.market.candles({ symbol: q.symbol, timeframe, from, to, limit: q.limit });
    },
  );

  r.get(
    '/api/v1/market/symbols',
    { schema: { tags: ['market'], response: { 200: MarketSymbolsResponse } } },
    async (req) => {
      requireUser(req);
      return { symbols: await ctx.market.symbols() };
    },
  );

  r.get(
    '/api/v1/candles/imports/:id',
    { schema: { tags: ['market'], params: z.object({ id: z.uuid() }), response: { 200: ImportJobSchema } } },
    async (req) => {
      const u = requireAdmin(req);
      const job = ctx.market.imports.get(req.params.id, u.id);
      if (!job) throw new NotFoundError('import-not-found', `no import ${req.params.id}`);
      return job;
    },
  );

  // The upload takes the raw file, whatever its content type, spooled to a temporary file as it arrives (at most
  // MAX_UPLOAD_BYTES); for this route only. A file no job claimed is deleted once the reply is sent.
  await app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', async (req: FastifyRequest, payload: Readable) => {
      const declared = Number(req.headers['content-length']);
      return spoolUpload(payload, MAX_UPLOAD_BYTES, Number.isFinite(declared) ? declared : undefined);
    });
    child.addHook('onResponse', async (req) => {
      if (req.body instanceof UploadedFile) await req.body.discard();
    });
    child.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/candles/import',
      {
        bodyLimit: MAX_UPLOAD_BYTES,
        // refused before a byte of the body is read: nobody but an admin gets to send 100 MB
        preParsing: async (req) => {
          requireAdmin(req);
        },
        schema: {
          tags: ['market'],
          description:
            'Admins: the raw candle file as the body (text/csv, application/json, application/gzip or ' +
            'application/octet-stream; gzip is detected by its bytes; at most 100 MB). Answers 202 with the job; ' +
            'progress and the outcome come as import-progress, import-done and import-failed events on /ws.',
          querystring: ImportQuery,
          response: { 202: ImportJobSchema },
        },
      },
      async (req, reply) => {
        const u = requireAdmin(req);
        const q = req.query;
        const issues: FieldIssue[] = [];
        const timeframe = q.timeframe === undefined ? undefined : timeframeOf(q.timeframe, issues);
        if (issues.length > 0) throw new ValidationError(issues);
        const file = req.body instanceof UploadedFile ? req.body : new UploadedFile('', 0);
        const job = ctx.market.imports.submit({ userId: u.id, symbol: q.symbol, timeframe, format: q.format, file });
        await auditAdmin(ctx, req, 'candles-import', {
          id: job.id,
          symbol: q.symbol,
          timeframe: q.timeframe ?? null,
          format: q.format ?? null,
          bytes: file.bytes,
        });
        reply.code(202);
        return job;
      },
    );
  });
}
