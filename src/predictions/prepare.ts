import type { PredictionConfig } from '../config/index.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { RelationRef, Warehouse } from '../warehouse/index.js';
import { checkEvents, eventsPlan, type EventCodes, type PlannedPrediction } from './events.js';
import { featureDefs, featureSpec, labelledFeaturesSelect, type FeatureSources, type FeatureSpec } from './features.js';

const DAY_MS = 86_400_000;

/** What training, evaluating and scoring one prediction share: its events, features and time range. */
export interface PreparedData {
  name: string;
  warehouse: Warehouse;
  spec: FeatureSpec;
  featureNames: string[];
  sources: FeatureSources;
  /** The newest event: the data's "now", the scoring cutoff. */
  asOf: Date;
  firstEvent: Date;
  /** Drops the scratch tables. */
  cleanup(): Promise<void>;
}

export function scratch(project: Project, name: string, part: string): RelationRef {
  return { schema: project.schema, name: `_prediction_${name}_${part}` };
}

/**
 * Materialises the prediction's events (one scan of the streams), and fixes the feature spec: the
 * given one (a stored model's) or a new one from the config and the profiles' traits.
 */
export async function prepare(project: Project, name: string, prediction: PredictionConfig, fixed?: FeatureSpec): Promise<PreparedData> {
  const shared = await materializeEvents(project, [{ name, prediction, others: fixed?.others }], scratch(project, name, 'events'));
  try {
    return { ...(await describe(project, shared.events, name, prediction, shared.codes.get(name)!, fixed)), cleanup: shared.cleanup };
  } catch (error) {
    await shared.cleanup();
    throw error;
  }
}

/** The predictions of one run over one events table; each entry its data, or why it has none. */
export interface PreparedRun {
  prepared: Map<string, PreparedData | Error>;
  /** Drops the shared events table (each PreparedData's own cleanup leaves it). */
  cleanup(): Promise<void>;
}

/**
 * `prepare` for every prediction of a run at once: one events table for all of them (the streams
 * are scanned and joined to the profiles once, not once per prediction and again to score). A
 * prediction with a config error or no events of its own gets its error, the others go on.
 * `fixed`: a stored model's spec, for a prediction that will score without training.
 */
export async function prepareRun(project: Project, wanted: ReadonlyArray<PlannedPrediction & { fixed?: FeatureSpec }>): Promise<PreparedRun> {
  const prepared = new Map<string, PreparedData | Error>();
  const usable: typeof wanted[number][] = [];
  for (const entry of wanted) {
    try {
      await checkEvents(project, entry.name, entry.prediction);
      usable.push(entry);
    } catch (error) {
      prepared.set(entry.name, error as Error);
    }
  }
  if (usable.length === 0) return { prepared, cleanup: async () => undefined };
  const shared = await materializeEvents(project, usable, scratch(project, 'run', 'events'));
  for (const { name, prediction, fixed } of usable) {
    try {
      prepared.set(name, { ...(await describe(project, shared.events, name, prediction, shared.codes.get(name)!, fixed)), cleanup: async () => undefined });
    } catch (error) {
      prepared.set(name, error as Error);
    }
  }
  return { prepared, cleanup: shared.cleanup };
}

/** The events table of `wanted` in `events`, and how to drop it. */
async function materializeEvents(project: Project, wanted: readonly PlannedPrediction[], events: RelationRef): Promise<{ events: RelationRef; codes: Map<string, EventCodes>; cleanup(): Promise<void> }> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const profiles = { schema: project.schema, name: 'profiles' };
  if (!(await warehouse.relationExists(profiles))) {
    throw new CdpError('NOT_FOUND', `the profiles table ${project.schema}.profiles does not exist yet`, { hint: 'run `cdp run` to build identity and profiles first' });
  }
  const plan = await eventsPlan(project, wanted);
  for (const statement of d.createOrReplaceTableAs(events, plan.select)) await warehouse.execute(statement);
  return { events, codes: plan.codes, cleanup: async () => void (await warehouse.execute(d.dropRelation(events, 'table'))) };
}

/** One prediction's time range in the events table and its feature spec (the given one, or a new one). */
async function describe(project: Project, events: RelationRef, name: string, prediction: PredictionConfig, codes: EventCodes, fixed?: FeatureSpec): Promise<Omit<PreparedData, 'cleanup'>> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const profiles = { schema: project.schema, name: 'profiles' };
  const [range] = await warehouse.query<{ first: Date | null; last: Date | null }>(
    `SELECT MIN(ts) AS ${d.quoteIdent('first')}, MAX(ts) AS ${d.quoteIdent('last')} FROM ${d.relation(events)} WHERE ev = ${codes.target}`,
  );
  if (!range?.first || !range.last) {
    throw new CdpError('INVALID_INPUT', `prediction \`${name}\`: no \`${prediction.event}\` events in the warehouse yet`, {
      location: { file: project.configFile, path: `predictions.${name}.event` },
      hint: 'a prediction learns from past events: load or collect some first',
    });
  }
  const spec = fixed ?? featureSpec(prediction, codes.chosen, ...(await traitFeatures(project, warehouse, profiles, name, prediction)));
  const featureNames = featureDefs(d, spec, 'x').map((f) => f.name);
  return { name, warehouse, spec, featureNames, sources: { events, profiles, codes }, asOf: new Date(range.last), firstEvent: new Date(range.first) };
}

/** Text traits with their top values and numeric traits, of the traits the config opts in. */
async function traitFeatures(
  project: Project,
  warehouse: Warehouse,
  profiles: RelationRef,
  name: string,
  prediction: PredictionConfig,
): Promise<[FeatureSpec['textTraits'], string[]]> {
  const d = warehouse.dialect;
  const columns = new Map((await warehouse.listColumns(profiles)).map((c) => [c.name, c.kind]));
  const text: FeatureSpec['textTraits'] = [];
  const numeric: string[] = [];
  for (const [i, trait] of prediction.features.traits.entries()) {
    const kind = columns.get(trait);
    if (kind === 'integer' || kind === 'number') numeric.push(trait);
    else if (kind === 'string' || kind === 'boolean') {
      const column = d.cast(d.quoteIdent(trait), 'string');
      const rows = await warehouse.query<{ v: string }>(
        `SELECT ${column} AS v, COUNT(*) AS n FROM ${d.relation(profiles)} WHERE ${d.quoteIdent(trait)} IS NOT NULL GROUP BY ${column} ORDER BY n DESC, v ${d.limit(prediction.features.topValues)}`,
      );
      text.push({ name: trait, values: rows.map((r) => String(r.v)) });
    } else {
      throw new CdpError('CONFIG_INVALID', `prediction \`${name}\`: \`${trait}\` is ${kind ? `a ${kind} trait` : 'not a profile trait'}`, {
        location: { file: project.configFile, path: `predictions.${name}.features.traits[${i}]` },
        hint: kind ? 'use numeric or text traits' : `use one of: ${[...columns.keys()].join(', ')}`,
      });
    }
  }
  return [text, numeric];
}

/** The cutoff `days` before `asOf`. */
export function daysBefore(asOf: Date, days: number): Date {
  return new Date(asOf.getTime() - days * DAY_MS);
}

/**
 * Refuses a cutoff without half a horizon of history before it: features would describe nobody's
 * past and the labels would be all the model learns from.
 */
export function requireHistory(project: Project, data: PreparedData, cutoff: Date, purpose: string): void {
  const history = (cutoff.getTime() - data.firstEvent.getTime()) / DAY_MS;
  const needed = data.spec.horizon / 2;
  if (history < needed) {
    const span = (data.asOf.getTime() - data.firstEvent.getTime()) / DAY_MS;
    throw new CdpError('INVALID_INPUT', `prediction \`${data.name}\`: ${span.toFixed(0)} days of \`${data.spec.event}\` history are too little to ${purpose} a ${data.spec.horizon}-day prediction`, {
      location: { file: project.configFile, path: `predictions.${data.name}.window` },
      hint: `${purpose === 'train' ? 'training' : 'a backtest'} needs at least ${((data.asOf.getTime() - cutoff.getTime()) / DAY_MS + needed).toFixed(0)} days of history: wait for more data or shorten \`window\``,
    });
  }
}

/** Materialises labelled features at `cutoff` into a scratch table; returns its row count. */
export async function labelledTable(data: PreparedData, table: RelationRef, cutoff: Date): Promise<number> {
  const d = data.warehouse.dialect;
  for (const statement of d.createOrReplaceTableAs(table, labelledFeaturesSelect(d, data.spec, data.sources, cutoff))) await data.warehouse.execute(statement);
  const [row] = await data.warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${d.relation(table)}`);
  return Number(row?.n ?? 0);
}
