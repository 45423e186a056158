import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { CdpError } from '../errors.js';
import { parseAudienceDefinition } from './parse.js';
import type { NamedAudienceDefinition } from './schema.js';

/** An audience kept in the state store (made in the UI or through the API). */
export interface StoredAudience {
  id: string;
  name: string;
  definition: NamedAudienceDefinition;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const TABLE = 'audiences';

/** Timestamps come back as Date (Postgres), epoch ms or ISO text (SQLite). */
const dateColumn = z.union([z.date(), z.number(), z.string()]).transform((v) => (v instanceof Date ? v : new Date(v)));

const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  definition: z.string(),
  created_by: z.string().nullable(),
  created_at: dateColumn,
  updated_at: dateColumn,
});

/** The `audiences` table of the state store (migration 0200_audiences). */
export class AudienceRepository {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<StoredAudience[]> {
    const rows: unknown[] = await this.knex(TABLE).select('*').orderBy('name');
    return rows.map(toStored);
  }

  async get(name: string): Promise<StoredAudience | undefined> {
    const row: unknown = await this.knex(TABLE).where({ name }).first();
    return row === undefined ? undefined : toStored(row);
  }

  /** Creates the audience, or replaces the definition of the one with the same name. */
  async save(definition: NamedAudienceDefinition, createdBy: string | null = null): Promise<StoredAudience> {
    const now = new Date();
    const json = JSON.stringify(definition);
    return this.knex.transaction(async (trx) => {
      const existing: unknown = await trx(TABLE).where({ name: definition.name }).first();
      if (existing === undefined) {
        await trx(TABLE).insert({ id: randomUUID(), name: definition.name, definition: json, created_by: createdBy, created_at: now, updated_at: now });
      } else {
        await trx(TABLE).where({ name: definition.name }).update({ definition: json, updated_at: now });
      }
      return toStored(await trx(TABLE).where({ name: definition.name }).first());
    });
  }

  /** True when an audience was deleted. */
  async delete(name: string): Promise<boolean> {
    return (await this.knex(TABLE).where({ name }).delete()) > 0;
  }
}

/**
 * Parsed definitions by their stored JSON text: every count of a saved audience lists the stored
 * audiences, and validating each definition again costs more than the rest of a cached count.
 * Parsing is pure, so the same text always gives the same definition (shared: treat as read-only).
 */
const PARSED_MAX = 2_000;
const parsed = new Map<string, ReturnType<typeof parseAudienceDefinition>>();

function parseStored(json: string): ReturnType<typeof parseAudienceDefinition> {
  let definition = parsed.get(json);
  if (definition === undefined) {
    definition = parseAudienceDefinition(JSON.parse(json));
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(json, definition);
  }
  return definition;
}

function toStored(value: unknown): StoredAudience {
  const row = rowSchema.parse(value);
  let definition: NamedAudienceDefinition;
  try {
    definition = { ...parseStored(row.definition), name: row.name };
  } catch (error) {
    throw new CdpError('STATE', `stored audience \`${row.name}\` has an unreadable definition: ${(error as Error).message}`, {
      cause: error,
      hint: 'save the audience again, or delete it',
    });
  }
  return { id: row.id, name: row.name, definition, createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at };
}
