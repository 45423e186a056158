import type { ColumnKind, Dialect } from '../warehouse/index.js';
import type { AudienceTables } from './compile.js';
import { ago, dateBounds } from './operators.js';
import type { ResolvedAggregate, ResolvedEvents, ResolvedFirstLast, ResolvedSequence } from './resolve.js';
import type { Duration } from './schema.js';
import { filterSql, indent, nullOf } from './sql-parts.js';

/**
 * SQL for the conditions that look at each event's time or properties, not only at how many there
 * were: aggregates, first/last times and sequences. Each is one set-based subquery over all
 * profiles' events (GROUP BY, window functions over each profile's events in time order), never a
 * statement per profile; the audience compiler joins it to `profiles`.
 */

/** Column names of the event relations built here. */
export const EVENT_TS = 'event_ts';
export const EVENT_VALUE = 'event_value';
export const AGGREGATE_VALUE = 'aggregate_value';

/** Which events of a stream count: a window and, optionally, a lower bound expression on their time. */
interface EventWindow {
  within?: Duration;
  between?: [string, string];
  /** SQL the event time must be strictly after. */
  after?: string;
}

/**
 * `profile_id, event_ts[, event_value]` of the matching events of known profiles: the streams'
 * rows (filtered by name, window and properties) joined to the profiles they resolved to.
 */
export function eventRowsSql(d: Dialect, tables: AudienceTables, events: ResolvedEvents, window: EventWindow, value?: { column: string; kind: ColumnKind }): string {
  const q = (name: string) => d.quoteIdent(name);
  const several = events.streams.length > 1;
  const perStream = events.streams.map((stream) => {
    const column = (name: string) => `s.${q(name)}`;
    const timeKind = stream.columns.get(stream.timestamp);
    const time = timeKind === 'timestamp' ? column(stream.timestamp) : d.cast(column(stream.timestamp), 'timestamp');
    const filters: string[] = [];
    // The config's name expression is user SQL: a newline keeps a trailing `--` comment contained.
    const nameSql = stream.nameSql.includes('--') ? `${stream.nameSql}\n` : stream.nameSql;
    if (stream.constantName === undefined) filters.push(`(${nameSql}) = ${d.literal(events.event)}`);
    if (window.within) filters.push(`${time} >= ${ago(d, window.within)}`);
    if (window.between) filters.push(dateBounds(d, time, window.between[0], window.between[1]));
    if (window.after) filters.push(`${time} > ${window.after}`);
    if (events.where) filters.push(filterSql(d, events.where, stream, false));
    const key = stream.columns.get(stream.key) === 'string' ? column(stream.key) : d.cast(column(stream.key), 'string');
    const selected = [
      ...(several ? [`${d.literal(stream.source)} AS ${q('source')}`] : []),
      `${key} AS ${q('record_key')}`,
      `${time} AS ${q(EVENT_TS)}`,
      ...(value ? [`${stream.columns.has(value.column) ? column(value.column) : nullOf(d, value.kind)} AS ${q(EVENT_VALUE)}`] : []),
    ];
    return `SELECT ${selected.join(', ')}\nFROM ${d.relation(stream.relation)} AS s${filters.length ? `\nWHERE ${filters.join('\n  AND ')}` : ''}`;
  });
  const sourceFilter = several
    ? `r.${q('source')} IN (${events.streams.map((s) => d.literal(s.source)).join(', ')})`
    : `r.${q('source')} = ${d.literal(events.streams[0]!.source)}`;
  const on = `r.${q('record_key')} = e.${q('record_key')}${several ? ` AND r.${q('source')} = e.${q('source')}` : ''}`;
  return [
    `SELECT r.${q('profile_id')}, e.${q(EVENT_TS)}${value ? `, e.${q(EVENT_VALUE)}` : ''}`,
    `FROM ${d.relation(tables.resolvedRecords)} AS r`,
    `JOIN (\n${indent(perStream.join('\nUNION ALL\n'))}\n) AS e ON ${on}`,
    `WHERE ${sourceFilter} AND r.${q('profile_id')} IS NOT NULL`,
  ].join('\n');
}

/** One row per profile with matching events: `profile_id, aggregate_value`. */
export function aggregateSql(d: Dialect, tables: AudienceTables, node: ResolvedAggregate): string {
  const q = (name: string) => d.quoteIdent(name);
  const rows = eventRowsSql(d, tables, node, { within: node.within, between: node.between }, node.property);
  const value = `x.${q(EVENT_VALUE)}`;
  const aggregate = node.fn === 'count_distinct' ? `COUNT(DISTINCT ${value})` : `${node.fn.toUpperCase()}(${value})`;
  return `SELECT x.${q('profile_id')}, ${aggregate} AS ${q(AGGREGATE_VALUE)}\nFROM (\n${indent(rows)}\n) AS x\nGROUP BY x.${q('profile_id')}`;
}

/** The value a profile without matching events has: 0 for sums and distinct counts, else none (NULL). */
export function aggregateOfNothing(node: ResolvedAggregate): string | undefined {
  return node.fn === 'sum' || node.fn === 'count_distinct' ? '0' : undefined;
}

/** One row per profile that did it: `profile_id, aggregate_value` (the first or last time). */
export function firstLastSql(d: Dialect, tables: AudienceTables, node: ResolvedFirstLast): string {
  const q = (name: string) => d.quoteIdent(name);
  const rows = eventRowsSql(d, tables, node, {});
  const fn = node.which === 'first' ? 'MIN' : 'MAX';
  return `SELECT x.${q('profile_id')}, ${fn}(x.${q(EVENT_TS)}) AS ${q(AGGREGATE_VALUE)}\nFROM (\n${indent(rows)}\n) AS x\nGROUP BY x.${q('profile_id')}`;
}

/** `time + duration`. */
function later(d: Dialect, time: string, duration: Duration): string {
  return 'days' in duration ? d.dateAdd(time, duration.days, 'day') : d.dateAdd(time, duration.hours, 'hour');
}

/**
 * The profile ids (possibly repeated) that match a sequence.
 *
 * Reachable events, step by step: a step's event is reachable when a reachable event of the step
 * before happened strictly earlier and at most the step's `within` earlier: a range join when the
 * step has a `within`; otherwise the latest reachable earlier event is the best witness, so one
 * running MAX over the profile's events of both steps in time order finds it (at equal times the
 * current step's events sort first, so an event is never "after" one at the same instant). A sequence not completed keeps the profiles with a reachable
 * event of the step before the last that is at least the last step's `within` old and whose next
 * last-step event (a running MIN over the following rows) is missing or later than `within` after.
 */
export function sequenceSql(d: Dialect, tables: AudienceTables, node: ResolvedSequence): string {
  const q = (name: string) => d.quoteIdent(name);
  // Later steps follow the first, so they too are after the start of the top-level window.
  const start = node.within ? ago(d, node.within) : undefined;
  const stepRows = (i: number) => eventRowsSql(d, tables, node.steps[i]!, i === 0 ? { within: node.within } : { after: start });
  const last = node.steps.length - 1;
  const reachableUntil = node.completed ? last : last - 1;
  let reachable = stepRows(0);
  for (let i = 1; i <= reachableUntil; i++) reachable = nextReachable(d, reachable, stepRows(i), node.steps[i]!.within);
  const ts = q(EVENT_TS);
  if (node.completed) return `SELECT y.${q('profile_id')}\nFROM (\n${indent(reachable)}\n) AS y`;
  const within = node.steps[last]!.within!;
  const next = `MIN(CASE WHEN z.${q('step_tag')} = 0 THEN z.${ts} END) OVER (PARTITION BY z.${q('profile_id')} ORDER BY z.${ts}, z.${q('step_tag')} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)`;
  const ordered = `SELECT z.${q('profile_id')}, z.${ts}, z.${q('step_tag')}, ${next} AS ${q('next_ts')}\nFROM (\n${indent(tagged(d, reachable, stepRows(last)))}\n) AS z`;
  return [
    `SELECT w.${q('profile_id')}`,
    `FROM (\n${indent(ordered)}\n) AS w`,
    `WHERE w.${q('step_tag')} = 1`,
    `  AND w.${ts} <= ${ago(d, within)}`,
    `  AND (w.${q('next_ts')} IS NULL OR w.${q('next_ts')} > ${later(d, `w.${ts}`, within)})`,
  ].join('\n');
}

/** The earlier step's reachable events tagged 1, the current step's events tagged 0. */
function tagged(d: Dialect, previous: string, current: string): string {
  const q = (name: string) => d.quoteIdent(name);
  const columns = `${q('profile_id')}, ${q(EVENT_TS)}`;
  return `SELECT ${columns}, 1 AS ${q('step_tag')}\nFROM (\n${indent(previous)}\n) AS a\nUNION ALL\nSELECT ${columns}, 0 AS ${q('step_tag')}\nFROM (\n${indent(current)}\n) AS b`;
}

/**
 * `profile_id, event_ts` of the current step's events that a reachable previous event precedes (within `within`).
 * With a `within`, a range join (each event meets only the previous step's events of one window,
 * which engines run as a band/IE join); without one, the running MAX over both steps in time order,
 * which stays linear however many events a profile has.
 */
function nextReachable(d: Dialect, previous: string, current: string, within: Duration | undefined): string {
  const q = (name: string) => d.quoteIdent(name);
  const ts = q(EVENT_TS);
  if (within) {
    return [
      `SELECT DISTINCT c.${q('profile_id')}, c.${ts}`,
      `FROM (\n${indent(current)}\n) AS c`,
      `JOIN (\n${indent(previous)}\n) AS p`,
      `  ON p.${q('profile_id')} = c.${q('profile_id')} AND c.${ts} > p.${ts} AND c.${ts} <= ${later(d, `p.${ts}`, within)}`,
    ].join('\n');
  }
  const prior = `MAX(CASE WHEN z.${q('step_tag')} = 1 THEN z.${ts} END) OVER (PARTITION BY z.${q('profile_id')} ORDER BY z.${ts}, z.${q('step_tag')} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const ordered = `SELECT z.${q('profile_id')}, z.${ts}, z.${q('step_tag')}, ${prior} AS ${q('previous_ts')}\nFROM (\n${indent(tagged(d, previous, current))}\n) AS z`;
  return [
    `SELECT w.${q('profile_id')}, w.${ts}`,
    `FROM (\n${indent(ordered)}\n) AS w`,
    `WHERE w.${q('step_tag')} = 0 AND w.${q('previous_ts')} IS NOT NULL${within ? ` AND w.${ts} <= ${later(d, `w.${q('previous_ts')}`, within)}` : ''}`,
  ].join('\n');
}
