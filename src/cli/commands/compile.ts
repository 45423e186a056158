import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { extname } from 'node:path';
import { AUDIENCE_FILE_EXTENSIONS, compileAudienceForCli, listAudiences } from '../../audiences/index.js';
import { closestName, compileModel, loadModels } from '../../models/index.js';
import { DIALECT_NAMES, getDialect, readableSql, type DialectName } from '../../warehouse/index.js';
import type { Project } from '../../project/index.js';
import { inProject, withProject } from '../context.js';

interface CompileFlags {
  project?: string;
  dialect?: string;
  raw?: boolean;
}

/**
 * One kind of thing `cdp compile <name>` can print. Each returns undefined when the name is not
 * one of its kind, and the next is tried: models first, then (added by the audiences work)
 * audiences. Names that no compiler knows are reported with the closest candidate.
 */
interface NamedCompiler {
  kind: string;
  names(project: Project): Promise<string[]>;
  compile(project: Project, name: string, dialect: string | undefined): Promise<string | undefined>;
}

const modelCompiler: NamedCompiler = {
  kind: 'model',
  names: async (project) => [...loadModels(project).names],
  compile: async (project, name, dialect) => (loadModels(project).get(name) ? compileModel(project, name, { dialect }) : undefined),
};

const audienceCompiler: NamedCompiler = {
  kind: 'audience',
  names: async (project) => (await listAudiences(project)).map((a) => a.name),
  compile: async (project, name, dialect) => {
    const known = (await listAudiences(project)).some((a) => a.name === name);
    if (!known && !AUDIENCE_FILE_EXTENSIONS.includes(extname(name).toLowerCase())) return undefined;
    return compileAudienceForCli(project, name, dialect === undefined ? undefined : dialectName(dialect));
  },
};

function dialectName(value: string): DialectName {
  if ((DIALECT_NAMES as readonly string[]).includes(value)) return value as DialectName;
  throw new CdpError('INVALID_INPUT', `unknown dialect ${value}`, { hint: `use one of ${DIALECT_NAMES.join(', ')}` });
}

/** In the order they are tried. */
const compilers: NamedCompiler[] = [modelCompiler, audienceCompiler];

export function register(program: Command): void {
  withProject(
    program
      .command('compile <name>')
      .description('print the SQL a model (or audience) runs, rendered for a dialect')
      .option('--dialect <dialect>', `${DIALECT_NAMES.join(' | ')} (default: the project warehouse)`)
      .option('--raw', 'print the exact text that runs, not laid out for reading'),
  ).action(async (name: string, flags: CompileFlags) => {
    await inProject(flags, async (project) => {
      for (const compiler of compilers) {
        const sql = await compiler.compile(project, name, flags.dialect);
        if (sql !== undefined) {
          // Laid out for reading in the target dialect; --raw gives the bytes the warehouse runs.
          const dialect = flags.dialect === undefined ? (await project.warehouse()).dialect : getDialect(dialectName(flags.dialect));
          const shown = flags.raw ? sql : readableSql(sql, dialect);
          process.stdout.write(shown.endsWith('\n') ? shown : `${shown}\n`);
          return;
        }
      }
      const candidates = (await Promise.all(compilers.map((c) => c.names(project)))).flat();
      const close = closestName(name, candidates);
      throw new CdpError('MODEL_NOT_FOUND', `no ${compilers.map((c) => c.kind).join(' or ')} named ${name}`, {
        hint: close ? `did you mean '${close}'?` : 'models are the .sql files under the models folder, named by their file name',
      });
    });
  });
}
