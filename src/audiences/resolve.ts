import type { ColumnKind } from '../warehouse/index.js';
import type { AudienceCatalog, EventStreamInfo } from './catalog.js';
import { DATE_HINT, parseDateValue } from './dates.js';
import { AudienceError, invalid, suggestion, type PathParts } from './errors.js';
import { AUDIENCE_LIMITS, countConditions } from './limits.js';
import { operatorNamed, operatorsForKind } from './operator-registry.js';
import { isTemporal } from './operators.js';
import { locateError } from './parse.js';
import { checkSplitTraits } from './splits.js';
import {
  isAll,
  isAny,
  isAggregate,
  isAudienceReference,
  isEvent,
  isFirstLast,
  isSequence,
  type AggregateCondition,
  type AggregateFunction,
  type FirstLastCondition,
  type SequenceCondition,
  isNot,
  type AudienceDefinition,
  type Condition,
  type CountComparison,
  type Duration,
  type EventCondition,
  type NamedAudienceDefinition,
  type Predicate,
  type PropertyFilter,
  type ScalarValue,
  type TraitCondition,
} from './schema.js';

/** A definition checked against the warehouse: every name known, every operator typed. */
export type ResolvedCondition =
  | { type: 'all' | 'any'; items: ResolvedCondition[]; path: PathParts; source: Condition }
  | { type: 'not'; item: ResolvedCondition; path: PathParts; source: Condition }
  | { type: 'trait'; column: string; kind: ColumnKind; predicate: Predicate; path: PathParts; source: Condition }
  | {
      type: 'event';
      event: string;
      streams: readonly EventStreamInfo[];
      count: CountComparison;
      within?: Duration;
      between?: [string, string];
      where?: ResolvedFilter;
      path: PathParts;
      source: Condition;
    }
  | { type: 'audience'; name: string; item: ResolvedCondition; path: PathParts; source: Condition }
  | ResolvedAggregate
  | ResolvedFirstLast
  | ResolvedSequence;

/** The events a condition looks at: an event's streams, filtered by its properties. */
export interface ResolvedEvents {
  event: string;
  streams: readonly EventStreamInfo[];
  where?: ResolvedFilter;
}

export interface ResolvedAggregate extends ResolvedEvents {
  type: 'aggregate';
  fn: AggregateFunction;
  property: { column: string; kind: ColumnKind };
  /** The kind of the aggregate's value (what its operator is checked against). */
  kind: ColumnKind;
  predicate: Predicate;
  within?: Duration;
  between?: [string, string];
  path: PathParts;
  source: Condition;
}

export interface ResolvedFirstLast extends ResolvedEvents {
  type: 'first_last';
  which: 'first' | 'last';
  predicate: Predicate;
  path: PathParts;
  source: Condition;
}

export interface ResolvedSequenceStep extends ResolvedEvents {
  within?: Duration;
}

export interface ResolvedSequence {
  type: 'sequence';
  steps: ResolvedSequenceStep[];
  within?: Duration;
  completed: boolean;
  path: PathParts;
  source: Condition;
}

export type ResolvedFilter =
  | { type: 'all' | 'any'; items: ResolvedFilter[] }
  | { type: 'not'; item: ResolvedFilter }
  | { type: 'property'; column: string; kind: ColumnKind; predicate: Predicate };

export interface ResolvedAudience {
  definition: AudienceDefinition;
  where: ResolvedCondition;
}

/** How the resolver finds what a definition refers to. */
export interface AudienceResolver {
  catalog: AudienceCatalog;
  /** A stored audience by name (for `{audience: name}` references). */
  find(name: string): Promise<NamedAudienceDefinition | undefined>;
  /** Every audience name (for "did you mean"). */
  names(): Promise<string[]>;
}

const AT_LEAST_ONE: CountComparison = { op: 'gte', value: 1 };

/** Checks a structurally valid definition against the catalog; errors name the condition path. */
export async function resolveAudience(definition: AudienceDefinition, resolver: AudienceResolver): Promise<ResolvedAudience> {
  const state: ResolveState = { resolver, memo: new Map(), reached: new Set(), conditions: countConditions(definition.where) };
  try {
    const where = await resolveCondition(definition.where, ['where'], state, definition.name ? [definition.name] : []);
    checkSplitTraits(definition.splits, await resolver.catalog.traits());
    return { definition, where };
  } catch (error) {
    throw locateError(definition, error);
  }
}

interface ResolveState {
  resolver: AudienceResolver;
  memo: Map<string, ResolvedCondition>;
  /** Every audience referenced so far, directly or through others (bounded: see limits.ts). */
  reached: Set<string>;
  /** Conditions of the definition and of the audiences reached so far. */
  conditions: number;
}

/** Audiences being resolved on the way to a condition, outermost first: a name seen twice is a cycle. */
type Chain = readonly string[];

async function resolveCondition(condition: Condition, path: PathParts, state: ResolveState, chain: Chain): Promise<ResolvedCondition> {
  if (isAll<Condition>(condition)) return { type: 'all', items: await resolveEach(condition.all, [...path, 'all'], state, chain), path, source: condition };
  if (isAny<Condition>(condition)) return { type: 'any', items: await resolveEach(condition.any, [...path, 'any'], state, chain), path, source: condition };
  if (isNot<Condition>(condition)) {
    return { type: 'not', item: await resolveCondition(condition.not, [...path, 'not'], state, chain), path, source: condition };
  }
  if (isEvent(condition)) return resolveEvent(condition, path, state);
  if (isAggregate(condition)) return resolveAggregate(condition, path, state);
  if (isFirstLast(condition)) return resolveFirstLast(condition, path, state);
  if (isSequence(condition)) return resolveSequence(condition, path, state);
  if (isAudienceReference(condition)) return resolveReference(condition.audience, path, state, chain);
  return resolveTrait(condition, path, state);
}

/**
 * One after the other, not side by side: an audience referred to twice is then resolved once (the
 * second reference finds it memoised) instead of once per path to it, which doubles per level.
 */
async function resolveEach(conditions: Condition[], path: PathParts, state: ResolveState, chain: Chain): Promise<ResolvedCondition[]> {
  const items: ResolvedCondition[] = [];
  for (const [i, condition] of conditions.entries()) items.push(await resolveCondition(condition, [...path, i], state, chain));
  return items;
}

async function resolveTrait(condition: TraitCondition, path: PathParts, state: ResolveState): Promise<ResolvedCondition> {
  const traits = await state.resolver.catalog.traits();
  const kind = traits.get(condition.trait);
  if (kind === undefined) {
    throw invalid(`unknown trait \`${condition.trait}\``, [...path, 'trait'], suggestion(condition.trait, [...traits.keys()], 'trait'));
  }
  const predicate = predicateOf(condition);
  checkPredicate(predicate, kind, path, `trait \`${condition.trait}\``);
  return { type: 'trait', column: condition.trait, kind, predicate, path, source: condition };
}

/** The streams of an event and its property filters, checked against the catalog. */
async function resolveEvents(condition: { event: string; where?: PropertyFilter }, path: PathParts, state: ResolveState): Promise<ResolvedEvents> {
  const events = await state.resolver.catalog.events();
  const streams = events.get(condition.event);
  if (!streams) {
    const hint = events.size === 0 ? 'declare event streams under `events` in cdp.config.ts' : suggestion(condition.event, [...events.keys()], 'event');
    throw invalid(`unknown event \`${condition.event}\``, [...path, 'event'], hint);
  }
  const where = condition.where ? resolveFilter(condition.where, [...path, 'where'], streams, condition.event) : undefined;
  return { event: condition.event, streams, where };
}

function checkBetween(between: [string, string] | undefined, path: PathParts): void {
  if (!between) return;
  between.forEach((value, i) => {
    if (!parseDateValue(value)) throw invalid(`\`${value}\` is not a date or timestamp`, [...path, 'between', i], DATE_HINT);
  });
  const [from, to] = between.map((v) => parseDateValue(v)!);
  if (from!.start > to!.end) throw invalid('the window ends before it starts', [...path, 'between'], 'write [from, to] with from <= to');
}

/** The kind of each aggregate's value, given the property's kind; undefined where the function does not fit. */
function aggregateKind(fn: AggregateFunction, property: ColumnKind): ColumnKind | undefined {
  const numeric = property === 'integer' || property === 'number';
  switch (fn) {
    case 'sum':
      return numeric ? property : undefined;
    case 'avg':
      return numeric ? 'number' : undefined;
    case 'min':
    case 'max':
      return ['string', 'integer', 'number', 'timestamp', 'date'].includes(property) ? property : undefined;
    case 'count_distinct':
      return property === 'json' || property === 'other' ? undefined : 'integer';
  }
}

async function resolveAggregate(condition: AggregateCondition, path: PathParts, state: ResolveState): Promise<ResolvedCondition> {
  const events = await resolveEvents(condition, path, state);
  checkBetween(condition.between, path);
  const { fn, property } = condition.aggregate;
  const propertyKind = events.streams.map((s) => s.columns.get(property)).find((k) => k !== undefined);
  if (propertyKind === undefined) {
    const known = [...new Set(events.streams.flatMap((s) => [...s.columns.keys()]))];
    throw invalid(`unknown property \`${property}\` of event \`${condition.event}\``, [...path, 'aggregate', 'property'], suggestion(property, known, 'property'));
  }
  const kind = aggregateKind(fn, propertyKind);
  if (kind === undefined) {
    const fits = (['sum', 'avg', 'min', 'max', 'count_distinct'] as const).filter((f) => aggregateKind(f, propertyKind) !== undefined);
    throw invalid(`${fn} does not fit property \`${property}\` of type ${propertyKind}`, [...path, 'aggregate', 'fn'], `use one of: ${fits.join(', ')}`);
  }
  const predicate = predicateOf(condition);
  checkPredicate(predicate, kind, path, `the ${fn} of \`${property}\``);
  return { type: 'aggregate', ...events, fn, property: { column: property, kind: propertyKind }, kind, predicate, within: condition.within, between: condition.between, path, source: condition };
}

async function resolveFirstLast(condition: FirstLastCondition, path: PathParts, state: ResolveState): Promise<ResolvedCondition> {
  const events = await resolveEvents(condition, path, state);
  const which = 'first' in condition ? 'first' : 'last';
  const predicate = predicateOf('first' in condition ? condition.first : condition.last);
  checkPredicate(predicate, 'timestamp', [...path, which], `the ${which} time of \`${condition.event}\``);
  return { type: 'first_last', ...events, which, predicate, path, source: condition };
}

async function resolveSequence(condition: SequenceCondition, path: PathParts, state: ResolveState): Promise<ResolvedCondition> {
  const steps: ResolvedSequenceStep[] = [];
  for (const [i, step] of condition.sequence.entries()) steps.push({ ...(await resolveEvents(step, [...path, 'sequence', i], state)), within: step.within });
  return { type: 'sequence', steps, within: condition.within, completed: condition.completed, path, source: condition };
}

async function resolveEvent(condition: EventCondition, path: PathParts, state: ResolveState): Promise<ResolvedCondition> {
  const { streams, where } = await resolveEvents(condition, path, state);
  checkBetween(condition.between, path);
  return {
    type: 'event',
    event: condition.event,
    streams,
    count: condition.count ?? AT_LEAST_ONE,
    within: condition.within,
    between: condition.between,
    where,
    path,
    source: condition,
  };
}

function resolveFilter(filter: PropertyFilter, path: PathParts, streams: readonly EventStreamInfo[], event: string): ResolvedFilter {
  if (isAll<PropertyFilter>(filter)) return { type: 'all', items: filter.all.map((f, i) => resolveFilter(f, [...path, 'all', i], streams, event)) };
  if (isAny<PropertyFilter>(filter)) return { type: 'any', items: filter.any.map((f, i) => resolveFilter(f, [...path, 'any', i], streams, event)) };
  if (isNot<PropertyFilter>(filter)) return { type: 'not', item: resolveFilter(filter.not, [...path, 'not'], streams, event) };
  // A property present in only some of the event's streams is NULL in the others.
  const kind = streams.map((s) => s.columns.get(filter.property)).find((k) => k !== undefined);
  if (kind === undefined) {
    const known = [...new Set(streams.flatMap((s) => [...s.columns.keys()]))];
    throw invalid(`unknown property \`${filter.property}\` of event \`${event}\``, [...path, 'property'], suggestion(filter.property, known, 'property'));
  }
  const predicate = predicateOf(filter);
  checkPredicate(predicate, kind, path, `property \`${filter.property}\``);
  return { type: 'property', column: filter.property, kind, predicate };
}

async function resolveReference(name: string, path: PathParts, state: ResolveState, chain: Chain): Promise<ResolvedCondition> {
  const source: Condition = { audience: name };
  if (chain.includes(name)) {
    const cycle = [...chain.slice(chain.indexOf(name)), name].join(' → ');
    throw new AudienceError('AUDIENCE_CYCLE', `audience cycle: ${cycle}`, [...path, 'audience'], {
      hint: 'an audience cannot include itself, directly or through other audiences; remove one of these references',
    });
  }
  const memoised = state.memo.get(name);
  if (memoised) return { type: 'audience', name, item: memoised, path, source };
  state.reached.add(name);
  if (state.reached.size > AUDIENCE_LIMITS.audiencesReferenced) {
    throw invalid(
      `the definition reaches more than ${AUDIENCE_LIMITS.audiencesReferenced} audiences through references (the limit)`,
      [...path, 'audience'],
      'refer to fewer audiences, or combine some of them into one',
    );
  }
  const definition = await state.resolver.find(name);
  if (!definition) {
    throw invalid(`unknown audience \`${name}\``, [...path, 'audience'], suggestion(name, await state.resolver.names(), 'audience'));
  }
  state.conditions += countConditions(definition.where);
  if (state.conditions > AUDIENCE_LIMITS.conditionsReached) {
    throw invalid(
      `with the audiences it refers to, the definition has more than ${AUDIENCE_LIMITS.conditionsReached} conditions (the limit)`,
      [...path, 'audience'],
      'simplify the audiences it refers to, or refer to fewer of them',
    );
  }
  let item: ResolvedCondition;
  try {
    item = await resolveCondition(definition.where, ['where'], state, [...chain, name]);
  } catch (error) {
    const located = locateError(definition, error);
    if (!(located instanceof AudienceError)) throw located;
    // Point at the reference in this definition; say where inside the other audience it broke.
    const { file, line, path: inner } = located.location;
    const where = [file ? `${file}${line ? `:${line}` : ''}` : '', inner ? `at ${inner}` : ''].filter(Boolean).join(', ');
    const nested = located.code === 'AUDIENCE_CYCLE' || located.message.startsWith('in audience');
    const message = nested ? located.message : `in audience \`${name}\`${where ? ` (${where})` : ''}: ${located.message}`;
    throw new AudienceError(located.code, message, [...path, 'audience'], { hint: located.hint, cause: located });
  }
  state.memo.set(name, item);
  return { type: 'audience', name, item, path, source };
}

function predicateOf(condition: Predicate & object): Predicate {
  return { op: condition.op, value: condition.value };
}

/** The operator must fit the column's kind and the value must fit the column (the operator says how). */
function checkPredicate(predicate: Predicate, kind: ColumnKind, path: PathParts, subject: string): void {
  const allowed = operatorsForKind(kind);
  if (!allowed.includes(predicate.op)) {
    throw invalid(`operator \`${predicate.op}\` does not fit ${subject} of type ${kind}`, [...path, 'op'], `use one of: ${allowed.join(', ')}`);
  }
  const valuePath = [...path, 'value'];
  operatorNamed(predicate.op).check(predicate.value, {
    kind,
    scalar: (value, index) => checkValue(value, kind, index === undefined ? valuePath : [...valuePath, index], subject),
    fail: (message, hint) => {
      throw invalid(message, valuePath, hint);
    },
  });
}

function checkValue(value: ScalarValue, kind: ColumnKind, path: PathParts, subject: string): void {
  const expected: Partial<Record<ColumnKind, string>> = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean' };
  if (isTemporal(kind)) {
    if (typeof value !== 'string' || !parseDateValue(value)) throw invalid(`${subject} is a ${kind}: \`${String(value)}\` is not a date`, path, DATE_HINT);
    return;
  }
  const type = expected[kind];
  if (type && typeof value !== type) {
    throw invalid(`${subject} is of type ${kind}: expected a ${type} value, got ${JSON.stringify(value)}`, path, `write the value as a ${type}`);
  }
}
