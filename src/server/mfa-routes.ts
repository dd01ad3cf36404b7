/**
 * Second-factor routes (`/api/v1/auth/mfa/*`): TOTP setup, enabling (recovery codes shown once), disabling, status,
 * and `verify`, which answers the challenge a sign-in gave (`./sign-in.ts`) and starts the session. Setup, enable
 * and disable change how the account signs in: an API token may call them only with every scope of its user (403
 * `insufficient-scope` otherwise, checked in `./authenticate.ts` with the other sign-in method routes).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { User } from '../app/auth.ts';
import { AuthError, ValidationError } from '../app/errors.ts';
import { requireUser } from './guards.ts';
import { OkReply, UserReply } from './journal-schemas.ts';
import { startSession, type SignInMethod } from './session.ts';

const tags = ['auth'];
const Code = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'must be 6 digits');
const RecoveryCode = z.string().trim().min(10).max(20);

/** `GET /api/v1/auth/mfa`. */
export const MfaStatusReply = z.object({
  totp: z.object({
    enabled: z.boolean().describe('codes are asked for at sign-in'),
    pending: z.boolean().describe('a setup waits for its first code'),
    enabledAt: z.string().nullable(),
    recoveryCodesLeft: z.number().int(),
  }),
});

/** `POST /api/v1/auth/mfa/totp/setup`. */
export const TotpSetupReply = z.object({
  secret: z.string().describe('base32; type it into the authenticator app'),
  uri: z.string().describe('otpauth:// URI (for a QR code)'),
});

/** `POST /api/v1/auth/mfa/verify`: the challenge of the sign-in, and a TOTP code or a recovery code. */
export const MfaVerifyBody = z
  .object({ challenge: z.string().min(1).max(2000), code: Code.optional(), recoveryCode: RecoveryCode.optional() })
  .strict();

/** `POST /api/v1/auth/mfa/totp/disable`: the password, or a TOTP or recovery code. */
export const MfaDisableBody = z
  .object({
    password: z.string().min(1).max(200).optional(),
    code: Code.optional(),
    recoveryCode: RecoveryCode.optional(),
  })
  .strict();

const METHODS: readonly SignInMethod[] = ['password', 'register', 'siwe', 'oidc'];

function oneOf(b: { code?: string | undefined; recoveryCode?: string | undefined }, also = false): void {
  const n = (b.code !== undefined ? 1 : 0) + (b.recoveryCode !== undefined ? 1 : 0) + (also ? 1 : 0);
  if (n !== 1)
    throw new ValidationError([
      { field: 'code', code: 'required', message: 'send exactly one of code or recoveryCode (or password)' },
    ]);
}

/** Registers the second-factor routes. */
export function mfaRoutes(app: FastifyInstance, ctx: AppContext, opts: { secureCookies?: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const secure = opts.secureCookies ?? false;

  r.get('/api/v1/auth/mfa', { schema: { tags, response: { 200: MfaStatusReply } } }, async (req) =>
    ctx.mfa.status(requireUser(req).id),
  );

  r.post('/api/v1/auth/mfa/totp/setup', { schema: { tags, response: { 200: TotpSetupReply } } }, async (req) => {
    const u = requireUser(req);
    return ctx.mfa.setupTotp(u.id, u.email);
  });

  r.post(
    '/api/v1/auth/mfa/totp/enable',
    {
      schema: {
        tags,
        body: z.object({ code: Code }).strict(),
        response: {
          200: z.object({
            enabled: z.literal(true),
            recoveryCodes: z.array(z.string()).describe('shown this once; each works once instead of a code'),
          }),
        },
      },
    },
    async (req) => {
      const u = requireUser(req);
      const { recoveryCodes } = await ctx.mfa.enableTotp({ userId: u.id, address: req.ip }, u.id, req.body.code);
      return { enabled: true as const, recoveryCodes };
    },
  );

  r.post(
    '/api/v1/auth/mfa/totp/disable',
    { schema: { tags, body: MfaDisableBody, response: { 200: OkReply } } },
    async (req) => {
      const u = requireUser(req);
      oneOf(req.body, req.body.password !== undefined);
      let passwordOk = false;
      if (req.body.password !== undefined) {
        await ctx.auth.checkPassword(u.email, req.body.password); // AuthError invalid-credentials when wrong
        passwordOk = true;
      }
      await ctx.mfa.disableTotp({ userId: u.id, address: req.ip }, u.id, { ...req.body, passwordOk });
      return { ok: true };
    },
  );

  r.post(
    '/api/v1/auth/mfa/verify',
    { schema: { tags, body: MfaVerifyBody, response: { 200: UserReply } } },
    async (req, reply) => {
      oneOf(req.body);
      const c = await ctx.mfa.verifyChallenge(req.body.challenge);
      const actor = { userId: c.userId, address: req.ip };
      if (!(await ctx.mfa.checkAnswer(actor, c.userId, req.body))) {
        ctx.mfa.noteFailure(c.id);
        throw new AuthError('mfa-invalid-code', 'the code is wrong or was used already');
      }
      ctx.mfa.consumeChallenge(c.id);
      let user: User;
      try {
        const p = await ctx.auth.profile(c.userId);
        user = { id: p.id, email: p.email, isAdmin: p.isAdmin };
      } catch {
        throw new AuthError('mfa-challenge-invalid', 'the sign-in challenge is not valid; sign in again');
      }
      const method = (METHODS as readonly string[]).includes(c.method) ? (c.method as SignInMethod) : 'password';
      await startSession(ctx, req, reply, user, { method, secure, mfa: true });
      return { user: { id: user.id, email: user.email } };
    },
  );
}
