import { useCallback, useEffect, useMemo, useState } from 'react';
import { Layout } from './components/Layout';
import { ErrorNote, Loading } from './components/States';
import { api, ApiError, onUnauthorized } from './lib/api';
import { SessionProvider, type Session } from './lib/auth';
import { match, navigate, useLocation } from './lib/router';
import type { Me } from './lib/types';
import { AlertsPage } from './pages/AlertsPage';
import { AudienceBuilderPage } from './pages/AudienceBuilderPage';
import { AudiencesPage } from './pages/AudiencesPage';
import { DashboardsPage } from './pages/DashboardsPage';
import { DestinationEditorPage } from './pages/DestinationEditorPage';
import { DestinationsPage } from './pages/DestinationsPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OverviewPage } from './pages/OverviewPage';
import { PredictionsPage } from './pages/PredictionsPage';
import { PrivacyPage, PrivacyRequestPage } from './pages/PrivacyPage';
import { ProfilesPage } from './pages/ProfilesPage';
import { ReviewPage } from './pages/ReviewPage';
import { SourcesPage } from './pages/SourcesPage';
import { SyncDetailPage } from './pages/SyncDetailPage';
import { SyncEditorPage } from './pages/SyncEditorPage';
import { SyncsPage } from './pages/SyncsPage';

type AuthState = { status: 'checking' } | { status: 'signed-out' } | { status: 'signed-in'; me: Me } | { status: 'failed'; error: unknown };

export function App() {
  const [auth, setAuth] = useState<AuthState>({ status: 'checking' });

  const check = useCallback(() => {
    setAuth({ status: 'checking' });
    api<Me>('/api/auth/me').then(
      (me) => setAuth({ status: 'signed-in', me }),
      (error: unknown) => setAuth(error instanceof ApiError && error.status === 401 ? { status: 'signed-out' } : { status: 'failed', error }),
    );
  }, []);

  useEffect(check, [check]);
  useEffect(() => onUnauthorized(() => setAuth({ status: 'signed-out' })), []);

  const session = useMemo<Session | null>(() => {
    if (auth.status !== 'signed-in') return null;
    const permissions = new Set(auth.me.permissions);
    return {
      me: auth.me,
      can: (permission) => permissions.has(permission),
      async logout() {
        await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
        setAuth({ status: 'signed-out' });
        navigate('/login', { replace: true });
      },
    };
  }, [auth]);

  if (auth.status === 'checking') return <Loading label="Starting…" />;
  if (auth.status === 'failed') {
    return (
      <main className="center-page">
        <ErrorNote error={auth.error} onRetry={check} />
      </main>
    );
  }
  if (auth.status === 'signed-out' || !session) {
    return (
      <LoginPage
        onSignedIn={(me) => {
          setAuth({ status: 'signed-in', me });
          if (window.location.pathname === '/login') navigate('/', { replace: true });
        }}
      />
    );
  }
  return (
    <SessionProvider session={session}>
      <Layout>
        <Routes />
      </Layout>
    </SessionProvider>
  );
}

function Routes() {
  const { path } = useLocation();
  if (path === '/' || path === '/login') return <OverviewPage />;
  if (path === '/dashboards') return <DashboardsPage />;
  if (path === '/audiences') return <AudiencesPage />;
  if (path === '/audiences/new') return <AudienceBuilderPage key="new" name={null} />;
  let m = match('/audiences/:name', path);
  if (m) return <AudienceBuilderPage key={m.name} name={m.name!} />;
  if (path === '/profiles') return <ProfilesPage />;
  if (path === '/review') return <ReviewPage />;
  if (path === '/predictions') return <PredictionsPage />;
  if (path === '/syncs') return <SyncsPage />;
  if (path === '/syncs/new') return <SyncEditorPage key="new" name={null} />;
  if ((m = match('/syncs/:name/edit', path))) return <SyncEditorPage key={m.name} name={m.name!} />;
  if ((m = match('/syncs/:name', path))) return <SyncDetailPage key={m.name} name={m.name!} />;
  if (path === '/destinations') return <DestinationsPage />;
  if (path === '/destinations/new') return <DestinationEditorPage key="new" name={null} />;
  if ((m = match('/destinations/:name', path))) return <DestinationEditorPage key={m.name} name={m.name!} />;
  if (path === '/sources') return <SourcesPage />;
  if (path === '/alerts') return <AlertsPage />;
  if (path === '/privacy') return <PrivacyPage />;
  if ((m = match('/privacy/requests/:id', path))) return <PrivacyRequestPage key={m.id} id={m.id!} />;
  return <NotFoundPage />;
}
