import type { Project } from '../project/index.js';
import { loadSchemaTests } from './data-tests.js';
import { loadModels } from './load.js';
import { nodeKey, selectNodes, type SelectableNode } from './selection.js';

/** `cdp ls`: the nodes a selection picks, models/seeds in build order, then tests, then sources. */
export function listNodes(project: Project, options: { select?: string[]; exclude?: string[]; resourceTypes?: string[] } = {}): SelectableNode[] {
  const graph = loadModels(project);
  const tests = loadSchemaTests(project, graph).map(
    (test): SelectableNode => ({
      name: test.name,
      kind: 'test',
      fqn: [graph.env.projectName, test.name],
      file: test.file,
      tags: [],
      config: { severity: test.severity },
      parents: [`model:${test.model}`],
      testType: 'generic',
    }),
  );
  const nodes = [...graph.selectable(), ...tests];
  const chosen = selectNodes(nodes, options.select ?? [], options.exclude ?? []);
  const types = options.resourceTypes?.length ? new Set(options.resourceTypes) : undefined;
  return nodes.filter((node) => chosen.has(nodeKey(node)) && (!types || types.has(node.kind)));
}
