import { z } from 'zod';
import { nameSchema } from '../config/index.js';
import { whereLimitProblem } from './limits.js';
import './operators.js'; // the built-in operators, registered before any definition is parsed
import { operatorRegistryVersion, registeredOperators } from './operator-registry.js';
import { dateStringSchema, durationSchema, type Duration, type ScalarValue } from './values.js';
import { documentedAs } from '../util/json-schema.js';

/**
 * The shape of an audience definition, as written in YAML/JSON files, sent by the UI or stored in
 * the state store. This module checks structure only; whether a trait, event or property exists and
 * whether an operator fits its column's type is checked against the warehouse in resolve.ts.
 */

export { durationSchema, type Duration, type ScalarValue };

export const COMPARE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** The name of a registered operator (src/audiences/operator-registry.ts): `eq`, `contains`, `within_last`... */
export type Operator = string;

/** An operator with its value (whose shape the operator defines): what trait and property conditions share. */
export interface Predicate {
  op: Operator;
  value?: unknown;
}

export type TraitCondition = { trait: string } & Predicate;
export type PropertyCondition = { property: string } & Predicate;

export type CountComparison = { op: CompareOp; value: number } | { op: 'between'; value: [number, number] };

export interface AllGroup<C> {
  all: C[];
}
export interface AnyGroup<C> {
  any: C[];
}
export interface NotGroup<C> {
  not: C;
}

/** Property filters of an event condition: property conditions in all/any/not groups. */
export type PropertyFilter = AllGroup<PropertyFilter> | AnyGroup<PropertyFilter> | NotGroup<PropertyFilter> | PropertyCondition;

export interface EventCondition {
  event: string;
  /** How many matching events; absent means at least one. `{op: 'eq', value: 0}` means "did not do it". */
  count?: CountComparison;
  /** Only events in the last N days/hours... */
  within?: Duration;
  /** ...or between two dates/timestamps (a date-only end includes that whole day). */
  between?: [string, string];
  where?: PropertyFilter;
}

export interface AudienceReference {
  audience: string;
}

/** One step of a sequence: an event (with property filters), and for steps after the first how soon after the previous step. */
export interface SequenceStep {
  event: string;
  where?: PropertyFilter;
  /** Steps after the first: at most this long after the previous step (absent: any time after it). */
  within?: Duration;
}

/**
 * A funnel. `completed: true`: the steps' events happened in order, each strictly after the
 * previous one and within its `within` of it; the top-level `within` bounds when the first step
 * happened. `completed: false` (two or more steps, the last with `within`): the steps before the
 * last happened (as above), the last of them at least the last step's `within` ago, and no
 * last-step event followed in (t, t + within]: "added to cart and did not buy within 14 days".
 */
export interface SequenceCondition {
  sequence: SequenceStep[];
  within?: Duration;
  completed: boolean;
}

export const AGGREGATE_FUNCTIONS = ['sum', 'avg', 'min', 'max', 'count_distinct'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/**
 * A comparison on an aggregate of an event property over the matching events (in the window):
 * `{event: purchase, aggregate: {fn: sum, property: amount}, op: gte, value: 100, within: {days: 30}}`.
 * `op` is any registered operator that fits the aggregate's type. Profiles without matching events
 * have a sum and a distinct count of 0, and no average, minimum or maximum (which never match).
 */
export type AggregateCondition = {
  event: string;
  aggregate: { fn: AggregateFunction; property: string };
  within?: Duration;
  between?: [string, string];
  where?: PropertyFilter;
} & Predicate;

/**
 * When a profile first or last did something: `{event: purchase, last: {op: not_within_last, value: {days: 90}}}`
 * ("last purchase more than 90 days ago"). `first`/`last` hold a timestamp operator and its value:
 * `before`, `after`, `between`, `within_last`, `not_within_last`... Profiles that never did it never match.
 */
export type FirstLastCondition = { event: string; where?: PropertyFilter } & ({ first: Predicate } | { last: Predicate });

export type Condition =
  | AllGroup<Condition>
  | AnyGroup<Condition>
  | NotGroup<Condition>
  | TraitCondition
  | EventCondition
  | AggregateCondition
  | FirstLastCondition
  | SequenceCondition
  | AudienceReference;

/** One group of a split: its name and its share of the members in percent. */
export interface SplitGroup {
  name: string;
  percent: number;
}

/**
 * Splits and holdouts: each member falls in one group, by a deterministic hash of (profile_id,
 * salt), so it keeps its group while the audience grows or narrows. `stratify` lists traits whose
 * mix each group keeps.
 */
export interface AudienceSplits {
  groups: SplitGroup[];
  salt?: string;
  stratify?: string[];
}

export interface AudienceDefinition {
  /** Unique name; YAML files default it to the file name. */
  name?: string;
  description?: string;
  where: Condition;
  splits?: AudienceSplits;
}

/** A priority list: each profile goes to the first audience in `priority` that holds it. */
export interface PriorityListDefinition {
  name: string;
  description?: string;
  priority: string[];
}

/** A definition that has a name (everything loaded from files or the state store). */
export type NamedAudienceDefinition = AudienceDefinition & { name: string };

// ---------------------------------------------------------------- zod

/** A trait or property condition: one object per registered operator, its value in the operator's shape. */
function predicateSchema<K extends 'trait' | 'property'>(subject: K) {
  const base = { [subject]: z.string().min(1, `a ${subject} name`) } as Record<K, z.ZodString>;
  const [first, ...rest] = registeredOperators().map((o) => z.object({ ...base, op: z.literal(o.op), value: o.value }).strict());
  return z.discriminatedUnion('op', [first!, ...rest]);
}

/** The schema of `subject` conditions, rebuilt when an operator is registered. */
function predicateSchemaCache<K extends 'trait' | 'property'>(subject: K): () => z.ZodType<Predicate & Record<K, string>> {
  return registryCached(() => predicateSchema(subject) as z.ZodType<Predicate & Record<K, string>>);
}

/** A schema built from the operator registry, rebuilt when an operator is registered. */
function registryCached<T>(build: () => T): () => T {
  let built: { version: number; value: T } | undefined;
  return () => {
    if (built?.version !== operatorRegistryVersion()) built = { version: operatorRegistryVersion(), value: build() };
    return built.value;
  };
}

/** `{op, value}` alongside the fields of `shape`: one object per registered operator, its value in the operator's shape. */
function withPredicate(shape: z.ZodRawShape) {
  const [first, ...rest] = registeredOperators().map((o) => z.object({ ...shape, op: z.literal(o.op), value: o.value }).strict());
  return z.discriminatedUnion('op', [first!, ...rest]);
}

const traitConditionSchema = predicateSchemaCache('trait');
const propertyConditionSchema = predicateSchemaCache('property');

const countSchema: z.ZodType<CountComparison> = z.discriminatedUnion('op', [
  z.object({ op: z.enum(COMPARE_OPS), value: z.number().int('a whole number').min(0, 'zero or more') }).strict(),
  z
    .object({ op: z.literal('between'), value: z.tuple([z.number().int().min(0), z.number().int().min(0)]) })
    .strict()
    .refine((c) => c.value[0] <= c.value[1], { message: 'the lower bound must not exceed the upper bound', path: ['value'] }),
]);

/**
 * Picks the schema for a condition by the key that says what it is, so an error points into the
 * condition the user meant (`where.all[2].count.op`) instead of "matches none of the alternatives".
 */
function dispatch<T>(kinds: ReadonlyArray<readonly [string, () => z.ZodType<T>]>, what: string): z.ZodType<T> {
  return z.unknown().transform((value, ctx): T => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what}`, input: value });
      return z.NEVER;
    }
    const present = kinds.filter(([key]) => key in value);
    if (present.length !== 1) {
      const keys = kinds.map(([key]) => key).join(', ');
      const message =
        present.length === 0
          ? `expected ${what}: an object with one of ${keys}`
          : `a condition has exactly one of ${keys}; found ${present.map(([k]) => k).join(' and ')}`;
      ctx.addIssue({ code: 'custom', message, input: value });
      return z.NEVER;
    }
    const parsed = present[0]![1]().safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: value } as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
    return parsed.data;
  }) as unknown as z.ZodType<T>;
}

function groupSchemas<C>(item: () => z.ZodType<C>) {
  return {
    all: () => z.object({ all: z.array(item()) }).strict() as z.ZodType<AllGroup<C>>,
    any: () => z.object({ any: z.array(item()) }).strict() as z.ZodType<AnyGroup<C>>,
    not: () => z.object({ not: item() }).strict() as z.ZodType<NotGroup<C>>,
  };
}

const propertyGroups = groupSchemas<PropertyFilter>(() => propertyFilterSchema);
export const propertyFilterSchema: z.ZodType<PropertyFilter> = dispatch<PropertyFilter>(
  [
    ['all', propertyGroups.all],
    ['any', propertyGroups.any],
    ['not', propertyGroups.not],
    ['property', propertyConditionSchema],
  ],
  'a property filter',
);

const eventConditionSchema: z.ZodType<EventCondition> = z
  .object({
    event: z.string().min(1, 'an event name'),
    count: countSchema.optional(),
    within: durationSchema.optional(),
    between: z.tuple([dateStringSchema, dateStringSchema]).optional(),
    where: propertyFilterSchema.optional(),
  })
  .strict()
  .refine((c) => !(c.within && c.between), { message: 'use either `within` or `between`, not both', path: ['between'] });

/** Whether a condition sets both kinds of window (object: the op unions type their other fields loosely). */
const oneWindow = (c: object) => !('within' in c && c.within !== undefined && 'between' in c && c.between !== undefined);
const ONE_WINDOW = { message: 'use either `within` or `between`, not both', path: ['between'] };

const aggregateConditionSchema = registryCached(
  () =>
    withPredicate({
      event: z.string().min(1, 'an event name'),
      aggregate: z.object({ fn: z.enum(AGGREGATE_FUNCTIONS), property: z.string().min(1, 'a property name') }).strict(),
      within: durationSchema.optional(),
      between: z.tuple([dateStringSchema, dateStringSchema]).optional(),
      where: propertyFilterSchema.optional(),
    }).refine(oneWindow, ONE_WINDOW) as unknown as z.ZodType<AggregateCondition>,
);

/** `{op, value}` of a first/last time condition. */
const timePredicateSchema = registryCached(() => withPredicate({}) as unknown as z.ZodType<Predicate>);

const firstLastConditionSchema = registryCached(
  () =>
    z
      .object({
        event: z.string().min(1, 'an event name'),
        where: propertyFilterSchema.optional(),
        first: timePredicateSchema().optional(),
        last: timePredicateSchema().optional(),
      })
      .strict()
      .refine((c) => (c.first === undefined) !== (c.last === undefined), { message: 'write either `first` or `last`, not both', path: ['last'] }) as unknown as z.ZodType<FirstLastCondition>,
);

/** An event condition of any of its forms, picked by the key that says which. */
const anyEventConditionSchema = (): z.ZodType<EventCondition | AggregateCondition | FirstLastCondition> =>
  z.unknown().transform((value, ctx) => {
    const record = typeof value === 'object' && value !== null ? value : {};
    const schema = 'aggregate' in record ? aggregateConditionSchema() : 'first' in record || 'last' in record ? firstLastConditionSchema() : eventConditionSchema;
    const parsed = (schema as z.ZodType<EventCondition | AggregateCondition | FirstLastCondition>).safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: value } as Parameters<typeof ctx.addIssue>[0]);
      return z.NEVER;
    }
    return parsed.data;
  }) as unknown as z.ZodType<EventCondition | AggregateCondition | FirstLastCondition>;

export const MAX_SEQUENCE_STEPS = 10;

const sequenceStepSchema: z.ZodType<SequenceStep> = z
  .object({ event: z.string().min(1, 'an event name'), where: propertyFilterSchema.optional(), within: durationSchema.optional() })
  .strict();

const sequenceConditionSchema: z.ZodType<SequenceCondition> = z
  .object({
    sequence: z.array(sequenceStepSchema).min(1, 'at least one step').max(MAX_SEQUENCE_STEPS, `at most ${MAX_SEQUENCE_STEPS} steps`),
    within: durationSchema.optional(),
    completed: z.boolean(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.sequence[0]?.within) {
      ctx.addIssue({ code: 'custom', message: 'the first step has no `within` (it follows nothing); bound when it happened with the top-level `within`', path: ['sequence', 0, 'within'] });
    }
    if (!c.completed) {
      if (c.sequence.length < 2) ctx.addIssue({ code: 'custom', message: 'a sequence not completed needs two or more steps: what was done, and what did not follow', path: ['sequence'] });
      else if (!c.sequence.at(-1)!.within) {
        ctx.addIssue({ code: 'custom', message: 'the last step of a sequence not completed needs `within`: how long after the previous step it did not happen', path: ['sequence', c.sequence.length - 1, 'within'] });
      }
    }
  });

/** `where` trees as JSON Schema sees them (src/util/json-schema.ts): the same values, plainly. */
const propertyFilterShape: z.ZodType<PropertyFilter> = z
  .lazy(() => z.union([z.object({ all: z.array(propertyFilterShape) }).strict(), z.object({ any: z.array(propertyFilterShape) }).strict(), z.object({ not: propertyFilterShape }).strict(), propertyConditionSchema()]))
  .meta({ id: 'PropertyFilter', description: 'A property condition, or all/any/not of property filters' });
documentedAs(propertyFilterSchema, propertyFilterShape);

const conditionShape: z.ZodType<Condition> = z
  .lazy(() =>
    z.union([
      z.object({ all: z.array(conditionShape) }).strict(),
      z.object({ any: z.array(conditionShape) }).strict(),
      z.object({ not: conditionShape }).strict(),
      traitConditionSchema(),
      eventConditionSchema,
      aggregateConditionSchema(),
      firstLastConditionSchema(),
      sequenceConditionSchema,
      z.object({ audience: z.string().min(1) }).strict(),
    ]),
  )
  .meta({ id: 'Condition', description: 'A trait, event or audience condition, or all/any/not of conditions' });

const conditionGroups = groupSchemas<Condition>(() => conditionSchema);
export const conditionSchema: z.ZodType<Condition> = dispatch<Condition>(
  [
    ['all', conditionGroups.all],
    ['any', conditionGroups.any],
    ['not', conditionGroups.not],
    ['trait', traitConditionSchema],
    ['event', anyEventConditionSchema],
    ['sequence', () => sequenceConditionSchema],
    ['audience', () => z.object({ audience: z.string().min(1, 'an audience name') }).strict()],
  ],
  'a condition',
);
documentedAs(conditionSchema, conditionShape);

/** The conditions of a definition, refused when they break a size limit (see limits.ts). */
const whereSchema: z.ZodType<Condition> = z.unknown().transform((value, ctx): Condition => {
  const problem = whereLimitProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem.message, path: [...problem.path], input: value });
    return z.NEVER;
  }
  const parsed = conditionSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: value } as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }
  return parsed.data;
}) as unknown as z.ZodType<Condition>;
documentedAs(whereSchema, conditionShape);

export const MAX_SPLIT_GROUPS = 20;

const splitGroupSchema: z.ZodType<SplitGroup> = z
  .object({
    name: nameSchema,
    percent: z
      .number()
      .positive('a share above 0')
      .max(100, 'at most 100')
      .refine((n) => Number.isInteger(Math.round(n * 100)) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, 'at most two decimals (a share in hundredths of a percent)'),
  })
  .strict();

export const splitsSchema: z.ZodType<AudienceSplits> = z
  .object({
    groups: z.array(splitGroupSchema).min(2, 'two or more groups (a holdout is a group too)').max(MAX_SPLIT_GROUPS, `at most ${MAX_SPLIT_GROUPS} groups`),
    salt: z.string().max(200).optional(),
    stratify: z.array(z.string().min(1, 'a trait name')).min(1).max(5, 'at most 5 traits').optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const total = s.groups.reduce((sum, g) => sum + Math.round(g.percent * 100), 0);
    if (total !== 10_000) ctx.addIssue({ code: 'custom', message: `the groups' percents add up to ${total / 100}, not 100`, path: ['groups'] });
    const seen = new Set<string>();
    s.groups.forEach((g, i) => {
      if (seen.has(g.name)) ctx.addIssue({ code: 'custom', message: `group \`${g.name}\` is named twice`, path: ['groups', i, 'name'] });
      seen.add(g.name);
    });
  });

export const audienceDefinitionSchema: z.ZodType<AudienceDefinition> = z
  .object({
    name: nameSchema.optional(),
    description: z.string().max(2000).optional(),
    where: whereSchema,
    splits: splitsSchema.optional(),
  })
  .strict();

export const MAX_PRIORITY_AUDIENCES = 50;

export const priorityListSchema: z.ZodType<PriorityListDefinition> = z
  .object({
    name: nameSchema,
    description: z.string().max(2000).optional(),
    priority: z.array(nameSchema).min(1, 'at least one audience').max(MAX_PRIORITY_AUDIENCES, `at most ${MAX_PRIORITY_AUDIENCES} audiences`),
  })
  .strict()
  .superRefine((l, ctx) => {
    const seen = new Set<string>();
    l.priority.forEach((name, i) => {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `audience \`${name}\` is listed twice (a profile goes to its first place)`, path: ['priority', i] });
      seen.add(name);
    });
  });

// ---------------------------------------------------------------- narrowing helpers

export function isAll<C>(c: object): c is AllGroup<C> {
  return 'all' in c;
}
export function isAny<C>(c: object): c is AnyGroup<C> {
  return 'any' in c;
}
export function isNot<C>(c: object): c is NotGroup<C> {
  return 'not' in c;
}
export function isTrait(c: Condition): c is TraitCondition {
  return 'trait' in c;
}
export function isEvent(c: Condition): c is EventCondition {
  return 'event' in c && !isAggregate(c) && !isFirstLast(c);
}
export function isAggregate(c: Condition): c is AggregateCondition {
  return 'event' in c && 'aggregate' in c;
}
export function isFirstLast(c: Condition): c is FirstLastCondition {
  return 'event' in c && ('first' in c || 'last' in c);
}
export function isSequence(c: Condition): c is SequenceCondition {
  return 'sequence' in c;
}
export function isAudienceReference(c: Condition): c is AudienceReference {
  return 'audience' in c;
}
