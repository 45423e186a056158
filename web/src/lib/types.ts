/**
 * The shapes the REST API answers with (see src/server/routes and GET /api/openapi.json).
 * Mirrored here by hand: the browser bundle must not pull in server modules.
 */

export type Permission =
  | 'read'
  | 'profiles:read'
  | 'models:run'
  | 'audiences:write'
  | 'destinations:write'
  | 'syncs:write'
  | 'syncs:run'
  | 'users:manage'
  | 'audit:read'
  | 'pii:read'
  | 'privacy:manage';

export interface Me {
  user: { id: number; email: string; name: string | null; role: string };
  permissions: Permission[];
  via: 'session' | 'token';
}

export interface ApiErrorBody {
  error: { code: string; message: string; path: string | null; hint?: string };
}

// ---------------------------------------------------------------- audiences (src/audiences/schema.ts)

export type ColumnKind = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'date' | 'json' | 'other';
export type ScalarValue = string | number | boolean;
export type Duration = { days: number } | { hours: number };

export type Operator =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'in'
  | 'not_in'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'ends_with'
  | 'is_null'
  | 'is_not_null'
  | 'is_true'
  | 'is_false'
  | 'before'
  | 'after'
  | 'within_last'
  | 'not_within_last';

/** An operator with its value; the value's shape depends on the operator. */
export interface Predicate {
  op: Operator;
  value?: ScalarValue | ScalarValue[] | Duration | null;
}
export type TraitCondition = { trait: string } & Predicate;
export type PropertyCondition = { property: string } & Predicate;
export type PropertyFilter = { all: PropertyFilter[] } | { any: PropertyFilter[] } | { not: PropertyFilter } | PropertyCondition;
export type CountComparison = { op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'; value: number } | { op: 'between'; value: [number, number] };

export interface EventCondition {
  event: string;
  count?: CountComparison;
  within?: Duration;
  between?: [string, string];
  where?: PropertyFilter;
}

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | TraitCondition
  | EventCondition
  | { audience: string };

export interface AudienceDefinition {
  name?: string;
  description?: string;
  where: Condition;
}

export interface AudienceSummary {
  name: string;
  origin: 'file' | 'state';
  description?: string;
  file?: string;
  id?: string;
  createdBy?: string | null;
  updatedAt?: string;
  error?: string;
  count?: number | null;
}

export interface AudienceDetail extends AudienceSummary {
  definition: AudienceDefinition & { name: string };
}

export interface AudienceCatalog {
  traits: Array<{ name: string; kind: ColumnKind }>;
  events: Array<{ name: string; sources: string[]; properties: Array<{ name: string; kind: ColumnKind }> }>;
}

export interface AudiencePreview {
  count: number;
  total: number;
  steps: Array<{ path: string; label: string; count: number }>;
  columns: string[];
  sample: Array<Record<string, unknown>>;
  milliseconds: number;
  /** True when PII-tagged columns of the sample are masked for the caller's role (no `pii:read`). */
  piiMasked?: boolean;
}

export interface AudienceSizePoint {
  at: string;
  size: number;
  entered: number;
  left: number;
}

// ---------------------------------------------------------------- identity and profiles

export interface IdentityStats {
  built: boolean;
  profiles: number;
  identifiers: number;
  records: number;
  merges: number;
  multiSourceProfiles: number;
  identifiersPerProfile: { avg: number; max: number };
  byIdType: Array<{ idType: string; identifiers: number; profiles: number }>;
  bySource: Array<{ source: string; records: number; profiles: number }>;
}

export interface ProfileView {
  profileId: string;
  mergedFrom: string | null;
  traits: Record<string, unknown>;
  identifiers: Array<{ idType: string; value: string; firstSeen: unknown; lastSeen: unknown }>;
  sources: Array<{ source: string; records: number }>;
  events: Array<{ source: string; event: string | null; at: unknown; properties: Record<string, unknown> }>;
  /** True when PII-tagged traits, identifiers and event properties are masked for the caller's role. */
  piiMasked?: boolean;
}

// ---------------------------------------------------------------- destinations

/** A JSON schema fragment, as z.toJSONSchema writes destination configs. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  format?: string;
  additionalProperties?: boolean | JsonSchema;
}

export interface DestinationType {
  type: string;
  /** The vendor's name, e.g. "HubSpot". */
  displayName?: string;
  label?: string;
  /** Its documentation page in the repository. */
  docs?: string;
  /** Config fields deciding where rows go: changing one clears the stored secrets (null: any field). */
  targetFields?: string[] | null;
  openFields?: boolean;
  fieldRule?: string;
  modes: string[];
  secretFields: string[];
  configSchema: JsonSchema;
  /** Destination fields to suggest in a sync's mapping, when the API knows them. */
  fields?: Array<{ name: string; type?: string; identifier?: boolean; required?: boolean; description?: string }>;
}

export interface DestinationView {
  name: string;
  type: string;
  config: Record<string, unknown>;
  secretFields: string[];
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
}

// ---------------------------------------------------------------- syncs (src/syncs/history.ts)

export type SyncMode = 'upsert' | 'update' | 'insert' | 'mirror' | 'add';
export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'interrupted';

export interface SyncRun {
  id: string;
  sync: string;
  destinationType: string;
  trigger: string;
  status: RunStatus;
  full: boolean;
  startedAt: string;
  finishedAt: string | null;
  resumedPlan: string | null;
  counts: { planned: number; sent: number; ok: number; rejected: number; retryable: number; retried: number };
  plan: { added: number; changed: number; removed: number };
  heldBack: Record<string, number>;
  planMs: number | null;
  firstErrors: Array<{ key: string; op: 'upsert' | 'remove'; status: 'rejected' | 'retryable'; error: string }>;
  error: string | null;
}

export interface RowLogEntry {
  runId: string;
  sync: string;
  key: string;
  op: 'upsert' | 'remove';
  status: 'ok' | 'rejected' | 'retryable';
  error: string | null;
  at: string;
}

/** A sync as the API shows it (src/server/services/syncs.ts). */
export interface SyncView {
  name: string;
  /** git: a file in syncs/ (changed in git); ui: made here. */
  origin: 'git' | 'ui';
  file: string | null;
  from: { audience: string } | { model: string };
  key: string;
  /** `name` is the stored destination (null for git syncs, whose config is inline). */
  destination: { type: string; name: string | null };
  mode: SyncMode;
  fields: Record<string, string>;
  schedule: string | null;
  lastRun: SyncRun | null;
  createdBy?: string | null;
  updatedAt?: string | null;
}

export interface SyncList {
  syncs: SyncView[];
  /** Sync files that could not be read, with why. */
  invalid: Array<{ file: string; error: string }>;
}

export interface SyncDetail extends SyncView {
  recentRuns: SyncRun[];
  state?: Record<string, number>;
}

/** Body of POST /api/syncs (PUT takes it without the name). */
export interface SyncInput {
  name: string;
  from: { audience: string };
  destination: string;
  mode: SyncMode;
  fields: Record<string, string>;
  schedule: string | null;
}

/** GET /api/schedules (and GET /api/runs for the pipeline job): a scheduled job. */
export interface JobStatus {
  key: string;
  kind: 'models' | 'sync';
  name: string;
  cron: string | null;
  origin: 'git' | 'ui' | 'options';
  paused: boolean;
  running: boolean;
  lastFireAt: string | null;
  nextFireAt: string | null;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastStatus: 'running' | 'success' | 'error' | 'skipped' | null;
  lastError: string | null;
  lastTrigger: string | null;
}

// ---------------------------------------------------------------- privacy (src/privacy/requests, src/server/services/privacy.ts)

/** GET /api/privacy/requests (and /:id, with the report). The person appears only as a SHA-256. */
export interface PrivacyRequest {
  id: string;
  kind: 'delete' | 'export';
  idType: string;
  valueSha256: string;
  status: 'running' | 'completed' | 'failed';
  requestedBy: string | null;
  createdAt: string;
  completedAt: string | null;
  /** A DeletionReport (deletions), an ExportSummary (exports), or `{error}` added when it failed. */
  report?: Record<string, unknown> | null;
}

export type DestinationAction = 'deleted' | 'removed' | 'not_supported' | 'not_delivered' | 'failed';

/** POST /api/privacy/deletions: what a deletion did (or, dry run, would do). No raw identifiers. */
export interface DeletionReport {
  requestId: string;
  kind: 'delete';
  dryRun: boolean;
  idType: string;
  valueSha256: string;
  requestedBy: string | null;
  startedAt: string;
  completedAt: string;
  complete: boolean;
  profilesFound: number;
  formerProfileIds: number;
  identifiers: { total: number; byType: Record<string, number>; newlySuppressed: number; alreadySuppressed: number };
  warehouse: Array<{ table: string; rows: number }>;
  destinations: Array<{
    sync: string;
    destinationType: string | null;
    action: DestinationAction;
    rows: number;
    status: 'ok' | 'partial' | 'failed' | 'skipped' | 'dry_run';
    results: { ok: number; rejected: number; retryable: number };
    errors: string[];
    stateRowsDeleted: number;
    logRowsDeleted: number;
    kept: number;
    at: string;
    note?: string;
  }>;
  /** `kind` consent: a consent source; `upstream`: the raw tables a model source is built from (delete there). */
  sourceRecords: Array<{ source: string; kind?: 'identity' | 'consent'; relation: string; records: number; upstream?: string[] }>;
  notes: string[];
  /** Set on a stored request that failed half-way. */
  error?: string;
}

/** The report stored for an export request: counts only. */
export interface ExportSummary {
  requestId: string;
  kind: 'export';
  profilesFound: number;
  identifiers: number;
  consentDecisions: number;
  audiences: number;
  destinations: number;
  sourceRecords: Array<{ source: string; records: number; truncated: boolean }>;
}

/** POST /api/privacy/exports: everything held about the person (raw values: handle with care). */
export interface SubjectExport {
  requestId: string;
  generatedAt: string;
  subject: { idType: string; value: string; normalized: string | null };
  profiles: Array<{ profileId: string; traits: Record<string, unknown> }>;
  formerProfileIds: string[];
  identifiers: Array<{ idType: string; value: string; firstSeen: unknown; lastSeen: unknown; sources: Array<{ source: string; records: number }> }>;
  consent: Array<{ purpose: string; status: string; decidedAt: unknown; source: string | null; idType: string | null }>;
  audiences: Array<{ audience: string; error?: string }>;
  destinations: Array<{ sync: string; destinationType: string | null; status: string; sentValues: Record<string, unknown> | null; lastAttemptAt: unknown; error: string | null }>;
  sourceRecords: Array<{ source: string; relation: string; rows: Array<Record<string, unknown>>; truncated: boolean }>;
  events: Array<{ source: string; event: string | null; at: unknown; recordKey: string }>;
}
