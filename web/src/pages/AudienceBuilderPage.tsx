import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { ConditionEditor, type EditorEnv } from '../builder/ConditionEditor';
import { countConditions, fromDefinition, kindsOf, nodeAtPath, toDefinition, type GroupNode } from '../builder/model';
import { ExplainPanel } from '../builder/ExplainPanel';
import { SampleTable } from '../builder/SampleTable';
import { splitDraftFrom, SplitEditor, splitProblem, splitsOf, type SplitDraft } from '../builder/SplitEditor';
import { BreakdownPanel } from '../insight/BreakdownPanel';
import { OverlapMatrix } from '../insight/OverlapMatrix';
import { useLiveCount } from '../builder/useLiveCount';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field } from '../components/Field';
import { PageHeader, usePageTitle } from '../components/Layout';
import { ErrorNote, Loading } from '../components/States';
import { api, ApiError } from '../lib/api';
import { useSession } from '../lib/auth';
import { formatCount, formatDuration, formatPercent } from '../lib/format';
import { addNavigationGuard, Link, navigate, useLocation } from '../lib/router';
import { syncAudience } from '../lib/syncs';
import type { AudienceCatalog, AudienceDetail, AudienceSplits, AudienceSummary, Condition, SyncList } from '../lib/types';
import { errorAt, useFocusOnError } from '../lib/field-errors';
import { useApi } from '../lib/useApi';
import { AudienceSizeChart } from '../components/HistoryCharts';

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A draft handed to the "new audience" page by Duplicate (what the editor held, saved or not). */
let handedDraft: InitialAudience | null = null;

interface InitialAudience {
  name: string;
  description: string;
  where: Condition;
  splits?: AudienceSplits;
}

export function AudienceBuilderPage({ name }: { name: string | null }) {
  const { can } = useSession();
  const { query } = useLocation();
  const from = name === null ? query.get('from') : null;
  const existing = useApi<AudienceDetail>(name !== null ? `/api/audiences/${encodeURIComponent(name)}` : from && !handedDraft ? `/api/audiences/${encodeURIComponent(from)}` : null);
  const catalog = useApi<AudienceCatalog>('/api/audience-catalog');
  usePageTitle(name ?? 'New audience');

  const [draft] = useState(() => {
    const handed = handedDraft;
    handedDraft = null;
    return handed;
  });

  if (existing.error) return <ErrorNote error={existing.error} onRetry={existing.reload} />;
  if (catalog.error) {
    return (
      <>
        <PageHeader title={name ?? 'New audience'} back={{ to: '/audiences', label: 'Audiences' }} />
        <ErrorNote error={catalog.error} onRetry={catalog.reload} title="Cannot load traits and events" />
      </>
    );
  }
  if ((name !== null || (from && !draft)) && !existing.data) return <Loading />;
  if (!catalog.data) return <Loading label="Loading traits and events…" />;

  const source = name !== null ? existing.data! : null;
  const initial = source
    ? { name: source.name, description: source.definition.description ?? '', where: source.definition.where, splits: source.definition.splits }
    : draft
      ? draft
      : from && existing.data
        ? { name: `${existing.data.name}_copy`, description: existing.data.definition.description ?? '', where: existing.data.definition.where, splits: existing.data.definition.splits }
        : { name: '', description: '', where: { all: [] } as Condition };
  const readOnly = !can('audiences:write') || source?.origin === 'file';
  return <Builder audience={source} initial={initial} catalog={catalog.data} readOnly={readOnly} />;
}

function Builder({
  audience,
  initial,
  catalog,
  readOnly,
}: {
  audience: AudienceDetail | null;
  initial: InitialAudience;
  catalog: AudienceCatalog;
  readOnly: boolean;
}) {
  const { can } = useSession();
  const isNew = audience === null;
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [root, setRoot] = useState<GroupNode>(() => fromDefinition(initial.where));
  // A duplicate is unsaved work from the start; an empty new audience is not.
  const [dirty, setDirty] = useState(() => isNew && countConditions(root) > 0);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const saveErrorRef = useRef<HTMLDivElement>(null);
  // After a save the Save button is disabled (and loses focus): focus goes to what the save said.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  // A refused save: focus on the field it is about (name, description), else the note above the form.
  const formRef = useRef<HTMLFormElement>(null);
  useFocusOnError(formRef, saveError, saveErrorRef);
  const nameError = errorAt(saveError, 'name', 'definition.name');
  const descriptionError = errorAt(saveError, 'description', 'definition.description');
  const [showSql, setShowSql] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const audiences = useApi<AudienceSummary[]>('/api/audiences');
  const syncs = useApi<SyncList>('/api/syncs');
  const kinds = useMemo(() => kindsOf(catalog), [catalog]);
  const compiled = useMemo(() => toDefinition(root, kinds), [root, kinds]);
  const key = JSON.stringify(compiled.where);
  const withPreview = can('profiles:read');
  const [splitDraft, setSplitDraft] = useState<SplitDraft | null>(() => splitDraftFrom(initial.splits));
  const splitError = splitDraft ? splitProblem(splitDraft) : null;
  const splits = splitDraft && !splitError ? splitsOf(splitDraft) : undefined;
  const live = useLiveCount(compiled.where, withPreview, splits, NAME_PATTERN.test(name) ? name : undefined);
  const fresh = live.forKey === key && !live.loading;

  // Per-condition counts belong to the tree they were computed for; keep the last ones while recounting.
  const stepsRef = useRef<ReadonlyMap<string, number>>(new Map());
  if (live.forKey === key && live.preview && root.match === 'all') {
    const steps = live.preview.steps;
    stepsRef.current = steps.length === compiled.rootIds.length ? new Map(compiled.rootIds.map((id, i) => [id, steps[i]!.count])) : new Map();
  } else if (root.match !== 'all') stepsRef.current = new Map();

  const usedBy = useMemo(() => (syncs.data?.syncs ?? []).filter((s) => audience && syncAudience(s) === audience.name).map((s) => s.name), [syncs.data, audience]);

  // Leaving with unsaved changes asks first. A ref, so saving can clear it before navigating away.
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  useEffect(() => {
    const removeGuard = addNavigationGuard(() => !dirtyRef.current || window.confirm('You have unsaved changes to this audience. Leave without saving?'));
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (dirtyRef.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    return () => {
      removeGuard();
      window.removeEventListener('beforeunload', beforeUnload);
    };
  }, []);

  const change = (next: GroupNode) => {
    setRoot(next);
    setDirty(true);
    setNotice(null);
  };

  async function save(event?: FormEvent) {
    event?.preventDefault();
    setSaveError(null);
    if (isNew && !NAME_PATTERN.test(name)) {
      setSaveError(new ApiError(400, 'INVALID_INPUT', 'The name may use letters, digits and underscores, and may not start with a digit.', 'body.name', 'e.g. vip_customers_de'));
      return;
    }
    if (splitError) {
      setSaveError(new ApiError(400, 'INVALID_INPUT', splitError, 'splits', 'fix the groups under “Split into groups”'));
      return;
    }
    if (compiled.incomplete > 0) {
      setSaveError(new ApiError(400, 'INVALID_INPUT', `${compiled.incomplete} condition${compiled.incomplete === 1 ? ' is' : 's are'} not complete.`, null, 'finish or remove the conditions marked in red'));
      return;
    }
    setSaving(true);
    const body = { ...(description.trim() ? { description: description.trim() } : {}), where: compiled.where, ...(splits ? { splits } : {}) };
    try {
      if (isNew) await api('/api/audiences', { method: 'POST', body: { name, ...body } });
      else await api(`/api/audiences/${encodeURIComponent(audience.name)}`, { method: 'PUT', body });
      dirtyRef.current = false;
      setDirty(false);
      setNotice('Saved.');
      if (isNew) navigate(`/audiences/${encodeURIComponent(name)}`, { replace: true });
    } catch (caught) {
      setSaveError(caught);
    } finally {
      setSaving(false);
    }
  }

  function duplicate() {
    handedDraft = { name: `${name}_copy`, description, where: compiled.where, splits };
    dirtyRef.current = false; // the changes travel with the copy
    navigate(`/audiences/new?from=${encodeURIComponent(name)}`);
  }

  async function remove() {
    if (!audience) return;
    setDeleting(true);
    try {
      await api(`/api/audiences/${encodeURIComponent(audience.name)}`, { method: 'DELETE', query: usedBy.length ? { force: true } : {} });
      dirtyRef.current = false;
      setDirty(false);
      setConfirmDelete(false);
      navigate('/audiences', { replace: true });
    } catch (caught) {
      setSaveError(caught);
      setConfirmDelete(false);
    } finally {
      setDeleting(false);
    }
  }

  const liveError = live.error && live.forKey === key ? live.error : undefined;
  const errorNode = liveError instanceof ApiError ? nodeAtPath(compiled.paths, liveError.path) : undefined;
  const env: EditorEnv = {
    catalog,
    kinds,
    audiences: (audiences.data ?? []).map((a) => a.name).filter((n) => n !== (audience?.name ?? name)),
    readOnly,
    steps: liveError ? new Map() : stepsRef.current,
    stepsFresh: fresh,
    errorAt: errorNode && liveError instanceof ApiError ? { id: errorNode, message: liveError.message, hint: liveError.hint } : undefined,
  };

  const preview = live.preview;
  return (
    <form ref={formRef} onSubmit={(event) => void save(event)} aria-label="Audience builder">
      <PageHeader
        back={{ to: '/audiences', label: 'Audiences' }}
        title={isNew ? 'New audience' : audience.name}
        subtitle={audience?.origin === 'file' ? `Defined in ${audience.file ?? 'a file in git'}: edit it there, or duplicate it to change it here.` : readOnly ? 'You can look, but not change audiences.' : undefined}
        actions={
          <>
            {!isNew && can('audiences:write') ? (
              <button type="button" className="button" onClick={duplicate}>
                Duplicate
              </button>
            ) : null}
            {!isNew && !readOnly ? (
              <button type="button" className="button danger-outline" onClick={() => setConfirmDelete(true)}>
                Delete
              </button>
            ) : null}
            {!isNew && can('syncs:write') ? (
              <Link to={`/syncs/new?audience=${encodeURIComponent(audience.name)}`} className="button">
                Sync…
              </Link>
            ) : null}
            {!readOnly ? (
              <button type="submit" className="button primary" disabled={saving || (!dirty && !isNew)}>
                {saving ? 'Saving…' : isNew ? 'Save audience' : dirty ? 'Save changes' : 'Saved'}
              </button>
            ) : null}
          </>
        }
      />
      {saveError && !((isNew && nameError) || descriptionError) ? (
        <div ref={saveErrorRef} tabIndex={-1}>
          <ErrorNote error={saveError} title="Not saved" />
        </div>
      ) : null}
      {/* Always in the page, so screen readers announce the notice when it appears. */}
      <div role="status" aria-live="polite" data-testid="save-status">
        {notice ? (
          <p className="notice" ref={noticeRef} tabIndex={-1}>
            {notice}
          </p>
        ) : null}
      </div>
      <div className="builder-layout">
        <div className="builder-main">
          {isNew || !readOnly ? (
            <div className="card meta-fields">
              {isNew ? (
                <Field label="Name" hint="Letters, digits and underscores. Syncs refer to it by this name." error={nameError}>
                  {(props) => (
                    <input
                      {...props}
                      name="name"
                      required
                      pattern="[A-Za-z_][A-Za-z0-9_]*"
                      placeholder="e.g. vip_customers_de"
                      value={name}
                      onChange={(e) => {
                        setName(e.target.value);
                        setDirty(true);
                      }}
                    />
                  )}
                </Field>
              ) : null}
              <Field label="Description (optional)" error={descriptionError}>
                {(props) => (
                  <input {...props}
                    name="description"
                    value={description}
                    placeholder="Who is this, and what is it for?"
                    onChange={(e) => {
                      setDescription(e.target.value);
                      setDirty(true);
                    }}
                  />
                )}
              </Field>
            </div>
          ) : audience.description ? (
            <p>{audience.description}</p>
          ) : null}
          <ConditionEditor root={root} env={env} onChange={change} />
          <SplitEditor
            draft={splitDraft}
            catalog={catalog}
            readOnly={readOnly}
            onChange={(next) => {
              setSplitDraft(next);
              setDirty(true);
              setNotice(null);
            }}
          />
          <ExplainPanel where={compiled.where} splits={splits} />
          {showSql ? <SqlPanel where={compiled.where} /> : null}
        </div>
        <aside className="builder-side" aria-label="Audience size">
          <div className="card count-card" aria-live="polite" aria-busy={!fresh}>
            <div className="count-label">Audience size</div>
            <div className={`count-value ${fresh ? '' : 'stale'}`} data-testid="live-count" data-state={fresh ? 'fresh' : 'updating'}>
              {preview ? formatCount(preview.count) : liveError ? '—' : '…'}
            </div>
            {preview && preview.total ? (
              <div className="muted">
                of {formatCount(preview.total)} profiles ({formatPercent(preview.count, preview.total)})
              </div>
            ) : null}
            <div className="count-status small muted">{!fresh ? 'Counting…' : preview ? `Counted in ${formatDuration(preview.milliseconds)}` : ''}</div>
            {compiled.incomplete > 0 ? (
              <p className="small warn-text">
                {compiled.incomplete} incomplete condition{compiled.incomplete === 1 ? ' is' : 's are'} not counted yet.
              </p>
            ) : null}
            {liveError ? (
              errorNode ? (
                <p className="small warn-text" role="status">
                  Not counted: a condition is invalid (marked in the tree).
                </p>
              ) : (
                <ErrorNote error={liveError} title="Cannot count this audience" />
              )
            ) : null}
          </div>
          <div className="card side-links">
            <button type="button" className="link-button" aria-expanded={showSql} aria-controls={showSql ? 'sql-panel' : undefined} onClick={() => setShowSql((s) => !s)}>
              {showSql ? 'Hide SQL' : 'Show SQL'}
            </button>
          </div>
        </aside>
      </div>
      {withPreview ? (
        <section className="section" aria-labelledby="sample-title">
          <h2 id="sample-title">Sample of members</h2>
          {liveError ? (
            <p className="muted">No sample while the audience is invalid.</p>
          ) : preview && live.forKey === key ? (
            <SampleTable preview={preview} root={root} labelOf={(column) => catalog.traits.find((t) => t.name === column)?.label ?? column} />
          ) : (
            <Loading label="Loading members…" />
          )}
        </section>
      ) : null}
      {!isNew ? (
        <section className="section insight" aria-labelledby="insight-title">
          <h2 id="insight-title">Insight</h2>
          {dirty ? <p className="muted small">Insight shows the saved audience; save to include your changes.</p> : null}
          {can('profiles:read') ? (
            <p>
              <a className="button small" href={`/api/audiences/${encodeURIComponent(audience.name)}/members.csv`} download={`${audience.name}.csv`}>
                Download members (CSV)
              </a>{' '}
              {can('pii:read') ? null : <span className="muted small">personal data is masked for your role</span>}
            </p>
          ) : null}
          <div className="insight-grid">
            <BreakdownPanel audience={audience.name} catalog={catalog} />
            <OverlapMatrix audiences={(audiences.data ?? []).map((a) => a.name)} initial={[audience.name]} />
          </div>
        </section>
      ) : null}
      {!isNew ? (
        <section className="section" aria-labelledby="size-history-title">
          <h2 id="size-history-title">Size over time</h2>
          <AudienceSizeChart name={audience.name} />
        </section>
      ) : null}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${audience?.name ?? ''}?`}
        confirmLabel={usedBy.length ? 'Delete anyway' : 'Delete audience'}
        danger
        busy={deleting}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => void remove()}
      >
        {usedBy.length ? (
          <div className="warning" role="alert">
            <strong>
              {usedBy.length === 1 ? 'A sync uses' : `${usedBy.length} syncs use`} this audience: {usedBy.join(', ')}.
            </strong>{' '}
            Deleting it makes {usedBy.length === 1 ? 'that sync' : 'those syncs'} fail until {usedBy.length === 1 ? 'it is' : 'they are'} changed or deleted.
          </div>
        ) : (
          <p>The audience and its size history are deleted. This cannot be undone.</p>
        )}
      </ConfirmDialog>
    </form>
  );
}

function SqlPanel({ where }: { where: Condition }) {
  const key = JSON.stringify(where);
  const [state, setState] = useState<{ sql?: string; error?: unknown }>({});
  useEffect(() => {
    const controller = new AbortController();
    api<{ sql: string }>('/api/audiences/sql', { method: 'POST', body: { definition: { where: JSON.parse(key) as Condition } }, signal: controller.signal }).then(
      (result) => setState({ sql: result.sql }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ error });
      },
    );
    return () => controller.abort();
  }, [key]);
  return (
    <div id="sql-panel" className="card sql-card">
      <h2 className="step-title">SQL run in the warehouse</h2>
      {state.error ? <ErrorNote error={state.error} /> : state.sql ? <pre className="sql" tabIndex={0} aria-label="SQL of this audience">{state.sql}</pre> : <Loading />}
    </div>
  );
}
