/**
 * The second step of a sign-in when the account has two-factor sign-in on: the login answered
 * `{ mfaRequired, challenge }` (or an OpenID Connect sign-in redirected to `/login?mfa=<challenge>`), and this asks
 * for the authenticator's code, or a recovery code, and sends it with the challenge to `POST /api/v1/auth/mfa/verify`,
 * which starts the session.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, unwrap } from '@/api/client';
import { startLive } from '@/api/live';
import { untypedApi } from '@/features/account/TotpSection';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/input';

/** The challenge to answer: from the login's answer `data`, else from the page's `?mfa=` (a redirect). */
export function mfaChallengeOf(data: unknown): string | null {
  const d = data as { mfaRequired?: boolean; challenge?: unknown } | null | undefined;
  if (d?.mfaRequired === true && typeof d.challenge === 'string') return d.challenge;
  return new URLSearchParams(globalThis.location?.search ?? '').get('mfa');
}

function dropMfaParam(): void {
  const u = new URL(globalThis.location.href);
  if (!u.searchParams.has('mfa')) return;
  u.searchParams.delete('mfa');
  globalThis.history.replaceState(null, '', u.pathname === '/login' ? '/' : `${u.pathname}${u.search}`);
}

/** The code prompt; `onCancel` goes back to the sign-in form. */
export function MfaPrompt({ challenge, onCancel }: { challenge: string; onCancel: () => void }) {
  const qc = useQueryClient();
  const [recovery, setRecovery] = useState(false);
  const [value, setValue] = useState('');
  const verify = useMutation({
    mutationFn: (v: string) =>
      unwrap(
        untypedApi.POST('/api/v1/auth/mfa/verify', {
          body: recovery ? { challenge, recoveryCode: v } : { challenge, code: v },
        }),
      ),
    onSuccess: async () => {
      dropMfaParam();
      await qc.invalidateQueries();
      startLive(qc);
    },
  });
  const err = verify.error instanceof ApiError ? verify.error : null;
  const expired = err?.code === 'mfa-challenge-expired' || err?.code === 'mfa-challenge-invalid';
  const message = expired
    ? 'This sign-in has expired. Sign in again.'
    : err?.code === 'mfa-invalid-code'
      ? 'That code is wrong or was used already.'
      : (err?.message ?? (verify.error ? String(verify.error) : undefined));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = value.trim();
    if (v) verify.mutate(v);
  };
  const back = () => {
    // a redirect's challenge lives in the address: load the plain sign-in page instead
    if (new URLSearchParams(globalThis.location.search).has('mfa')) globalThis.location.replace('/');
    else onCancel();
  };

  return (
    <div className="flex min-h-full items-center justify-center p-4">
      <Card className="w-full max-w-sm p-5">
        <h1 className="mb-1 text-lg font-semibold">Two-factor sign-in</h1>
        <p className="mb-4 text-sm text-muted">
          {recovery
            ? 'Type one of the recovery codes you saved when you turned two-factor sign-in on.'
            : 'Type the 6-digit code your authenticator app shows for Testudo.'}
        </p>
        <form onSubmit={submit} noValidate className="flex flex-col gap-3">
          <Field label={recovery ? 'Recovery code' : 'Code'} error={message}>
            {(ids) => (
              <Input
                {...ids}
                autoFocus
                inputMode={recovery ? 'text' : 'numeric'}
                autoComplete="one-time-code"
                maxLength={recovery ? 20 : 6}
                value={value}
                onChange={(e) => setValue(recovery ? e.target.value : e.target.value.replace(/\D/g, ''))}
              />
            )}
          </Field>
          <Button type="submit" disabled={verify.isPending || (!recovery && value.length !== 6) || expired}>
            Verify
          </Button>
          <div className="flex justify-between text-xs">
            <button
              type="button"
              className="text-accent underline"
              onClick={() => {
                setRecovery(!recovery);
                setValue('');
                verify.reset();
              }}
            >
              {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
            </button>
            <button type="button" className="text-muted underline" onClick={back}>
              Back to sign-in
            </button>
          </div>
        </form>
      </Card>
    </div>
  );
}
