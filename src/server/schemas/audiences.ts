import { z } from 'zod';
import { audienceDefinitionSchema } from '../../audiences/index.js';
import { RowSchema, columnKindSchema, dateSchema } from './common.js';

export const AudienceStepSchema = z.object({
  path: z.string().describe("Definition path of the condition, e.g. `where.all[2]`."),
  label: z.string(),
  count: z.number(),
}).meta({ id: 'AudienceStep' });

export const AudienceOverlapSchema = z.object({
  audiences: z.array(z.string()).describe("The audiences compared, in the order given."),
  total: z.number().describe("Every profile."),
  sizes: z.array(z.object({ audience: z.string(), count: z.number() })).describe("Members of each audience."),
  intersections: z.array(z.object({ audiences: z.array(z.string()), count: z.number() })).describe("For every combination of two or more audiences: profiles in all of them."),
  regions: z.array(z.object({ audiences: z.array(z.string()), count: z.number() })).describe("Profiles in exactly these audiences and no other of the list (the regions of a Venn diagram)."),
}).meta({ id: 'AudienceOverlap' });

export const AudienceSizePointSchema = z.object({
  at: dateSchema,
  size: z.number(),
  entered: z.number(),
  left: z.number(),
  simulated: z.boolean().describe('Made up by `cdp demo` so the charts show a trend (not a snapshot).'),
}).meta({ id: 'AudienceSizePoint' });

export const ValueCountSchema = z.object({
  value: z.union([z.string(), z.number(), z.boolean()]),
  count: z.number(),
}).meta({ id: 'ValueCount' });

/** An audience as lists show it: from a file in git (`origin: file`) or saved in the UI (`state`). */
const audienceFields = z.object({
  name: z.string(),
  origin: z.enum(["file", "state"]),
  description: z.string().optional(),
  file: z.string().describe("For file audiences: the file, relative to the project.").optional(),
  id: z.string().describe("For state-store audiences.").optional(),
  createdBy: z.string().nullable().optional(),
  updatedAt: dateSchema.optional(),
  error: z.string().describe("Why a file could not be read (the audience cannot be used until it is fixed).").optional(),
});

export const AudienceSummarySchema = audienceFields.extend({ count: z.number().nullable().optional().describe('members, with ?counts=true') }).meta({ id: 'AudienceSummary' });

export const AudienceDetailSchema = audienceFields.extend({ definition: audienceDefinitionSchema }).meta({ id: 'AudienceDetail' });

export const AudienceCatalogSchema = z.object({
  traits: z.array(
    z.object({
      name: z.string(),
      kind: columnKindSchema,
      label: z.string().describe('What people read: `profiles.traits.<name>.label` in the config, else the name with spaces.'),
      description: z.string().optional().describe('`profiles.traits.<name>.description` in the config.'),
      prediction: z.object({ name: z.string(), role: z.enum(['score', 'percentile']), meaning: z.string() }).optional().describe('Set on the columns a prediction writes: its score, or its percentile (0-100) among profiles.'),
    }),
  ),
  events: z.array(z.object({ name: z.string(), sources: z.array(z.string()), properties: z.array(z.object({ name: z.string(), kind: columnKindSchema })) })),
}).meta({ id: 'AudienceCatalog' });

export const AudienceCountSchema = z.object({
  count: z.number(),
  milliseconds: z.number(),
}).meta({ id: 'AudienceCount' });

export const AudiencePreviewSchema = z.object({
  count: z.number().describe("Members."),
  total: z.number().describe("Every profile (the funnel's starting point)."),
  steps: z.array(AudienceStepSchema).describe("Cumulative narrowing by each top-level condition of an `all` (one step otherwise)."),
  columns: z.array(z.string()).describe("Columns of `sample`: profile_id first, then the chosen traits."),
  sample: z.array(RowSchema).describe("Up to `limit` members, ordered by profile_id."),
  milliseconds: z.number().describe("Wall time of the preview queries."),
  piiMasked: z.boolean(),
}).meta({ id: 'AudiencePreview' });

export const AudienceSqlSchema = z.object({
  sql: z.string().describe('The SQL laid out for reading (sql-formatter, in the dialect asked for).'),
  executed: z.string().describe('The exact text that runs (and that the BigQuery/Snowflake checks parse).'),
}).meta({ id: 'AudienceSql' });

/** Value suggestions for the builder: the most frequent values of a column (src/server/services/value-suggestions.ts). */
const valueCounts = z.object({
  kind: columnKindSchema,
  values: z.array(ValueCountSchema).describe("The most frequent non-null values (matching the prefix), most frequent first; ties by value in byte order."),
  distinct: z.number().nullable().describe("How many distinct non-null values match (exact), and how many rows hold one: together they tell \"mostly unique\" columns (emails, ids) apart from enums. Null when PII hid the values."),
  total: z.number().nullable(),
  piiMasked: z.boolean().describe("True when the column is PII-tagged and the caller may not read PII: no values are returned at all."),
});

export const TraitValuesSchema = valueCounts.extend({ trait: z.string() }).meta({ id: 'TraitValues' });

export const EventPropertyValuesSchema = valueCounts.extend({ event: z.string(), property: z.string() }).meta({ id: 'EventPropertyValues' });

export const AudienceExplanationSchema = z.object({
  summary: z.string().describe('One sentence: who is in it.'),
  lines: z.array(z.object({ depth: z.number().int().min(0), text: z.string() })).describe('The conditions in plain words, as an outline (depth 0: top level).'),
}).meta({ id: 'AudienceExplanation' });

export const AudienceBreakdownSchema = z.object({
  trait: z.string(),
  kind: columnKindSchema,
  members: z.number().describe('Members of the audience.'),
  missing: z.number().describe('Members without a value.'),
  distinct: z.number().describe('Distinct values among members.'),
  values: z.array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), count: z.number(), share: z.number().describe('Of all members, 0..1.') })).describe('Most frequent values, most frequent first; ties by value.'),
  other: z.number().describe('Members with a value not in `values`.'),
  histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number() })).nullable().describe('Numeric traits: equal-width bins from the smallest to the largest value; whole numbers in a narrow range get one bin per value.'),
  piiMasked: z.boolean().describe('The trait is personal data and the caller may not read it: no values, no histogram.'),
}).meta({ id: 'AudienceBreakdown' });

export const AudienceMembersCsvSchema = z.string().describe('RFC 4180 CSV, CRLF line ends: a header line, then one line per member ordered by profile_id. Text starting like a spreadsheet formula (= + - @) is prefixed with `\'`.');

export const PriorityListCountsSchema = z.object({
  total: z.number().describe('Profiles assigned to any slot (each once).'),
  slots: z.array(z.object({ audience: z.string(), count: z.number() })).describe('Profiles assigned to each audience of the list, in list order: those held by an earlier audience are not counted again.'),
}).meta({ id: 'PriorityListCounts' });

export const PriorityListSummarySchema = z.object({
  name: z.string(),
  origin: z.enum(['file', 'state']).describe('`file`: a YAML file with `priority:` in the audiences folder (edited in git); `state`: saved over the API.'),
  description: z.string().optional(),
  priority: z.array(z.string()).describe('Audiences in order: each profile goes to the first that holds it.'),
  file: z.string().optional().describe('For file lists: the file, relative to the project.'),
  id: z.string().optional(),
  createdBy: z.string().nullable().optional(),
  updatedAt: dateSchema.optional(),
}).meta({ id: 'PriorityListSummary' });
