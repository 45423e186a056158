import type { ReactNode } from 'react';
import { invalidProps } from '../lib/field-errors';
import type { JsonSchema } from '../lib/types';
import { FieldError } from './Field';

/**
 * A form for a destination's config, drawn from the JSON schema the API publishes for its type.
 * Secret fields (credentials) are write-only: a new value goes to `secrets`, a stored one is kept
 * by sending `{"set": true}` back, or a stored secret is named (`{"secret": name}`, one you set
 * under /api/secrets). Environment references are for sync files in git only: the API refuses them.
 */

export type SecretDraft = { mode: 'keep' } | { mode: 'value'; value: string } | { mode: 'named'; name: string } | { mode: 'none' };

export interface ConfigDraft {
  /** Text of every plain field, as typed. */
  fields: Record<string, string>;
  secrets: Record<string, SecretDraft>;
}

export interface FieldSpec {
  name: string;
  label: string;
  schema: JsonSchema;
  required: boolean;
  secret: boolean;
  input: 'text' | 'url' | 'number' | 'select' | 'checkbox' | 'list' | 'json';
  advanced: boolean;
}

function isSecretRefSchema(schema: JsonSchema): boolean {
  const options = schema.anyOf ?? schema.oneOf;
  return !!options?.length && options.every((o) => o.type === 'object' && !!o.properties && ('env' in o.properties || 'secret' in o.properties));
}

const humanize = (name: string): string =>
  name
    .replace(/_ms$/, ' (ms)')
    .replace(/_/g, ' ')
    .replace(/^\w/, (c) => c.toUpperCase())
    .replace(/\burl\b/i, 'URL')
    .replace(/\bid\b/i, 'ID');

export function fieldSpecs(schema: JsonSchema, secretFields: readonly string[]): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  // Deprecated fields (kept for old configs in git) are not offered: the API refuses them.
  const specs = Object.entries(schema.properties ?? {}).filter(([, field]) => !(field as { deprecated?: boolean }).deprecated).map(([name, field]): FieldSpec => {
    // The schema decides when it is clear: a map of headers is not one secret, even if it may hold some.
    const secret = isSecretRefSchema(field) || (secretFields.includes(name) && field.type !== 'object');
    const type = Array.isArray(field.type) ? field.type[0] : field.type;
    const input: FieldSpec['input'] = secret
      ? 'text'
      : field.enum
        ? 'select'
        : type === 'integer' || type === 'number'
          ? 'number'
          : type === 'boolean'
            ? 'checkbox'
            : type === 'array'
              ? 'list'
              : type === 'string'
                ? field.format === 'uri'
                  ? 'url'
                  : 'text'
                : 'json';
    const isRequired = required.has(name);
    return { name, label: humanize(name), schema: field, required: isRequired, secret, input, advanced: !isRequired && !secret && (input === 'json' || field.default !== undefined || input === 'checkbox') };
  });
  return specs.sort((a, b) => Number(b.required) - Number(a.required) || Number(a.advanced) - Number(b.advanced));
}

/** The draft of a stored config (secrets show as `{"set": true}` or `{env}`). */
export function draftFromConfig(config: Record<string, unknown>, specs: readonly FieldSpec[]): ConfigDraft {
  const draft: ConfigDraft = { fields: {}, secrets: {} };
  for (const spec of specs) {
    const value = config[spec.name];
    if (spec.secret) {
      const ref = value as { set?: boolean; env?: string } | undefined;
      // A legacy `{env}` reference is not offered again: the value must be entered.
      draft.secrets[spec.name] = ref?.set ? { mode: 'keep' } : spec.required || ref?.env ? { mode: 'value', value: '' } : { mode: 'none' };
    } else if (value === undefined) draft.fields[spec.name] = '';
    else if (spec.input === 'json') draft.fields[spec.name] = JSON.stringify(value, null, 2);
    else if (spec.input === 'list') draft.fields[spec.name] = Array.isArray(value) ? value.join(', ') : '';
    else draft.fields[spec.name] = String(value);
  }
  return draft;
}

/** The body parts for POST/PUT /api/destinations: `config` and write-only `secrets`; or the first problem. */
export function configFromDraft(draft: ConfigDraft, specs: readonly FieldSpec[]): { config: Record<string, unknown>; secrets: Record<string, string> } | { problem: string; field: string } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const spec of specs) {
    if (spec.secret) {
      const s = draft.secrets[spec.name] ?? { mode: 'none' };
      if (s.mode === 'keep') config[spec.name] = { set: true };
      else if (s.mode === 'value') {
        if (s.value) secrets[spec.name] = s.value;
        else if (spec.required) return { problem: `${spec.label}: enter the value.`, field: spec.name };
      } else if (s.mode === 'named') {
        if (!/^[a-z0-9][a-z0-9_.-]{0,99}$/.test(s.name)) return { problem: `${spec.label}: enter the name of a stored secret.`, field: spec.name };
        config[spec.name] = { secret: s.name };
      } else if (spec.required) return { problem: `${spec.label} is required.`, field: spec.name };
      continue;
    }
    const text = (draft.fields[spec.name] ?? '').trim();
    if (text === '') {
      if (spec.required) return { problem: `${spec.label} is required.`, field: spec.name };
      continue;
    }
    switch (spec.input) {
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n)) return { problem: `${spec.label}: enter a number.`, field: spec.name };
        config[spec.name] = n;
        break;
      }
      case 'checkbox':
        config[spec.name] = text === 'true';
        break;
      case 'list':
        config[spec.name] = text.split(',').map((t) => t.trim()).filter(Boolean);
        break;
      case 'json':
        try {
          config[spec.name] = JSON.parse(text);
        } catch {
          return { problem: `${spec.label}: not valid JSON.`, field: spec.name };
        }
        break;
      default:
        config[spec.name] = text;
    }
  }
  return { config, secrets };
}

export function ConfigForm({ specs, draft, disabled, onChange, errorFor }: { specs: readonly FieldSpec[]; draft: ConfigDraft; disabled: boolean; onChange(draft: ConfigDraft): void; errorFor?(field: string): string | undefined }) {
  const basic = specs.filter((s) => !s.advanced);
  const advanced = specs.filter((s) => s.advanced);
  const render = (spec: FieldSpec) => <Field key={spec.name} spec={spec} draft={draft} disabled={disabled} onChange={onChange} error={errorFor?.(spec.name)} />;
  return (
    <>
      {basic.map(render)}
      {advanced.length ? (
        <details className="advanced">
          <summary>More options</summary>
          {advanced.map(render)}
        </details>
      ) : null}
    </>
  );
}

function Field({ spec, draft, disabled, onChange, error }: { spec: FieldSpec; draft: ConfigDraft; disabled: boolean; onChange(draft: ConfigDraft): void; error?: string }) {
  const id = `cfg-${spec.name}`;
  const text = draft.fields[spec.name] ?? '';
  const setText = (value: string) => onChange({ ...draft, fields: { ...draft.fields, [spec.name]: value } });
  const hint = [spec.schema.description, spec.schema.default !== undefined && spec.input !== 'checkbox' ? `default: ${JSON.stringify(spec.schema.default)}` : null].filter(Boolean).join(' · ');
  // Only point at a hint that is rendered: a dangling aria-describedby names nothing.
  const described = invalidProps(id, error, hint ? `${id}-hint` : undefined);
  const label = (
    <span className={spec.required ? 'required' : undefined}>
      {spec.label}
      {spec.required ? null : <span className="muted"> (optional)</span>}
    </span>
  );
  if (spec.secret) return <SecretField id={id} spec={spec} label={label} draft={draft} disabled={disabled} onChange={onChange} error={error} />;
  if (spec.input === 'checkbox') {
    const checked = text === '' ? spec.schema.default === true : text === 'true';
    return (
      <label className="check">
        <input type="checkbox" name={spec.name} checked={checked} disabled={disabled} onChange={(e) => setText(String(e.target.checked))} />
        {spec.label}
      </label>
    );
  }
  return (
    <div className={`field ${error ? 'invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {spec.input === 'select' ? (
        <select id={id} {...described} name={spec.name} value={text} disabled={disabled} required={spec.required} onChange={(e) => setText(e.target.value)}>
          <option value="">{spec.schema.default !== undefined ? `default (${String(spec.schema.default)})` : 'choose…'}</option>
          {(spec.schema.enum ?? []).map((v) => (
            <option key={String(v)} value={String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
      ) : spec.input === 'json' ? (
        <textarea id={id} {...described} name={spec.name} rows={3} value={text} disabled={disabled} placeholder="JSON" spellCheck={false} onChange={(e) => setText(e.target.value)} />
      ) : (
        <input
          id={id}
          {...described}
          name={spec.name}
          type={spec.input === 'number' ? 'number' : spec.input === 'url' ? 'url' : 'text'}
          min={spec.schema.minimum}
          max={spec.schema.maximum}
          required={spec.required}
          value={text}
          disabled={disabled}
          placeholder={spec.input === 'list' ? 'comma-separated' : spec.schema.default !== undefined ? String(spec.schema.default) : undefined}
          onChange={(e) => setText(e.target.value)}
        />
      )}
      {error ? <FieldError id={`${id}-error`} message={error} /> : null}
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

function SecretField({ id, spec, label, draft, disabled, onChange, error }: { id: string; spec: FieldSpec; label: ReactNode; draft: ConfigDraft; disabled: boolean; onChange(draft: ConfigDraft): void; error?: string }) {
  const secret = draft.secrets[spec.name] ?? { mode: 'none' };
  const set = (next: SecretDraft) => onChange({ ...draft, secrets: { ...draft.secrets, [spec.name]: next } });
  return (
    <fieldset className="field secret">
      <legend>{label}</legend>
      <div className="inline-pair">
        <select aria-label={`How ${spec.label} is given`} {...(secret.mode === 'keep' || secret.mode === 'none' ? invalidProps(id, error) : {})} value={secret.mode} disabled={disabled} onChange={(e) => set(e.target.value === 'value' ? { mode: 'value', value: '' } : e.target.value === 'named' ? { mode: 'named', name: '' } : { mode: e.target.value as 'keep' | 'none' })}>
          {secret.mode === 'keep' ? <option value="keep">stored (unchanged)</option> : null}
          <option value="value">{secret.mode === 'keep' ? 'replace with a new value' : 'a value (stored encrypted)'}</option>
          <option value="named">a stored secret you set (by name)</option>
          {!spec.required ? <option value="none">none</option> : null}
        </select>
        {secret.mode === 'value' ? (
          <input id={id} {...invalidProps(id, error)} type="password" autoComplete="new-password" aria-label={`${spec.label} value`} value={secret.value} disabled={disabled} onChange={(e) => set({ mode: 'value', value: e.target.value })} />
        ) : null}
        {secret.mode === 'named' ? (
          <input id={id} {...invalidProps(id, error)} aria-label={`${spec.label} stored secret`} placeholder="secret-name" value={secret.name} disabled={disabled} onChange={(e) => set({ mode: 'named', name: e.target.value })} />
        ) : null}
      </div>
      {error ? <FieldError id={`${id}-error`} message={error} /> : null}
      <small className="muted">Write-only: it is never shown again.</small>
    </fieldset>
  );
}
