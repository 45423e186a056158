import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { nameSchema, secretRefSchema } from '../config/index.js';
import { cronProblem } from '../scheduler/cron.js';
import { SYNC_MODES, VALUE_FORMATS, type ValueFormat } from '../destinations/index.js';
import { CdpError, formatPath } from '../errors.js';

/** A cron expression of five fields (the scheduler's check). */
export const syncScheduleSchema = z.string().max(128).refine((expr) => cronProblem(expr) === undefined, 'a cron expression with five fields, e.g. "0 */6 * * *"');

/** Which of a profile's identifiers of one type a field sends (identifier-sql.ts). */
export const identifierPreferSchema = z.union([
  z.enum(['most_recent', 'most_frequent']),
  z.object({ sources: z.array(nameSchema).min(1).max(50) }).strict(),
]);
export type IdentifierPrefer = z.infer<typeof identifierPreferSchema>;

const columnName = z.string().min(1).max(200);

/**
 * One destination field, in a sync file and in the API's sync bodies alike: a column name, or
 * - `{ column, as: date | datetime | month_day }`: the column written the way the vendor's field wants it;
 * - `{ identifier: <id type>, prefer: most_recent | most_frequent | { sources: [...] } }`: the
 *   profile's preferred identifier of that type from the identity graph (normalised, junk-free).
 */
export const fieldMappingSchema = z.union(
  [
    columnName,
    z.object({ column: columnName, as: z.enum(VALUE_FORMATS) }).strict(),
    z.object({ identifier: z.string().min(1).max(64), prefer: identifierPreferSchema.default('most_recent') }).strict(),
  ],
  {
    error:
      'write a column name, { column: <column>, as: date | datetime | month_day }, or ' +
      '{ identifier: <id type>, prefer: most_recent | most_frequent | { sources: [<source>, ...] } }',
  },
);

/** A field as written: a column name, `{ column, as }` or `{ identifier, prefer }` (prefer filled in). */
export type FieldMapping = z.output<typeof fieldMappingSchema>;

/**
 * The fields of a sync, one schema for every way a sync is written: `syncs/<name>.yaml` (below)
 * and the API (src/server/services/syncs.ts, whose `destination` names a stored destination):
 *   name, from {audience}|{model}|{priority_list, slot}, key, destination {type, config}, mode, fields, schedule.
 */
export const syncFieldsSchema = z.object({
  name: nameSchema,
  from: z.union([
    z.object({ audience: nameSchema, split: nameSchema.optional() }).strict(),
    z.object({ model: z.string().min(1).max(512) }).strict(),
    /** One slot of a saved priority list: the profiles whose first audience in the list is `slot`. */
    z.object({ priority_list: nameSchema, slot: nameSchema }).strict(),
  ]),
  /** Column that identifies a row; defaults to profile_id for audiences. */
  key: z.string().min(1).max(200).optional(),
  destination: z
    .object({
      type: z.string().min(1),
      config: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
  mode: z.enum(SYNC_MODES).default('upsert'),
  /** Destination field <- column of the audience/model, `{ column, as }` or `{ identifier, prefer }`. */
  fields: z
    .record(z.string().min(1).max(200), fieldMappingSchema)
    .refine((fields) => Object.keys(fields).length > 0, 'map at least one field (destination field: column)'),
  schedule: syncScheduleSchema.nullish(),
});

/** What a field carries besides its column. */
export type FieldRule = { as: ValueFormat } | { identifier: string; prefer: IdentifierPrefer };

/** The column an `{ identifier }` field reads: added to the sync's rows by identifier-sql.ts. */
export function identifierColumn(field: string): string {
  return `cdp_identifier__${field}`;
}

/** Field mappings as the engine reads them: the column of every field, and the rules beyond columns. */
export function splitFieldMappings(mappings: Record<string, FieldMapping>): Pick<SyncDefinition, 'fields' | 'fieldRules'> {
  const fields: Record<string, string> = {};
  const fieldRules: Record<string, FieldRule> = {};
  for (const [field, mapping] of Object.entries(mappings)) {
    if (typeof mapping === 'string') fields[field] = mapping;
    else if ('column' in mapping) {
      fields[field] = mapping.column;
      fieldRules[field] = { as: mapping.as };
    } else {
      fields[field] = identifierColumn(field);
      fieldRules[field] = { identifier: mapping.identifier, prefer: mapping.prefer };
    }
  }
  return { fields, ...(Object.keys(fieldRules).length ? { fieldRules } : {}) };
}

/** The inverse of splitFieldMappings: the mappings as written (for the API, which round-trips them). */
export function fieldMappingsOf(definition: Pick<SyncDefinition, 'fields' | 'fieldRules'>): Record<string, FieldMapping> {
  const out: Record<string, FieldMapping> = {};
  for (const [field, column] of Object.entries(definition.fields)) {
    const rule = definition.fieldRules?.[field];
    out[field] = !rule ? column : 'as' in rule ? { column, as: rule.as } : { identifier: rule.identifier, prefer: rule.prefer };
  }
  return out;
}

/**
 * What each field reads, for listings: the column, or for `{ identifier }` fields where it comes
 * from ("identity graph: email, most_recent") rather than the internal column name.
 */
export function fieldSources(definition: Pick<SyncDefinition, 'fields' | 'fieldRules'>): Record<string, string> {
  const out = { ...definition.fields };
  for (const [field, rule] of Object.entries(definition.fieldRules ?? {})) {
    if (!('identifier' in rule)) continue;
    const prefer = typeof rule.prefer === 'string' ? rule.prefer : `sources ${rule.prefer.sources.join(' > ')}`;
    out[field] = `identity graph: ${rule.identifier}, ${prefer}`;
  }
  return out;
}

/** The rule across fields: a model has no profile_id to fall back on. */
export function modelNeedsKey(sync: { from: SyncFrom; key?: string | undefined }, ctx: z.RefinementCtx): void {
  if ('model' in sync.from && !sync.key) {
    ctx.addIssue({ code: 'custom', path: ['key'], message: 'a sync from a model needs key: <its primary key column>' });
  }
}

/** A sync as written in `syncs/<name>.yaml`. */
export const syncDefinitionSchema = syncFieldsSchema.strict().superRefine(modelNeedsKey);

export type SyncDefinitionInput = z.input<typeof syncDefinitionSchema>;

/** What a sync reads: an audience (or one split group of it), a model, or one slot of a priority list. */
export type SyncFrom = { audience: string; split?: string } | { model: string } | { priority_list: string; slot: string };

/** "audience vip (split treatment)", "model cdp.x", "priority list offers (slot vip)": for messages and listings. */
export function describeSyncFrom(from: SyncFrom): string {
  if ('model' in from) return `model ${from.model}`;
  if ('priority_list' in from) return `priority list ${from.priority_list} (slot ${from.slot})`;
  return `audience ${from.audience}${from.split ? ` (split ${from.split})` : ''}`;
}

/** A validated sync definition with its defaults filled in. */
export interface SyncDefinition {
  name: string;
  from: SyncFrom;
  key: string;
  destination: { type: string; config: Record<string, unknown> };
  mode: (typeof SYNC_MODES)[number];
  /** Destination field -> the column it reads (for `{ identifier }` fields, identifierColumn(field)). */
  fields: Record<string, string>;
  /** Fields written as `{ column, as }` or `{ identifier, prefer }`. */
  fieldRules?: Record<string, FieldRule>;
  schedule: string | null;
}

/** Where a definition was written (its file and lines), for error messages. */
export interface DefinitionLocation {
  /** The YAML file (relative to the project when possible). */
  file?: string;
  /** Finds the 1-based line of a field path in that file. */
  lineOf?: (path: ReadonlyArray<PropertyKey>) => number | undefined;
}

const SECRET_KEY = /(secret|token|password|passwd|api[-_]?key|apikey|authorization|credential|private[-_]?key)$/i;

/**
 * Credentials must be references ({env: NAME} or {secret: name}): a literal string under a key
 * that names a credential would end up in git.
 */
function literalSecretPath(value: unknown, path: PropertyKey[]): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // `{env: NAME}` and `{secret: name}` are references, not literal secrets.
  if (secretRefSchema.safeParse(value).success) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string' && SECRET_KEY.test(key)) return [...path, key];
    const nested = literalSecretPath(child, [...path, key]);
    if (nested) return nested;
  }
  return undefined;
}

export function invalid(message: string, path: ReadonlyArray<PropertyKey>, location: DefinitionLocation, hint: string): CdpError {
  return new CdpError('SYNC_INVALID', message, {
    location: { file: location.file, line: location.lineOf?.(path), path: formatPath(path) || undefined },
    hint,
  });
}

/** Validates a parsed definition (from YAML or JSON). */
export function parseSyncDefinition(value: unknown, location: DefinitionLocation = {}): SyncDefinition {
  const secretPath = literalSecretPath((value as { destination?: { config?: unknown } } | null)?.destination?.config, ['destination', 'config']);
  if (secretPath) {
    const name = String(secretPath[secretPath.length - 1]);
    throw invalid(`${name} is written as a literal secret`, secretPath, location, `write it as a reference: ${name}: { env: SOME_VARIABLE } (never put credentials in git)`);
  }
  const parsed = syncDefinitionSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
    throw invalid(`invalid sync: ${issue.message}${more}`, issue.path, location, 'see docs/syncs.md for the shape of a sync');
  }
  const d = parsed.data;
  return {
    name: d.name,
    from: d.from,
    key: d.key ?? 'profile_id',
    destination: { type: d.destination.type, config: d.destination.config },
    mode: d.mode,
    ...splitFieldMappings(d.fields),
    schedule: d.schedule ?? null,
  };
}

function lineFinder(doc: Document, counter: LineCounter): (path: ReadonlyArray<PropertyKey>) => number | undefined {
  return (path) => {
    // The deepest node that exists along the path: a missing key points at its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

/** Parses a sync YAML file; `defaultName` (the file's stem) is used when it has no `name`. */
export function parseSyncYaml(text: string, file: string, defaultName?: string): SyncDefinition {
  return readSyncYaml(text, file, defaultName).definition;
}

/** Like parseSyncYaml, also returning the line finder later checks use to point at the line at fault. */
export function readSyncYaml(text: string, file: string, defaultName?: string): { definition: SyncDefinition; location: DefinitionLocation } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const location: DefinitionLocation = { file, lineOf: lineFinder(doc, counter) };
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new CdpError('SYNC_INVALID', `YAML syntax error: ${error.message.split('\n')[0]}`, {
      location: { file, line: counter.linePos(error.pos[0]).line },
      hint: 'fix the YAML syntax',
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CdpError('SYNC_INVALID', 'a sync file must be a mapping (name, from, destination, fields...)', { location: { file, line: 1 } });
  }
  const withName = { ...(value as Record<string, unknown>) };
  if (withName.name === undefined && defaultName) withName.name = defaultName;
  const definition = parseSyncDefinition(withName, location);
  if (defaultName && definition.name !== defaultName) {
    throw invalid(`the sync is named "${definition.name}" but its file is ${defaultName}.yaml`, ['name'], location, `rename the file to ${definition.name}.yaml or change name`);
  }
  return { definition, location };
}
