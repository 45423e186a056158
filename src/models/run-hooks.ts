import type { Project } from '../project/index.js';
import { CdpError } from '../errors.js';
import { loadModels } from './load.js';
import { renderInNode } from './model.js';

/**
 * dbt_project.yml's on-run-start / on-run-end: each statement rendered (Jinja, with target, var,
 * macros) and run in order, before and after the nodes of `cdp run` / `cdp build`.
 */
export async function runProjectHooks(project: Project, which: 'on-run-start' | 'on-run-end', say: (line: string) => void = () => undefined): Promise<number> {
  const dbt = project.dbt;
  const hooks = which === 'on-run-start' ? dbt?.onRunStart : dbt?.onRunEnd;
  if (!dbt || !hooks?.length) return 0;
  const graph = loadModels(project);
  const warehouse = await project.warehouse();
  const self = { schema: project.target.schema, name: dbt.name };
  for (const [index, hook] of hooks.entries()) {
    const sql = renderInNode(hook, dbt.yaml.file, graph.env, warehouse.dialect, self).trim();
    if (!sql) continue;
    say(`${which} ${index + 1} of ${hooks.length}`);
    try {
      await warehouse.execute(sql);
    } catch (error) {
      throw new CdpError('MODEL_SQL', `${which} hook ${index + 1} failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, { location: { file: dbt.yaml.file, line: dbt.yaml.lineOf([which]) }, hint: 'fix the statement in dbt_project.yml', cause: error });
    }
  }
  return hooks.length;
}
