import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageHeader, usePageTitle } from '../components/Layout';
import { Sparkline } from '../components/Sparkline';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api } from '../lib/api';
import { useSession } from '../lib/auth';
import { formatCount, formatDateTime, formatRelative } from '../lib/format';
import { useApi, useInterval } from '../lib/useApi';

interface SourceRow {
  name: string;
  origin: 'env' | 'secret' | 'ui';
  ref: string;
  set: boolean;
  eventsPerMinute: number[];
}
interface Rejection {
  reason: string;
  status: number;
  count: number;
  lastAt: string;
  lastMessage: string;
}
interface SourcesAnswer {
  table: string;
  sources: SourceRow[];
  rejections: Rejection[];
  totals: { accepted: number; landed: number; landingLatencyP99Ms: number | null };
}
interface CollectedEvent {
  message_id: string;
  type: string;
  event: string | null;
  name: string | null;
  source: string;
  received_at: string;
  user_id: string | null;
  anonymous_id: string | null;
}

const ORIGIN: Record<SourceRow['origin'], string> = { env: 'environment variable', secret: 'stored secret (config)', ui: 'created here' };

/** Event sources of the collection API: traffic, rejections, a live debugger, write keys (admins). */
export function SourcesPage() {
  usePageTitle('Sources');
  const { can } = useSession();
  const admin = can('users:manage');
  const sources = useApi<SourcesAnswer>('/api/sources');
  useInterval(sources.reload, 5000, true);
  const [revealed, setRevealed] = useState<{ name: string; writeKey: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rotate, setRotate] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(work: () => Promise<{ name: string; writeKey: string } | undefined>) {
    setBusy(true);
    setError(null);
    try {
      const result = await work();
      if (result) setRevealed(result);
      sources.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setRotate(null);
    }
  }

  return (
    <>
      <PageHeader title="Sources" subtitle="SDKs and webhooks sending events to this service (Segment-compatible /v1 API). Events land in the warehouse within seconds." />
      {error ? <ErrorNote error={error} /> : null}
      {revealed ? (
        <div className="card" role="status" data-testid="write-key">
          <h2 className="step-title">Write key of {revealed.name}</h2>
          <p>
            <code>{revealed.writeKey}</code>
          </p>
          <p className="muted small">Copy it now: it is stored encrypted and not shown again. Give it to the SDK as its write key.</p>
          <button type="button" className="button" onClick={() => setRevealed(null)}>
            Done
          </button>
        </div>
      ) : null}
      {sources.error ? (
        <ErrorNote error={sources.error} onRetry={sources.reload} />
      ) : !sources.data ? (
        <Loading />
      ) : (
        <>
          {sources.data.sources.length === 0 ? (
            <EmptyState title="No sources yet">Declare write keys in collect.writeKeys of cdp.config.ts{admin ? ', or create a source below' : ''}.</EmptyState>
          ) : (
            <table className="table responsive" aria-label="Sources">
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Write key</th>
                  <th scope="col">Events per minute (last hour)</th>
                  <th scope="col" className="num">
                    Last hour
                  </th>
                  {admin ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {sources.data.sources.map((s) => (
                  <tr key={s.name}>
                    <td data-label="Source" className="strong">
                      {s.name}
                    </td>
                    <td data-label="Write key">
                      {ORIGIN[s.origin]} {s.origin !== 'ui' ? <code>{s.ref}</code> : null} {s.set ? null : <span className="badge badge-bad">not set</span>}
                    </td>
                    <td data-label="Events per minute">
                      <Sparkline points={s.eventsPerMinute.map((size, i) => ({ at: new Date(Date.now() - (59 - i) * 60_000).toISOString(), size }))} />
                    </td>
                    <td data-label="Last hour" className="num">
                      {formatCount(s.eventsPerMinute.reduce((a, b) => a + b, 0))}
                    </td>
                    {admin ? (
                      <td data-label="Actions">
                        {s.origin !== 'env' ? (
                          <button type="button" className="button" disabled={busy} onClick={() => setRotate(s.name)}>
                            Rotate key
                          </button>
                        ) : null}{' '}
                        {s.origin === 'ui' ? (
                          <button type="button" className="button danger-outline" disabled={busy} onClick={() => void act(() => api(`/api/sources/${encodeURIComponent(s.name)}`, { method: 'DELETE' }))}>
                            Delete
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted small">
            Landing in <code>{sources.data.table}</code>: {formatCount(sources.data.totals.accepted)} accepted, {formatCount(sources.data.totals.landed)} landed since this service started
            {sources.data.totals.landingLatencyP99Ms !== null ? `, p99 ${(sources.data.totals.landingLatencyP99Ms / 1000).toFixed(1)} s from receipt to warehouse` : ''}.
          </p>
          {admin ? <CreateSource busy={busy} onCreate={(name) => void act(() => api('/api/sources', { method: 'POST', body: { name } }))} /> : null}
          <Rejections rows={sources.data.rejections} />
          {can('pii:read') ? <Debugger /> : null}
        </>
      )}
      <ConfirmDialog
        open={rotate !== null}
        title={`Rotate the write key of ${rotate ?? ''}?`}
        confirmLabel="Rotate"
        danger
        busy={busy}
        onConfirm={() => void act(() => api(`/api/sources/${encodeURIComponent(rotate!)}/rotate`, { method: 'POST' }))}
        onCancel={() => setRotate(null)}
      >
        The current key stops working at once: update every SDK that uses it.
      </ConfirmDialog>
    </>
  );
}

function CreateSource({ busy, onCreate }: { busy: boolean; onCreate(name: string): void }) {
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) onCreate(name.trim());
    setName('');
  };
  return (
    <form className="card inline-form" onSubmit={submit} aria-label="Create a source">
      <label>
        New source <input value={name} onChange={(e) => setName(e.target.value)} placeholder="app" pattern="[a-z][a-z0-9_-]{0,62}" required />
      </label>{' '}
      <button type="submit" className="button primary" disabled={busy}>
        Create source
      </button>
    </form>
  );
}

function Rejections({ rows }: { rows: Rejection[] }) {
  return (
    <section className="section" aria-labelledby="rejections-title">
      <h2 id="rejections-title">Rejected requests</h2>
      {rows.length === 0 ? (
        <p className="muted">None since this service started.</p>
      ) : (
        <table className="table responsive" aria-label="Rejected requests">
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col" className="num">
                Status
              </th>
              <th scope="col" className="num">
                Count
              </th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.reason}>
                <td data-label="Reason">
                  <code>{r.reason}</code>
                </td>
                <td data-label="Status" className="num">
                  {r.status}
                </td>
                <td data-label="Count" className="num">
                  {formatCount(r.count)}
                </td>
                <td data-label="Last">
                  <span title={formatDateTime(r.lastAt)}>{formatRelative(r.lastAt)}</span> <span className="muted small">{r.lastMessage}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The last events received, payload included, refreshed every 2 s (like Segment's debugger). */
function Debugger() {
  const events = useApi<{ events: CollectedEvent[] }>('/api/sources/events');
  const [live, setLive] = useState(true);
  useInterval(events.reload, 2000, live);
  return (
    <section className="section" aria-labelledby="debugger-title">
      <h2 id="debugger-title">Live events</h2>
      <label className="small">
        <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Refresh every 2 s
      </label>
      {!events.data ? (
        <Loading />
      ) : events.data.events.length === 0 ? (
        <p className="muted">No events received since this service started.</p>
      ) : (
        <ul className="event-list" aria-label="Live events">
          {events.data.events.map((e) => (
            <li key={e.message_id}>
              <details>
                <summary>
                  <strong>{e.type}</strong> {e.event ?? e.name ?? ''} <span className="muted small">from {e.source} · {e.user_id ?? e.anonymous_id ?? ''} · {formatRelative(e.received_at)}</span>
                </summary>
                <pre className="payload">{JSON.stringify(e, null, 2)}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
