import { Command, CommanderError } from 'commander';
import { isCdpError } from '../errors.js';
import { logger } from '../logger.js';
import { installPrivacy } from '../privacy/plugin.js';
import { registerCommands } from './commands/index.js';

/** Runs the `cdp` command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Commands print their own progress; JSON log lines are for `cdp serve` (which raises the level).
  if (!process.env.CDP_LOG_LEVEL) logger.level = 'warn';
  installPrivacy();
  const program = new Command('cdp')
    .description('A warehouse-native customer data platform')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isCdpError(error)) {
      process.stderr.write(`error: ${error.oneLine()}\n`);
      return 1;
    }
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}
