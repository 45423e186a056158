import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { listNodes } from '../../models/list.js';
import { inProject, say, selectionOf, withDbtProject, withSelection, type DbtFlags } from '../context.js';

interface LsFlags extends DbtFlags {
  resourceType?: string[];
  output?: string;
}

const OUTPUTS = ['selector', 'name', 'path', 'json'];

export function register(program: Command): void {
  withDbtProject(
    withSelection(program.command('ls').alias('list').description('list the nodes a selection picks (dbt ls): models, seeds, tests, sources'), {
      select: "dbt's selection syntax",
      exclude: 'leave these out',
    })
      .option('--resource-type <types...>', 'model, seed, test, source')
      .option('--output <format>', 'selector (project.folder.name), name, path or json', 'selector'),
  ).action(async (flags: LsFlags) => {
    if (!OUTPUTS.includes(flags.output ?? 'selector')) throw new CdpError('INVALID_INPUT', `--output ${flags.output} is not supported`, { hint: `use ${OUTPUTS.join(', ')}` });
    await inProject(flags, async (project) => {
      const nodes = listNodes(project, { ...selectionOf(flags), resourceTypes: flags.resourceType });
      for (const node of nodes) {
        if (flags.output === 'name') say(node.name);
        else if (flags.output === 'path') say(node.file);
        else if (flags.output === 'json') say(JSON.stringify({ name: node.name, resource_type: node.kind, unique_id: `${node.kind}.${node.fqn[0]}.${node.name}`, original_file_path: node.file, tags: node.tags, config: node.config }));
        else say(node.kind === 'source' ? `source:${node.fqn.join('.')}` : node.fqn.join('.'));
      }
    });
  });
}
