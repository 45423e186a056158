import { createHash } from 'node:crypto';
import type { IdentityConfig, IdTypeConfig } from '../config/index.js';
import type { Project } from '../project/index.js';
import type { RelationRef } from '../warehouse/index.js';

/**
 * The identity config turned into what the SQL generators need: id types in processing order
 * (each one a *tier*), sources with their warehouse relations, limits and thresholds.
 */
export interface IdTypePlan {
  name: string;
  /** Position in processing order: most trusted first (priority, then name). */
  tier: number;
  priority: number;
  maxPerProfile: number | null;
  normalize: IdTypeConfig['normalize'];
  defaultRegion: string | null;
}

export interface SourcePlan {
  /** Position in `identity.sources`, for error paths. */
  index: number;
  name: string;
  relationName: string;
  relation: RelationRef;
  key: string;
  timestamp: string;
  /** [id type, column] in declaration order. */
  ids: Array<{ idType: string; column: string }>;
}

export interface IdentityPlan {
  schema: string;
  types: IdTypePlan[];
  sources: SourcePlan[];
  blocklist: Record<string, string[]>;
  replaceDefaultBlocklist: boolean;
  maxRecordsPerValue: number;
  maxRounds: number;
  /** Changes when anything that shapes the graph changes: an incremental run then rebuilds fully. */
  hash: string;
}

export function planIdentity(project: Project, config: IdentityConfig): IdentityPlan {
  const types = Object.entries(config.idTypes)
    .map(([name, t]) => ({ name, t }))
    .sort((a, b) => a.t.priority - b.t.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, t }, tier) => ({
      name,
      tier,
      priority: t.priority,
      maxPerProfile: t.maxPerProfile ?? null,
      normalize: t.normalize,
      defaultRegion: t.defaultRegion?.toUpperCase() ?? null,
    }));
  const sources = config.sources.map((s, index) => ({
    index,
    name: s.name,
    relationName: s.relation,
    relation: project.relation(s.relation),
    key: s.key,
    timestamp: s.timestamp,
    ids: Object.entries(s.ids).map(([idType, column]) => ({ idType, column })),
  }));
  const shape = {
    types,
    sources: sources.map((s) => ({ ...s, index: undefined })),
    blocklist: config.blocklist,
    replace: config.replaceDefaultBlocklist,
    maxRecordsPerValue: config.maxRecordsPerValue,
    // Any other section that can add links (probabilistic matching) shapes the graph too.
    extra: Object.fromEntries(Object.entries(config).filter(([key]) => !KNOWN_KEYS.has(key))),
    version: GRAPH_VERSION,
  };
  const hash = createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
  return {
    schema: project.schema,
    types,
    sources,
    blocklist: config.blocklist,
    replaceDefaultBlocklist: config.replaceDefaultBlocklist,
    maxRecordsPerValue: config.maxRecordsPerValue,
    maxRounds: config.maxRounds,
    hash,
  };
}

/** Config keys read above; any other identity key (e.g. `probabilistic`) is hashed as is. */
const KNOWN_KEYS = new Set(['sources', 'idTypes', 'blocklist', 'replaceDefaultBlocklist', 'maxRecordsPerValue', 'maxRounds']);

/** Bumped when the stored graph's layout or rules change, so old state is rebuilt, not reused (2: link_kind/link_score). */
const GRAPH_VERSION = 2;

export function typeByName(plan: IdentityPlan, name: string): IdTypePlan | undefined {
  return plan.types.find((t) => t.name === name);
}

/** Id types with a maxPerProfile limit, as (tier, limit). */
export function limitedTypes(plan: IdentityPlan): IdTypePlan[] {
  return plan.types.filter((t) => t.maxPerProfile !== null);
}

/**
 * Id types that are record keys: every source that maps the type maps it from its own key
 * column. Keys are assigned by systems, not typed into forms, so the default junk lists do not
 * apply to them ("0" is a valid key), and a profile holding several of them is what linking
 * records does (so they are no default exclusive type of probabilistic links).
 */
export function keyTypes(plan: IdentityPlan): Set<string> {
  const keys = new Set<string>();
  for (const type of plan.types) {
    const uses = plan.sources.flatMap((s) => s.ids.filter((i) => i.idType === type.name).map((i) => i.column === s.key));
    if (uses.length > 0 && uses.every(Boolean)) keys.add(type.name);
  }
  return keys;
}
