/**
 * Audiences: who to reach. A definition (YAML in `audiences/`, or saved from the UI in the state
 * store) is checked against the warehouse's tables and compiled to one SQL query over
 * `<schema>.profiles`; counts, previews, overlaps and membership snapshots all run in the warehouse.
 */
export {
  audienceDefinitionSchema,
  conditionSchema,
  propertyFilterSchema,
  type AudienceDefinition,
  type NamedAudienceDefinition,
  type Condition,
  type TraitCondition,
  type EventCondition,
  type AudienceReference,
  type AggregateCondition,
  type AggregateFunction,
  type FirstLastCondition,
  type SequenceCondition,
  type SequenceStep,
  type AudienceSplits,
  type SplitGroup,
  type PriorityListDefinition,
  priorityListSchema,
  splitsSchema,
  AGGREGATE_FUNCTIONS,
  MAX_SEQUENCE_STEPS,
  MAX_SPLIT_GROUPS,
  MAX_PRIORITY_AUDIENCES,
  type PropertyFilter,
  type PropertyCondition,
  type Predicate,
  type Operator,
  type CountComparison,
  type Duration,
  type ScalarValue,
} from './schema.js';
export { registerOperator, operatorsForKind, registeredOperators, type OperatorDefinition, type OperatorSqlArgs, type ValueChecks } from './operator-registry.js';
export { parseAudienceDefinition, parseAudienceFile } from './parse.js';
export { AudienceError } from './errors.js';
export { audienceCatalog, audienceDataGeneration, refreshAudienceCatalog, type AudienceCatalog, type EventStreamInfo } from './catalog.js';
export { describeCondition } from './describe.js';
export { audienceFields, type AudienceField, type AudienceEventField } from './fields.js';
export {
  listAudiences,
  loadAudience,
  saveAudience,
  deleteAudience,
  references as audienceReferences,
  type AudienceInput,
  type AudienceOrigin,
  type AudienceSummary,
  type StoredAudience,
  type StoredPriorityList,
} from './library.js';
export { listPriorityLists, loadPriorityList, isSavedPriorityList, savePriorityList, deletePriorityList, type PriorityListSummary } from './priority-lists.js';
export { AUDIENCE_FILE_EXTENSIONS, audienceOfFile, readAudienceFile, readAudienceFiles, type AudienceFile } from './files.js';
export { validateAudience, compileAudience, audienceMembersSql, compileAudienceForCli } from './sql.js';
export type { ResolvedAudience, ResolvedCondition } from './resolve.js';
export { countAudience, audienceCountSql, previewAudience, planAudiencePreview, DEFAULT_SAMPLE_SIZE, type AudiencePreview, type AudiencePreviewPlan, type PreviewOptions, type AudienceStep } from './preview.js';
export { audienceOverlap, MAX_OVERLAP_AUDIENCES, type AudienceOverlap } from './overlap.js';
export {
  snapshotAudience,
  snapshotAudiences,
  snapshotAudienceIfStale,
  audienceSizeHistory,
  audienceChanges,
  membershipTables,
  type AudienceSnapshot,
  type AudienceSnapshotFailure,
  type AudienceSnapshotRun,
  type AudienceSizePoint,
  type MembershipTables,
} from './snapshots.js';
export { parsePriorityList, priorityListSql, priorityListCountsSql, priorityListCounts, previewPriorityList, SLOT_COLUMN, type PriorityListCounts } from './priority.js';
export { SPLIT_COLUMN } from './splits.js';
export { buildAudienceBase, dropAudienceBase, audienceBaseStep, audienceBaseRelation, countTables, MAX_BASE_EVENT_COLUMNS, type AudienceBaseBuild } from './base.js';
