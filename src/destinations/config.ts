import { z } from 'zod';
import { secretRefSchema } from '../config/index.js';

/** Config pieces every HTTP destination shares. */

/** Where the vendor's API lives (proxies, EU data centres, tests): an http(s) URL. */
export const baseUrlSchema = z
  .string()
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'an http:// or https:// URL');

/** A credential: always a reference, never the value. */
export const secretSchema = secretRefSchema;

/** Header values: plain text, or a secret reference for anything sensitive. */
export const headersSchema = z.record(z.string().min(1), z.union([z.string(), secretRefSchema]));

/**
 * `{ requests, per_seconds }` as users write it in sync YAML. A destination whose config has
 * `rate_limit: rateLimitSchema.optional()` needs nothing else: the configured limit replaces the
 * type's `rateLimit` (rateLimitOf).
 */
export const rateLimitSchema = z
  .object({ requests: z.number().positive(), per_seconds: z.number().positive() })
  .strict()
  .transform((r) => ({ requests: r.requests, perSeconds: r.per_seconds }));

type RateLimit = z.output<typeof rateLimitSchema>;

/** The limit requests to the vendor keep: the type's own rule, else the config's `rate_limit`, else the type's default. */
export function rateLimitOf<C>(destination: { rateLimit: RateLimit; rateLimitFor?(config: C): RateLimit }, config: C): RateLimit {
  return destination.rateLimitFor?.(config) ?? configuredRateLimit(config) ?? destination.rateLimit;
}

function configuredRateLimit(config: unknown): RateLimit | undefined {
  if (typeof config !== 'object' || config === null || !('rate_limit' in config)) return undefined;
  const limit = (config as { rate_limit?: Partial<RateLimit> }).rate_limit;
  return typeof limit?.requests === 'number' && typeof limit.perSeconds === 'number' ? { requests: limit.requests, perSeconds: limit.perSeconds } : undefined;
}
