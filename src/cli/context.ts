import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Actor } from '../audit/index.js';
import { Project } from '../project/index.js';

/** Every command takes --project <dir> (default: the current directory). */
export function withProject(command: Command): Command {
  return command.option('--project <dir>', 'project directory holding cdp.config.ts', process.cwd());
}

/** Loads the project named by --project, runs `work`, and always closes its connections. */
export async function inProject<T>(options: { project?: string }, work: (project: Project) => Promise<T>): Promise<T> {
  const project = await Project.load(options.project ?? process.cwd());
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
