import { audienceCatalog, type EventStreamInfo } from '../audiences/catalog.js';
import type { PredictionConfig } from '../config/index.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef } from '../warehouse/index.js';

/**
 * The events a prediction reads, one row per event of a profile: `ev` 0 for the target event,
 * 1..k for the other events counted as features, k+1 for any other activity; `ts`; `value` (the
 * target's value property, NULL elsewhere). Built once per training or scoring as a scratch table
 * so the feature queries at several cutoffs scan it instead of the raw streams.
 */
export interface EventsPlan {
  /** The other event names, in feature order (ev = index + 1). */
  others: string[];
  select: string;
}

export async function eventsPlan(project: Project, name: string, prediction: PredictionConfig, others?: readonly string[]): Promise<EventsPlan> {
  const streams = await audienceCatalog(project).events();
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
  const chosen = others ? [...others] : otherEvents(prediction, [...streams.keys()]);
  const d = (await project.warehouse()).dialect;
  const all = new Set<EventStreamInfo>([...streams.values()].flat());
  const resolved = { schema: project.schema, name: 'resolved_records' };
  const parts = [...all].map((stream) => streamSelect(d, stream, resolved, prediction, chosen));
  return { others: chosen, select: parts.join('\nUNION ALL\n') };
}

/** Feature events: the configured ones, or every other declared name (sorted, capped). */
function otherEvents(prediction: PredictionConfig, names: string[]): string[] {
  if (prediction.features.events) return prediction.features.events.filter((e) => e !== prediction.event);
  return names
    .filter((n) => n !== prediction.event)
    .sort()
    .slice(0, prediction.features.maxEvents);
}

function streamSelect(d: Dialect, stream: EventStreamInfo, resolved: RelationRef, prediction: PredictionConfig, others: readonly string[]): string {
  const q = (c: string) => d.quoteIdent(c);
  const key = stream.columns.get(stream.key) === 'string' ? `s.${q(stream.key)}` : d.cast(`s.${q(stream.key)}`, 'string');
  const nameSql = stream.nameSql.includes('--') ? `(${stream.nameSql}\n)` : `(${stream.nameSql})`;
  const names = [prediction.event, ...others];
  const ev =
    stream.constantName !== undefined
      ? String(names.includes(stream.constantName) ? names.indexOf(stream.constantName) : names.length)
      : `CASE ${names.map((n, i) => `WHEN ${nameSql} = ${d.literal(n)} THEN ${i}`).join(' ')} ELSE ${names.length} END`;
  const isTarget = stream.constantName !== undefined ? stream.constantName === prediction.event : true;
  const hasValue = prediction.value !== undefined && isTarget && stream.columns.has(prediction.value);
  const valueExpr = hasValue ? d.cast(`s.${q(prediction.value!)}`, 'number') : `CAST(NULL AS ${d.typeName('number')})`;
  const value = hasValue && stream.constantName === undefined ? `CASE WHEN ${nameSql} = ${d.literal(prediction.event)} THEN ${valueExpr} END` : valueExpr;
  return (
    `SELECT r.profile_id AS profile_id, ${ev} AS ev, ${d.cast(`s.${q(stream.timestamp)}`, 'timestamp')} AS ts, ${value} AS ${q('value')}\n` +
    `FROM ${d.relation(resolved)} r JOIN ${d.relation(stream.relation)} s ON r.record_key = ${key} AND r.source = ${d.literal(stream.source)}\n` +
    `WHERE r.profile_id IS NOT NULL AND s.${q(stream.timestamp)} IS NOT NULL`
  );
}
