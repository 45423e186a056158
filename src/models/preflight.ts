import { CdpError } from '../errors.js';
import type { RelationRef, Warehouse } from '../warehouse/index.js';
import type { ModelGraph } from './graph.js';
import type { Model } from './types.js';

const key = (relation: RelationRef) => `${relation.schema}.${relation.name}`;

/**
 * Checks, before anything is built, that every relation the selected models read exists or is
 * about to be built: each `source()` must be in the warehouse, and each ref to a model outside
 * the selection must have been built before.
 */
export async function checkInputs(warehouse: Warehouse, graph: ModelGraph, selected: readonly Model[]): Promise<void> {
  const building = new Set(selected.map((model) => key(model.relation)));
  const checked = new Map<string, boolean>();
  const exists = async (relation: RelationRef): Promise<boolean> => {
    const k = key(relation);
    if (!checked.has(k)) checked.set(k, building.has(k) || (await warehouse.relationExists(relation)));
    return checked.get(k)!;
  };
  for (const model of selected) {
    for (const source of model.sources) {
      if (!(await exists({ schema: source.schema, name: source.identifier }))) {
        throw new CdpError('SOURCE_MISSING', `source('${source.source}', '${source.table}') in model ${model.name}: ${source.schema}.${source.identifier} does not exist in the warehouse`, {
          location: { file: model.file, line: source.line },
          hint: 'load that table first (e.g. `cdp demo` for the demo data) or fix the schema/table name',
        });
      }
    }
    for (const ref of model.refs) {
      const parent = graph.env.nodes.get(ref.name)!;
      if (parent.ephemeral) continue;
      if (!(await exists(parent.relation))) {
        const seed = parent.kind === 'seed';
        throw new CdpError('MODEL_NOT_FOUND', `ref('${ref.name}') in model ${model.name}: ${seed ? 'seed ' : ''}${ref.name} has not been ${seed ? 'loaded' : 'built and is not selected'}`, {
          location: { file: model.file, line: ref.line },
          hint: seed ? 'run `cdp seed` (or `cdp build`) first' : `select it too: --select +${model.name}`,
        });
      }
    }
  }
}
