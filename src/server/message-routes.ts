/**
 * Research message routes (`/api/v1/messages`): a user's trade ideas and analyses with a Markdown body, tags and
 * optional symbol, strategy and trade links; list (newest first, cursor-paged, full-text `q`, `tag`, `symbol`,
 * `strategy` filters), create, get, change, delete. Owner-only: another user's message is `404 message-not-found`.
 * Scopes and rate limits come from the global hooks (GET needs `read`, writes need `trade`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { MESSAGE_LIMITS, Messages } from '../app/messages.ts';
import { requireUser } from './guards.ts';
import { IdParams } from './schemas.ts';

const L = MESSAGE_LIMITS;
const isoTime = z.string().describe('ISO 8601 UTC');
const optionalText = (max: number, what: string) => z.string().trim().max(max).nullable().describe(what);

const fields = {
  title: optionalText(L.title, 'optional heading; blank or null for none'),
  body: z
    .string()
    .min(1, { abort: true })
    .max(L.body, { abort: true })
    .refine((s) => s.trim() !== '', 'must not be blank')
    .describe('Markdown, stored as text (the Desk renders and sanitises it)'),
  tags: z
    .array(z.string().trim().min(1).max(L.tag))
    .max(L.tags)
    .describe('normalised to lowercase kebab-case (“Mean Reversion” → mean-reversion), duplicates dropped'),
  symbol: optionalText(L.symbol, 'e.g. BTC-USD; null for none'),
  strategy: optionalText(L.strategy, 'a strategy name such as sma-cross; null for none'),
  tradeId: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe('one of your own trades; another user’s or a missing trade is 422 unknown-trade'),
};

/** Body of `POST /api/v1/messages`. */
export const MessageBody = z
  .object({
    title: fields.title.optional(),
    body: fields.body,
    tags: fields.tags.default([]),
    symbol: fields.symbol.optional(),
    strategy: fields.strategy.optional(),
    tradeId: fields.tradeId.optional(),
  })
  .strict();

/** Body of `PATCH /api/v1/messages/:id`: any subset; null clears title, symbol, strategy or tradeId. */
export const MessagePatchBody = z
  .object({
    title: fields.title.optional(),
    body: fields.body.optional(),
    tags: fields.tags.optional(),
    symbol: fields.symbol.optional(),
    strategy: fields.strategy.optional(),
    tradeId: fields.tradeId.optional(),
  })
  .strict();

/** Query of `GET /api/v1/messages`. */
export const MessageListQuery = z
  .object({
    q: z.string().max(L.q).optional().describe('full-text search over title and body (web search syntax)'),
    tag: z.string().max(L.tag).optional().describe('messages with this tag (normalised like stored tags)'),
    symbol: z.string().max(L.symbol).optional(),
    strategy: z.string().max(L.strategy).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.coerce.number().int().positive().optional().describe('the previous page’s nextCursor'),
  })
  .strict();

/** A research message. */
export const MessageSchema = z.object({
  id: z.number().int(),
  title: z.string().nullable(),
  body: z.string().describe('Markdown'),
  tags: z.array(z.string()),
  symbol: z.string().nullable(),
  strategy: z.string().nullable(),
  tradeId: z.number().int().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** `GET /api/v1/messages`: a page, newest first. */
export const MessageListReply = z.object({
  messages: z.array(MessageSchema),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
});

/** Registers `/api/v1/messages` and `/api/v1/messages/:id`. */
export function messageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const messages = new Messages(ctx.sql);
  const tags = ['messages'];

  r.post(
    '/api/v1/messages',
    { schema: { body: MessageBody, tags, response: { 201: MessageSchema } } },
    async (req, reply) => {
      const m = await messages.create(requireUser(req).id, req.body);
      reply.code(201);
      return m;
    },
  );
  r.get(
    '/api/v1/messages',
    { schema: { querystring: MessageListQuery, tags, response: { 200: MessageListReply } } },
    async (req) => messages.list(requireUser(req).id, req.query),
  );
  r.get('/api/v1/messages/:id', { schema: { params: IdParams, tags, response: { 200: MessageSchema } } }, async (req) =>
    messages.get(requireUser(req).id, req.params.id),
  );
  r.patch(
    '/api/v1/messages/:id',
    { schema: { params: IdParams, body: MessagePatchBody, tags, response: { 200: MessageSchema } } },
    async (req) => messages.update(requireUser(req).id, req.params.id, req.body),
  );
  r.delete(
    '/api/v1/messages/:id',
    { schema: { params: IdParams, tags, response: { 204: z.null().describe('deleted') } } },
    async (req, reply) => {
      await messages.delete(requireUser(req).id, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
