import { ROLES, type Role } from './roles.js';

/** The role rules of `auth.oidc` (see src/config/auth.ts). */
export interface RoleRules {
  claim?: string | undefined;
  map: Readonly<Record<string, Role>>;
  domains: Readonly<Record<string, Role>>;
}

export type RoleDecision =
  | { role: Role; by: 'claim' | 'domain' | 'default'; matched: string }
  | { role: null; reason: string };

/** A claim by name; dots reach into nested objects (`realm_access.roles`), as Keycloak nests them. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim's values: one string, or a list of strings (anything else holds none). */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function mostPowerful(roles: readonly Role[]): Role {
  return ROLES.find((role) => roles.includes(role))!;
}

/**
 * The CDP role of a signed-in identity. The roles claim decides when one of its values is mapped
 * (the most powerful wins); otherwise the verified email's domain; otherwise the default role;
 * otherwise nobody: the caller refuses the sign-in.
 */
export function decideRole(
  claims: Readonly<Record<string, unknown>>,
  email: string,
  emailVerified: boolean,
  rules: RoleRules,
  defaultRole: Role | undefined,
): RoleDecision {
  if (rules.claim) {
    const mapped = claimValues(claimAt(claims, rules.claim)).filter((value) => Object.hasOwn(rules.map, value));
    if (mapped.length) {
      const role = mostPowerful(mapped.map((value) => rules.map[value]!));
      return { role, by: 'claim', matched: mapped.find((value) => rules.map[value] === role)! };
    }
  }
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  if (emailVerified && Object.hasOwn(rules.domains, domain)) return { role: rules.domains[domain]!, by: 'domain', matched: domain };
  if (defaultRole) return { role: defaultRole, by: 'default', matched: '' };
  const looked = [
    rules.claim ? `the "${rules.claim}" claim (${claimValues(claimAt(claims, rules.claim)).join(', ') || 'empty'})` : null,
    Object.keys(rules.domains).length ? `the email domain ${domain}${emailVerified ? '' : ' (unverified)'}` : null,
  ].filter(Boolean);
  return { role: null, reason: looked.length ? `no role is mapped to ${looked.join(' or ')}` : 'no role rules are configured' };
}
