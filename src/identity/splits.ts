import type { Dialect, RelationRef } from '../warehouse/index.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/**
 * Splits per build: a previous profile splits when its identifiers (and so the records carrying
 * them) now belong to more than one profile — a record that moved out took the identifiers only it
 * linked, a value was blocklisted or quarantined, a limit now cuts a link. The mirror image of a
 * merge (commit.ts `computeMerges`), counted the same way and at the same moment: after the new
 * components are final, before the stored graph is replaced. One grouped query.
 *
 * A full build compares every stored identifier; an incremental one only those of its region
 * (`gone`), which holds every identifier of any profile it touches (the region is closed under
 * linking), so profiles outside it cannot have split.
 */
export async function computeSplits(sql: SqlRunner, t: IdentityTables, mode: 'full' | 'incremental', hasPrevious: boolean): Promise<number> {
  await ensureSplitsColumn(sql, t.state('runs'));
  if (!hasPrevious || !(await sql.exists(t.state('nodes')))) return 0;
  const [row] = await sql.query<{ n: number | bigint }>(splitsSql(sql.d, t, mode));
  return Number(row?.n ?? 0);
}

/** The number of stored profiles whose identifiers the new components spread over two profiles or more. */
export function splitsSql(d: Dialect, t: IdentityTables, mode: 'full' | 'incremental'): string {
  const nodes = d.relation(t.state('nodes'));
  const old = mode === 'full' ? nodes : `(SELECT n.node, n.profile_id FROM ${nodes} n JOIN ${d.relation(t.tmp('gone'))} g ON g.node = n.node)`;
  return (
    `SELECT COUNT(*) AS n FROM (SELECT o.profile_id FROM ${old} o JOIN ${d.relation(t.tmp('new_nodes'))} nn ON nn.node = o.node ` +
    `WHERE o.profile_id IS NOT NULL AND nn.profile_id IS NOT NULL GROUP BY o.profile_id HAVING COUNT(DISTINCT nn.profile_id) > 1) split`
  );
}

/**
 * `_identity_runs` written before splits were counted lacks the column the build's record will
 * fill: added here, before the commit transaction (whose catalog lookups would not see its own
 * DDL on every engine). A new table gets the column from its CREATE.
 */
async function ensureSplitsColumn(sql: SqlRunner, runs: RelationRef): Promise<void> {
  if (!(await sql.exists(runs))) return;
  if ((await sql.columns(runs)).some((c) => c.name.toLowerCase() === 'splits')) return;
  await sql.exec(splitsColumnSql(sql.d, runs));
}

export function splitsColumnSql(d: Dialect, runs: RelationRef): string {
  return `ALTER TABLE ${d.relation(runs)} ADD COLUMN splits ${d.typeName('integer')}`;
}
