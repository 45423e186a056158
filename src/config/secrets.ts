import { z } from 'zod';
import { CdpError } from '../errors.js';

/**
 * A secret is never a literal in git: it is a reference to an environment variable or to a
 * secret stored encrypted by the service.
 */
export const secretRefSchema = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ secret: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Resolves an `{env: NAME}` reference; stored secrets are resolved by the service's secret store. */
export function resolveEnvSecret(ref: SecretRef, path: string, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new CdpError('SECRET_MISSING', `environment variable ${ref.env} is not set`, {
        location: { path },
        hint: `export ${ref.env}=... before running`,
      });
    }
    return value;
  }
  throw new CdpError('SECRET_MISSING', `stored secret "${ref.secret}" can only be resolved by the service`, {
    location: { path },
    hint: 'use {env: NAME} outside `cdp serve`',
  });
}
