import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { CdpError } from '../../errors.js';
import { dateColumn } from '../time.js';

/** An audience kept in the state store (made in the UI or through the API), its definition read as `D`. */
export interface StoredAudienceOf<D> {
  id: string;
  name: string;
  definition: D & { name: string };
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored row whose definition cannot be read (edited by hand, or written by an older version). */
export interface BrokenStoredAudience {
  id: string;
  name: string;
  error: CdpError;
}

const TABLE = 'audiences';

const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  definition: z.string(),
  created_by: z.string().nullable(),
  created_at: dateColumn,
  updated_at: dateColumn,
});

/**
 * The `audiences` table of the state store (migration 0200_audiences). Definitions are stored as
 * JSON text and read through `parse` (the audience definition schema, given by src/audiences), so
 * a row that no longer parses is reported, not passed on.
 */
export class AudienceRepository<D> {
  constructor(
    private readonly knex: Knex,
    /** Reads a stored definition's JSON text. */
    private readonly parse: (json: string) => D,
  ) {}

  /** Every stored audience; one unreadable row is reported in `broken`, not a failure of the list. */
  async list(): Promise<{ audiences: Array<StoredAudienceOf<D>>; broken: BrokenStoredAudience[] }> {
    const rows: unknown[] = await this.knex(TABLE).select('*').orderBy('name');
    const audiences: Array<StoredAudienceOf<D>> = [];
    const broken: BrokenStoredAudience[] = [];
    for (const row of rows) {
      try {
        audiences.push(this.toStored(row));
      } catch (error) {
        const { id, name } = z.object({ id: z.unknown(), name: z.unknown() }).parse(row);
        const cdpError = error instanceof CdpError ? error : new CdpError('STATE', `stored audience row is unreadable: ${String(error)}`, { cause: error });
        broken.push({ id: String(id), name: String(name), error: cdpError });
      }
    }
    return { audiences, broken };
  }

  async get(name: string): Promise<StoredAudienceOf<D> | undefined> {
    const row: unknown = await this.knex(TABLE).where({ name }).first();
    return row === undefined ? undefined : this.toStored(row);
  }

  /** Creates the audience, or replaces the definition of the one with the same name. */
  async save(definition: D & { name: string }, createdBy: string | null = null): Promise<StoredAudienceOf<D>> {
    const now = new Date();
    const json = JSON.stringify(definition);
    return this.knex.transaction(async (trx) => {
      const existing: unknown = await trx(TABLE).where({ name: definition.name }).first();
      if (existing === undefined) {
        await trx(TABLE).insert({ id: randomUUID(), name: definition.name, definition: json, created_by: createdBy, created_at: now, updated_at: now });
      } else {
        await trx(TABLE).where({ name: definition.name }).update({ definition: json, updated_at: now });
      }
      return this.toStored(await trx(TABLE).where({ name: definition.name }).first());
    });
  }

  /** True when an audience was deleted. */
  async delete(name: string): Promise<boolean> {
    return (await this.knex(TABLE).where({ name }).delete()) > 0;
  }

  private toStored(value: unknown): StoredAudienceOf<D> {
    const parsedRow = rowSchema.safeParse(value);
    if (!parsedRow.success) {
      const name = typeof value === 'object' && value !== null && 'name' in value ? String(value.name) : '?';
      throw new CdpError('AUDIENCE_INVALID', `stored audience \`${name}\` is an unreadable row: ${parsedRow.error.issues[0]?.message ?? 'bad row'}`, {
        hint: 'delete it and save it again',
      });
    }
    const row = parsedRow.data;
    let definition: D & { name: string };
    try {
      definition = { ...this.parse(row.definition), name: row.name };
    } catch (error) {
      throw new CdpError('AUDIENCE_INVALID', `stored audience \`${row.name}\` has an unreadable definition: ${readError(error)}`, {
        cause: error,
        hint: 'save the audience again, or delete it',
      });
    }
    return { id: row.id, name: row.name, definition, createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at };
  }
}

function readError(error: unknown): string {
  if (error instanceof CdpError) return error.location.path ? `${error.location.path}: ${error.message}` : error.message;
  return error instanceof Error ? error.message : String(error);
}
