import type { Logger } from 'pino';
import { secretRefSchema } from '../../config/index.js';
import { findDestination, HttpClient, listDestinations, sharedRateLimiter, type SecretReader } from '../../destinations/index.js';
import type { SecretResolver } from '../../secrets/index.js';
import type { DestinationCatalog } from './destinations.js';

/** Top-level config fields that hold secret references, found by probing each field's schema. */
function secretFieldsOf(type: string): string[] {
  const destination = findDestination(type);
  const shape = (destination?.config as unknown as { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> } | undefined)?.shape;
  if (!shape) return [];
  const probe = { secret: 'probe' };
  return Object.entries(shape)
    .filter(([, field]) => field.safeParse(probe).success && !field.safeParse('plain text').success && secretRefSchema.safeParse(probe).success)
    .map(([name]) => name);
}

/** The destination types built into src/destinations, as the service's destination catalog. */
export function builtInDestinationCatalog(projectDir: string, log: Logger): DestinationCatalog {
  return {
    types: () => listDestinations().map((d) => d.type),
    secretFields: secretFieldsOf,
    get(type) {
      const destination = findDestination(type);
      if (!destination) return undefined;
      return {
        type,
        config: destination.config,
        modes: destination.modes,
        async check(config: unknown, resolve: SecretResolver) {
          const parsed = destination.config.parse(config);
          // Secrets are opened before the call, as a sync run does, so the destination reads them synchronously.
          const values = new Map<string, string>();
          const collect = async (value: unknown, path: string): Promise<void> => {
            const ref = secretRefSchema.safeParse(value);
            if (ref.success) {
              values.set(JSON.stringify(ref.data), await resolve(ref.data, path));
              return;
            }
            if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) await collect(child, `${path}.${key}`);
          };
          await collect(parsed, 'config');
          const secret: SecretReader = (ref) => {
            const value = values.get(JSON.stringify(ref));
            if (value === undefined) throw new Error('secret reference outside the destination config');
            return value;
          };
          const rate = destination.rateLimitFor?.(parsed) ?? destination.rateLimit;
          const limiter = sharedRateLimiter(`${type}:${destination.accountKey?.(parsed) ?? 'default'}`, rate, destination.maxConnections);
          const http = new HttpClient({ limiter, vendor: type, logger: log.child({ destination: type }), policy: { maxAttempts: 2, timeoutMs: 15_000 } });
          await destination.check(parsed, { secret, http, projectDir, logger: log.child({ destination: type }) });
        },
      };
    },
  };
}
