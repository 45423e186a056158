import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { say, withProject } from '../context.js';

/** The scaffold: a DuckDB project whose example models build from inline rows, so `cdp run` works at once. */
const TEMPLATE_DIR = fileURLToPath(new URL('../templates/init/', import.meta.url));

/** Template files stored under another name, so they do not act on this repository (a `.gitignore` would). */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

function templateFiles(dir = TEMPLATE_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(dir, entry.name)) : [relative(TEMPLATE_DIR, join(dir, entry.name))],
  );
}

function targetName(file: string): string {
  const parts = file.split(/[\\/]/);
  parts[parts.length - 1] = RENAMED[parts[parts.length - 1]!] ?? parts[parts.length - 1]!;
  return join(...parts);
}

/** Writes the scaffold into `dir`; refuses (writing nothing) if any file it would write already exists. */
export function scaffoldProject(dir: string): string[] {
  const files = templateFiles().sort();
  const clash = files.map(targetName).find((file) => existsSync(join(dir, file)));
  if (clash) {
    throw new CdpError('CONFLICT', `${join(dir, clash)} already exists`, { hint: 'choose an empty or new directory for `cdp init`' });
  }
  for (const file of files) {
    const target = join(dir, targetName(file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(TEMPLATE_DIR, file), target);
  }
  return files.map(targetName);
}

export function register(program: Command): void {
  withProject(
    program
      .command('init [dir]')
      .description('scaffold a working project (DuckDB warehouse, example models and tests)'),
  ).action((dirArgument: string | undefined, flags: { project?: string }) => {
    const dir = resolve(dirArgument ?? flags.project ?? process.cwd());
    const written = scaffoldProject(dir);
    for (const file of written) say(`  created ${file}`);
    const shown = relative(process.cwd(), dir) || '.';
    say(`\nA CDP project is ready in ${shown}. Next:`);
    say(`  cdp run --project ${shown}     # build the example models`);
    say(`  cdp test --project ${shown}    # run their schema tests`);
  });
}
