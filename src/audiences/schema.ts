import { z } from 'zod';
import { nameSchema } from '../config/index.js';
import { documentedAs } from '../util/json-schema.js';

/**
 * The shape of an audience definition, as written in YAML/JSON files, sent by the UI or stored in
 * the state store. This module checks structure only; whether a trait, event or property exists and
 * whether an operator fits its column's type is checked against the warehouse in resolve.ts.
 */

export type ScalarValue = string | number | boolean;
export type Duration = { days: number } | { hours: number };

export const COMPARE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export const LIST_OPS = ['in', 'not_in'] as const;
export const TEXT_OPS = ['contains', 'not_contains', 'starts_with', 'ends_with'] as const;
export const UNARY_OPS = ['is_null', 'is_not_null', 'is_true', 'is_false'] as const;
export const INSTANT_OPS = ['before', 'after'] as const;
export const RECENCY_OPS = ['within_last', 'not_within_last'] as const;

export type CompareOp = (typeof COMPARE_OPS)[number];
export type ListOp = (typeof LIST_OPS)[number];
export type TextOp = (typeof TEXT_OPS)[number];
export type UnaryOp = (typeof UNARY_OPS)[number];
export type InstantOp = (typeof INSTANT_OPS)[number];
export type RecencyOp = (typeof RECENCY_OPS)[number];
export type Operator = CompareOp | 'between' | ListOp | TextOp | UnaryOp | InstantOp | RecencyOp;

export const OPERATORS: readonly Operator[] = [
  ...COMPARE_OPS,
  'between',
  ...LIST_OPS,
  ...TEXT_OPS,
  ...UNARY_OPS,
  ...INSTANT_OPS,
  ...RECENCY_OPS,
];

/** An operator with its value: what trait and property conditions share. */
export type Predicate =
  | { op: CompareOp; value: ScalarValue }
  | { op: 'between'; value: [ScalarValue, ScalarValue] }
  | { op: ListOp; value: ScalarValue[] }
  | { op: TextOp; value: string }
  | { op: UnaryOp; value?: null }
  | { op: InstantOp; value: string }
  | { op: RecencyOp; value: Duration };

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

export type Condition = AllGroup<Condition> | AnyGroup<Condition> | NotGroup<Condition> | TraitCondition | EventCondition | AudienceReference;

export interface AudienceDefinition {
  /** Unique name; YAML files default it to the file name. */
  name?: string;
  description?: string;
  where: Condition;
}

/** A definition that has a name (everything loaded from files or the state store). */
export type NamedAudienceDefinition = AudienceDefinition & { name: string };

// ---------------------------------------------------------------- zod

const scalarSchema = z.union([z.string(), z.number().finite(), z.boolean()]);
const positive = z.number().int('a whole number').positive('a positive number');

export const durationSchema: z.ZodType<Duration> = z.union([
  z.object({ days: positive }).strict(),
  z.object({ hours: positive }).strict(),
]);

const dateStringSchema = z.string().min(1, 'a date like 2024-01-31 or a timestamp like 2024-01-31T12:00:00Z');

function predicateSchema<K extends 'trait' | 'property'>(subject: K) {
  const base = { [subject]: z.string().min(1, `a ${subject} name`) } as Record<K, z.ZodString>;
  return z.discriminatedUnion('op', [
    z.object({ ...base, op: z.enum(COMPARE_OPS), value: scalarSchema }).strict(),
    z.object({ ...base, op: z.literal('between'), value: z.tuple([scalarSchema, scalarSchema]) }).strict(),
    z.object({ ...base, op: z.enum(LIST_OPS), value: z.array(scalarSchema) }).strict(),
    z.object({ ...base, op: z.enum(TEXT_OPS), value: z.string() }).strict(),
    z.object({ ...base, op: z.enum(UNARY_OPS), value: z.null().optional() }).strict(),
    z.object({ ...base, op: z.enum(INSTANT_OPS), value: dateStringSchema }).strict(),
    z.object({ ...base, op: z.enum(RECENCY_OPS), value: durationSchema }).strict(),
  ]);
}

const traitConditionSchema = predicateSchema('trait');
const propertyConditionSchema = predicateSchema('property');

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
    ['property', () => propertyConditionSchema as z.ZodType<PropertyCondition>],
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

/** `where` trees as JSON Schema sees them (src/util/json-schema.ts): the same values, plainly. */
const propertyFilterShape: z.ZodType<PropertyFilter> = z
  .lazy(() => z.union([z.object({ all: z.array(propertyFilterShape) }).strict(), z.object({ any: z.array(propertyFilterShape) }).strict(), z.object({ not: propertyFilterShape }).strict(), propertyConditionSchema]))
  .meta({ id: 'PropertyFilter', description: 'A property condition, or all/any/not of property filters' });
documentedAs(propertyFilterSchema, propertyFilterShape);

const conditionShape: z.ZodType<Condition> = z
  .lazy(() =>
    z.union([
      z.object({ all: z.array(conditionShape) }).strict(),
      z.object({ any: z.array(conditionShape) }).strict(),
      z.object({ not: conditionShape }).strict(),
      traitConditionSchema,
      eventConditionSchema,
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
    ['trait', () => traitConditionSchema as z.ZodType<TraitCondition>],
    ['event', () => eventConditionSchema],
    ['audience', () => z.object({ audience: z.string().min(1, 'an audience name') }).strict()],
  ],
  'a condition',
);
documentedAs(conditionSchema, conditionShape);

export const audienceDefinitionSchema: z.ZodType<AudienceDefinition> = z
  .object({
    name: nameSchema.optional(),
    description: z.string().optional(),
    where: conditionSchema,
  })
  .strict();

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
  return 'event' in c;
}
export function isAudienceReference(c: Condition): c is AudienceReference {
  return 'audience' in c;
}
