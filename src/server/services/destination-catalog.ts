import type { Logger } from 'pino';
import { checkRelativePath, docsOf, findDestination, listDestinations, NetworkRefusedError } from '../../destinations/index.js';
import { CdpError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { SecretResolver } from '../../secrets/index.js';
import { checkDestination, filesRoot, networkPolicy } from '../../syncs/index.js';
import type { DestinationCatalog, DestinationTypeInfo } from './destinations.js';

/**
 * The trust rule at save time for a config from the API: every place it names (the type's
 * target fields) must be allowed — URLs by the network policy (a literal address, or a name
 * resolving to one, outside `network.allow` is refused), paths only under the files root. Every
 * request and write checks again (the address connected to, realpath on disk); this is the early 400.
 */
async function admitTargets(project: Project, targetFields: readonly string[], config: Record<string, unknown>, paths: boolean): Promise<void> {
  const base = typeof config.base_url === 'string' ? config.base_url : undefined;
  for (const field of targetFields) {
    const value = config[field];
    if (typeof value !== 'string') continue;
    let url: URL | undefined;
    try {
      url = new URL(value, base && field !== 'base_url' ? (base.endsWith('/') ? base : `${base}/`) : undefined);
    } catch {
      url = undefined;
    }
    try {
      if (url && /^https?:$/.test(url.protocol)) await networkPolicy(project).assertUrl(url.toString());
      else if (!url && paths) checkRelativePath(value, filesRoot(project));
    } catch (error) {
      if (!(error instanceof NetworkRefusedError) && !(error instanceof CdpError)) throw error;
      throw new CdpError('INVALID_INPUT', `config.${field}: ${error.message}`, { location: { path: `body.config.${field}` }, hint: error.hint });
    }
  }
}

/** Fields kept only for old configs in git are not taken from the API: the message says what to use. */
function refuseDeprecated(deprecated: Readonly<Record<string, string>>, config: Record<string, unknown>): void {
  for (const [field, message] of Object.entries(deprecated)) {
    if (config[field] !== undefined) throw new CdpError('INVALID_INPUT', message, { location: { path: `body.config.${field}` } });
  }
}

/** The destination types of the registry (src/destinations/registry.ts), as the service's destination catalog. */
export function builtInDestinationCatalog(project: Project, log: Logger): DestinationCatalog {
  return {
    types: () => listDestinations().map((d) => d.type),
    get(type): DestinationTypeInfo | undefined {
      const destination = findDestination(type);
      if (!destination) return undefined;
      return {
        type,
        config: destination.config,
        modes: destination.modes,
        about: {
          displayName: destination.displayName ?? type,
          label: destination.label,
          docs: docsOf(destination),
          fields: destination.fields,
          secretFields: destination.secretFields ?? [],
          // Unknown: every field counts as a target (changing anything clears the stored secrets).
          targetFields: destination.targetFields,
        },
        // A type that declares no targets: every URL in its config is checked (no field is taken for a path).
        admit: async (config) => {
          refuseDeprecated(destination.deprecatedFields ?? {}, config);
          await admitTargets(project, destination.targetFields ?? Object.keys(config), config, destination.targetFields !== undefined);
        },
        // The one way to open a destination, as a sync run does, with the trust of API input.
        async check(config: unknown, resolve: SecretResolver) {
          log.debug({ destination: type }, 'testing a destination');
          await checkDestination(project, { destination, config: destination.config.parse(config), trust: 'api' }, { secrets: resolve, http: { maxAttempts: 2, timeoutMs: 15_000 } });
        },
      };
    },
  };
}
