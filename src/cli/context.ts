import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Actor } from '../audit/index.js';
import { Project } from '../project/index.js';

/** Every command takes --project <dir> (default: the current directory). */
export function withProject(command: Command): Command {
  return command.option('--project <dir>', 'project directory holding cdp.config.ts', process.cwd());
}

/** The dbt commands (run, test, seed, build, compile, ls) also take dbt's --target and --profiles-dir. */
export function withDbtProject(command: Command): Command {
  return withProject(command)
    .option('-t, --target <name>', "the profiles.yml target (default: the profile's target)")
    .option('--profiles-dir <dir>', 'folder holding profiles.yml (default: DBT_PROFILES_DIR, the project folder, ~/.dbt)');
}

/** Loads the project named by --project, runs `work`, and always closes its connections. */
export async function inProject<T>(options: { project?: string; target?: string; profilesDir?: string }, work: (project: Project) => Promise<T>): Promise<T> {
  const project = await Project.load(options.project ?? process.cwd(), { target: options.target, profilesDir: options.profilesDir });
  try {
    return await work(project);
  } finally {
    await project.close();
  }
}

/** Progress and results go to stdout; errors to stderr (see main.ts). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Who runs a CLI command, for the audit log: the OS user name. */
export function cliActor(): Actor {
  let name = 'cli';
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'cli'
  }
  return { type: 'cli', id: name, email: null };
}
