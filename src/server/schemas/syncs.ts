import { z } from 'zod';
import { SYNC_MODES } from '../../destinations/index.js';
import { fieldMappingSchema } from '../../syncs/definition.js';
import { dateSchema } from './common.js';

export const RunCountsSchema = z.object({
  planned: z.number().describe("Rows in the plan(s) this run executed (a resumed plan's remaining rows included)."),
  sent: z.number().describe("Rows handed to the destination."),
  ok: z.number(),
  rejected: z.number(),
  retryable: z.number().describe("Rows that ended retryable: the next run sends them again."),
  retried: z.number().describe("Rows planned because an earlier run left them retryable or unconfirmed."),
}).meta({ id: 'RunCounts' });

export const RowErrorSchema = z.object({
  key: z.string(),
  op: z.enum(["upsert", "remove"]),
  status: z.enum(["rejected", "retryable"]),
  error: z.string(),
}).meta({ id: 'RowError' });

export const RunReachSchema = z.object({
  source: z.enum(["vendor", "rows"]).describe("vendor: the vendor's own counts (Meta num_received/num_invalid_entries, an audience size); rows: the per-row results stand in."),
  received: z.number().nullable().describe("Rows the vendor said it received."),
  invalid: z.number().nullable().describe("Of those, rows the vendor found invalid."),
  matched: z.number().nullable().describe("Rows the vendor matched to its users, where it says."),
  audienceSize: z.number().nullable().describe("The audience's size as the vendor reported it at the end of the run."),
  matchRate: z.number().nullable().describe("0..1: matched (or accepted) share of received rows; for per-row vendors the share of rows that ended ok. Null when nothing was sent."),
}).meta({ id: 'RunReach' });

export const SyncRunRecordSchema = z.object({
  id: z.string(),
  sync: z.string(),
  destinationType: z.string(),
  trigger: z.enum(["cli", "schedule", "catch_up", "manual", "api", "backfill"]),
  status: z.enum(["success", "running", "failed", "partial", "interrupted"]),
  full: z.boolean(),
  startedAt: dateSchema,
  finishedAt: dateSchema.nullable(),
  resumedPlan: z.string().nullable().describe("Id of the earlier run whose unfinished plan this run completed first."),
  counts: RunCountsSchema,
  plan: z.object({ added: z.number(), changed: z.number(), removed: z.number() }).describe("Plan composition: rows new to the destination, changed, and removed."),
  heldBack: z.record(z.string(), z.number()).describe("Rows kept out of the plan by each plan filter (e.g. consent)."),
  planMs: z.number().nullable(),
  firstErrors: z.array(RowErrorSchema),
  error: z.string().nullable(),
  reach: RunReachSchema.nullable().describe("What the vendor made of the rows: match rate, invalid entries, audience size (null until the run finished)."),
}).meta({ id: 'SyncRunRecord' });

export const SyncViewSchema = z.object({
  name: z.string(),
  origin: z.enum(["git", "ui"]).describe("git: a file in syncs/ (read-only here); ui: made through the API."),
  file: z.string().nullable(),
  from: z.union([z.object({ audience: z.string(), split: z.string().optional() }), z.object({ model: z.string() }), z.object({ priority_list: z.string(), slot: z.string() })]),
  key: z.string(),
  destination: z.object({ type: z.string(), name: z.string().nullable() }),
  mode: z.enum(SYNC_MODES),
  fields: z.record(z.string(), z.string()).describe('What each destination field reads: a column, or for `{ identifier }` fields "identity graph: <id type>, <prefer>".'),
  mappings: z.record(z.string(), fieldMappingSchema).describe('The field mappings as written (a column, `{ column, as }` or `{ identifier, prefer }`): what the sync bodies take.'),
  schedule: z.string().nullable(),
  lastRun: SyncRunRecordSchema.nullable(),
  createdBy: z.string().nullable().optional(),
  updatedAt: z.string().nullable().optional(),
}).meta({ id: 'SyncView' });

export const PlanCountsSchema = z.object({
  current: z.number().describe("Rows of the audience/model that are eligible (key not null, passing every filter)."),
  nullKeys: z.number().describe("Rows of the audience/model with a NULL key (never sent)."),
  heldBack: z.record(z.string(), z.number()),
  added: z.number(),
  changed: z.number(),
  retry: z.number(),
  full: z.number(),
  removed: z.number(),
  replaced: z.number(),
  upserts: z.number(),
  removes: z.number(),
  total: z.number(),
}).meta({ id: 'PlanCounts' });

export const PlanSampleRowSchema = z.object({
  op: z.string(),
  reason: z.string(),
  key: z.string(),
  fields: z.record(z.string(), z.unknown()),
}).meta({ id: 'PlanSampleRow' });

export const AudienceSnapshotSchema = z.object({
  audience: z.string(),
  at: dateSchema,
  size: z.number(),
  entered: z.number(),
  left: z.number(),
  milliseconds: z.number(),
}).meta({ id: 'AudienceSnapshot' });

export const LogEntrySchema = z.object({
  runId: z.string(),
  planId: z.string(),
  key: z.string(),
  op: z.enum(["upsert", "remove"]),
  status: z.enum(["ok", "rejected", "retryable"]),
  error: z.string().nullable(),
  at: dateSchema,
}).meta({ id: 'LogEntry' });

export const SyncListSchema = z.object({
  syncs: z.array(SyncViewSchema),
  invalid: z.array(z.object({ file: z.string(), error: z.string() })),
  piiMasked: z.boolean(),
}).meta({ id: 'SyncList' });

/** One sync with its recent runs: GET /api/syncs/:name, and what creating or changing one answers. */
export const SyncDetailSchema = SyncViewSchema.extend({
  recentRuns: z.array(SyncRunRecordSchema),
  state: z.record(z.string(), z.number()).optional(),
  piiMasked: z.boolean(),
}).meta({ id: 'SyncDetail' });

export const SyncRunResultSchema = z.object({
  runId: z.string().nullable().describe("Null for a dry run (nothing is recorded)."),
  sync: z.string(),
  status: z.enum(["success", "running", "failed", "partial", "dry_run", "interrupted"]),
  plan: PlanCountsSchema.describe("The new plan of this run (empty counts when the run stopped before planning)."),
  counts: RunCountsSchema,
  firstErrors: z.array(RowErrorSchema),
  error: z.string().nullable(),
  reach: RunReachSchema.optional(),
  resumedPlan: z.string().nullable().describe("The earlier run whose unfinished plan this run completed first."),
  planMs: z.number().nullable(),
  sendMs: z.number().describe("Time spent sending batches and committing their results (resumed plan included)."),
  foldMs: z.number().describe("Time spent folding committed results into the state and the row log (warehouse, set-based)."),
  seconds: z.number(),
  sample: z.array(PlanSampleRowSchema).describe("Dry runs: the first planned ops.").optional(),
  audienceSnapshot: AudienceSnapshotSchema.describe("Audience syncs that ended `success` or `partial`: the membership snapshot this run took because the audience had none since the last profiles build (absent otherwise).").optional(),
  piiMasked: z.boolean(),
}).meta({ id: 'SyncRunResult' });
