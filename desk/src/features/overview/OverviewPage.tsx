/** The Overview page (being built). */
export default function OverviewPage() {
  return <div className="p-4 text-muted">Overview</div>;
}
