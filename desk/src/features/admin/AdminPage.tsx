/** The Admin page (being built). */
export default function AdminPage() {
  return <div className="p-4 text-muted">Admin</div>;
}
