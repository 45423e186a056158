import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Actor } from '../audit/index.js';
import { parse as parseYaml } from 'yaml';
import { CdpError } from '../errors.js';
import { Project } from '../project/index.js';

/** Every command takes --project <dir> (default: the current directory). */
export function withProject(command: Command): Command {
  return command.option('--project <dir>', 'project directory holding cdp.config.ts', process.cwd());
}

/** The dbt commands (run, test, seed, build, compile, ls) also take dbt's --target and --profiles-dir. */
export function withDbtProject(command: Command): Command {
  return withProject(command)
    .option('-t, --target <name>', "the profiles.yml target (default: the profile's target)")
    .option('--profiles-dir <dir>', 'folder holding profiles.yml (default: DBT_PROFILES_DIR, the project folder, ~/.dbt)')
    .option('--vars <yaml>', "variables for var(), as YAML: '{key: value}' (override dbt_project.yml vars)");
}

/** The flags every dbt command takes (withDbtProject) plus dbt's node selection. */
export interface DbtFlags {
  project?: string;
  target?: string;
  profilesDir?: string;
  vars?: string;
  select?: string[];
  exclude?: string[];
}

/** What -s/--select and --exclude pick, in one command's words. */
export interface SelectionHelp {
  select: string;
  exclude: string;
}

/** dbt's node selection: -s/--select and --exclude (the flags `selectionOf` reads). */
export function withSelection(command: Command, help: SelectionHelp): Command {
  return command.option('-s, --select <selectors...>', help.select).option('--exclude <selectors...>', help.exclude);
}

/** The node selection of a dbt command's flags, as the model functions take it. */
export function selectionOf(flags: DbtFlags): { select?: string[]; exclude?: string[] } {
  return { select: flags.select, exclude: flags.exclude };
}

/** A dbt command's action: `work` runs in the project its flags load, closed afterwards. */
export function inDbtProject<F extends DbtFlags>(work: (project: Project, flags: F) => Promise<void>): (flags: F) => Promise<void> {
  return (flags) => inProject(flags, (project) => work(project, flags));
}

/** Seconds since it was started: run_results.json's `elapsed`. */
export function stopwatch(): () => number {
  const started = performance.now();
  return () => (performance.now() - started) / 1000;
}

/** dbt's --vars: a YAML (or JSON) mapping. */
function parseVars(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new CdpError('INVALID_INPUT', `--vars is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { hint: "write --vars '{key: value, other: 2}'" });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CdpError('INVALID_INPUT', '--vars must be a mapping', { hint: "write --vars '{key: value}'" });
  return value as Record<string, unknown>;
}

/** Loads the project named by --project, runs `work`, and always closes its connections. */
export async function inProject<T>(options: { project?: string; target?: string; profilesDir?: string; vars?: string }, work: (project: Project) => Promise<T>): Promise<T> {
  const project = await Project.load(options.project ?? process.cwd(), { target: options.target, profilesDir: options.profilesDir, vars: parseVars(options.vars) });
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
