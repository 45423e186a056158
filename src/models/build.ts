import { CdpError, isCdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { RelationInfo, Warehouse } from '../warehouse/index.js';
import type { ModelGraph } from './graph.js';
import { loadModels } from './load.js';
import { executeBuild, planBuild, relationKey, type BuildContext } from './materialize.js';
import { checkInputs } from './preflight.js';
import type { BuildTests } from './build-tests.js';
import type { SchemaTestResult } from './data-tests.js';
import type { Model, ModelBuildResult } from './types.js';

export interface BuildModelsOptions {
  /** Selectors (`name`, `+name`, `name+`); all models when empty. */
  select?: string[];
  /** dbt's --exclude. */
  exclude?: string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  onProgress?: (line: string) => void;
  /** Called once per selected model, in build order, when it is built, failed or skipped. */
  onResult?: (result: ModelBuildResult) => Promise<void> | void;
  /** dbt build: the tests to run as the models are built (see build-tests.ts). */
  tests?: (graph: ModelGraph, building: readonly Model[]) => Promise<BuildTests>;
}

export interface BuildModelsOutcome {
  results: ModelBuildResult[];
  /** The first model failure (file and line of the model); its descendants were skipped. */
  failure: CdpError | null;
  /** dbt build: every test's result, in the order they ran. */
  tests?: SchemaTestResult[];
}

const relationText = (model: Model) => `${model.relation.schema}.${model.relation.name}`;

/**
 * Builds the selected models in DAG order, one at a time, each in its own transaction. Problems
 * found before building (template errors, cycles, unknown refs, missing sources) throw and
 * nothing is built. A model that fails to build is reported and its descendants are skipped, as
 * dbt does; models that do not depend on it are still built. With `tests` (dbt build), a model's
 * failing unit test or a failing data test on it skips its descendants too.
 */
export async function buildModels(project: Project, options: BuildModelsOptions = {}): Promise<BuildModelsOutcome> {
  const say = options.onProgress ?? (() => undefined);
  const graph = loadModels(project);
  // Ephemeral models are not built: they are inlined as CTEs where they are ref'd.
  const selected = graph.select(options.select ?? [], options.exclude ?? []).filter((model) => model.config.materialized !== 'ephemeral');
  if (selected.length === 0) {
    say(`no models in ${project.config.models.path}/`);
    return { results: [], failure: null };
  }
  const warehouse = await project.warehouse();
  const context = await buildContext(warehouse, graph, selected, options.fullRefresh ?? false);
  await checkInputs(warehouse, graph, selected);
  const existing = context.existing as Map<string, RelationInfo['kind']>;
  for (const model of selected) {
    if (model.settings.persist_docs && Object.values(model.settings.persist_docs).some(Boolean)) say(`note: persist_docs of ${model.name} is ignored: cdp does not write descriptions into the warehouse`);
  }

  const tests = await options.tests?.(graph, selected);
  const failedSources = (await tests?.sources()) ?? new Map<string, string>();
  const results: ModelBuildResult[] = [];
  let failure: CdpError | null = null;
  // Models (and failing tests' models) whose descendants are skipped, with the reason.
  const stopped = new Map<string, string>();
  const stoppedBy = (model: Model) =>
    [...graph.parents(model.name).map((parent) => stopped.get(parent)), ...model.sources.map((s) => failedSources.get(`${s.source}.${s.table}`)).map((test) => test && `test ${test} failed`)].find(
      (reason) => reason !== undefined,
    );
  for (const [index, model] of selected.entries()) {
    const step = `${index + 1} of ${selected.length}`;
    const kind = model.config.materialized;
    const startedAt = new Date();
    const started = performance.now();
    const base = { model: model.name, file: model.file, relation: model.relation, materialized: kind, startedAt };
    let result: ModelBuildResult;
    const upstream = stoppedBy(model);
    if (upstream) tests?.skipUnits(model, upstream);
    const unitFailed = upstream ? null : await tests?.before(model, graph);
    if (upstream || unitFailed) {
      const reason = upstream ?? `unit test ${unitFailed} failed`;
      stopped.set(model.name, reason);
      result = { ...base, status: 'skipped', mode: null, rows: null, seconds: 0, finishedAt: startedAt, error: `skipped because ${reason}` };
      say(`${step} SKIP ${kind} model ${relationText(model)} (${reason})`);
    } else {
      say(`${step} START ${kind} model ${relationText(model)}`);
      try {
        await readCatalog(warehouse, graph, model);
        const plan = await planBuild(model, context);
        const { rows } = await executeBuild(warehouse, plan);
        graph.env.catalog?.delete(warehouse.dialect.relation(model.relation));
        existing.set(relationKey(model.relation), kind === 'view' ? 'view' : 'table');
        const seconds = (performance.now() - started) / 1000;
        result = { ...base, status: 'success', mode: plan.mode, rows, seconds, finishedAt: new Date(), error: null, compiledSql: plan.sql };
        const what = plan.mode === 'incremental' ? 'incremental' : kind;
        say(`${step} OK ${what} model ${relationText(model)}${rows === null ? '' : ` ${rows.toLocaleString('en-US')} rows`} in ${seconds.toFixed(2)}s`);
      } catch (error) {
        const modelError = asModelError(model, error);
        failure ??= modelError;
        stopped.set(model.name, `${model.name} failed`);
        const seconds = (performance.now() - started) / 1000;
        result = { ...base, status: 'error', mode: null, rows: null, seconds, finishedAt: new Date(), error: modelError.oneLine() };
        say(`${step} ERROR ${kind} model ${relationText(model)} in ${seconds.toFixed(2)}s: ${modelError.oneLine()}`);
      }
    }
    results.push(result);
    await options.onResult?.(result);
    const testFailed = await tests?.after(model.name, result.status === 'success');
    if (testFailed && !stopped.has(model.name)) stopped.set(model.name, `test ${testFailed} failed`);
  }
  await tests?.rest();
  return { results, failure, ...(tests ? { tests: tests.results } : {}) };
}

/** The columns of what a model reads, when the project's templates ask for columns (adapter.get_columns_in_relation). */
export async function readCatalog(warehouse: Warehouse, graph: ModelGraph, model: Model): Promise<void> {
  const catalog = graph.env.catalog;
  if (!catalog) return;
  const relations = [
    ...model.refs.map((ref) => graph.env.nodes.get(ref.name)!).filter((node) => !node.ephemeral).map((node) => node.relation),
    ...model.sources.map((source) => ({ schema: source.schema, name: source.identifier })),
    model.relation,
  ];
  for (const relation of relations) {
    const key = warehouse.dialect.relation(relation);
    if (catalog.has(key)) continue;
    const columns = await warehouse.listColumns(relation);
    if (columns.length) catalog.set(key, columns.map((c) => ({ name: c.name, type: c.type })));
  }
}

/** Creates every schema the selected models go to and reads what is already there, once per schema. */
export async function buildContext(warehouse: Warehouse, graph: ModelGraph, selected: readonly Model[], fullRefresh: boolean): Promise<BuildContext> {
  const existing = new Map<string, RelationInfo['kind']>();
  for (const schema of new Set(selected.map((model) => model.relation.schema))) {
    await warehouse.createSchema(schema);
    for (const relation of await warehouse.listRelations(schema)) existing.set(relationKey(relation), relation.kind);
  }
  return { warehouse, env: graph.env, fullRefresh, existing };
}

function asModelError(model: Model, error: unknown): CdpError {
  if (isCdpError(error) && error.location.file) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CdpError('MODEL_SQL', `model ${model.name} failed: ${message.split('\n')[0]}`, {
    location: { file: model.file, line: model.bodyLine },
    hint: 'the relation in the warehouse was left as it was',
    cause: error,
  });
}
