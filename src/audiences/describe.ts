import { isAll, isAny, isAudienceReference, isEvent, isNot, type Condition, type CountComparison, type Duration, type Predicate, type PropertyFilter } from './schema.js';

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
  const symbols: Record<string, string> = { eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };
  const value = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  switch (p.op) {
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return `${subject} ${symbols[p.op]} ${value(p.value)}`;
    case 'between':
      return `${subject} between ${value(p.value[0])} and ${value(p.value[1])}`;
    case 'in':
    case 'not_in':
      return `${subject} ${p.op === 'in' ? 'in' : 'not in'} (${p.value.map(value).join(', ')})`;
    case 'within_last':
    case 'not_within_last':
      return `${subject} ${p.op === 'within_last' ? 'within' : 'not within'} the last ${durationLabel(p.value)}`;
    case 'is_null':
    case 'is_not_null':
    case 'is_true':
    case 'is_false':
      return `${subject} ${p.op.replace(/_/g, ' ')}`;
    default:
      return `${subject} ${p.op.replace(/_/g, ' ')} ${value(p.value)}`;
  }
}

function countLabel(count: CountComparison | undefined): string {
  if (!count) return 'at least once';
  if (count.op === 'between') return `${count.value[0]} to ${count.value[1]} times`;
  if (count.op === 'eq' && count.value === 0) return 'never';
  const words = { eq: 'exactly', neq: 'not exactly', gt: 'more than', gte: 'at least', lt: 'fewer than', lte: 'at most' } as const;
  return `${words[count.op]} ${count.value} time${count.value === 1 ? '' : 's'}`;
}

function durationLabel(d: Duration): string {
  const [n, unit] = 'days' in d ? [d.days, 'day'] : [d.hours, 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function groupLabel(word: string, items: string[]): string {
  const text = `${word} (${items.join('; ')})`;
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
