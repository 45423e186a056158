import { configFingerprint, drivers, KINDS, loadEvaluation, loadModel, percentileColumn, predictionConfig, type Evaluation, type StoredModel } from '../../predictions/index.js';
import type { Project } from '../../project/index.js';
import type { ServerContext } from '../context.js';

type Bin = { from: number; to: number; count: number };

/** Metrics may be NaN (no positives): JSON has no NaN, the API says null. */
function finite<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as T;
}

async function view(project: Project, name: string) {
  const prediction = predictionConfig(project, name);
  const [model, evaluation] = await Promise.all([loadModel(project, name), loadEvaluation(project, name)]);
  return {
    name,
    kind: prediction.kind,
    event: prediction.event,
    windowDays: prediction.window,
    value: prediction.value ?? null,
    description: prediction.description ?? null,
    meaning: KINDS[prediction.kind].meaning,
    columns: { score: name, percentile: percentileColumn(name) },
    model: model ? modelSummary(model, model.fingerprint === configFingerprint(prediction)) : null,
    evaluation: evaluation ? finite(evaluationView(evaluation)) : null,
    stored: model,
  };
}

function modelSummary(model: StoredModel, current: boolean) {
  const t = model.training;
  return { trainedAt: model.trainedAt, asOf: model.asOf, cutoff: model.cutoff, rows: t.rows, positives: t.positives, negatives: t.negatives, sampled: t.sampled, features: model.featureNames.length, current };
}

function evaluationView(e: Evaluation) {
  const { name: _name, kind: _kind, ...rest } = e;
  return rest;
}

/** Every configured prediction with its model and last evaluation. */
export async function listPredictions(ctx: ServerContext) {
  const views = await Promise.all(Object.keys(ctx.project.config.predictions).map((name) => view(ctx.project, name)));
  return views.map(({ stored: _stored, ...rest }) => rest);
}

/** One prediction, with the model's drivers and the distribution of the current scores. */
export async function predictionDetail(ctx: ServerContext, name: string) {
  const { stored, ...rest } = await view(ctx.project, name);
  return {
    ...rest,
    drivers: stored ? drivers(stored.featureNames, stored.classifier.fit) : [],
    distribution: await scoreDistribution(ctx.project, name, rest.kind === 'ltv'),
  };
}

/** A 20-bin histogram of `profiles.<name>` (over [0, 1], or [0, max] for ltv), in one query. */
async function scoreDistribution(project: Project, name: string, open: boolean): Promise<Bin[] | null> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const profiles = { schema: project.schema, name: 'profiles' };
  if (!(await warehouse.listColumns(profiles)).some((c) => c.name === name)) return null;
  const column = d.quoteIdent(name);
  const [range] = await warehouse.query<{ top: number | null }>(`SELECT MAX(${column}) AS top FROM ${d.relation(profiles)}`);
  const top = open ? Math.max(Number(range?.top ?? 0), 1e-9) : 1;
  const bins = 20;
  const bin = d.cast(`LEAST(FLOOR(${column} * ${bins} / ${d.literal(top)}), ${bins - 1})`, 'integer');
  const rows = await warehouse.query<{ bin: number; n: number | bigint }>(
    `SELECT bin, COUNT(*) AS n FROM (SELECT ${bin} AS bin FROM ${d.relation(profiles)} WHERE ${column} IS NOT NULL) x GROUP BY bin`,
  );
  const counts = new Map(rows.map((r) => [Number(r.bin), Number(r.n)]));
  return Array.from({ length: bins }, (_, i) => ({ from: (i * top) / bins, to: ((i + 1) * top) / bins, count: counts.get(i) ?? 0 }));
}
