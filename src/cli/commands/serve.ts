import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { logger } from '../../logger.js';
import { Project } from '../../project/index.js';
import { startServer, type RunningServer, type ServeOptions } from '../../server/index.js';
import { say, withProject } from '../context.js';

interface ServeFlags {
  project?: string;
  port: string;
  host: string;
  modelsSchedule?: string;
  scheduler: boolean;
  trustProxy?: boolean | string;
  shutdownTimeout: string;
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CdpError('INVALID_INPUT', `${flag} must be a whole number`, { location: { path: flag } });
  return n;
}

/** The port the service listens on unless told otherwise: CDP_PORT, else PORT (what hosting platforms set), else 3000. */
export function defaultPort(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDP_PORT || env.PORT || '3000';
}

export function register(program: Command): void {
  withProject(
    program
      .command('serve')
      .description('run the service: REST API, web UI, and the scheduler for model builds and syncs')
      .option('-p, --port <port>', 'port to listen on (default: CDP_PORT, else PORT, else 3000)', defaultPort())
      .option('--host <host>', 'address to bind (0.0.0.0 for all interfaces)', process.env.CDP_HOST ?? '127.0.0.1')
      .option('--models-schedule <cron>', 'rebuild models + identity on this cron schedule (before syncs due at the same time)', process.env.CDP_MODELS_SCHEDULE)
      .option('--no-scheduler', 'serve the API only; no scheduled runs (manual runs still work)')
      .option('--trust-proxy [hops]', 'behind TLS-terminating proxies: trust X-Forwarded-* from this many hops (default 1)')
      .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long running work may take to finish', '30'),
  ).action(async (flags: ServeFlags) => {
    // The CLI keeps the terminal quiet (warn); a service logs its requests and runs (info).
    if (!process.env.CDP_LOG_LEVEL) logger.level = 'info';
    const project = await Project.load(flags.project ?? process.cwd());
    await serveUntilStopped(project, {
      port: positiveInt(flags.port, '--port'),
      host: flags.host,
      modelsCron: flags.modelsSchedule ?? null,
      startScheduler: flags.scheduler,
      trustProxy: flags.trustProxy === undefined || flags.trustProxy === false ? false : flags.trustProxy === true ? 1 : positiveInt(flags.trustProxy, '--trust-proxy'),
      shutdownTimeoutMs: positiveInt(flags.shutdownTimeout, '--shutdown-timeout') * 1000,
    });
  });
}

/** Starts the service for an open project and returns when SIGTERM/SIGINT has stopped it gracefully. */
export async function serveUntilStopped(project: Project, options: ServeOptions, onListening?: (running: RunningServer) => void): Promise<void> {
  let running: RunningServer;
  try {
    running = await startServer(project, options);
  } catch (error) {
    await project.close();
    throw error;
  }
  say(`cdp serve: listening on ${running.url} (API: ${running.url}/api, OpenAPI: ${running.url}/api/openapi.json)`);
  onListening?.(running);
  await new Promise<void>((resolve, reject) => {
    const stop = (signal: string) => {
      say(`${signal}: finishing running work, then stopping (press Ctrl-C again to stop at once)`);
      running.close().then(resolve, reject);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
