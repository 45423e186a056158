import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { DIALECT_NAMES, getDialect, type Dialect, type DialectName } from '../warehouse/index.js';
import { loadModels } from './load.js';
import { renderModel } from './model.js';
import { readCatalog } from './build.js';
import { renderWithRoundTrips } from './round-trips.js';
import { didYouMean } from '../util/suggest.js';

/** The dialect named on the command line, or the project warehouse's. */
export function resolveDialect(project: Project, name?: string): Dialect {
  const wanted = name ?? project.config.warehouse.type;
  if (!DIALECT_NAMES.includes(wanted as DialectName)) {
    throw new CdpError('INVALID_INPUT', `unknown dialect '${wanted}'`, { hint: `use one of ${DIALECT_NAMES.join(', ')}` });
  }
  try {
    return getDialect(wanted as DialectName);
  } catch (error) {
    throw new CdpError('INVALID_INPUT', (error as Error).message, { hint: 'use duckdb or postgres', cause: error });
  }
}

/**
 * The SELECT a model runs, as the next `cdp run` would render it. For an incremental model
 * compiled for the project's own warehouse, `is_incremental()` is true when its table exists
 * (the warehouse is opened only in that case).
 */
export async function compileModel(project: Project, name: string, options: { dialect?: string; fullRefresh?: boolean } = {}): Promise<string> {
  const graph = loadModels(project);
  const model = graph.get(name);
  if (!model) {
    throw new CdpError('MODEL_NOT_FOUND', `there is no model named ${name}`, {
      hint: didYouMean(name, graph.names, 'models are the .sql files under the models folder, named by their file name'),
    });
  }
  const dialect = resolveDialect(project, options.dialect);
  let isIncremental = false;
  if (model.config.materialized === 'incremental' && !options.fullRefresh && dialect.name === project.config.warehouse.type) {
    const warehouse = await project.warehouse();
    const existing = await warehouse.listRelations(model.relation.schema);
    isIncremental = existing.some((relation) => relation.name === model.relation.name && relation.kind === 'table');
  }
  if (dialect.name === project.config.warehouse.type) {
    const warehouse = await project.warehouse();
    if (graph.env.catalog) await readCatalog(warehouse, graph, model);
    graph.env.roundTrips?.attach(warehouse);
  }
  return renderWithRoundTrips(graph.env.roundTrips, () => renderModel(model, graph.env, { dialect, isIncremental }));
}
