/**
 * The Admin page (`/admin`, admins only: the route redirects others and the server refuses them anyway): markets
 * (create, pause/resume, close, settle, deposit), minting, auction settlement, users and admin rights, the audit
 * log and system health.
 */
import { useExchangeLive } from '@/features/exchange/api';
import { AuctionsAdmin } from './AuctionsAdmin';
import { AuditLog } from './AuditLog';
import { MarketsAdmin } from './MarketsAdmin';
import { MintAdmin } from './MintAdmin';
import { SystemHealth } from './SystemHealth';
import { UsersAdmin } from './UsersAdmin';

/** The Admin page. */
export default function AdminPage() {
  useExchangeLive(null, null); // market statuses and prices stay live
  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-3 p-3">
      <h1 className="text-base font-semibold">Admin</h1>
      <MarketsAdmin />
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-3">
        <MintAdmin />
        <AuctionsAdmin />
        <SystemHealth />
      </div>
      <div className="grid grid-cols-1 gap-3 xl:grid-cols-2">
        <UsersAdmin />
        <AuditLog />
      </div>
    </div>
  );
}
