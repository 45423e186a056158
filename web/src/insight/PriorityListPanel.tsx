import { useEffect, useMemo, useState } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import { ErrorNote } from '../components/States';
import { api, isAbort } from '../lib/api';
import { formatCount } from '../lib/format';
import type { PriorityListCounts, PriorityListSummary } from '../lib/types';
import { useApi } from '../lib/useApi';
import { SavedPriorityLists } from './SavedPriorityLists';

const MAX = 20;

/**
 * A priority list drafted in the UI: audiences in order, each profile counted in the first one
 * that holds it (POST /api/priority-lists/counts), so the counts per slot show who each offer reaches.
 * Saved by name (POST /api/priority-lists), a sync can read one slot of it; saved lists are shown below.
 */
export function PriorityListPanel({ audiences, canSave }: { audiences: string[]; canSave: boolean }) {
  const saved = useApi<PriorityListSummary[]>('/api/priority-lists');
  const [name, setName] = useState('');
  /** The saved list being edited (saved with PUT under its name), or null for a new one. */
  const [editing, setEditing] = useState<string | null>(null);
  const [saving, setSaving] = useState<{ busy?: boolean; error?: unknown; done?: string }>({});
  const [list, setList] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [state, setState] = useState<{ counts?: PriorityListCounts; forKey?: string; error?: unknown }>({});
  const options = useMemo<ComboOption[]>(() => audiences.filter((a) => !list.includes(a)).map((a) => ({ value: a })), [audiences, list]);
  const key = JSON.stringify(list);

  useEffect(() => {
    if (list.length === 0) return;
    const controller = new AbortController();
    api<PriorityListCounts>('/api/priority-lists/counts', { method: 'POST', body: { definition: { name: 'draft', priority: JSON.parse(key) as string[] } }, signal: controller.signal }).then(
      (counts) => setState({ counts, forKey: key }),
      (error: unknown) => {
        if (!isAbort(error)) setState({ error, forKey: key });
      },
    );
    return () => controller.abort();
  }, [key, list.length]);

  const move = (from: number, to: number) => {
    const next = [...list];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item!);
    setList(next);
  };
  const save = () => {
    setSaving({ busy: true });
    const request = editing
      ? api<PriorityListSummary>(`/api/priority-lists/${encodeURIComponent(editing)}`, { method: 'PUT', body: { name: editing, priority: list } })
      : api<PriorityListSummary>('/api/priority-lists', { method: 'POST', body: { name: name.trim(), priority: list } });
    request.then(
      (stored) => {
        setSaving({ done: stored.name });
        setName('');
        setEditing(null);
        saved.reload();
      },
      (error: unknown) => setSaving({ error }),
    );
  };
  const edit = (target: PriorityListSummary) => {
    setEditing(target.name);
    setName(target.name);
    setList(target.priority);
    setSaving({});
  };
  const deleted = (gone: string) => {
    if (editing === gone) {
      setEditing(null);
      setName('');
    }
    setSaving({});
    saved.reload();
  };
  const fresh = state.forKey === key;
  const count = (audience: string) => (fresh ? state.counts?.slots.find((s) => s.audience === audience)?.count : undefined);
  return (
    <section className="card" aria-labelledby="priority-title">
      <h2 id="priority-title" className="step-title">
        Priority list
      </h2>
      <p className="muted small">Each profile goes to the first audience below that holds it, so nobody gets two offers. Move audiences to change who wins.</p>
      <ol className="priority-list" data-testid="priority-list">
        {list.map((audience, i) => (
          <li key={audience}>
            <span className="priority-name">{audience}</span>
            <span className="num" data-testid="slot-count">
              {count(audience) === undefined ? '…' : formatCount(count(audience))}
            </span>
            <button type="button" className="icon-button" aria-label={`Move ${audience} up`} disabled={i === 0} onClick={() => move(i, i - 1)}>
              ↑
            </button>
            <button type="button" className="icon-button" aria-label={`Move ${audience} down`} disabled={i === list.length - 1} onClick={() => move(i, i + 1)}>
              ↓
            </button>
            <button type="button" className="icon-button" aria-label={`Remove ${audience} from the priority list`} onClick={() => setList(list.filter((a) => a !== audience))}>
              ×
            </button>
          </li>
        ))}
      </ol>
      {list.length < MAX ? (
        <Combobox
          label="Add an audience to the priority list"
          placeholder="add an audience…"
          value={draft}
          options={options}
          onChange={(audience) => {
            setDraft('');
            if (audience && !list.includes(audience)) setList([...list, audience]);
          }}
        />
      ) : null}
      {fresh && state.counts ? <p className="muted small">{formatCount(state.counts.total)} profiles in one of them.</p> : null}
      {fresh && state.error ? <ErrorNote error={state.error} /> : null}
      {canSave && list.length > 0 ? (
        <form
          className="priority-save"
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <label>
            Name <input value={name} readOnly={editing !== null} onChange={(e) => setName(e.target.value)} placeholder="e.g. offers" pattern="[A-Za-z_][A-Za-z0-9_]*" required />
          </label>
          <button type="submit" className="button" disabled={saving.busy || name.trim() === ''}>
            {editing ? `Save changes to ${editing}` : 'Save priority list'}
          </button>
          {editing ? (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setEditing(null);
                setName('');
                setList([]);
              }}
            >
              Cancel editing
            </button>
          ) : null}
        </form>
      ) : null}
      {saving.error ? <ErrorNote error={saving.error} /> : null}
      {saving.done ? <p className="muted small" role="status">Saved “{saving.done}”: a sync can now read one of its slots.</p> : null}
      <h3 className="small">Saved priority lists</h3>
      {saved.error ? <ErrorNote error={saved.error} onRetry={saved.reload} /> : null}
      {saved.data ? <SavedPriorityLists lists={saved.data} canEdit={canSave} onEdit={edit} onDeleted={deleted} /> : null}
    </section>
  );
}
