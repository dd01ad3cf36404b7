/**
 * Where the user is signed in: every live session with its device (browser and system), address, sign-in method
 * and last activity, this browser's marked "This device"; revoke one (after a confirmation), or log out everywhere
 * (this browser included). A revoked session stops working within seconds on every server.
 */
import { useState } from 'react';
import { useLogoutAll, useRevokeSession, useSessions, type SessionInfo } from '@/api/session';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';

const METHODS: Record<string, string> = {
  password: 'Password',
  register: 'Registration',
  siwe: 'Ethereum wallet',
  oidc: 'Single sign-on',
};

/** The sessions section of the Account page. */
export function SessionsSection() {
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const logoutAll = useLogoutAll();
  const [revoking, setRevoking] = useState<SessionInfo | null>(null);
  const [everywhere, setEverywhere] = useState(false);

  return (
    <Card>
      <CardHeader
        title="Sessions"
        actions={
          <Button size="sm" variant="danger" onClick={() => setEverywhere(true)}>
            Log out everywhere
          </Button>
        }
      />
      <div className="flex flex-col gap-3 p-3">
        <p className="text-sm text-muted">
          The browsers and devices signed in to your account. Revoke one you do not recognise: it is signed out within
          seconds.
        </p>
        {sessions.isPending ? (
          <Loading />
        ) : sessions.isError ? (
          <ErrorState error={sessions.error} retry={() => void sessions.refetch()} />
        ) : sessions.data.length === 0 ? (
          <Empty>No sessions.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" aria-label="Sessions">
              <thead>
                <tr className="border-b border-border text-left text-xs text-muted">
                  <th className="px-2 py-1.5 font-medium">Device</th>
                  <th className="px-2 py-1.5 font-medium">Address</th>
                  <th className="px-2 py-1.5 font-medium">Signed in with</th>
                  <th className="px-2 py-1.5 font-medium">Last seen (UTC)</th>
                  <th className="px-2 py-1.5" />
                </tr>
              </thead>
              <tbody>
                {sessions.data.map((s) => (
                  <tr key={s.id} className="border-b border-border last:border-0">
                    <td className="px-2 py-1.5">
                      <span className="mr-2">{s.device}</span>
                      {s.current ? <Badge tone="accent">This device</Badge> : null}
                    </td>
                    <td className="num px-2 py-1.5 text-muted">{s.address ?? '–'}</td>
                    <td className="px-2 py-1.5 text-muted">
                      {METHODS[s.method] ?? s.method}
                      {s.mfa ? ' + code' : ''}
                    </td>
                    <td className="num px-2 py-1.5 text-muted">{utc(s.lastSeenAt)}</td>
                    <td className="px-2 py-1.5 text-right">
                      <Button
                        size="sm"
                        variant="danger"
                        onClick={() => setRevoking(s)}
                        aria-label={s.current ? 'Sign out this device' : `Revoke ${s.device} at ${s.address ?? ''}`}
                      >
                        {s.current ? 'Sign out' : 'Revoke'}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <Dialog
        open={revoking !== null}
        onOpenChange={(o) => {
          if (!o) {
            setRevoking(null);
            revoke.reset();
          }
        }}
        title={revoking?.current ? 'Sign out this device?' : `Revoke ${revoking?.device ?? ''}?`}
        description={
          revoking?.current
            ? 'This browser is signed out now.'
            : 'That browser is signed out within seconds and must sign in again.'
        }
      >
        {revoke.error ? <ErrorState error={revoke.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setRevoking(null)}>
            Keep it
          </Button>
          <Button
            variant="danger"
            disabled={revoke.isPending}
            onClick={() => revoking && revoke.mutate(revoking, { onSuccess: () => setRevoking(null) })}
          >
            {revoking?.current ? 'Sign out' : 'Revoke session'}
          </Button>
        </div>
      </Dialog>
      <Dialog
        open={everywhere}
        onOpenChange={(o) => {
          if (!o) {
            setEverywhere(false);
            logoutAll.reset();
          }
        }}
        title="Log out everywhere?"
        description="Every browser and device signed in to your account is signed out, this one included. API tokens keep working."
      >
        {logoutAll.error ? <ErrorState error={logoutAll.error} /> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={() => setEverywhere(false)}>
            Cancel
          </Button>
          <Button variant="danger" disabled={logoutAll.isPending} onClick={() => logoutAll.mutate()}>
            Log out everywhere
          </Button>
        </div>
      </Dialog>
    </Card>
  );
}
