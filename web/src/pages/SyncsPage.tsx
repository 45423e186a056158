import { PageHeader, usePageTitle } from '../components/Layout';
import { ReachSummary } from '../components/Reach';
import { StatusBadge } from '../components/StatusBadge';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { useSession } from '../lib/auth';
import { formatCount, formatRelative } from '../lib/format';
import { Link } from '../lib/router';
import { describeSchedule, syncDestinationLabel, syncSourceText } from '../lib/syncs';
import type { JobStatus, SyncList } from '../lib/types';
import { useApi } from '../lib/useApi';

export function SyncsPage() {
  usePageTitle('Syncs');
  const { can } = useSession();
  const syncs = useApi<SyncList>('/api/syncs');
  const jobs = useApi<JobStatus[]>('/api/schedules');
  const jobByName = new Map((jobs.data ?? []).filter((j) => j.kind === 'sync').map((j) => [j.name, j]));
  const add = can('syncs:write') ? (
    <Link to="/syncs/new" className="button primary">
      New sync
    </Link>
  ) : null;
  return (
    <>
      <PageHeader title="Syncs" subtitle="Audiences sent to your tools, kept up to date: only what changed is sent." actions={add} />
      {syncs.error ? (
        <ErrorNote error={syncs.error} onRetry={syncs.reload} />
      ) : !syncs.data ? (
        <Loading />
      ) : (
        <>
          {syncs.data.invalid.length ? (
            <div className="error-note" role="alert">
              <strong>Some sync files cannot be read</strong>
              <ul>
                {syncs.data.invalid.map((bad) => (
                  <li key={bad.file}>
                    <code>{bad.file}</code>: {bad.error}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {syncs.data.syncs.length === 0 ? (
            <EmptyState title="No syncs yet" action={add}>
              A sync sends an audience to a destination (an email tool, an ad network, a webhook), on a schedule or when you press “Run now”.
            </EmptyState>
          ) : (
            <table className="table responsive" aria-label="Syncs">
              <thead>
                <tr>
                  <th scope="col">Sync</th>
                  <th scope="col">From → to</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Last run</th>
                  <th scope="col" className="num">
                    Sent / rejected
                  </th>
                  <th scope="col">Match rate / reach</th>
                </tr>
              </thead>
              <tbody>
                {syncs.data.syncs.map((sync) => {
                  const job = jobByName.get(sync.name);
                  const run = sync.lastRun;
                  return (
                    <tr key={sync.name}>
                      <td data-label="Sync">
                        <Link to={`/syncs/${encodeURIComponent(sync.name)}`} className="strong">
                          {sync.name}
                        </Link>
                        {sync.origin === 'git' ? (
                          <span className="tag" title={sync.file ?? undefined}>
                            in git
                          </span>
                        ) : null}
                      </td>
                      <td data-label="From → to">
                        {'audience' in sync.from ? <Link to={`/audiences/${encodeURIComponent(sync.from.audience)}`}>{sync.from.audience}</Link> : <span>{syncSourceText(sync.from)}</span>} →{' '}
                        {syncDestinationLabel(sync)} <span className="muted small">({sync.mode})</span>
                      </td>
                      <td data-label="Schedule">
                        {describeSchedule(sync.schedule)}
                        {job?.paused ? <span className="tag">paused</span> : null}
                      </td>
                      <td data-label="Last run">
                        <StatusBadge status={job?.running ? 'running' : (run?.status ?? null)} /> {run ? <span className="small">{formatRelative(run.finishedAt ?? run.startedAt)}</span> : null}
                      </td>
                      <td data-label="Sent / rejected" className="num">
                        {run ? (
                          <>
                            {formatCount(run.counts.ok)} / <span className={run.counts.rejected ? 'error-text' : undefined}>{formatCount(run.counts.rejected)}</span>
                          </>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td data-label="Match rate / reach">
                        <ReachSummary reach={run?.reach} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </>
  );
}
