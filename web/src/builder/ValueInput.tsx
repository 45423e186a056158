import { useEffect, useState } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import { formatCount } from '../lib/format';
import type { ColumnKind, Operator } from '../lib/types';
import type { PredicateDraft, ValueDraft } from './model';
import { isNumeric, isTemporal, operatorsFor, valueShape } from './operators';
import { eventPropertyValues, traitValues } from './suggestions';

interface Props {
  pred: PredicateDraft;
  kind: ColumnKind;
  /** The trait (a name) or event property whose data suggests values (text columns). */
  suggestFrom?: string | { event: string; property: string };
  /** Bounds of a numeric column with a known range (a prediction's percentile): a slider beside the number. */
  range?: [number, number];
  /** Words for the accessible names: "country", "amount". */
  subject: string;
  disabled: boolean;
  onChange(pred: PredicateDraft): void;
}

/** The operator menu and the value input(s) that fit it and the column's type. */
export function PredicateInput({ pred, kind, suggestFrom, subject, range, disabled, onChange }: Props) {
  const ops = operatorsFor(kind);
  const setValue = (patch: Partial<ValueDraft>) => onChange({ ...pred, value: { ...pred.value, ...patch } });
  const shape = pred.op ? valueShape(pred.op) : 'none';
  const suggestions = useSuggestions(kind === 'string' && !disabled ? suggestFrom : undefined);
  return (
    <>
      <select
        aria-label={`Operator for ${subject}`}
        value={pred.op}
        disabled={disabled}
        onChange={(event) => onChange({ ...pred, op: event.target.value as Operator })}
      >
        {pred.op === '' ? <option value="">choose…</option> : null}
        {ops.map(([op, label]) => (
          <option key={op} value={op}>
            {label}
          </option>
        ))}
      </select>
      {shape === 'scalar' && range ? (
        <input type="range" min={range[0]} max={range[1]} step={1} aria-label={`Slider for ${subject}`} value={pred.value.text || String(range[0])} disabled={disabled} onChange={(event) => setValue({ text: event.target.value })} />
      ) : null}
      {shape === 'scalar' ? <Scalar kind={kind} text={pred.value.text} label={`Value of ${subject}`} suggestions={suggestions} disabled={disabled} onChange={(text) => setValue({ text })} /> : null}
      {shape === 'instant' ? (
        <input type="date" aria-label={`Date for ${subject}`} value={pred.value.text} disabled={disabled} onChange={(event) => setValue({ text: event.target.value })} />
      ) : null}
      {shape === 'pair' ? (
        <span className="inline-pair">
          <Scalar kind={kind} text={pred.value.text} label={`Lowest ${subject}`} suggestions={suggestions} disabled={disabled} onChange={(text) => setValue({ text })} />
          <span className="muted">and</span>
          <Scalar kind={kind} text={pred.value.text2} label={`Highest ${subject}`} suggestions={suggestions} disabled={disabled} onChange={(text2) => setValue({ text2 })} />
        </span>
      ) : null}
      {shape === 'duration' ? (
        <DurationInput amount={pred.value.amount} unit={pred.value.unit} subject={subject} disabled={disabled} onChange={(amount, unit) => setValue({ amount, unit })} />
      ) : null}
      {shape === 'list' ? (
        <ListInput values={pred.value.list} kind={kind} subject={subject} suggestions={suggestions} disabled={disabled} onChange={(list) => setValue({ list })} />
      ) : null}
    </>
  );
}

function useSuggestions(from: Props['suggestFrom']): ComboOption[] {
  const [options, setOptions] = useState<ComboOption[]>([]);
  // A primitive key, so a new object for the same event property does not refetch.
  const trait = typeof from === 'string' ? from : '';
  const event = typeof from === 'object' ? from.event : '';
  const property = typeof from === 'object' ? from.property : '';
  useEffect(() => {
    const pending = trait ? traitValues(trait) : event && property ? eventPropertyValues(event, property) : undefined;
    if (!pending) {
      setOptions([]);
      return;
    }
    let live = true;
    pending.then(
      (values) => live && setOptions(values.map((v) => ({ value: v.value, hint: formatCount(v.count) }))),
      () => live && setOptions([]),
    );
    return () => {
      live = false;
    };
  }, [trait, event, property]);
  return options;
}

function Scalar({ kind, text, label, suggestions, disabled, onChange }: { kind: ColumnKind; text: string; label: string; suggestions: ComboOption[]; disabled: boolean; onChange(text: string): void }) {
  if (isNumeric(kind)) {
    return <input type="number" className="narrow" aria-label={label} value={text} step={kind === 'integer' ? 1 : 'any'} disabled={disabled} onChange={(event) => onChange(event.target.value)} />;
  }
  if (isTemporal(kind)) return <input type="date" aria-label={label} value={text} disabled={disabled} onChange={(event) => onChange(event.target.value)} />;
  return <Combobox freeText label={label} placeholder="value" value={text} options={suggestions} disabled={disabled} onChange={onChange} />;
}

export function DurationInput({
  amount,
  unit,
  subject,
  disabled,
  onChange,
}: {
  amount: string;
  unit: 'days' | 'hours';
  subject: string;
  disabled: boolean;
  onChange(amount: string, unit: 'days' | 'hours'): void;
}) {
  return (
    <span className="inline-pair">
      <input type="number" min={1} step={1} className="narrow" aria-label={`Number of ${unit} for ${subject}`} value={amount} disabled={disabled} onChange={(event) => onChange(event.target.value, unit)} />
      <select aria-label={`Unit for ${subject}`} value={unit} disabled={disabled} onChange={(event) => onChange(amount, event.target.value as 'days' | 'hours')}>
        <option value="days">days</option>
        <option value="hours">hours</option>
      </select>
    </span>
  );
}

/** Several values: chips, plus a field that adds one on Enter (or on picking a suggestion). */
function ListInput({ values, kind, subject, suggestions, disabled, onChange }: { values: string[]; kind: ColumnKind; subject: string; suggestions: ComboOption[]; disabled: boolean; onChange(values: string[]): void }) {
  const [draft, setDraft] = useState('');
  const add = (value: string) => {
    const text = value.trim();
    if (text && !values.includes(text)) onChange([...values, text]);
    setDraft('');
  };
  const remaining = suggestions.filter((s) => !values.includes(s.value));
  return (
    <span className="chips">
      {values.map((value) => (
        <span key={value} className="chip">
          {value}
          {disabled ? null : (
            <button type="button" className="chip-remove" aria-label={`Remove ${value}`} onClick={() => onChange(values.filter((v) => v !== value))}>
              ×
            </button>
          )}
        </span>
      ))}
      {disabled ? null : (
        <span
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.defaultPrevented && draft.trim()) {
              event.preventDefault();
              add(draft);
            }
          }}
        >
          {isNumeric(kind) ? (
            <input type="number" className="narrow" aria-label={`Add a value of ${subject}`} placeholder="add…" value={draft} onChange={(event) => setDraft(event.target.value)} onBlur={() => add(draft)} />
          ) : (
            <Combobox freeText label={`Add a value of ${subject}`} placeholder="add a value…" value={draft} options={remaining} onChange={setDraft} onPick={add} />
          )}
        </span>
      )}
    </span>
  );
}
