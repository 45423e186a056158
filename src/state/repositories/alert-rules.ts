import type { Knex } from 'knex';
import { z } from 'zod';
import { CdpError } from '../../errors.js';
import { dateColumn } from '../time.js';

/** An alert rule kept in the state store (made in the UI or through the API), its definition read as `D`. */
export interface StoredAlertRuleOf<D> {
  name: string;
  /** A sync's name, or `*` for every sync. */
  scope: string;
  definition: D;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
}

const TABLE = 'alert_rules';
/** The scope of a rule for every sync. */
export const EVERY_SYNC = '*';

const rowSchema = z.object({
  name: z.string(),
  scope: z.string(),
  definition: z.string(),
  created_at: dateColumn,
  updated_at: dateColumn,
  created_by: z.string().nullable(),
  updated_by: z.string().nullable(),
});

/**
 * The `alert_rules` table (migration 0601_alert_rules). Definitions are JSON text read through
 * `parse` (given by src/syncs/alerts), so a row that no longer parses is reported by name.
 */
export class AlertRuleRepository<D> {
  constructor(
    private readonly knex: Knex,
    private readonly parse: (json: string) => D,
  ) {}

  private toStored(raw: unknown): StoredAlertRuleOf<D> {
    const row = rowSchema.parse(raw);
    let definition: D;
    try {
      definition = this.parse(row.definition);
    } catch (error) {
      throw new CdpError('STATE', `stored alert rule ${row.name} is unreadable: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'delete it (DELETE /api/alerts/rules/<name>) and create it again',
        cause: error,
      });
    }
    return { name: row.name, scope: row.scope, definition, createdAt: row.created_at, updatedAt: row.updated_at, createdBy: row.created_by, updatedBy: row.updated_by };
  }

  /**
   * Every stored rule by name (`forSync` narrows to one sync's rules and those for every sync); a
   * row that cannot be read is reported in `broken`, not a failure of the list.
   */
  async list(forSync?: string, db: Knex | Knex.Transaction = this.knex): Promise<{ rules: Array<StoredAlertRuleOf<D>>; broken: Array<{ name: string; error: CdpError }> }> {
    const query = db(TABLE).select('*').orderBy('name');
    if (forSync !== undefined) query.whereIn('scope', [forSync, EVERY_SYNC]);
    const rules: Array<StoredAlertRuleOf<D>> = [];
    const broken: Array<{ name: string; error: CdpError }> = [];
    for (const row of (await query) as unknown[]) {
      try {
        rules.push(this.toStored(row));
      } catch (error) {
        const name = String((row as { name?: unknown }).name);
        broken.push({ name, error: error instanceof CdpError ? error : new CdpError('STATE', `stored alert rule ${name} is unreadable`, { cause: error }) });
      }
    }
    return { rules, broken };
  }

  async find(name: string, db: Knex | Knex.Transaction = this.knex): Promise<StoredAlertRuleOf<D> | undefined> {
    const row: unknown = await db(TABLE).where({ name }).first();
    return row ? this.toStored(row) : undefined;
  }

  async insert(rule: { name: string; scope: string; definition: D }, actor: string | null, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    const now = Date.now();
    await db(TABLE).insert({ name: rule.name, scope: rule.scope, definition: JSON.stringify(rule.definition), created_at: now, updated_at: now, created_by: actor, updated_by: actor });
  }

  async update(rule: { name: string; scope: string; definition: D }, actor: string | null, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db(TABLE).where({ name: rule.name }).update({ scope: rule.scope, definition: JSON.stringify(rule.definition), updated_at: Date.now(), updated_by: actor });
  }

  async delete(name: string, db: Knex | Knex.Transaction = this.knex): Promise<boolean> {
    return (await db(TABLE).where({ name }).delete()) > 0;
  }
}
