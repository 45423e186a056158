/**
 * The sync engine: sync definitions (YAML in `syncs/`), the planner (a diff in the warehouse),
 * the executor (batches, rate limits, retries, checkpoints) and the run history.
 */
export { fieldSources, fieldMappingSchema, fieldMappingsOf, splitFieldMappings, identifierColumn, syncDefinitionSchema, syncFieldsSchema, syncScheduleSchema, modelNeedsKey, describeSyncFrom, parseSyncDefinition, parseSyncYaml, readSyncYaml, type SyncDefinition, type SyncFrom, type SyncDefinitionInput, type DefinitionLocation, type FieldMapping } from './definition.js';
export { prepareSync, prepareSyncObject, loadSync, listSyncs, readSyncFiles, type PreparedSync, type SyncFile, type Trust } from './load.js';
export {
  checkDestination,
  checkSyncDestination,
  openDestination,
  networkPolicy,
  filesRoot,
  type DestinationSession,
  type DestinationOptions,
  type DestinationTarget,
} from './session.js';
export {
  runSync,
  EMPTY_PLAN_COUNTS,
  type RunSyncOptions,
  type SyncRunResult,
  type SyncProgressEvent,
  type PlanSampleRow,
} from './run.js';
export type { PlanCounts } from './planner.js';
export { idempotencyKey } from './batches.js';
export { registerPlanFilterProvider, type PlanFilter, type PlanFilterProvider } from './filters.js';
export { envSecretResolver, type SecretResolver } from './secrets.js';
export {
  listSyncSummaries,
  getSyncStatus,
  listSyncRuns,
  getSyncRun,
  syncRowLog,
  type SyncSummary,
  type SyncListing,
  type SyncStatus,
} from './status.js';
export { syncTables, type SyncTables } from './tables.js';
export { checkMappedColumns } from './rows.js';
export { checkIdentifierFields } from './identifier-sql.js';
export { STATE_STATUSES, pruneLog, type StateStatus, type LogEntry } from './state.js';
