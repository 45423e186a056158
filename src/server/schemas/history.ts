import { z } from 'zod';
import { dateSchema } from './common.js';

export const IdentityBuildPointSchema = z.object({
  startedAt: dateSchema,
  finishedAt: dateSchema,
  mode: z.string().describe('full | incremental'),
  profiles: z.number(),
  identifiers: z.number(),
  merges: z.number().describe('Profile ids that disappeared into another profile during the build.'),
  splits: z
    .number()
    .nullable()
    .describe('Previous profiles whose identifiers the build spread over two profiles or more (null: not counted: builds before splits were recorded, backfilled builds).'),
  seconds: z.number(),
}).meta({ id: 'IdentityBuildPoint' });

export const SourceDayPointSchema = z.object({
  day: z.string().describe('UTC day, YYYY-MM-DD'),
  source: z.string(),
  records: z.number(),
}).meta({ id: 'SourceDayPoint' });

export const SyncDayPointSchema = z.object({
  day: z.string().describe('UTC day, YYYY-MM-DD'),
  runs: z.number(),
  success: z.number(),
  partial: z.number(),
  failed: z.number(),
  other: z.number().describe('Runs interrupted or still running.'),
  sent: z.number(),
  ok: z.number(),
  rejected: z.number(),
  avgMs: z.number().nullable().describe('Mean duration of the finished runs (null: none finished).'),
  matchRate: z.number().nullable().describe('Share of the rows sent that the vendors matched or accepted, 0..1, weighted by rows sent (null: no run reported one).'),
  simulated: z.number().describe('Runs simulated by `cdp demo` (trigger backfill), included in the counts.'),
}).meta({ id: 'SyncDayPoint' });

export const RowAttemptSchema = z.object({
  runId: z.string(),
  runStatus: z.enum(['success', 'running', 'failed', 'partial', 'interrupted']).nullable().describe('null: the run is older than the history kept'),
  trigger: z.enum(['cli', 'schedule', 'catch_up', 'manual', 'api', 'backfill']).nullable(),
  op: z.enum(['upsert', 'remove']),
  status: z.enum(['ok', 'rejected', 'retryable']),
  error: z.string().nullable().describe("The destination's answer when it refused the row."),
  at: dateSchema,
  payload: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The fields this run sent for the row (a removal: the values removed), masked without pii:read; null when not kept (older than the last privacy.syncPayloadRuns runs).'),
}).meta({ id: 'RowAttempt' });

export const RowDebugSchema = z.object({
  key: z.string(),
  profileId: z.string().nullable().describe('The profile an identifier lookup resolved to.'),
  attempts: z.array(RowAttemptSchema).describe('Newest first.'),
  delivered: z
    .object({
      status: z.string(),
      lastAttemptAt: dateSchema.nullable(),
      error: z.string().nullable(),
      values: z.record(z.string(), z.unknown()).nullable().describe('The payload fields last delivered (masked without pii:read).'),
    })
    .nullable()
    .describe('What the destination holds for the row (null: never sent).'),
  piiMasked: z.boolean(),
}).meta({ id: 'RowDebug' });

export const ErrorGroupSchema = z.object({
  status: z.enum(['rejected', 'retryable']),
  error: z.string(),
  rows: z.number(),
  lastAt: dateSchema,
  exampleKey: z.string(),
}).meta({ id: 'ErrorGroup' });
