import { operatorNamed } from './operator-registry.js';
import { isAll, isAny, isAudienceReference, isEvent, isNot, type Condition, type CountComparison, type Predicate, type PropertyFilter } from './schema.js';
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
  return predicateLabel(condition.trait, condition);
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
