/** The Account page (being built). */
export default function AccountPage() {
  return <div className="p-4 text-muted">Account</div>;
}
