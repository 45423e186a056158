/**
 * The state store: what the platform itself remembers (builds, runs, schedules, audiences made in
 * the UI, users, audit log). knex over SQLite by default, Postgres in production; migrations run
 * on open. Each table's access lives in its own repository under ./repositories (the only code that
 * names a state table), exported from here.
 */
import knexFactory, { type Knex } from 'knex';
import type { StateConfig } from '../config/index.js';
import { CdpError } from '../errors.js';
import { stateConnection } from './connection.js';
import { migrateToLatest } from './migrate.js';
import { migrations as allMigrations } from './migrations/index.js';
import { modelBuildsRepository, type ModelBuildsRepository } from './repositories/model-builds.js';
import type { Migration, StateDialect } from './types.js';

export type { Migration, StateDialect } from './types.js';
export type { ModelBuild, ModelBuildRecord, ModelBuildStatus, ModelBuildsRepository } from './repositories/model-builds.js';
export { MODEL_BUILD_STATUSES } from './repositories/model-builds.js';
export { dateColumn, intColumn, jsonColumn, toMs, toMsOrNull, isoOrNull } from './time.js';
export { UserStore, emailSchema, passwordSchema, type User, type NewUser, type UserChanges } from './repositories/users.js';
export { SessionStore, DEFAULT_SESSION_TTL_MS } from './repositories/sessions.js';
export { ApiTokenStore, type ApiToken } from './repositories/api-tokens.js';
export { SecretStore } from './repositories/secrets.js';
export { rotateSecretKey, type RotationResult } from './repositories/secret-rotation.js';
export { LeaseStore, localOwner, processAlive, type LeaseInfo } from './repositories/leases.js';
export { JobStateStore, type JobState, type Trigger, type JobStatusValue } from './repositories/job-states.js';
export { AuditLog, SYSTEM_ACTOR, scrubDetails, type Actor, type AuditInput, type AuditEntry, type AuditQuery } from './repositories/audit-log.js';
export {
  SyncHistory,
  RUN_STATUSES,
  RUN_TRIGGERS,
  SIMULATED_TRIGGER,
  type RunStatus,
  type RunTrigger,
  type RunCounts,
  type RunReach,
  type RowError,
  type RowLogEntry,
  type SyncRunRecord,
} from './repositories/sync-runs.js';
export { AlertRuleRepository, EVERY_SYNC, type StoredAlertRuleOf } from './repositories/alert-rules.js';
export { AudienceRepository, type BrokenStoredAudience, type StoredAudienceOf } from './repositories/audiences.js';
export { MatchReviewStore, canonicalPair, pairKey, REVIEW_ANSWERS, type MatchReview, type ReviewAnswer, type RecordSide, type CanonicalPair } from './repositories/match-reviews.js';
export {
  PrivacyRequestRepository,
  REQUEST_KINDS,
  REQUEST_STATUSES,
  type PrivacyRequestRecord,
  type RequestKind,
  type RequestStatus,
} from './repositories/privacy-requests.js';

export interface StateStore {
  readonly knex: Knex;
  readonly dialect: StateDialect;
  readonly modelBuilds: ModelBuildsRepository;
  close(): Promise<void>;
}

export interface OpenStateOptions {
  /** Migrations to apply instead of the built-in list (tests). */
  migrations?: readonly Migration[];
}

/** Opens (creating when needed) the project's state store and migrates it to the latest schema. */
export async function openStateStore(config: StateConfig, projectDir: string, options: OpenStateOptions = {}): Promise<StateStore> {
  let knex: Knex | undefined;
  let dialect: StateDialect;
  try {
    const connection = stateConnection(config, projectDir);
    dialect = connection.dialect;
    knex = knexFactory(connection.knexConfig);
    await migrateToLatest(knex, dialect, connection.schema, options.migrations ?? allMigrations, connection.key);
  } catch (error) {
    await knex?.destroy().catch(() => undefined);
    const where = config.client === 'pg' ? 'the Postgres state store' : `the SQLite state store ${config.filename}`;
    throw new CdpError('STATE', `cannot open ${where}: ${(error as Error).message}`, {
      cause: error,
      location: { path: config.client === 'pg' ? 'state.connection' : 'state.filename' },
      hint:
        config.client === 'pg'
          ? 'check that the server runs, the connection URL is right and the role may create tables in the schema'
          : 'check that the directory is writable and no other program holds the file',
    });
  }
  let closed: Promise<void> | undefined;
  const opened = knex;
  return {
    knex: opened,
    dialect,
    modelBuilds: modelBuildsRepository(opened),
    close() {
      closed ??= opened.destroy();
      return closed;
    },
  };
}
