import { z } from 'zod';
import { RowSchema, sourceTimestampSchema, warehouseTimestampSchema } from './common.js';

export const TableErasureSchema = z.object({
  table: z.string(),
  rows: z.number(),
}).meta({ id: 'TableErasure' });

export const DestinationErasureSchema = z.object({
  sync: z.string(),
  destinationType: z.string().nullable(),
  action: z.enum(["deleted", "removed", "not_supported", "not_delivered", "failed"]),
  rows: z.number().describe("Delivered rows handed to the destination (or that a dry run would hand it)."),
  status: z.enum(["ok", "skipped", "failed", "partial", "dry_run"]),
  results: z.object({ ok: z.number(), rejected: z.number(), retryable: z.number() }),
  errors: z.array(z.string()).describe("The vendor's reasons, with emails and the person's identifiers masked."),
  stateRowsDeleted: z.number().describe("Rows of the person removed from the sync's state and row logs."),
  logRowsDeleted: z.number(),
  planRowsDeleted: z.number().describe("Rows of the person (with the values sent) removed from the sync's last plan (`sync_plan_<sync>`, `sync_dryplan_<sync>`)."),
  kept: z.number().describe("Rows kept in the state because the vendor call did not confirm: running the request again retries them."),
  at: z.string(),
  note: z.string().optional(),
}).meta({ id: 'DestinationErasure' });

export const SourceRecordCountSchema = z.object({
  source: z.string().describe("The identity source's or consent source's name."),
  kind: z.enum(["identity", "consent"]).describe("`identity.sources` or `privacy.consent.sources`."),
  relation: z.string().describe("The relation the source reads (schema.table)."),
  records: z.number().describe("Rows of it carrying one of the person's identifiers (in any identifier column, normalised)."),
  upstream: z.array(z.string()).describe("Only when `relation` is a model (rebuilt from other tables: deleting in it achieves nothing): the warehouse tables it is built from, through its refs, as `schema.table` (its `source()` calls, the tables `sources.yml` documents). That is where the rows must be deleted. Empty when the model names its tables without `source()`.").optional(),
}).meta({ id: 'SourceRecordCount' });

export const DeletionReportSchema = z.object({
  requestId: z.string(),
  kind: z.literal("delete"),
  dryRun: z.boolean(),
  idType: z.string(),
  valueSha256: z.string(),
  requestedBy: z.string().nullable(),
  startedAt: z.string(),
  completedAt: z.string(),
  complete: z.boolean().describe("True when every destination confirmed (or could do nothing); false: run the request again to retry."),
  profilesFound: z.number(),
  formerProfileIds: z.number().describe("Earlier ids of the profile (merges) whose rows were deleted too."),
  identifiers: z.object({ total: z.number(), byType: z.record(z.string(), z.number()), newlySuppressed: z.number(), alreadySuppressed: z.number() }),
  warehouse: z.array(TableErasureSchema),
  destinations: z.array(DestinationErasureSchema),
  sourceRecords: z.array(SourceRecordCountSchema).describe("Raw rows in the customer's own tables that still carry the person's identifiers (not ours to delete)."),
  notes: z.array(z.string()),
}).meta({ id: 'DeletionReport' });

export const ExportedIdentifierSchema = z.object({
  idType: z.string(),
  value: z.string(),
  firstSeen: warehouseTimestampSchema,
  lastSeen: warehouseTimestampSchema,
  sources: z.array(z.object({ source: z.string(), records: z.number() })).describe("Identity sources whose rows carry it, with how many rows."),
}).meta({ id: 'ExportedIdentifier' });

export const ConsentDecisionSchema = z.object({
  purpose: z.string(),
  status: z.string(),
  decidedAt: sourceTimestampSchema,
  source: z.string().nullable(),
  idType: z.string().nullable(),
}).meta({ id: 'ConsentDecision' });

export const AudienceMembershipSchema = z.object({
  audience: z.string(),
  error: z.string().describe("Set when the audience could not be evaluated (e.g. it names a trait that no longer exists).").optional(),
}).meta({ id: 'AudienceMembership' });

export const DeliverySchema = z.object({
  sync: z.string(),
  destinationType: z.string().nullable(),
  status: z.string(),
  sentValues: z.record(z.string(), z.unknown()).nullable().describe("The values last delivered (null when nothing was ever confirmed)."),
  lastAttemptAt: warehouseTimestampSchema,
  error: z.string().nullable(),
}).meta({ id: 'Delivery' });

export const SourceRecordsSchema = z.object({
  source: z.string(),
  relation: z.string(),
  rows: z.array(RowSchema),
  truncated: z.boolean().describe("More rows than the export reads per source."),
}).meta({ id: 'SourceRecords' });

export const SubjectEventSchema = z.object({
  source: z.string(),
  event: z.string().nullable(),
  at: sourceTimestampSchema,
  recordKey: z.string(),
}).meta({ id: 'SubjectEvent' });

export const SubjectExportSchema = z.object({
  requestId: z.string(),
  generatedAt: z.string(),
  subject: z.object({ idType: z.string(), value: z.string(), normalized: z.string().nullable() }),
  profiles: z.array(z.object({ profileId: z.string(), traits: z.record(z.string(), z.unknown()) })),
  formerProfileIds: z.array(z.string()).describe("Earlier ids of the profile (before merges)."),
  identifiers: z.array(ExportedIdentifierSchema),
  consent: z.array(ConsentDecisionSchema).describe("The decision in force per purpose (`<schema>.consent`)."),
  consentHistory: z.array(ConsentDecisionSchema).describe("Every decision of the consent sources that reached the person, oldest first (the proof behind `consent`)."),
  audiences: z.array(AudienceMembershipSchema),
  destinations: z.array(DeliverySchema),
  sourceRecords: z.array(SourceRecordsSchema),
  events: z.array(SubjectEventSchema),
}).meta({ id: 'SubjectExport' });

export const PrivacyRequestViewSchema = z.object({
  id: z.string(),
  kind: z.enum(["delete", "export"]),
  idType: z.string(),
  valueSha256: z.string(),
  status: z.enum(["running", "failed", "completed"]),
  requestedBy: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  report: z.record(z.string(), z.unknown()).nullable().optional(),
}).meta({ id: 'PrivacyRequestView' });
