import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { SqlRunner } from './runner.js';
import { IdentityTables } from './tables.js';

export interface IdentityStats {
  lastBuild: { finishedAt: Date | null; mode: string; rounds: number; seconds: number } | null;
  profiles: number;
  records: { total: number; resolved: number };
  identifiersByType: Array<{ idType: string; identifiers: number }>;
  merges: { total: number; lastBuild: number };
  largest: Array<{ profileId: string; identifiers: number; records: number }>;
  dropped: Array<{ reason: string; idType: string; values: number; records: number }>;
}

/** Figures about the built graph, for `cdp identity stats`. */
export async function identityStats(project: Project, options: { largest?: number } = {}): Promise<IdentityStats> {
  const warehouse = await project.warehouse();
  const sql = new SqlRunner(warehouse);
  const t = new IdentityTables(project.schema);
  await requireBuilt(sql, t);
  const rel = (name: Parameters<IdentityTables['output']>[0]) => sql.rel(t.output(name));
  const n = (v: unknown) => Number(v ?? 0);

  const runs = await sql.query<{ finished_at: Date | null; mode: string; rounds: number; seconds: number }>(
    `SELECT finished_at, mode, rounds, seconds FROM ${sql.rel(t.state('runs'))} ORDER BY finished_at DESC ${sql.d.limit(1)}`,
  );
  const [records] = await sql.query<{ total: number; resolved: number }>(
    `SELECT COUNT(*) AS total, COUNT(profile_id) AS resolved FROM ${rel('resolved')}`,
  );
  const byType = await sql.query<{ id_type: string; n: number }>(`SELECT id_type, COUNT(*) AS n FROM ${rel('graph')} GROUP BY id_type ORDER BY id_type`);
  const [merges] = await sql.query<{ total: number; last: number }>(
    `SELECT COUNT(*) AS total, SUM(CASE WHEN merged_at = (SELECT MAX(merged_at) FROM ${rel('merges')}) THEN 1 ELSE 0 END) AS last FROM ${rel('merges')}`,
  );
  const largest = await sql.query<{ profile_id: string; identifiers: number; records: number }>(
    `SELECT g.profile_id, g.identifiers, p.record_count AS records
     FROM (SELECT profile_id, COUNT(*) AS identifiers FROM ${rel('graph')} GROUP BY profile_id) g
     JOIN ${rel('profiles')} p ON p.profile_id = g.profile_id
     ORDER BY g.identifiers DESC, p.record_count DESC, g.profile_id ${sql.d.limit(options.largest ?? 5)}`,
  );
  const dropped = await sql.query<{ reason: string; id_type: string; n: number; records: number }>(
    `SELECT reason, id_type, COUNT(*) AS n, SUM(records) AS records FROM ${rel('dropped')} GROUP BY reason, id_type ORDER BY reason, id_type`,
  );
  return {
    lastBuild: runs[0] ? { finishedAt: runs[0].finished_at, mode: runs[0].mode, rounds: n(runs[0].rounds), seconds: n(runs[0].seconds) } : null,
    profiles: await sql.count(t.output('profiles')),
    records: { total: n(records?.total), resolved: n(records?.resolved) },
    identifiersByType: byType.map((r) => ({ idType: r.id_type, identifiers: n(r.n) })),
    merges: { total: n(merges?.total), lastBuild: n(merges?.last) },
    largest: largest.map((r) => ({ profileId: r.profile_id, identifiers: n(r.identifiers), records: n(r.records) })),
    dropped: dropped.map((r) => ({ reason: r.reason, idType: r.id_type, values: n(r.n), records: n(r.records) })),
  };
}

export async function requireBuilt(sql: SqlRunner, t: IdentityTables): Promise<void> {
  for (const ref of [t.output('graph'), t.output('resolved'), t.output('profiles'), t.output('dropped'), t.state('runs')]) {
    if (!(await sql.exists(ref))) {
      throw new CdpError('NOT_FOUND', `the identity graph has not been built yet (no ${ref.schema}.${ref.name})`, {
        hint: 'run `cdp run` first',
      });
    }
  }
}
