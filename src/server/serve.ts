import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ensureAdminFromEnv } from './admin-bootstrap.js';
import type { Project } from '../project/index.js';
import { validateCron } from '../scheduler/index.js';
import { createApp, type AppOptions } from './app.js';
import { createContext, type ServerContext } from './context.js';
import { startStaleChecks } from './services/alert-checks.js';

export interface ServeOptions extends AppOptions {
  port?: number;
  host?: string;
  /** Start the cron scheduler (default true; false: API and manual runs only). */
  startScheduler?: boolean;
  /** Where `env`'s first-admin credentials came from, for the log (default: the environment variables). */
  adminSource?: string;
  /** How long in-flight runs and requests may take to finish on shutdown (default 30 s). */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly app: Express;
  readonly context: ServerContext;
  readonly server: Server;
  /** Graceful stop: no new runs or connections, in-flight work finishes (bounded), leases released. */
  close(): Promise<void>;
}

/**
 * `cdp serve`: opens the state store (migrating it), creates the first admin from the environment,
 * starts the scheduler and the HTTP server.
 */
export async function startServer(project: Project, options: ServeOptions = {}): Promise<RunningServer> {
  if (options.modelsCron) validateCron(options.modelsCron, 'models-schedule');
  const context = options.context ?? (await createContext(project, options));
  await ensureAdminFromEnv(context.users, options.env ?? process.env, context.log, options.adminSource);
  const app = await createApp(project, { ...options, context });
  if (options.startScheduler !== false) await context.scheduler.start();
  // Events a previous run acknowledged but had not landed (a crash) land now.
  if (project.config.collect || (await context.collect.keys.sources()).length) context.collect.collector.start();

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 3000, options.host ?? '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  // Long pipeline runs are started in the background, so requests stay short; keep-alive sockets close on shutdown.
  // Idle keep-alive sockets stay open longer than clients and proxies usually keep them (Node's 5 s
  // default closes sockets a busy client is about to reuse: "socket hang up" under load).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  context.log.info({ url, scheduler: options.startScheduler !== false }, 'cdp serve listening');

  // Expired sessions are refused on use; this only keeps the table small.
  const purge = setInterval(() => {
    context.sessions.purgeExpired().catch((error: unknown) => context.log.warn({ err: error }, 'could not purge expired sessions'));
  }, 60 * 60 * 1000);
  purge.unref();
  const stopStaleChecks = options.startScheduler !== false ? startStaleChecks(context) : () => undefined;

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    context,
    server,
    close() {
      closing ??= (async () => {
        const timeoutMs = options.shutdownTimeoutMs ?? 30_000;
        clearInterval(purge);
        stopStaleChecks();
        context.log.info('shutting down: no new runs; waiting for running work');
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await context.scheduler.stop({ timeoutMs });
        const timer = setTimeout(() => server.closeAllConnections(), Math.min(timeoutMs, 10_000));
        await httpClosed;
        clearTimeout(timer);
        await context.collect.close(timeoutMs);
        await project.close();
        context.log.info('stopped');
      })();
      return closing;
    },
  };
}
