import type { RelationRef } from '../warehouse/index.js';

/**
 * Every table identity resolution keeps in the project schema. The four outputs are the
 * contract other streams read (`identity_graph` and `resolved_records` are views over the state:
 * read them, never write them); `identity_dropped` is the user-facing audit; the `_identity_*`
 * tables are the state incremental runs build on; `_identity_tmp_*` tables live for one build.
 */
export const OUTPUT_TABLES = {
  graph: 'identity_graph',
  resolved: 'resolved_records',
  profiles: 'profiles',
  merges: 'profile_merges',
  dropped: 'identity_dropped',
} as const;

export const STATE_TABLES = {
  /** One row per (record, usable identifier): source, record_key, ts, tier, node. */
  occurrences: '_identity_occurrences',
  /** Identifier values refused before linking (empty, junk, blocklisted, invalid), per record. */
  rejected: '_identity_rejected',
  /** One row per source row: source, record_key, ts, center (its most trusted usable node). */
  records: '_identity_records',
  /** One row per identifier: node, tier, id_value, first_seen, last_seen, records, degree, quarantined. */
  dictionary: '_identity_dictionary',
  /**
   * One row per linked identifier: node, tier, comp (resolved component), raw (component without
   * limits), profile_id, link_kind ('deterministic' | 'probabilistic') and link_score (NULL when
   * deterministic): how the identifier joined its profile (docs/identity.md "Link kind and score").
   */
  nodes: '_identity_nodes',
  /** The edges stage: src, dst, tier, src_tier, kind ('deterministic' | 'probabilistic'), score (match probability of a probabilistic link). */
  edges: '_identity_edges',
  /** Links refused by a limit: node, tier, detail (which limit). */
  limited: '_identity_limited',
  /** Per source: watermark (max timestamp seen) and row count. */
  sources: '_identity_sources',
  /** One row per build: when, how, config hash, figures. */
  runs: '_identity_runs',
} as const;

export type OutputTable = keyof typeof OUTPUT_TABLES;
export type StateTable = keyof typeof STATE_TABLES;

export const TMP_PREFIX = '_identity_tmp_';

/**
 * Scratch tables kept regular tables in the project schema: the ones a full build renames into the
 * state (commit.ts RENAMED, and the renames leading there: stage_ids -> occ, stage_records ->
 * reg_records -> new_records), since a temporary table cannot become a stored one; and
 * prob_reviewed (the review queue's answers, a few rows), which training reads as a labels
 * relation whose columns the catalog checks. Every other scratch table is temporary where the
 * engine has session temporary tables (`RelationRef.temporary`): nothing outside the build's
 * session reads it, and it is never written to the database file.
 */
const KEPT_SCRATCH: ReadonlySet<string> = new Set(['stage_ids', 'occ', 'stage_records', 'reg_records', 'new_records', 'new_nodes', 'edges', 'limited', 'prob_reviewed']);

export class IdentityTables {
  constructor(readonly schema: string) {}

  output(name: OutputTable): RelationRef {
    return { schema: this.schema, name: OUTPUT_TABLES[name] };
  }

  state(name: StateTable): RelationRef {
    return { schema: this.schema, name: STATE_TABLES[name] };
  }

  /** A scratch table for one build step; all are dropped when the build ends (temporary ones with its session). */
  tmp(name: string): RelationRef {
    const ref = { schema: this.schema, name: `${TMP_PREFIX}${name}` };
    return KEPT_SCRATCH.has(name) ? ref : { ...ref, temporary: true };
  }
}
