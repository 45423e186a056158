import type { TraitWords } from './labels.js';
import { operatorNamed } from './operator-registry.js';
import {
  isAll,
  isAny,
  isAudienceReference,
  isNot,
  type AggregateCondition,
  type AudienceDefinition,
  type Condition,
  type CountComparison,
  type FirstLastCondition,
  type PropertyFilter,
  type SequenceCondition,
} from './schema.js';
import { durationLabel, valueLabel } from './values.js';

/**
 * "Explain this audience": a definition in plain words, as an outline a marketer reads under the
 * builder's tree. Traits are named by their labels (config), values quoted, groups indented.
 * Structure only: nothing is looked up in the warehouse.
 */
export interface AudienceExplanation {
  /** One sentence: who is in it. */
  summary: string;
  /** The conditions as an outline: `depth` 0 is a top-level condition. */
  lines: Array<{ depth: number; text: string }>;
}

type Words = (trait: string) => TraitWords;
type Line = AudienceExplanation['lines'][number];

/** Operators in words; any other (registered by an extension) falls back to its own describe(). */
const OPERATOR_WORDS: Readonly<Record<string, (value: unknown) => string>> = {
  eq: (v) => `is ${valueLabel(v)}`,
  neq: (v) => `is not ${valueLabel(v)}`,
  gt: (v) => `is more than ${valueLabel(v)}`,
  gte: (v) => `is at least ${valueLabel(v)}`,
  lt: (v) => `is less than ${valueLabel(v)}`,
  lte: (v) => `is at most ${valueLabel(v)}`,
  between: (v) => (Array.isArray(v) ? `is between ${valueLabel(v[0])} and ${valueLabel(v[1])}` : `is between ${valueLabel(v)}`),
  in: (v) => `is one of ${listWords(v)}`,
  not_in: (v) => `is none of ${listWords(v)}`,
  contains: (v) => `contains ${valueLabel(v)}`,
  not_contains: (v) => `does not contain ${valueLabel(v)}`,
  starts_with: (v) => `starts with ${valueLabel(v)}`,
  ends_with: (v) => `ends with ${valueLabel(v)}`,
  is_null: () => 'is empty',
  is_not_null: () => 'is set',
  is_true: () => 'is true',
  is_false: () => 'is false',
  before: (v) => `is before ${valueLabel(v)}`,
  after: (v) => `is after ${valueLabel(v)}`,
  within_last: (v) => `was in the last ${durationWords(v)}`,
  not_within_last: (v) => `was not in the last ${durationWords(v)}`,
};

function listWords(v: unknown): string {
  if (!Array.isArray(v)) return valueLabel(v);
  const items = v.map(valueLabel);
  return items.length <= 1 ? (items[0] ?? 'nothing') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function durationWords(v: unknown): string {
  return typeof v === 'object' && v !== null && ('days' in v || 'hours' in v) ? durationLabel(v as { days: number }) : valueLabel(v);
}

function predicateWords(subject: string, op: string, value: unknown): string {
  const words = OPERATOR_WORDS[op];
  return words ? `${subject} ${words(value)}` : operatorNamed(op).describe(subject, value);
}

function countWords(count: CountComparison | undefined): string {
  if (!count) return 'at least once';
  if (count.op === 'between') return `between ${count.value[0]} and ${count.value[1]} times`;
  if (count.op === 'eq' && count.value === 0) return 'never';
  const words = { eq: 'exactly', neq: 'other than', gt: 'more than', gte: 'at least', lt: 'fewer than', lte: 'at most' } as const;
  return `${words[count.op]} ${count.value === 1 ? 'once' : `${count.value} times`}`;
}

function filterWords(filter: PropertyFilter): string {
  if (isAll<PropertyFilter>(filter)) return filter.all.map(filterWords).join(' and ');
  if (isAny<PropertyFilter>(filter)) return `(${filter.any.map(filterWords).join(' or ')})`;
  if (isNot<PropertyFilter>(filter)) return `not (${filterWords(filter.not)})`;
  return predicateWords(filter.property, filter.op, filter.value);
}

/** The fields every event-like condition may carry (events, sequence steps, aggregates). */
interface EventLike {
  event: string;
  where?: PropertyFilter;
  within?: { days: number } | { hours: number };
  between?: [string, string];
}

function eventWords(c: EventLike, verb = 'did'): string {
  const parts = [`${verb} “${c.event}”`];
  if (c.where) parts.push(`where ${filterWords(c.where)}`);
  return parts.join(' ');
}

function windowWords(c: EventLike): string {
  if (c.within) return ` in the last ${durationLabel(c.within)}`;
  if (c.between) return ` between ${c.between[0]} and ${c.between[1]}`;
  return '';
}

function sequenceWords(c: SequenceCondition): string {
  const steps = c.sequence;
  const said = steps.map((step, i) => (i === 0 ? eventWords(step) : `then ${eventWords(step)}${step.within ? ` within ${durationLabel(step.within)}` : ''}`));
  const first = c.within ? ` (the first in the last ${durationLabel(c.within)})` : '';
  if (!c.completed && steps.length >= 2) {
    const last = steps[steps.length - 1]!;
    const lastWhere = last.where ? ` where ${filterWords(last.where)}` : '';
    return `${said.slice(0, -1).join(', ')}${first}, and then did not do “${last.event}”${lastWhere}${last.within ? ` within ${durationLabel(last.within)}` : ''}`;
  }
  return `${said.join(', ')}${first}${steps.length > 1 ? ', in that order' : ''}`;
}

const AGGREGATE_WORDS: Record<AggregateCondition['aggregate']['fn'], string> = { sum: 'total', avg: 'average', min: 'smallest', max: 'largest', count_distinct: 'number of different' };

function aggregateWords(c: AggregateCondition): string {
  const where = c.where ? ` where ${filterWords(c.where)}` : '';
  const subject = `the ${AGGREGATE_WORDS[c.aggregate.fn]} ${c.aggregate.property} of “${c.event}” events${where}${windowWords(c)}`;
  return predicateWords(subject, c.op, c.value);
}

function firstLastWords(c: FirstLastCondition): string {
  const [which, p] = 'first' in c ? ['first', c.first] : ['last', c.last];
  const where = c.where ? ` (where ${filterWords(c.where)})` : '';
  return predicateWords(`the ${which} time they did “${c.event}”${where}`, p.op, p.value);
}

function conditionLines(c: Condition, depth: number, words: Words): Line[] {
  if (isAll<Condition>(c)) return [{ depth, text: 'all of these:' }, ...c.all.flatMap((item) => conditionLines(item, depth + 1, words))];
  if (isAny<Condition>(c)) return [{ depth, text: 'at least one of these:' }, ...c.any.flatMap((item) => conditionLines(item, depth + 1, words))];
  if (isNot<Condition>(c)) {
    const inner = c.not;
    if (isAny<Condition>(inner)) return [{ depth, text: 'none of these:' }, ...inner.any.flatMap((item) => conditionLines(item, depth + 1, words))];
    if (isAudienceReference(inner)) return [{ depth, text: `is not in the audience “${inner.audience}”` }];
    return [{ depth, text: 'not this:' }, ...conditionLines(inner, depth + 1, words)];
  }
  if (isAudienceReference(c)) return [{ depth, text: `is in the audience “${c.audience}”` }];
  if ('sequence' in c) return [{ depth, text: sequenceWords(c) }];
  if ('trait' in c) return [{ depth, text: predicateWords(words(c.trait).label, c.op, c.value) }];
  if ('aggregate' in c) return [{ depth, text: aggregateWords(c) }];
  if ('first' in c || 'last' in c) return [{ depth, text: firstLastWords(c) }];
  if ('event' in c) {
    const count = c.count?.op === 'eq' && c.count.value === 0;
    const text = count ? `${eventWords(c, 'did not do')}${windowWords(c)}` : `${eventWords(c)} ${countWords(c.count)}${windowWords(c)}`;
    return [{ depth, text }];
  }
  return [{ depth, text: JSON.stringify(c) }];
}

function splitWords(definition: AudienceDefinition, words: Words): Line[] {
  const splits = definition.splits;
  if (!splits?.groups.length) return [];
  const groups = splits.groups.map((g) => `“${g.name}” ${g.percent}%`).join(', ');
  const strata = splits.stratify?.length ? `, keeping the mix of ${splits.stratify.map((t) => words(t).label).join(', ')} in each group` : '';
  return [{ depth: 0, text: `Members are split at random into ${groups}${strata}; each member keeps its group as the audience changes.` }];
}

export function explainAudience(definition: AudienceDefinition, words: Words): AudienceExplanation {
  const where = definition.where;
  const top = isAll<Condition>(where) ? where.all : [where];
  const matchAll = isAll<Condition>(where);
  if (matchAll && top.length === 0) {
    return { summary: 'Everyone: there are no conditions yet.', lines: splitWords(definition, words) };
  }
  const lines = matchAll ? top.flatMap((c) => conditionLines(c, 0, words)) : conditionLines(where, 0, words);
  const summary = matchAll
    ? top.length === 1
      ? 'Profiles that match this condition:'
      : `Profiles that match all ${top.length} of these conditions:`
    : 'Profiles that match:';
  return { summary, lines: [...lines, ...splitWords(definition, words)] };
}
