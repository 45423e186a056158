import { z } from 'zod';
import { roleSchema } from '../auth/roles.js';
import { secretRefSchema } from './secrets.js';

/** Loopback hosts may be reached over plain http (a provider on the same machine, tests); anything else needs https. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const httpsOrLoopback = z
  .string()
  .url()
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'must be an https URL (plain http only for localhost)');

/**
 * How a signed-in identity becomes a CDP role. The groups (or roles) claim decides when one of its
 * values is mapped; otherwise the verified email's domain; otherwise `defaultRole`; otherwise the
 * person is refused. Several mapped values: the most powerful role wins.
 */
export const oidcRoleRulesSchema = z
  .object({
    /** The claim holding the person's groups or roles, e.g. `groups`; dots reach nested claims (`realm_access.roles`). */
    claim: z.string().min(1).optional(),
    /** Claim value → role, e.g. `{ 'cdp-admins': 'admin', 'data-team': 'editor' }`. Values match exactly. */
    map: z.record(z.string().min(1), roleSchema).default({}),
    /** Email domain → role, e.g. `{ 'example.com': 'viewer' }` (only for emails the provider says are verified). */
    domains: z.record(z.string().min(1).toLowerCase(), roleSchema).default({}),
  })
  .strict()
  .refine((rules) => Object.keys(rules.map).length === 0 || rules.claim !== undefined, {
    message: 'roles.map needs roles.claim: the claim whose values it maps (e.g. "groups")',
    path: ['claim'],
  });

/** Single sign-on with OpenID Connect: authorization code flow with PKCE. */
export const oidcSchema = z
  .object({
    /** The provider's issuer URL; its `/.well-known/openid-configuration` is read on first use. */
    issuer: httpsOrLoopback,
    clientId: z.string().min(1),
    /** The client secret: `{env: NAME}` or `{secret: name}`. Omit for a public client (PKCE only). */
    clientSecret: secretRefSchema.optional(),
    /** How the secret is sent to the token endpoint (OIDC's default: HTTP Basic). */
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    /** Where the provider sends people back; default: `<this service's URL>/api/auth/oidc/callback`. Register it at the provider. */
    redirectUri: httpsOrLoopback.optional(),
    /** The button reads "Sign in with <name>". */
    name: z.string().min(1).max(40).default('SSO'),
    /** Scopes requested; add the one your provider needs for the roles claim (Okta: `groups`). */
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is one word'))
      .default(['openid', 'email', 'profile'])
      .refine((scopes) => scopes.includes('openid'), 'scopes must include "openid"'),
    roles: oidcRoleRulesSchema.default({ map: {}, domains: {} }),
    /** Role of people no rule maps; omit to refuse them (the safe default). */
    defaultRole: roleSchema.optional(),
  })
  .strict();

export const authSchema = z
  .object({
    oidc: oidcSchema.optional(),
  })
  .strict();

export type OidcConfig = z.output<typeof oidcSchema>;
export type OidcRoleRules = z.output<typeof oidcRoleRulesSchema>;
export type AuthConfig = z.output<typeof authSchema>;
