/**
 * The Desk's frame: the navigation, the connection status (server unreachable, live stream reconnecting), the
 * theme switch and logout. At narrow widths the navigation scrolls inside its own bar; the page never scrolls
 * sideways.
 */
import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { Moon, Sun, LogOut } from 'lucide-react';
import { useSignOut } from '@/api/session';
import { useConnection } from '@/store/connection';
import { useUi } from '@/store/ui';
import { cn } from '@/lib/cn';
import { Button } from '@/components/ui/button';

const LINKS: { to: string; label: string; admin?: boolean }[] = [
  { to: '/trade', label: 'Trade' },
  { to: '/positions', label: 'Positions' },
  { to: '/overview', label: 'Overview' },
  { to: '/trades', label: 'Trades' },
  { to: '/journal', label: 'Journal' },
  { to: '/strategies', label: 'Strategies' },
  { to: '/exchange', label: 'Exchange' },
  { to: '/account', label: 'Account' },
  { to: '/admin', label: 'Admin', admin: true },
];

function Status() {
  const server = useConnection((s) => s.server);
  const stream = useConnection((s) => s.stream);
  if (server === 'down')
    return (
      <div role="status" className="bg-loss/15 px-3 py-1.5 text-center text-xs text-loss">
        Offline: the Testudo server cannot be reached. Showing what was loaded; retrying…
      </div>
    );
  if (stream === 'reconnecting')
    return (
      <div role="status" className="bg-warn/15 px-3 py-1.5 text-center text-xs text-warn">
        Live updates interrupted: reconnecting…
      </div>
    );
  return null;
}

/** Props of {@link Layout}. */
export interface LayoutProps {
  isAdmin: boolean;
  email: string;
  children: ReactNode;
}

/** The frame around every page. */
export function Layout({ isAdmin, email, children }: LayoutProps) {
  const signOut = useSignOut();
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  const stream = useConnection((s) => s.stream);
  return (
    <div className="flex min-h-full flex-col">
      <header className="sticky top-0 z-30 border-b border-border bg-panel">
        <div className="flex items-center gap-2 px-3">
          <span className="flex shrink-0 items-center gap-1.5 py-2 font-semibold">
            <img src="/icon.svg" alt="" className="h-5 w-5" />
            <span className="hidden sm:inline">Testudo</span>
          </span>
          <nav aria-label="Main" className="flex min-w-0 flex-1 gap-0.5 overflow-x-auto">
            {LINKS.filter((l) => !l.admin || isAdmin).map((l) => (
              <NavLink
                key={l.to}
                to={l.to}
                className={({ isActive }) =>
                  cn(
                    'shrink-0 rounded-md px-2.5 py-1.5 text-sm text-muted hover:text-fg',
                    isActive && 'bg-panel-2 text-fg',
                  )
                }
              >
                {l.label}
              </NavLink>
            ))}
          </nav>
          <span
            title={stream === 'open' ? 'live updates connected' : 'live updates not connected'}
            aria-label={stream === 'open' ? 'live' : 'not live'}
            className={cn('h-2 w-2 shrink-0 rounded-full', stream === 'open' ? 'bg-profit' : 'bg-warn')}
          />
          <span className="hidden max-w-40 truncate text-xs text-muted md:inline">{email}</span>
          <Button
            variant="ghost"
            size="icon"
            aria-label={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? <Sun size={16} /> : <Moon size={16} />}
          </Button>
          <Button variant="ghost" size="icon" aria-label="Log out" onClick={() => signOut.mutate()}>
            <LogOut size={16} />
          </Button>
        </div>
        <Status />
      </header>
      <main className="min-w-0 flex-1">{children}</main>
    </div>
  );
}
