import type { Actor } from '../audit/index.js';
import type { Trigger } from '../state/repositories/job-states.js';

/** A job the scheduler knows: the model build, or one sync. */
export interface JobDefinition {
  /** `models` or `sync:<name>`. */
  key: string;
  kind: 'models' | 'sync';
  /** The sync's name; `models` for the build. */
  name: string;
  /** Cron expression, or null for manual runs only. */
  cron: string | null;
  timezone?: string;
  /** Where the definition lives: a file in git, the state store (made in the UI), or serve options. */
  origin: 'git' | 'ui' | 'options';
}

/** Options of one run: `select`/`fullRefresh` for the model build, `full` for a sync. */
export interface RunOptions {
  select?: string[];
  fullRefresh?: boolean;
  full?: boolean;
}

export interface RunContext {
  trigger: Trigger;
  options: RunOptions;
  actor: Actor;
  /** Aborted on shutdown or when the lease is lost: finish the current batch, then stop. */
  signal: AbortSignal;
}

/** What the scheduler schedules and how it runs it (the service wires the real pipeline and sync engine). */
export interface JobProvider {
  listSyncs(): Promise<Array<{ name: string; schedule: string | null; timezone?: string; origin: 'git' | 'ui' }>>;
  runSync(name: string, context: RunContext): Promise<unknown>;
  runModels(context: RunContext): Promise<unknown>;
  /** Housekeeping run daily (and once at start) whether or not any job runs: deletes raw run logs past retention. */
  pruneRunLogs?(): Promise<unknown>;
}

export const MODELS_JOB = 'models';
export const syncJobKey = (name: string): string => `sync:${name}`;
