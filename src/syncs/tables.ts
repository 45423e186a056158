import type { RelationRef } from '../warehouse/index.js';

/**
 * The warehouse tables of one sync, all in the project's schema:
 * - state: what the destination has, per row key (the last delivered values and each row's status);
 * - plan: the ops of the current (or interrupted) run, numbered by `seq`;
 * - progress: one row describing the current plan and how far its results are in the state
 *   (how far it is committed is in the state store's sync_commits);
 * - log: every row of every run with its outcome, searchable by key; pruned after N days;
 * - results: scratch table the failed rows of a run are loaded into when they are folded in;
 * - folding: scratch table of the new state rows of a fold with failed rows (dropped after it);
 * - members: a view over the audience's members (audience syncs only; named sync_source_<sync>
 *   in the warehouse, as earlier versions created it).
 */
export interface SyncTables {
  state: RelationRef;
  plan: RelationRef;
  progress: RelationRef;
  results: RelationRef;
  folding: RelationRef;
  log: RelationRef;
  members: RelationRef;
  dryPlan: RelationRef;
}

export function syncTables(schema: string, sync: string): SyncTables {
  const t = (name: string): RelationRef => ({ schema, name: `${name}_${sync}` });
  return {
    state: t('sync_state'),
    plan: t('sync_plan'),
    progress: t('sync_progress'),
    results: t('sync_results'),
    folding: t('sync_fold'),
    log: t('sync_log'),
    members: t('sync_source'),
    dryPlan: t('sync_dryplan'),
  };
}
