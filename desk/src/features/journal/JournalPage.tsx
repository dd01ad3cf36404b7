/** The Journal page (being built). */
export default function JournalPage() {
  return <div className="p-4 text-muted">Journal</div>;
}
