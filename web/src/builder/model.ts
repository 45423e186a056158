import type {
  AggregateCondition,
  AggregateFunction,
  AudienceCatalog,
  ColumnKind,
  Condition,
  CountComparison,
  Duration,
  EventCondition,
  FirstLastCondition,
  Operator,
  Predicate,
  PropertyCondition,
  PropertyFilter,
  ScalarValue,
  SequenceCondition,
  SequenceStep,
  TraitCondition,
} from '../lib/types';
import { defaultOperator, isNumeric, isTemporal, operatorsFor, valueShape } from './operators';

/**
 * The builder's editable tree. Inputs hold text while the user types; `toDefinition` turns the
 * tree into the API's audience definition (typed values, incomplete conditions left out), and
 * `fromDefinition` turns a saved definition back into a tree.
 */

export type Match = 'all' | 'any' | 'none';

export interface ValueDraft {
  text: string;
  text2: string;
  list: string[];
  amount: string;
  unit: 'days' | 'hours';
}

export interface PredicateDraft {
  op: Operator | '';
  value: ValueDraft;
}

export interface GroupNode {
  id: string;
  kind: 'group';
  match: Match;
  items: BuilderNode[];
}

export interface TraitNode {
  id: string;
  kind: 'trait';
  trait: string;
  pred: PredicateDraft;
}

export type Frequency = 'at_least_once' | 'never' | 'gte' | 'lte' | 'eq' | 'between';
export type EventWindow = 'ever' | 'within' | 'between';

export interface PropertyNode {
  id: string;
  property: string;
  pred: PredicateDraft;
}

export interface EventNode {
  id: string;
  kind: 'event';
  event: string;
  frequency: Frequency;
  count: string;
  count2: string;
  window: EventWindow;
  withinAmount: string;
  withinUnit: 'days' | 'hours';
  from: string;
  to: string;
  filterMatch: 'all' | 'any';
  filters: PropertyNode[];
}

export interface AudienceNode {
  id: string;
  kind: 'audience';
  audience: string;
  membership: 'in' | 'not_in';
}

/** A condition the builder cannot edit (written in YAML); kept as it is and shown as text. */
export interface RawNode {
  id: string;
  kind: 'raw';
  condition: Condition;
}

/** One step of a sequence: an event, its property filters, and how soon after the previous step. */
export interface StepNode {
  id: string;
  event: string;
  filterMatch: 'all' | 'any';
  filters: PropertyNode[];
  /** Steps after the first: `within` bounds the time since the previous step; `any` is any time later. */
  gap: 'any' | 'within';
  withinAmount: string;
  withinUnit: 'days' | 'hours';
}

/** A funnel: steps in order (`completed`), or the steps but not the last within its window. */
export interface SequenceNode {
  id: string;
  kind: 'sequence';
  steps: StepNode[];
  completed: boolean;
  /** When the first step happened: any time, or in the last N days/hours. */
  window: 'ever' | 'within';
  withinAmount: string;
  withinUnit: 'days' | 'hours';
}

/** A comparison on sum/avg/min/max/count-distinct of an event property. */
export interface AggregateNode {
  id: string;
  kind: 'aggregate';
  event: string;
  fn: AggregateFunction;
  property: string;
  pred: PredicateDraft;
  window: 'ever' | 'within';
  withinAmount: string;
  withinUnit: 'days' | 'hours';
}

/** "The first (or last) time they did X was before/after/within…": a timestamp comparison on that event's time. */
export interface FirstLastNode {
  id: string;
  kind: 'firstlast';
  event: string;
  which: 'first' | 'last';
  pred: PredicateDraft;
  filterMatch: 'all' | 'any';
  filters: PropertyNode[];
}

export type BuilderNode = GroupNode | TraitNode | EventNode | AudienceNode | SequenceNode | AggregateNode | FirstLastNode | RawNode;

let counter = 0;
export const newId = (): string => `n${++counter}`;

export const emptyValue = (): ValueDraft => ({ text: '', text2: '', list: [], amount: '30', unit: 'days' });

export function newGroup(match: Match = 'all', items: BuilderNode[] = []): GroupNode {
  return { id: newId(), kind: 'group', match, items };
}

export function newTrait(): TraitNode {
  return { id: newId(), kind: 'trait', trait: '', pred: { op: '', value: emptyValue() } };
}

export function newEvent(): EventNode {
  return {
    id: newId(),
    kind: 'event',
    event: '',
    frequency: 'at_least_once',
    count: '1',
    count2: '5',
    // No time window unless the user picks one: a default the user did not choose would narrow silently.
    window: 'ever',
    withinAmount: '30',
    withinUnit: 'days',
    from: '',
    to: '',
    filterMatch: 'all',
    filters: [],
  };
}

export function newStep(first: boolean): StepNode {
  return { id: newId(), event: '', filterMatch: 'all', filters: [], gap: first ? 'any' : 'within', withinAmount: '30', withinUnit: 'days' };
}

export function newSequence(): SequenceNode {
  return { id: newId(), kind: 'sequence', steps: [newStep(true), newStep(false)], completed: true, window: 'ever', withinAmount: '30', withinUnit: 'days' };
}

export function newAggregate(): AggregateNode {
  return { id: newId(), kind: 'aggregate', event: '', fn: 'sum', property: '', pred: { op: 'gte', value: emptyValue() }, window: 'ever', withinAmount: '30', withinUnit: 'days' };
}

export function newFirstLast(): FirstLastNode {
  return { id: newId(), kind: 'firstlast', event: '', which: 'last', pred: { op: defaultOperator('timestamp'), value: emptyValue() }, filterMatch: 'all', filters: [] };
}

export function newProperty(): PropertyNode {
  return { id: newId(), property: '', pred: { op: '', value: emptyValue() } };
}

export function newAudienceRef(): AudienceNode {
  return { id: newId(), kind: 'audience', audience: '', membership: 'in' };
}

// ---------------------------------------------------------------- kinds

/** Looks up column kinds in the catalog. */
export interface Kinds {
  trait(name: string): ColumnKind | undefined;
  property(event: string, property: string): ColumnKind | undefined;
}

export function kindsOf(catalog: AudienceCatalog | undefined): Kinds {
  const traits = new Map(catalog?.traits.map((t) => [t.name, t.kind]) ?? []);
  const events = new Map(catalog?.events.map((e) => [e.name, new Map(e.properties.map((p) => [p.name, p.kind]))]) ?? []);
  return {
    trait: (name) => traits.get(name),
    property: (event, property) => events.get(event)?.get(property),
  };
}

/** Picks an operator that fits a newly chosen column, keeping the current one when it still fits. */
export function fitOperator(current: Operator | '', kind: ColumnKind): Operator {
  if (current && operatorsFor(kind).some(([op]) => op === current)) return current;
  return defaultOperator(kind);
}

// ---------------------------------------------------------------- tree -> definition

/** Why a condition cannot be counted yet, or null when it is complete. */
export function problemOf(node: BuilderNode, kinds: Kinds): string | null {
  switch (node.kind) {
    case 'group':
    case 'raw':
      return null;
    case 'trait': {
      if (!node.trait) return 'Pick a trait.';
      const kind = kinds.trait(node.trait);
      if (!kind) return `The trait “${node.trait}” does not exist (any more).`;
      return predicateProblem(node.pred, kind);
    }
    case 'audience':
      return node.audience ? null : 'Pick an audience.';
    case 'sequence':
      return sequenceProblem(node, kinds);
    case 'aggregate': {
      if (!node.event) return 'Pick an event.';
      if (!node.property) return 'Pick the property to add up.';
      if (node.window === 'within' && !isPositive(node.withinAmount)) return 'Enter a number of days or hours.';
      return predicateProblem(node.pred, aggregateKind(node, kinds));
    }
    case 'firstlast':
      if (!node.event) return 'Pick an event.';
      return predicateProblem(node.pred, 'timestamp') ?? filtersProblem(node.event, node.filters, kinds);
    case 'event': {
      if (!node.event) return 'Pick an event.';
      if (node.frequency !== 'at_least_once' && node.frequency !== 'never') {
        if (!isCount(node.count)) return 'Enter how many times (a whole number).';
        if (node.frequency === 'between' && (!isCount(node.count2) || Number(node.count2) < Number(node.count))) {
          return 'Enter a range of times, smallest first.';
        }
      }
      if (node.window === 'within' && !isPositive(node.withinAmount)) return 'Enter a number of days or hours.';
      if (node.window === 'between' && (!node.from || !node.to)) return 'Enter both dates.';
      return filtersProblem(node.event, node.filters, kinds);
    }
  }
}

function filtersProblem(event: string, filters: PropertyNode[], kinds: Kinds): string | null {
  for (const filter of filters) {
    if (!filter.property) return 'Pick a property for each filter.';
    const kind = kinds.property(event, filter.property) ?? 'string';
    const problem = predicateProblem(filter.pred, kind);
    if (problem) return `${filter.property}: ${problem}`;
  }
  return null;
}

function sequenceProblem(node: SequenceNode, kinds: Kinds): string | null {
  if (node.steps.length === 0) return 'Add a step.';
  for (const [i, step] of node.steps.entries()) {
    if (!step.event) return `Step ${i + 1}: pick an event.`;
    if (i > 0 && step.gap === 'within' && !isPositive(step.withinAmount)) return `Step ${i + 1}: enter a number of days or hours.`;
    const problem = filtersProblem(step.event, step.filters, kinds);
    if (problem) return `Step ${i + 1}: ${problem}`;
  }
  if (!node.completed) {
    if (node.steps.length < 2) return 'A step that did not happen needs a step before it.';
    if (node.steps[node.steps.length - 1]!.gap !== 'within') return 'Say within how long the last step did not happen.';
  }
  if (node.window === 'within' && !isPositive(node.withinAmount)) return 'Enter a number of days or hours.';
  return null;
}

/** The type an aggregate's value compares as: a count of distinct values is a whole number; sums and averages are numbers. */
export function aggregateKind(node: AggregateNode, kinds: Kinds): ColumnKind {
  if (node.fn === 'count_distinct') return 'integer';
  const kind = kinds.property(node.event, node.property);
  if (node.fn === 'avg' || node.fn === 'sum') return kind === 'integer' && node.fn === 'sum' ? 'integer' : 'number';
  return kind ?? 'number';
}

const isCount = (text: string) => /^\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text));
const isPositive = (text: string) => isCount(text) && Number(text) > 0;

/** Decimal numbers a double holds exactly enough to compare: 15 significant digits, below 10^21. */
const MAX_SIGNIFICANT_DIGITS = 15;
const MAX_MAGNITUDE = 1e21;

/** Why a typed number cannot be sent as it was typed (it would become another number), or null. */
export function numberProblem(text: string, kind: 'integer' | 'number'): string | null {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(n)) return 'Enter a number.';
  if (kind === 'integer') {
    if (!Number.isInteger(n)) return 'Enter a whole number.';
    if (!Number.isSafeInteger(n)) return `Enter a whole number between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}: larger ones lose digits.`;
    return null;
  }
  if (Math.abs(n) >= MAX_MAGNITUDE) return 'Enter a number below 10^21: larger ones cannot be compared exactly.';
  const digits = trimmed.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length > MAX_SIGNIFICANT_DIGITS) return `Enter at most ${MAX_SIGNIFICANT_DIGITS} significant digits: more cannot be represented exactly.`;
  return null;
}

function predicateProblem(pred: PredicateDraft, kind: ColumnKind): string | null {
  if (!pred.op) return 'Pick an operator.';
  const v = pred.value;
  switch (valueShape(pred.op)) {
    case 'none':
      return null;
    case 'scalar':
      return scalarProblem(v.text, kind);
    case 'instant':
      return v.text ? null : 'Enter a date.';
    case 'pair':
      return scalarProblem(v.text, kind) ?? scalarProblem(v.text2, kind);
    case 'list':
      if (v.list.length === 0) return 'Add at least one value.';
      return v.list.map((item) => scalarProblem(item, kind)).find(Boolean) ?? null;
    case 'duration':
      return isPositive(v.amount) ? null : 'Enter a number of days or hours.';
  }
}

function scalarProblem(text: string, kind: ColumnKind): string | null {
  if (text.trim() === '') return isTemporal(kind) ? 'Enter a date.' : 'Enter a value.';
  if (isNumeric(kind)) return numberProblem(text, kind === 'integer' ? 'integer' : 'number');
  return null;
}

function scalar(text: string, kind: ColumnKind): ScalarValue {
  if (isNumeric(kind)) return Number(text);
  if (kind === 'boolean') return text === 'true';
  return text;
}

function predicateOf(pred: PredicateDraft, kind: ColumnKind): Predicate {
  const op = pred.op as Operator;
  const v = pred.value;
  switch (valueShape(op)) {
    case 'none':
      return { op };
    case 'scalar':
      return { op, value: scalar(v.text, kind) };
    case 'instant':
      return { op, value: v.text };
    case 'pair':
      return { op, value: [scalar(v.text, kind), scalar(v.text2, kind)] };
    case 'list':
      return { op, value: v.list.map((item) => scalar(item, kind)) };
    case 'duration':
      return { op, value: v.unit === 'hours' ? { hours: Number(v.amount) } : { days: Number(v.amount) } };
  }
}

function countOf(node: EventNode): CountComparison | undefined {
  const n = Number(node.count);
  switch (node.frequency) {
    case 'at_least_once':
      return undefined;
    case 'never':
      return { op: 'eq', value: 0 };
    case 'between':
      return { op: 'between', value: [n, Number(node.count2)] };
    default:
      return { op: node.frequency, value: n };
  }
}

const durationOf = (amount: string, unit: 'days' | 'hours'): Duration => (unit === 'hours' ? { hours: Number(amount) } : { days: Number(amount) });

function whereOf(event: string, filters: PropertyNode[], match: 'all' | 'any', kinds: Kinds): PropertyFilter | undefined {
  const items: PropertyFilter[] = filters.map((f) => ({ property: f.property, ...predicateOf(f.pred, kinds.property(event, f.property) ?? 'string') }) as PropertyCondition);
  if (items.length === 0) return undefined;
  if (items.length === 1) return items[0];
  return match === 'any' ? { any: items } : { all: items };
}

function sequenceOf(node: SequenceNode, kinds: Kinds): SequenceCondition {
  const sequence = node.steps.map((step, i): SequenceStep => {
    const where = whereOf(step.event, step.filters, step.filterMatch, kinds);
    return { event: step.event, ...(where ? { where } : {}), ...(i > 0 && step.gap === 'within' ? { within: durationOf(step.withinAmount, step.withinUnit) } : {}) };
  });
  return { sequence, completed: node.completed, ...(node.window === 'within' ? { within: durationOf(node.withinAmount, node.withinUnit) } : {}) };
}

function aggregateOf(node: AggregateNode, kinds: Kinds): AggregateCondition {
  return {
    event: node.event,
    aggregate: { fn: node.fn, property: node.property },
    ...predicateOf(node.pred, aggregateKind(node, kinds)),
    ...(node.window === 'within' ? { within: durationOf(node.withinAmount, node.withinUnit) } : {}),
  } as AggregateCondition;
}

function firstLastOf(node: FirstLastNode, kinds: Kinds): FirstLastCondition {
  const where = whereOf(node.event, node.filters, node.filterMatch, kinds);
  return { event: node.event, ...(where ? { where } : {}), [node.which]: predicateOf(node.pred, 'timestamp') } as FirstLastCondition;
}

function eventOf(node: EventNode, kinds: Kinds): EventCondition {
  const out: EventCondition = { event: node.event };
  const count = countOf(node);
  if (count) out.count = count;
  if (node.window === 'within') out.within = node.withinUnit === 'hours' ? { hours: Number(node.withinAmount) } : { days: Number(node.withinAmount) };
  if (node.window === 'between') out.between = [node.from, node.to];
  // predicateOf pairs each operator with its value's shape (problemOf refused the drafts it cannot).
  const filters: PropertyFilter[] = node.filters.map((f) => ({ property: f.property, ...predicateOf(f.pred, kinds.property(node.event, f.property) ?? 'string') }) as PropertyCondition);
  if (filters.length === 1) out.where = filters[0];
  else if (filters.length > 1) out.where = node.filterMatch === 'any' ? { any: filters } : { all: filters };
  return out;
}

export interface Compiled {
  /** The definition's `where`: only complete conditions. */
  where: Condition;
  /** Conditions left out because they are not complete yet. */
  incomplete: number;
  /** Ids of the root's items that made it into `where`, in order (the funnel's steps). */
  rootIds: string[];
  /** Definition path of each condition in `where` (`where.all[1].any[0]`) → its node id. */
  paths: ReadonlyMap<string, string>;
}

/** The tree as an audience definition `where`; incomplete conditions are left out and counted. */
export function toDefinition(root: GroupNode, kinds: Kinds): Compiled {
  let incomplete = 0;
  const paths = new Map<string, string>();
  const groupOf = (match: Match, items: Condition[]): Condition => (match === 'any' ? { any: items } : match === 'none' ? { not: { any: items } } : { all: items });
  const itemsPath = (path: string, match: Match) => (match === 'any' ? `${path}.any` : match === 'none' ? `${path}.not.any` : `${path}.all`);
  const visitItems = (group: GroupNode, path: string, onKept?: (id: string) => void): Condition[] => {
    const items: Condition[] = [];
    for (const item of group.items) {
      const condition = visit(item, `${itemsPath(path, group.match)}[${items.length}]`);
      if (condition) {
        onKept?.(item.id);
        items.push(condition);
      }
    }
    return items;
  };
  const visit = (node: BuilderNode, path: string): Condition | null => {
    const condition = conditionOf(node, path);
    if (condition) paths.set(path, node.id);
    return condition;
  };
  const conditionOf = (node: BuilderNode, path: string): Condition | null => {
    switch (node.kind) {
      case 'group': {
        const items = visitItems(node, path);
        return items.length === 0 ? null : groupOf(node.match, items);
      }
      case 'raw':
        return node.condition;
      default:
        if (problemOf(node, kinds)) {
          incomplete++;
          return null;
        }
        return leafCondition(node, kinds);
    }
  };
  const rootIds: string[] = [];
  const items = visitItems(root, 'where', (id) => rootIds.push(id));
  return { where: groupOf(root.match, items), incomplete, rootIds, paths };
}

/** A complete leaf condition as the definition writes it. */
function leafCondition(node: TraitNode | EventNode | AudienceNode | SequenceNode | AggregateNode | FirstLastNode, kinds: Kinds): Condition {
  switch (node.kind) {
    case 'firstlast':
      return firstLastOf(node, kinds);
    case 'sequence':
      return sequenceOf(node, kinds);
    case 'aggregate':
      return aggregateOf(node, kinds);
    case 'trait':
      return { trait: node.trait, ...predicateOf(node.pred, kinds.trait(node.trait)!) } as TraitCondition;
    case 'audience':
      return node.membership === 'not_in' ? { not: { audience: node.audience } } : { audience: node.audience };
    case 'event':
      return eventOf(node, kinds);
  }
}

/**
 * The node an error's field path points into (`body.definition.where.all[2].value` → the node at
 * `where.all[2]`): the deepest condition whose path starts the error's.
 */
export function nodeAtPath(paths: ReadonlyMap<string, string>, errorPath: string | null): string | undefined {
  if (!errorPath) return undefined;
  const at = errorPath.indexOf('where');
  if (at < 0) return undefined;
  const path = errorPath.slice(at);
  let best: string | undefined;
  for (const key of paths.keys()) {
    const inside = path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`);
    if (inside && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : paths.get(best);
}

// ---------------------------------------------------------------- definition -> tree

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function draftOf(p: Predicate): PredicateDraft {
  const value = emptyValue();
  const v = p.value;
  switch (valueShape(p.op)) {
    case 'scalar':
    case 'instant':
      value.text = v === undefined || v === null ? '' : String(v);
      break;
    case 'pair':
      if (Array.isArray(v)) {
        value.text = String(v[0] ?? '');
        value.text2 = String(v[1] ?? '');
      }
      break;
    case 'list':
      value.list = Array.isArray(v) ? v.map(String) : [];
      break;
    case 'duration':
      if (isObject(v)) {
        const d = v as Duration;
        if ('hours' in d) {
          value.amount = String(d.hours);
          value.unit = 'hours';
        } else {
          value.amount = String(d.days);
          value.unit = 'days';
        }
      }
      break;
    case 'none':
      break;
  }
  return { op: p.op, value };
}

function eventFrom(c: EventCondition): EventNode | null {
  const node = newEvent();
  node.event = c.event;
  node.window = c.within ? 'within' : c.between ? 'between' : 'ever';
  if (c.within) {
    if ('hours' in c.within) {
      node.withinAmount = String(c.within.hours);
      node.withinUnit = 'hours';
    } else node.withinAmount = String(c.within.days);
  }
  if (c.between) [node.from, node.to] = c.between;
  const count = c.count;
  if (!count) node.frequency = 'at_least_once';
  else if (count.op === 'eq' && count.value === 0) node.frequency = 'never';
  else if (count.op === 'between') {
    node.frequency = 'between';
    node.count = String(count.value[0]);
    node.count2 = String(count.value[1]);
  } else if (count.op === 'gte' || count.op === 'lte' || count.op === 'eq') {
    node.frequency = count.op;
    node.count = String(count.value);
  } else if (count.op === 'gt') {
    node.frequency = 'gte';
    node.count = String(count.value + 1);
  } else if (count.op === 'lt' && count.value > 0) {
    node.frequency = 'lte';
    node.count = String(count.value - 1);
  } else return null;
  const where = c.where;
  const flat = (items: PropertyFilter[]): PropertyNode[] | null =>
    items.every((f) => 'property' in f) ? items.map((f) => ({ id: newId(), property: (f as { property: string }).property, pred: draftOf(f as Predicate) })) : null;
  if (!where) node.filters = [];
  else if ('property' in where) node.filters = flat([where])!;
  else if ('all' in where || 'any' in where) {
    const items = 'all' in where ? where.all : where.any;
    const filters = flat(items);
    if (!filters) return null;
    node.filters = filters;
    node.filterMatch = 'all' in where ? 'all' : 'any';
  } else return null;
  return node;
}

function windowFrom(within: Duration | undefined): Pick<SequenceNode, 'window' | 'withinAmount' | 'withinUnit'> {
  if (!within) return { window: 'ever', withinAmount: '30', withinUnit: 'days' };
  return 'hours' in within ? { window: 'within', withinAmount: String(within.hours), withinUnit: 'hours' } : { window: 'within', withinAmount: String(within.days), withinUnit: 'days' };
}

/** Property filters the builder can edit (flat all/any of property conditions), or null. */
function filtersFrom(where: PropertyFilter | undefined): Pick<StepNode, 'filters' | 'filterMatch'> | null {
  if (!where) return { filters: [], filterMatch: 'all' };
  const flat = (items: PropertyFilter[]) => (items.every((f) => 'property' in f) ? items.map((f) => ({ id: newId(), property: (f as { property: string }).property, pred: draftOf(f as Predicate) })) : null);
  if ('property' in where) return { filters: flat([where])!, filterMatch: 'all' };
  if ('all' in where || 'any' in where) {
    const filters = flat('all' in where ? where.all : where.any);
    return filters ? { filters, filterMatch: 'all' in where ? 'all' : 'any' } : null;
  }
  return null;
}

function sequenceFrom(c: SequenceCondition): SequenceNode | null {
  const steps: StepNode[] = [];
  for (const [i, step] of c.sequence.entries()) {
    const filters = filtersFrom(step.where);
    if (!filters) return null;
    const gap = windowFrom(step.within);
    steps.push({ id: newId(), event: step.event, ...filters, gap: i > 0 && gap.window === 'within' ? 'within' : 'any', withinAmount: gap.withinAmount, withinUnit: gap.withinUnit });
  }
  return { id: newId(), kind: 'sequence', steps, completed: c.completed, ...windowFrom(c.within) };
}

function aggregateFrom(c: AggregateCondition): AggregateNode | null {
  if (c.where || c.between) return null;
  return { id: newId(), kind: 'aggregate', event: c.event, fn: c.aggregate.fn, property: c.aggregate.property, pred: draftOf(c as Predicate), ...windowFrom(c.within) };
}

function firstLastFrom(c: FirstLastCondition): FirstLastNode | null {
  const filters = filtersFrom(c.where);
  if (!filters) return null;
  const which = c.first ? 'first' : 'last';
  const pred = c.first ?? c.last;
  if (!pred || !operatorsFor('timestamp').some(([op]) => op === pred.op)) return null;
  return { id: newId(), kind: 'firstlast', event: c.event, which, pred: draftOf(pred as Predicate), ...filters };
}

function nodeFrom(c: Condition): BuilderNode {
  if ('all' in c) return newGroup('all', c.all.map(nodeFrom));
  if ('any' in c) return newGroup('any', c.any.map(nodeFrom));
  if ('not' in c) {
    const inner = c.not;
    if ('any' in inner) return newGroup('none', inner.any.map(nodeFrom));
    if ('audience' in inner) return { id: newId(), kind: 'audience', audience: inner.audience, membership: 'not_in' };
    return newGroup('none', [nodeFrom(inner)]);
  }
  if ('audience' in c) return { id: newId(), kind: 'audience', audience: c.audience, membership: 'in' };
  if ('sequence' in c) return sequenceFrom(c) ?? { id: newId(), kind: 'raw', condition: c };
  if ('aggregate' in c) return aggregateFrom(c) ?? { id: newId(), kind: 'raw', condition: c };
  if ('first' in c || 'last' in c) return firstLastFrom(c as FirstLastCondition) ?? { id: newId(), kind: 'raw', condition: c };
  if ('event' in c) return eventFrom(c) ?? { id: newId(), kind: 'raw', condition: c };
  if ('trait' in c) return { id: newId(), kind: 'trait', trait: c.trait, pred: draftOf(c) };
  return { id: newId(), kind: 'raw', condition: c };
}

/** A saved definition's `where` as an editable tree (the root is always a group). */
export function fromDefinition(where: Condition): GroupNode {
  const node = nodeFrom(where);
  return node.kind === 'group' ? node : newGroup('all', [node]);
}

// ---------------------------------------------------------------- tree edits (immutable)

/** Replaces the node with `id` anywhere under `root` (returns new objects along the path). */
export function replaceNode(root: GroupNode, id: string, next: BuilderNode | null): GroupNode {
  const visit = (group: GroupNode): GroupNode => {
    let changed = false;
    const items: BuilderNode[] = [];
    for (const item of group.items) {
      if (item.id === id) {
        changed = true;
        if (next) items.push(next);
      } else if (item.kind === 'group') {
        const updated = visit(item);
        if (updated !== item) changed = true;
        items.push(updated);
      } else items.push(item);
    }
    return changed ? { ...group, items } : group;
  };
  if (root.id === id) return next && next.kind === 'group' ? next : root;
  return visit(root);
}

/** How many conditions (not groups) the tree holds. */
export function countConditions(node: BuilderNode): number {
  return node.kind === 'group' ? node.items.reduce((sum, item) => sum + countConditions(item), 0) : 1;
}

/** Audience names a tree refers to (to refuse a reference to itself). */
export function referencedAudiences(node: BuilderNode): string[] {
  if (node.kind === 'group') return node.items.flatMap(referencedAudiences);
  return node.kind === 'audience' && node.audience ? [node.audience] : [];
}
