/** The audit trail (newest first, 100 entries), filterable by action. */
import { useState } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Empty, ErrorState, Loading } from '@/components/ui/states';
import { utc } from '@/lib/format';
import { useAudit } from './api';

/** Details of an entry as one short line. */
export function detailsLine(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** The audit log section. */
export function AuditLog() {
  const [action, setAction] = useState('');
  const valid = action === '' || /^[a-z0-9]+(-[a-z0-9]+)*$/.test(action);
  const q = useAudit(valid ? action : '');
  return (
    <Card className="min-w-0">
      <CardHeader
        title="Audit log"
        actions={
          <Input
            aria-label="Filter by action"
            aria-invalid={!valid}
            placeholder="action, e.g. admin-granted"
            className="h-7 w-48 text-xs"
            value={action}
            onChange={(e) => setAction(e.target.value.trim())}
          />
        }
      />
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.entries.length === 0 ? (
        <Empty>No entry.</Empty>
      ) : (
        <div className="max-h-96 overflow-auto">
          <table className="w-full text-xs" aria-label="Audit log">
            <thead className="sticky top-0 bg-panel text-muted">
              <tr>
                <th className="px-3 py-1 text-left font-medium">Time</th>
                <th className="px-2 py-1 text-left font-medium">Action</th>
                <th className="px-2 py-1 text-left font-medium">By</th>
                <th className="px-2 py-1 text-left font-medium">On</th>
                <th className="px-3 py-1 text-left font-medium">Details</th>
              </tr>
            </thead>
            <tbody>
              {q.data.entries.map((e) => (
                <tr key={e.id} className="border-t border-border align-top">
                  <td className="num whitespace-nowrap px-3 py-1 text-muted">{utc(e.at)}</td>
                  <td className="px-2 py-1 font-medium">{e.action}</td>
                  <td className="num px-2 py-1">{e.actorUserId === null ? 'system' : `#${e.actorUserId}`}</td>
                  <td className="num px-2 py-1">{e.subjectUserId === null ? '–' : `#${e.subjectUserId}`}</td>
                  <td className="max-w-96 truncate px-3 py-1 text-muted" title={detailsLine(e.details)}>
                    {detailsLine(e.details)}
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
