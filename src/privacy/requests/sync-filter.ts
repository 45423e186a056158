import { SUPPRESSIONS_TABLE } from '../../identity/index.js';
import { registerPlanFilterProvider, type PlanFilter, type PlanFilterProvider } from '../../syncs/index.js';

/**
 * Syncs honour erasures too. Audience syncs read profiles, which no longer hold an erased person;
 * a sync from a model (the customer's own table, e.g. keyed by email) may still see their row, so
 * its plan holds back rows whose key — or a mapped column named like an id type (email, phone,
 * user_id...) — equals a suppressed identifier (compared trimmed and lower-cased).
 */
export const SUPPRESSION_FILTER = 'privacy:suppressed';

export const suppressionFilterProvider: PlanFilterProvider = async ({ project, sync }) => {
  if (!('model' in sync.definition.from)) return [];
  const warehouse = await project.warehouse();
  const table = { schema: project.schema, name: SUPPRESSIONS_TABLE };
  if (!(await warehouse.relationExists(table))) return [];
  const idTypes = Object.keys(project.config.identity?.idTypes ?? {}).map((t) => t.toLowerCase());
  const looksLikeId = (name: string) => idTypes.some((t) => name.toLowerCase().includes(t));
  const columns = new Set<string>([sync.definition.key]);
  for (const [field, column] of Object.entries(sync.definition.fields)) if (looksLikeId(field) || looksLikeId(column)) columns.add(column);
  const filter: PlanFilter = {
    name: SUPPRESSION_FILTER,
    predicate(alias, d) {
      const values = [...columns].map((c) => `LOWER(TRIM(${d.cast(`${alias}.${d.quoteIdent(c)}`, 'string')}))`);
      return `NOT EXISTS (SELECT 1 FROM ${d.relation(table)} cdp_suppressed WHERE LOWER(TRIM(cdp_suppressed.id_value)) IN (${values.join(', ')}))`;
    },
  };
  return [filter];
};

let registered = false;

/** Adds the filter to every sync planned in this process (once). */
export function registerSuppressionFilter(): void {
  if (registered) return;
  registered = true;
  registerPlanFilterProvider(suppressionFilterProvider);
}
