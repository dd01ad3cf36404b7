/**
 * The Account page's two-factor section: set up a TOTP authenticator (the secret to type in and its otpauth:// URI;
 * no QR code, as no QR library is installed), confirm it with a first code, see the ten recovery codes once, and
 * turn it off again with the password or a code.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '@/api/client';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/input';
import { ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';

/** `GET /api/v1/auth/mfa`. */
export interface MfaStatus {
  totp: { enabled: boolean; pending: boolean; enabledAt: string | null; recoveryCodesLeft: number };
}

type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;
/**
 * The API client without the generated path types. Deprecated: the second-factor routes are in `schema.d.ts` now;
 * use `api` (kept for the sign-in page's code prompt until it moves over).
 */
export const untypedApi = api as unknown as {
  GET(path: string): Answer;
  POST(path: string, init?: { body?: unknown }): Answer;
};

const KEY = ['mfa'] as const;

function useMfaStatus() {
  return useQuery({
    queryKey: KEY,
    queryFn: (): Promise<MfaStatus> => unwrap(api.GET('/api/v1/auth/mfa')),
  });
}

/** The two-factor section. */
export function TotpSection() {
  const qc = useQueryClient();
  const status = useMfaStatus();
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [disabling, setDisabling] = useState(false);
  const [proof, setProof] = useState('');
  const refresh = () => void qc.invalidateQueries({ queryKey: KEY });

  const start = useMutation({
    mutationFn: async () => unwrap(api.POST('/api/v1/auth/mfa/totp/setup')),
    onSuccess: (s) => {
      setSetup(s);
      setCode('');
      setCodes(null);
      refresh();
    },
  });
  const enable = useMutation({
    mutationFn: async (c: string) => unwrap(api.POST('/api/v1/auth/mfa/totp/enable', { body: { code: c } })),
    onSuccess: (r) => {
      setCodes(r.recoveryCodes);
      setSetup(null);
      refresh();
    },
  });
  const disable = useMutation({
    mutationFn: async (p: string) => {
      const t = p.trim();
      const body = /^\d{6}$/.test(t)
        ? { code: t }
        : /^[a-z2-9]{5}-?[a-z2-9]{5}$/i.test(t)
          ? { recoveryCode: t }
          : { password: p };
      await unwrap(api.POST('/api/v1/auth/mfa/totp/disable', { body }));
    },
    onSuccess: () => {
      setDisabling(false);
      setProof('');
      setCodes(null);
      refresh();
    },
  });

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    enable.mutate(code.trim());
  };
  const turnOff = (e: FormEvent) => {
    e.preventDefault();
    if (proof) disable.mutate(proof);
  };
  const errOf = (m: { error: unknown }) =>
    m.error instanceof ApiError ? m.error.message : m.error ? String(m.error) : undefined;
  const t = status.data?.totp;

  return (
    <Card>
      <CardHeader
        title="Two-factor sign-in"
        actions={t ? <Badge tone={t.enabled ? 'profit' : 'neutral'}>{t.enabled ? 'On' : 'Off'}</Badge> : null}
      />
      <div className="flex flex-col gap-3 p-3 text-sm">
        {status.isPending ? (
          <Loading />
        ) : status.isError ? (
          <ErrorState error={status.error} retry={() => void status.refetch()} />
        ) : codes ? (
          <div className="flex flex-col gap-2" aria-label="Recovery codes">
            <p>
              Two-factor sign-in is on. Keep these <strong>recovery codes</strong> somewhere safe: each one signs you in
              once without the app. They are shown only now.
            </p>
            <ol className="num grid grid-cols-2 gap-1 rounded-md bg-panel-2 p-2 font-mono sm:grid-cols-5">
              {codes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ol>
            <div>
              <Button variant="outline" size="sm" onClick={() => setCodes(null)}>
                I have saved them
              </Button>
            </div>
          </div>
        ) : t?.enabled ? (
          <>
            <p>
              Sign-in asks for a code from your authenticator app (since {t.enabledAt ? utc(t.enabledAt) : '—'}).{' '}
              {t.recoveryCodesLeft} recovery code{t.recoveryCodesLeft === 1 ? '' : 's'} left.
            </p>
            {disabling ? (
              <form onSubmit={turnOff} noValidate className="flex flex-wrap items-end gap-2">
                <Field label="Password or a current code" error={errOf(disable)} className="min-w-0 flex-1">
                  {(ids) => (
                    <Input
                      {...ids}
                      type="password"
                      autoComplete="current-password"
                      value={proof}
                      onChange={(e) => setProof(e.target.value)}
                    />
                  )}
                </Field>
                <Button type="submit" variant="danger" disabled={disable.isPending || !proof}>
                  Turn off
                </Button>
                <Button variant="ghost" onClick={() => setDisabling(false)}>
                  Cancel
                </Button>
              </form>
            ) : (
              <div>
                <Button variant="danger" size="sm" onClick={() => setDisabling(true)}>
                  Turn off two-factor sign-in
                </Button>
              </div>
            )}
          </>
        ) : setup ? (
          <form onSubmit={confirm} noValidate className="flex flex-col gap-2">
            <p>Add this key to an authenticator app (TOTP, 6 digits, 30 seconds), then type the code it shows.</p>
            <div className="rounded-md bg-panel-2 p-2">
              <div className="text-xs text-muted">Secret key</div>
              <code className="num break-all font-mono" aria-label="Secret key">
                {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
              </code>
              <div className="mt-2 text-xs text-muted">Or open this link on the device with the app</div>
              <a className="break-all text-xs text-accent underline" href={setup.uri}>
                {setup.uri}
              </a>
            </div>
            <div className="flex flex-wrap items-end gap-2">
              <Field label="Code from the app" error={errOf(enable)} className="w-40">
                {(ids) => (
                  <Input
                    {...ids}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={6}
                    value={code}
                    onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
                  />
                )}
              </Field>
              <Button type="submit" disabled={enable.isPending || code.length !== 6}>
                Turn on
              </Button>
              <Button variant="ghost" onClick={() => setSetup(null)}>
                Cancel
              </Button>
            </div>
          </form>
        ) : (
          <>
            <p className="text-muted">
              Protect your account with a second step at sign-in: a 6-digit code from an authenticator app such as
              Aegis, 1Password or Google Authenticator.
            </p>
            {errOf(start) ? (
              <p role="alert" className="text-loss">
                {errOf(start)}
              </p>
            ) : null}
            <div>
              <Button size="sm" onClick={() => start.mutate()} disabled={start.isPending}>
                Set up an authenticator app
              </Button>
            </div>
          </>
        )}
      </div>
    </Card>
  );
}
