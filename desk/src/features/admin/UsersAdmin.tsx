/** Users and their admin rights (grant and revoke; the change is audited by the server). */
import { Button } from '@/components/ui/button';
import { Badge, Card, CardHeader } from '@/components/ui/card';
import { ErrorState, Loading } from '@/components/ui/states';
import { useMe } from '@/api/session';
import { formError } from '@/features/exchange/errors';
import { useSetAdmin, useUsers } from './api';

/** The users list. */
export function UsersAdmin() {
  const q = useUsers();
  const me = useMe();
  const setAdmin = useSetAdmin();
  const error = formError(setAdmin.error);
  return (
    <Card className="min-w-0">
      <CardHeader
        title="Users"
        actions={q.data ? <span className="text-xs text-muted">{q.data.users.length}</span> : null}
      />
      {error ? (
        <p role="alert" className="px-3 pt-2 text-xs text-loss">
          {error}
        </p>
      ) : null}
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : (
        <div className="max-h-96 overflow-auto">
          <table className="w-full text-sm" aria-label="Users">
            <thead className="sticky top-0 bg-panel text-xs text-muted">
              <tr>
                <th className="px-3 py-1 text-left font-medium">#</th>
                <th className="px-2 py-1 text-left font-medium">E-mail</th>
                <th className="px-2 py-1 text-left font-medium">Since</th>
                <th className="px-3 py-1" />
              </tr>
            </thead>
            <tbody>
              {q.data.users.map((u) => (
                <tr key={u.id} className="border-t border-border">
                  <td className="num px-3 py-1 text-muted">{u.id}</td>
                  <td className="max-w-48 truncate px-2 py-1">
                    {u.email} {u.isAdmin ? <Badge tone="accent">admin</Badge> : null}
                  </td>
                  <td className="num px-2 py-1 text-xs text-muted">{u.createdAt.slice(0, 10)}</td>
                  <td className="whitespace-nowrap px-3 py-1 text-right">
                    {u.isAdmin ? (
                      <Button
                        size="sm"
                        variant="danger"
                        disabled={u.id === me.data?.user.id || setAdmin.isPending}
                        title={u.id === me.data?.user.id ? 'you cannot revoke your own rights here' : undefined}
                        aria-label={`Revoke admin from ${u.email}`}
                        onClick={() => setAdmin.mutate({ id: u.id, admin: false })}
                      >
                        Revoke admin
                      </Button>
                    ) : (
                      <Button
                        size="sm"
                        variant="outline"
                        disabled={setAdmin.isPending}
                        aria-label={`Grant admin to ${u.email}`}
                        onClick={() => setAdmin.mutate({ id: u.id, admin: true })}
                      >
                        Grant admin
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
