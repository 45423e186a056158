import { CdpError } from '../../errors.js';
import type { IdentityPlan } from '../plan.js';
import type { Project } from '../../project/index.js';
import { closestName } from '../../util/suggest.js';
import type { ColumnInfo, Warehouse } from '../../warehouse/index.js';
import { consentColumn, type ConsentPlan, type ConsentSourcePlan } from './plan.js';

function invalid(project: Project, path: string, message: string, hint: string): CdpError {
  return new CdpError('CONFIG_INVALID', message, { location: { file: project.configFile, path }, hint });
}

/**
 * Checks the consent sources before the build writes anything: id types are declared identity
 * id types, relations and columns exist, the timestamp is a time, the purpose and status
 * expressions run, granted/revoked lists do not overlap, no trait takes a `consent_*` name.
 */
export async function validateConsent(project: Project, identity: IdentityPlan, plan: ConsentPlan, warehouse: Warehouse): Promise<void> {
  const declared = identity.types.map((t) => t.name);
  const names = new Set<string>();
  for (const source of plan.sources) {
    const base = `privacy.consent.sources[${source.index}]`;
    if (names.has(source.name)) throw invalid(project, `${base}.name`, `two consent sources are named ${source.name}`, 'give each consent source a unique name');
    names.add(source.name);
    for (const { idType } of source.ids) {
      if (declared.includes(idType)) continue;
      const near = closestName(idType, declared);
      throw invalid(
        project,
        `${base}.ids.${idType}`,
        `consent source ${source.name} uses id type ${idType}, which is not declared in identity.idTypes`,
        `${near ? `did you mean ${near}? ` : ''}consent resolves to profiles through the identity graph: use one of ${declared.join(', ')}`,
      );
    }
    const both = source.granted.filter((v) => source.revoked.includes(v));
    if (both.length) {
      throw invalid(project, `${base}.granted`, `consent source ${source.name}: ${both.map((v) => `'${v}'`).join(', ')} is listed as both granted and revoked`, 'keep each status value in one list');
    }
    await checkColumns(project, warehouse, source);
  }
  const traits = Object.keys(project.config.profiles.traits).map((t) => t.toLowerCase());
  for (const { name } of plan.purposes) {
    const column = consentColumn(name);
    if (traits.includes(column.toLowerCase())) {
      throw invalid(project, `profiles.traits.${column}`, `trait ${column} has the name of the consent column of purpose ${name}`, 'rename the trait: profiles get a consent_<purpose> column per configured purpose');
    }
  }
}

async function checkColumns(project: Project, warehouse: Warehouse, source: ConsentSourcePlan): Promise<void> {
  const base = `privacy.consent.sources[${source.index}]`;
  const where = `${source.relation.schema}.${source.relation.name}`;
  const columns: ColumnInfo[] = await warehouse.listColumns(source.relation);
  if (columns.length === 0) {
    throw invalid(
      project,
      `${base}.relation`,
      `consent source ${source.name}: relation ${source.relationName} (${where}) does not exist in the warehouse`,
      'build the model first (`cdp run` builds models before identity and consent), or name an existing `schema.table`',
    );
  }
  const names = columns.map((c) => c.name);
  const need = (column: string, path: string, role: string): ColumnInfo => {
    const found = columns.find((c) => c.name === column);
    if (found) return found;
    const near = closestName(column, names);
    throw invalid(project, path, `consent source ${source.name}: column ${column} (${role}) is not in ${where}`, `${near ? `did you mean ${near}? ` : ''}columns are: ${names.join(', ')}`);
  };
  for (const { idType, column } of source.ids) need(column, `${base}.ids.${idType}`, `id type ${idType}`);
  const ts = need(source.timestamp, `${base}.timestamp`, 'timestamp');
  if (ts.kind !== 'timestamp' && ts.kind !== 'date') {
    throw invalid(project, `${base}.timestamp`, `consent source ${source.name}: column ${source.timestamp} is ${ts.type}, not a timestamp`, 'name a TIMESTAMP or DATE column, or cast it in the model');
  }
  for (const [field, expr] of [['purpose', source.purpose], ['status', source.status]] as const) {
    try {
      await warehouse.query(`SELECT (${expr}) AS v FROM ${warehouse.dialect.relation(source.relation)} s WHERE 1 = 0`);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      const near = closestName(expr, names);
      throw invalid(
        project,
        `${base}.${field}`,
        `consent source ${source.name}: ${field} \`${expr}\` does not run on ${where}: ${message}`,
        `${near && near !== expr ? `did you mean ${near}? ` : ''}give a column or a SQL expression over the columns (${names.join(', ')}), or a quoted constant like ${field === 'purpose' ? "'email_marketing'" : "'granted'"}`,
      );
    }
  }
}
