import { useRef, useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field } from '../components/Field';
import { PageHeader, usePageTitle } from '../components/Layout';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api, ApiError } from '../lib/api';
import { useSession } from '../lib/auth';
import { errorAt, useFocusOnError } from '../lib/field-errors';
import { formatRelative } from '../lib/format';
import type { Answer, Body, SyncList } from '../lib/types';
import { useApi } from '../lib/useApi';

type AlertsView = Answer<'/api/alerts', 'get'>;
type RuleList = Answer<'/api/alerts/rules', 'get'>;
type StoredRule = RuleList['rules'][number];
type RuleBody = Body<'/api/alerts/rules', 'post'>;
type Kind = 'failure' | 'partial' | 'stale' | 'audience_change';

const KINDS: Array<{ on: Kind; label: string; threshold?: { label: string; unit: string; min: number; max?: number; initial: number } }> = [
  { on: 'failure', label: 'A run fails' },
  { on: 'partial', label: 'A run delivers only part of its rows', threshold: { label: 'Alert when more than this share of rows is not delivered', unit: '%', min: 0, max: 100, initial: 5 } },
  { on: 'stale', label: 'A sync has not run for a while', threshold: { label: 'Alert when the last run started more than this many hours ago', unit: 'hours', min: 1, initial: 26 } },
  { on: 'audience_change', label: 'The audience size jumps', threshold: { label: 'Alert when the size changes by more than this share between runs', unit: '%', min: 1, initial: 20 } },
];

/** "when" in words, for the rules table. */
function describeWhen(on: string, threshold: number | null): string {
  if (on === 'failure') return 'a run fails';
  if (on === 'partial') return `more than ${threshold ?? 0}% of a run’s rows are not delivered`;
  if (on === 'stale') return `no run for ${threshold ?? '?'} hours`;
  return `the audience size changes by more than ${threshold ?? '?'}%`;
}

export function AlertsPage() {
  usePageTitle('Alerts');
  const { can } = useSession();
  const manage = can('alerts:manage');
  const view = useApi<AlertsView>('/api/alerts');
  const stored = useApi<RuleList>('/api/alerts/rules');
  const syncs = useApi<SyncList>('/api/syncs');
  const [editing, setEditing] = useState<StoredRule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const reload = () => {
    view.reload();
    stored.reload();
  };

  async function test(name: string) {
    setStatus({ ok: true, text: `Sending a test message for ${name}…` });
    try {
      const result = await api<{ ok: boolean; message: string }>(`/api/alerts/rules/${encodeURIComponent(name)}/test`, { method: 'POST' });
      setStatus({ ok: result.ok, text: result.ok ? `Test message for ${name} sent: ${result.message}.` : `Test message for ${name} failed: ${result.message}` });
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof Error ? caught.message : String(caught) });
    }
  }

  async function remove(name: string) {
    setBusy(true);
    try {
      await api(`/api/alerts/rules/${encodeURIComponent(name)}`, { method: 'DELETE' });
      setStatus({ ok: true, text: `Deleted ${name}.` });
      reload();
    } catch (caught) {
      setStatus({ ok: false, text: caught instanceof Error ? caught.message : String(caught) });
    } finally {
      setBusy(false);
      setDeleting(null);
    }
  }

  const add = manage && editing === null ? (
    <button type="button" className="button primary" onClick={() => setEditing('new')}>
      New alert rule
    </button>
  ) : null;
  const error = view.error ?? stored.error;
  const byName = new Map((stored.data?.rules ?? []).map((r) => [r.name, r]));
  return (
    <>
      <PageHeader title="Alerts" subtitle="Who is told when a sync fails, delivers too little, stops running, or its audience jumps." actions={add} />
      <div role="status" aria-live="polite" data-testid="alert-status">
        {status ? <p className={status.ok ? 'notice' : 'error-note'}>{status.text}</p> : null}
      </div>
      {editing !== null ? (
        <RuleForm
          key={editing === 'new' ? 'new' : editing.name}
          existing={editing === 'new' ? null : editing}
          syncs={(syncs.data?.syncs ?? []).map((s) => s.name)}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            setStatus({ ok: true, text: `Saved ${name}.` });
            reload();
          }}
        />
      ) : null}
      {error ? (
        <ErrorNote error={error} onRetry={reload} />
      ) : !view.data || !stored.data ? (
        <Loading />
      ) : (
        <>
          {view.data.firing.length ? (
            <section className="card" aria-labelledby="firing-heading">
              <h2 id="firing-heading">Firing now</h2>
              <ul>
                {view.data.firing.map((alert) => (
                  <li key={`${alert.kind}:${alert.sync}:${alert.sentAt}`}>
                    <strong>{alert.title}</strong> <span className="muted">since {formatRelative(alert.sentAt)}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {stored.data.broken.length ? (
            <div className="error-note" role="alert">
              <strong>Some saved rules cannot be read</strong>
              <ul>
                {stored.data.broken.map((b) => (
                  <li key={b.name}>
                    {b.name}: {b.error}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {view.data.rules.length === 0 ? (
            <EmptyState title="No alert rules yet" action={add}>
              An alert rule tells a Slack channel (or anything taking its webhooks) or an email address when a sync needs attention.
            </EmptyState>
          ) : (
            <table className="table responsive" aria-label="Alert rules">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">For</th>
                  <th scope="col">When</th>
                  <th scope="col">Sends to</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {view.data.rules.map((rule, i) => {
                  const own = rule.name ? byName.get(rule.name) : undefined;
                  return (
                    <tr key={rule.name ?? `config-${i}`} data-testid="alert-rule">
                      <td>{rule.name ?? <span className="muted">defined in cdp.config.ts</span>}</td>
                      <td>{rule.scope === 'workspace' ? 'every sync' : rule.scope}</td>
                      <td>{describeWhen(rule.on, rule.threshold)}</td>
                      <td>{own ? (own.channel.type === 'slack' ? 'Slack webhook' : `email to ${own.channel.to.join(', ')}`) : rule.to.join(', ')}</td>
                      <td>
                        {own && manage ? (
                          <div className="inline-pair">
                            <button type="button" className="button small" onClick={() => void test(own.name)}>
                              Send test
                            </button>
                            <button type="button" className="button small" onClick={() => setEditing(own)}>
                              Edit
                            </button>
                            <button type="button" className="button small danger-outline" onClick={() => setDeleting(own.name)}>
                              Delete
                            </button>
                          </div>
                        ) : rule.source === 'config' ? (
                          <span className="muted">read-only: edit cdp.config.ts</span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
      <ConfirmDialog open={deleting !== null} title={`Delete ${deleting ?? ''}?`} confirmLabel="Delete rule" danger busy={busy} onCancel={() => setDeleting(null)} onConfirm={() => void remove(deleting!)}>
        <p>Its stored webhook address or password is deleted too, and nobody is told about what it watched.</p>
      </ConfirmDialog>
    </>
  );
}

interface Draft {
  name: string;
  sync: string;
  on: Kind;
  threshold: string;
  type: 'slack' | 'email';
  url: string;
  to: string;
  from: string;
  host: string;
  port: string;
  secure: boolean;
  user: string;
  password: string;
}

function draftOf(rule: StoredRule | null): Draft {
  const c = rule?.condition;
  const threshold = !c ? '' : c.on === 'partial' ? String(c.above) : c.on === 'stale' ? String(c.hours) : c.on === 'audience_change' ? String(c.percent) : '';
  const ch = rule?.channel;
  const email = ch?.type === 'email' ? ch : null;
  return {
    name: rule?.name ?? '',
    sync: rule?.sync ?? '',
    on: (c?.on as Kind | undefined) ?? 'failure',
    threshold,
    type: ch?.type ?? 'slack',
    url: '',
    to: email?.to.join(', ') ?? '',
    from: email?.from ?? '',
    host: email?.smtp.host ?? '',
    port: String(email?.smtp.port ?? 587),
    secure: email?.smtp.secure ?? false,
    user: email?.smtp.user ?? '',
    password: '',
  };
}

/** The request body of a draft: secrets only when typed; an empty secret field keeps what is stored. */
function bodyOf(draft: Draft, existing: StoredRule | null): RuleBody {
  const kind = KINDS.find((k) => k.on === draft.on)!;
  const value = draft.threshold.trim() === '' ? Number.NaN : Number(draft.threshold);
  const condition = (kind.threshold ? { on: draft.on, [draft.on === 'partial' ? 'above' : draft.on === 'stale' ? 'hours' : 'percent']: value } : { on: draft.on }) as RuleBody['condition'];
  const stored = existing?.channel;
  const secrets: Record<string, string> = {};
  let channel: RuleBody['channel'];
  if (draft.type === 'slack') {
    if (draft.url.trim()) secrets.url = draft.url.trim();
    channel = { type: 'slack', ...(draft.url.trim() || stored?.type !== 'slack' ? {} : { url: stored.url }) };
  } else {
    if (draft.password) secrets['smtp.password'] = draft.password;
    const held = stored?.type === 'email' ? stored.smtp.password : undefined;
    channel = {
      type: 'email',
      to: draft.to.split(',').map((t) => t.trim()).filter(Boolean),
      from: draft.from.trim(),
      smtp: { host: draft.host.trim(), port: Number(draft.port), secure: draft.secure, ...(draft.user.trim() ? { user: draft.user.trim() } : {}), ...(!draft.password && held ? { password: held } : {}) },
    };
  }
  return { name: draft.name, sync: draft.sync || null, condition, channel, secrets } as RuleBody;
}

function RuleForm({ existing, syncs, onCancel, onSaved }: { existing: StoredRule | null; syncs: string[]; onCancel(): void; onSaved(name: string): void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(existing));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const note = useRef<HTMLDivElement>(null);
  useFocusOnError(form, error, note);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const kind = KINDS.find((k) => k.on === draft.on)!;
  const at = (...keys: string[]) => errorAt(error, ...keys);
  const storedSlack = existing?.channel.type === 'slack';
  const storedPassword = existing?.channel.type === 'email' && !!existing.channel.smtp.password;

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (kind.threshold && !Number.isFinite(Number(draft.threshold.trim() || 'x'))) {
      const key = draft.on === 'partial' ? 'above' : draft.on === 'stale' ? 'hours' : 'percent';
      setError(new ApiError(400, 'INVALID_INPUT', `Enter a number (${kind.threshold.unit}).`, `body.condition.${key}`));
      return;
    }
    setBusy(true);
    try {
      const body = bodyOf(draft, existing);
      if (existing) {
        const { name: _name, ...rest } = body;
        await api(`/api/alerts/rules/${encodeURIComponent(existing.name)}`, { method: 'PUT', body: rest });
      } else await api('/api/alerts/rules', { method: 'POST', body });
      onSaved(draft.name);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  // Shown at the field when the API named one the form has; otherwise above the form.
  const fields = [...(existing ? [] : ['name']), 'sync', 'condition', 'channel.type', ...(draft.type === 'slack' ? ['secrets.url', 'channel.url'] : ['channel.to', 'channel.from', 'channel.smtp', 'secrets.smtp.password'])];
  const unplaced = error && errorAt(error, ...fields) === undefined;
  return (
    <form ref={form} className="card form-card" aria-label={existing ? `Edit alert rule ${existing.name}` : 'New alert rule'} onSubmit={(e) => void save(e)} noValidate>
      <h2>{existing ? `Edit ${existing.name}` : 'New alert rule'}</h2>
      {unplaced ? (
        <div ref={note} tabIndex={-1}>
          <ErrorNote error={error} title="Not saved" />
        </div>
      ) : null}
      {!existing ? (
        <Field label="Name" hint="Lower-case letters, digits, “-” and “_”." error={at('name')}>
          {(props) => <input {...props} name="name" value={draft.name} placeholder="e.g. crm-failures" onChange={(e) => set({ name: e.target.value })} />}
        </Field>
      ) : null}
      <Field label="For" error={at('sync')}>
        {(props) => (
          <select {...props} name="sync" value={draft.sync} onChange={(e) => set({ sync: e.target.value })}>
            <option value="">Every sync</option>
            {syncs.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="When" error={at('condition.on')}>
        {(props) => (
          <select {...props} name="on" value={draft.on} onChange={(e) => set({ on: e.target.value as Kind, threshold: String(KINDS.find((k) => k.on === e.target.value)?.threshold?.initial ?? '') })}>
            {KINDS.map((k) => (
              <option key={k.on} value={k.on}>
                {k.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {kind.threshold ? (
        <Field label={`${kind.threshold.label} (${kind.threshold.unit})`} error={at('condition.above', 'condition.hours', 'condition.percent', 'condition')}>
          {(props) => <input {...props} name="threshold" type="number" min={kind.threshold!.min} max={kind.threshold!.max} value={draft.threshold} onChange={(e) => set({ threshold: e.target.value })} />}
        </Field>
      ) : null}
      <Field label="Send to" error={at('channel.type')}>
        {(props) => (
          <select {...props} name="channel" value={draft.type} onChange={(e) => set({ type: e.target.value as 'slack' | 'email' })}>
            <option value="slack">Slack (or any Slack-compatible webhook)</option>
            <option value="email">Email</option>
          </select>
        )}
      </Field>
      {draft.type === 'slack' ? (
        <Field
          label="Webhook URL"
          hint={storedSlack ? 'Stored encrypted; leave empty to keep it. It is never shown again.' : 'Stored encrypted and never shown again: the address itself is the credential.'}
          error={at('secrets.url', 'channel.url')}
        >
          {(props) => <input {...props} name="url" type="password" autoComplete="off" value={draft.url} placeholder={storedSlack ? 'stored (unchanged)' : 'https://hooks.slack.com/services/…'} onChange={(e) => set({ url: e.target.value })} />}
        </Field>
      ) : (
        <>
          <Field label="To" hint="Email addresses, separated by commas." error={at('channel.to')}>
            {(props) => <input {...props} name="to" value={draft.to} placeholder="oncall@example.com" onChange={(e) => set({ to: e.target.value })} />}
          </Field>
          <Field label="From" error={at('channel.from')}>
            {(props) => <input {...props} name="from" value={draft.from} placeholder="cdp@example.com" onChange={(e) => set({ from: e.target.value })} />}
          </Field>
          <Field label="SMTP server" error={at('channel.smtp.host')}>
            {(props) => <input {...props} name="host" value={draft.host} placeholder="smtp.example.com" onChange={(e) => set({ host: e.target.value })} />}
          </Field>
          <Field label="SMTP port" error={at('channel.smtp.port')}>
            {(props) => <input {...props} name="port" type="number" min={1} max={65535} value={draft.port} onChange={(e) => set({ port: e.target.value })} />}
          </Field>
          <label className="check">
            <input type="checkbox" name="secure" checked={draft.secure} onChange={(e) => set({ secure: e.target.checked })} />
            TLS from the first byte (port 465); otherwise STARTTLS when the server offers it
          </label>
          <Field label="SMTP user" hint="Leave empty when the server needs no sign-in." error={at('channel.smtp.user')}>
            {(props) => <input {...props} name="user" value={draft.user} autoComplete="off" onChange={(e) => set({ user: e.target.value })} />}
          </Field>
          <Field label="SMTP password" hint={storedPassword ? 'Stored encrypted; leave empty to keep it (enter it again when the server or user changes).' : 'Stored encrypted and never shown again.'} error={at('secrets.smtp.password', 'channel.smtp.password')}>
            {(props) => <input {...props} name="password" type="password" autoComplete="new-password" value={draft.password} placeholder={storedPassword ? 'stored (unchanged)' : undefined} onChange={(e) => set({ password: e.target.value })} />}
          </Field>
        </>
      )}
      <div className="inline-pair">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : existing ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
