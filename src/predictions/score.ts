import { dropAudienceBase } from '../audiences/base.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef, Warehouse } from '../warehouse/index.js';
import { configFingerprint, predictionConfig } from './config.js';
import { featureColumn, scoringFeaturesSelect, type FeatureSources } from './features.js';
import { KINDS } from './kinds.js';
import type { StoredModel } from './model.js';
import { prepare, scratch, type PreparedData } from './prepare.js';
import { loadModel } from './store.js';

export interface ScoreResult {
  name: string;
  profiles: number;
  /** The cutoff scored at: the newest event. */
  asOf: string;
  seconds: number;
}

/** The column holding a prediction's percentile (0-100) among profiles. */
export const percentileColumn = (name: string): string => `${name}_percentile`;

/**
 * The score of every profile as one SELECT: features per profile, then the model as one SQL
 * expression over them, then the percentile by a window function. Columns: profile_id, score, percentile.
 */
export function scoresSelect(d: Dialect, model: StoredModel, sources: FeatureSources, asOf: Date): string {
  const features = Array.from({ length: model.featureNames.length }, (_, i) => `x.${d.quoteIdent(featureColumn(i))}`);
  const score = KINDS[model.kind].scoreSql(d, model, features);
  const scored = `SELECT x.profile_id AS profile_id, ${score} AS score FROM (${scoringFeaturesSelect(d, model.spec, sources, asOf)}) x`;
  const percentile = d.cast(`FLOOR(100 * PERCENT_RANK() OVER (ORDER BY s.score))`, 'integer');
  return `SELECT s.profile_id AS profile_id, s.score AS score, ${percentile} AS percentile FROM (${scored}) s`;
}

/** The stored model of a prediction, refused when missing or trained under another config. */
export async function usableModel(project: Project, name: string): Promise<StoredModel> {
  const prediction = predictionConfig(project, name);
  const model = await loadModel(project, name);
  if (!model) throw new CdpError('NOT_FOUND', `prediction \`${name}\` has no trained model yet`, { hint: `run \`cdp predict train ${name}\`` });
  if (model.fingerprint !== configFingerprint(prediction)) {
    throw new CdpError('CONFLICT', `prediction \`${name}\` changed in the config since its model was trained`, { hint: `run \`cdp predict train ${name}\`` });
  }
  return model;
}

/**
 * Scores every profile into the scratch table `_prediction_<name>_scores`. `prepared`: the run's
 * events (`prepareRun`, planned with this model's events), else its own.
 */
export async function scoreIntoTable(project: Project, model: StoredModel, prepared?: PreparedData): Promise<ScoreResult & { table: RelationRef }> {
  const started = performance.now();
  const data = prepared ?? (await prepare(project, model.name, predictionConfig(project, model.name), model.spec));
  const table = scratch(project, model.name, 'scores');
  try {
    const d = data.warehouse.dialect;
    for (const statement of d.createOrReplaceTableAs(table, scoresSelect(d, model, data.sources, data.asOf))) await data.warehouse.execute(statement);
    const [row] = await data.warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${d.relation(table)}`);
    return { name: model.name, table, profiles: Number(row?.n ?? 0), asOf: data.asOf.toISOString(), seconds: (performance.now() - started) / 1000 };
  } finally {
    await data.cleanup();
  }
}

/**
 * Rewrites `profiles` with one `<name>` and `<name>_percentile` column per scored prediction (the
 * other columns as they are), so audiences use scores like any trait. Predictions in `unscored`
 * (no usable model yet) get NULL columns: an audience over them is valid and empty until a model
 * scores, instead of broken. Identity rebuilds profiles without them; the run scores right after.
 */
export async function writeScoresToProfiles(project: Project, scored: ReadonlyArray<{ name: string; table: RelationRef }>, unscored: readonly string[] = []): Promise<void> {
  if (scored.length === 0 && unscored.length === 0) return;
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const profiles = { schema: project.schema, name: 'profiles' };
  const replaced = new Set([...scored.map((s) => s.name), ...unscored].flatMap((name) => [name, percentileColumn(name)]));
  const kept = (await warehouse.listColumns(profiles)).map((c) => c.name).filter((c) => !replaced.has(c));
  const columns = [
    ...kept.map((c) => `p.${d.quoteIdent(c)}`),
    ...scored.flatMap((s, i) => [`s${i}.score AS ${d.quoteIdent(s.name)}`, `s${i}.percentile AS ${d.quoteIdent(percentileColumn(s.name))}`]),
    ...unscored.flatMap((name) => [`CAST(NULL AS ${d.typeName('number')}) AS ${d.quoteIdent(name)}`, `CAST(NULL AS ${d.typeName('integer')}) AS ${d.quoteIdent(percentileColumn(name))}`]),
  ];
  const joins = scored.map((s, i) => `LEFT JOIN ${d.relation(s.table)} s${i} ON s${i}.profile_id = p.profile_id`);
  const fresh = scratch(project, 'profiles', 'scored');
  await dropAudienceBase(project); // its copies of the scores are about to be stale
  // Built beside (the select reads the profiles it replaces), then renamed in where readers see
  // the swap at once (a copy back writes every profile a second time), else copied in atomically.
  for (const statement of d.createOrReplaceTableAs(fresh, `SELECT ${columns.join(', ')} FROM ${d.relation(profiles)} p ${joins.join(' ')}`)) await warehouse.execute(statement);
  if (d.atomicRename) {
    await warehouse.transaction(async (session) => {
      for (const statement of d.replaceTableByRename(profiles, fresh.name)) await session.execute(statement);
    });
    const analyze = d.analyzeTable(profiles);
    if (analyze) await warehouse.execute(analyze);
  } else {
    for (const statement of d.createOrReplaceTableAs(profiles, `SELECT * FROM ${d.relation(fresh)}`)) await warehouse.execute(statement);
    await warehouse.execute(d.dropRelation(fresh, 'table'));
  }
  await dropAll(warehouse, scored.map((s) => s.table));
}

async function dropAll(warehouse: Warehouse, tables: readonly RelationRef[]): Promise<void> {
  for (const table of tables) await warehouse.execute(warehouse.dialect.dropRelation(table, 'table'));
}

/** `cdp predict score <name>`: scores with the stored model and writes the profile columns. */
export async function scorePrediction(project: Project, name: string): Promise<ScoreResult> {
  const model = await usableModel(project, name);
  const result = await scoreIntoTable(project, model);
  await writeScoresToProfiles(project, [result]);
  return { name: result.name, profiles: result.profiles, asOf: result.asOf, seconds: result.seconds };
}
