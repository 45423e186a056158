import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { CountTable } from '../components/CountTable';
import { Field } from '../components/Field';
import { PageHeader, usePageTitle } from '../components/Layout';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { Tile } from '../components/Tile';
import { api } from '../lib/api';
import { useSession } from '../lib/auth';
import { formatCount, formatDateTime, formatRelative } from '../lib/format';
import { Link, navigate } from '../lib/router';
import type { DeletionReport, DestinationAction, ExportSummary, IdentityStats, PrivacyRequest, SubjectExport } from '../lib/types';
import { useApi } from '../lib/useApi';

/**
 * Right to erasure and right of access, for admins (`privacy:manage`): delete a person (dry run
 * first, then a confirmation), export everything held about them, and the past requests with
 * their reports. The API refuses everyone else anyway.
 */

const REQUESTS = 100;

export function PrivacyPage() {
  usePageTitle('Privacy');
  const { can } = useSession();
  if (!can('privacy:manage')) return <NotAllowed />;
  return <PrivacyConsole />;
}

function NotAllowed() {
  return (
    <>
      <PageHeader title="Privacy" />
      <EmptyState title="Only admins handle privacy requests">
        Deleting a person or exporting their data needs the <code>privacy:manage</code> permission (the admin role). Ask an admin to handle the request.
      </EmptyState>
    </>
  );
}

function PrivacyConsole() {
  const requests = useApi<PrivacyRequest[]>('/api/privacy/requests', { limit: REQUESTS });
  const stats = useApi<IdentityStats>('/api/identity/stats');
  const idTypes = useMemo(() => stats.data?.byIdType.map((t) => t.idType) ?? [], [stats.data]);
  return (
    <>
      <PageHeader
        title="Privacy"
        subtitle="Answer deletion and access requests (GDPR, CCPA): erase a person everywhere the platform put them, or give them everything held about them. Every request is recorded with who made it."
      />
      <section className="section" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete a person</h2>
        <DeletePanel idTypes={idTypes} onDone={requests.reload} />
      </section>
      <section className="section" aria-labelledby="export-title">
        <h2 id="export-title">Export a person's data</h2>
        <ExportPanel idTypes={idTypes} onDone={requests.reload} />
      </section>
      <section className="section" aria-labelledby="requests-title">
        <h2 id="requests-title">Past requests</h2>
        {requests.error ? <ErrorNote error={requests.error} onRetry={requests.reload} /> : !requests.data ? <Loading /> : <RequestList requests={requests.data} />}
      </section>
    </>
  );
}

// ------------------------------------------------------------------ the person's identifier

interface Subject {
  idType: string;
  value: string;
}

/** Identifier type and value. Types come from the identity graph; without one, the type is typed. */
function SubjectFields({ idTypes, subject, onChange, disabled }: { idTypes: string[]; subject: Subject; onChange(next: Subject): void; disabled?: boolean }) {
  return (
    <>
      <Field label="Identifier type" hint={idTypes.length ? undefined : 'an id type of the identity config, e.g. email'}>
        {(props) =>
          idTypes.length ? (
            <select {...props} value={subject.idType} disabled={disabled} onChange={(e) => onChange({ ...subject, idType: e.target.value })}>
              {idTypes.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          ) : (
            <input {...props} required value={subject.idType} disabled={disabled} onChange={(e) => onChange({ ...subject, idType: e.target.value })} />
          )
        }
      </Field>
      <Field label="Identifier value" className="grow">
        {(props) => (
          <input
            {...props}
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="jane@example.com"
            value={subject.value}
            disabled={disabled}
            onChange={(e) => onChange({ ...subject, value: e.target.value })}
          />
        )}
      </Field>
    </>
  );
}

/** Picks email by default once the id types are known. */
function useSubject(idTypes: string[]): [Subject, (next: Subject) => void] {
  const [subject, setSubject] = useState<Subject>({ idType: '', value: '' });
  useEffect(() => {
    if (idTypes.length && !idTypes.includes(subject.idType)) setSubject((s) => ({ ...s, idType: idTypes.includes('email') ? 'email' : idTypes[0]! }));
  }, [idTypes, subject.idType]);
  return [subject, setSubject];
}

// ------------------------------------------------------------------ deletion

type DeleteStep =
  | { step: 'form' }
  | { step: 'checking' }
  | { step: 'checked'; report: DeletionReport; subject: Subject }
  | { step: 'deleting'; report: DeletionReport; subject: Subject }
  | { step: 'done'; report: DeletionReport };

function DeletePanel({ idTypes, onDone }: { idTypes: string[]; onDone(): void }) {
  const [subject, setSubject] = useSubject(idTypes);
  const [state, setState] = useState<DeleteStep>({ step: 'form' });
  const [error, setError] = useState<unknown>(null);
  const [confirmation, setConfirmation] = useState('');
  const confirmId = useId();

  const edit = (next: Subject) => {
    setSubject(next);
    // A changed identifier needs a new dry run.
    if (state.step === 'checked' || state.step === 'done') setState({ step: 'form' });
    setConfirmation('');
    setError(null);
  };

  async function dryRun(event: FormEvent) {
    event.preventDefault();
    const asked = { idType: subject.idType.trim(), value: subject.value.trim() };
    if (!asked.idType || !asked.value) return;
    setError(null);
    setConfirmation('');
    setState({ step: 'checking' });
    try {
      const report = await api<DeletionReport>('/api/privacy/deletions', { method: 'POST', body: { ...asked, dryRun: true } });
      setState({ step: 'checked', report, subject: asked });
    } catch (caught) {
      setError(caught);
      setState({ step: 'form' });
    }
  }

  async function deleteForReal() {
    if (state.step !== 'checked') return;
    const { subject: asked, report: preview } = state;
    setError(null);
    setState({ step: 'deleting', report: preview, subject: asked });
    try {
      const report = await api<DeletionReport>('/api/privacy/deletions', { method: 'POST', body: { ...asked, dryRun: false } });
      setState({ step: 'done', report });
      setSubject({ ...subject, value: '' });
      setConfirmation('');
    } catch (caught) {
      setError(caught);
      setState({ step: 'checked', report: preview, subject: asked });
    } finally {
      onDone();
    }
  }

  const busy = state.step === 'checking' || state.step === 'deleting';
  const confirmed = (state.step === 'checked' || state.step === 'deleting') && confirmation.trim().toLowerCase() === state.subject.value.toLowerCase();
  return (
    <div className="card">
      <p className="muted">
        The person's identifiers are suppressed (no later data brings them back), every destination that received them is asked to delete them, and their rows in the platform's warehouse tables
        are deleted. You see what would happen first; nothing changes until you confirm.
      </p>
      <form className="search-form" onSubmit={(e) => void dryRun(e)} aria-label="Delete a person">
        <SubjectFields idTypes={idTypes} subject={subject} onChange={edit} disabled={busy} />
        <button type="submit" className="button primary" disabled={busy}>
          {state.step === 'checking' ? 'Checking…' : 'Check what would be deleted'}
        </button>
      </form>
      {error ? <div className="section">{<ErrorNote error={error} title={state.step === 'checked' ? 'The deletion failed' : undefined} />}</div> : null}
      {state.step === 'checking' ? <Loading label="Looking the person up (dry run, nothing changes)…" /> : null}
      {state.step === 'checked' || state.step === 'deleting' ? (
        <div className="section" data-testid="deletion-preview">
          <h3>What a deletion would do</h3>
          <p className="warning">Dry run: nothing has been deleted yet.</p>
          <DeletionReportView report={state.report} />
          <div className="confirm-box">
            <h3>Delete permanently</h3>
            <p>
              This cannot be undone. To confirm, type the identifier again: <code>{state.subject.value}</code>
            </p>
            <div className="search-form">
              <div className="field grow">
                <label htmlFor={confirmId}>Type the identifier to confirm</label>
                <input id={confirmId} autoComplete="off" spellCheck={false} value={confirmation} disabled={state.step === 'deleting'} onChange={(e) => setConfirmation(e.target.value)} />
              </div>
              <button type="button" className="button danger" disabled={!confirmed || state.step === 'deleting'} onClick={() => void deleteForReal()}>
                {state.step === 'deleting' ? 'Deleting…' : 'Delete permanently'}
              </button>
              <button type="button" className="button" disabled={state.step === 'deleting'} onClick={() => setState({ step: 'form' })}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      ) : null}
      {state.step === 'done' ? (
        <div className="section" data-testid="deletion-report">
          <p className={state.report.complete ? 'notice' : 'warning'} role="status">
            {state.report.complete ? 'The person was deleted.' : 'The deletion is not complete: some destinations did not confirm. Run the same deletion again to retry them.'}{' '}
            <Link to={`/privacy/requests/${encodeURIComponent(state.report.requestId)}`}>Open the recorded request</Link>
          </p>
          <DeletionReportView report={state.report} />
        </div>
      ) : null}
    </div>
  );
}

const WAREHOUSE_TABLES: Record<string, string> = {
  profiles: 'profile and its traits',
  resolved_records: 'source records linked to the person',
  identity_graph: 'identifiers of the person',
  consent: 'consent decisions',
  profile_merges: 'merge history',
  identity_dropped: 'identifiers dropped by identity resolution',
  audience_membership: 'audience memberships',
  audience_events: 'audience entries and exits',
};

function describeTable(table: string): string {
  const name = table.split('.').pop() ?? table;
  if (WAREHOUSE_TABLES[name]) return WAREHOUSE_TABLES[name];
  if (name.startsWith('_identity_')) return 'identity resolution working state';
  return '';
}

function describeAction(action: DestinationAction, dryRun: boolean): string {
  switch (action) {
    case 'deleted':
      return dryRun ? 'Would be deleted at the vendor' : 'Deleted at the vendor';
    case 'removed':
      return dryRun ? 'Would be removed from the list or audience (the vendor may keep the contact)' : 'Removed from the list or audience (the vendor may keep the contact)';
    case 'not_supported':
      return 'This destination cannot delete: remove the person there by hand';
    case 'not_delivered':
      return 'Never delivered: nothing to delete there';
    case 'failed':
      return 'Failed: run the deletion again to retry';
  }
}

const DESTINATION_STATUS: Record<DeletionReport['destinations'][number]['status'], { label: string; tone: string }> = {
  ok: { label: 'confirmed', tone: 'ok' },
  partial: { label: 'partly confirmed', tone: 'warn' },
  failed: { label: 'failed', tone: 'bad' },
  skipped: { label: 'nothing to do', tone: 'idle' },
  dry_run: { label: 'not run yet', tone: 'idle' },
};

function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** A deletion report (dry run, just done, or stored) as tables in plain words. */
export function DeletionReportView({ report }: { report: DeletionReport }) {
  const dry = report.dryRun;
  const rowsDeleted = report.warehouse.reduce((sum, t) => sum + t.rows, 0);
  const sourceRows = report.sourceRecords.reduce((sum, s) => sum + s.records, 0);
  const byType = Object.entries(report.identifiers.byType).sort(([a], [b]) => a.localeCompare(b));
  const tables = report.warehouse.filter((t) => t.rows > 0).sort((a, b) => b.rows - a.rows || a.table.localeCompare(b.table));
  const emptyTables = report.warehouse.filter((t) => t.rows === 0).map((t) => t.table);
  const sources = report.sourceRecords.filter((s) => s.records > 0);
  const cleanSources = report.sourceRecords.filter((s) => s.records === 0).map((s) => s.source);
  return (
    <div className="privacy-report">
      <div className="tiles">
        <Tile label="Profiles found" value={formatCount(report.profilesFound)} note={report.formerProfileIds ? `plus ${formatCount(report.formerProfileIds)} earlier profile ids (merges)` : undefined} />
        <Tile
          label={dry ? 'Identifiers to suppress' : 'Identifiers suppressed'}
          value={formatCount(report.identifiers.total)}
          note={`${formatCount(report.identifiers.newlySuppressed)} new, ${formatCount(report.identifiers.alreadySuppressed)} already suppressed`}
        />
        <Tile label={dry ? 'Warehouse rows to delete' : 'Warehouse rows deleted'} value={formatCount(rowsDeleted)} note={`in ${formatCount(tables.length)} tables`} />
        <Tile label="Destinations" value={formatCount(report.destinations.length)} note={report.destinations.length ? 'syncs that held the person' : 'no sync ever held the person'} />
        <Tile label="Left in your source tables" value={formatCount(sourceRows)} note="rows to delete at the source" />
      </div>

      <div className="two-columns">
        <div className="card">
          <h3>Identifiers {dry ? 'to suppress' : 'suppressed'}, by type</h3>
          {byType.length === 0 ? (
            <p className="muted">No identifiers found: only the value itself {dry ? 'would be' : 'was'} suppressed.</p>
          ) : (
            <CountTable
              label="Identifiers by type"
              headers={['Type', 'Identifiers']}
              rows={byType}
              rowKey={([type]) => type}
              name={([type]) => type}
              count={([, count]) => formatCount(count)}
            />
          )}
          <p className="muted small">Suppressed identifiers stay out of every later identity build, so late data cannot bring the person back.</p>
        </div>
        <div className="card">
          <h3>Warehouse tables</h3>
          {tables.length === 0 ? (
            <p className="muted">Nothing of the person in the platform's tables.</p>
          ) : (
            <CountTable
              label="Warehouse tables"
              testId="warehouse-tables"
              headers={['Table', dry ? 'Rows to delete' : 'Rows deleted']}
              rows={tables}
              rowKey={(t) => t.table}
              name={(t) => (
                <>
                  <code>{t.table}</code>
                  {describeTable(t.table) ? <div className="muted small">{describeTable(t.table)}</div> : null}
                </>
              )}
              count={(t) => formatCount(t.rows)}
            />
          )}
          {emptyTables.length ? <p className="muted small">Nothing of the person in: {emptyTables.join(', ')}.</p> : null}
        </div>
      </div>

      <div className="card">
        <h3>Destinations</h3>
        {report.destinations.length === 0 ? (
          <p className="muted">No sync has ever sent this person anywhere: nothing to delete at vendors.</p>
        ) : (
          <table className="table compact responsive" aria-label="Destinations" data-testid="destinations">
            <thead>
              <tr>
                <th scope="col">Sync</th>
                <th scope="col">What happens</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col">Problems</th>
              </tr>
            </thead>
            <tbody>
              {report.destinations.map((d) => {
                // "ok" for a row never delivered means nothing had to be done there.
                const status = d.action === 'not_delivered' && d.status === 'ok' ? DESTINATION_STATUS.skipped : (DESTINATION_STATUS[d.status] ?? { label: d.status, tone: 'idle' });
                return (
                  <tr key={d.sync}>
                    <td data-label="Sync">
                      <span className="strong">{d.sync}</span>
                      {d.destinationType ? <div className="muted small">{d.destinationType}</div> : null}
                    </td>
                    <td data-label="What happens">{describeAction(d.action, dry)}</td>
                    <td data-label="Status">
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </td>
                    <td data-label="Rows" className="num">
                      {formatCount(d.rows)}
                      {!dry && (d.results.rejected || d.results.retryable) ? (
                        <div className="muted small">
                          {formatCount(d.results.ok)} ok, {formatCount(d.results.rejected)} rejected, {formatCount(d.results.retryable)} to retry
                        </div>
                      ) : null}
                    </td>
                    <td data-label="Problems">
                      {d.errors.length || d.kept || d.note ? (
                        <ul className="plain-list small">
                          {d.errors.map((e, i) => (
                            <li key={i} className="error-text">
                              {e}
                            </li>
                          ))}
                          {d.kept ? <li>{formatCount(d.kept)} rows kept to retry: run the deletion again</li> : null}
                          {d.note ? <li className="muted">{d.note}</li> : null}
                        </ul>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>

      <div className="card">
        <h3>Still in your source tables</h3>
        <p className="muted small">The platform never deletes from your own tables. These rows still carry the person's identifiers: delete them where they come from (until then they stay there, kept out of profiles by the suppression).</p>
        {sources.length === 0 ? (
          <p className="muted">No source rows carry the person's identifiers.</p>
        ) : (
          <table className="table compact responsive" aria-label="Source records">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Table</th>
                <th scope="col" className="num">
                  Rows
                </th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr key={`${s.kind ?? 'identity'}:${s.source}`}>
                  <td data-label="Source">
                    {s.source}
                    {s.kind === 'consent' ? <div className="muted small">consent records</div> : null}
                  </td>
                  <td data-label="Table">
                    <code>{s.relation}</code>
                    {s.upstream?.length ? (
                      <div className="muted small">
                        a model built from {s.upstream.map((u, i) => (
                          <span key={u}>
                            {i ? ', ' : ''}
                            <code>{u}</code>
                          </span>
                        ))}
                        : delete the rows there
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Rows" className="num">
                    {formatCount(s.records)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {sources.length && cleanSources.length ? <p className="muted small">No rows of the person in: {cleanSources.join(', ')}.</p> : null}
      </div>

      {report.notes.length ? (
        <div className="card">
          <h3>Notes</h3>
          <ul>
            {report.notes.map((note, i) => (
              <li key={i}>{sentence(note)}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

const sentence = (text: string): string => (text ? text[0]!.toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : text);

// ------------------------------------------------------------------ export

function ExportPanel({ idTypes, onDone }: { idTypes: string[]; onDone(): void }) {
  const [subject, setSubject] = useSubject(idTypes);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{ data: SubjectExport; url: string } | null>(null);

  // The download link holds the data in memory: free it when replaced or when leaving the page.
  useEffect(() => () => (result ? URL.revokeObjectURL(result.url) : undefined), [result]);

  async function run(event: FormEvent) {
    event.preventDefault();
    const asked = { idType: subject.idType.trim(), value: subject.value.trim() };
    if (!asked.idType || !asked.value) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const data = await api<SubjectExport>('/api/privacy/exports', { method: 'POST', body: asked });
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      setResult({ data, url });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
      onDone();
    }
  }

  return (
    <div className="card">
      <p className="muted">
        Everything the platform holds about the person as one JSON file: profile traits, identifiers, consent decisions, audiences, what each destination was sent, their rows in your source tables
        and recent events. It contains personal data: hand it to the person over a safe channel.
      </p>
      <form className="search-form" onSubmit={(e) => void run(e)} aria-label="Export a person's data">
        <SubjectFields
          idTypes={idTypes}
          subject={subject}
          onChange={(next) => {
            setSubject(next);
            setError(null);
          }}
          disabled={busy}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Exporting…' : 'Export'}
        </button>
      </form>
      {error ? (
        <div className="section">
          <ErrorNote error={error} />
        </div>
      ) : null}
      {busy ? <Loading label="Collecting the person's data…" /> : null}
      {result ? <ExportResult data={result.data} url={result.url} /> : null}
    </div>
  );
}

function ExportResult({ data, url }: { data: SubjectExport; url: string }) {
  const sourceRows = data.sourceRecords.reduce((sum, s) => sum + s.rows.length, 0);
  const truncated = data.sourceRecords.some((s) => s.truncated);
  return (
    <div className="section" data-testid="export-result">
      <p className="notice" role="status">
        {data.profiles.length ? `Found ${formatCount(data.profiles.length)} profile${data.profiles.length === 1 ? '' : 's'}.` : 'No profile holds this identifier: the export is nearly empty.'}{' '}
        <a href={url} download={`privacy-export-${data.requestId}.json`} className="strong">
          Download the export (JSON)
        </a>
      </p>
      <div className="tiles">
        <Tile label="Identifiers" value={formatCount(data.identifiers.length)} />
        <Tile label="Consent decisions" value={formatCount(data.consent.length)} />
        <Tile label="Audiences" value={formatCount(data.audiences.filter((a) => !a.error).length)} />
        <Tile label="Destinations" value={formatCount(data.destinations.length)} note="sync rows that hold the person" />
        <Tile label="Source records" value={formatCount(sourceRows)} note={truncated ? 'some sources cut at 50,000 rows' : `in ${formatCount(data.sourceRecords.filter((s) => s.rows.length).length)} sources`} />
        <Tile label="Recent events" value={formatCount(data.events.length)} />
      </div>
    </div>
  );
}

// ------------------------------------------------------------------ past requests

const KIND: Record<PrivacyRequest['kind'], string> = { delete: 'Deletion', export: 'Export' };
const STATUS: Record<PrivacyRequest['status'], { label: string; tone: string }> = {
  running: { label: 'running', tone: 'info' },
  completed: { label: 'completed', tone: 'ok' },
  failed: { label: 'failed', tone: 'bad' },
};

/** Whether the request did all it had to: a deletion ends `failed` when a destination did not confirm. */
function completeness(request: PrivacyRequest): string {
  if (request.status === 'running') return 'in progress';
  if (request.status === 'completed') return 'yes';
  return request.kind === 'delete' ? 'no: run it again' : 'no';
}

function RequestList({ requests }: { requests: PrivacyRequest[] }) {
  if (requests.length === 0) {
    return <EmptyState title="No requests yet">Deletions and exports made here, with the CLI (<code>cdp privacy</code>) or the API are listed here with their reports.</EmptyState>;
  }
  return (
    <table className="table responsive" aria-label="Privacy requests" data-testid="privacy-requests">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Request</th>
          <th scope="col">Identifier type</th>
          <th scope="col">By</th>
          <th scope="col">Status</th>
          <th scope="col">Complete</th>
        </tr>
      </thead>
      <tbody>
        {requests.map((r) => {
          const to = `/privacy/requests/${encodeURIComponent(r.id)}`;
          return (
            <tr key={r.id} data-kind={r.kind} className="clickable" onClick={() => navigate(to)}>
              <td data-label="When">
                <Link to={to} className="strong" onClick={(e) => e.stopPropagation()}>
                  {formatDateTime(r.createdAt)}
                </Link>
                <div className="muted small">{formatRelative(r.createdAt)}</div>
              </td>
              <td data-label="Request">{KIND[r.kind]}</td>
              <td data-label="Identifier type">{r.idType}</td>
              <td data-label="By">{r.requestedBy ?? '—'}</td>
              <td data-label="Status">
                <Badge tone={STATUS[r.status].tone}>{STATUS[r.status].label}</Badge>
              </td>
              <td data-label="Complete">{completeness(r)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// ------------------------------------------------------------------ one request

function isDeletionReport(report: Record<string, unknown> | null | undefined): report is Record<string, unknown> & DeletionReport {
  return !!report && report.kind === 'delete' && Array.isArray(report.warehouse) && Array.isArray(report.destinations) && typeof report.identifiers === 'object';
}

export function PrivacyRequestPage({ id }: { id: string }) {
  usePageTitle('Privacy request');
  const { can } = useSession();
  const request = useApi<PrivacyRequest>(can('privacy:manage') ? `/api/privacy/requests/${encodeURIComponent(id)}` : null);
  if (!can('privacy:manage')) return <NotAllowed />;
  const r = request.data;
  const back = { to: '/privacy', label: 'Privacy' };
  if (request.error) {
    return (
      <>
        <PageHeader title="Privacy request" back={back} />
        <ErrorNote error={request.error} onRetry={request.reload} />
      </>
    );
  }
  if (!r) return <Loading />;
  const report = r.report ?? null;
  const failure = report && typeof report.error === 'string' ? report.error : null;
  return (
    <>
      <PageHeader
        title={`${KIND[r.kind]} request`}
        subtitle={`For one ${r.idType}, ${formatDateTime(r.createdAt)}${r.requestedBy ? ` by ${r.requestedBy}` : ''}.`}
        back={back}
      />
      <div className="card">
        <dl className="facts inline">
          <div>
            <dt>Status</dt>
            <dd>
              <Badge tone={STATUS[r.status].tone}>{STATUS[r.status].label}</Badge>
            </dd>
          </div>
          <div>
            <dt>Complete</dt>
            <dd>{completeness(r)}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{formatDateTime(r.createdAt)}</dd>
          </div>
          <div>
            <dt>Finished</dt>
            <dd>{formatDateTime(r.completedAt)}</dd>
          </div>
          <div>
            <dt>Identifier type</dt>
            <dd>{r.idType}</dd>
          </div>
          <div>
            <dt title="The platform keeps only a fingerprint of the identifier, never the value">Identifier fingerprint (SHA-256)</dt>
            <dd>
              <code className="small">{r.valueSha256.slice(0, 16)}…</code>
            </dd>
          </div>
          <div>
            <dt>Request id</dt>
            <dd>
              <code className="small">{r.id}</code>
            </dd>
          </div>
        </dl>
      </div>
      {failure ? <ErrorNote error={new Error(failure)} title="The request stopped with an error" /> : null}
      {r.status === 'running' ? <p className="notice">This request is still running.</p> : null}
      {isDeletionReport(report) ? (
        <DeletionReportView report={report} />
      ) : r.kind === 'export' && report && !failure ? (
        <ExportSummaryView summary={report as unknown as ExportSummary} />
      ) : !report ? (
        <EmptyState title="No report">The request has not finished, so it has no report yet.</EmptyState>
      ) : null}
    </>
  );
}

function ExportSummaryView({ summary }: { summary: ExportSummary }) {
  const sources = Array.isArray(summary.sourceRecords) ? summary.sourceRecords : [];
  return (
    <>
      <p className="muted">The export itself is not stored: only what it contained.</p>
      <div className="tiles">
        <Tile label="Profiles found" value={formatCount(summary.profilesFound)} />
        <Tile label="Identifiers" value={formatCount(summary.identifiers)} />
        <Tile label="Consent decisions" value={formatCount(summary.consentDecisions)} />
        <Tile label="Audiences" value={formatCount(summary.audiences)} />
        <Tile label="Destinations" value={formatCount(summary.destinations)} />
        <Tile label="Source records" value={formatCount(sources.reduce((sum, s) => sum + (s.records ?? 0), 0))} />
      </div>
      {sources.length ? (
        <div className="card">
          <h3>Source records exported</h3>
          <CountTable
            label="Source records exported"
            headers={['Source', 'Rows']}
            rows={sources}
            rowKey={(s) => s.source}
            name={(s) => s.source}
            count={(s) => (
              <>
                {formatCount(s.records)}
                {s.truncated ? <span className="muted small"> (cut at the limit)</span> : null}
              </>
            )}
          />
        </div>
      ) : null}
    </>
  );
}
