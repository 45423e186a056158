import { z } from 'zod';
import { dateSchema, sourceTimestampSchema, warehouseTimestampSchema } from './common.js';

export const BuildStatsSchema = z.object({
  lastBuild: z.object({ finishedAt: dateSchema.nullable(), mode: z.string(), rounds: z.number(), seconds: z.number() }).nullable(),
  profiles: z.number(),
  records: z.object({ total: z.number(), resolved: z.number() }),
  identifiersByType: z.array(z.object({ idType: z.string(), identifiers: z.number() })),
  merges: z.object({ total: z.number(), lastBuild: z.number() }),
  largest: z.array(z.object({ profileId: z.string(), identifiers: z.number(), records: z.number() })),
  dropped: z.array(z.object({ reason: z.string(), idType: z.string(), values: z.number(), records: z.number() })),
}).meta({ id: 'BuildStats' });

export const IdentityStatsSchema = z.object({
  built: z.boolean(),
  profiles: z.number(),
  identifiers: z.number(),
  records: z.number(),
  merges: z.number(),
  multiSourceProfiles: z.number().describe("Profiles seen in more than one source."),
  identifiersPerProfile: z.object({ avg: z.number(), max: z.number() }),
  byIdType: z.array(z.object({ idType: z.string(), identifiers: z.number(), profiles: z.number() })),
  bySource: z.array(z.object({ source: z.string(), records: z.number(), profiles: z.number() })),
  build: BuildStatsSchema.nullable().describe("The identity build's own figures (last build, largest profiles, dropped identifiers), when its state tables exist."),
}).meta({ id: 'IdentityStats' });

export const SuppressionInfoSchema = z.object({
  requestId: z.string().nullable().describe("Null when the suppression predates request ids (an older table)."),
  suppressedAt: dateSchema.nullable(),
}).meta({ id: 'SuppressionInfo' });

export const ExplainedIdentifierSchema = z.object({
  idType: z.string(),
  value: z.string(),
}).meta({ id: 'ExplainedIdentifier' });

export const PairFieldSchema = z.object({
  field: z.string(),
  level: z.string().describe("The comparison level the pair reached (`null`: a side is missing, `else`: no listed level)."),
  weight: z.number().describe("The level's match weight, log2(m / u)."),
  tfAdjustment: z.number().nullable().describe("Term-frequency adjustment added on an exact agreement (log2(u_exact / tf(value))), null when none applies."),
}).meta({ id: 'PairField' });

export const PairExplanationSchema = z.object({
  left: z.object({ source: z.string(), recordKey: z.string() }),
  right: z.object({ source: z.string(), recordKey: z.string() }),
  priorWeight: z.number().describe("log2(prior / (1 - prior))."),
  fields: z.array(PairFieldSchema),
  weight: z.number().describe("priorWeight + Σ (field weight + tf adjustment): the pair's match weight."),
  probability: z.number().describe("1 / (1 + 2^-weight)."),
}).meta({ id: 'PairExplanation' });

export const ExplainLinkSchema = z.object({
  from: ExplainedIdentifierSchema,
  to: ExplainedIdentifierSchema,
  kind: z.enum(["deterministic", "probabilistic"]).describe("deterministic: both identifiers appear on one record; probabilistic: a matched pair of records (the model's decision)."),
  source: z.string().describe("A record on which both identifiers appear (probabilistic: the pair's record on the `from` side)."),
  recordKey: z.string(),
  ts: dateSchema.nullable(),
  match: z.object({ probability: z.number().describe("Match probability stored on the edge by the build."), weight: z.number().nullable().describe("log2(p / (1 - p)) of the stored probability (null when p rounds to 1)."), pair: PairExplanationSchema.nullable().describe("The pair behind the edge, re-scored with the stored model (null: no such pair in the sources now, or no stored model).") }).describe("A probabilistic hop's evidence: the edge's stored match probability, and the pair re-scored field by field.").optional(),
}).meta({ id: 'ExplainLink' });

export const ProfileEventSchema = z.object({
  source: z.string(),
  event: z.string().nullable(),
  at: sourceTimestampSchema,
  properties: z.record(z.string(), z.unknown()),
}).meta({ id: 'ProfileEvent' });

export const ProfileViewSchema = z.object({
  profileId: z.string(),
  mergedFrom: z.string().nullable().describe("Set when the id asked for was merged into this profile."),
  traits: z.record(z.string(), z.unknown()),
  identifiers: z.array(z.object({ idType: z.string(), value: z.string(), firstSeen: warehouseTimestampSchema, lastSeen: warehouseTimestampSchema })),
  sources: z.array(z.object({ source: z.string(), records: z.number() })),
  events: z.array(ProfileEventSchema),
  piiMasked: z.boolean().describe("True when PII-tagged traits, identifiers and event properties were masked for the caller's role."),
}).meta({ id: 'ProfileView' });

export const IdentityExplanationSchema = z.object({
  idType: z.string(),
  input: z.string(),
  normalized: z.string().nullable().describe("The value as it links (normalised), or null when it is not a valid identifier of the type."),
  status: z.enum(["unknown", "linked", "dropped", "suppressed"]).describe("linked: in a profile; dropped: refused (junk, blocklist, invalid, quarantine, limit); suppressed: erased by a privacy request (in `identity_suppressions`), rows carrying it are left out of every build; unknown: never seen."),
  suppressed: SuppressionInfoSchema.nullable().describe("The deletion request that suppressed the value (null: not suppressed)."),
  dropped: z.array(z.object({ reason: z.string(), detail: z.string().nullable(), records: z.number() })),
  profileId: z.string().nullable(),
  anchor: ExplainedIdentifierSchema.nullable(),
  identifiers: z.array(z.object({ idType: z.string(), value: z.string(), firstSeen: dateSchema.nullable() })),
  sources: z.array(z.object({ source: z.string(), records: z.number() })),
  chain: z.array(ExplainLinkSchema).describe("The links from the value to the profile's anchor, one record each."),
  seenWith: z.array(z.string()).describe("Other profiles holding records that carry this value (when its links were dropped)."),
  piiMasked: z.boolean(),
}).meta({ id: 'IdentityExplanation' });
