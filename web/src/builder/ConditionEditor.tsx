import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import { formatCount } from '../lib/format';
import type { AudienceCatalog } from '../lib/types';
import {
  fitOperator,
  newAudienceRef,
  newEvent,
  newGroup,
  newProperty,
  newTrait,
  problemOf,
  type AudienceNode,
  type BuilderNode,
  type EventNode,
  type Frequency,
  type GroupNode,
  type Kinds,
  type Match,
  type PropertyNode,
  type TraitNode,
} from './model';
import { KIND_LABELS } from './operators';
import { DurationInput, PredicateInput } from './ValueInput';

/** What every row of the editor needs; passed once through context instead of through each level. */
export interface EditorEnv {
  catalog: AudienceCatalog;
  kinds: Kinds;
  /** Audiences a condition may refer to (this one excluded). */
  audiences: string[];
  readOnly: boolean;
  /** Members left after each condition of the root (by node id), when the root matches all. */
  steps: ReadonlyMap<string, number>;
  /** Whether `steps` is for the current tree (false while a count is on its way). */
  stepsFresh: boolean;
  /** The server's refusal of the current draft, shown at the condition it is about. */
  errorAt?: { id: string; message: string; hint?: string };
}

const Env = createContext<EditorEnv | null>(null);
const useEnv = (): EditorEnv => useContext(Env)!;

export function ConditionEditor({ root, env, onChange }: { root: GroupNode; env: EditorEnv; onChange(root: GroupNode): void }) {
  return (
    <Env.Provider value={env}>
      <GroupEditor group={root} depth={0} onChange={(next) => onChange(next as GroupNode)} />
    </Env.Provider>
  );
}

const MATCH_LABELS: Record<Match, string> = { all: 'all', any: 'any', none: 'none' };

function GroupEditor({ group, depth, onChange, onRemove }: { group: GroupNode; depth: number; onChange(node: BuilderNode): void; onRemove?(): void }) {
  const env = useEnv();
  const update = (items: BuilderNode[]) => onChange({ ...group, items });
  const setItem = (index: number, node: BuilderNode) => update(group.items.map((item, i) => (i === index ? node : item)));
  const removeItem = (index: number) => update(group.items.filter((_, i) => i !== index));
  const add = (node: BuilderNode) => update([...group.items, node]);
  const label = depth === 0 ? 'Profiles' : 'Group';
  return (
    <fieldset className={`group depth-${Math.min(depth, 3)}`}>
      <legend className="group-head">
        <span>{depth === 0 ? 'Profiles that match' : 'Match'}</span>
        <select
          aria-label={`${label}: how conditions combine`}
          value={group.match}
          disabled={env.readOnly}
          onChange={(event) => onChange({ ...group, match: event.target.value as Match })}
        >
          {(Object.keys(MATCH_LABELS) as Match[]).map((m) => (
            <option key={m} value={m}>
              {MATCH_LABELS[m]}
            </option>
          ))}
        </select>
        <span>of these conditions</span>
        {onRemove && !env.readOnly ? <RemoveButton what="group" onClick={onRemove} /> : null}
      </legend>
      {group.items.length === 0 ? (
        <p className="muted group-empty">{depth === 0 ? 'No conditions yet: everyone is in. Add a condition to narrow it down.' : 'An empty group is ignored.'}</p>
      ) : null}
      <ol className="conditions">
        {group.items.map((item, index) => (
          <li key={item.id} className="condition-item">
            {index > 0 ? <span className="joiner">{group.match === 'all' ? 'and' : 'or'}</span> : null}
            <NodeEditor node={item} depth={depth + 1} onChange={(node) => setItem(index, node)} onRemove={() => removeItem(index)} />
            {depth === 0 ? <StepCount id={item.id} /> : null}
          </li>
        ))}
      </ol>
      {env.readOnly ? null : (
        <div className="add-row" role="group" aria-label={`Add to ${label.toLowerCase()}`}>
          <button type="button" className="button small" onClick={() => add(newTrait())}>
            + Trait
          </button>
          <button type="button" className="button small" onClick={() => add(newEvent())}>
            + Event
          </button>
          <button type="button" className="button small" onClick={() => add(newAudienceRef())}>
            + Audience
          </button>
          {depth < 3 ? (
            <button type="button" className="button small" onClick={() => add(newGroup(group.match === 'all' ? 'any' : 'all'))}>
              + Group
            </button>
          ) : null}
        </div>
      )}
    </fieldset>
  );
}

function StepCount({ id }: { id: string }) {
  const env = useEnv();
  const count = env.steps.get(id);
  if (count === undefined) return null;
  return (
    <span className={`step-count ${env.stepsFresh ? '' : 'stale'}`} title="Profiles left after this condition" data-testid="step-count">
      <span className="visually-hidden">Profiles left after this condition: </span>
      {formatCount(count)}
    </span>
  );
}

function RemoveButton({ what, onClick }: { what: string; onClick(): void }) {
  return (
    <button type="button" className="icon-button" aria-label={`Remove ${what}`} title={`Remove ${what}`} onClick={onClick}>
      ×
    </button>
  );
}

function NodeEditor({ node, depth, onChange, onRemove }: { node: BuilderNode; depth: number; onChange(node: BuilderNode): void; onRemove(): void }) {
  switch (node.kind) {
    case 'group':
      return <GroupEditor group={node} depth={depth} onChange={onChange} onRemove={onRemove} />;
    case 'trait':
      return <TraitEditor node={node} onChange={onChange} onRemove={onRemove} />;
    case 'event':
      return <EventEditor node={node} onChange={onChange} onRemove={onRemove} />;
    case 'audience':
      return <AudienceRefEditor node={node} onChange={onChange} onRemove={onRemove} />;
    case 'raw':
      return (
        <Row kind="Condition" node={node} onRemove={onRemove}>
          <code className="raw-condition">{JSON.stringify(node.condition)}</code>
          <span className="muted small">(written in YAML; edit it there)</span>
        </Row>
      );
  }
}

/** One condition: its kind, its inputs, its problem (if incomplete) and a remove button. */
function Row({ kind, node, children, onRemove }: { kind: string; node: BuilderNode; children: ReactNode; onRemove(): void }) {
  const env = useEnv();
  const problem = problemOf(node, env.kinds);
  return (
    <div className={`condition ${problem ? 'incomplete' : ''}`} data-kind={node.kind}>
      <div className="condition-body">
        <div className="condition-line">
          <span className="condition-kind">{kind}</span>
          {children}
        </div>
        {problem && !env.readOnly ? <p className="condition-problem">{problem}</p> : null}
        {!problem && env.errorAt?.id === node.id ? (
          <p className="condition-problem" role="alert" data-testid="condition-error">
            {env.errorAt.message}
            {env.errorAt.hint ? <span className="muted"> ({env.errorAt.hint})</span> : null}
          </p>
        ) : null}
      </div>
      {env.readOnly ? null : <RemoveButton what={`${kind.toLowerCase()} condition`} onClick={onRemove} />}
    </div>
  );
}

function TraitEditor({ node, onChange, onRemove }: { node: TraitNode; onChange(node: TraitNode): void; onRemove(): void }) {
  const env = useEnv();
  const options = useMemo<ComboOption[]>(() => env.catalog.traits.map((t) => ({ value: t.name, label: t.label, description: t.description, hint: KIND_LABELS[t.kind] })), [env.catalog]);
  const label = env.catalog.traits.find((t) => t.name === node.trait)?.label ?? node.trait;
  const kind = env.kinds.trait(node.trait);
  return (
    <Row kind="Trait" node={node} onRemove={onRemove}>
      <Combobox
        label="Trait"
        placeholder="search traits…"
        autoFocus={!node.trait && !env.readOnly}
        value={node.trait}
        options={options}
        disabled={env.readOnly}
        onChange={(trait) => {
          const next = env.kinds.trait(trait);
          onChange({ ...node, trait, pred: { ...node.pred, op: next ? fitOperator(node.pred.op, next) : node.pred.op } });
        }}
      />
      {kind ? <PredicateInput pred={node.pred} kind={kind} subject={label} suggestFrom={node.trait} disabled={env.readOnly} onChange={(pred) => onChange({ ...node, pred })} /> : null}
    </Row>
  );
}

/** Events for a picker: the name, and where it comes from with how many properties it carries. */
export function useEventOptions(): ComboOption[] {
  const env = useEnv();
  return useMemo(
    () =>
      env.catalog.events.map((e) => ({
        value: e.name,
        hint: 'event',
        description: `from ${e.sources.join(', ')} · ${e.properties.length} propert${e.properties.length === 1 ? 'y' : 'ies'}`,
      })),
    [env.catalog],
  );
}

const FREQUENCIES: Array<[Frequency, string]> = [
  ['at_least_once', 'at least once'],
  ['never', 'never (did not do it)'],
  ['gte', 'at least … times'],
  ['lte', 'at most … times'],
  ['eq', 'exactly … times'],
  ['between', 'between … times'],
];

function EventEditor({ node, onChange, onRemove }: { node: EventNode; onChange(node: EventNode): void; onRemove(): void }) {
  const env = useEnv();
  const ro = env.readOnly;
  const events = useEventOptions();
  const info = env.catalog.events.find((e) => e.name === node.event);
  const properties = useMemo<ComboOption[]>(() => info?.properties.map((p) => ({ value: p.name, hint: KIND_LABELS[p.kind] })) ?? [], [info]);
  const set = (patch: Partial<EventNode>) => onChange({ ...node, ...patch });
  const setFilter = (index: number, filter: PropertyNode | null) =>
    set({ filters: filter ? node.filters.map((f, i) => (i === index ? filter : f)) : node.filters.filter((_, i) => i !== index) });
  const subject = node.event || 'event';
  return (
    <Row kind="Event" node={node} onRemove={onRemove}>
      <span className="muted">did</span>
      <Combobox label="Event" placeholder="search events…" autoFocus={!node.event && !ro} value={node.event} options={events} disabled={ro} onChange={(event) => set({ event, filters: [] })} />
      <span className="inline-pair">
        <select aria-label={`How often ${subject}`} value={node.frequency} disabled={ro} onChange={(event) => set({ frequency: event.target.value as Frequency })}>
          {FREQUENCIES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        {node.frequency !== 'at_least_once' && node.frequency !== 'never' ? (
          <span className="inline-pair">
            <input type="number" min={0} step={1} className="narrow" aria-label={`Times ${subject}`} value={node.count} disabled={ro} onChange={(event) => set({ count: event.target.value })} />
            {node.frequency === 'between' ? (
              <>
                <span className="muted">and</span>
                <input type="number" min={0} step={1} className="narrow" aria-label={`Most times ${subject}`} value={node.count2} disabled={ro} onChange={(event) => set({ count2: event.target.value })} />
              </>
            ) : null}
            <span className="muted">times</span>
          </span>
        ) : null}
      </span>
      <span className="inline-pair">
        <select aria-label={`When ${subject}`} value={node.window} disabled={ro} onChange={(event) => set({ window: event.target.value as EventNode['window'] })}>
          <option value="ever">ever</option>
          <option value="within">in the last</option>
          <option value="between">between dates</option>
        </select>
        {node.window === 'within' ? (
          <DurationInput amount={node.withinAmount} unit={node.withinUnit} subject={subject} disabled={ro} onChange={(withinAmount, withinUnit) => set({ withinAmount, withinUnit })} />
        ) : null}
        {node.window === 'between' ? (
          <span className="inline-pair">
            <input type="date" aria-label={`From date for ${subject}`} value={node.from} disabled={ro} onChange={(event) => set({ from: event.target.value })} />
            <span className="muted">and</span>
            <input type="date" aria-label={`To date for ${subject}`} value={node.to} disabled={ro} onChange={(event) => set({ to: event.target.value })} />
          </span>
        ) : null}
      </span>
      {node.event && (node.filters.length > 0 || !ro) ? (
        <div className="filters">
          {node.filters.length > 1 ? (
            <span className="muted">
              where{' '}
              <select aria-label="How property filters combine" value={node.filterMatch} disabled={ro} onChange={(event) => set({ filterMatch: event.target.value as 'all' | 'any' })}>
                <option value="all">all</option>
                <option value="any">any</option>
              </select>{' '}
              of:
            </span>
          ) : node.filters.length === 1 ? (
            <span className="muted">where</span>
          ) : null}
          {node.filters.map((filter, index) => {
            const kind = env.kinds.property(node.event, filter.property);
            return (
              <div key={filter.id} className="filter-line">
                <Combobox
                  label="Event property"
                  placeholder="property…"
                  autoFocus={!filter.property && !ro}
                  value={filter.property}
                  options={properties}
                  disabled={ro}
                  onChange={(property) => {
                    const next = env.kinds.property(node.event, property);
                    setFilter(index, { ...filter, property, pred: { ...filter.pred, op: next ? fitOperator(filter.pred.op, next) : filter.pred.op } });
                  }}
                />
                {kind ? (
                  <PredicateInput
                    pred={filter.pred}
                    kind={kind}
                    subject={filter.property}
                    suggestFrom={{ event: node.event, property: filter.property }}
                    disabled={ro}
                    onChange={(pred) => setFilter(index, { ...filter, pred })}
                  />
                ) : null}
                {ro ? null : <RemoveButton what="property filter" onClick={() => setFilter(index, null)} />}
              </div>
            );
          })}
          {ro ? null : (
            <button type="button" className="link-button" onClick={() => set({ filters: [...node.filters, newProperty()] })}>
              + Property filter
            </button>
          )}
        </div>
      ) : null}
    </Row>
  );
}

function AudienceRefEditor({ node, onChange, onRemove }: { node: AudienceNode; onChange(node: AudienceNode): void; onRemove(): void }) {
  const env = useEnv();
  const options = useMemo<ComboOption[]>(() => env.audiences.map((name) => ({ value: name })), [env.audiences]);
  return (
    <Row kind="Audience" node={node} onRemove={onRemove}>
      <select aria-label="Membership" value={node.membership} disabled={env.readOnly} onChange={(event) => onChange({ ...node, membership: event.target.value as AudienceNode['membership'] })}>
        <option value="in">is in</option>
        <option value="not_in">is not in</option>
      </select>
      <Combobox label="Audience" placeholder="search audiences…" autoFocus={!node.audience && !env.readOnly} value={node.audience} options={options} disabled={env.readOnly} onChange={(audience) => onChange({ ...node, audience })} />
    </Row>
  );
}
