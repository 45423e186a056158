import { useState } from 'react';
import { PageHeader, usePageTitle } from '../components/Layout';
import { CodeText } from '../components/CodeText';
import { StatusBadge } from '../components/StatusBadge';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { Tile } from '../components/Tile';
import { api } from '../lib/api';
import { useSession } from '../lib/auth';
import { formatCount, formatNumber, formatPercent, formatRelative } from '../lib/format';
import { Link } from '../lib/router';
import type { IdentityStats, JobStatus } from '../lib/types';
import { useApi, useInterval } from '../lib/useApi';

export function OverviewPage() {
  usePageTitle('Overview');
  const stats = useApi<IdentityStats>('/api/identity/stats');
  const jobs = useApi<JobStatus[]>('/api/schedules');
  const pipelineRunning = jobs.data?.some((j) => j.kind === 'models' && j.running) ?? false;
  useInterval(
    () => {
      jobs.reload();
      stats.reload();
    },
    3000,
    pipelineRunning,
  );
  return (
    <>
      <PageHeader title="Overview" subtitle="Your customers across every source, and how their data flows out." />
      <section aria-labelledby="identity-title" className="section">
        <h2 id="identity-title">Identity</h2>
        {stats.error ? <ErrorNote error={stats.error} onRetry={stats.reload} /> : !stats.data ? <Loading /> : <IdentitySection stats={stats.data} />}
      </section>
      <section aria-labelledby="health-title" className="section">
        <h2 id="health-title">Pipeline and syncs</h2>
        {jobs.error ? <ErrorNote error={jobs.error} onRetry={jobs.reload} /> : !jobs.data ? <Loading /> : <HealthSection jobs={jobs.data} onStarted={jobs.reload} />}
      </section>
    </>
  );
}

function IdentitySection({ stats }: { stats: IdentityStats }) {
  if (!stats.built) {
    return (
      <EmptyState title="No profiles yet">
        Identity resolution has not run. Build models, identity and profiles with <code>cdp run</code> (or “Run pipeline” below).
      </EmptyState>
    );
  }
  const maxRecords = Math.max(1, ...stats.bySource.map((s) => s.records));
  return (
    <>
      <div className="tiles">
        <Tile label="Profiles" value={formatCount(stats.profiles)} />
        <Tile label="Identifiers" value={formatCount(stats.identifiers)} note={`${formatNumber(stats.identifiersPerProfile.avg)} per profile on average`} />
        <Tile label="Source records" value={formatCount(stats.records)} />
        <Tile label="Merged profiles" value={formatCount(stats.merges)} note="profiles that became one" />
        <Tile label="Seen in 2+ sources" value={formatPercent(stats.multiSourceProfiles, stats.profiles)} note={`${formatCount(stats.multiSourceProfiles)} profiles`} />
      </div>
      <div className="two-columns">
        <div className="card">
          <h3>Identifiers by type</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Identifiers
                </th>
                <th scope="col" className="num">
                  Profiles with one
                </th>
              </tr>
            </thead>
            <tbody>
              {stats.byIdType.map((row) => (
                <tr key={row.idType}>
                  <td>{row.idType}</td>
                  <td className="num">{formatCount(row.identifiers)}</td>
                  <td className="num">{formatPercent(row.profiles, stats.profiles)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="card">
          <h3>Records by source</h3>
          <ul className="bars">
            {stats.bySource.map((row) => (
              <li key={row.source}>
                <span className="bar-label">{row.source}</span>
                <span className="bar" aria-hidden="true">
                  <span style={{ width: `${(row.records / maxRecords) * 100}%` }} />
                </span>
                <span className="bar-value">
                  {formatCount(row.records)} <span className="muted small">({formatCount(row.profiles)} profiles)</span>
                </span>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}

function HealthSection({ jobs, onStarted }: { jobs: JobStatus[]; onStarted(): void }) {
  const { can } = useSession();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const models = jobs.find((j) => j.kind === 'models');
  const syncs = jobs.filter((j) => j.kind === 'sync');
  // Counted by how the last run ended, not by whether the job threw: 0 of 17 delivered is partial.
  const failing = syncs.filter((j) => j.lastRunStatus === 'failed' || j.lastRunStatus === 'interrupted' || (j.lastStatus === 'error' && j.lastRunStatus !== 'partial'));
  const partial = syncs.filter((j) => j.lastRunStatus === 'partial');
  const healthy = syncs.filter((j) => j.lastRunStatus === 'success');
  async function runPipeline() {
    setStarting(true);
    setError(null);
    try {
      await api('/api/runs', { method: 'POST', body: {} });
      onStarted();
    } catch (caught) {
      setError(caught);
    } finally {
      setStarting(false);
    }
  }
  return (
    <>
      <div className="tiles">
        <Tile label="Syncs" value={formatCount(syncs.length)} note={`${formatCount(syncs.filter((j) => j.cron && !j.paused).length)} on a schedule`} />
        <Tile label="Last run succeeded" value={formatCount(healthy.length)} />
        <Tile label="Last run partial" value={formatCount(partial.length)} note="some rows not delivered" />
        <Tile label="Last run failed" value={formatCount(failing.length)} />
        <Tile label="Running now" value={formatCount(jobs.filter((j) => j.running).length)} />
      </div>
      <div className="card">
        <div className="row-between">
          <h3>Model build</h3>
          {can('models:run') ? (
            <button type="button" className="button small" onClick={() => void runPipeline()} disabled={starting || models?.running}>
              {models?.running ? 'Running…' : 'Run pipeline'}
            </button>
          ) : null}
        </div>
        {error ? <ErrorNote error={error} /> : null}
        <p>
          <StatusBadge status={models?.running ? 'running' : (models?.lastStatus ?? null)} /> {models?.lastFinishedAt ? `finished ${formatRelative(models.lastFinishedAt)}` : 'no build recorded by the service yet'}
          {models?.cron ? <span className="muted"> · schedule {models.cron}</span> : null}
        </p>
        {models?.lastError ? (
          <p className="error-text">
            <CodeText text={models.lastError} />
          </p>
        ) : null}
      </div>
      {failing.length + partial.length ? (
        <div className="card">
          <h3>Syncs that need attention</h3>
          <ul className="plain-list">
            {[...failing, ...partial].map((job) => (
              <li key={job.key}>
                <Link to={`/syncs/${encodeURIComponent(job.name)}`}>{job.name}</Link> <StatusBadge status={job.lastRunStatus === 'partial' ? 'partial' : 'failed'} />{' '}
                <span className="muted">{job.lastRunStatus === 'partial' ? 'some rows were not delivered' : (job.lastError ?? '')}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : syncs.length === 0 ? (
        <EmptyState title="No syncs yet" action={<Link to="/audiences">Pick an audience to sync</Link>}>
          A sync sends an audience to a tool (an email platform, an ad network, a webhook) and keeps it up to date.
        </EmptyState>
      ) : null}
    </>
  );
}
