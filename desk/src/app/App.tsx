/**
 * The Desk: providers, the router and the sign-in gate. Each page is its own lazily loaded feature folder, so
 * the Trade page does not wait for the statistics charts' code.
 */
import { lazy, Suspense, useEffect } from 'react';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { useMe } from '@/api/session';
import { startLive } from '@/api/live';
import { ApiError } from '@/api/client';
import { ErrorState, Loading } from '@/components/ui/states';
import { useUi } from '@/store/ui';
import { Layout } from './Layout';
import { ErrorBoundary } from './ErrorBoundary';
import { SignInPage } from '@/features/auth/SignInPage';
import { OfflinePage } from '@/features/auth/OfflinePage';
import { Onboarding } from '@/features/onboarding/Onboarding';

const TradePage = lazy(() => import('@/features/trade/TradePage'));
const PositionsPage = lazy(() => import('@/features/positions/PositionsPage'));
const OverviewPage = lazy(() => import('@/features/overview/OverviewPage'));
const TradesPage = lazy(() => import('@/features/trades/TradesPage'));
const JournalPage = lazy(() => import('@/features/journal/JournalPage'));
const AccountPage = lazy(() => import('@/features/account/AccountPage'));
const ExchangePage = lazy(() => import('@/features/exchange/ExchangePage'));
const AdminPage = lazy(() => import('@/features/admin/AdminPage'));
const StrategiesPage = lazy(() => import('@/features/strategies/StrategiesPage'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
    },
  },
});

function Theme() {
  const theme = useUi((s) => s.theme);
  useEffect(() => {
    document.documentElement.classList.toggle('dark', theme === 'dark');
    document.documentElement.classList.toggle('light', theme === 'light');
  }, [theme]);
  return null;
}

function Gate() {
  const me = useMe();
  const qc = useQueryClient();
  const loggedIn = Boolean(me.data);
  useEffect(() => {
    if (loggedIn) startLive(qc);
  }, [loggedIn, qc]);
  if (me.isPending) return <Loading label="Connecting to Testudo…" />;
  if (me.isError)
    return me.error instanceof ApiError && me.error.code === 'server-unreachable' ? (
      <OfflinePage retry={me.refetch} />
    ) : (
      <ErrorState error={me.error} retry={() => void me.refetch()} />
    );
  if (!me.data) return <SignInPage />;
  const isAdmin = Boolean((me.data.user as { isAdmin?: boolean }).isAdmin);
  return (
    <Layout isAdmin={isAdmin} email={me.data.user.email}>
      <Onboarding />
      <ErrorBoundary>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Navigate to="/trade" replace />} />
            <Route path="/trade" element={<TradePage />} />
            <Route path="/positions" element={<PositionsPage />} />
            <Route path="/overview" element={<OverviewPage />} />
            <Route path="/trades" element={<TradesPage />} />
            <Route path="/trades/:id" element={<TradesPage />} />
            <Route path="/journal" element={<JournalPage />} />
            <Route path="/strategies" element={<StrategiesPage />} />
            <Route path="/strategies/:id" element={<StrategiesPage />} />
            <Route path="/account" element={<AccountPage />} />
            <Route path="/exchange" element={<ExchangePage />} />
            <Route path="/admin" element={isAdmin ? <AdminPage /> : <Navigate to="/trade" replace />} />
            <Route path="*" element={<Navigate to="/trade" replace />} />
          </Routes>
        </Suspense>
      </ErrorBoundary>
    </Layout>
  );
}

/** The whole Desk. */
export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Theme />
      <BrowserRouter>
        <Gate />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
