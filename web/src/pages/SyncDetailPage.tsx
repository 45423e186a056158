import { Fragment, useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageHeader, usePageTitle } from '../components/Layout';
import { CodeText } from '../components/CodeText';
import { ReachFacts } from '../components/Reach';
import { StatusBadge } from '../components/StatusBadge';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api } from '../lib/api';
import { useSession } from '../lib/auth';
import { formatCount, formatDateTime, formatDuration, formatRelative, formatTrigger, toDate } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { describeSchedule, syncDestinationLabel, syncSourceText } from '../lib/syncs';
import type { JobStatus, RowLogEntry, SyncDetail, SyncRun } from '../lib/types';
import { useApi, useInterval } from '../lib/useApi';
import { SyncDaysCharts } from '../components/HistoryCharts';
import { RowDebugger } from '../components/RowDebugger';

const RUNS = 20;

export function SyncDetailPage({ name }: { name: string }) {
  usePageTitle(name);
  const { can } = useSession();
  const path = `/api/syncs/${encodeURIComponent(name)}`;
  const sync = useApi<SyncDetail>(path);
  const runs = useApi<SyncRun[]>(`${path}/runs`, { limit: RUNS });
  const jobs = useApi<JobStatus[]>('/api/schedules');
  const job = jobs.data?.find((j) => j.kind === 'sync' && j.name === name);
  const [starting, setStarting] = useState(false);
  const [requestedAt, setRequestedAt] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  // Alerts link to a run with ?run=<id>: that run opens expanded.
  const [expanded, setExpanded] = useState<string | null>(() => new URLSearchParams(window.location.search).get('run'));

  const latest = runs.data?.[0];
  const since = (value: string | null | undefined) => requestedAt !== null && (toDate(value)?.getTime() ?? 0) >= requestedAt - 2000;
  // Done when a run that started after the click has finished, or the job ended without one (it failed to start).
  const runSeen = !!latest && since(latest.startedAt) && latest.status !== 'running';
  const jobEnded = !!job && !job.running && since(job.lastFinishedAt);
  const waitingForRun = requestedAt !== null && !runSeen && !jobEnded;
  const jobFailure = job?.lastStatus === 'error' && job.lastError && (!latest || (toDate(job.lastFinishedAt)?.getTime() ?? 0) > (toDate(latest.finishedAt ?? latest.startedAt)?.getTime() ?? 0) + 1000) ? job.lastError : null;
  const active = waitingForRun || latest?.status === 'running' || !!job?.running;
  useInterval(
    () => {
      runs.reload();
      jobs.reload();
      if (requestedAt !== null && !waitingForRun) setRequestedAt(null);
    },
    1500,
    active,
  );

  async function runNow(full = false) {
    setActionError(null);
    setStarting(true);
    try {
      await api(`${path}/run`, { method: 'POST', body: full ? { full: true } : {} });
      setRequestedAt(Date.now());
      runs.reload();
      jobs.reload();
    } catch (caught) {
      setActionError(caught);
    } finally {
      setStarting(false);
    }
  }

  async function setPaused(paused: boolean) {
    setActionError(null);
    try {
      await api(`${path}/${paused ? 'pause' : 'resume'}`, { method: 'POST', body: {} });
      jobs.reload();
    } catch (caught) {
      setActionError(caught);
    }
  }

  async function remove() {
    try {
      await api(path, { method: 'DELETE' });
      navigate('/syncs', { replace: true });
    } catch (caught) {
      setActionError(caught);
      setConfirmDelete(false);
    }
  }

  if (sync.error) {
    return (
      <>
        <PageHeader title={name} back={{ to: '/syncs', label: 'Syncs' }} />
        <ErrorNote error={sync.error} onRetry={sync.reload} />
      </>
    );
  }
  if (!sync.data) return <Loading />;
  const s = sync.data;
  const editable = can('syncs:write') && s.origin === 'ui';
  return (
    <>
      <PageHeader
        back={{ to: '/syncs', label: 'Syncs' }}
        title={name}
        subtitle={
          <>
            {'audience' in s.from ? (
              <>
                Audience <Link to={`/audiences/${encodeURIComponent(s.from.audience)}`}>{s.from.audience}</Link>
              </>
            ) : (
              <>From {syncSourceText(s.from)}</>
            )}{' '}
            → {s.destination.name ? <Link to={`/destinations/${encodeURIComponent(s.destination.name)}`}>{syncDestinationLabel(s)}</Link> : syncDestinationLabel(s)} ({s.destination.type}) · mode <strong>{s.mode}</strong> · {describeSchedule(s.schedule)}
            {job?.paused ? ' (paused)' : ''}
            {s.origin === 'git' ? <> · defined in {s.file}</> : null}
          </>
        }
        actions={
          <>
            {editable ? (
              <>
                <button type="button" className="button danger-outline" onClick={() => setConfirmDelete(true)}>
                  Delete
                </button>
                <Link to={`/syncs/${encodeURIComponent(name)}/edit`} className="button">
                  Edit
                </Link>
              </>
            ) : null}
            {can('syncs:write') && s.schedule ? (
              <button type="button" className="button" onClick={() => void setPaused(!job?.paused)}>
                {job?.paused ? 'Resume schedule' : 'Pause schedule'}
              </button>
            ) : null}
            {can('syncs:run') ? (
              <button type="button" className="button primary" onClick={() => void runNow()} disabled={starting || active}>
                {active ? 'Running…' : 'Run now'}
              </button>
            ) : null}
          </>
        }
      />
      {actionError ? <ErrorNote error={actionError} /> : null}
      {jobFailure && !active ? <ErrorNote error={new Error(jobFailure)} title="The last run failed" /> : null}
      <div className="card">
        <h2 className="step-title">Fields sent</h2>
        <ul className="mapping-list">
          <li>
            <code>{s.key}</code> <span className="muted small">(row key)</span>
          </li>
          {Object.entries(s.fields).map(([field, column]) => (
            <li key={field}>
              <code>{field}</code> ← <code>{column}</code>
            </li>
          ))}
        </ul>
      </div>
      <section className="section" aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        {runs.error ? (
          <ErrorNote error={runs.error} onRetry={runs.reload} />
        ) : !runs.data ? (
          <Loading />
        ) : runs.data.length === 0 && !active ? (
          <EmptyState title="Not run yet">{can('syncs:run') ? 'Press “Run now” to send the audience.' : 'It runs on its schedule, or when someone runs it.'}</EmptyState>
        ) : (
          <table className="table responsive runs" aria-label="Runs" data-testid="runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Added / changed / removed
                </th>
                <th scope="col" className="num">
                  Sent
                </th>
                <th scope="col" className="num">
                  Rejected
                </th>
                <th scope="col">Took</th>
                <th scope="col">
                  <span className="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {waitingForRun && latest?.status !== 'running' ? (
                <tr>
                  <td colSpan={7}>
                    <StatusBadge status="running" /> starting…
                  </td>
                </tr>
              ) : null}
              {runs.data.map((run) => {
                const open = expanded === run.id;
                const took = run.finishedAt ? (toDate(run.finishedAt)!.getTime() - toDate(run.startedAt)!.getTime()) : null;
                return (
                  <Fragment key={run.id}>
                    <tr data-status={run.status}>
                      <td data-label="Started">
                        <span title={formatDateTime(run.startedAt)}>{formatRelative(run.startedAt)}</span> <span className="muted small">{formatTrigger(run.trigger)}</span>
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={run.status} />
                      </td>
                      <td data-label="Added / changed / removed" className="num">
                        {formatCount(run.plan.added)} / {formatCount(run.plan.changed)} / {formatCount(run.plan.removed)}
                      </td>
                      <td data-label="Sent" className="num">
                        {formatCount(run.counts.ok)}
                        {run.counts.retryable ? <span className="muted small"> (+{formatCount(run.counts.retryable)} to retry)</span> : null}
                      </td>
                      <td data-label="Rejected" className={`num ${run.counts.rejected ? 'error-text' : ''}`}>
                        {formatCount(run.counts.rejected)}
                      </td>
                      <td data-label="Took">{formatDuration(took)}</td>
                      <td>
                        <button type="button" className="link-button" aria-expanded={open} onClick={() => setExpanded(open ? null : run.id)}>
                          {open ? 'Hide' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open ? (
                      <tr className="run-details">
                        <td colSpan={7}>
                          <RunDetails sync={name} run={run} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section className="section" aria-labelledby="sync-history-title">
        <h2 id="sync-history-title">Runs per day</h2>
        <SyncDaysCharts sync={name} />
      </section>
      {can('profiles:read') ? <RowDebugger sync={name} keyColumn={s.key} /> : null}
      <ConfirmDialog open={confirmDelete} title={`Delete ${name}?`} confirmLabel="Delete sync" danger onCancel={() => setConfirmDelete(false)} onConfirm={() => void remove()}>
        <p>Nothing more is sent. Records already in {syncDestinationLabel(s)} stay there; the run history is kept.</p>
      </ConfirmDialog>
    </>
  );
}

function RunDetails({ sync, run }: { sync: string; run: SyncRun }) {
  const { can } = useSession();
  const rejected = useApi<RowLogEntry[]>(can('profiles:read') && run.counts.rejected > 0 ? `/api/syncs/${encodeURIComponent(sync)}/runs/${encodeURIComponent(run.id)}/rows` : null, { status: 'rejected', limit: 500 });
  const held = Object.entries(run.heldBack).filter(([, n]) => n > 0);
  return (
    <div className="run-detail">
      <dl className="facts inline">
        <div>
          <dt>Planned</dt>
          <dd>{formatCount(run.counts.planned)}</dd>
        </div>
        <div>
          <dt>Planning took</dt>
          <dd>{formatDuration(run.planMs)}</dd>
        </div>
        <div>
          <dt>Retried from earlier runs</dt>
          <dd>{formatCount(run.counts.retried)}</dd>
        </div>
        <ReachFacts reach={run.reach} />
        {run.full ? (
          <div>
            <dt>Full resend</dt>
            <dd>yes</dd>
          </div>
        ) : null}
        {held.map(([filter, n]) => (
          <div key={filter}>
            <dt>Held back ({filter})</dt>
            <dd>{formatCount(n)}</dd>
          </div>
        ))}
      </dl>
      {run.error ? (
        <p className="error-text">
          <CodeText text={run.error} />
        </p>
      ) : null}
      {run.counts.rejected > 0 ? (
        <>
          <h4>Rejected rows</h4>
          {!can('profiles:read') ? (
            <FirstErrors run={run} />
          ) : rejected.error ? (
            <ErrorNote error={rejected.error} />
          ) : !rejected.data ? (
            <Loading />
          ) : (
            <RejectedRows rows={rejected.data} total={run.counts.rejected} />
          )}
        </>
      ) : run.firstErrors.length ? (
        <FirstErrors run={run} />
      ) : null}
    </div>
  );
}

const KEYS_SHOWN = 8;

/** Rejected rows grouped by the destination's reason: one line per reason, with the rows' keys. */
function RejectedRows({ rows, total }: { rows: RowLogEntry[]; total: number }) {
  const [open, setOpen] = useState<string | null>(null);
  const groups = new Map<string, RowLogEntry[]>();
  for (const row of rows) {
    const reason = row.error ?? '(no reason given)';
    groups.set(reason, [...(groups.get(reason) ?? []), row]);
  }
  return (
    <>
      <table className="table compact" aria-label="Rejected rows" data-testid="rejected-rows">
        <thead>
          <tr>
            <th scope="col">Why the destination refused them</th>
            <th scope="col" className="num">
              Rows
            </th>
            <th scope="col">Row keys</th>
          </tr>
        </thead>
        <tbody>
          {[...groups].map(([reason, list]) => {
            const all = open === reason;
            const keys = all ? list : list.slice(0, KEYS_SHOWN);
            return (
              <tr key={reason}>
                <td className="reason">{reason}</td>
                <td className="num">{formatCount(list.length)}</td>
                <td>
                  <span className="keys">
                    {keys.map((row) => (
                      <Link key={`${row.key}-${row.op}`} to={`/profiles?id=${encodeURIComponent(row.key)}`}>
                        <code>{row.key}</code>
                      </Link>
                    ))}
                  </span>
                  {list.length > KEYS_SHOWN ? (
                    <button type="button" className="link-button small" onClick={() => setOpen(all ? null : reason)}>
                      {all ? 'fewer' : `all ${formatCount(list.length)}`}
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {total > rows.length ? <p className="muted small">The latest {formatCount(rows.length)} of {formatCount(total)} rejected rows.</p> : null}
    </>
  );
}

/** The errors the run kept in its own record (no per-row log access needed), one line per reason. */
function FirstErrors({ run }: { run: SyncRun }) {
  if (run.firstErrors.length === 0) return null;
  const groups = new Map<string, { status: string; error: string; keys: string[] }>();
  for (const e of run.firstErrors) {
    const id = `${e.status}:${e.error}`;
    const group = groups.get(id) ?? { status: e.status, error: e.error, keys: [] };
    group.keys.push(e.key);
    groups.set(id, group);
  }
  return (
    <ul className="plain-list" data-testid="first-errors">
      {[...groups].map(([id, g]) => (
        <li key={id}>
          <StatusBadge status={g.status} /> {g.error} <span className="muted">({formatCount(g.keys.length)} {g.keys.length === 1 ? 'row' : 'rows'}, e.g. {g.keys.slice(0, 3).join(', ')})</span>
        </li>
      ))}
    </ul>
  );
}
