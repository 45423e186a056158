import { useEffect, useMemo, useRef } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import { formatCount } from '../lib/format';
import { Env, useEnv, useEventOptions, type EditorEnv } from './env';
import { AggregateEditor, FirstLastEditor, SequenceEditor } from './FunnelEditors';
import {
  fitOperator,
  newAggregate,
  newAudienceRef,
  newEvent,
  newFirstLast,
  newGroup,
  newSequence,
  newTrait,
  type AudienceNode,
  type BuilderNode,
  type EventNode,
  type Frequency,
  type GroupNode,
  type Match,
  type TraitNode,
} from './model';
import { KIND_LABELS } from './operators';
import { PropertyFilters, RemoveButton, Row } from './Row';
import { DurationInput, PredicateInput } from './ValueInput';

export type { EditorEnv };

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
  const list = useRef<HTMLOListElement>(null);
  const addRow = useRef<HTMLDivElement>(null);
  const focusAfterRemove = useRef<number | null>(null);
  const removeItem = (index: number) => {
    focusAfterRemove.current = index;
    update(group.items.filter((_, i) => i !== index));
  };
  // The removed condition's button is gone: focus goes to the condition that took its place (or
  // the one before it), else to the first "add" button, instead of falling back to the page.
  useEffect(() => {
    const index = focusAfterRemove.current;
    if (index === null) return;
    focusAfterRemove.current = null;
    const items = list.current?.children;
    const target = items?.length ? items[Math.min(index, items.length - 1)] : addRow.current;
    target?.querySelector<HTMLElement>('input, select, button')?.focus();
  }, [group.items]);
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
      <ol className="conditions" ref={list}>
        {group.items.map((item, index) => (
          <li key={item.id} className="condition-item">
            {index > 0 ? <span className="joiner">{group.match === 'all' ? 'and' : 'or'}</span> : null}
            <NodeEditor node={item} depth={depth + 1} onChange={(node) => setItem(index, node)} onRemove={() => removeItem(index)} />
            {depth === 0 ? <StepCount id={item.id} /> : null}
          </li>
        ))}
      </ol>
      {env.readOnly ? null : (
        <div className="add-row" role="group" aria-label={`Add to ${label.toLowerCase()}`} ref={addRow}>
          <button type="button" className="button small" onClick={() => add(newTrait())}>
            + Trait
          </button>
          <button type="button" className="button small" onClick={() => add(newEvent())}>
            + Event
          </button>
          <button type="button" className="button small" onClick={() => add(newSequence())}>
            + Sequence
          </button>
          <button type="button" className="button small" onClick={() => add(newAggregate())}>
            + Aggregate
          </button>
          <button type="button" className="button small" onClick={() => add(newFirstLast())}>
            + First/last time
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
    case 'sequence':
      return <SequenceEditor node={node} onChange={onChange} onRemove={onRemove} />;
    case 'aggregate':
      return <AggregateEditor node={node} onChange={onChange} onRemove={onRemove} />;
    case 'firstlast':
      return <FirstLastEditor node={node} onChange={onChange} onRemove={onRemove} />;
    case 'raw':
      return (
        <Row kind="Condition" node={node} onRemove={onRemove}>
          <code className="raw-condition">{JSON.stringify(node.condition)}</code>
          <span className="muted small">(written in YAML; edit it there)</span>
        </Row>
      );
  }
}

function TraitEditor({ node, onChange, onRemove }: { node: TraitNode; onChange(node: TraitNode): void; onRemove(): void }) {
  const env = useEnv();
  const options = useMemo<ComboOption[]>(
    () => env.catalog.traits.map((t) => ({ value: t.name, label: t.label, description: t.description, hint: t.prediction ? `prediction: ${t.prediction.role === 'percentile' ? 'percentile 0–100' : 'score'}` : KIND_LABELS[t.kind] })),
    [env.catalog],
  );
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
      {kind ? (
        <PredicateInput
          pred={node.pred}
          kind={kind}
          subject={label}
          suggestFrom={node.trait}
          range={env.catalog.traits.find((t) => t.name === node.trait)?.prediction?.role === 'percentile' ? [0, 100] : undefined}
          disabled={env.readOnly}
          onChange={(pred) => onChange({ ...node, pred })}
        />
      ) : null}
    </Row>
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
  const set = (patch: Partial<EventNode>) => onChange({ ...node, ...patch });
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
      {node.event ? <PropertyFilters event={node.event} filters={node.filters} match={node.filterMatch} onChange={(filters, filterMatch) => set({ filters, filterMatch })} /> : null}
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
