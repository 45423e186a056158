import { CdpError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { NodeConfig } from '../dbt/node-config.js';
import { defaultAliasName, defaultSchemaName } from '../dbt/schema-names.js';
import type { RenderCall } from '../render-env.js';

/** What the project's macros add: names templates see, and how node relations are named. */
export interface ProjectMacros {
  globals(call: RenderCall): Record<string, unknown>;
  /** The relation a node builds: generate_schema_name / generate_alias_name (the project's own when it defines them). */
  relationOf(name: string, settings: NodeConfig, fqn: readonly string[]): RelationRef;
}

export function projectMacros(project: Project): ProjectMacros {
  const target = project.target;
  return {
    globals: () => ({}),
    relationOf(name, settings) {
      if (settings.database && settings.database !== target.database) {
        throw new CdpError('MODEL_PARSE', `${name}: database '${settings.database}' is not supported: cdp builds every node in the target's database (${target.database})`, {
          hint: 'remove the database config, or point the profile target at that database',
        });
      }
      return { schema: defaultSchemaName(settings.schema, target), name: defaultAliasName(settings.alias, name) };
    },
  };
}
