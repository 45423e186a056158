import { deleteMatching } from './commit.js';
import { nodeSql } from './extract.js';
import { normalizeQuery } from './normalize.js';
import type { IdentityPlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/**
 * Suppressed identifiers (right to erasure): when `<schema>.identity_suppressions(id_type, id_value)`
 * exists, every source row carrying one of its values (normalised like the data) is left out of
 * the graph entirely — none of that row's identifiers link, none is kept in the audit table — so a
 * deleted person never reappears from late-arriving rows. The table is written by the privacy
 * tooling; a change to it triggers a full rebuild (see `suppressionFingerprint`).
 */
export const SUPPRESSIONS_TABLE = 'identity_suppressions';

async function suppressionsExist(sql: SqlRunner, plan: IdentityPlan): Promise<boolean> {
  return sql.exists({ schema: plan.schema, name: SUPPRESSIONS_TABLE });
}

/** The surrogates of the suppressed values, per declared id type. */
function suppressedNodesSql(sql: SqlRunner, plan: IdentityPlan): string {
  const d = sql.d;
  const table = sql.rel({ schema: plan.schema, name: SUPPRESSIONS_TABLE });
  return plan.types
    .map((type) => {
      const inner = `SELECT ${d.cast('id_value', 'string')} AS raw FROM ${table} WHERE id_type = ${d.literal(type.name)}`;
      return `SELECT ${nodeSql(d, type.name, 'x.norm')} AS node FROM (${normalizeQuery(d, type, inner)}) x WHERE x.norm IS NOT NULL`;
    })
    .join(' UNION ALL ');
}

/** Changes whenever the suppressions change; '' when there are none. */
export async function suppressionFingerprint(sql: SqlRunner, plan: IdentityPlan): Promise<string> {
  if (!(await suppressionsExist(sql, plan))) return '';
  const [row] = await sql.query<{ n: number; h: number | null }>(
    `SELECT COUNT(*) AS n, SUM(MOD(node, 1000000007)) AS h FROM (${suppressedNodesSql(sql, plan)}) s`,
  );
  return Number(row?.n ?? 0) === 0 ? '' : `${Number(row!.n)}:${Number(row!.h ?? 0)}`;
}

/** Removes the staged rows of every record that carries a suppressed value. Returns how many records. */
export async function applySuppressions(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<number> {
  if (!(await suppressionsExist(sql, plan))) return 0;
  const stage = sql.rel(t.tmp('stage_ids'));
  const records = t.tmp('suppressed_records');
  await sql.create(
    records,
    `SELECT DISTINCT s.source, s.record_key FROM ${stage} s JOIN (${suppressedNodesSql(sql, plan)}) n ON n.node = s.node`,
  );
  await sql.exec(deleteMatching(sql, t.tmp('stage_ids'), sql.rel(records), ['source', 'record_key']));
  const count = await sql.count(records);
  await sql.drop(records);
  return count;
}
