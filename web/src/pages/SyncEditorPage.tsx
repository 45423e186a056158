import { useMemo, useRef, useState, type FormEvent } from 'react';
import { type ComboOption } from '../components/Combobox';
import { Field, FieldError } from '../components/Field';
import { MappingTable } from '../components/MappingTable';
import { PageHeader, usePageTitle } from '../components/Layout';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api, ApiError } from '../lib/api';
import { useSession } from '../lib/auth';
import { Link, navigate, useLocation } from '../lib/router';
import { knownFields, MODE_HELP, SCHEDULE_PRESETS, suggestMapping } from '../lib/syncs';
import type { AudienceCatalog, AudienceDetail, AudienceSummary, DestinationType, DestinationView, IdentityStats, PriorityListSummary, SyncDetail, SyncInput, SyncMode } from '../lib/types';
import { mappingOf, newRow, rowProblem, rowsOf, type MappingRow } from '../lib/field-mappings';
import { errorAt, useFocusOnError } from '../lib/field-errors';
import { useApi } from '../lib/useApi';

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CRON_PATTERN = /^\S+(\s+\S+){4}$/;

export function SyncEditorPage({ name }: { name: string | null }) {
  usePageTitle(name ? `Edit ${name}` : 'New sync');
  const { can } = useSession();
  const { query } = useLocation();
  const existing = useApi<SyncDetail>(name ? `/api/syncs/${encodeURIComponent(name)}` : null);
  const audiences = useApi<AudienceSummary[]>('/api/audiences');
  const lists = useApi<PriorityListSummary[]>('/api/priority-lists');
  const destinations = useApi<DestinationView[]>('/api/destinations');
  const types = useApi<DestinationType[]>('/api/destination-types');
  const catalog = useApi<AudienceCatalog>('/api/audience-catalog');
  const back = name ? { to: `/syncs/${encodeURIComponent(name)}`, label: name } : { to: '/syncs', label: 'Syncs' };
  const failed = existing.error ?? audiences.error ?? lists.error ?? destinations.error ?? types.error ?? catalog.error;
  if (!can('syncs:write')) {
    return (
      <>
        <PageHeader title={name ? `Edit ${name}` : 'New sync'} back={back} />
        <ErrorNote error={new ApiError(403, 'FORBIDDEN', 'Your role may not create or change syncs.', null, 'ask an admin for the marketer or editor role')} />
      </>
    );
  }
  if (failed) {
    return (
      <>
        <PageHeader title={name ? `Edit ${name}` : 'New sync'} back={back} />
        <ErrorNote error={failed} />
      </>
    );
  }
  if ((name && !existing.data) || !audiences.data || !lists.data || !destinations.data || !types.data || !catalog.data) return <Loading />;
  if (existing.data?.origin === 'git') {
    return (
      <>
        <PageHeader title={`Edit ${name}`} back={back} />
        <EmptyState title="This sync lives in git">Change {existing.data.file ?? 'its file'} and commit it.</EmptyState>
      </>
    );
  }
  if (destinations.data.length === 0) {
    return (
      <>
        <PageHeader title="New sync" back={back} />
        <EmptyState
          title="No destination to send to yet"
          action={
            can('destinations:write') ? (
              <Link to="/destinations/new" className="button primary">
                Add a destination
              </Link>
            ) : null
          }
        >
          {can('destinations:write') ? 'Add the tool first, then come back.' : 'Ask an editor or admin to add the tool you want to send to.'}
        </EmptyState>
      </>
    );
  }
  return (
    <SyncForm
      existing={existing.data ?? null}
      initialAudience={query.get('audience') ?? ''}
      audiences={audiences.data.filter((a) => !a.error).map((a) => a.name)}
      lists={lists.data}
      destinations={destinations.data}
      types={types.data}
      columns={catalog.data.traits.map((t) => t.name)}
    />
  );
}

const SLOT_PREFIX = 'slot:';

/** The source select's value for what a sync reads (models are not chosen here). */
function sourceValue(from: SyncInput['from']): string {
  if ('priority_list' in from) return `${SLOT_PREFIX}${from.priority_list}/${from.slot}`;
  return 'audience' in from ? from.audience : '';
}

function parseSlot(value: string): { priority_list: string; slot: string } | null {
  if (!value.startsWith(SLOT_PREFIX)) return null;
  const [list, slot] = value.slice(SLOT_PREFIX.length).split('/');
  return list && slot ? { priority_list: list, slot } : null;
}

function SyncForm({
  existing,
  initialAudience,
  audiences,
  lists,
  destinations,
  types,
  columns,
}: {
  existing: SyncDetail | null;
  initialAudience: string;
  audiences: string[];
  lists: PriorityListSummary[];
  destinations: DestinationView[];
  types: DestinationType[];
  columns: string[];
}) {
  // An audience's name, or SLOT_PREFIX + "list/slot" for one slot of a saved priority list.
  const [audience, setAudience] = useState(existing ? sourceValue(existing.from) : initialAudience);
  const slot = parseSlot(audience);
  const [split, setSplit] = useState(existing && 'audience' in existing.from ? (existing.from.split ?? '') : '');
  // The chosen audience's split groups, when it has any: a sync may send one group (e.g. not the holdout).
  const chosen = useApi<AudienceDetail>(audience && !slot ? `/api/audiences/${encodeURIComponent(audience)}` : null);
  const groups = chosen.data?.name === audience ? (chosen.data.definition.splits?.groups ?? []) : [];
  const [destination, setDestination] = useState(existing?.destination.name ?? destinations[0]!.name);
  const typeOf = (dest: string) => destinations.find((d) => d.name === dest)?.type ?? '';
  const typeInfo = types.find((t) => t.type === typeOf(destination));
  const modes = (typeInfo?.modes ?? ['upsert']) as SyncMode[];
  const [mode, setMode] = useState<SyncMode>(existing?.mode ?? (modes.includes('mirror') ? 'mirror' : modes[0]!));
  // Rows from the mappings as written, so `{ column, as }` and `{ identifier, prefer }` round-trip.
  const [rows, setRows] = useState<MappingRow[]>(() => (existing ? rowsOf(existing.mappings) : suggestMapping(typeOf(destination), columns, typeInfo?.fields).map(([field, column]) => newRow(field, column))));
  // Id types to offer for identifier rows (free text too: the graph may not be built yet).
  const stats = useApi<IdentityStats>('/api/identity/stats');
  const [customName, setCustomName] = useState<string | null>(existing?.name ?? null);
  const presetMatch = SCHEDULE_PRESETS.find((p) => p.cron === (existing?.schedule ?? null));
  const [schedulePreset, setSchedulePreset] = useState<string>(presetMatch ? String(presetMatch.cron) : 'custom');
  const [customCron, setCustomCron] = useState(presetMatch ? '' : (existing?.schedule ?? ''));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  // A mapping's error is shown at its row (client checks name the row's index, the API its field);
  // one about the fields as a whole under the table.
  const rowError = (row: MappingRow, index: number) => errorAt(error, `fields[${index}]`) ?? (row.field ? errorAt(error, `fields.${row.field}`) : undefined);
  const atRow = rows.some((row, index) => rowError(row, index) !== undefined);
  const fieldsError = atRow ? undefined : errorAt(error, 'fields');
  // Errors about these fields are shown at them; anything else in the note above the form.
  const placed = atRow || fieldsError !== undefined || errorAt(error, 'from', 'destination', ...(schedulePreset === 'custom' ? ['schedule'] : []), ...(existing ? [] : ['name'])) !== undefined;
  const fieldsErrorRef = useRef<HTMLDivElement>(null);
  useFocusOnError(formRef, error, fieldsError ? fieldsErrorRef : errorRef);

  const sourceName = slot ? `${slot.priority_list}_${slot.slot}` : audience;
  const name = customName ?? (audience ? `${sourceName}_to_${destination.replace(/[^A-Za-z0-9_]/g, '_')}` : '');
  const columnOptions = useMemo<ComboOption[]>(() => columns.map((c) => ({ value: c })), [columns]);
  const idTypeOptions = useMemo<ComboOption[]>(() => (stats.data?.byIdType ?? []).map((t) => ({ value: t.idType })), [stats.data]);
  const fieldOptions = useMemo<ComboOption[]>(() => [...knownFields(typeOf(destination)), ...(typeInfo?.fields?.map((f) => f.name) ?? [])].map((f) => ({ value: f })), [destination, typeInfo]);
  const schedule = schedulePreset === 'custom' ? customCron.trim() || null : schedulePreset === 'null' ? null : schedulePreset;

  function changeDestination(next: string) {
    setDestination(next);
    const nextType = types.find((t) => t.type === typeOf(next));
    const nextModes = (nextType?.modes ?? ['upsert']) as SyncMode[];
    if (!nextModes.includes(mode)) setMode(nextModes.includes('mirror') ? 'mirror' : nextModes[0]!);
    if (typeOf(next) !== typeOf(destination)) setRows(suggestMapping(typeOf(next), columns, nextType?.fields).map(([field, column]) => newRow(field, column)));
  }

  function suggest() {
    const present = new Set(rows.map((r) => r.field));
    const extra = suggestMapping(typeOf(destination), columns, typeInfo?.fields).filter(([field]) => !present.has(field));
    setRows([...rows.filter((r) => r.field || r.column || r.idType), ...extra.map(([field, column]) => newRow(field, column))]);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    // Problems found here carry the field they are about, as the API's 400s do (a row: its index).
    const badRow = rows.findIndex((r) => rowProblem(r, rows) !== null);
    const problem: [string, string | null] | null = !audience
      ? ['Pick the audience to send.', 'body.from']
      : !NAME_PATTERN.test(name)
        ? ['The name may use letters, digits and underscores, and may not start with a digit.', 'body.name']
        : badRow >= 0
          ? [rowProblem(rows[badRow]!, rows)!, `body.fields[${badRow}]`]
          : rows.length === 0
            ? ['Map at least one field.', 'body.fields']
            : schedulePreset === 'custom' && !CRON_PATTERN.test(customCron.trim())
              ? ['A cron expression has five fields, e.g. “30 5 * * *” (05:30 every day).', 'body.schedule']
              : null;
    if (problem) {
      setError(new ApiError(400, 'INVALID_INPUT', problem[0], problem[1]));
      return;
    }
    const body: SyncInput = { name, from: slot ?? { audience, ...(split ? { split } : {}) }, destination, mode, fields: Object.fromEntries(rows.map((r) => [r.field, mappingOf(r)])), schedule };
    setBusy(true);
    try {
      if (existing) {
        const { name: _name, ...update } = body;
        await api(`/api/syncs/${encodeURIComponent(existing.name)}`, { method: 'PUT', body: update });
      } else await api('/api/syncs', { method: 'POST', body });
      navigate(`/syncs/${encodeURIComponent(name)}`, { replace: true });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} onSubmit={(e) => void submit(e)} aria-label="Sync" noValidate>
      <PageHeader
        back={existing ? { to: `/syncs/${encodeURIComponent(existing.name)}`, label: existing.name } : { to: '/syncs', label: 'Syncs' }}
        title={existing ? `Edit ${existing.name}` : 'New sync'}
        actions={
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : existing ? 'Save sync' : 'Create sync'}
          </button>
        }
      />
      {error && !placed ? (
        <div ref={errorRef} tabIndex={-1}>
          <ErrorNote error={error} title="Not saved" />
        </div>
      ) : null}
      <div className="card form-card">
        <h2 className="step-title">1. What to send, and where</h2>
        <div className="form-grid">
          <Field label="Audience" error={errorAt(error, 'from')}>
            {(props) => (
              <select
                {...props}
                name="audience"
                value={audience}
                required
                disabled={!!existing}
                onChange={(e) => {
                  setAudience(e.target.value);
                  setSplit('');
                }}
              >
                <option value="">choose…</option>
                {audiences.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
                {lists.map((list) => (
                  <optgroup key={list.name} label={`Priority list ${list.name} (one slot: the profiles whose first audience it is)`}>
                    {list.priority.map((a) => (
                      <option key={a} value={sourceValue({ priority_list: list.name, slot: a })}>
                        {list.name}: slot {a}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            )}
          </Field>
          {groups.length > 0 ? (
            <Field label="Members to send" hint="The audience is split into groups: send all members, or one group (e.g. everyone but the holdout).">
              {(props) => (
                <select {...props} name="split" value={split} disabled={!!existing} onChange={(e) => setSplit(e.target.value)}>
                  <option value="">all members</option>
                  {groups.map((g) => (
                    <option key={g.name} value={g.name}>
                      group {g.name} ({g.percent}%)
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          <Field label="Destination" error={errorAt(error, 'destination')}>
            {(props) => (
              <select {...props} name="destination" value={destination} onChange={(e) => changeDestination(e.target.value)}>
                {destinations.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name} ({d.type})
                  </option>
                ))}
              </select>
            )}
          </Field>
          {!existing ? (
            <Field label="Sync name" error={errorAt(error, 'name')}>
              {(props) => (
                <input {...props} name="sync-name" value={name} onChange={(e) => setCustomName(e.target.value)} />
              )}
            </Field>
          ) : null}
        </div>
      </div>

      <fieldset className="card form-card">
        <legend className="step-title">2. Mode</legend>
        <div className="radio-list">
          {modes.map((m) => (
            <label key={m} className="radio">
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
              <span>
                <strong>{m}</strong> <span className="muted">{MODE_HELP[m] ?? ''}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <div className="card form-card">
        <div className="row-between">
          <h2 className="step-title">3. Fields</h2>
          <button type="button" className="button small" onClick={suggest}>
            Suggest mappings
          </button>
        </div>
        <p className="muted small">
          Each row sends an audience column (for dates, in the format the field wants) or the profile’s preferred identifier from the identity graph to a field of {destination}. The row key ({existing?.key ?? 'profile_id'}) is always sent.
        </p>
        <MappingTable rows={rows} onChange={setRows} errorOf={rowError} fieldOptions={fieldOptions} columnOptions={columnOptions} idTypeOptions={idTypeOptions} destinationType={typeInfo} />
        {fieldsError ? (
          <div ref={fieldsErrorRef} tabIndex={-1}>
            <FieldError id="sync-fields-error" message={fieldsError} />
          </div>
        ) : null}
        <button type="button" className="link-button" onClick={() => setRows([...rows, newRow()])}>
          + Add field
        </button>
      </div>

      <fieldset className="card form-card">
        <legend className="step-title">4. Schedule</legend>
        <div className="radio-list">
          {SCHEDULE_PRESETS.map((p) => (
            <label key={String(p.cron)} className="radio">
              <input type="radio" name="schedule" value={String(p.cron)} checked={schedulePreset === String(p.cron)} onChange={() => setSchedulePreset(String(p.cron))} />
              <span>
                {p.label} {p.cron ? <code className="muted small">{p.cron}</code> : null}
              </span>
            </label>
          ))}
          <label className="radio">
            <input type="radio" name="schedule" value="custom" checked={schedulePreset === 'custom'} onChange={() => setSchedulePreset('custom')} />
            <span>Custom (cron)</span>
          </label>
          {schedulePreset === 'custom' ? (
            <Field className="indent" label="Cron expression" hint="minute hour day-of-month month day-of-week, in the service’s time zone." error={errorAt(error, 'schedule')}>
              {(props) => <input {...props} name="cron" placeholder="30 5 * * *" value={customCron} spellCheck={false} onChange={(e) => setCustomCron(e.target.value)} />}
            </Field>
          ) : null}
        </div>
      </fieldset>
    </form>
  );
}
