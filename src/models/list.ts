import type { Project } from '../project/index.js';
import { loadSchemaTests } from './data-tests.js';
import { loadModels } from './load.js';
import { testNode } from './test-project.js';
import { nodeKey, selectNodes, type SelectableNode } from './selection.js';

/** `cdp ls`: the nodes a selection picks, models/seeds in build order, then tests, then sources. */
export function listNodes(project: Project, options: { select?: string[]; exclude?: string[]; resourceTypes?: string[] } = {}): SelectableNode[] {
  const graph = loadModels(project);
  const tests = loadSchemaTests(project, graph).map((test) => testNode(test, graph));
  const nodes = [...graph.selectable(), ...tests];
  const chosen = selectNodes(nodes, options.select ?? [], options.exclude ?? []);
  const types = options.resourceTypes?.length ? new Set(options.resourceTypes) : undefined;
  return nodes.filter((node) => chosen.has(nodeKey(node)) && (!types || types.has(node.kind)));
}
