/**
 * The sign-in page's other methods, under the password form: "Sign in with Ethereum" (EIP-4361, when the browser
 * has a wallet: `window.ethereum`) and "Sign in with <provider>" (OpenID Connect, when the server has one: a link to
 * `/api/v1/auth/oidc/login`). Which methods are on comes from `GET /api/v1/auth/methods`. An OpenID Connect login
 * that failed comes back as `/login?error=<code>`, shown here.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { getAddress } from 'ethers';
import { useState } from 'react';
import { toApiError } from '@/api/client';
import { startLive } from '@/api/live';
import { Button } from '@/components/ui/button';

/** The `GET /api/v1/auth/methods` answer. */
interface Methods {
  password: boolean;
  siwe: boolean;
  oidc: { name: string } | null;
}

/** An EIP-1193 provider (MetaMask and other browser wallets). */
interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

const wallet = (): Eip1193 | undefined => (globalThis as { ethereum?: Eip1193 }).ethereum;

/** What the `/login?error=` codes of an OpenID Connect login mean. */
const OIDC_ERRORS: Record<string, string> = {
  'oidc-bad-state': 'That sign-in link expired or was opened in another browser. Try again.',
  'oidc-denied': 'The identity provider did not sign you in.',
  'oidc-exchange-failed': 'The identity provider’s answer could not be checked. Try again.',
  'oidc-unavailable': 'The identity provider cannot be reached right now.',
};

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { credentials: 'same-origin', ...init });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw toApiError(res.status, body);
  return body as T;
}

/**
 * The EIP-4361 message the wallet signs: this page's host and origin, the wallet's checksummed address, its chain,
 * the server's nonce, valid for 10 minutes.
 */
export function siweMessage(o: { address: string; chainId: number; nonce: string; now?: Date }): string {
  const now = o.now ?? new Date();
  return [
    `${location.host} wants you to sign in with your Ethereum account:`,
    getAddress(o.address),
    '',
    'Sign in to Testudo.',
    '',
    `URI: ${location.origin}`,
    'Version: 1',
    `Chain ID: ${o.chainId}`,
    `Nonce: ${o.nonce}`,
    `Issued At: ${now.toISOString()}`,
    `Expiration Time: ${new Date(now.getTime() + 10 * 60_000).toISOString()}`,
  ].join('\n');
}

/** Props of {@link SignInMethods}. */
export interface SignInMethodsProps {
  /** Called with the challenge when the account has a second factor to answer first. */
  onMfaChallenge?(challenge: string): void;
}

/** The other sign-in buttons (see the module comment); nothing when the server offers none the browser can use. */
export function SignInMethods({ onMfaChallenge }: SignInMethodsProps) {
  const qc = useQueryClient();
  const methods = useQuery({
    queryKey: ['auth-methods'],
    queryFn: () => getJson<Methods>('/api/v1/auth/methods'),
    staleTime: Infinity,
    retry: false,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(() => {
    const code = new URLSearchParams(globalThis.location?.search ?? '').get('error');
    return code ? (OIDC_ERRORS[code] ?? `Sign-in failed (${code}).`) : null;
  });
  const eth = wallet();
  const m = methods.data;
  if (!m || (!(m.siwe && eth) && !m.oidc)) return error ? <Problem text={error} /> : null;

  const signInWithEthereum = async () => {
    if (!eth) return;
    setBusy(true);
    setError(null);
    try {
      const [address] = (await eth.request({ method: 'eth_requestAccounts' })) as string[];
      if (!address) throw new Error('The wallet shared no account.');
      const chainId = Number.parseInt(String(await eth.request({ method: 'eth_chainId' })), 16);
      const { nonce } = await getJson<{ nonce: string }>('/api/v1/auth/siwe/nonce');
      const message = siweMessage({ address, chainId, nonce });
      const signature = (await eth.request({ method: 'personal_sign', params: [message, address] })) as string;
      const res = await getJson<{ user?: unknown; mfaRequired?: boolean; challenge?: string }>(
        '/api/v1/auth/siwe/verify',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message, signature }),
        },
      );
      if (res.mfaRequired && res.challenge) {
        // The sign-in page asks for the code when it is opened as /login?mfa=<challenge> (MfaPrompt.tsx).
        if (onMfaChallenge) onMfaChallenge(res.challenge);
        else location.assign(`/login?mfa=${encodeURIComponent(res.challenge)}`);
        return;
      }
      history.replaceState(null, '', '/');
      await qc.invalidateQueries();
      startLive(qc);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      setError(code === 4001 ? 'Signing was cancelled in the wallet.' : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="mt-4 flex flex-col gap-2">
      <div className="flex items-center gap-2 text-xs text-muted">
        <span className="h-px flex-1 bg-border" />
        or
        <span className="h-px flex-1 bg-border" />
      </div>
      {m.siwe && eth ? (
        <Button variant="outline" disabled={busy} onClick={() => void signInWithEthereum()}>
          {busy ? 'Waiting for the wallet…' : 'Sign in with Ethereum'}
        </Button>
      ) : null}
      {m.oidc ? (
        <a
          href="/api/v1/auth/oidc/login"
          className="inline-flex h-9 items-center justify-center rounded-md border border-border px-3 text-sm font-medium hover:bg-panel-2"
        >
          Sign in with {m.oidc.name}
        </a>
      ) : null}
      {error ? <Problem text={error} /> : null}
    </div>
  );
}

function Problem({ text }: { text: string }) {
  return (
    <p role="alert" className="mt-2 text-sm text-loss">
      {text}
    </p>
  );
}
