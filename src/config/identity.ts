import { z } from 'zod';

/** SQL identifiers we generate from config names: kept simple so they quote the same everywhere. */
export const NAME_MAX_LENGTH = 128;
export const nameSchema = z
  .string()
  .max(NAME_MAX_LENGTH, `at most ${NAME_MAX_LENGTH} characters`)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and underscores, not starting with a digit');

export const identitySourceSchema = z
  .object({
    name: nameSchema,
    /** A model name or `schema.table` in the warehouse. */
    relation: z.string().min(1),
    /** Column that identifies a row of this source (unique). */
    key: z.string().min(1),
    /** Column with the row's event/update time. */
    timestamp: z.string().min(1),
    /** id type -> column holding it. */
    ids: z.record(nameSchema, z.string().min(1)).refine((ids) => Object.keys(ids).length > 0, 'declare at least one identifier column'),
  })
  .strict();

export const normalizeSchema = z.enum(['email', 'phone', 'lower', 'trim', 'none']);

export const idTypeSchema = z
  .object({
    /** Lower number = more trusted. When a link would break a limit, the lower-priority link is dropped. */
    priority: z.number().int().min(0),
    /** At most this many distinct values of this type in one profile. */
    maxPerProfile: z.number().int().positive().optional(),
    normalize: normalizeSchema.default('trim'),
    /** ISO region for phone numbers written without a country code, e.g. 'US'. */
    defaultRegion: z.string().length(2).optional(),
  })
  .strict();

/** One similarity level of a probabilistic comparison; levels are listed from most to least similar. */
export const comparisonLevelSchema = z.union([
  z.object({ exact: z.literal(true) }).strict(),
  z.object({ jaroWinkler: z.number().gt(0).lte(1) }).strict(),
  z.object({ levenshtein: z.number().int().min(0) }).strict(),
  z.object({ withinDays: z.number().int().min(0) }).strict(),
  /** Absolute numeric difference at most this (values that are no number fall through). */
  z.object({ numericWithin: z.number().min(0) }).strict(),
  /** The first n characters agree (postcode districts, phone area codes). */
  z.object({ prefix: z.number().int().positive() }).strict(),
  /** The same name by the built-in nickname table (bill ~ william, peggy ~ margaret). */
  z.object({ nickname: z.literal(true) }).strict(),
  /** One side is a single letter, the other's initial (j ~ john). */
  z.object({ initial: z.literal(true) }).strict(),
  /**
   * The two values share at least this share of their words (Jaccard of the word sets: words in
   * common / words in either, order and repeats ignored): addresses, company names.
   */
  z.object({ wordOverlap: z.number().gt(0).lte(1) }).strict(),
  /** This field equals the other record's `swappedWith` field and the other way round (first and last name swapped). */
  z.object({ swappedWith: nameSchema }).strict(),
]);

export const comparisonSchema = z
  .object({
    /** Ordered levels (most similar first). A null on either side is its own level; anything else falls to "else". */
    levels: z.array(comparisonLevelSchema).min(1),
    /** Term-frequency adjustment: agreeing on a rare value weighs more than on a common one (exact level; others per `fuzzyTermFrequency`). */
    termFrequency: z.boolean().default(false),
    /**
     * With `termFrequency`: how much of the adjustment the non-exact levels get (0: none, 1: all),
     * from the more common of the two values (Splink's tf_adjustment_weight on fuzzy levels).
     */
    fuzzyTermFrequency: z.number().min(0).max(1).default(0),
  })
  .strict();

export const probabilisticSourceSchema = z
  .object({
    /** field name -> column (or SQL expression over the source row) holding it. */
    fields: z.record(nameSchema, z.string().min(1)),
  })
  .strict();

const fieldRuleSchema = z.array(nameSchema).min(1);

/** How the model is trained (docs/probabilistic.md, "Training"): every key has a default that works without tuning. */
export const trainSchema = z
  .object({
    /**
     * Training blocking rules: EM runs once per rule over the pairs agreeing on its fields, and
     * estimates m of every comparison the rule does not block on; estimates are averaged across rules.
     * Default: the prediction blocking rules.
     */
    blocking: z.array(fieldRuleSchema).min(1).optional(),
    /**
     * Deterministic rules for the prior: pairs agreeing exactly on every field of one rule are
     * counted as matches; prior = those pairs / all pairs / `recall`.
     */
    deterministic: z.array(fieldRuleSchema).min(1).optional(),
    /** Share of all true matches the deterministic rules are thought to find. */
    recall: z.number().gt(0).lte(1).default(1),
    /** EM stops when no parameter moves by more than this. */
    tolerance: z.number().positive().default(1e-4),
    /**
     * Known matches: `{ field }` names a mapped field holding a cluster id (records with the same
     * value are one entity; NULL = unknown), `{ pairs }` a relation (schema.table) of
     * (source_l, record_key_l, source_r, record_key_r[, is_match]). Used to estimate m (instead of
     * EM) and to suggest a threshold.
     */
    labels: z.union([z.object({ field: nameSchema }).strict(), z.object({ pairs: z.string().min(1) }).strict()]).optional(),
  })
  .strict();

export const probabilisticSchema = z
  .object({
    /** Participating identity sources (profile-like ones: CRM, orders, tickets), each with its field mapping. */
    sources: z.record(nameSchema, probabilisticSourceSchema).refine((s) => Object.keys(s).length > 0, 'declare at least one source'),
    /** `link_only`: pairs across different sources only; `link_and_dedupe`: any two records. */
    linkType: z.enum(['link_and_dedupe', 'link_only', 'dedupe_only']).default('link_and_dedupe'),
    /** Blocking rules: candidate pairs agree exactly on every field of at least one rule. */
    blocking: z.array(z.array(nameSchema).min(1)).min(1),
    /** Field comparisons with ordered levels. */
    comparisons: z.record(nameSchema, comparisonSchema).refine((c) => Object.keys(c).length > 0, 'declare at least one comparison'),
    /** Pairs at or above this become links: a match probability, or a match weight (log2 Bayes factor). */
    threshold: z.union([z.object({ probability: z.number().gt(0).lt(1) }).strict(), z.object({ weight: z.number() }).strict()]).default({ probability: 0.99 }),
    /** Prior probability that two random records match: estimated by EM on blocked pairs, from deterministic links, or given. */
    prior: z.union([z.enum(['em', 'deterministic']), z.number().gt(0).lt(1)]).default('em'),
    /** Random pairs sampled to estimate u-probabilities. */
    uSampleSize: z.number().int().positive().default(200_000),
    emIterations: z.number().int().positive().default(25),
    train: trainSchema.default({ recall: 1, tolerance: 1e-4 }),
    /**
     * Clustering without chains: two profiles join only when at least this share of their record
     * pairs link at or above the threshold (0: any one best link joins them).
     */
    minLinkShare: z.number().min(0).max(1).default(0),
    /** Id types a probabilistic link may never put two different values of into one profile (default: the most trusted type). */
    exclusiveTypes: z.array(nameSchema).optional(),
  })
  .strict();

export const identitySchema = z
  .object({
    sources: z.array(identitySourceSchema).min(1),
    idTypes: z.record(nameSchema, idTypeSchema),
    /** Values that never link: exact values, or regexes written as `/pattern/`. */
    blocklist: z.record(nameSchema, z.array(z.string())).default({}),
    /** Replace the built-in junk blocklist (null, unknown, 0000…) instead of adding to it. */
    replaceDefaultBlocklist: z.boolean().default(false),
    /**
     * Degree guard: a value seen (on the same records) with more than this many distinct values of
     * any one other id type is quarantined, not linked — e.g. a shop till's email on the orders of
     * hundreds of different phones. Counted per type, so a user with many cookies stays linked.
     */
    maxRecordsPerValue: z.number().int().positive().default(1000),
    /** Safety cap on connected-components rounds. */
    maxRounds: z.number().int().positive().default(50),
    /** Fellegi-Sunter matching of records that share no identifier (see docs/probabilistic.md). */
    probabilistic: probabilisticSchema.optional(),
  })
  .strict();

/** How people see a trait in the builder and in explanations (the column keeps its name). */
const traitWords = {
  /** e.g. `Lifetime value`; default: the name with underscores as spaces, first letter capital. */
  label: z.string().min(1).max(80).optional(),
  /** One sentence shown under the trait in pickers, e.g. `Sum of all completed orders, in EUR`. */
  description: z.string().max(300).optional(),
};

const traitFromColumn = z
  .object({
    source: nameSchema,
    column: z.string().min(1),
    rule: z.enum(['most_recent', 'most_frequent', 'first_seen', 'source_priority']).default('most_recent'),
    /** For rule `source_priority`: sources in order of trust; `source` is the first if omitted. */
    sources: z.array(nameSchema).optional(),
    ...traitWords,
  })
  .strict();

const traitFromAggregate = z
  .object({
    source: nameSchema,
    /** Any aggregate over the source's rows, e.g. `sum(amount)`. */
    sql: z.string().min(1),
    ...traitWords,
  })
  .strict();

export const traitSchema = z.union([traitFromAggregate, traitFromColumn]);

export const profilesSchema = z
  .object({
    traits: z.record(nameSchema, traitSchema).default({}),
  })
  .strict();

export const eventStreamSchema = z
  .object({
    source: nameSchema,
    /** A SQL expression giving the event name, e.g. `event` or `'order_completed'`. */
    name: z.string().min(1),
  })
  .strict();

export type IdentitySourceConfig = z.infer<typeof identitySourceSchema>;
export type IdTypeConfig = z.infer<typeof idTypeSchema>;
export type IdentityConfig = z.infer<typeof identitySchema>;
export type TraitConfig = z.infer<typeof traitSchema>;
export type ProfilesConfig = z.infer<typeof profilesSchema>;
export type EventStreamConfig = z.infer<typeof eventStreamSchema>;
export type ProbabilisticConfig = z.infer<typeof probabilisticSchema>;
export type ComparisonConfig = z.infer<typeof comparisonSchema>;
export type ComparisonLevelConfig = z.infer<typeof comparisonLevelSchema>;
