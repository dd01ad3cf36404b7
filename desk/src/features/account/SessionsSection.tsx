/**
 * Where the user is signed in: every live session with its device (browser and system), address, sign-in method
 * and last activity, this browser's marked "This device"; revoke one (after a confirmation), or log out everywhere
 * (this browser included). A revoked session stops working within seconds on every server.
 */
import { useState } from 'react';
import { useLogoutAll, useRevokeSession, useSessions, type SessionInfo } from '@/api/session';
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { ListTable, QueryList, type ListColumn } from '@/components/ui/list-table';
import { utc } from '@/lib/format';

const METHODS: Record<string, string> = {
  password: 'Password',
  register: 'Registration',
  siwe: 'Ethereum wallet',
  oidc: 'Single sign-on',
};

/** The columns of the sessions list. */
const COLUMNS: ListColumn<SessionInfo>[] = [
  {
    header: 'Device',
    cell: (s) => (
      <>
        <span className="mr-2">{s.device}</span>
        {s.current ? <Badge tone="accent">This device</Badge> : null}
      </>
    ),
  },
  { header: 'Address', cell: (s) => s.address ?? '–', className: 'num text-muted break-all' },
  {
    header: 'Signed in with',
    cell: (s) => `${METHODS[s.method] ?? s.method}${s.mfa ? ' + code' : ''}`,
    className: 'text-muted',
  },
  { header: 'Last seen (UTC)', cell: (s) => utc(s.lastSeenAt), className: 'num text-muted' },
];

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
        <QueryList query={sessions} empty="No sessions.">
          {(rows) => (
            <ListTable
              label="Sessions"
              rows={rows}
              rowKey={(s) => s.id}
              columns={COLUMNS}
              action={(s) => (
                <Button
                  size="sm"
                  variant="danger"
                  onClick={() => setRevoking(s)}
                  aria-label={s.current ? 'Sign out this device' : `Revoke ${s.device} at ${s.address ?? ''}`}
                >
                  {s.current ? 'Sign out' : 'Revoke'}
                </Button>
              )}
            />
          )}
        </QueryList>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        title={revoking?.current ? 'Sign out this device?' : `Revoke ${revoking?.device ?? ''}?`}
        description={
          revoking?.current
            ? 'This browser is signed out now.'
            : 'That browser is signed out within seconds and must sign in again.'
        }
        error={revoke.error}
        pending={revoke.isPending}
        confirmLabel={revoking?.current ? 'Sign out' : 'Revoke session'}
        onConfirm={() => revoking && revoke.mutate(revoking, { onSuccess: () => setRevoking(null) })}
      />
      <ConfirmDialog
        open={everywhere}
        onClose={() => {
          setEverywhere(false);
          logoutAll.reset();
        }}
        title="Log out everywhere?"
        description="Every browser and device signed in to your account is signed out, this one included. API tokens keep working."
        error={logoutAll.error}
        pending={logoutAll.isPending}
        cancelLabel="Cancel"
        confirmLabel="Log out everywhere"
        onConfirm={() => logoutAll.mutate()}
      />
    </Card>
  );
}
