/** The Trade page (being built). */
export default function TradePage() {
  return <div className="p-4 text-muted">Trade</div>;
}
