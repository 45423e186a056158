import { useMemo, useState } from 'react';
import { OverlapMatrix } from '../insight/OverlapMatrix';
import { PriorityListPanel } from '../insight/PriorityListPanel';
import { PageHeader, usePageTitle } from '../components/Layout';
import { Sparkline } from '../components/Sparkline';
import { StatusBadge } from '../components/StatusBadge';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { useSession } from '../lib/auth';
import { formatCount, formatRelative } from '../lib/format';
import { Link } from '../lib/router';
import { syncsByAudience } from '../lib/syncs';
import type { AudienceSizePoint, AudienceSummary, SyncList, SyncView } from '../lib/types';
import { useApi } from '../lib/useApi';

const HISTORY_POINTS = 30;

export function AudiencesPage() {
  usePageTitle('Audiences');
  const { can } = useSession();
  const audiences = useApi<AudienceSummary[]>('/api/audiences', { counts: true });
  const syncs = useApi<SyncList>('/api/syncs');
  const [filter, setFilter] = useState('');
  const bySync = useMemo(() => syncsByAudience(syncs.data?.syncs), [syncs.data]);
  const shown = (audiences.data ?? []).filter((a) => `${a.name} ${a.description ?? ''}`.toLowerCase().includes(filter.trim().toLowerCase()));

  return (
    <>
      <PageHeader
        title="Audiences"
        subtitle="Groups of customers defined by their traits and what they did; kept up to date as data changes."
        actions={
          can('audiences:write') ? (
            <Link to="/audiences/new" className="button primary">
              New audience
            </Link>
          ) : null
        }
      />
      {audiences.error ? (
        <ErrorNote error={audiences.error} onRetry={audiences.reload} />
      ) : !audiences.data ? (
        <Loading label="Counting audiences…" />
      ) : audiences.data.length === 0 ? (
        <EmptyState
          title="No audiences yet"
          action={
            can('audiences:write') ? (
              <Link to="/audiences/new" className="button primary">
                Build your first audience
              </Link>
            ) : null
          }
        >
          An audience is a group of customers, like “bought twice in the last 90 days and lives in Germany”.
        </EmptyState>
      ) : (
        <>
          <div className="toolbar">
            <label className="search">
              <span className="visually-hidden">Filter audiences</span>
              <input type="search" placeholder="Filter by name…" value={filter} onChange={(e) => setFilter(e.target.value)} />
            </label>
            <span className="muted small">
              {formatCount(shown.length)} of {formatCount(audiences.data.length)} audiences
            </span>
          </div>
          <table className="table responsive" aria-label="Audiences">
            <thead>
              <tr>
                <th scope="col">Audience</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Trend</th>
                <th scope="col">Last sync</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((audience) => (
                <AudienceRow key={audience.name} audience={audience} syncs={bySync.get(audience.name) ?? []} syncsKnown={!!syncs.data} />
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p className="muted">No audience matches “{filter}”.</p> : null}
          {audiences.data.length >= 2 ? (
            <div className="insight-grid">
              <OverlapMatrix audiences={audiences.data.filter((a) => !a.error).map((a) => a.name)} />
              <PriorityListPanel audiences={audiences.data.filter((a) => !a.error).map((a) => a.name)} canSave={can('audiences:write')} />
            </div>
          ) : null}
        </>
      )}
    </>
  );
}

function AudienceRow({ audience, syncs, syncsKnown }: { audience: AudienceSummary; syncs: SyncView[]; syncsKnown: boolean }) {
  const history = useApi<AudienceSizePoint[]>(audience.error ? null : `/api/audiences/${encodeURIComponent(audience.name)}/history`, { limit: HISTORY_POINTS });
  const points = useMemo(() => [...(history.data ?? [])].reverse(), [history.data]);
  const lastRun = syncs
    .map((s) => s.lastRun)
    .filter((r): r is NonNullable<typeof r> => !!r)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  return (
    <tr>
      <td data-label="Audience">
        <Link to={`/audiences/${encodeURIComponent(audience.name)}`} className="strong">
          {audience.name}
        </Link>
        {audience.origin === 'file' ? (
          <span className="tag" title={audience.file}>
            in git
          </span>
        ) : null}
        {audience.description ? <div className="muted small">{audience.description}</div> : null}
        {audience.error ? <div className="error-text small">{audience.error}</div> : null}
      </td>
      <td data-label="Size" className="num strong" data-testid="audience-size">
        {audience.count === undefined ? '…' : formatCount(audience.count)}
      </td>
      <td data-label="Trend">{history.data ? <Sparkline points={points} /> : history.error ? <span className="muted small">—</span> : <span className="muted small">…</span>}</td>
      <td data-label="Last sync">
        {syncs.length === 0 ? (
          <span className="muted small">{syncsKnown ? 'not synced' : '—'}</span>
        ) : (
          <>
            <StatusBadge status={lastRun?.status ?? null} />{' '}
            <span className="small">
              {lastRun ? formatRelative(lastRun.finishedAt ?? lastRun.startedAt) : ''} · {syncs.length === 1 ? <Link to={`/syncs/${encodeURIComponent(syncs[0]!.name)}`}>{syncs[0]!.name}</Link> : `${syncs.length} syncs`}
            </span>
          </>
        )}
      </td>
    </tr>
  );
}
