import { resolve } from 'node:path';
import {
  HttpClient,
  NetworkPolicy,
  rateLimitOf,
  sharedRateLimiter,
  withScrubbedErrors,
  type AnyDestination,
  type CheckContext,
  type RetryPolicy,
  type SecretReader,
} from '../destinations/index.js';
import { CdpError, isCdpError } from '../errors.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import type { DefinitionLocation } from './definition.js';
import { loadSync, type PreparedSync, type Trust } from './load.js';
import { envSecretResolver, resolveSecrets, type SecretResolver } from './secrets.js';

/**
 * The one way to open a destination (sync runs, privacy erasures, "test connection" in the CLI
 * and the API): its secrets resolved up front, an HTTP client on the account's shared limiter,
 * errors scrubbed of secrets, and — for destinations created over the API — the trust rule:
 * no `{env}` references, the network policy on every request, files only under the files root.
 */
export interface DestinationSession {
  /** The destination, wrapped so every error text leaving it is scrubbed (see destinations/scrubbed.ts). */
  destination: AnyDestination;
  config: unknown;
  secret: SecretReader;
  http: HttpClient;
  /** What every call of this destination gets (`check`'s context; runs spread it into their scope). */
  context: CheckContext;
  batchSize: number;
  concurrency: number;
}

export interface DestinationOptions {
  secrets?: SecretResolver;
  http?: Partial<RetryPolicy>;
  batchSize?: number;
  concurrency?: number;
}

/** A destination to open: a prepared sync, or a destination with its config alone ("test connection"). */
export interface DestinationTarget {
  destination: AnyDestination;
  /** Parsed by the destination's schema; secrets still as references. */
  config: unknown;
  /** Where it came from: `project` (git, reviewed) unless said otherwise. */
  trust?: Trust;
  file?: string | null;
  location?: DefinitionLocation;
}

const policies = new WeakMap<object, NetworkPolicy>();

/** The project's network policy for destinations created over the API (config `network.allow`). */
export function networkPolicy(project: Project): NetworkPolicy {
  let policy = policies.get(project.config);
  if (!policy) {
    policy = new NetworkPolicy(project.config.network?.allow ?? []);
    policies.set(project.config, policy);
  }
  return policy;
}

/** Where file destinations created over the API may write (config `files.root`, default `.cdp/files`). */
export function filesRoot(project: Project): string {
  return resolve(project.dir, project.config.files?.root ?? '.cdp/files');
}

/** API input may name stored secrets, never the service's environment. */
function refusingEnv(inner: SecretResolver): SecretResolver {
  return (ref, path) => {
    if ('env' in ref) {
      throw new CdpError('INVALID_INPUT', `${path} reads environment variable ${ref.env}, which destinations created over the API may not do`, {
        location: { path },
        hint: 'send the value in `secrets` (stored encrypted) or name a stored secret with {"secret": "name"}; {env} is for destinations in git',
      });
    }
    return inner(ref, path);
  };
}

export async function openDestination(project: Project, target: DestinationTarget, options: DestinationOptions = {}): Promise<DestinationSession> {
  const { destination, config } = target;
  const api = target.trust === 'api';
  let secret: SecretReader;
  try {
    const resolver = options.secrets ?? envSecretResolver;
    secret = await resolveSecrets(config, api ? refusingEnv(resolver) : resolver);
  } catch (error) {
    if (isCdpError(error) && error.location.path && target.location) {
      throw new CdpError(error.code, error.message, {
        location: { file: target.file ?? undefined, line: target.location.lineOf?.(error.location.path.split('.')), path: error.location.path },
        hint: error.hint,
        cause: error,
      });
    }
    throw error;
  }
  const rate = rateLimitOf(destination, config);
  const account = `${destination.type}:${destination.accountKey?.(config) ?? 'default'}`;
  const limiter = sharedRateLimiter(account, rate, destination.maxConnections);
  const log = logger.child({ destination: destination.type });
  const http = new HttpClient({ limiter, policy: options.http, vendor: destination.type, logger: log, ...(api ? { network: networkPolicy(project) } : {}) });
  const context: CheckContext = { secret, http, logger: log, projectDir: project.dir, ...(api ? { fileRoot: filesRoot(project) } : {}) };
  return {
    destination: withScrubbedErrors(destination),
    config,
    secret,
    http,
    context,
    batchSize: options.batchSize ?? destination.batchSizeFor?.(config) ?? destination.batchSize,
    concurrency: options.concurrency ?? destination.concurrencyFor?.(config) ?? destination.concurrency ?? 4,
  };
}

/** "Test connection": opens the destination as a run would and calls the vendor's cheapest authenticated endpoint. */
export async function checkDestination(project: Project, target: DestinationTarget, options: Pick<DestinationOptions, 'secrets' | 'http'> = {}): Promise<void> {
  const session = await openDestination(project, target, options);
  await session.destination.check(session.config, session.context);
}

/** "Test connection" for a sync's destination. */
export async function checkSyncDestination(project: Project, sync: string | PreparedSync, options: Pick<DestinationOptions, 'secrets' | 'http'> = {}): Promise<void> {
  await checkDestination(project, typeof sync === 'string' ? await loadSync(project, sync) : sync, options);
}
