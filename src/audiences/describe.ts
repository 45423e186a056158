import { operatorNamed } from './operator-registry.js';
import {
  isAggregate,
  isAll,
  isAny,
  isAudienceReference,
  isEvent,
  isFirstLast,
  isNot,
  isSequence,
  type Condition,
  type CountComparison,
  type Duration,
  type Predicate,
  type PropertyFilter,
  type SequenceCondition,
  type SequenceStep,
} from './schema.js';
import { durationLabel } from './values.js';

/** A short human label for a condition (funnel steps in previews, the CLI). */
export function describeCondition(condition: Condition): string {
  if (isAll<Condition>(condition)) return groupLabel('all of', condition.all.map(describeCondition));
  if (isAny<Condition>(condition)) return groupLabel('any of', condition.any.map(describeCondition));
  if (isNot<Condition>(condition)) return `not ${describeCondition(condition.not)}`;
  if (isAudienceReference(condition)) return `in audience ${condition.audience}`;
  if (isEvent(condition)) {
    const parts = [`${condition.event} ${countLabel(condition.count)}`];
    if (condition.within) parts.push(`in the last ${durationLabel(condition.within)}`);
    if (condition.between) parts.push(`between ${condition.between[0]} and ${condition.between[1]}`);
    if (condition.where) parts.push(`where ${describeFilter(condition.where)}`);
    return parts.join(' ');
  }
  if (isAggregate(condition)) {
    const { fn, property } = condition.aggregate;
    const words = { sum: 'total', avg: 'average', min: 'smallest', max: 'largest', count_distinct: 'number of distinct' } as const;
    return [predicateLabel(`${words[fn]} ${property} of ${condition.event}`, condition), ...windowWords(condition), ...filterWords(condition.where)].join(' ');
  }
  if (isFirstLast(condition)) {
    const which = 'first' in condition ? 'first' : 'last';
    const predicate = 'first' in condition ? condition.first : condition.last;
    return [predicateLabel(`${which} ${condition.event}`, predicate), ...filterWords(condition.where)].join(' ');
  }
  if (isSequence(condition)) return describeSequence(condition);
  return predicateLabel(condition.trait, condition);
}

function windowWords(c: { within?: Duration; between?: [string, string] }): string[] {
  if (c.within) return [`in the last ${durationLabel(c.within)}`];
  if (c.between) return [`between ${c.between[0]} and ${c.between[1]}`];
  return [];
}

function filterWords(where: PropertyFilter | undefined): string[] {
  return where ? [`where ${describeFilter(where)}`] : [];
}

function describeSequence(c: SequenceCondition): string {
  const step = (s: SequenceStep, i: number) => {
    const event = [s.event, ...filterWords(s.where)].join(' ');
    if (i === 0) return [event, ...windowWords(c)].join(' ');
    return `then ${event}${s.within ? ` within ${durationLabel(s.within)}` : ''}`;
  };
  if (c.completed) return c.sequence.map(step).join(', ');
  const last = c.sequence.at(-1)!;
  const before = c.sequence.slice(0, -1).map(step).join(', ');
  return `${before}, and not ${[last.event, ...filterWords(last.where)].join(' ')} within ${durationLabel(last.within!)} after`;
}

function describeFilter(filter: PropertyFilter): string {
  if (isAll<PropertyFilter>(filter)) return groupLabel('all of', filter.all.map(describeFilter));
  if (isAny<PropertyFilter>(filter)) return groupLabel('any of', filter.any.map(describeFilter));
  if (isNot<PropertyFilter>(filter)) return `not ${describeFilter(filter.not)}`;
  return predicateLabel(filter.property, filter);
}

function predicateLabel(subject: string, p: Predicate): string {
  return operatorNamed(p.op).describe(subject, p.value);
}

function countLabel(count: CountComparison | undefined): string {
  if (!count) return 'at least once';
  if (count.op === 'between') return `${count.value[0]} to ${count.value[1]} times`;
  if (count.op === 'eq' && count.value === 0) return 'never';
  const words = { eq: 'exactly', neq: 'not exactly', gt: 'more than', gte: 'at least', lt: 'fewer than', lte: 'at most' } as const;
  return `${words[count.op]} ${count.value} time${count.value === 1 ? '' : 's'}`;
}

function groupLabel(word: string, items: string[]): string {
  const text = `${word} (${items.join('; ')})`;
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
