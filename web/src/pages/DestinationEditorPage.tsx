import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { ConfigForm, configFromDraft, draftFromConfig, fieldSpecs, type ConfigDraft } from '../components/ConfigForm';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field } from '../components/Field';
import { PageHeader, usePageTitle } from '../components/Layout';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api, ApiError } from '../lib/api';
import { useSession } from '../lib/auth';
import { navigate } from '../lib/router';
import type { DestinationType, DestinationView } from '../lib/types';
import { errorAt, useFocusOnError } from '../lib/field-errors';
import { useApi } from '../lib/useApi';

const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

export function DestinationEditorPage({ name }: { name: string | null }) {
  usePageTitle(name ?? 'New destination');
  const types = useApi<DestinationType[]>('/api/destination-types');
  const existing = useApi<DestinationView>(name ? `/api/destinations/${encodeURIComponent(name)}` : null);
  const back = { to: '/destinations', label: 'Destinations' };
  if (types.error || existing.error) {
    return (
      <>
        <PageHeader title={name ?? 'New destination'} back={back} />
        <ErrorNote error={types.error ?? existing.error} onRetry={() => (types.error ? types.reload() : existing.reload())} />
      </>
    );
  }
  if (!types.data || (name && !existing.data)) return <Loading />;
  if (types.data.length === 0) {
    return (
      <>
        <PageHeader title={name ?? 'New destination'} back={back} />
        <EmptyState title="No destination types available">This build of the service has no destinations installed.</EmptyState>
      </>
    );
  }
  return <DestinationForm types={types.data} existing={existing.data ?? null} />;
}

function DestinationForm({ types, existing }: { types: DestinationType[]; existing: DestinationView | null }) {
  const { can } = useSession();
  const editable = can('destinations:write');
  const [name, setName] = useState(existing?.name ?? '');
  const [type, setType] = useState(existing?.type ?? types[0]!.type);
  const info = types.find((t) => t.type === type);
  const specs = useMemo(() => (info ? fieldSpecs(info.configSchema, info.secretFields) : []), [info]);
  const [draft, setDraft] = useState<ConfigDraft>(() => draftFromConfig(existing?.config ?? {}, specs));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const savedRef = useRef<HTMLParagraphElement>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  // The Save button is disabled while saving (and loses focus): focus goes to what the save said,
  // the first field with an error, or else the error note.
  useEffect(() => {
    if (saved) savedRef.current?.focus();
  }, [saved]);
  useFocusOnError(formRef, error, errorRef);
  const configError = (field: string) => errorAt(error, `config.${field}`, `secrets.${field}`);
  // An error the form shows at a field; anything else goes in the note above the form.
  const placed = errorAt(error, ...(existing ? [] : ['name']), 'type', ...specs.flatMap((s) => [`config.${s.name}`, `secrets.${s.name}`])) !== undefined;
  const [test, setTest] = useState<{ ok: boolean; message: string } | null>(null);
  const [testing, setTesting] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  function changeType(next: string) {
    setType(next);
    const nextInfo = types.find((t) => t.type === next);
    setDraft(draftFromConfig({}, nextInfo ? fieldSpecs(nextInfo.configSchema, nextInfo.secretFields) : []));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(null);
    setTest(null);
    if (!existing && !NAME_PATTERN.test(name)) {
      setError(new ApiError(400, 'INVALID_INPUT', 'The name may use lower-case letters, digits, “-” and “_”.', 'body.name', 'e.g. newsletter-webhook'));
      return;
    }
    const body = configFromDraft(draft, specs);
    if ('problem' in body) {
      setError(new ApiError(400, 'INVALID_INPUT', body.problem, `body.config.${body.field}`));
      return;
    }
    setBusy(true);
    try {
      if (existing) {
        const updated = await api<DestinationView & { secretsCleared?: string[] }>(`/api/destinations/${encodeURIComponent(existing.name)}`, { method: 'PUT', body: { type, ...body } });
        setDraft(draftFromConfig(updated.config, specs));
        const cleared = updated.secretsCleared ?? [];
        setSaved(cleared.length ? `Saved. It now sends somewhere else, so its stored ${cleared.join(', ')} ${cleared.length > 1 ? 'were' : 'was'} cleared: enter ${cleared.length > 1 ? 'them' : 'it'} again.` : 'Saved.');
      } else {
        await api('/api/destinations', { method: 'POST', body: { name, type, ...body } });
        navigate(`/destinations/${encodeURIComponent(name)}`, { replace: true });
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function testConnection() {
    if (!existing) return;
    setTesting(true);
    setTest(null);
    try {
      setTest(await api<{ ok: boolean; message: string }>(`/api/destinations/${encodeURIComponent(existing.name)}/test`, { method: 'POST' }));
    } catch (caught) {
      setTest({ ok: false, message: caught instanceof Error ? caught.message : String(caught) });
    } finally {
      setTesting(false);
    }
  }

  async function remove() {
    if (!existing) return;
    setBusy(true);
    try {
      await api(`/api/destinations/${encodeURIComponent(existing.name)}`, { method: 'DELETE' });
      navigate('/destinations', { replace: true });
    } catch (caught) {
      setError(caught);
      setConfirmDelete(false);
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} onSubmit={(e) => void save(e)} aria-label="Destination" noValidate>
      <PageHeader
        back={{ to: '/destinations', label: 'Destinations' }}
        title={existing ? existing.name : 'New destination'}
        subtitle={!editable ? 'Only editors and admins change destinations.' : undefined}
        actions={
          editable ? (
            <>
              {existing ? (
                <>
                  <button type="button" className="button danger-outline" onClick={() => setConfirmDelete(true)}>
                    Delete
                  </button>
                  <button type="button" className="button" onClick={() => void testConnection()} disabled={testing}>
                    {testing ? 'Testing…' : 'Test connection'}
                  </button>
                </>
              ) : null}
              <button type="submit" className="button primary" disabled={busy}>
                {busy ? 'Saving…' : existing ? 'Save' : 'Add destination'}
              </button>
            </>
          ) : null
        }
      />
      {error && !placed ? (
        <div ref={errorRef} tabIndex={-1}>
          <ErrorNote error={error} title="Not saved" />
        </div>
      ) : null}
      {/* Always in the page, so screen readers announce the notice when it appears. */}
      <div role="status" aria-live="polite" data-testid="save-status">
        {saved ? (
          <p className="notice" ref={savedRef} tabIndex={-1}>
            {saved}
          </p>
        ) : null}
      </div>
      {test ? (
        <p className={test.ok ? 'notice' : 'error-note'} role="status" data-testid="test-result">
          <strong>{test.ok ? 'Connection works.' : 'Connection failed.'}</strong> {test.ok ? '' : test.message}
        </p>
      ) : null}
      <div className="card form-card">
        {!existing ? (
          <Field label="Name" hint="Lower-case letters, digits, “-” and “_”. Syncs refer to it by this name." error={errorAt(error, 'name')}>
            {(props) => <input {...props} name="name" required value={name} placeholder="e.g. newsletter-webhook" onChange={(e) => setName(e.target.value)} />}
          </Field>
        ) : null}
        <Field label="Type" hint={info?.modes.length ? `Sync modes: ${info.modes.join(', ')}` : undefined} error={errorAt(error, 'type')}>
          {(props) => (
            <select {...props} name="type" value={type} disabled={!!existing || !editable} onChange={(e) => changeType(e.target.value)}>
              {types.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.displayName ?? t.label ?? t.type}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ConfigForm specs={specs} draft={draft} disabled={!editable} onChange={setDraft} errorFor={configError} />
        {existing && editable && existing.secretFields.length > 0 ? (
          <p className="muted" data-testid="repoint-note">
            Changing {info?.targetFields?.length ? info.targetFields.join(' or ') : 'any setting'} points the destination somewhere else: its stored{' '}
            {existing.secretFields.join(', ')} {existing.secretFields.length > 1 ? 'are' : 'is'} then cleared unless you enter {existing.secretFields.length > 1 ? 'them' : 'it'} again in the same save.
          </p>
        ) : null}
      </div>
      <ConfirmDialog open={confirmDelete} title={`Delete ${existing?.name ?? ''}?`} confirmLabel="Delete destination" danger busy={busy} onCancel={() => setConfirmDelete(false)} onConfirm={() => void remove()}>
        <p>Its stored credentials are deleted too. Syncs that send to it fail until they are changed.</p>
      </ConfirmDialog>
    </form>
  );
}
