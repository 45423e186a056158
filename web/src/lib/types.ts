/**
 * The shapes the REST API answers with, named for the UI. Every one comes from api-types.ts,
 * which `npm run api-types` generates from GET /api/openapi.json (itself made from the routes'
 * zod schemas in src/server): nothing here is copied by hand, so a changed route shows up as a
 * type error in the page that reads it. A test fails when api-types.ts is stale.
 */
import type { components, paths } from './api-types';

type Schemas = components['schemas'];

/** The JSON body of a path's successful answer, e.g. `Answer<'/api/syncs', 'get'>`. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = paths[P][M] extends {
  responses: { [code in 200 | 201 | 202]?: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

/** The JSON body a path takes, e.g. `Body<'/api/syncs', 'post'>`. */
export type Body<P extends keyof paths, M extends 'post' | 'put' | 'patch'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type Me = Schemas['Me'];
export type Permission = Me['permissions'][number];
export type ApiErrorBody = Schemas['Error'];

// ---------------------------------------------------------------- audiences (src/audiences/schema.ts)

export type ColumnKind = Schemas['ColumnKind'];
export type Condition = Schemas['Condition'];
export type PropertyFilter = Schemas['PropertyFilter'];
export type TraitCondition = Extract<Condition, { trait: string }>;
type EventLike = Extract<Condition, { event: string }>;
export type AggregateCondition = Extract<EventLike, { aggregate: unknown }>;
export type SequenceCondition = Extract<Condition, { sequence: unknown }>;
export type SequenceStep = SequenceCondition['sequence'][number];
/** "Did X" with how often and when: the event conditions that are neither aggregates nor first/last times. */
export type EventCondition = Extract<Exclude<EventLike, AggregateCondition>, { count?: unknown }>;
export type AggregateFunction = AggregateCondition['aggregate']['fn'];
export type AudienceSplits = NonNullable<AudienceDetail['definition']['splits']>;
/** The members of a union that declare key K (optional or not: the generated types mark first/last optional). */
type Declaring<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T : never) : never;
export type FirstLastCondition = Declaring<Condition, 'first'>;
export type PropertyCondition = Extract<PropertyFilter, { property: string }>;
export type Operator = TraitCondition['op'];
export type ScalarValue = Extract<TraitCondition, { value: string | number | boolean }>['value'];
export type Duration = Extract<TraitCondition, { value: { days: number } | { hours: number } }>['value'];
export type CountComparison = NonNullable<EventCondition['count']>;

/**
 * An operator with its value, as the builder edits it: the API's conditions pair each operator
 * with its value's shape; while a user switches operators the draft holds any of them.
 */
export interface Predicate {
  op: Operator;
  value?: TraitCondition['value'] | null;
}

export type AudienceDefinition = Body<'/api/audiences', 'post'>;
export type AudienceSummary = Schemas['AudienceSummary'];
export type AudienceDetail = Schemas['AudienceDetail'];
export type AudienceCatalog = Schemas['AudienceCatalog'];
export type AudiencePreview = Schemas['AudiencePreview'];
export type AudienceSizePoint = Schemas['AudienceSizePoint'];
export type AudienceExplanation = Schemas['AudienceExplanation'];
export type AudienceBreakdown = Schemas['AudienceBreakdown'];
export type AudienceOverlap = Schemas['AudienceOverlap'];

// ---------------------------------------------------------------- identity and profiles

export type IdentityStats = Schemas['IdentityStats'];
export type ProfileView = Schemas['ProfileView'];

// ---------------------------------------------------------------- destinations

/** A JSON schema fragment, as z.toJSONSchema writes destination configs (the API sends it as an object). */
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

export type DestinationType = Omit<Schemas['DestinationType'], 'configSchema'> & {
  configSchema: JsonSchema;
  label?: string;
  /** Destination fields to suggest in a sync's mapping, when the API knows them. */
  fields?: Array<{ name: string; required?: boolean; description?: string }>;
};
export type DestinationView = Schemas['DestinationView'];

// ---------------------------------------------------------------- syncs (src/state/repositories/sync-runs.ts)

export type SyncRun = Schemas['SyncRunRecord'];
export type RunStatus = SyncRun['status'];
export type RowLogEntry = Schemas['LogEntry'];
export type SyncView = Schemas['SyncView'];
export type SyncList = Schemas['SyncList'];
export type SyncDetail = Schemas['SyncDetail'];
export type SyncMode = NonNullable<Body<'/api/syncs', 'post'>['mode']>;
/** Body of POST /api/syncs (PUT takes it without the name). */
export type SyncInput = Body<'/api/syncs', 'post'>;

/** GET /api/schedules (and GET /api/runs for the pipeline job): a scheduled job. */
export type JobStatus = Schemas['JobStatus'];

// ---------------------------------------------------------------- privacy (src/privacy/requests, src/server/services/privacy.ts)

/** GET /api/privacy/requests (and /:id, with the report). The person appears only as a SHA-256. */
export type PrivacyRequest = Schemas['PrivacyRequestView'];
export type DeletionReport = Schemas['DeletionReport'];
export type DestinationAction = Schemas['DestinationErasure']['action'];
export type SubjectExport = Schemas['SubjectExport'];

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

export type PredictionView = Schemas['PredictionView'];
export type PredictionDetail = Schemas['PredictionDetail'];
export type ClassifierQuality = Schemas['ClassifierQuality'];
export type RegressionQuality = Schemas['RegressionQuality'];
export type PriorityListCounts = Schemas['PriorityListCounts'];
export type PriorityListSummary = Schemas['PriorityListSummary'];
export type PairExplanation = Schemas['PairExplanation'];
export type PairExplain = Schemas['PairExplain'];
export type ProfileMatches = Schemas['ProfileMatches'];
export type ReviewQueue = Schemas['ReviewQueue'];
export type ReviewItem = ReviewQueue['items'][number];
export type ReviewAnswer = Body<'/api/identity/review/answers', 'post'>['answer'];
