import { audienceCatalog, type EventStreamInfo } from '../audiences/catalog.js';
import type { PredictionConfig } from '../config/index.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef } from '../warehouse/index.js';

/**
 * The events predictions read, one row per event of a profile: `ev`, the event's code (its index in
 * `names`; `names.length` for any other activity), `ts`, and one `value_<i>` column per target
 * event with a value (its value property, NULL on other events). Built once per run (every
 * prediction of a `cdp run` reads the same table: most predict the same few events) or once per
 * training/scoring of one prediction, as a scratch table the feature queries scan at several
 * cutoffs instead of the raw streams.
 */
export interface EventsPlan {
  select: string;
  /** How each prediction reads the table, by prediction name. */
  codes: Map<string, EventCodes>;
}

/** Where one prediction's events are in a shared events table. */
export interface EventCodes {
  /** `ev` of the target event. */
  target: number;
  /** `ev` of each other event by name (the feature spec's `others`, and the config's choice). */
  others: Map<string, number>;
  /** The column with the target's value, when the prediction has one. */
  value: string | null;
  /** The other events the config chooses now, in feature order (a new spec's `others`). */
  chosen: string[];
}

/** One prediction a plan serves; `others`: the other events of a stored model it will score with. */
export interface PlannedPrediction {
  name: string;
  prediction: PredictionConfig;
  others?: readonly string[];
}

/**
 * The events table for `wanted`: every stream once, every event any of them counts coded once.
 * Throws (naming the prediction's config path) when one's event or value column is unknown:
 * check each alone first (`checkEvents`) to keep the others going.
 */
export async function eventsPlan(project: Project, wanted: readonly PlannedPrediction[]): Promise<EventsPlan> {
  const streams = await audienceCatalog(project).events();
  const names: string[] = [];
  const code = (name: string): number => {
    const at = names.indexOf(name);
    return at >= 0 ? at : names.push(name) - 1;
  };
  const values: Array<{ event: string; column: string }> = [];
  const codes = new Map<string, EventCodes>();
  for (const { name, prediction, others } of wanted) {
    checkStreams(project, name, prediction, streams);
    const chosen = otherEvents(prediction, [...streams.keys()]);
    const target = code(prediction.event);
    const otherCodes = new Map([...chosen, ...(others ?? [])].map((other) => [other, code(other)]));
    let value: string | null = null;
    if (prediction.value !== undefined) {
      let at = values.findIndex((v) => v.event === prediction.event && v.column === prediction.value);
      if (at < 0) at = values.push({ event: prediction.event, column: prediction.value }) - 1;
      value = valueColumn(at);
    }
    codes.set(name, { target, others: otherCodes, value, chosen });
  }
  const d = (await project.warehouse()).dialect;
  const all = new Set<EventStreamInfo>([...streams.values()].flat());
  const resolved = { schema: project.schema, name: 'resolved_records' };
  const parts = [...all].map((stream) => streamSelect(d, stream, resolved, names, values));
  return { select: parts.join('\nUNION ALL\n'), codes };
}

/** Refuses a prediction whose event no stream has, or whose value column its streams lack. */
function checkStreams(project: Project, name: string, prediction: PredictionConfig, streams: ReadonlyMap<string, readonly EventStreamInfo[]>): void {
  const location = { file: project.configFile, path: `predictions.${name}.event` };
  const targetStreams = streams.get(prediction.event);
  if (!targetStreams) {
    throw new CdpError('CONFIG_INVALID', `prediction \`${name}\`: no event stream has an event named \`${prediction.event}\``, {
      location,
      hint: `use one of: ${[...streams.keys()].slice(0, 20).join(', ') || '(no events: declare event streams under `events`)'}`,
    });
  }
  if (prediction.value !== undefined && !targetStreams.some((s) => s.columns.has(prediction.value!))) {
    throw new CdpError('CONFIG_INVALID', `prediction \`${name}\`: the streams of \`${prediction.event}\` have no column \`${prediction.value}\``, {
      location: { ...location, path: `predictions.${name}.value` },
      hint: `use a column of ${targetStreams.map((s) => `${s.relation.schema}.${s.relation.name}`).join(', ')}`,
    });
  }
}

/** Checks one prediction's event and value against the streams (what `eventsPlan` would refuse). */
export async function checkEvents(project: Project, name: string, prediction: PredictionConfig): Promise<void> {
  checkStreams(project, name, prediction, await audienceCatalog(project).events());
}

function valueColumn(i: number): string {
  return `value_${i}`;
}

/** Feature events: the configured ones, or every other declared name (sorted, capped). */
function otherEvents(prediction: PredictionConfig, names: string[]): string[] {
  if (prediction.features.events) return prediction.features.events.filter((e) => e !== prediction.event);
  return names
    .filter((n) => n !== prediction.event)
    .sort()
    .slice(0, prediction.features.maxEvents);
}

function streamSelect(d: Dialect, stream: EventStreamInfo, resolved: RelationRef, names: readonly string[], values: ReadonlyArray<{ event: string; column: string }>): string {
  const q = (c: string) => d.quoteIdent(c);
  const key = stream.columns.get(stream.key) === 'string' ? `s.${q(stream.key)}` : d.cast(`s.${q(stream.key)}`, 'string');
  const nameSql = stream.nameSql.includes('--') ? `(${stream.nameSql}\n)` : `(${stream.nameSql})`;
  const ev =
    stream.constantName !== undefined
      ? String(names.includes(stream.constantName) ? names.indexOf(stream.constantName) : names.length)
      : `CASE ${names.map((n, i) => `WHEN ${nameSql} = ${d.literal(n)} THEN ${i}`).join(' ')} ELSE ${names.length} END`;
  const valueColumns = values.map(({ event, column }, i) => {
    const isTarget = stream.constantName !== undefined ? stream.constantName === event : true;
    if (!isTarget || !stream.columns.has(column)) return `CAST(NULL AS ${d.typeName('number')}) AS ${q(valueColumn(i))}`;
    const value = d.cast(`s.${q(column)}`, 'number');
    return `${stream.constantName === undefined ? `CASE WHEN ${nameSql} = ${d.literal(event)} THEN ${value} END` : value} AS ${q(valueColumn(i))}`;
  });
  return (
    `SELECT r.profile_id AS profile_id, ${ev} AS ev, ${[`${d.cast(`s.${q(stream.timestamp)}`, 'timestamp')} AS ts`, ...valueColumns].join(', ')}\n` +
    `FROM ${d.relation(resolved)} r JOIN ${d.relation(stream.relation)} s ON r.record_key = ${key} AND r.source = ${d.literal(stream.source)}\n` +
    `WHERE r.profile_id IS NOT NULL AND s.${q(stream.timestamp)} IS NOT NULL`
  );
}
