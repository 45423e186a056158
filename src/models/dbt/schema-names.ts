import type { DbtTarget } from '../../project/dbt/profiles.js';

/**
 * dbt's default generate_schema_name: no custom schema -> the target schema; a custom schema ->
 * `<target schema>_<custom>` (so developers sharing a warehouse never collide).
 */
export function defaultSchemaName(custom: string | null | undefined, target: DbtTarget): string {
  return custom ? `${target.schema}_${custom.trim()}` : target.schema;
}

/** dbt's default generate_alias_name: the alias config, else the node's name. */
export function defaultAliasName(custom: string | null | undefined, name: string): string {
  return custom ? custom.trim() : name;
}
