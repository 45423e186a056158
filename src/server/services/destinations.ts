import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor, AuditLog } from '../../audit/index.js';
import { isoOrNull, type SecretStore } from '../../state/index.js';
import { CdpError, formatPath } from '../../errors.js';
import type { SecretRef } from '../../config/index.js';
import type { FieldCatalog } from '../../destinations/index.js';
import { isStoredSecretRef, safeExcerpt, scrubSecrets, secretResolver, type SecretResolver } from '../../secrets/index.js';
import { isEnvRef, isKeepMarker, requireOwnSecret } from './api-secrets.js';

/** What the service needs to know about a destination type (wired from src/destinations/registry.ts). */
export interface DestinationTypeInfo {
  type: string;
  /** Validates a stored config (secret fields hold `{secret: name}` references). */
  config: z.ZodType;
  /** "Test connection": resolves references through `resolve`, then calls the vendor. */
  check(config: unknown, resolve: SecretResolver): Promise<void>;
  modes?: readonly string[];
  /** What the type declares about itself (display name, docs, field catalogue, secret and target fields). */
  about?: {
    displayName: string;
    label?: string;
    docs: string;
    fields?: FieldCatalog;
    secretFields: readonly string[];
    /** Config fields deciding where rows go; undefined: every field counts. */
    targetFields?: readonly string[];
  };
  /** The trust rule at save time: throws INVALID_INPUT (at the field) for a target the project does not allow. */
  admit?(config: Record<string, unknown>): Promise<void>;
}

export interface DestinationCatalog {
  get(type: string): DestinationTypeInfo | undefined;
  types(): string[];
  /** Config fields a type expects as secrets, for catalogs without `about`. */
  secretFields?(type: string): string[];
}

/** A destination as the API shows it: secret fields read `{"set": true}`, never a value. */
export interface DestinationView {
  name: string;
  type: string;
  config: Record<string, unknown>;
  /** Config fields that hold a stored secret. */
  secretFields: string[];
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
}

export const destinationNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'lower-case letters, digits, "-" and "_", starting with a letter or digit');

const configObject = z.record(z.string(), z.unknown());
/** Keys are config field paths: `api_key`, or `headers.Authorization` for a nested field. */
const secretValues = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/, 'a config field path like api_key or headers.Authorization'),
  z.string().min(1).max(16_384),
);

export const destinationCreateSchema = z
  .object({
    name: destinationNameSchema,
    type: z.string().min(1).max(64),
    config: configObject.default({}),
    /** Write-only: field → plaintext. Stored encrypted; the config field becomes a reference to it. */
    secrets: secretValues.default({}),
  })
  .strict();

export const destinationUpdateSchema = z
  .object({
    type: z.string().min(1).max(64).optional(),
    /** The full new config; a secret field sent back as `{"set": true}` keeps its stored value. */
    config: configObject.optional(),
    secrets: secretValues.default({}),
  })
  .strict();

/** A destination type as `/api/destination-types` describes it (for forms and the mapping editor). */
export interface DestinationTypeView {
  type: string;
  displayName: string;
  label?: string;
  /** Its documentation page, relative to the repository. */
  docs?: string;
  modes: readonly string[];
  secretFields: string[];
  /** Config fields deciding where rows go: changing one clears the stored secrets (null: any field). */
  targetFields: string[] | null;
  /** Destination fields the vendor documents (the field catalogue). */
  fields: Array<FieldCatalog['known'][number]>;
  /** Whether other destination field names are accepted too. */
  openFields: boolean;
  fieldRule?: string;
  configSchema: unknown;
}

export type DestinationCreate = z.output<typeof destinationCreateSchema>;
export type DestinationUpdate = z.output<typeof destinationUpdateSchema>;

interface DestinationRow {
  name: string;
  type: string;
  config: string;
  created_at: unknown;
  updated_at: unknown;
  created_by: string | null;
  updated_by: string | null;
}

export const secretName = (destination: string, field: string): string => `destination:${destination}:${field}`;
const KEEP = { set: true } as const;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The config with every stored-secret reference replaced by `{"set": true}`, and the paths of those fields. */
function masked(config: Record<string, unknown>, prefix = ''): { config: Record<string, unknown>; secretFields: string[] } {
  const out: Record<string, unknown> = {};
  const secretFields: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isStoredSecretRef(value)) {
      out[key] = KEEP;
      secretFields.push(path);
    } else if (isPlainObject(value)) {
      const inner = masked(value, path);
      out[key] = inner.config;
      secretFields.push(...inner.secretFields);
    } else out[key] = value;
  }
  return { config: out, secretFields };
}

function getPath(config: Record<string, unknown>, path: string): unknown {
  let node: unknown = config;
  for (const part of path.split('.')) node = isPlainObject(node) ? node[part] : undefined;
  return node;
}

function setPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = config;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function toView(row: DestinationRow): DestinationView {
  const parsed = JSON.parse(row.config) as Record<string, unknown>;
  const { config, secretFields } = masked(parsed);
  return {
    name: row.name,
    type: row.type,
    config,
    secretFields,
    createdAt: isoOrNull(row.created_at)!,
    updatedAt: isoOrNull(row.updated_at)!,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
  };
}

const emptyCatalog: DestinationCatalog = { get: () => undefined, types: () => [] };

/**
 * Destinations configured through the API, with their credentials in the encrypted secret store.
 * Plaintext secrets go in (`secrets`), references are stored, `{"set": true}` comes out.
 */
export class DestinationService {
  private catalog: DestinationCatalog = emptyCatalog;

  constructor(
    private readonly knex: Knex,
    private readonly secrets: SecretStore,
    private readonly audit: AuditLog,
  ) {}

  /** Plugs in the destination types (src/destinations) once they are available. */
  useCatalog(catalog: DestinationCatalog): void {
    this.catalog = catalog;
  }

  types(): DestinationTypeView[] {
    return this.catalog.types().map((type) => {
      const info = this.catalog.get(type)!;
      const about = info.about;
      return {
        type,
        displayName: about?.displayName ?? type,
        ...(about?.label ? { label: about.label } : {}),
        ...(about?.docs ? { docs: about.docs } : {}),
        modes: info.modes ?? [],
        secretFields: [...(about?.secretFields ?? this.catalog.secretFields?.(type) ?? [])],
        targetFields: about?.targetFields ? [...about.targetFields] : null,
        fields: [...(about?.fields?.known ?? [])],
        openFields: about?.fields?.open ?? true,
        ...(about?.fields?.rule ? { fieldRule: about.fields.rule } : {}),
        configSchema: z.toJSONSchema(info.config, { io: 'input', unrepresentable: 'any' }),
      };
    });
  }

  async list(): Promise<DestinationView[]> {
    return (await this.knex<DestinationRow>('destinations').select('*').orderBy('name')).map(toView);
  }

  async get(name: string): Promise<DestinationView> {
    return toView(await this.row(name));
  }

  /** The stored config with secret references (for the sync engine; resolve with the secret store). */
  async storedConfig(name: string): Promise<{ type: string; config: Record<string, unknown> }> {
    const row = await this.row(name);
    return { type: row.type, config: JSON.parse(row.config) as Record<string, unknown> };
  }

  private async row(name: string): Promise<DestinationRow> {
    const row = await this.knex<DestinationRow>('destinations').where({ name }).first();
    if (!row) {
      throw new CdpError('NOT_FOUND', `no destination named ${name}`, { location: { path: 'params.name' }, hint: 'GET /api/destinations lists them' });
    }
    return row;
  }

  async create(input: DestinationCreate, actor: Actor): Promise<DestinationView> {
    if (await this.knex('destinations').where({ name: input.name }).first('name')) {
      throw new CdpError('CONFLICT', `a destination named ${input.name} already exists`, { location: { path: 'body.name' }, hint: 'choose another name or update it' });
    }
    const { config } = await this.assemble({ name: input.name, type: input.type, config: input.config, secrets: input.secrets, stored: {}, actor });
    const now = Date.now();
    await this.knex.transaction(async (trx) => {
      await trx('destinations').insert({
        name: input.name,
        type: input.type,
        config: JSON.stringify(config),
        created_at: now,
        updated_at: now,
        created_by: actor.email,
        updated_by: actor.email,
      });
      for (const [field, value] of Object.entries(input.secrets)) await this.secrets.set(secretName(input.name, field), value, actor.email, trx);
      await this.audit.record(
        { actor, action: 'destination.create', resourceType: 'destination', resourceId: input.name, details: { type: input.type, fields: Object.keys(config), secretsSet: Object.keys(input.secrets) } },
        trx,
      );
    });
    return this.get(input.name);
  }

  /**
   * Replaces a destination's config. Changing where it sends (a target field such as a URL or a
   * path, or the type) clears its stored secrets unless the same request sends them again:
   * `{"set": true}` does not carry a credential to a new place (`secretsCleared` lists them).
   */
  async update(name: string, input: DestinationUpdate, actor: Actor): Promise<DestinationView & { secretsCleared: string[] }> {
    const row = await this.row(name);
    const stored = JSON.parse(row.config) as Record<string, unknown>;
    const type = input.type ?? row.type;
    const requested = input.config ?? masked(stored).config;
    const repointed = type !== row.type || this.targetsChanged(type, stored, requested);
    const { config, cleared } = await this.assemble({ name, type, config: requested, secrets: input.secrets, stored, actor, repointed });
    // The destination's own stored secrets no longer referenced (replaced, removed or cleared by a re-point).
    const dropped = masked(stored).secretFields.filter((field) => {
      const now = getPath(config, field);
      return !(isStoredSecretRef(now) && now.secret === secretName(name, field));
    });
    await this.knex.transaction(async (trx) => {
      await trx('destinations').where({ name }).update({ type, config: JSON.stringify(config), updated_at: Date.now(), updated_by: actor.email });
      for (const field of dropped) await this.secrets.delete(secretName(name, field), trx);
      for (const [field, value] of Object.entries(input.secrets)) await this.secrets.set(secretName(name, field), value, actor.email, trx);
      await this.audit.record(
        {
          actor,
          action: 'destination.update',
          resourceType: 'destination',
          resourceId: name,
          details: { type, changedFields: changedFields(stored, config), secretsSet: Object.keys(input.secrets), secretsRemoved: dropped, repointed },
        },
        trx,
      );
    });
    return { ...(await this.get(name)), secretsCleared: cleared };
  }

  /** Whether a target field (where rows go) differs; without declared targets, any non-secret field counts. */
  private targetsChanged(type: string, stored: Record<string, unknown>, requested: Record<string, unknown>): boolean {
    const targets = this.catalog.get(type)?.about?.targetFields;
    const before = masked(stored).config;
    const keys = targets ?? [...new Set([...Object.keys(before), ...Object.keys(requested)])];
    return keys.some((key) => JSON.stringify(before[key]) !== JSON.stringify(requested[key]) && !isKeepMarker(requested[key]));
  }

  async remove(name: string, actor: Actor): Promise<void> {
    await this.row(name);
    const users = await this.knex('ui_syncs').where({ destination: name }).orderBy('name').select<{ name: string }[]>('name');
    if (users.length) {
      throw new CdpError('CONFLICT', `destination ${name} is used by sync(s) ${users.map((u) => u.name).join(', ')}`, {
        location: { path: 'params.name' },
        hint: 'delete those syncs or point them at another destination first',
      });
    }
    await this.knex.transaction(async (trx) => {
      await trx('destinations').where({ name }).delete();
      await this.secrets.deletePrefix(`destination:${name}:`, trx);
      await this.audit.record({ actor, action: 'destination.delete', resourceType: 'destination', resourceId: name }, trx);
    });
  }

  /**
   * "Test connection": never throws for a vendor failure, reports it. The destination is opened
   * with the trust of API input (no {env}, the network policy, the files root); the message is
   * scrubbed of every secret in all encodings and cut to a bounded excerpt.
   */
  async test(name: string, actor: Actor): Promise<{ ok: boolean; message: string }> {
    const { type, config } = await this.storedConfig(name);
    const info = this.requireType(type, 'params.name');
    const revealed: string[] = [];
    const base = secretResolver(this.secrets);
    const resolve: SecretResolver = async (ref: SecretRef, path: string) => {
      const value = await base(ref, path);
      revealed.push(value);
      return value;
    };
    let result: { ok: boolean; message: string };
    try {
      await info.check(config, resolve);
      result = { ok: true, message: 'connection works' };
    } catch (error) {
      const message = error instanceof CdpError ? error.oneLine() : error instanceof Error ? error.message : String(error);
      result = { ok: false, message: safeExcerpt(scrubSecrets(message, revealed), 500) };
    }
    await this.audit.record({ actor, action: 'destination.test', resourceType: 'destination', resourceId: name, outcome: result.ok ? 'ok' : 'error' });
    return result;
  }

  private requireType(type: string, path: string): DestinationTypeInfo {
    const info = this.catalog.get(type);
    if (!info) {
      const known = this.catalog.types();
      throw new CdpError('INVALID_INPUT', `unknown destination type ${type}`, {
        location: { path },
        hint: known.length ? `one of: ${known.join(', ')}` : 'no destination types are installed in this build',
      });
    }
    return info;
  }

  /**
   * Builds the config to store from API input, under the trust rule: `{env}` is refused;
   * `{"set": true}` keeps a stored secret (unless the destination is re-pointed); `secrets`
   * become references to the encrypted store; `{"secret": name}` may name a stored secret the
   * same person set (PUT /api/secrets/:name), never another destination's; the result must pass
   * the type's schema and its targets the project's network policy and files root. Throws
   * before anything is written.
   */
  private async assemble(input: {
    name: string;
    type: string;
    config: Record<string, unknown>;
    secrets: Record<string, string>;
    stored: Record<string, unknown>;
    actor: Actor;
    repointed?: boolean;
  }): Promise<{ config: Record<string, unknown>; cleared: string[] }> {
    const { name, secrets, stored } = input;
    const info = this.requireType(input.type, 'body.type');
    const cleared: string[] = [];
    const named: Array<{ field: string; secret: string }> = [];
    const walk = (value: Record<string, unknown>, prefix: string): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const field = prefix ? `${prefix}.${key}` : key;
        if (isEnvRef(item)) {
          throw new CdpError('INVALID_INPUT', `config.${field} reads environment variable ${item.env}: destinations created over the API may not read the service's environment`, {
            location: { path: `body.config.${field}` },
            hint: `send the value in secrets["${field}"] (stored encrypted), or name a stored secret with {"secret": "name"}; {env} is for destinations in git`,
          });
        }
        if (isKeepMarker(item)) {
          const kept = getPath(stored, field);
          if (field in secrets) continue; // set below
          if (!isStoredSecretRef(kept)) {
            throw new CdpError('INVALID_INPUT', `config.${field} is {"set": true} but no secret is stored for it`, {
              location: { path: `body.config.${field}` },
              hint: `send the value in secrets["${field}"]`,
            });
          }
          if (input.repointed) cleared.push(field);
          else out[key] = kept;
        } else if (isStoredSecretRef(item)) {
          named.push({ field, secret: item.secret });
          out[key] = item;
        } else out[key] = isPlainObject(item) ? walk(item, field) : item;
      }
      return out;
    };
    const out = walk(input.config, '');
    for (const ref of named) await this.requireOwnSecret(ref, input.actor, stored);
    for (const field of Object.keys(secrets)) setPath(out, field, { secret: secretName(name, field) });
    const parsed = info.config.safeParse(out);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const issuePath = formatPath(issue.path);
      if (cleared.includes(issuePath)) {
        throw new CdpError('INVALID_INPUT', `config.${issuePath}: changing where the destination sends cleared its stored secret ${issuePath}`, {
          location: { path: `body.secrets.${issuePath}` },
          hint: `send it again in secrets["${issuePath}"] in the same request`,
        });
      }
      const part = Object.keys(secrets).some((field) => issuePath === field || issuePath.startsWith(`${field}.`)) ? 'secrets' : 'config';
      throw new CdpError('INVALID_INPUT', `${part}.${issuePath}: ${issue.message}`, {
        location: { path: formatPath(['body', part, ...issue.path]) },
        hint: 'secret fields (tokens, keys, passwords) go in `secrets`, everything else in `config`',
      });
    }
    await info.admit?.(out);
    return { config: out, cleared };
  }

  /** A `{"secret": name}` in API input: one the same person set, or the one this destination already holds there. */
  private async requireOwnSecret(ref: { field: string; secret: string }, actor: Actor, stored: Record<string, unknown>): Promise<void> {
    const already = getPath(stored, ref.field);
    await requireOwnSecret(this.secrets, { field: `config.${ref.field}`, path: `body.config.${ref.field}`, secret: ref.secret }, actor, isStoredSecretRef(already) ? already.secret : undefined);
  }
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}
