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
  m: z.number().nullable().describe("The level's m-probability (share of matching pairs at this level) in the stored model; null for the null level."),
  u: z.number().nullable().describe("The level's u-probability (share of random pairs at this level); null for the null level."),
  weight: z.number().describe("The level's match weight, log2(m / u) (the log2 Bayes factor; 0 on the null level)."),
  tfAdjustment: z.number().nullable().describe("Term-frequency adjustment added on an exact agreement (log2(u_exact / tf(value))), null when none applies."),
  left: z.string().nullable().describe("The left record's value of the field as compared (trimmed, lower-cased; null: missing); masked without pii:read."),
  right: z.string().nullable(),
}).meta({ id: 'PairField' });

export const PairExplanationSchema = z.object({
  left: z.object({ source: z.string(), recordKey: z.string() }),
  right: z.object({ source: z.string(), recordKey: z.string() }),
  prior: z.number().describe("The stored model's prior: the probability that two random records match."),
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

export const RecordRefSchema = z.object({ source: z.string(), recordKey: z.string().describe('masked for roles without profiles:read') }).meta({ id: 'RecordRef' });

export const PairExplainSchema = PairExplanationSchema.extend({
  threshold: z.number().describe('The configured threshold as a match probability.'),
}).meta({ id: 'PairExplain' });

export const ProfileMatchesSchema = z.object({
  threshold: z.number().describe('The configured threshold as a match probability.'),
  total: z.number().describe("Stored probabilistic pairs (at or above the threshold) with a record in the profile."),
  pairs: z.array(z.object({
    linked: z.boolean().describe('Whether the build linked the pair (false: refused by the guard rails, or the records were already together).'),
    storedProbability: z.number().describe('The match probability the build stored for the pair.'),
    explanation: PairExplanationSchema.nullable().describe('The pair re-scored field by field with the stored model (null: a record no longer takes part).'),
  })),
}).meta({ id: 'ProfileMatches' });

export const ReviewAnswerSchema = z.enum(['match', 'non_match', 'skip']);

export const ReviewQueueSchema = z.object({
  threshold: z.number(),
  band: z.number().describe('Pairs whose match probability is within this distance of the threshold.'),
  total: z.number().describe('Pairs in the band, answered or not.'),
  answers: z.object({ match: z.number(), non_match: z.number(), skip: z.number() }).describe('Answered pairs by answer (all pairs, not only this band).'),
  offset: z.number(),
  hasMore: z.boolean(),
  items: z.array(z.object({
    rank: z.number().describe('Position in the queue as listed (1 = closest to the threshold): tells items apart when keys are masked.'),
    left: RecordRefSchema,
    right: RecordRefSchema,
    matchProbability: z.number(),
    matchWeight: z.number(),
    distance: z.number().describe('|match probability - threshold|'),
    linked: z.boolean(),
    review: z.object({ answer: ReviewAnswerSchema, by: z.string().nullable(), at: dateSchema }).nullable(),
  })),
}).meta({ id: 'ReviewQueue' });

export const ReviewAnswerResultSchema = z.object({
  left: RecordRefSchema,
  right: RecordRefSchema,
  answer: ReviewAnswerSchema,
  matchProbability: z.number().nullable(),
  answeredBy: z.object({ id: z.string().nullable(), email: z.string().nullable() }),
  answeredAt: dateSchema,
}).meta({ id: 'ReviewAnswerResult' });
