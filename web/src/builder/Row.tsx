import { useMemo, type ReactNode } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import { useEnv } from './env';
import { fitOperator, newProperty, problemOf, type BuilderNode, type PropertyNode } from './model';
import { KIND_LABELS } from './operators';
import { PredicateInput } from './ValueInput';

export function RemoveButton({ what, onClick }: { what: string; onClick(): void }) {
  return (
    <button type="button" className="icon-button" aria-label={`Remove ${what}`} title={`Remove ${what}`} onClick={onClick}>
      ×
    </button>
  );
}

/** One condition: its kind, its inputs, its problem (if incomplete) and a remove button. */
export function Row({ kind, node, children, onRemove }: { kind: string; node: BuilderNode; children: ReactNode; onRemove(): void }) {
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

/** The property filters of an event (or a sequence step): `where` all/any of property conditions. */
export function PropertyFilters({ event, filters, match, onChange }: { event: string; filters: PropertyNode[]; match: 'all' | 'any'; onChange(filters: PropertyNode[], match: 'all' | 'any'): void }) {
  const env = useEnv();
  const ro = env.readOnly;
  const info = env.catalog.events.find((e) => e.name === event);
  const properties = useMemo<ComboOption[]>(() => info?.properties.map((p) => ({ value: p.name, hint: KIND_LABELS[p.kind] })) ?? [], [info]);
  const setFilter = (index: number, filter: PropertyNode | null) =>
    onChange(filter ? filters.map((f, i) => (i === index ? filter : f)) : filters.filter((_, i) => i !== index), match);
  return (
    <>
      {filters.length > 0 || !ro ? (
        <div className="filters">
          {filters.length > 1 ? (
            <span className="muted">
              where{' '}
              <select aria-label="How property filters combine" value={match} disabled={ro} onChange={(e) => onChange(filters, e.target.value as 'all' | 'any')}>
                <option value="all">all</option>
                <option value="any">any</option>
              </select>{' '}
              of:
            </span>
          ) : filters.length === 1 ? (
            <span className="muted">where</span>
          ) : null}
          {filters.map((filter, index) => {
            const kind = env.kinds.property(event, filter.property);
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
                    const next = env.kinds.property(event, property);
                    setFilter(index, { ...filter, property, pred: { ...filter.pred, op: next ? fitOperator(filter.pred.op, next) : filter.pred.op } });
                  }}
                />
                {kind ? (
                  <PredicateInput
                    pred={filter.pred}
                    kind={kind}
                    subject={filter.property}
                    suggestFrom={{ event: event, property: filter.property }}
                    disabled={ro}
                    onChange={(pred) => setFilter(index, { ...filter, pred })}
                  />
                ) : null}
                {ro ? null : <RemoveButton what="property filter" onClick={() => setFilter(index, null)} />}
              </div>
            );
          })}
          {ro ? null : (
            <button type="button" className="link-button" onClick={() => onChange([...filters, newProperty()], match)}>
              + Property filter
            </button>
          )}
        </div>
      ) : null}
    </>
  );
}
