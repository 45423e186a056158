import {
  HttpClient,
  sharedRateLimiter,
  type AnyDestination,
  type CheckContext,
  type RetryPolicy,
  type SecretReader,
} from '../destinations/index.js';
import { CdpError, isCdpError } from '../errors.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import { loadSync, type PreparedSync } from './load.js';
import { envSecretResolver, resolveSecrets, type SecretResolver } from './secrets.js';

/** Everything a destination call needs for one sync: resolved secrets and an HTTP client on the account's shared limiter. */
export interface DestinationSession {
  destination: AnyDestination;
  config: unknown;
  secret: SecretReader;
  http: HttpClient;
  batchSize: number;
  concurrency: number;
}

export interface DestinationOptions {
  secrets?: SecretResolver;
  http?: Partial<RetryPolicy>;
  batchSize?: number;
  concurrency?: number;
}

export async function openDestination(_project: Project, sync: PreparedSync, options: DestinationOptions = {}): Promise<DestinationSession> {
  const { destination, config } = sync;
  let secret: SecretReader;
  try {
    secret = await resolveSecrets(config, options.secrets ?? envSecretResolver);
  } catch (error) {
    if (isCdpError(error) && error.location.path) {
      throw new CdpError(error.code, error.message, {
        location: { file: sync.file ?? undefined, line: sync.location.lineOf?.(error.location.path.split('.')), path: error.location.path },
        hint: error.hint,
        cause: error,
      });
    }
    throw error;
  }
  const rate = destination.rateLimitFor?.(config) ?? destination.rateLimit;
  const account = `${destination.type}:${destination.accountKey?.(config) ?? 'default'}`;
  const limiter = sharedRateLimiter(account, rate, destination.maxConnections);
  const http = new HttpClient({ limiter, policy: options.http, vendor: destination.type, logger: logger.child({ destination: destination.type }) });
  return {
    destination,
    config,
    secret,
    http,
    batchSize: options.batchSize ?? destination.batchSizeFor?.(config) ?? destination.batchSize,
    concurrency: options.concurrency ?? destination.concurrencyFor?.(config) ?? destination.concurrency ?? 4,
  };
}

/** "Test connection" for a sync's destination: resolves its secrets and calls the vendor. */
export async function checkSyncDestination(project: Project, sync: string | PreparedSync, options: Pick<DestinationOptions, 'secrets' | 'http'> = {}): Promise<void> {
  const prepared = typeof sync === 'string' ? await loadSync(project, sync) : sync;
  const session = await openDestination(project, prepared, options);
  const ctx: CheckContext = { secret: session.secret, http: session.http, logger, projectDir: project.dir };
  await prepared.destination.check(prepared.config, ctx);
}

