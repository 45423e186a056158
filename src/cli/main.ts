import { Command, CommanderError } from 'commander';
import { CdpError, isCdpError } from '../errors.js';
import { LOG_FORMATS, logger, setLogFormat, type LogFormat } from '../logger.js';
import { installPrivacy } from '../privacy/plugin.js';
import { registerCommands } from './commands/index.js';

/** Runs the `cdp` command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Commands print their own progress; JSON log lines are for `cdp serve` (which raises the level).
  if (!process.env.CDP_LOG_LEVEL) logger.level = 'warn';
  installPrivacy();
  const program = new Command('cdp')
    .description('A warehouse-native customer data platform')
    .option('--log-format <format>', 'log lines as readable text (default) or json (one object per line, for log collectors); env LOG_FORMAT')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.hook('preAction', () => setLogFormat(chosenLogFormat(program.opts<{ logFormat?: string }>().logFormat)));
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

/** `--log-format`, else LOG_FORMAT (or CDP_LOG_FORMAT), else readable text; anything else is an error. */
function chosenLogFormat(flag: string | undefined): LogFormat {
  const [source, value] = flag !== undefined ? ['--log-format', flag] : process.env.LOG_FORMAT ? ['LOG_FORMAT', process.env.LOG_FORMAT] : ['CDP_LOG_FORMAT', process.env.CDP_LOG_FORMAT];
  if (value === undefined || value === '') return 'text';
  const format = value.toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(format)) return format as LogFormat;
  throw new CdpError('INVALID_INPUT', `${source} is ${JSON.stringify(value)}, which is not a log format`, { location: { path: source }, hint: `use ${LOG_FORMATS.join(' or ')}` });
}
