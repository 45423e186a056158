import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { nodeSql } from './extract.js';
import { typeNameCase } from './finalize.js';
import { normalizeLiteralsQuery } from './normalize.js';
import { planIdentity } from './plan.js';
import { SqlRunner } from './runner.js';
import { explainPair, type PairExplanation } from './probabilistic/explain.js';
import { readModel } from './probabilistic/read.js';
import { requireBuilt } from './stats.js';
import { SUPPRESSIONS_TABLE } from './suppress.js';
import { IdentityTables } from './tables.js';
import type { Warehouse } from '../warehouse/index.js';

export interface ExplainedIdentifier {
  idType: string;
  value: string;
}

export interface ExplainLink {
  from: ExplainedIdentifier;
  to: ExplainedIdentifier;
  /** deterministic: both identifiers appear on one record; probabilistic: a matched pair of records (the model's decision). */
  kind: 'deterministic' | 'probabilistic';
  /** A record on which both identifiers appear (probabilistic: the pair's record on the `from` side). */
  source: string;
  recordKey: string;
  ts: Date | null;
  /** A probabilistic hop's evidence: the edge's stored match probability, and the pair re-scored field by field. */
  match?: {
    /** Match probability stored on the edge by the build. */
    probability: number;
    /** log2(p / (1 - p)) of the stored probability (null when p rounds to 1). */
    weight: number | null;
    /** The pair behind the edge, re-scored with the stored model (null: no such pair in the sources now, or no stored model). */
    pair: PairExplanation | null;
  };
}

export interface SuppressionInfo {
  /** Null when the suppression predates request ids (an older table). */
  requestId: string | null;
  suppressedAt: Date | null;
}

export interface IdentityExplanation {
  idType: string;
  input: string;
  /** The value as it links (normalised), or null when it is not a valid identifier of the type. */
  normalized: string | null;
  /**
   * linked: in a profile; dropped: refused (junk, blocklist, invalid, quarantine, limit);
   * suppressed: erased by a privacy request (in `identity_suppressions`), rows carrying it are
   * left out of every build; unknown: never seen.
   */
  status: 'linked' | 'dropped' | 'suppressed' | 'unknown';
  /** The deletion request that suppressed the value (null: not suppressed). */
  suppressed: SuppressionInfo | null;
  dropped: Array<{ reason: string; detail: string | null; records: number }>;
  profileId: string | null;
  anchor: ExplainedIdentifier | null;
  identifiers: Array<ExplainedIdentifier & { firstSeen: Date | null }>;
  sources: Array<{ source: string; records: number }>;
  /** The links from the value to the profile's anchor, one record each. */
  chain: ExplainLink[];
  /** Other profiles holding records that carry this value (when its links were dropped). */
  seenWith: string[];
}

/**
 * `cdp identity explain <id_type> <value>`: normalises the value with the same SQL as the build,
 * finds its profile, and the shortest chain of records linking it to the profile's anchor. A
 * probabilistic hop comes with the matched pair re-scored field by field (explainPair).
 */
export async function explainIdentifier(project: Project, idType: string, value: string): Promise<IdentityExplanation> {
  const config = project.config.identity;
  if (!config) throw new CdpError('IDENTITY_INVALID', 'the config has no identity section', { location: { path: 'identity' }, hint: 'declare identity first' });
  const plan = planIdentity(project, config);
  const type = plan.types.find((x) => x.name === idType);
  if (!type) {
    throw new CdpError('INVALID_INPUT', `unknown id type ${idType}`, { hint: `use one of ${plan.types.map((x) => x.name).join(', ')}` });
  }
  const warehouse = await project.warehouse();
  const sql = new SqlRunner(warehouse);
  const d = sql.d;
  const t = new IdentityTables(plan.schema);
  await requireBuilt(sql, t);
  const s = (name: Parameters<IdentityTables['state']>[0]) => sql.rel(t.state(name));

  const [normalized] = await sql.query<{ norm: string | null }>(normalizeLiteralsQuery(d, type, [value]));
  const norm = normalized?.norm ?? null;
  const result: IdentityExplanation = {
    idType,
    input: value,
    normalized: norm,
    status: 'unknown',
    suppressed: null,
    dropped: [],
    profileId: null,
    anchor: null,
    identifiers: [],
    sources: [],
    chain: [],
    seenWith: [],
  };
  const candidates = [...new Set([norm, value.trim()].filter((v): v is string => v !== null))];
  const dropped = await sql.query<{ reason: string; detail: string | null; records: number }>(
    `SELECT reason, detail, records FROM ${sql.rel(t.output('dropped'))} WHERE id_type = ${d.literal(idType)} AND id_value IN (${candidates.map((c) => d.literal(c)).join(', ')})`,
  );
  result.dropped = dropped.map((r) => ({ reason: r.reason, detail: r.detail, records: Number(r.records) }));
  if (result.dropped.length) result.status = 'dropped';
  result.suppressed = await findSuppression(sql, warehouse, plan.schema, idType, candidates);
  // Suppressed: every row carrying it is left out of builds; until the next build the graph may still hold it.
  if (result.suppressed) result.status = 'suppressed';
  if (norm === null) return result;

  const [node] = await sql.query<{ node: bigint | number; profile_id: string | null; comp: bigint | number }>(
    `SELECT n.node, n.profile_id, n.comp FROM ${s('nodes')} n WHERE n.node = ${nodeSql(d, idType, d.literal(norm))}`,
  );
  if (!node) return result;
  const nodeId = BigInt(node.node);
  if (node.profile_id === null) {
    const others = await sql.query<{ profile_id: string }>(
      `SELECT DISTINCT n.profile_id FROM ${s('occurrences')} o
       JOIN ${s('records')} r ON r.source = o.source AND r.record_key = o.record_key
       JOIN ${s('nodes')} n ON n.node = r.center
       WHERE o.node = ${nodeId} AND n.profile_id IS NOT NULL ORDER BY n.profile_id`,
    );
    result.seenWith = others.map((r) => r.profile_id);
    return result;
  }
  if (!result.suppressed) result.status = 'linked';
  result.profileId = node.profile_id;
  const comp = BigInt(node.comp);
  const members = await sql.query<{ node: bigint | number; id_type: string; id_value: string; first_seen: Date | null; tier: number }>(
    `SELECT n.node, ${typeNameCase(sql, plan, 'n.tier')} AS id_type, dc.id_value, dc.first_seen, n.tier
     FROM ${s('nodes')} n JOIN ${s('dictionary')} dc ON dc.node = n.node WHERE n.comp = ${comp}
     ORDER BY CASE WHEN dc.first_seen IS NULL THEN 1 ELSE 0 END, dc.first_seen, n.tier, n.node`,
  );
  const byNode = new Map(members.map((m) => [BigInt(m.node), { idType: m.id_type, value: m.id_value }]));
  result.identifiers = members.map((m) => ({ idType: m.id_type, value: m.id_value, firstSeen: m.first_seen }));
  const anchorNode = BigInt(members[0]!.node);
  result.anchor = byNode.get(anchorNode)!;
  const sources = await sql.query<{ source: string; n: number }>(
    `SELECT source, COUNT(*) AS n FROM ${sql.rel(t.output('resolved'))} WHERE profile_id = ${d.literal(node.profile_id)} GROUP BY source ORDER BY source`,
  );
  result.sources = sources.map((r) => ({ source: r.source, records: Number(r.n) }));

  // Shortest path from the value to the anchor over the profile's links (a profile is small).
  const edges = await sql.query<{ src: bigint | number; dst: bigint | number; kind: string; score: number | null }>(
    `SELECT e.src, e.dst, e.kind, e.score FROM ${s('edges')} e JOIN ${s('nodes')} a ON a.node = e.src JOIN ${s('nodes')} b ON b.node = e.dst
     WHERE a.comp = ${comp} AND b.comp = ${comp}`,
  );
  const path = shortestPath(nodeId, anchorNode, edges.map((e) => [BigInt(e.src), BigInt(e.dst)]));
  const probabilistic = config.probabilistic;
  const model = edges.some((e) => e.kind === 'probabilistic') && probabilistic ? await readModel(warehouse, plan.schema) : null;
  for (let i = 0; i + 1 < path.length; i++) {
    const [a, b] = [path[i]!, path[i + 1]!];
    const between = edges.filter((e) => (BigInt(e.src) === a && BigInt(e.dst) === b) || (BigInt(e.src) === b && BigInt(e.dst) === a));
    const edge = between.find((e) => e.kind !== 'probabilistic') ?? between[0];
    if (edge?.kind === 'probabilistic') {
      const probability = Number(edge.score);
      const pair = probabilistic && model ? await explainPair(sql, plan, t, probabilistic, model, BigInt(edge.src), BigInt(edge.dst)) : null;
      const near = pair ? (BigInt(edge.src) === a ? pair.left : pair.right) : null;
      result.chain.push({
        from: byNode.get(a)!,
        to: byNode.get(b)!,
        kind: 'probabilistic',
        source: near?.source ?? '?',
        recordKey: near?.recordKey ?? '?',
        ts: null,
        match: { probability, weight: probability < 1 ? Math.log2(probability / (1 - probability)) : null, pair },
      });
      continue;
    }
    const [witness] = await sql.query<{ source: string; record_key: string; ts: Date | null }>(
      `SELECT o1.source, o1.record_key, o1.ts FROM ${s('occurrences')} o1
       JOIN ${s('occurrences')} o2 ON o2.source = o1.source AND o2.record_key = o1.record_key
       WHERE o1.node = ${a} AND o2.node = ${b}
       ORDER BY CASE WHEN o1.ts IS NULL THEN 1 ELSE 0 END, o1.ts, o1.source, o1.record_key ${d.limit(1)}`,
    );
    result.chain.push({ from: byNode.get(a)!, to: byNode.get(b)!, kind: 'deterministic', source: witness?.source ?? '?', recordKey: witness?.record_key ?? '?', ts: witness?.ts ?? null });
  }
  return result;
}

/** The suppression of one of `values` of `idType` (the earliest, when several), or null. */
async function findSuppression(sql: SqlRunner, warehouse: Warehouse, schema: string, idType: string, values: string[]): Promise<SuppressionInfo | null> {
  const table = { schema, name: SUPPRESSIONS_TABLE };
  if (!values.length || !(await sql.exists(table))) return null;
  const d = sql.d;
  const columns = new Set((await warehouse.listColumns(table)).map((c) => c.name.toLowerCase()));
  const requestId = columns.has('request_id') ? 'request_id' : `CAST(NULL AS ${d.typeName('string')})`;
  const suppressedAt = columns.has('suppressed_at') ? 'suppressed_at' : `CAST(NULL AS ${d.typeName('timestamp')})`;
  const [row] = await sql.query<{ request_id: string | null; suppressed_at: Date | null }>(
    `SELECT ${requestId} AS request_id, ${suppressedAt} AS suppressed_at FROM ${sql.rel(table)} ` +
      `WHERE id_type = ${d.literal(idType)} AND id_value IN (${values.map((v) => d.literal(v)).join(', ')}) ` +
      `ORDER BY CASE WHEN ${suppressedAt} IS NULL THEN 1 ELSE 0 END, ${suppressedAt} ${d.limit(1)}`,
  );
  if (!row) return null;
  return { requestId: row.request_id === null ? null : String(row.request_id), suppressedAt: row.suppressed_at ? new Date(row.suppressed_at) : null };
}

function shortestPath(from: bigint, to: bigint, edges: Array<[bigint, bigint]>): bigint[] {
  const adjacent = new Map<bigint, bigint[]>();
  const link = (a: bigint, b: bigint) => {
    const list = adjacent.get(a);
    if (list) list.push(b);
    else adjacent.set(a, [b]);
  };
  for (const [a, b] of edges) {
    link(a, b);
    link(b, a);
  }
  const previous = new Map<bigint, bigint | null>([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const current = queue.shift()!;
    if (current === to) break;
    for (const next of adjacent.get(current) ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, current);
      queue.push(next);
    }
  }
  if (!previous.has(to)) return [from];
  const path: bigint[] = [];
  for (let at: bigint | null = to; at !== null; at = previous.get(at) ?? null) path.unshift(at);
  return path;
}
