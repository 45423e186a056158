import type { PredictionConfig, PredictionKind } from '../config/index.js';
import type { Dialect, RelationRef } from '../warehouse/index.js';
import type { EventCodes } from './events.js';

/** What the features of a model are made of: fixed at training, stored with the model, reused by scoring. */
export interface FeatureSpec {
  kind: PredictionKind;
  event: string;
  /** Label horizon in days. */
  horizon: number;
  windows: number[];
  /** Other event names counted (ev = index + 1 in the events table). */
  others: string[];
  /** Whether the target event has a value (monetary features, ltv labels). */
  hasValue: boolean;
  numericTraits: string[];
  textTraits: { name: string; values: string[] }[];
  /** Days-since features are capped here (and take it when the thing never happened). */
  cap: number;
}

export interface FeatureDef {
  name: string;
  /** A SQL expression over the aggregate row `a` and the profile `p`. */
  sql: string;
}

/** The tables a feature query reads, and where the prediction's events are in the events table. */
export interface FeatureSources {
  events: RelationRef;
  profiles: RelationRef;
  codes: EventCodes;
}

export function featureSpec(prediction: PredictionConfig, others: string[], textTraits: FeatureSpec['textTraits'], numericTraits: string[]): FeatureSpec {
  const windows = [...new Set(prediction.features.windows ?? [30, 90, 365])].sort((a, b) => a - b);
  return {
    kind: prediction.kind,
    event: prediction.event,
    horizon: prediction.window,
    windows,
    others,
    hasValue: prediction.value !== undefined,
    numericTraits,
    textTraits,
    cap: 2 * Math.max(...windows, prediction.window),
  };
}

/** Every feature of the spec, in model order. Counts and sums enter as ln(1 + x), ages in days capped. */
export function featureDefs(d: Dialect, spec: FeatureSpec, cutoff: string): FeatureDef[] {
  const q = (name: string) => d.quoteIdent(name);
  const num = (expr: string) => d.cast(expr, 'number');
  const log1p = (column: string) => `LN(1 + ${num(`COALESCE(a.${q(column)}, 0)`)})`;
  const days = (column: string) => `LEAST(${num(`COALESCE(${d.dateDiff('day', `a.${q(column)}`, cutoff)}, ${spec.cap})`)}, ${spec.cap})`;
  const defs: FeatureDef[] = [];
  for (const w of spec.windows) {
    defs.push({ name: `${spec.event} count ${w}d`, sql: log1p(`t_n_${w}`) });
    if (spec.hasValue) defs.push({ name: `${spec.event} value ${w}d`, sql: `LN(1 + GREATEST(${num(`COALESCE(a.${q(`t_v_${w}`)}, 0)`)}, 0))` });
  }
  defs.push({ name: `${spec.event} count ever`, sql: log1p('t_n') });
  defs.push({ name: `days since last ${spec.event}`, sql: days('t_last') });
  defs.push({ name: `days since first ${spec.event}`, sql: days('t_first') });
  spec.others.forEach((other, k) => {
    for (const w of spec.windows) defs.push({ name: `${other} count ${w}d`, sql: log1p(`o${k + 1}_${w}`) });
  });
  defs.push({ name: 'events ever', sql: log1p('n_all') });
  defs.push({ name: 'days since first seen', sql: days('first_seen') });
  defs.push({ name: 'days since last seen', sql: days('last_seen') });
  for (const trait of spec.numericTraits) {
    defs.push({ name: trait, sql: num(`COALESCE(${num(`p.${q(trait)}`)}, 0)`) });
    defs.push({ name: `${trait} missing`, sql: `CASE WHEN p.${q(trait)} IS NULL THEN 1.0 ELSE 0.0 END` });
  }
  for (const trait of spec.textTraits) {
    for (const value of trait.values) defs.push({ name: `${trait.name} = ${value}`, sql: `CASE WHEN ${d.cast(`p.${q(trait.name)}`, 'string')} = ${d.literal(value)} THEN 1.0 ELSE 0.0 END` });
  }
  return defs;
}

/**
 * Per profile aggregates of the events up to `cutoff` (and, with `labels`, of the target in
 * (cutoff, cutoff + horizon]). Rows after the cutoff are read only by the label columns: the
 * point-in-time guarantee is that every feature aggregate carries `ts <= cutoff`.
 */
function aggregateSelect(d: Dialect, spec: FeatureSpec, sources: FeatureSources, cutoff: string, labels: boolean): string {
  const q = (name: string) => d.quoteIdent(name);
  const { target, value } = sources.codes;
  const valueSql = value === null ? `CAST(NULL AS ${d.typeName('number')})` : q(value);
  const before = `ts <= ${cutoff}`;
  const within = (w: number) => `ts > ${d.dateAdd(cutoff, -w, 'day')} AND ${before}`;
  const count = (condition: string, alias: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END) AS ${q(alias)}`;
  const columns: string[] = [];
  for (const w of spec.windows) {
    columns.push(count(`ev = ${target} AND ${within(w)}`, `t_n_${w}`));
    if (spec.hasValue) columns.push(`SUM(CASE WHEN ev = ${target} AND ${within(w)} THEN ${valueSql} END) AS ${q(`t_v_${w}`)}`);
  }
  columns.push(count(`ev = ${target} AND ${before}`, 't_n'));
  columns.push(`MAX(CASE WHEN ev = ${target} AND ${before} THEN ts END) AS ${q('t_last')}`, `MIN(CASE WHEN ev = ${target} AND ${before} THEN ts END) AS ${q('t_first')}`);
  spec.others.forEach((other, k) => {
    const code = otherCode(sources.codes, other);
    for (const w of spec.windows) columns.push(count(`ev = ${code} AND ${within(w)}`, `o${k + 1}_${w}`));
  });
  columns.push(count(before, 'n_all'));
  columns.push(`MIN(CASE WHEN ${before} THEN ts END) AS ${q('first_seen')}`, `MAX(CASE WHEN ${before} THEN ts END) AS ${q('last_seen')}`);
  const end = d.dateAdd(cutoff, spec.horizon, 'day');
  if (labels) {
    const future = `ev = ${target} AND ts > ${cutoff} AND ts <= ${end}`;
    columns.push(count(future, 'y_n'), `SUM(CASE WHEN ${future} THEN ${valueSql} END) AS ${q('y_v')}`);
  }
  const until = labels ? end : cutoff;
  return `SELECT profile_id, ${columns.join(', ')} FROM ${d.relation(sources.events)} WHERE ts <= ${until} GROUP BY profile_id`;
}

/** The code of a counted event in the events table (planned with the spec's events: always there). */
function otherCode(codes: EventCodes, name: string): number {
  const code = codes.others.get(name);
  if (code === undefined) throw new Error(`internal: the events table was planned without \`${name}\``);
  return code;
}

/** The label of a row from the label aggregates. */
function labelSql(d: Dialect, spec: FeatureSpec): string[] {
  const q = (name: string) => d.quoteIdent(name);
  const did = `COALESCE(a.${q('y_n')}, 0) > 0`;
  const label = spec.kind === 'churn' ? `CASE WHEN ${did} THEN 0 ELSE 1 END` : `CASE WHEN ${did} THEN 1 ELSE 0 END`;
  const columns = [`${label} AS ${q('label')}`];
  if (spec.hasValue) columns.push(`${d.cast(`COALESCE(a.${q('y_v')}, 0)`, 'number')} AS ${q('label_value')}`);
  return columns;
}

/** Column name of the i-th feature in feature queries. */
export function featureColumn(i: number): string {
  return `f${i}`;
}

/**
 * Training/evaluation rows at a cutoff: profiles seen at or before it, their features, and labels
 * from the horizon after it. Columns: profile_id, f0..fn, label (and label_value with a value).
 */
export function labelledFeaturesSelect(d: Dialect, spec: FeatureSpec, sources: FeatureSources, cutoffDate: Date): string {
  const cutoff = d.literal(cutoffDate);
  const defs = featureDefs(d, spec, cutoff);
  const columns = defs.map((f, i) => `${f.sql} AS ${d.quoteIdent(featureColumn(i))}`);
  return (
    `SELECT a.profile_id AS profile_id, ${[...columns, ...labelSql(d, spec)].join(', ')}\n` +
    `FROM (${aggregateSelect(d, spec, sources, cutoff, true)}) a\n` +
    `LEFT JOIN ${d.relation(sources.profiles)} p ON p.profile_id = a.profile_id\n` +
    `WHERE a.${d.quoteIdent('first_seen')} IS NOT NULL`
  );
}

/**
 * Scoring rows at a cutoff: every profile (those without events get the features of someone never
 * seen). Columns: profile_id, f0..fn.
 */
export function scoringFeaturesSelect(d: Dialect, spec: FeatureSpec, sources: FeatureSources, cutoffDate: Date): string {
  const cutoff = d.literal(cutoffDate);
  const columns = featureDefs(d, spec, cutoff).map((f, i) => `${f.sql} AS ${d.quoteIdent(featureColumn(i))}`);
  return (
    `SELECT p.profile_id AS profile_id, ${columns.join(', ')}\n` +
    `FROM ${d.relation(sources.profiles)} p\n` +
    `LEFT JOIN (${aggregateSelect(d, spec, sources, cutoff, false)}) a ON a.profile_id = p.profile_id`
  );
}
