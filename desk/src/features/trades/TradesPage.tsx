/** The Trades page (being built). */
export default function TradesPage() {
  return <div className="p-4 text-muted">Trades</div>;
}
