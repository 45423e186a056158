import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { FreshnessRule, SourceTable } from './dbt/properties.js';
import { loadModels } from './load.js';
import { selectNodes } from './selection.js';

export interface FreshnessResult {
  table: SourceTable;
  status: 'pass' | 'warn' | 'error' | 'runtime error';
  maxLoadedAt: Date | null;
  ageSeconds: number | null;
  error: string | null;
}

const SECONDS: Record<FreshnessRule['period'], number> = { minute: 60, hour: 3600, day: 86400 };
const exceeded = (rule: FreshnessRule | null, age: number) => rule !== null && age > rule.count * SECONDS[rule.period];

/**
 * `cdp source freshness`: for each selected source table with a freshness rule, the newest
 * `loaded_at_field` (one MAX query in the warehouse) against warn_after / error_after, as dbt does.
 */
export async function sourceFreshness(project: Project, options: { select?: string[]; exclude?: string[]; onResult?: (result: FreshnessResult) => void } = {}): Promise<FreshnessResult[]> {
  const graph = loadModels(project);
  const nodes = graph.selectable();
  const select = options.select?.length ? options.select : ['source:*'];
  const chosen = selectNodes(nodes, select, options.exclude ?? [], { indirectTests: false });
  const tables = [...graph.env.sources.values()].flatMap((tables) => [...tables.values()]).filter((t) => chosen.has(`source:${t.source}.${t.table}`) && t.freshness && (t.freshness.warnAfter || t.freshness.errorAfter));
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const results: FreshnessResult[] = [];
  for (const table of tables) {
    if (!table.loadedAtField) {
      throw new CdpError('CONFIG_INVALID', `source ${table.source}.${table.table} has a freshness rule but no loaded_at_field`, { location: { file: table.file, line: table.line }, hint: 'add loaded_at_field: <timestamp column> to the table or its source' });
    }
    const where = table.freshness!.filter ? ` WHERE ${table.freshness!.filter}` : '';
    let result: FreshnessResult;
    try {
      const [row] = await warehouse.query<{ max_loaded_at: unknown; now: unknown }>(
        `SELECT MAX(${d.cast(table.loadedAtField, 'timestamp')}) AS max_loaded_at, ${d.cast(d.currentTimestampUtc(), 'timestamp')} AS now FROM ${d.relation({ schema: table.schema, name: table.identifier })}${where}`,
      );
      const max = row?.max_loaded_at ? new Date(row.max_loaded_at as string | Date) : null;
      const now = new Date(row?.now as string | Date);
      const age = max ? (now.getTime() - max.getTime()) / 1000 : Infinity;
      const status = exceeded(table.freshness!.errorAfter, age) ? 'error' : exceeded(table.freshness!.warnAfter, age) ? 'warn' : 'pass';
      result = { table, status, maxLoadedAt: max, ageSeconds: Number.isFinite(age) ? age : null, error: null };
    } catch (error) {
      result = { table, status: 'runtime error', maxLoadedAt: null, ageSeconds: null, error: (error as Error).message.split('\n')[0]! };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
