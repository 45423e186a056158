import { useMemo, useState } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import type { AudienceCatalog, AudienceSplits } from '../lib/types';
import { newId } from './model';

/** The split editor's draft: percents as typed. */
export interface SplitDraft {
  groups: Array<{ id: string; name: string; percent: string }>;
  salt: string;
  stratify: string[];
}

const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_GROUPS = 20;
const MAX_STRATA = 5;

export function newSplitDraft(): SplitDraft {
  return {
    groups: [
      { id: newId(), name: 'treatment', percent: '90' },
      { id: newId(), name: 'holdout', percent: '10' },
    ],
    salt: '',
    stratify: [],
  };
}

export function splitDraftFrom(splits: AudienceSplits | undefined): SplitDraft | null {
  if (!splits) return null;
  return { groups: splits.groups.map((g) => ({ id: newId(), name: g.name, percent: String(g.percent) })), salt: splits.salt ?? '', stratify: splits.stratify ?? [] };
}

/** Hundredths of a percent, or null when the text is not a share the engine takes (above 0, at most two decimals). */
function hundredths(text: string): number | null {
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(text.trim())) return null;
  const n = Math.round(Number(text) * 100);
  return n > 0 && n <= 10_000 ? n : null;
}

/** Why the split cannot be saved, or null. */
export function splitProblem(draft: SplitDraft): string | null {
  if (draft.groups.length < 2) return 'A split needs two or more groups (a holdout is a group too).';
  const names = new Set<string>();
  for (const group of draft.groups) {
    if (!GROUP_NAME.test(group.name)) return `Group names use letters, digits and underscores (“${group.name}”).`;
    if (names.has(group.name)) return `The group “${group.name}” is named twice.`;
    names.add(group.name);
    if (hundredths(group.percent) === null) return `Enter a share above 0 with at most two decimals for “${group.name}”.`;
  }
  const total = draft.groups.reduce((sum, g) => sum + (hundredths(g.percent) ?? 0), 0);
  return total === 10_000 ? null : `The groups add up to ${total / 100}%, not 100%.`;
}

export function splitsOf(draft: SplitDraft): AudienceSplits {
  return {
    groups: draft.groups.map((g) => ({ name: g.name, percent: Number(g.percent) })),
    ...(draft.salt.trim() ? { salt: draft.salt.trim() } : {}),
    ...(draft.stratify.length ? { stratify: draft.stratify } : {}),
  };
}

/** Splits and holdouts: groups with shares, an optional salt, traits whose mix each group keeps. */
export function SplitEditor({ draft, catalog, readOnly, onChange }: { draft: SplitDraft | null; catalog: AudienceCatalog; readOnly: boolean; onChange(draft: SplitDraft | null): void }) {
  const [adding, setAdding] = useState('');
  const traits = useMemo<ComboOption[]>(
    () => catalog.traits.filter((t) => t.name !== 'profile_id' && !draft?.stratify.includes(t.name)).map((t) => ({ value: t.name, label: t.label, description: t.description })),
    [catalog, draft],
  );
  const labelOf = (trait: string) => catalog.traits.find((t) => t.name === trait)?.label ?? trait;
  const problem = draft ? splitProblem(draft) : null;
  const setGroup = (id: string, patch: Partial<SplitDraft['groups'][number]>) => draft && onChange({ ...draft, groups: draft.groups.map((g) => (g.id === id ? { ...g, ...patch } : g)) });
  return (
    <section className="card split-card" aria-labelledby="split-title">
      <h2 id="split-title" className="step-title">
        Split into groups
      </h2>
      <label className="checkbox">
        <input type="checkbox" checked={draft !== null} disabled={readOnly} onChange={(e) => onChange(e.target.checked ? newSplitDraft() : null)} />
        Split members into groups (A/B tests, holdouts)
      </label>
      {draft ? (
        <>
          <p className="muted small">Each member falls in one group by a hash of its profile id, and keeps it as the audience grows or narrows. Syncs can send one group.</p>
          <table className="table compact split-groups">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Share (%)</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.groups.map((group, i) => (
                <tr key={group.id}>
                  <td>
                    <input aria-label={`Name of group ${i + 1}`} value={group.name} disabled={readOnly} onChange={(e) => setGroup(group.id, { name: e.target.value })} />
                  </td>
                  <td>
                    <input type="number" className="narrow" min={0.01} max={100} step={0.01} aria-label={`Share of group ${i + 1} in percent`} value={group.percent} disabled={readOnly} onChange={(e) => setGroup(group.id, { percent: e.target.value })} />
                  </td>
                  <td>
                    {!readOnly && draft.groups.length > 2 ? (
                      <button type="button" className="icon-button" aria-label={`Remove group ${group.name || i + 1}`} onClick={() => onChange({ ...draft, groups: draft.groups.filter((g) => g.id !== group.id) })}>
                        ×
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!readOnly && draft.groups.length < MAX_GROUPS ? (
            <button type="button" className="link-button" onClick={() => onChange({ ...draft, groups: [...draft.groups, { id: newId(), name: `group_${draft.groups.length + 1}`, percent: '' }] })}>
              + Group
            </button>
          ) : null}
          <div className="chips">
            <span className="muted small">Keep the mix of:</span>
            {draft.stratify.map((trait) => (
              <span key={trait} className="chip">
                {labelOf(trait)}
                {readOnly ? null : (
                  <button type="button" className="chip-remove" aria-label={`Stop stratifying by ${labelOf(trait)}`} onClick={() => onChange({ ...draft, stratify: draft.stratify.filter((t) => t !== trait) })}>
                    ×
                  </button>
                )}
              </span>
            ))}
            {!readOnly && draft.stratify.length < MAX_STRATA ? (
              <Combobox
                label="Stratify by trait"
                placeholder="add a trait…"
                value={adding}
                options={traits}
                onChange={(trait) => {
                  setAdding('');
                  if (trait) onChange({ ...draft, stratify: [...draft.stratify, trait] });
                }}
              />
            ) : null}
          </div>
          <label className="inline-pair small">
            Salt (optional)
            <input aria-label="Split salt" value={draft.salt} disabled={readOnly} placeholder="e.g. spring_test" onChange={(e) => onChange({ ...draft, salt: e.target.value })} />
          </label>
          {problem && !readOnly ? (
            <p className="condition-problem" role="alert">
              {problem}
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
