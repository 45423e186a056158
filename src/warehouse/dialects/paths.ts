import type { RelationRef } from '../types.js';

/**
 * The parts of `schema.name` for engines with three-part names (BigQuery `project.dataset.table`,
 * Snowflake `database.schema.table`): the last part is the table, the one before it the
 * schema/dataset, anything before that the project/database (kept whole: a domain-scoped
 * BigQuery project id such as `example.com:proj` contains a dot).
 */
export function dottedPath(ref: RelationRef): string[] {
  const parts = `${ref.schema}.${ref.name}`.split('.');
  if (parts.some((part) => part === '')) throw new TypeError(`invalid relation name ${ref.schema}.${ref.name}`);
  if (parts.length <= 3) return parts;
  const table = parts.pop()!;
  const schema = parts.pop()!;
  return [parts.join('.'), schema, table];
}
