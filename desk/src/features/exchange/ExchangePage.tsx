/** The Exchange page (being built). */
export default function ExchangePage() {
  return <div className="p-4 text-muted">Exchange</div>;
}
