import type { CdpConfig } from '../config/index.js';
import { CdpError } from '../errors.js';
import { closestName } from '../models/index.js';
import type { Project } from '../project/index.js';
import type { ColumnInfo, Warehouse } from '../warehouse/index.js';
import { parseBlocklistEntry } from './junk.js';
import { SUPPORTED_PHONE_REGIONS } from './phone.js';
import type { IdentityPlan, SourcePlan } from './plan.js';
import { generatedProfileColumns } from './profiles.js';

/**
 * Everything checked before a single table is written: the config against itself, then against
 * the warehouse (relations and columns exist, keys are unique, trait SQL compiles). The first
 * problem is thrown as IDENTITY_INVALID with the config path and what to change.
 */
export async function validateIdentity(
  project: Project,
  plan: IdentityPlan,
  warehouse: Warehouse,
  options: { watermarks?: ReadonlyMap<string, Date> } = {},
): Promise<string[]> {
  const warnings = validateConfig(project, plan);
  const columnsBySource = new Map<string, ColumnInfo[]>();
  for (const source of plan.sources) {
    const columns = await checkSourceColumns(project, warehouse, source);
    columnsBySource.set(source.name, columns);
  }
  await checkTraits(project, plan, warehouse, columnsBySource);
  for (const source of plan.sources) await checkKeyUnique(project, warehouse, source, options.watermarks?.get(source.name));
  return warnings;
}

function invalid(project: Project, path: string, message: string, hint: string): CdpError {
  return new CdpError('IDENTITY_INVALID', message, { location: { file: project.configFile, path }, hint });
}

function validateConfig(project: Project, plan: IdentityPlan): string[] {
  const warnings: string[] = [];
  const declared = new Set(plan.types.map((t) => t.name));
  const used = new Set<string>();
  const names = new Set<string>();
  for (const source of plan.sources) {
    if (names.has(source.name)) {
      throw invalid(project, `identity.sources[${source.index}].name`, `two identity sources are named ${source.name}`, 'give each source a unique name');
    }
    names.add(source.name);
    for (const { idType } of source.ids) {
      used.add(idType);
      if (!declared.has(idType)) {
        const near = closestName(idType, declared);
        throw invalid(
          project,
          `identity.sources[${source.index}].ids.${idType}`,
          `id type ${idType} is used by source ${source.name} but not declared in identity.idTypes`,
          near ? `did you mean ${near}? Otherwise declare it, e.g. identity.idTypes.${idType} = { priority: 5 }` : `declare it, e.g. identity.idTypes.${idType} = { priority: 5 }, or remove it from the source`,
        );
      }
    }
  }
  for (const type of plan.types) {
    if (!used.has(type.name)) warnings.push(`id type ${type.name} is declared in identity.idTypes but no source has a column for it`);
    if (type.normalize === 'phone' && type.defaultRegion && !SUPPORTED_PHONE_REGIONS.includes(type.defaultRegion)) {
      throw invalid(
        project,
        `identity.idTypes.${type.name}.defaultRegion`,
        `phone region ${type.defaultRegion} is not supported`,
        `use one of ${SUPPORTED_PHONE_REGIONS.join(', ')}, or leave it out to accept only international numbers (+CC or 00CC)`,
      );
    }
  }
  for (const [typeName, entries] of Object.entries(plan.blocklist)) {
    if (!declared.has(typeName)) {
      throw invalid(project, `identity.blocklist.${typeName}`, `the blocklist names id type ${typeName}, which is not declared`, `use one of ${[...declared].join(', ')}`);
    }
    entries.forEach((entry, i) => {
      const parsed = parseBlocklistEntry(entry);
      if (!('regex' in parsed)) return;
      try {
        new RegExp(parsed.regex.replace(/^\(\?i\)/, ''));
      } catch (error) {
        throw invalid(project, `identity.blocklist.${typeName}[${i}]`, `invalid regex ${entry}: ${(error as Error).message}`, 'write a regex between slashes, e.g. /@mailinator\\.com$/');
      }
    });
  }
  return warnings;
}

async function checkSourceColumns(project: Project, warehouse: Warehouse, source: SourcePlan): Promise<ColumnInfo[]> {
  const base = `identity.sources[${source.index}]`;
  const columns = await warehouse.listColumns(source.relation);
  if (columns.length === 0) {
    throw invalid(
      project,
      `${base}.relation`,
      `source ${source.name}: relation ${source.relation.schema}.${source.relation.name} does not exist in the warehouse`,
      'build the model first (`cdp run` builds models before identity), or name an existing `schema.table`',
    );
  }
  const names = columns.map((c) => c.name);
  const need = (column: string, path: string, role: string): ColumnInfo => {
    const found = columns.find((c) => c.name === column);
    if (found) return found;
    const near = closestName(column, names);
    throw invalid(
      project,
      path,
      `source ${source.name}: column ${column} (${role}) is not in ${source.relation.schema}.${source.relation.name}`,
      `${near ? `did you mean ${near}? ` : ''}columns are: ${names.join(', ')}`,
    );
  };
  need(source.key, `${base}.key`, 'key');
  const ts = need(source.timestamp, `${base}.timestamp`, 'timestamp');
  if (ts.kind !== 'timestamp' && ts.kind !== 'date') {
    throw invalid(project, `${base}.timestamp`, `source ${source.name}: column ${source.timestamp} is ${ts.type}, not a timestamp`, 'name a TIMESTAMP or DATE column, or cast it in the model');
  }
  for (const { idType, column } of source.ids) need(column, `${base}.ids.${idType}`, `id type ${idType}`);
  return columns;
}

async function checkKeyUnique(project: Project, warehouse: Warehouse, source: SourcePlan, since: Date | undefined): Promise<void> {
  const d = warehouse.dialect;
  const key = d.quoteIdent(source.key);
  const rel = d.relation(source.relation);
  const where = since ? ` WHERE ${d.quoteIdent(source.timestamp)} >= ${d.literal(since)}` : '';
  const nulls = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${rel}${where ? `${where} AND` : ' WHERE'} ${key} IS NULL`);
  if (Number(nulls[0]?.n ?? 0) > 0) {
    throw invalid(
      project,
      `identity.sources[${source.index}].key`,
      `source ${source.name}: ${nulls[0]!.n} row(s) have no ${source.key}`,
      'every row needs a key: filter them out in the model or choose another key column',
    );
  }
  const dup = await warehouse.query<{ k: unknown; n: number }>(
    `SELECT CAST(${key} AS ${d.typeName('string')}) AS k, COUNT(*) AS n FROM ${rel}${where} GROUP BY ${key} HAVING COUNT(*) > 1 ${d.limit(1)}`,
  );
  if (dup.length) {
    throw invalid(
      project,
      `identity.sources[${source.index}].key`,
      `source ${source.name}: key ${source.key} is not unique in ${source.relation.schema}.${source.relation.name} (${String(dup[0]!.k)} appears ${dup[0]!.n} times)`,
      'the key must identify one row: deduplicate in the model or choose a unique column',
    );
  }
}

type TraitConfig = CdpConfig['profiles']['traits'][string];

async function checkTraits(project: Project, plan: IdentityPlan, warehouse: Warehouse, columnsBySource: Map<string, ColumnInfo[]>): Promise<void> {
  const d = warehouse.dialect;
  const reserved = new Set(generatedProfileColumns(plan));
  for (const [name, trait] of Object.entries(project.config.profiles.traits) as Array<[string, TraitConfig]>) {
    const path = `profiles.traits.${name}`;
    if (reserved.has(name.toLowerCase())) {
      throw invalid(project, path, `trait ${name} has the name of a generated profile column`, `rename it (generated columns: ${[...reserved].join(', ')})`);
    }
    const sourceNames = 'sql' in trait ? [trait.source] : [trait.source, ...(trait.sources ?? [])];
    sourceNames.forEach((sourceName, i) => {
      if (!plan.sources.some((s) => s.name === sourceName)) {
        const near = closestName(sourceName, plan.sources.map((s) => s.name));
        throw invalid(
          project,
          i === 0 ? `${path}.source` : `${path}.sources[${i - 1}]`,
          `trait ${name} reads source ${sourceName}, which is not an identity source`,
          near ? `did you mean ${near}?` : `use one of ${plan.sources.map((s) => s.name).join(', ')}`,
        );
      }
    });
    if ('sql' in trait) {
      const source = plan.sources.find((s) => s.name === trait.source)!;
      try {
        await warehouse.query(`SELECT ${trait.sql} AS v FROM ${d.relation(source.relation)} WHERE 1 = 0`);
      } catch (error) {
        throw invalid(project, `${path}.sql`, `trait ${name}: ${trait.sql} does not run on ${trait.source}: ${(error as Error).message.split('\n')[0]}`, 'write one aggregate over the source columns, e.g. sum(amount)');
      }
      continue;
    }
    const ruleSources = trait.rule === 'source_priority' ? [...new Set([trait.source, ...(trait.sources ?? [])])] : [trait.source];
    for (const sourceName of ruleSources) {
      const columns = columnsBySource.get(sourceName) ?? [];
      if (!columns.some((c) => c.name === trait.column)) {
        const near = closestName(trait.column, columns.map((c) => c.name));
        throw invalid(project, `${path}.column`, `trait ${name}: column ${trait.column} is not in source ${sourceName}`, near ? `did you mean ${near}?` : `columns are: ${columns.map((c) => c.name).join(', ')}`);
      }
    }
  }
}
