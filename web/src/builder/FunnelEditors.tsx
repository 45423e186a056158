import { useMemo } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import type { AggregateFunction } from '../lib/types';
import { useEnv, useEventOptions } from './env';
import { aggregateKind, fitOperator, newStep, type AggregateNode, type FirstLastNode, type SequenceNode, type StepNode } from './model';
import { isNumeric, KIND_LABELS } from './operators';
import { PropertyFilters, RemoveButton, Row } from './Row';
import { DurationInput, PredicateInput } from './ValueInput';

/** At most this many steps (the engine's MAX_SEQUENCE_STEPS). */
const MAX_STEPS = 10;

/** A funnel: events in order, each within its window of the previous one; or the steps but not the last. */
export function SequenceEditor({ node, onChange, onRemove }: { node: SequenceNode; onChange(node: SequenceNode): void; onRemove(): void }) {
  const env = useEnv();
  const ro = env.readOnly;
  const set = (patch: Partial<SequenceNode>) => onChange({ ...node, ...patch });
  const setStep = (index: number, step: StepNode | null) =>
    set({ steps: step ? node.steps.map((s, i) => (i === index ? step : s)) : node.steps.filter((_, i) => i !== index) });
  return (
    <Row kind="Sequence" node={node} onRemove={onRemove}>
      <select aria-label="Sequence outcome" value={node.completed ? 'completed' : 'dropped'} disabled={ro} onChange={(e) => set({ completed: e.target.value === 'completed' })}>
        <option value="completed">did all steps, in this order</option>
        <option value="dropped">did the steps but not the last one</option>
      </select>
      <span className="inline-pair">
        <span className="muted">first step</span>
        <select aria-label="When the first step happened" value={node.window} disabled={ro} onChange={(e) => set({ window: e.target.value as SequenceNode['window'] })}>
          <option value="ever">any time</option>
          <option value="within">in the last</option>
        </select>
        {node.window === 'within' ? (
          <DurationInput amount={node.withinAmount} unit={node.withinUnit} subject="the first step" disabled={ro} onChange={(withinAmount, withinUnit) => set({ withinAmount, withinUnit })} />
        ) : null}
      </span>
      <ol className="sequence-steps">
        {node.steps.map((step, i) => (
          <StepEditor
            key={step.id}
            step={step}
            index={i}
            negated={!node.completed && i > 0 && i === node.steps.length - 1}
            onChange={(next) => setStep(i, next)}
            onRemove={node.steps.length > 1 ? () => setStep(i, null) : undefined}
          />
        ))}
      </ol>
      {ro || node.steps.length >= MAX_STEPS ? null : (
        <button type="button" className="link-button" onClick={() => set({ steps: [...node.steps, newStep(false)] })}>
          + Step
        </button>
      )}
    </Row>
  );
}

function StepEditor({ step, index, negated, onChange, onRemove }: { step: StepNode; index: number; negated: boolean; onChange(step: StepNode): void; onRemove?(): void }) {
  const env = useEnv();
  const ro = env.readOnly;
  const events = useEventOptions();
  const set = (patch: Partial<StepNode>) => onChange({ ...step, ...patch });
  const subject = `step ${index + 1}`;
  return (
    <li className="sequence-step">
      <span className="step-number">{index + 1}.</span>
      <span className="muted">{index === 0 ? 'did' : negated ? 'then did not do' : 'then did'}</span>
      <Combobox label={`Event of step ${index + 1}`} placeholder="search events…" autoFocus={!step.event && !ro && index === 0} value={step.event} options={events} disabled={ro} onChange={(event) => set({ event, filters: [] })} />
      {index > 0 ? (
        <span className="inline-pair">
          <select aria-label={`When ${subject} happened`} value={step.gap} disabled={ro} onChange={(e) => set({ gap: e.target.value as StepNode['gap'] })}>
            <option value="any">any time later</option>
            <option value="within">within</option>
          </select>
          {step.gap === 'within' ? <DurationInput amount={step.withinAmount} unit={step.withinUnit} subject={subject} disabled={ro} onChange={(withinAmount, withinUnit) => set({ withinAmount, withinUnit })} /> : null}
          {step.gap === 'within' ? <span className="muted">of the previous step</span> : null}
        </span>
      ) : null}
      {step.event ? <PropertyFilters event={step.event} filters={step.filters} match={step.filterMatch} onChange={(filters, filterMatch) => set({ filters, filterMatch })} /> : null}
      {onRemove && !ro ? <RemoveButton what={subject} onClick={onRemove} /> : null}
    </li>
  );
}

const FUNCTIONS: Array<[AggregateFunction, string]> = [
  ['sum', 'total'],
  ['avg', 'average'],
  ['min', 'smallest'],
  ['max', 'largest'],
  ['count_distinct', 'number of different'],
];

/** "The total amount of order_completed events in the last 30 days is at least 100". */
export function AggregateEditor({ node, onChange, onRemove }: { node: AggregateNode; onChange(node: AggregateNode): void; onRemove(): void }) {
  const env = useEnv();
  const ro = env.readOnly;
  const events = useEventOptions();
  const set = (patch: Partial<AggregateNode>) => onChange({ ...node, ...patch });
  const info = env.catalog.events.find((e) => e.name === node.event);
  // Sums and averages need numbers; smallest, largest and distinct counts take any property.
  const numericOnly = node.fn === 'sum' || node.fn === 'avg';
  const properties = useMemo<ComboOption[]>(
    () => (info?.properties ?? []).filter((p) => !numericOnly || isNumeric(p.kind)).map((p) => ({ value: p.name, hint: KIND_LABELS[p.kind] })),
    [info, numericOnly],
  );
  const kind = node.property ? aggregateKind(node, env.kinds) : undefined;
  const refit = (next: AggregateNode): AggregateNode => {
    const k = next.property ? aggregateKind(next, env.kinds) : undefined;
    return k ? { ...next, pred: { ...next.pred, op: fitOperator(next.pred.op, k) } } : next;
  };
  return (
    <Row kind="Aggregate" node={node} onRemove={onRemove}>
      <span className="muted">of</span>
      <Combobox label="Event to aggregate" placeholder="search events…" autoFocus={!node.event && !ro} value={node.event} options={events} disabled={ro} onChange={(event) => set({ event, property: '' })} />
      <span className="muted">events, the</span>
      <select aria-label="Aggregate function" value={node.fn} disabled={ro} onChange={(e) => onChange(refit({ ...node, fn: e.target.value as AggregateFunction }))}>
        {FUNCTIONS.map(([fn, label]) => (
          <option key={fn} value={fn}>
            {label}
          </option>
        ))}
      </select>
      <span className="muted">of</span>
      <Combobox label="Aggregated property" placeholder="property…" value={node.property} options={properties} disabled={ro || !node.event} onChange={(property) => onChange(refit({ ...node, property }))} />
      {kind ? <PredicateInput pred={node.pred} kind={kind} subject="the aggregate" disabled={ro} onChange={(pred) => set({ pred })} /> : null}
      <span className="inline-pair">
        <select aria-label="Events counted" value={node.window} disabled={ro} onChange={(e) => set({ window: e.target.value as AggregateNode['window'] })}>
          <option value="ever">ever</option>
          <option value="within">in the last</option>
        </select>
        {node.window === 'within' ? <DurationInput amount={node.withinAmount} unit={node.withinUnit} subject="the aggregate" disabled={ro} onChange={(withinAmount, withinUnit) => set({ withinAmount, withinUnit })} /> : null}
      </span>
    </Row>
  );
}

/** "The last time they did order_completed was more than 90 days ago": a date & time comparison on the first or last such event. */
export function FirstLastEditor({ node, onChange, onRemove }: { node: FirstLastNode; onChange(node: FirstLastNode): void; onRemove(): void }) {
  const env = useEnv();
  const ro = env.readOnly;
  const events = useEventOptions();
  const set = (patch: Partial<FirstLastNode>) => onChange({ ...node, ...patch });
  return (
    <Row kind="First/last time" node={node} onRemove={onRemove}>
      <span className="muted">the</span>
      <select aria-label="First or last time" value={node.which} disabled={ro} onChange={(e) => set({ which: e.target.value as FirstLastNode['which'] })}>
        <option value="first">first</option>
        <option value="last">last</option>
      </select>
      <span className="muted">time they did</span>
      <Combobox label="Event of first/last time" placeholder="search events…" autoFocus={!node.event && !ro} value={node.event} options={events} disabled={ro} onChange={(event) => set({ event, filters: [] })} />
      {node.event ? <PredicateInput pred={node.pred} kind="timestamp" subject={`the ${node.which} time`} disabled={ro} onChange={(pred) => set({ pred })} /> : null}
      {node.event ? <PropertyFilters event={node.event} filters={node.filters} match={node.filterMatch} onChange={(filters, filterMatch) => set({ filters, filterMatch })} /> : null}
    </Row>
  );
}
