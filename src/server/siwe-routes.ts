/**
 * Sign-In with Ethereum routes: `GET /api/v1/auth/siwe/nonce`, `POST /api/v1/auth/siwe/verify` (signs in, creating
 * the wallet's user on its first sign-in), and the signed-in user's wallets (`GET`/`POST /api/v1/auth/wallets`,
 * `DELETE /api/v1/auth/wallets/:address`). Settings: `TESTUDO_PUBLIC_URL` (the domain and origin a message must
 * name; else the request's Host) and `TESTUDO_SIWE_CHAINS` (chain allowlist, default 1).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { User } from '../app/auth.ts';
import type { AppContext } from '../app/context.ts';
import { AuthError } from '../app/errors.ts';
import { SiweService, siweChainsFromEnv, type SiweExpectation } from '../app/siwe.ts';
import { requireUser } from './guards.ts';
import { OkReply, UserReply } from './journal-schemas.ts';
import { completeSignIn, MfaChallengeReply } from './sign-in.ts';
import { auditSignIn } from './sign-in-audit.ts';

/** Options of {@link siweRoutes}. */
export interface SiweRouteOptions {
  /** Mark the session cookie Secure (also done for a request that came over https). */
  secureCookies?: boolean | undefined;
  /** Where settings are read (default `process.env`): `TESTUDO_PUBLIC_URL`, `TESTUDO_SIWE_CHAINS`. */
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * The server's public origin and host for request `req`: those of `publicUrl` (`TESTUDO_PUBLIC_URL`) when set,
 * else the request's protocol and Host header.
 */
export function publicOrigin(req: FastifyRequest, publicUrl: string | undefined): { origin: string; host: string } {
  if (publicUrl) {
    const u = new URL(publicUrl);
    return { origin: u.origin, host: u.host };
  }
  const host = req.host;
  return { origin: `${req.protocol}://${host}`, host };
}

const SignedMessageBody = z
  .object({
    message: z.string().min(1).max(4000).describe('the EIP-4361 message as signed'),
    signature: z
      .string()
      .regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte hex signature')
      .describe('personal_sign (EIP-191) signature of the message'),
  })
  .strict();

const WalletSchema = z.object({
  address: z.string().describe('lower-case 0x address'),
  chainId: z.number().int(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

/** Registers the Sign-In with Ethereum routes and sets `ctx`-independent SIWE state (nonces live in the database). */
export function siweRoutes(app: FastifyInstance, ctx: AppContext, opts: SiweRouteOptions = {}): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const env = opts.env ?? process.env;
  const publicUrl = env.TESTUDO_PUBLIC_URL?.trim() || undefined;
  if (publicUrl) new URL(publicUrl); // a malformed TESTUDO_PUBLIC_URL fails at start, not at the first sign-in
  const siwe = new SiweService(ctx.sql, { chains: siweChainsFromEnv(env) });
  const expectation = (req: FastifyRequest): SiweExpectation => {
    const { origin, host } = publicOrigin(req, publicUrl);
    return { domain: host, origin, now: Date.now() };
  };
  const secure = (req: FastifyRequest): boolean => (opts.secureCookies ?? false) || req.protocol === 'https';
  const actor = (req: FastifyRequest) => ({ userId: req.user?.id ?? null, address: req.ip });

  r.get(
    '/api/v1/auth/siwe/nonce',
    {
      schema: {
        tags: ['auth'],
        security: [],
        description: 'A single-use nonce for a Sign-In with Ethereum message, valid for 10 minutes.',
        response: { 200: z.object({ nonce: z.string(), expiresAt: z.string() }) },
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return siwe.issueNonce(Date.now());
    },
  );

  r.post(
    '/api/v1/auth/siwe/verify',
    {
      schema: {
        tags: ['auth'],
        security: [],
        description:
          "Signs in with a signed EIP-4361 message (nonce from /siwe/nonce, this server's domain and origin, an " +
          'accepted chain, within its validity window). The first sign-in of a wallet creates its user. 401 codes: ' +
          'siwe-malformed, siwe-bad-nonce, siwe-wrong-domain, siwe-wrong-uri, siwe-wrong-chain, siwe-expired, ' +
          'siwe-not-yet-valid, siwe-bad-signature.',
        body: SignedMessageBody,
        response: { 200: UserReply.or(MfaChallengeReply) },
      },
    },
    async (req, reply) => {
      let user: User;
      try {
        ({ user } = await siwe.signIn(req.body.message, req.body.signature, expectation(req), actor(req)));
      } catch (e) {
        if (e instanceof AuthError) await auditSignIn(ctx, req, { ok: false, method: 'siwe', reason: e.code });
        throw e;
      }
      const res = await completeSignIn(ctx, req, reply, user, 'siwe', { secure: secure(req) });
      if ('mfaRequired' in res) return res; // the second-factor step audits the sign-in
      await auditSignIn(ctx, req, { ok: true, method: 'siwe', userId: user.id });
      return { user: { id: user.id, email: user.email } };
    },
  );

  r.get(
    '/api/v1/auth/wallets',
    { schema: { tags: ['auth'], response: { 200: z.object({ wallets: z.array(WalletSchema) }) } } },
    async (req) => ({ wallets: await siwe.listWallets(requireUser(req).id) }),
  );

  r.post(
    '/api/v1/auth/wallets',
    {
      schema: {
        tags: ['auth'],
        description: 'Links the wallet of a signed Sign-In with Ethereum message to the signed-in user.',
        body: SignedMessageBody,
        response: { 201: z.object({ wallet: WalletSchema }) },
      },
    },
    async (req, reply) => {
      const user = requireUser(req);
      const wallet = await siwe.linkWallet(user.id, req.body.message, req.body.signature, expectation(req), actor(req));
      reply.code(201);
      return { wallet };
    },
  );

  r.delete(
    '/api/v1/auth/wallets/:address',
    {
      schema: {
        tags: ['auth'],
        params: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address') }),
        response: { 200: OkReply },
      },
    },
    async (req) => {
      await siwe.unlinkWallet(requireUser(req).id, req.params.address, actor(req));
      return { ok: true };
    },
  );
}
