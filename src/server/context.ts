import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AuditLog } from '../audit/index.js';
import { CollectService } from '../collect/index.js';
import { ApiTokenStore, SecretStore, SessionStore, UserStore, DEFAULT_SESSION_TTL_MS, type StateStore } from '../state/index.js';
import { logger as defaultLogger } from '../logger.js';
import { installPrivacy } from '../privacy/plugin.js';
import type { Project } from '../project/index.js';
import { LeaseStore, localOwner, Scheduler, type JobProvider } from '../scheduler/index.js';
import { loadSecretKey, secretResolver, type SecretKey } from '../secrets/index.js';
import { builtInDestinationCatalog } from './services/destination-catalog.js';
import { DestinationService } from './services/destinations.js';
import { SyncService } from './services/syncs.js';
import { projectJobs } from './services/jobs.js';
import { OidcLogin } from './services/oidc.js';

/** Everything a route handler may reach: the project, the state store's repositories, the scheduler. */
export interface ServerContext {
  readonly project: Project;
  readonly store: StateStore;
  readonly knex: Knex;
  readonly log: Logger;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: ApiTokenStore;
  readonly secrets: SecretStore;
  readonly audit: AuditLog;
  readonly destinations: DestinationService;
  readonly syncs: SyncService;
  readonly scheduler: Scheduler;
  readonly sessionTtlMs: number;
  /** OpenID Connect sign-in when `auth.oidc` is configured. */
  readonly oidc: OidcLogin | null;
  /** The /v1 event collection API (write keys, spool, landing). */
  readonly collect: CollectService;
}

export interface ContextOptions {
  /** The state store (default: the project's, migrated on open). */
  store?: StateStore;
  logger?: Logger;
  /** Secret-encryption key (default: CDP_SECRET_KEY, or the development key file). */
  secretKey?: SecretKey;
  env?: NodeJS.ProcessEnv;
  /** A scheduler to share (cdp serve starts one); default: one that only runs jobs on demand. */
  scheduler?: Scheduler;
  /** What the default scheduler runs (tests inject fakes). */
  jobs?: JobProvider;
  sessionTtlMs?: number;
  /** Cron for scheduled model builds (default scheduler only). */
  modelsCron?: string | null;
  /** Time zone of cron schedules (default: the process's). */
  timezone?: string;
}

export async function createContext(project: Project, options: ContextOptions = {}): Promise<ServerContext> {
  // The service plans syncs (runs, schedules, erasures): consent and erasure filters apply to each.
  installPrivacy();
  const log = options.logger ?? defaultLogger;
  const store = options.store ?? (await project.state());
  const knex = store.knex;
  const key = options.secretKey ?? loadSecretKey({ env: options.env ?? process.env, projectDir: project.dir, log });
  const secrets = new SecretStore(knex, key);
  const audit = new AuditLog(knex);
  const destinations = new DestinationService(knex, secrets, audit);
  destinations.useCatalog(builtInDestinationCatalog(project, log));
  const syncs = new SyncService(project, knex, destinations, secrets, audit);
  const scheduler =
    options.scheduler ?? new Scheduler({
      knex,
      jobs: options.jobs ?? projectJobs(project, { syncs, log, knex }),
      log,
      audit,
      modelsCron: options.modelsCron ?? null,
      ...(options.timezone ? { timezone: options.timezone } : {}),
    });
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const users = new UserStore(knex);
  const oidcConfig = project.config.auth?.oidc;
  const oidc = oidcConfig ? new OidcLogin(oidcConfig, { key, resolveSecret: secretResolver(secrets, options.env ?? process.env), users, audit, log }) : null;
  return {
    project,
    store,
    knex,
    log,
    users,
    sessions: new SessionStore(knex, sessionTtlMs),
    tokens: new ApiTokenStore(knex),
    secrets,
    audit,
    destinations,
    syncs,
    scheduler,
    sessionTtlMs,
    oidc,
    collect: new CollectService(project, secrets, log, options.env ?? process.env, new LeaseStore(knex, localOwner('collect', randomBytes(4).toString('hex')))),
  };
}
