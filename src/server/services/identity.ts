import { identityStats as buildStats, type IdentityStats as BuildStats } from '../../identity/index.js';
import { isCdpError } from '../../errors.js';
import type { Warehouse } from '../../warehouse/index.js';
import type { ServerContext } from '../context.js';

export interface IdentityStats {
  built: boolean;
  profiles: number;
  identifiers: number;
  records: number;
  merges: number;
  /** Profiles seen in more than one source. */
  multiSourceProfiles: number;
  identifiersPerProfile: { avg: number; max: number };
  byIdType: Array<{ idType: string; identifiers: number; profiles: number }>;
  bySource: Array<{ source: string; records: number; profiles: number }>;
  /** The identity build's own figures (last build, largest profiles, dropped identifiers), when its state tables exist. */
  build: BuildStats | null;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** Overview figures of the identity graph, computed in the warehouse (a handful of aggregates). */
export async function identityStats(ctx: ServerContext): Promise<IdentityStats> {
  const warehouse: Warehouse = await ctx.project.warehouse();
  const d = warehouse.dialect;
  const schema = ctx.project.schema;
  const rel = (name: string): string => d.relation({ schema, name });
  const [profilesExist, graphExists, recordsExist, mergesExist] = await Promise.all(
    ['profiles', 'identity_graph', 'resolved_records', 'profile_merges'].map((name) => warehouse.relationExists({ schema, name })),
  );
  const empty: IdentityStats = {
    built: false,
    profiles: 0,
    identifiers: 0,
    records: 0,
    merges: 0,
    multiSourceProfiles: 0,
    identifiersPerProfile: { avg: 0, max: 0 },
    byIdType: [],
    bySource: [],
    build: null,
  };
  if (!profilesExist || !graphExists) return empty;
  const [profiles] = await warehouse.query(`SELECT COUNT(*) AS n FROM ${rel('profiles')}`);
  const byIdType = await warehouse.query(
    `SELECT id_type, COUNT(*) AS identifiers, COUNT(DISTINCT profile_id) AS profiles FROM ${rel('identity_graph')} GROUP BY id_type ORDER BY id_type`,
  );
  const [perProfile] = await warehouse.query(
    `SELECT AVG(n) AS avg_n, MAX(n) AS max_n FROM (SELECT profile_id, COUNT(*) AS n FROM ${rel('identity_graph')} GROUP BY profile_id) per_profile`,
  );
  let bySource: Array<Record<string, unknown>> = [];
  let multi = 0;
  if (recordsExist) {
    bySource = await warehouse.query(
      `SELECT source, COUNT(*) AS records, COUNT(DISTINCT profile_id) AS profiles FROM ${rel('resolved_records')} GROUP BY source ORDER BY source`,
    );
    const [row] = await warehouse.query(
      `SELECT COUNT(*) AS n FROM (SELECT profile_id FROM ${rel('resolved_records')} GROUP BY profile_id HAVING COUNT(DISTINCT source) > 1) multi`,
    );
    multi = num(row?.n);
  }
  let merges = 0;
  if (mergesExist) {
    const [row] = await warehouse.query(`SELECT COUNT(*) AS n FROM ${rel('profile_merges')}`);
    merges = num(row?.n);
  }
  const identifiers = byIdType.reduce((sum, row) => sum + num(row.identifiers), 0);
  let build: BuildStats | null = null;
  try {
    build = await buildStats(ctx.project);
  } catch (error) {
    if (!isCdpError(error) || error.code !== 'NOT_FOUND') throw error;
  }
  return {
    built: true,
    profiles: num(profiles?.n),
    identifiers,
    records: bySource.reduce((sum, row) => sum + num(row.records), 0),
    merges,
    multiSourceProfiles: multi,
    identifiersPerProfile: { avg: Math.round(num(perProfile?.avg_n) * 100) / 100, max: num(perProfile?.max_n) },
    byIdType: byIdType.map((row) => ({ idType: String(row.id_type), identifiers: num(row.identifiers), profiles: num(row.profiles) })),
    bySource: bySource.map((row) => ({ source: String(row.source), records: num(row.records), profiles: num(row.profiles) })),
    build,
  };
}
