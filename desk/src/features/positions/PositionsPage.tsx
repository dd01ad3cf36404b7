/** The Positions page (being built). */
export default function PositionsPage() {
  return <div className="p-4 text-muted">Positions</div>;
}
