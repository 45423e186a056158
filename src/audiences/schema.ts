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

/** A trait or property condition: one object per registered operator, its value in the operator's shape. */
function predicateSchema<K extends 'trait' | 'property'>(subject: K) {
  const base = { [subject]: z.string().min(1, `a ${subject} name`) } as Record<K, z.ZodString>;
  const [first, ...rest] = registeredOperators().map((o) => z.object({ ...base, op: z.literal(o.op), value: o.value }).strict());
  return z.discriminatedUnion('op', [first!, ...rest]);
}

/** The schema of `subject` conditions, rebuilt when an operator is registered. */
function predicateSchemaCache<K extends 'trait' | 'property'>(subject: K): () => z.ZodType<Predicate & Record<K, string>> {
  let built: { version: number; schema: z.ZodType<Predicate & Record<K, string>> } | undefined;
  return () => {
    if (built?.version !== operatorRegistryVersion()) built = { version: operatorRegistryVersion(), schema: predicateSchema(subject) as z.ZodType<Predicate & Record<K, string>> };
    return built.schema;
  };
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
    ['event', () => eventConditionSchema],
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

export const audienceDefinitionSchema: z.ZodType<AudienceDefinition> = z
  .object({
    name: nameSchema.optional(),
    description: z.string().max(2000).optional(),
    where: whereSchema,
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
