import { nodeSql } from './extract.js';
import { normalizeQuery } from './normalize.js';
import type { IdentityPlan } from './plan.js';
import { deleteMatching, type SqlRunner } from './runner.js';
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

/** Scratch: the keys of stored records that now carry a suppressed value (see applySuppressions). */
export const SUPPRESSED_STORED = 'suppressed_stored';

/**
 * Removes every staged record that carries a suppressed value: its identifier rows
 * (`stage_ids`, `stage_rejected`) and the record itself (`stage_records`), so that it reaches neither the graph
 * nor `resolved_records`, `_identity_records` or `identity_dropped`. Returns how many records.
 *
 * A record the stored graph already holds (an incremental build reading a row that was updated
 * to carry a suppressed value) stays staged, without identifiers: the incremental region then
 * treats it as replaced (its stored identifiers are seeds, its stored occurrences go), and
 * `dropSuppressedRecords` removes its key at commit. Its key is kept in scratch `suppressed_stored`.
 */
export async function applySuppressions(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<number> {
  if (!(await suppressionsExist(sql, plan))) return 0;
  const staged = [t.tmp('stage_ids'), t.tmp('stage_rejected')];
  const records = t.tmp('suppressed_records');
  const keys = ['source', 'record_key'];
  await sql.create(
    records,
    `SELECT DISTINCT s.source, s.record_key FROM (${staged.map((x) => `SELECT source, record_key, node FROM ${sql.rel(x)}`).join(' UNION ALL ')}) s
     JOIN (${suppressedNodesSql(sql, plan)}) n ON n.node = s.node`,
  );
  for (const x of staged) await sql.exec(deleteMatching(sql, x, sql.rel(records), keys));
  const stored = t.state('records');
  if (await sql.exists(stored)) {
    await sql.create(
      t.tmp(SUPPRESSED_STORED),
      `SELECT x.source, x.record_key FROM ${sql.rel(records)} x WHERE EXISTS (SELECT 1 FROM ${sql.rel(stored)} o WHERE o.source = x.source AND o.record_key = x.record_key)`,
    );
    await sql.exec(deleteMatching(sql, records, sql.rel(t.tmp(SUPPRESSED_STORED)), keys));
  }
  await sql.exec(deleteMatching(sql, t.tmp('stage_records'), sql.rel(records), keys));
  const count = await sql.count(records);
  await sql.drop(records);
  return count + (await sql.exists(t.tmp(SUPPRESSED_STORED)) ? await sql.count(t.tmp(SUPPRESSED_STORED)) : 0);
}

/**
 * At commit (inside its transaction), before the state and outputs are written: the stored
 * records that now carry a suppressed value (scratch `suppressed_stored`) leave `new_records`,
 * and an incremental build deletes their stored rows from `_identity_records` (and so from
 * the view `resolved_records`; their occurrences and rejected values go as replaced records).
 */
export async function dropSuppressedRecords(sql: SqlRunner, t: IdentityTables, mode: 'full' | 'incremental'): Promise<void> {
  const keys = t.tmp(SUPPRESSED_STORED);
  if (!(await sql.exists(keys))) return;
  const columns = ['source', 'record_key'];
  await sql.exec(deleteMatching(sql, t.tmp('new_records'), sql.rel(keys), columns));
  if (mode === 'full') return;
  // resolved_records is a view over _identity_records: it loses them with it.
  const records = t.state('records');
  if (await sql.exists(records)) await sql.exec(deleteMatching(sql, records, sql.rel(keys), columns));
}
