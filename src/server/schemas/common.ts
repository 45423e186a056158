import { z } from 'zod';
import type { ColumnKind } from '../../warehouse/index.js';

/** A date-time as JSON carries it: an ISO 8601 string. */
export const dateSchema = z.string().describe('ISO 8601 date-time');

const COLUMN_KINDS = ['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json', 'other'] as const satisfies readonly ColumnKind[];

/** What kind of values a warehouse column holds (src/warehouse/types.ts). */
export const columnKindSchema = z.enum(COLUMN_KINDS).meta({ id: 'ColumnKind' });

/** A timestamp the identity build wrote: an ISO 8601 string, or null where the row has none. */
export const warehouseTimestampSchema = z.string().nullable().describe('ISO 8601 date-time (null: none recorded)');

/**
 * The value of a customer's own timestamp column (an event's, a consent decision's) as read: an
 * ISO 8601 string for TIMESTAMP/DATE columns, or the number or text the column holds.
 */
export const sourceTimestampSchema = z.union([z.string(), z.number()]).nullable().describe('the source row’s timestamp column: ISO 8601 for timestamp and date columns');

export const RowSchema = z.record(z.string(), z.unknown()).meta({ id: 'Row' });

export const ActorSchema = z.object({
  type: z.enum(["user", "token", "scheduler", "system", "cli"]),
  id: z.string().nullable().describe("User id for people; the process id for the scheduler."),
  email: z.string().nullable(),
}).meta({ id: 'Actor' });

export const JobStatusSchema = z.object({
  paused: z.boolean(),
  running: z.boolean(),
  runningOwner: z.string().nullable(),
  lastFireAt: z.string().nullable(),
  nextFireAt: z.string().nullable(),
  lastStartedAt: z.string().nullable(),
  lastFinishedAt: z.string().nullable(),
  lastStatus: z.enum(["success", "error", "skipped", "running"]).nullable(),
  lastError: z.string().nullable(),
  lastTrigger: z.enum(["schedule", "catch_up", "manual"]).nullable(),
  lastRunStatus: z.enum(["success", "running", "failed", "partial", "interrupted"]).nullable().optional().describe("Syncs: how the last recorded run ended (a run that delivered none of its rows is `partial`, though the job did not fail)."),
  lastRunId: z.string().nullable().optional().describe("Syncs: the id of the last recorded run."),
  key: z.string().describe("`models` or `sync:<name>`."),
  kind: z.enum(["models", "sync"]),
  name: z.string().describe("The sync's name; `models` for the build."),
  cron: z.string().nullable().describe("Cron expression, or null for manual runs only."),
  timezone: z.string().optional(),
  origin: z.enum(["options", "git", "ui"]).describe("Where the definition lives: a file in git, the state store (made in the UI), or serve options."),
}).meta({ id: 'JobStatus' });

/** A job started in the background (202): poll its status. */
export const JobStartedSchema = z.object({
  key: z.string(),
  startedAt: z.string(),
}).meta({ id: 'JobStarted' });
